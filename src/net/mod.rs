//! What every client of a network service shares: which hosts are this machine, and which
//! transport errors are certificate refusals.

pub mod tls_refusal;

pub use tls_refusal::tls_refusal;

/// 127.0.0.0/8, ::1 and localhost: a test server or a local proxy on this machine.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_this_machine_only() {
        for yes in [
            "http://127.0.0.1:1",
            "http://127.9.0.1",
            "http://[::1]:8",
            "http://LOCALHOST",
        ] {
            assert!(is_loopback(&url::Url::parse(yes).unwrap()), "{yes}");
        }
        for no in [
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://[::2]",
            "file:///x",
        ] {
            assert!(!is_loopback(&url::Url::parse(no).unwrap()), "{no}");
        }
    }
}
