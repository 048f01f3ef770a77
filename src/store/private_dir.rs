//! A folder only this user can enter, for files that hold a secret a tool reads by path
//! (`env --reveal`'s API key JSON): a fresh one under the temp folder, or one the user names.

use std::path::{Path, PathBuf};

/// A new folder `PREFIX<random hex>` in the temp folder, mode 0700, made here (never an
/// existing one: a name someone planted is refused by the create, not followed).
pub fn new_in_temp(prefix: &str) -> std::io::Result<PathBuf> {
    use rand::Rng;
    let base = std::env::temp_dir();
    let mut last = None;
    for _ in 0..8 {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        let dir = base.join(format!("{prefix}{}", hex::encode(bytes)));
        match create_one(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free name")))
}

/// The folder the user named: made (0700) when missing; when it exists it must be a real folder
/// (not a link) that no other user can read or enter.
pub fn named(dir: &Path) -> Result<PathBuf, String> {
    let shown = crate::terminal_text::clean_line(&dir.display().to_string());
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_one(dir).map_err(|e| format!("cannot create {shown}: {e}"))?;
        }
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
        Ok(m) if m.file_type().is_symlink() => {
            return Err(format!(
                "{shown} is a symbolic link: name the real folder (a key is never written through a link)"
            ));
        }
        Ok(m) if !m.is_dir() => return Err(format!("{shown} is not a folder")),
        Ok(m) => {
            if let Some(mode) = open_to_others(&m) {
                return Err(format!(
                    "{shown} can be read by other users (mode {mode:o}): `chmod 700` it or name another folder"
                ));
            }
        }
    }
    Ok(dir.to_path_buf())
}

/// The mode bits that let another user in, if any.
#[cfg(unix)]
fn open_to_others(m: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = m.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn open_to_others(_: &std::fs::Metadata) -> Option<u32> {
    None
}

fn create_one(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir(dir)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_folder_is_private_and_a_named_one_must_be() {
        let made = new_in_temp("apple-conn-test-").unwrap();
        let mode = std::fs::metadata(&made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::remove_dir(&made).unwrap();

        let base = tempfile::tempdir().unwrap();
        let fresh = base.path().join("keys");
        assert_eq!(named(&fresh).unwrap(), fresh);
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(named(&fresh).unwrap_err().contains("chmod 700"));
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&fresh, &link).unwrap();
        assert!(named(&link).unwrap_err().contains("symbolic link"));
    }
}
