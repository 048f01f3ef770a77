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
}

impl SecretRef {
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Keyring => "the OS keyring".into(),
            SecretRef::Env(var) => format!("environment variable {var}"),
            SecretRef::Path(path) => format!("file {path}"),
        }
    }

    /// The inline-table form written to the workspace file.
    pub fn toml_key_value(&self) -> (&'static str, TomlScalar<'_>) {
        match self {
            SecretRef::Keyring => ("keyring", TomlScalar::Bool(true)),
            SecretRef::Env(var) => ("env", TomlScalar::Str(var)),
            SecretRef::Path(path) => ("path", TomlScalar::Str(path)),
        }
    }
}

pub enum TomlScalar<'a> {
    Bool(bool),
    Str(&'a str),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    keyring: Option<bool>,
    env: Option<String>,
    path: Option<String>,
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawRef::deserialize(deserializer)?;
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
