//! `{ env = "VAR" }` and `{ path = "file" }` references: read-only, except a new file we create.

use std::io::Write;
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
                match std::fs::read_to_string(&full) {
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

    /// Writes a secret to a file that does not exist yet, mode 0600 (session cookie files).
    pub fn write_new_file(&self, path: &str, value: &SecretValue) -> Result<(), SecretError> {
        let full = self.resolve(path);
        write_private(&full, value.expose().as_bytes())
            .map_err(|e| SecretError::Failed(format!("cannot write {}: {e}", full.display())))
    }
}

/// Creates or replaces a file readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}
