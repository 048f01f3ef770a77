//! Reading a secret typed at a terminal without echo. On Unix apple-conn reads /dev/tty itself
//! (issue 33): rpassword raised SIGINT before it restored the terminal, so Ctrl-C left it
//! `-echo -icanon -isig`, and its buffers grew (copies of the password freed unwiped). Here the
//! text goes into one zeroizing buffer sized once, and a Ctrl-C (or SIGTERM, SIGHUP) restores the
//! terminal before the signal's default action ends the process. Windows keeps rpassword (its
//! console mode is restored by the console itself when the process ends).

use std::io::{Error, ErrorKind};

use zeroize::Zeroizing;

use super::SecretValue;

/// Prompts on the terminal and reads from it without echoing: one line (ends at Enter) for a
/// password, or lines up to Ctrl-D on an empty line for a multi-line paste (a .p8, a session).
/// The prompt goes to the terminal itself (/dev/tty or CONOUT$), so a redirected stderr does not
/// hide it.
pub fn read_hidden(prompt: &str, cap: u64, one_line: bool) -> std::io::Result<SecretValue> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    #[cfg(unix)]
    {
        unix::read(prompt, cap, one_line)
    }
    #[cfg(not(unix))]
    {
        other::read(prompt, cap, one_line)
    }
}

fn too_long(cap: usize) -> Error {
    Error::new(ErrorKind::InvalidData, format!("over {cap} bytes"))
}

/// The typed text, as a secret: the buffer moves, it is never copied.
fn finish(bytes: Zeroizing<Vec<u8>>) -> std::io::Result<SecretValue> {
    let mut bytes = bytes;
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    let vec = std::mem::take(&mut *bytes);
    match String::from_utf8(vec) {
        Ok(text) => Ok(SecretValue::new(text)),
        Err(e) => {
            // The bytes are wiped before the error leaves.
            drop(Zeroizing::new(e.into_bytes()));
            Err(Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
        }
    }
}

#[cfg(unix)]
mod unix {
    use std::io::{Error, ErrorKind, Read, Write};
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};

    use zeroize::Zeroizing;

    use super::{SecretValue, finish, too_long};

    const BACKSPACE: u8 = 0x08;
    const DEL: u8 = 0x7f;
    const CTRL_D: u8 = 0x04;
    const CTRL_U: u8 = 0x15;
    const ESC: u8 = 0x1b;

    /// The terminal in no-echo, byte-at-a-time mode (ISIG kept: Ctrl-C is the kernel's SIGINT),
    /// restored on drop and by a handler of the signals that end the process, which then puts the
    /// previous action back and re-raises the signal (plain sigaction: signal-hook's registry
    /// cannot give the default action back, so SIGINT would be ignored after a prompt).
    struct Quiet {
        tty: std::fs::File,
        saved: Box<libc::termios>,
        old: Vec<(libc::c_int, Box<libc::sigaction>)>,
    }

    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];
    /// What the handler needs, set while a prompt is up (one at a time: the handler reads only these).
    static TTY_FD: AtomicI32 = AtomicI32::new(-1);
    static SAVED: AtomicPtr<libc::termios> = AtomicPtr::new(std::ptr::null_mut());
    static OLD: [AtomicPtr<libc::sigaction>; 3] =
        [const { AtomicPtr::new(std::ptr::null_mut()) }; 3];
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);

    /// Async-signal-safe: tcsetattr, sigaction and raise only.
    extern "C" fn restore_and_reraise(signal: libc::c_int) {
        let fd = TTY_FD.load(Ordering::SeqCst);
        let saved = SAVED.load(Ordering::SeqCst);
        if fd >= 0 && !saved.is_null() {
            // SAFETY: `saved` points at the Box a live `Quiet` owns (cleared before it drops).
            unsafe { libc::tcsetattr(fd, libc::TCSANOW, saved) };
        }
        INTERRUPTED.store(true, Ordering::SeqCst);
        for (i, s) in SIGNALS.iter().enumerate() {
            if *s == signal {
                let old = OLD[i].load(Ordering::SeqCst);
                // SAFETY: puts back the action saved in `Quiet::new` (or the default), then
                // re-raises: delivered when this handler returns, with that action.
                unsafe {
                    if old.is_null() {
                        libc::signal(signal, libc::SIG_DFL);
                    } else {
                        libc::sigaction(signal, old, std::ptr::null_mut());
                    }
                    libc::raise(signal);
                }
            }
        }
    }

    impl Quiet {
        fn new(tty: std::fs::File) -> std::io::Result<Quiet> {
            let fd = tty.as_raw_fd();
            // SAFETY: termios is plain data; tcgetattr fills it or fails.
            let mut saved: Box<libc::termios> = Box::new(unsafe { std::mem::zeroed() });
            if unsafe { libc::tcgetattr(fd, &mut *saved) } != 0 {
                return Err(Error::last_os_error());
            }
            INTERRUPTED.store(false, Ordering::SeqCst);
            TTY_FD.store(fd, Ordering::SeqCst);
            SAVED.store(&mut *saved, Ordering::SeqCst);
            let mut old = Vec::new();
            for (i, signal) in SIGNALS.iter().enumerate() {
                // SAFETY: sigaction structs are plain data; the handler is async-signal-safe.
                unsafe {
                    let mut previous: Box<libc::sigaction> = Box::new(std::mem::zeroed());
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = restore_and_reraise as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut action.sa_mask);
                    if libc::sigaction(*signal, &action, &mut *previous) == 0 {
                        OLD[i].store(&mut *previous, Ordering::SeqCst);
                        old.push((*signal, previous));
                    }
                }
            }
            let quiet_guard = Quiet { tty, saved, old };
            let mut quiet = *quiet_guard.saved;
            quiet.c_lflag &= !(libc::ECHO | libc::ICANON);
            quiet.c_lflag |= libc::ISIG;
            quiet.c_cc[libc::VMIN] = 1;
            quiet.c_cc[libc::VTIME] = 0;
            // TCSANOW, not TCSAFLUSH: a paste already on its way is read, not dropped.
            if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) } != 0 {
                return Err(Error::last_os_error());
            }
            Ok(quiet_guard)
        }
    }

    impl Drop for Quiet {
        fn drop(&mut self) {
            // SAFETY: puts back the signal actions and the modes read in `new`, then forgets them.
            unsafe {
                for (signal, previous) in &self.old {
                    libc::sigaction(*signal, &**previous, std::ptr::null_mut());
                }
                libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSANOW, &*self.saved);
            }
            for slot in &OLD {
                slot.store(std::ptr::null_mut(), Ordering::SeqCst);
            }
            SAVED.store(std::ptr::null_mut(), Ordering::SeqCst);
            TTY_FD.store(-1, Ordering::SeqCst);
        }
    }

    enum Line {
        Ended,
        /// Ctrl-D on an empty line, or the terminal closed.
        Eof,
    }

    /// One line into `out` (which never grows past its capacity: no copy is left behind).
    fn read_line(tty: &mut std::fs::File, out: &mut Vec<u8>, cap: usize) -> std::io::Result<Line> {
        let start = out.len();
        let mut byte = [0u8; 1];
        loop {
            match tty.read(&mut byte) {
                Ok(0) => return Ok(Line::Eof),
                Ok(_) => {}
                // A signal whose earlier action lets the process go on: the prompt ends.
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        return Err(Error::new(ErrorKind::Interrupted, "interrupted"));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }
            let b = byte[0];
            byte[0] = 0;
            match b {
                b'\n' | b'\r' => {
                    if out.len() >= cap {
                        return Err(too_long(cap));
                    }
                    out.push(b'\n');
                    return Ok(Line::Ended);
                }
                CTRL_D if out.len() == start => return Ok(Line::Eof),
                DEL | BACKSPACE => {
                    // One UTF-8 character: its continuation bytes, then its first byte.
                    while out.len() > start && out.last().is_some_and(|b| b & 0xc0 == 0x80) {
                        out.pop();
                    }
                    if out.len() > start {
                        out.pop();
                    }
                }
                CTRL_U => out.truncate(start),
                ESC => skip_escape(tty)?,
                b if b < 0x20 => {}
                b => {
                    if out.len() >= cap {
                        return Err(too_long(cap));
                    }
                    out.push(b);
                }
            }
        }
    }

    /// An arrow key or another escape sequence is no part of a secret.
    fn skip_escape(tty: &mut std::fs::File) -> std::io::Result<()> {
        let mut byte = [0u8; 1];
        if tty.read(&mut byte)? == 0 || !matches!(byte[0], b'[' | b'O') {
            return Ok(());
        }
        while tty.read(&mut byte)? == 1 {
            if (0x40..=0x7e).contains(&byte[0]) {
                break;
            }
        }
        Ok(())
    }

    pub fn read(prompt: &str, cap: usize, one_line: bool) -> std::io::Result<SecretValue> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        let mut reader = tty.try_clone()?;
        let mut writer = tty.try_clone()?;
        let quiet = Quiet::new(tty)?;
        writer.write_all(prompt.as_bytes())?;
        writer.flush()?;
        // Sized once: `read_line` never pushes past `cap`, so no reallocation frees a copy.
        let mut text: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(cap.min(1 << 24)));
        let outcome = loop {
            match read_line(&mut reader, &mut text, cap) {
                Ok(Line::Ended) if one_line => break Ok(()),
                Ok(Line::Ended) => continue,
                Ok(Line::Eof) if one_line && text.is_empty() => {
                    break Err(Error::new(
                        ErrorKind::UnexpectedEof,
                        "unexpected end of file",
                    ));
                }
                Ok(Line::Eof) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        drop(quiet);
        let _ = writer.write_all(b"\n");
        outcome?;
        finish(text)
    }
}

#[cfg(not(unix))]
mod other {
    use std::io::ErrorKind;

    use zeroize::Zeroizing;

    use super::{SecretValue, finish, too_long};

    pub fn read(prompt: &str, cap: usize, one_line: bool) -> std::io::Result<SecretValue> {
        let mut text: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::new());
        let mut first = true;
        loop {
            let line = if std::mem::take(&mut first) {
                rpassword::prompt_password(prompt)
            } else {
                rpassword::read_password()
            };
            match line {
                Ok(line) => {
                    let line = Zeroizing::new(line);
                    if text.len() + line.len() > cap {
                        return Err(too_long(cap));
                    }
                    text.extend_from_slice(line.as_bytes());
                    text.push(b'\n');
                    if one_line {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::UnexpectedEof && !one_line => break,
                Err(e) => return Err(e),
            }
        }
        finish(text)
    }
}
