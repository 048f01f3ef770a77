//! Reading a secret typed at a terminal, on every OS, through rpassword: echo off (termios on
//! Unix and macOS, the console mode on Windows), terminal restored after, Ctrl-C still interrupts.

use std::io::{Error, ErrorKind};

/// rpassword writes the prompt before it turns echo off and restores echo between lines, so on a
/// Unix tty whatever is typed or pasted in those gaps would show (tests/hostile_terminal.rs caught
/// a paste doing so under load). This keeps echo off around the whole read; rpassword still reads.
/// Windows needs none: its console echoes input only when it is read.
#[cfg(unix)]
struct EchoOff {
    tty: std::fs::File,
    saved: libc::termios,
}

#[cfg(unix)]
impl EchoOff {
    fn new() -> Option<EchoOff> {
        use std::os::fd::AsRawFd;
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut saved) } != 0 {
            return None;
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        // TCSANOW, not TCSAFLUSH: a paste already on its way is read, not dropped.
        if unsafe { libc::tcsetattr(tty.as_raw_fd(), libc::TCSANOW, &quiet) } != 0 {
            return None;
        }
        Some(EchoOff { tty, saved })
    }
}

#[cfg(unix)]
impl Drop for EchoOff {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: restores the modes read in `new` on the same terminal.
        unsafe {
            libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSANOW, &self.saved);
        }
    }
}

/// Prompts on the terminal and reads from it without echoing: one line (ends at Enter) for a
/// password, or lines up to Ctrl-D on an empty line for a multi-line paste (a .p8, a session).
/// The prompt goes to the terminal itself (/dev/tty or CONOUT$), so a redirected stderr does not
/// hide it.
pub fn read_hidden(prompt: &str, cap: u64, one_line: bool) -> std::io::Result<String> {
    #[cfg(unix)]
    let _quiet = EchoOff::new();
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let too_long = || Error::new(ErrorKind::InvalidData, format!("over {cap} bytes"));
    if one_line {
        let line = rpassword::prompt_password(prompt)?;
        return if line.len() > cap {
            Err(too_long())
        } else {
            Ok(line)
        };
    }
    let mut text = String::new();
    let mut first = true;
    loop {
        // Each line is one rpassword read; `_quiet` keeps echo off between them.
        let line = if std::mem::take(&mut first) {
            rpassword::prompt_password(prompt)
        } else {
            rpassword::read_password()
        };
        match line {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
                if text.len() > cap {
                    return Err(too_long());
                }
            }
            // Ctrl-D on an empty line (rpassword's end of input), or the terminal closed.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
    }
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}
