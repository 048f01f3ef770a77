//! Which server apple-conn talks to: the one URL policy every command and the TUI go through.
//!
//! A workspace file is shared (committed, copied), so it must not be a way to send Apple
//! credentials elsewhere: a URL from the file other than Apple's default is taken only once this
//! host trusts the file (`apple-conn trust`, `store::trust`). Loopback is no proof of who listens
//! (another user of a shared build host can). The flag and the environment are the host's own.

use std::path::Path;

use url::Url;

use super::http::check_base_url;
use crate::domain::workspace::Settings;
use crate::store::trust;

/// One overridable endpoint: where its value may come from and its default.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub flag: &'static str,
    pub env: &'static str,
    /// The TOML key of the workspace setting (`settings.api_base_url`), as messages name it.
    pub setting: &'static str,
    pub default: &'static str,
    /// Reads the setting from a workspace's `[settings]`.
    pub read: fn(&Settings) -> Option<&str>,
}

/// Apple's sign-in and session service (idmsa + olympus); an override serves both paths.
pub const APPLE_AUTH: Endpoint = Endpoint {
    flag: "--apple-auth-url",
    env: "APPLE_CONN_APPLE_AUTH_URL",
    setting: trust::APPLE_AUTH_URL,
    default: super::signin::DEFAULT_AUTH,
    read: |s| s.apple_auth_url.as_deref(),
};

/// The App Store Connect API.
pub const API_BASE: Endpoint = Endpoint {
    flag: "--base-url",
    env: "APPLE_CONN_API_BASE_URL",
    setting: trust::API_BASE_URL,
    default: super::connection_test::DEFAULT_API_BASE,
    read: |s| s.api_base_url.as_deref(),
};

/// An endpoint that was asked for, and whether it replaces Apple's default.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub url: Url,
    pub overridden: bool,
}

/// The workspace file a setting would come from: its path (trust is per file) and its settings.
#[derive(Clone, Copy)]
pub struct FromFile<'a> {
    pub path: &'a Path,
    pub settings: &'a Settings,
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

/// Flag over environment over workspace setting over the default; the setting only when trusted.
pub fn choose(ep: &Endpoint, flag: Option<&str>, file: Option<FromFile>) -> Result<Chosen, String> {
    let env = std::env::var(ep.env).ok().filter(|v| !v.trim().is_empty());
    let setting = file.and_then(|f| (ep.read)(f.settings));
    let trusted = || match file {
        Some(f) => {
            trust::require_settings(f.path, f.settings, ep.setting).map_err(|e| e.to_string())
        }
        None => Ok(()),
    };
    choose_from(ep, flag, env.as_deref(), setting, &trusted)
}

/// `choose` with the environment value and the host's trust verdict passed in (unit tests).
pub fn choose_from(
    ep: &Endpoint,
    flag: Option<&str>,
    env: Option<&str>,
    setting: Option<&str>,
    trusted: &dyn Fn() -> Result<(), String>,
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
    let default = check_base_url(ep.default)?;
    if let Some(text) = setting {
        let url = check_base_url(text)
            .map_err(|e| format!("{}: {}", ep.setting, crate::terminal_text::clean_line(&e)))?;
        // Apple's own default, spelled in the file, changes nothing: no trust needed.
        if url == default {
            return Ok(Chosen {
                url,
                overridden: false,
            });
        }
        trusted().map_err(|e| {
            format!(
                "{e}; or choose the URL on this host with {} / {}",
                ep.flag, ep.env
            )
        })?;
        return Ok(Chosen {
            url,
            overridden: true,
        });
    }
    Ok(Chosen {
        url: default,
        overridden: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Result<(), String> {
        Err("untrusted".into())
    }

    fn allowed() -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn a_url_from_the_file_needs_trust_even_when_it_is_loopback_or_apple() {
        for url in [
            "http://127.0.0.1:9/",
            "https://evil.example",
            "https://proxy.apple.com",
        ] {
            let e = choose_from(&API_BASE, None, None, Some(url), &refused).unwrap_err();
            assert!(
                e.contains("untrusted")
                    && e.contains("--base-url")
                    && e.contains("APPLE_CONN_API_BASE_URL"),
                "{e}"
            );
            let ok = choose_from(&API_BASE, None, None, Some(url), &allowed).unwrap();
            assert!(ok.overridden);
        }
        // Plain http to a remote host is refused even when trusted.
        assert!(choose_from(&API_BASE, None, None, Some("http://evil.example"), &allowed).is_err());
    }

    #[test]
    fn the_default_and_the_hosts_own_choices_need_no_trust() {
        let same = choose_from(
            &API_BASE,
            None,
            None,
            Some("https://api.appstoreconnect.apple.com/"),
            &refused,
        )
        .unwrap();
        assert!(!same.overridden);
        let flagged = choose_from(
            &API_BASE,
            Some("https://proxy.example"),
            None,
            Some("https://evil.example"),
            &refused,
        )
        .unwrap();
        assert_eq!(flagged.url.host_str(), Some("proxy.example"));
        let env = choose_from(
            &API_BASE,
            None,
            Some("http://127.0.0.1:8/"),
            Some("https://evil.example"),
            &refused,
        )
        .unwrap();
        assert!(env.overridden && env.url.port() == Some(8));
        assert!(
            choose_from(
                &API_BASE,
                None,
                Some("http://proxy.example"),
                None,
                &refused
            )
            .is_err()
        );
        assert!(
            !choose_from(&APPLE_AUTH, None, None, None, &refused)
                .unwrap()
                .overridden
        );
    }
}
