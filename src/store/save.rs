//! Crash-safe workspace writes: lock, temp file in the same folder, fsync, rename, keep `.bak`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{path}: could not save ({error}); the workspace file is unchanged{hint}")]
    Io {
        path: String,
        error: std::io::Error,
        hint: &'static str,
    },
    #[error(
        "{0}: another apple-conn is changing this workspace (adding, removing, moving secrets or saving): try again when it has finished"
    )]
    Busy(String),
    #[error(
        "{0}: the file changed on disk since it was loaded; reload it and apply your change again"
    )]
    Conflict(String),
}

fn io_error(path: &Path, error: std::io::Error) -> SaveError {
    // libc's names, not numbers: ELOOP alone differs (Linux 40, macOS 62), but none is guessed.
    let hint = match error.raw_os_error() {
        Some(libc::ENOSPC) => ": the disk is full, free some space",
        Some(libc::EACCES) | Some(libc::EPERM) => {
            ": permission denied, check the folder's permissions"
        }
        Some(libc::EROFS) => ": the file system is read-only",
        _ => "",
    };
    SaveError::Io {
        path: path.display().to_string(),
        error,
        hint,
    }
}

pub fn bak_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".bak");
    path.with_file_name(name)
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// An advisory lock held while reading, changing and writing the workspace. Re-entrant within a
/// process: an operation holds it from its first check through its last secret write and save,
/// and the saves inside take it again for free. Released when the last guard drops.
pub struct WorkspaceLock {
    key: PathBuf,
}

/// Locks this process holds: (workspace path, guards alive, the locked file).
static HELD: std::sync::Mutex<Vec<(PathBuf, usize, File)>> = std::sync::Mutex::new(Vec::new());

fn held_key(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Drop for WorkspaceLock {
    fn drop(&mut self) {
        let Ok(mut held) = HELD.lock() else { return };
        if let Some(i) = held.iter().position(|(p, _, _)| *p == self.key) {
            held[i].1 -= 1;
            if held[i].1 == 0 {
                // Dropping the file releases the flock.
                held.remove(i);
            }
        }
    }
}

/// True while this process holds the lock of `path` (an operation checks it holds it).
pub fn is_locked_here(path: &Path) -> bool {
    let key = held_key(path);
    HELD.lock()
        .map(|h| h.iter().any(|(p, _, _)| *p == key))
        .unwrap_or(false)
}

pub fn lock(path: &Path) -> Result<WorkspaceLock, SaveError> {
    let key = held_key(path);
    if let Ok(mut held) = HELD.lock()
        && let Some(entry) = held.iter_mut().find(|(p, _, _)| *p == key)
    {
        entry.1 += 1;
        return Ok(WorkspaceLock { key });
    }
    let file = lock_file(path)?;
    if let Ok(mut held) = HELD.lock() {
        held.push((key.clone(), 1, file));
    }
    Ok(WorkspaceLock { key })
}

fn lock_file(path: &Path) -> Result<File, SaveError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(path, e))?;
    }
    let lp = lock_path(path);
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A link planted at NAME.lock must not make us create or touch another file.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&lp).map_err(|e| lock_error(&lp, e))?;
    match file.metadata() {
        Ok(m) if m.is_file() => {}
        _ => {
            return Err(lock_error(
                &lp,
                std::io::Error::other("it is not a regular file"),
            ));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(SaveError::Busy(path.display().to_string()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(path, e)),
        }
    }
}

fn lock_error(lock: &Path, error: std::io::Error) -> SaveError {
    // O_NOFOLLOW on a link fails with ELOOP on Linux and macOS (40 and 62), EMLINK on FreeBSD.
    #[cfg(unix)]
    let is_link = matches!(error.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK));
    #[cfg(not(unix))]
    let is_link = false;
    if is_link {
        let error = std::io::Error::other(
            "the lock file is a symbolic link: apple-conn never follows one; remove it",
        );
        return io_error(lock, error);
    }
    io_error(lock, error)
}

/// The steps of a save, in order: tests fail each one to prove nothing is ever torn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    CreateTemp,
    Write,
    Sync,
    Rename,
}

/// Writes `bytes` to `path` so that a crash leaves the old or the new file, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SaveError> {
    write_atomic_with(path, bytes, &|_| Ok(()))
}

/// `write_atomic` with a hook called before each step (fault injection in tests).
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    hook: &dyn Fn(Step) -> std::io::Result<()>,
) -> Result<(), SaveError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A random name, created exclusively without following links: nothing can be planted there.
    let tmp = super::files::temp_beside(&dir.join(path.file_name().unwrap_or_default()));
    let mut created = false;
    let result = (|| -> std::io::Result<()> {
        hook(Step::CreateTemp)?;
        let mut file = super::files::create_new_private(&tmp)?;
        created = true;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        hook(Step::Write)?;
        file.write_all(bytes)?;
        hook(Step::Sync)?;
        file.sync_all()?;
        drop(file);
        hook(Step::Rename)?;
        std::fs::rename(&tmp, path)?;
        // The rename is durable only once the folder itself is synced.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        if created {
            let _ = std::fs::remove_file(&tmp);
        }
        return Err(io_error(path, e));
    }
    Ok(())
}

/// Saves a new version: the current file becomes `.bak` (itself written atomically), then the new one.
pub fn save_with_backup(path: &Path, new_text: &str) -> Result<(), SaveError> {
    save_with_backup_with(path, new_text, &|_, _| Ok(()))
}

/// `save_with_backup` with a hook: `(is_backup, step)` before each step.
pub fn save_with_backup_with(
    path: &Path,
    new_text: &str,
    hook: &dyn Fn(bool, Step) -> std::io::Result<()>,
) -> Result<(), SaveError> {
    match super::files::read_capped(path, super::files::WORKSPACE_CAP, "workspace file") {
        Ok(old) => write_atomic_with(&bak_path(path), &old, &|s| hook(true, s))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(path, e)),
    }
    write_atomic_with(path, new_text.as_bytes(), &|s| hook(false, s))
}
