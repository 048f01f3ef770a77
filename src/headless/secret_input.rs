//! Where a command reads a secret from: `env:VAR`, `file:PATH` or `stdin` — never a flag value.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use zeroize::Zeroizing;

use super::Failure;
use crate::domain::secret_ref::SecretRef;
use crate::secrets::SecretValue;
use crate::store::files::SMALL_CAP;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    Stdin,
}

impl std::str::FromStr for SecretSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "stdin" || s == "-" {
            Ok(SecretSource::Stdin)
        } else if let Some(var) = s.strip_prefix("env:") {
            if var.is_empty() {
                Err("env: needs a variable name, e.g. env:APPLE_PASSWORD".into())
            } else {
                Ok(SecretSource::Env(var.to_string()))
            }
        } else if let Some(path) = s.strip_prefix("file:") {
            if path.is_empty() {
                Err("file: needs a path, e.g. file:/run/secrets/apple".into())
            } else {
                Ok(SecretSource::File(PathBuf::from(path)))
            }
        } else {
            Err("give where to read the secret: env:VAR, file:PATH or stdin (secrets are never passed as flag values)".into())
        }
    }
}

impl SecretSource {
    pub fn read(&self, what: &str) -> Result<SecretValue, Failure> {
        // Every copy is zeroizing from the moment it is read (issue 33).
        let value: Zeroizing<String> = match self {
            SecretSource::Env(var) => Zeroizing::new(std::env::var(var).map_err(|_| {
                Failure::new(1, format!("{what}: environment variable {var} is not set"))
            })?),
            SecretSource::File(path) => Zeroizing::new(
                crate::store::files::read_text_capped(path, crate::store::files::SMALL_CAP, what)
                    .map_err(|e| {
                    Failure::new(1, format!("{what}: cannot read {}: {e}", path.display()))
                })?,
            ),
            // At a terminal: echo off, Enter ends it. From a pipe: everything up to EOF.
            SecretSource::Stdin if std::io::stdin().is_terminal() => {
                crate::secrets::prompt::read_hidden(
                    &format!(
                        "{what}{}: ",
                        if what.contains("password") {
                            ""
                        } else {
                            " (end with Ctrl-D)"
                        }
                    ),
                    SMALL_CAP,
                    what.contains("password"),
                )
                .map(|v| Zeroizing::new(v.expose().to_string()))
                .map_err(|e| Failure::new(1, format!("{what}: cannot read the terminal: {e}")))?
            }
            SecretSource::Stdin => {
                // Sized once (the cap): reading never reallocates and frees a copy.
                let mut text = Zeroizing::new(String::with_capacity(SMALL_CAP as usize + 1));
                std::io::stdin()
                    .take(SMALL_CAP)
                    .read_to_string(&mut text)
                    .map_err(|e| Failure::new(1, format!("{what}: cannot read stdin: {e}")))?;
                text
            }
        };
        let value = SecretValue::new(value.trim_end_matches(['\n', '\r']).to_string());
        if value.is_empty() {
            return Err(Failure::new(1, format!("{what} is empty")));
        }
        Ok(value)
    }

    /// The workspace reference that points at the same place, when it can be kept there.
    pub fn as_reference(&self) -> Option<SecretRef> {
        match self {
            SecretSource::Env(var) => Some(SecretRef::Env(var.clone())),
            SecretSource::File(path) => Some(SecretRef::Path(path.display().to_string())),
            SecretSource::Stdin => None,
        }
    }
}
