//! Where the vault is and who we are to it: chosen by this host, never by a shared workspace file.

use std::path::{Path, PathBuf};

use url::Url;

use crate::domain::workspace::VaultSettings;
use crate::secrets::SecretValue;

/// What this host says, read once from the environment (tests build it by hand).
#[derive(Default)]
pub struct HostEnv {
    pub vault_addr: Option<String>,
    pub bao_addr: Option<String>,
    pub flag_addr: Option<String>,
    pub vault_token: Option<SecretValue>,
    pub bao_token: Option<SecretValue>,
    /// The contents of ~/.vault-token, if any.
    pub token_file: Option<SecretValue>,
    pub vault_cacert: Option<String>,
}

fn non_empty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

impl HostEnv {
    pub fn from_process(flag_addr: Option<String>) -> HostEnv {
        let token_file = std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".vault-token"))
            .and_then(|p| crate::store::files::read_text_capped(&p, 64 * 1024, "vault token").ok())
            .map(|t| SecretValue::new(t.trim().to_string()))
            .filter(|t| !t.is_empty());
        HostEnv {
            vault_addr: non_empty("VAULT_ADDR"),
            bao_addr: non_empty("BAO_ADDR"),
            flag_addr: flag_addr.filter(|a| !a.trim().is_empty()),
            vault_token: non_empty("VAULT_TOKEN").map(SecretValue::new),
            bao_token: non_empty("BAO_TOKEN").map(SecretValue::new),
            token_file,
            vault_cacert: non_empty("VAULT_CACERT").or_else(|| non_empty("BAO_CACERT")),
        }
    }
}

/// Everything a client needs; the token is only ever sent in the X-Vault-Token header.
pub struct VaultConfig {
    pub address: Url,
    pub token: SecretValue,
    pub mount: String,
    pub prefix: String,
    pub namespace: Option<String>,
    pub ca_cert: Option<PathBuf>,
}

pub use crate::net::is_loopback;

fn same_server(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn parse_address(text: &str, from: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| {
        format!("{from} `{text}` is not a URL ({e}): write e.g. https://vault.example.com:8200")
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{from} `{text}` is plain http: a vault token may only travel unencrypted to loopback (127.0.0.1, ::1, localhost); use https"
            ));
        }
        other => return Err(format!("{from} `{text}` uses {other}: use https")),
    }
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{from} `{text}` must be a plain server address, without credentials"
        ));
    }
    Ok(url)
}

fn check_segment(what: &str, text: &str) -> Result<(), String> {
    let t = text.trim_matches('/');
    if t.is_empty()
        || t.split('/').any(|s| s.is_empty() || s == "." || s == "..")
        || t.chars()
            .any(|c| c.is_control() || c == '?' || c == '%' || c == '#')
    {
        return Err(format!(
            "[settings.vault] {what} `{text}` is not a vault path: use names separated by single slashes, e.g. `secret`"
        ));
    }
    Ok(())
}

/// The address: VAULT_ADDR, else BAO_ADDR, else --vault-addr; the file's `address` only when
/// it is loopback or names this host's own server.
pub fn resolve(
    settings: &VaultSettings,
    host: HostEnv,
    workspace_file: &Path,
) -> Result<VaultConfig, String> {
    check_segment("mount", &settings.mount)?;
    check_segment("prefix", &settings.prefix)?;
    let (host_text, host_from) = match (&host.vault_addr, &host.bao_addr, &host.flag_addr) {
        (Some(a), _, _) => (Some(a.clone()), "VAULT_ADDR"),
        (None, Some(a), _) => (Some(a.clone()), "BAO_ADDR"),
        (None, None, Some(a)) => (Some(a.clone()), "--vault-addr"),
        _ => (None, ""),
    };
    let host_addr = host_text
        .as_deref()
        .map(|t| parse_address(t, host_from))
        .transpose()?;
    let file_addr = settings
        .address
        .as_deref()
        .map(|t| parse_address(t, "[settings.vault] address"))
        .transpose()?;
    let address = match (host_addr, file_addr) {
        (Some(h), None) => h,
        (Some(h), Some(f)) if is_loopback(&f) || same_server(&h, &f) => h,
        (None, Some(f)) if is_loopback(&f) => f,
        (_, Some(f)) => {
            return Err(format!(
                "the workspace file names the vault {f} ([settings.vault] address), which is not loopback and not this host's own VAULT_ADDR: apple-conn never sends a token to a server a shared file chose. If this host trusts it, set VAULT_ADDR={f} here"
            ));
        }
        (None, None) => {
            return Err(
                "no vault address: set VAULT_ADDR (or BAO_ADDR) on this host, or pass --vault-addr URL"
                    .into(),
            );
        }
    };
    let token = host
        .vault_token
        .or(host.bao_token)
        .or(host.token_file)
        .ok_or_else(|| {
            "no vault token: set VAULT_TOKEN (or BAO_TOKEN), or log in with `bao login` / `vault login` (they write ~/.vault-token)".to_string()
        })?;
    if token.expose().chars().any(|c| c.is_control() || c == ' ') {
        return Err("the vault token contains spaces or control characters: set VAULT_TOKEN to the token alone".into());
    }
    let ca_cert = host.vault_cacert.map(PathBuf::from).or_else(|| {
        settings
            .ca_cert
            .as_deref()
            .map(|p| crate::store::resolve_path(workspace_file, p))
    });
    if let Some(ns) = &settings.namespace {
        check_segment("namespace", ns)?;
    }
    Ok(VaultConfig {
        address,
        token,
        mount: settings.mount.trim_matches('/').to_string(),
        prefix: settings.prefix.trim_matches('/').to_string(),
        namespace: settings.namespace.clone(),
        ca_cert,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(addr: Option<&str>) -> HostEnv {
        HostEnv {
            vault_addr: addr.map(String::from),
            vault_token: Some(SecretValue::new("s.token".into())),
            ..HostEnv::default()
        }
    }

    fn settings(address: Option<&str>) -> VaultSettings {
        VaultSettings {
            address: address.map(String::from),
            ..VaultSettings::default()
        }
    }

    #[test]
    fn the_host_chooses_the_server() {
        let p = Path::new("/ws/workspace.toml");
        let c = resolve(&settings(None), host(Some("https://v.example:8200")), p).unwrap();
        assert_eq!(c.address.as_str(), "https://v.example:8200/");
        assert_eq!(
            (c.mount.as_str(), c.prefix.as_str()),
            ("secret", "apple-conn")
        );
        // A loopback address in the file is fine without VAULT_ADDR.
        let c = resolve(&settings(Some("http://127.0.0.1:8200")), host(None), p).unwrap();
        assert_eq!(c.address.as_str(), "http://127.0.0.1:8200/");
        // The same remote server as the host's is fine too.
        assert!(
            resolve(
                &settings(Some("https://v.example:8200")),
                host(Some("https://v.example:8200/")),
                p
            )
            .is_ok()
        );
    }

    #[test]
    fn a_shared_file_cannot_redirect_the_token() {
        let p = Path::new("/ws/workspace.toml");
        let e = resolve(&settings(Some("https://evil.example")), host(None), p)
            .err()
            .unwrap();
        assert!(e.contains("never sends a token"), "{e}");
        let e = resolve(
            &settings(Some("https://evil.example")),
            host(Some("https://v.example")),
            p,
        )
        .err()
        .unwrap();
        assert!(e.contains("set VAULT_ADDR=https://evil.example"), "{e}");
        let e = resolve(&settings(None), host(Some("http://v.example:8200")), p)
            .err()
            .unwrap();
        assert!(e.contains("plain http"), "{e}");
    }

    #[test]
    fn env_beats_flag_and_a_missing_token_says_how_to_log_in() {
        let p = Path::new("/ws/workspace.toml");
        let h = HostEnv {
            bao_addr: Some("https://bao.example".into()),
            flag_addr: Some("https://flag.example".into()),
            bao_token: Some(SecretValue::new("t".into())),
            ..HostEnv::default()
        };
        let c = resolve(&settings(None), h, p).unwrap();
        assert_eq!(c.address.host_str(), Some("bao.example"));
        let h = HostEnv {
            flag_addr: Some("https://flag.example".into()),
            ..HostEnv::default()
        };
        let e = resolve(&settings(None), h, p).err().unwrap();
        assert!(e.contains("VAULT_TOKEN") && e.contains("bao login"), "{e}");
    }
}
