//! `{ env = "VAR" }` and `{ path = "file" }` references: read-only, except a new file we create.

use std::path::{Path, PathBuf};

use super::{SecretError, SecretValue};
use crate::domain::secret_ref::SecretRef;

pub struct ReferenceStore<'a> {
    workspace_file: &'a Path,
}

impl<'a> ReferenceStore<'a> {
    pub fn new(workspace_file: &'a Path) -> Self {
        ReferenceStore { workspace_file }
    }

    pub fn resolve(&self, path: &str) -> PathBuf {
        crate::store::resolve_path(self.workspace_file, path)
    }

    pub fn read(&self, r: &SecretRef) -> Result<SecretValue, SecretError> {
        match r {
            SecretRef::Env(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(SecretValue::new(v)),
                Ok(_) => Err(SecretError::NotFound(format!(
                    "environment variable {var} is empty"
                ))),
                Err(std::env::VarError::NotPresent) => Err(SecretError::NotFound(format!(
                    "environment variable {var} is not set"
                ))),
                Err(std::env::VarError::NotUnicode(_)) => Err(SecretError::Failed(format!(
                    "environment variable {var} is not UTF-8 text"
                ))),
            },
            SecretRef::Path(p) => {
                let full = self.resolve(p);
                // The file's text is wiped once the secret is taken from it (issue 33).
                match crate::store::files::read_text_capped(
                    &full,
                    crate::store::files::SESSION_CAP,
                    "secret",
                )
                .map(zeroize::Zeroizing::new)
                {
                    Ok(text) if text.trim().is_empty() => Err(SecretError::NotFound(format!(
                        "{} is empty",
                        full.display()
                    ))),
                    // A trailing newline from `echo > file` is not part of the secret.
                    Ok(text) => Ok(SecretValue::new(
                        text.trim_end_matches(['\n', '\r']).to_string(),
                    )),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(
                        SecretError::NotFound(format!("{} does not exist", full.display())),
                    ),
                    Err(e) => Err(SecretError::Failed(format!(
                        "cannot read {}: {e}",
                        full.display()
                    ))),
                }
            }
            SecretRef::Keyring | SecretRef::Vault(_) => {
                Err(SecretError::Failed("not a reference".into()))
            }
        }
    }

    /// Writes a session file: a new one is created exclusively (no links followed); an existing
    /// one is replaced only if it holds an apple-conn session, never a link or another file.
    pub fn write_new_file(&self, path: &str, value: &SecretValue) -> Result<(), SecretError> {
        let full = self.resolve(path);
        let refuse = |why: String| SecretError::Failed(format!("{}: {why}", full.display()));
        let exists = crate::store::files::refuse_link_or_special(&full)
            .map_err(|e| refuse(format!("not written: {e}")))?;
        if exists {
            let old = crate::store::files::read_text_capped(
                &full,
                crate::store::files::SESSION_CAP,
                "session file",
            )
            .map_err(|e| refuse(format!("not written: {e}")))?;
            if !is_session_file(&old) {
                return Err(refuse(
                    "it already holds something that is not an apple-conn session; apple-conn does not overwrite it: choose another path or delete the file".into(),
                ));
            }
        }
        write_private(&full, value.expose().as_bytes())
            .map_err(|e| refuse(format!("cannot write it: {e}")))
    }
}

impl ReferenceStore<'_> {
    /// Deletes a session file apple-conn wrote; any other file (or a link) is left alone.
    pub fn remove_session_file(&self, path: &str) -> Result<(), SecretError> {
        let full = self.resolve(path);
        match crate::store::files::refuse_link_or_special(&full) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                return Err(SecretError::Failed(format!(
                    "{}: left in place: {e}",
                    full.display()
                )));
            }
        }
        let text = crate::store::files::read_text_capped(
            &full,
            crate::store::files::SESSION_CAP,
            "session file",
        )
        .map_err(|e| SecretError::Failed(format!("{}: left in place: {e}", full.display())))?;
        if !is_session_file(&text) {
            return Err(SecretError::Failed(format!(
                "{}: left in place: it does not hold an apple-conn session",
                full.display()
            )));
        }
        std::fs::remove_file(&full)
            .map_err(|e| SecretError::Failed(format!("cannot delete {}: {e}", full.display())))
    }
}

/// An apple-conn session file: the JSON it writes (`version`, `created_at`, `cookies`).
fn is_session_file(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| {
        v.get("version").is_some_and(|x| x.is_u64())
            && v.get("cookies").is_some_and(|x| x.is_array())
    })
}

/// Creates a private file (0600) or atomically replaces a regular one; refuses links and devices.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::store::files::write_private(path, bytes)
}
