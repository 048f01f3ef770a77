//! Which server apple-conn talks to: the one URL policy every command and the TUI go through.
//!
//! A workspace file is shared (committed, copied), so it must not be a way to send Apple
//! credentials elsewhere: a URL from the file is taken only when it is Apple's or loopback;
//! any other host must come from the command line or the environment (the user's own choice).

use url::Url;

use super::http::check_base_url;

/// One overridable endpoint: where its value may come from and its default.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub flag: &'static str,
    pub env: &'static str,
    pub setting: &'static str,
    pub default: &'static str,
}

/// Apple's sign-in and session service (idmsa + olympus); an override serves both paths.
pub const APPLE_AUTH: Endpoint = Endpoint {
    flag: "--apple-auth-url",
    env: "APPLE_CONN_APPLE_AUTH_URL",
    setting: "apple_auth_url",
    default: super::signin::DEFAULT_AUTH,
};

/// The App Store Connect API.
pub const API_BASE: Endpoint = Endpoint {
    flag: "--base-url",
    env: "APPLE_CONN_API_BASE_URL",
    setting: "api_base_url",
    default: super::connection_test::DEFAULT_API_BASE,
};

/// An endpoint that was asked for, and whether it replaces Apple's default.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub url: Url,
    pub overridden: bool,
}

/// Apple's own hosts (apple.com and its subdomains).
pub fn is_apple_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "apple.com" || d.ends_with(".apple.com")
        }
        _ => false,
    }
}

pub use crate::net::is_loopback;

/// Flag over environment over workspace setting over the default, each checked the same way.
pub fn choose(ep: &Endpoint, flag: Option<&str>, setting: Option<&str>) -> Result<Chosen, String> {
    let env = std::env::var(ep.env).ok().filter(|v| !v.trim().is_empty());
    choose_from(ep, flag, env.as_deref(), setting)
}

/// `choose` with the environment value passed in (unit tests).
pub fn choose_from(
    ep: &Endpoint,
    flag: Option<&str>,
    env: Option<&str>,
    setting: Option<&str>,
) -> Result<Chosen, String> {
    let flag = flag.filter(|v| !v.trim().is_empty());
    let setting = setting.filter(|v| !v.trim().is_empty());
    if let Some(text) = flag {
        let url = check_base_url(text).map_err(|e| format!("{}: {e}", ep.flag))?;
        return Ok(Chosen {
            url,
            overridden: true,
        });
    }
    if let Some(text) = env {
        let url = check_base_url(text).map_err(|e| format!("{}: {e}", ep.env))?;
        return Ok(Chosen {
            url,
            overridden: true,
        });
    }
    if let Some(text) = setting {
        let shown = crate::terminal_text::clean_line(text);
        let url = check_base_url(text).map_err(|e| {
            format!(
                "[settings] {}: {}",
                ep.setting,
                crate::terminal_text::clean_line(&e)
            )
        })?;
        if !is_apple_host(&url) && !is_loopback(&url) {
            return Err(format!(
                "[settings] {} = \"{shown}\" points to a host that is neither Apple's nor this machine: \
                 apple-conn takes such an endpoint only from {} or the {} environment variable, never \
                 from the workspace file (a shared file must not redirect your credentials); remove the \
                 setting, or pass the URL with {} / {} if you mean it",
                ep.setting, ep.flag, ep.env, ep.flag, ep.env
            ));
        }
        return Ok(Chosen {
            url,
            overridden: true,
        });
    }
    let url = check_base_url(ep.default)?;
    Ok(Chosen {
        url,
        overridden: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_may_name_apple_or_loopback_only() {
        let refused = choose_from(&API_BASE, None, None, Some("https://evil.example")).unwrap_err();
        assert!(refused.contains("--base-url") && refused.contains("APPLE_CONN_API_BASE_URL"));
        assert!(
            choose_from(
                &API_BASE,
                None,
                None,
                Some("https://apple.com.evil.example")
            )
            .is_err()
        );
        assert!(choose_from(&API_BASE, None, None, Some("http://127.0.0.1:9/")).is_ok());
        assert!(
            choose_from(
                &API_BASE,
                None,
                None,
                Some("https://api.appstoreconnect.apple.com")
            )
            .is_ok()
        );
        let flagged = choose_from(
            &API_BASE,
            Some("https://proxy.example"),
            None,
            Some("https://evil.example"),
        )
        .unwrap();
        assert_eq!(flagged.url.host_str(), Some("proxy.example"));
        let env = choose_from(&API_BASE, None, Some("https://proxy.example"), None).unwrap();
        assert!(env.overridden);
        assert!(choose_from(&API_BASE, None, Some("http://proxy.example"), None).is_err());
        assert!(
            !choose_from(&APPLE_AUTH, None, None, None)
                .unwrap()
                .overridden
        );
    }
}
