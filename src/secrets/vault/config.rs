//! Where the vault is and who we are to it: chosen by this host, or by a workspace file this host trusts.

use std::path::{Path, PathBuf};

use url::Url;

use crate::domain::workspace::{Settings, VaultSettings};
use crate::secrets::SecretValue;
use crate::store::trust;

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
        // Where the vault CLI keeps it: ~/.vault-token (%USERPROFILE% on Windows, as Go's UserHomeDir).
        let token_file = crate::store::home_dir()
            .map(|h| h.join(".vault-token"))
            .and_then(|p| crate::store::files::read_text_capped(&p, 64 * 1024, "vault token").ok())
            // The file's text is wiped once the token is taken from it (issue 33).
            .map(|t| {
                let t = zeroize::Zeroizing::new(t);
                SecretValue::new(t.trim().to_string())
            })
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
    /// The address came from the (trusted) workspace file, not from this host.
    pub address_from_file: bool,
    /// `ca_cert` is the file's (trusted) CA, not the host's VAULT_CACERT: its bytes are checked
    /// against the trust record as they are read (`ca_pem`).
    pub ca_from_file: bool,
    /// The CA's PEM as read and judged, when the file named it: the client uses exactly these bytes.
    pub ca_pem: Option<String>,
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

/// `resolve_with`, judging the file's guarded settings by this host's trust record as if
/// `[settings.vault]` were the file's only guarded settings (never looser than the whole file's).
pub fn resolve(
    settings: &VaultSettings,
    host: HostEnv,
    workspace_file: &Path,
) -> Result<VaultConfig, String> {
    let whole = Settings {
        vault: Some(settings.clone()),
        ..Settings::default()
    };
    resolve_with(settings, host, workspace_file, &|key| {
        trust::require_settings(workspace_file, &whole, key).map_err(|e| e.to_string())
    })
}

/// The address: VAULT_ADDR, else BAO_ADDR, else --vault-addr, else the file's `address` once this
/// host trusts the file (`trusted(key)` says whether a guarded setting may be used). The file's
/// mount, prefix and namespace decide where secrets are written: they need trust too unless they
/// are the defaults. The file's `ca_cert` is used only for the file's own (trusted) address: a CA
/// from a shared file never replaces the system's roots for a server this host chose.
pub fn resolve_with(
    settings: &VaultSettings,
    host: HostEnv,
    workspace_file: &Path,
    trusted: &dyn Fn(&str) -> Result<(), String>,
) -> Result<VaultConfig, String> {
    check_segment("mount", &settings.mount)?;
    check_segment("prefix", &settings.prefix)?;
    if let Some(ns) = &settings.namespace {
        check_segment("namespace", ns)?;
    }
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
        .filter(|t| !t.trim().is_empty())
        .map(|t| parse_address(t, "[settings.vault] address"))
        .transpose()?;
    let (address, from_file) = match (host_addr, file_addr) {
        (Some(h), None) => (h, false),
        // The file names the host's own server: nothing of the file's is used for it.
        (Some(h), Some(f)) if same_server(&h, &f) => (h, false),
        (Some(h), Some(f)) => {
            return Err(format!(
                "this host's {host_from} names the vault {h}, the workspace file's [settings.vault] address names {f}: apple-conn will not guess which one holds the team's secrets. Make them name the same server, or unset {host_from} to use the file's (once this host trusts the file: `apple-conn trust`)"
            ));
        }
        (None, Some(f)) => {
            trusted(trust::VAULT_ADDRESS)?;
            (f, true)
        }
        (None, None) => {
            return Err(
                "no vault address: set VAULT_ADDR (or BAO_ADDR) on this host, or pass --vault-addr URL"
                    .into(),
            );
        }
    };
    // Where secrets are written and read: the defaults, or the file's once trusted.
    trusted(trust::VAULT_MOUNT)?;
    trusted(trust::VAULT_PREFIX)?;
    trusted(trust::VAULT_NAMESPACE)?;
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
    let file_ca = settings.ca_cert.as_deref().filter(|p| !p.trim().is_empty());
    let (ca_cert, ca_from_file) = match (host.vault_cacert, file_ca) {
        (Some(p), _) => (Some(PathBuf::from(p)), false),
        (None, Some(p)) if from_file => {
            trusted(trust::VAULT_CA_CERT)?;
            (Some(crate::store::resolve_path(workspace_file, p)), true)
        }
        // The host chose the server: its certificate is judged by the system's roots.
        (None, _) => (None, false),
    };
    Ok(VaultConfig {
        address,
        token,
        mount: settings.mount.trim_matches('/').to_string(),
        prefix: settings.prefix.trim_matches('/').to_string(),
        namespace: settings.namespace.clone(),
        ca_cert,
        address_from_file: from_file,
        ca_from_file,
        ca_pem: None,
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

    /// The verdict of a host that never trusted the file: a guarded non-default setting is refused.
    fn untrusted(s: &VaultSettings) -> impl Fn(&str) -> Result<(), String> {
        let whole = Settings {
            vault: Some(s.clone()),
            ..Settings::default()
        };
        move |key: &str| {
            if trust::guarded(&whole).iter().any(|g| g.key == key) {
                Err(format!("untrusted {key}"))
            } else {
                Ok(())
            }
        }
    }

    fn trusted(_: &str) -> Result<(), String> {
        Ok(())
    }

    const P: &str = "/ws/workspace.toml";

    #[test]
    fn the_host_chooses_the_server_and_the_file_needs_trust() {
        let p = Path::new(P);
        let c = resolve_with(
            &settings(None),
            host(Some("https://v.example:8200")),
            p,
            &untrusted(&settings(None)),
        )
        .unwrap();
        assert_eq!(c.address.as_str(), "https://v.example:8200/");
        assert_eq!(
            (c.mount.as_str(), c.prefix.as_str()),
            ("secret", "apple-conn")
        );
        assert!(!c.address_from_file);
        // A loopback address in the file is no exception: who listens there is unknown.
        let e = resolve_with(
            &settings(Some("http://127.0.0.1:8200")),
            host(None),
            p,
            &untrusted(&settings(Some("http://127.0.0.1:8200"))),
        )
        .err()
        .unwrap();
        assert_eq!(e, "untrusted settings.vault.address");
        let c = resolve_with(
            &settings(Some("http://127.0.0.1:8200")),
            host(None),
            p,
            &trusted,
        )
        .unwrap();
        assert!(c.address_from_file);
        // The same server as the host's needs no trust.
        assert!(
            resolve_with(
                &settings(Some("https://v.example:8200")),
                host(Some("https://v.example:8200/")),
                p,
                &untrusted(&settings(Some("https://v.example:8200")))
            )
            .is_ok()
        );
    }

    #[test]
    fn a_file_naming_another_server_than_the_host_is_refused_even_when_trusted() {
        let p = Path::new(P);
        let e = resolve_with(
            &settings(Some("https://evil.example")),
            host(Some("https://v.example")),
            p,
            &trusted,
        )
        .err()
        .unwrap();
        assert!(
            e.contains("will not guess") && e.contains("unset VAULT_ADDR"),
            "{e}"
        );
        let e = resolve_with(
            &settings(None),
            host(Some("http://v.example:8200")),
            p,
            &trusted,
        )
        .err()
        .unwrap();
        assert!(e.contains("plain http"), "{e}");
    }

    #[test]
    fn the_files_ca_is_used_only_for_the_files_own_trusted_address() {
        let p = Path::new(P);
        let with_ca = |address: Option<&str>| VaultSettings {
            ca_cert: Some("ca.pem".into()),
            ..settings(address)
        };
        // The host chose the server: the file's CA is not used, trusted or not.
        let c = resolve_with(&with_ca(None), host(Some("https://v.example")), p, &trusted).unwrap();
        assert_eq!(c.ca_cert, None);
        let c = resolve_with(
            &with_ca(Some("https://v.example")),
            host(Some("https://v.example")),
            p,
            &trusted,
        )
        .unwrap();
        assert_eq!(c.ca_cert, None);
        // The host's own VAULT_CACERT always applies.
        let mut h = host(Some("https://v.example"));
        h.vault_cacert = Some("/etc/host-ca.pem".into());
        let c = resolve_with(&with_ca(None), h, p, &trusted).unwrap();
        assert_eq!(c.ca_cert, Some(PathBuf::from("/etc/host-ca.pem")));
        // The file's address, trusted: its CA comes with it, relative to the file.
        let c = resolve_with(&with_ca(Some("https://v.example")), host(None), p, &trusted).unwrap();
        assert_eq!(c.ca_cert, Some(PathBuf::from("/ws/ca.pem")));
    }

    #[test]
    fn mount_prefix_and_namespace_from_the_file_need_trust() {
        let p = Path::new(P);
        for (s, key) in [
            (
                VaultSettings {
                    mount: "kv".into(),
                    ..VaultSettings::default()
                },
                "mount",
            ),
            (
                VaultSettings {
                    prefix: "other".into(),
                    ..VaultSettings::default()
                },
                "prefix",
            ),
            (
                VaultSettings {
                    namespace: Some("team".into()),
                    ..VaultSettings::default()
                },
                "namespace",
            ),
        ] {
            let e = resolve_with(&s, host(Some("https://v.example")), p, &untrusted(&s))
                .err()
                .unwrap();
            assert_eq!(e, format!("untrusted settings.vault.{key}"));
            assert!(resolve_with(&s, host(Some("https://v.example")), p, &trusted).is_ok());
        }
    }

    #[test]
    fn env_beats_flag_and_a_missing_token_says_how_to_log_in() {
        let p = Path::new(P);
        let h = HostEnv {
            bao_addr: Some("https://bao.example".into()),
            flag_addr: Some("https://flag.example".into()),
            bao_token: Some(SecretValue::new("t".into())),
            ..HostEnv::default()
        };
        let c = resolve_with(&settings(None), h, p, &untrusted(&settings(None))).unwrap();
        assert_eq!(c.address.host_str(), Some("bao.example"));
        let h = HostEnv {
            flag_addr: Some("https://flag.example".into()),
            ..HostEnv::default()
        };
        let e = resolve_with(&settings(None), h, p, &untrusted(&settings(None)))
            .err()
            .unwrap();
        assert!(e.contains("VAULT_TOKEN") && e.contains("bao login"), "{e}");
    }
}
