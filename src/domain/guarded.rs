//! The guarded settings of a workspace file (issue 25) and their defaults: the settings that decide
//! where secrets go, which take effect only once this host trusts the file (`store::trust`).
//! Pure, and below both `store/` and the modules that use the settings (`apple/`, `secrets/vault`).

use super::workspace::{Settings, VaultSettings};

/// Every guarded setting, as the TOML key a message names.
pub const APPLE_AUTH_URL: &str = "settings.apple_auth_url";
pub const API_BASE_URL: &str = "settings.api_base_url";
pub const VAULT_ADDRESS: &str = "settings.vault.address";
pub const VAULT_MOUNT: &str = "settings.vault.mount";
pub const VAULT_PREFIX: &str = "settings.vault.prefix";
pub const VAULT_NAMESPACE: &str = "settings.vault.namespace";
pub const VAULT_CA_CERT: &str = "settings.vault.ca_cert";
pub const BITRISE_API_URL: &str = "settings.bitrise.api_url";

/// Apple's sign-in service (idmsa): `settings.apple_auth_url` equal to it needs no trust.
pub const DEFAULT_AUTH: &str = "https://idmsa.apple.com";
/// The App Store Connect API: `settings.api_base_url` equal to it needs no trust.
pub const DEFAULT_API_BASE: &str = "https://api.appstoreconnect.apple.com";

/// Bitrise's public API (with its `/v0.1` prefix): `[settings.bitrise] api_url` equal to it needs no trust.
pub const BITRISE_API_DEFAULT: &str = "https://api.bitrise.io/v0.1";

/// One guarded setting the file sets to something other than its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    pub key: &'static str,
    pub value: String,
}

impl Guarded {
    /// The setting names a file whose contents it trusts (the vault CA): trust covers the bytes too.
    pub fn names_file(&self) -> bool {
        self.key == VAULT_CA_CERT
    }
}

/// Two URLs are the same endpoint when they parse to the same URL (`https://x` = `https://x/`).
fn same_url(a: &str, b: &str) -> bool {
    match (url::Url::parse(a.trim()), url::Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

fn url_setting(out: &mut Vec<Guarded>, key: &'static str, value: Option<&str>, default: &str) {
    // An empty value is treated as absent by every reader (the default applies).
    if let Some(v) = value.filter(|v| !v.trim().is_empty())
        && !same_url(v, default)
    {
        out.push(Guarded {
            key,
            value: v.to_string(),
        });
    }
}

/// The guarded settings `settings` sets to something other than their default, in a fixed order.
pub fn guarded(settings: &Settings) -> Vec<Guarded> {
    let mut out = Vec::new();
    url_setting(
        &mut out,
        APPLE_AUTH_URL,
        settings.apple_auth_url.as_deref(),
        DEFAULT_AUTH,
    );
    url_setting(
        &mut out,
        API_BASE_URL,
        settings.api_base_url.as_deref(),
        DEFAULT_API_BASE,
    );
    if let Some(v) = &settings.vault {
        let defaults = VaultSettings::default();
        let mut text = |key, value: Option<&String>, default: Option<&String>| {
            if let Some(value) = value
                && Some(value.trim_matches('/')) != default.map(|d| d.trim_matches('/'))
            {
                out.push(Guarded {
                    key,
                    value: value.clone(),
                });
            }
        };
        text(VAULT_ADDRESS, v.address.as_ref(), None);
        text(VAULT_MOUNT, Some(&v.mount), Some(&defaults.mount));
        text(VAULT_PREFIX, Some(&v.prefix), Some(&defaults.prefix));
        text(VAULT_NAMESPACE, v.namespace.as_ref(), None);
        text(VAULT_CA_CERT, v.ca_cert.as_ref(), None);
    }
    if let Some(b) = &settings.bitrise {
        url_setting(
            &mut out,
            BITRISE_API_URL,
            b.api_url.as_deref(),
            BITRISE_API_DEFAULT,
        );
    }
    out
}

/// How a guarded value is shown to the person deciding on trust: a URL's host in the ASCII
/// (Punycode) form the program contacts, and, when the file wrote a non-ASCII host, that host with
/// each non-ASCII character escaped (`\u{456}`), so a lookalike is seen for what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub value: String,
    /// The host as the file wrote it, escaped, when it is not ASCII.
    pub non_ascii_host: Option<String>,
}

impl Guarded {
    /// Whether the value is a URL (its host is what is contacted).
    fn is_url(&self) -> bool {
        matches!(
            self.key,
            APPLE_AUTH_URL | API_BASE_URL | VAULT_ADDRESS | BITRISE_API_URL
        )
    }

    pub fn shown(&self) -> Shown {
        let plain = Shown {
            value: self.value.clone(),
            non_ascii_host: None,
        };
        if !self.is_url() {
            return plain;
        }
        let Ok(url) = url::Url::parse(self.value.trim()) else {
            return plain;
        };
        // ASCII hosts are shown as written; a non-ASCII one as the host the program contacts.
        match (written_host(&self.value), url.host_str()) {
            (Some(written), Some(ascii)) if !written.is_ascii() => Shown {
                value: self.value.replacen(&written, ascii, 1),
                non_ascii_host: Some(escape_non_ascii(&written)),
            },
            _ => plain,
        }
    }
}

/// The host part of a URL as written (between `//` and the next `/`, `?`, `#`; without user and port).
fn written_host(text: &str) -> Option<String> {
    let rest = text.trim().split_once("//")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = match host.rfind(':') {
        Some(i) if !host.ends_with(']') => &host[..i],
        _ => host,
    };
    Some(host.to_string())
}

/// `api.bitr\u{456}se.io`: every non-ASCII character as its code point.
pub fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookalike_host_is_shown_in_punycode_and_marked() {
        let g = Guarded {
            key: BITRISE_API_URL,
            value: "https://api.bitr\u{456}se.io/v0.1".into(),
        };
        let s = g.shown();
        assert_eq!(s.value, "https://api.xn--bitrse-svf.io/v0.1");
        assert_eq!(s.non_ascii_host.as_deref(), Some("api.bitr\\u{456}se.io"));
        let plain = Guarded {
            key: VAULT_ADDRESS,
            value: "https://user@vault.example:8200".into(),
        };
        assert_eq!(plain.shown().non_ascii_host, None);
        let not_url = Guarded {
            key: VAULT_PREFIX,
            value: "t\u{e9}am".into(),
        };
        assert_eq!(not_url.shown().value, "t\u{e9}am");
    }
}
