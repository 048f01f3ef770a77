//! Where a command will keep a secret, checked before anything is typed, read or sent to Apple
//! or Bitrise: a sign-in whose result cannot be kept wastes a 2FA code and counts against
//! Apple's rate limit.

use std::path::Path;

use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::secrets::{EntryName, SecretError, SecretStore};

/// Ok when `at` can take `name` now: the keyring answers, the vault lets this token create it,
/// a file's folder takes a new file. References apple-conn only reads are not checked here.
pub fn check_writable(
    keyring: &dyn SecretStore,
    workspace_file: &Path,
    at: &SecretRef,
    name: &EntryName,
) -> Result<(), SecretError> {
    match at {
        SecretRef::Keyring => keyring.reachable(),
        SecretRef::Vault(VaultRef::Entry) => {
            crate::secrets::vault::store_for(workspace_file)?.check_create(name)
        }
        SecretRef::Path(p) => folder_takes_file(&crate::store::resolve_path(workspace_file, p)),
        SecretRef::Env(_) | SecretRef::Vault(VaultRef::Path { .. }) => Ok(()),
    }
}

/// The file's folder exists and this user may create files in it (a file already there is
/// replaced through a new one beside it, so the folder is what counts).
pub fn folder_takes_file(file: &Path) -> Result<(), SecretError> {
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(SecretError::Failed(format!(
            "{}: the folder {} does not exist: create it first (mkdir -p {0})",
            file.display(),
            folder.display()
        )));
    }
    if file.is_dir() {
        return Err(SecretError::Failed(format!(
            "{} is a folder: give a file path",
            file.display()
        )));
    }
    if !writable(&folder) {
        return Err(SecretError::Failed(format!(
            "{}: this user cannot create files in {}: choose a folder you own",
            file.display(),
            folder.display()
        )));
    }
    Ok(())
}

#[cfg(unix)]
fn writable(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a NUL-terminated path; access(2) only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

#[cfg(not(unix))]
fn writable(folder: &Path) -> bool {
    std::fs::metadata(folder).is_ok_and(|m| !m.permissions().readonly())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_file_needs_a_folder_that_takes_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(folder_takes_file(&dir.path().join("s.session")).is_ok());
        let missing = folder_takes_file(&dir.path().join("nope/s.session")).unwrap_err();
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        assert!(folder_takes_file(dir.path()).is_err());
    }
}
