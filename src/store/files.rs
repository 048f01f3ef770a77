//! Reading and creating files that others may have planted: caps, regular files only, no links.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * 1024;
/// A .p8 is ~250 bytes; 64 KiB leaves room for comments and odd line endings.
pub const KEY_CAP: u64 = 64 * KIB;
pub const WORKSPACE_CAP: u64 = 64 * MIB;
pub const BITRISE_YML_CAP: u64 = 64 * MIB;
pub const SESSION_CAP: u64 = MIB;
/// Passwords, codes, tokens, keymaps, themes and other small text files.
pub const SMALL_CAP: u64 = MIB;

fn kind_of(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        return "a folder";
    }
    "not a regular file"
}

fn human(bytes: u64) -> String {
    if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes / KIB)
    }
}

/// How messages name a private file's protection: its mode on Unix; on Windows a new file takes
/// the access list of its folder (the README's platform section says so), so no mode is claimed.
pub const PRIVATE_MODE: &str = if cfg!(unix) { " (mode 0600)" } else { "" };

/// Reads a whole regular file of at most `cap` bytes; the error says why not, in plain words.
/// Never blocks on a FIFO and never reads a device: it opens without waiting and checks the type.
pub fn read_capped(path: &Path, cap: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading waits for a writer: O_NONBLOCK returns at once instead.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file: apple-conn reads {what} only from regular files",
                kind_of(&meta.file_type())
            ),
        ));
    }
    if meta.len() > cap {
        return Err(too_big(what, cap));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_big(what, cap));
    }
    Ok(bytes)
}

fn too_big(what: &str, cap: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "it is larger than {}, the most a {what} may be: check that the path names the right file",
            human(cap)
        ),
    )
}

/// `read_capped` as UTF-8 text.
pub fn read_text_capped(path: &Path, cap: u64, what: &str) -> std::io::Result<String> {
    let bytes = read_capped(path, cap, what)?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it is not UTF-8 text, so it cannot be a {what}"),
        )
    })
}

/// Creates a file that must not exist yet, mode 0600, never following a link planted at `path`.
pub fn create_new_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Refuses a path that is a symbolic link or anything but a regular file (before replacing it).
pub fn refuse_link_or_special(path: &Path) -> std::io::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a symbolic link: apple-conn never writes through a link; remove the link or name the real file",
        )),
        Ok(m) if !m.file_type().is_file() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "it is {}: apple-conn writes only regular files",
                kind_of(&m.file_type())
            ),
        )),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// A temp name beside `path`: `.NAME.tmp-<pid>-<start>-<random hex>`. The random part means
/// nobody can plant a link there in advance; the pid and the process's start time let the next
/// command in the folder tell a temp file whose writer died (SIGKILL, power loss) from a live one.
pub fn temp_beside(path: &Path) -> std::path::PathBuf {
    use rand::Rng;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (pid, start) = (
        std::process::id(),
        process_start(std::process::id()).unwrap_or(0),
    );
    path.with_file_name(format!(".{name}.tmp-{pid}-{start}-{}", hex::encode(bytes)))
}

/// When a process started, a number only ever compared for equality; None when it does not exist
/// or the platform does not say. Linux: clock ticks since boot (/proc/PID/stat field 22).
#[cfg(not(windows))]
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Windows: the process's creation time (100 ns units since 1601, from GetProcessTimes).
#[cfg(windows)]
fn process_start(pid: u32) -> Option<u64> {
    windows_process(pid).and_then(|(_, created)| created)
}

/// Whether the process that wrote a temp file (`pid`, started at `start`; 0: unknown) still runs.
#[cfg(not(windows))]
fn process_alive(pid: u32, start: u64) -> bool {
    if std::path::Path::new("/proc/self/stat").exists() {
        return process_start(pid).is_some_and(|s| start == 0 || s == start);
    }
    // No /proc (macOS, the BSDs): the pid alone (signal 0 checks existence, sends nothing). EPERM
    // is another user's process under a reused pid: our writer, this user's, is gone.
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only asks whether the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[cfg(windows)]
fn process_alive(pid: u32, start: u64) -> bool {
    windows_process(pid)
        .is_some_and(|(running, created)| running && (start == 0 || created == Some(start)))
}

/// Windows: whether `pid` names a running process, and when it was created (OpenProcess with the
/// least right that reads both; a process this account may not open is not this user's writer).
#[cfg(windows)]
fn windows_process(pid: u32) -> Option<(bool, Option<u64>)> {
    use windows_sys::Win32::Foundation::{CloseHandle, FILETIME, STILL_ACTIVE};
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, GetProcessTimes, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    // SAFETY: OpenProcess returns a handle or null; every handle opened here is closed below.
    let handle = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if handle.is_null() {
        return None;
    }
    let mut code = 0u32;
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: the handle is open with PROCESS_QUERY_LIMITED_INFORMATION, which both calls need;
    // the out-parameters live for the duration of the calls.
    let (running, times) = unsafe {
        let running = GetExitCodeProcess(handle, &mut code) != 0 && code == STILL_ACTIVE as u32;
        let times = GetProcessTimes(handle, &mut created, &mut exited, &mut kernel, &mut user) != 0;
        CloseHandle(handle);
        (running, times)
    };
    let created =
        times.then(|| (u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime));
    Some((running, created))
}

/// Temp files from older versions (`.NAME.tmp-<16 hex>`) carry no pid: stale after this long.
const OLD_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Whether a file name is one of our temp files whose writer is gone.
fn is_stale_temp(name: &str, modified: Option<std::time::SystemTime>) -> bool {
    let Some(tail) = name.strip_prefix('.').and_then(|n| n.rsplit_once(".tmp-")) else {
        return false;
    };
    let parts: Vec<&str> = tail.1.split('-').collect();
    match parts.as_slice() {
        [pid, start, hex] if hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            match (pid.parse::<u32>(), start.parse::<u64>()) {
                (Ok(pid), Ok(start)) => !process_alive(pid, start),
                _ => false,
            }
        }
        [hex] if hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()) => modified
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > OLD_TEMP_AGE),
        _ => false,
    }
}

/// Removes the temp files in `dir` left by apple-conn processes that died halfway (a SIGKILL
/// between write and rename leaves one, maybe holding cookies or a key). Only this user's
/// regular files with our naming are touched; the names removed are returned.
pub fn sweep_stale_temps(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.contains(".tmp-") {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // SAFETY: geteuid has no preconditions.
            if meta.uid() != unsafe { libc::geteuid() } {
                continue;
            }
        }
        if meta.file_type().is_file()
            && is_stale_temp(&name, meta.modified().ok())
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed.push(entry.path());
        }
    }
    removed
}

/// The folder of a file (`.` for a bare name).
pub fn folder_of(path: &Path) -> std::path::PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

/// Writes a private file (0600): a new one is created exclusively; an existing regular file is
/// replaced atomically; a link or special file is refused.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    sweep_stale_temps(&folder_of(path));
    if refuse_link_or_special(path)? {
        return super::save::write_atomic(path, bytes).map_err(|e| match e {
            super::save::SaveError::Io { error, .. } => error,
            other => std::io::Error::other(other.to_string()),
        });
    }
    let mut file = create_new_private(path)?;
    let written = file.write_all(bytes).and_then(|_| file.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_fifos_devices_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("key.p8");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_capped(&fifo, KEY_CAP, "key").unwrap_err().to_string();
        assert!(e.contains("named pipe"), "{e}");
        let e = read_capped(Path::new("/dev/zero"), KEY_CAP, "key")
            .unwrap_err()
            .to_string();
        assert!(e.contains("device"), "{e}");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 70 * 1024]).unwrap();
        let e = read_capped(&big, KEY_CAP, "key").unwrap_err().to_string();
        assert!(e.contains("64 KiB"), "{e}");
    }

    #[test]
    fn only_temp_files_of_dead_writers_are_stale() {
        let me = std::process::id();
        let start = process_start(me).unwrap();
        let live = format!(".ws.toml.tmp-{me}-{start}-0123456789abcdef");
        assert!(!is_stale_temp(&live, None));
        // The same pid started at another time: a reused pid, so the writer is gone.
        let reused = format!(".ws.toml.tmp-{me}-{}-0123456789abcdef", start + 1);
        assert!(is_stale_temp(&reused, None));
        assert!(is_stale_temp(
            ".s.json.tmp-4194304999-1-0123456789abcdef",
            None
        ));
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        assert!(is_stale_temp(".ws.toml.tmp-0123456789abcdef", Some(old)));
        assert!(!is_stale_temp(
            ".ws.toml.tmp-0123456789abcdef",
            Some(std::time::SystemTime::now())
        ));
        for other in [
            "ws.toml",
            ".ws.toml.bak",
            "x.tmp-1-2-3",
            ".ws.toml.tmp-a-b-0123456789abcdef",
        ] {
            assert!(!is_stale_temp(other, None), "{other}");
        }
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(".s.json.tmp-4194304999-1-0123456789abcdef");
        std::fs::write(&dead, "cookies").unwrap();
        let alive = dir.path().join(&live);
        std::fs::write(&alive, "in progress").unwrap();
        assert_eq!(sweep_stale_temps(dir.path()), vec![dead.clone()]);
        assert!(!dead.exists() && alive.exists());
    }

    #[test]
    fn never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_private(&link, b"secret").is_err());
        assert!(create_new_private(&link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}
