//! Where a secret lives. The workspace file holds only these references, never values.

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SecretRef {
    /// The OS keyring, under an entry name derived from the connection.
    #[default]
    Keyring,
    /// An environment variable (headless build hosts).
    Env(String),
    /// A file; relative paths resolve against the workspace file's folder.
    Path(String),
    /// A Vault/OpenBao KV v2 secret (`[settings.vault]` says which mount and prefix).
    Vault(VaultRef),
}

/// `{ vault = true }` or `{ vault = "path/in/mount#field" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultRef {
    /// Under the entry name the keyring uses, below `[settings.vault] prefix`.
    Entry,
    /// A secret the team already keeps: read-only.
    Path { path: String, field: String },
}

/// The KV v2 field apple-conn writes its own entries to (and reads when no `#field` is given).
pub const VAULT_FIELD: &str = "value";

impl VaultRef {
    /// Parses `path/in/mount#field` (field defaults to `value`).
    pub fn parse(text: &str) -> Result<VaultRef, String> {
        let (path, field) = match text.split_once('#') {
            Some((p, f)) => (p, f),
            None => (text, VAULT_FIELD),
        };
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Err(format!(
                "`{text}` names no vault secret: write {{ vault = \"path/in/mount#field\" }} or {{ vault = true }}"
            ));
        }
        if field.is_empty() || field.contains('/') {
            return Err(format!(
                "`{text}`: the part after # must name a field of the secret, e.g. {{ vault = \"ci/apple#password\" }}"
            ));
        }
        if path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            || path.chars().any(|c| c.is_control() || c == '?' || c == '%')
        {
            return Err(format!(
                "`{text}` is not a vault path: use segments separated by single slashes, no `..`, `?` or `%`"
            ));
        }
        Ok(VaultRef::Path {
            path: path.to_string(),
            field: field.to_string(),
        })
    }

    fn text(&self) -> Option<String> {
        match self {
            VaultRef::Entry => None,
            VaultRef::Path { path, field } if field == VAULT_FIELD => Some(path.clone()),
            VaultRef::Path { path, field } => Some(format!("{path}#{field}")),
        }
    }
}

impl SecretRef {
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Keyring => "the OS keyring".into(),
            SecretRef::Env(var) => format!("environment variable {var}"),
            SecretRef::Path(path) => format!("file {path}"),
            SecretRef::Vault(VaultRef::Entry) => "the vault".into(),
            SecretRef::Vault(VaultRef::Path { path, field }) => {
                format!("vault secret {path} (field {field})")
            }
        }
    }

    /// Where, in one word a listing shows: `keyring`, `env:VAR`, `file:PATH`, `vault`, `vault:PATH#FIELD`.
    pub fn short(&self) -> String {
        match self {
            SecretRef::Keyring => "keyring".into(),
            SecretRef::Env(var) => format!("env:{var}"),
            SecretRef::Path(path) => format!("file:{path}"),
            SecretRef::Vault(VaultRef::Entry) => "vault".into(),
            SecretRef::Vault(VaultRef::Path { path, field }) => format!("vault:{path}#{field}"),
        }
    }

    /// The inline-table form written to the workspace file.
    pub fn toml_key_value(&self) -> (&'static str, TomlScalar<'_>) {
        match self {
            SecretRef::Keyring => ("keyring", TomlScalar::Bool(true)),
            SecretRef::Env(var) => ("env", TomlScalar::Str(var)),
            SecretRef::Path(path) => ("path", TomlScalar::Str(path)),
            SecretRef::Vault(v) => match v.text() {
                None => ("vault", TomlScalar::Bool(true)),
                Some(t) => ("vault", TomlScalar::Owned(t)),
            },
        }
    }
}

pub enum TomlScalar<'a> {
    Bool(bool),
    Str(&'a str),
    Owned(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    keyring: Option<bool>,
    env: Option<String>,
    path: Option<String>,
    vault: Option<RawVault>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawVault {
    On(bool),
    At(String),
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawRef::deserialize(deserializer)?;
        if let Some(v) = raw.vault {
            if raw.keyring.is_some() || raw.env.is_some() || raw.path.is_some() {
                return Err(D::Error::custom(
                    "a secret reference names exactly one store: { keyring = true }, { env = \"VAR\" }, { path = \"file\" } or { vault = true }",
                ));
            }
            return match v {
                RawVault::On(true) => Ok(SecretRef::Vault(VaultRef::Entry)),
                RawVault::On(false) => Err(D::Error::custom(
                    "`vault = false` names no store: write { vault = true } or { vault = \"path/in/mount#field\" }",
                )),
                RawVault::At(text) => VaultRef::parse(&text)
                    .map(SecretRef::Vault)
                    .map_err(D::Error::custom),
            };
        }
        match (raw.keyring, raw.env, raw.path) {
            (Some(true), None, None) => Ok(SecretRef::Keyring),
            (Some(false), None, None) => Err(D::Error::custom(
                "`keyring = false` names no store: write { keyring = true }, { env = \"VAR\" } or { path = \"file\" }",
            )),
            (None, Some(var), None) => {
                if var.is_empty()
                    || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || var.starts_with(|c: char| c.is_ascii_digit())
                {
                    Err(D::Error::custom(format!(
                        "`{var}` is not an environment variable name: use letters, digits and _, e.g. {{ env = \"APPLE_PASSWORD\" }}"
                    )))
                } else {
                    Ok(SecretRef::Env(var))
                }
            }
            (None, None, Some(path)) => {
                if path.trim().is_empty() {
                    Err(D::Error::custom(
                        "the `path` is empty: give the file that holds the secret",
                    ))
                } else {
                    Ok(SecretRef::Path(path))
                }
            }
            (None, None, None) => Err(D::Error::custom(
                "empty secret reference: write { keyring = true }, { env = \"VAR\" } or { path = \"file\" }",
            )),
            _ => Err(D::Error::custom(
                "a secret reference names exactly one store: { keyring = true }, { env = \"VAR\" } or { path = \"file\" }",
            )),
        }
    }
}

#[cfg(test)]
mod vault_tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        r: SecretRef,
    }

    fn parse(text: &str) -> Result<SecretRef, String> {
        toml::from_str::<Holder>(&format!("r = {text}"))
            .map(|h| h.r)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn vault_references_parse_and_write_back() {
        assert_eq!(
            parse("{ vault = true }"),
            Ok(SecretRef::Vault(VaultRef::Entry))
        );
        let r = parse("{ vault = \"ci/apple#password\" }").unwrap();
        assert_eq!(
            r,
            SecretRef::Vault(VaultRef::Path {
                path: "ci/apple".into(),
                field: "password".into()
            })
        );
        assert!(
            matches!(r.toml_key_value(), ("vault", TomlScalar::Owned(t)) if t == "ci/apple#password")
        );
        // No field: the `value` field apple-conn itself writes.
        assert_eq!(
            parse("{ vault = \"ci/apple\" }"),
            Ok(SecretRef::Vault(VaultRef::Path {
                path: "ci/apple".into(),
                field: VAULT_FIELD.into()
            }))
        );
    }

    #[test]
    fn bad_vault_references_say_how_to_write_them() {
        for (text, hint) in [
            ("{ vault = false }", "names no store"),
            ("{ vault = \"\" }", "names no vault secret"),
            ("{ vault = \"a/../b#f\" }", "not a vault path"),
            ("{ vault = \"a/b#\" }", "must name a field"),
            ("{ vault = true, keyring = true }", "exactly one store"),
        ] {
            let e = parse(text).err().unwrap();
            assert!(e.contains(hint), "{text}: {e}");
        }
    }
}
