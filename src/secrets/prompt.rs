//! Reading a secret typed at a terminal: echo off, ends at Enter, terminal restored after.

use std::io::{BufRead, Read};

/// Restores the terminal's modes when dropped, also on an early return.
#[cfg(unix)]
struct EchoOff {
    fd: i32,
    saved: libc::termios,
}

#[cfg(unix)]
impl EchoOff {
    fn new(fd: i32) -> std::io::Result<EchoOff> {
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut quiet = saved;
        // No echo of what is typed, but still the newline, so the next output starts on a new line.
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL | libc::ICANON;
        if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(EchoOff { fd, saved })
    }
}

#[cfg(unix)]
impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: restores the modes read in `new` on the same descriptor.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSAFLUSH, &self.saved);
        }
    }
}

/// Prompts on stderr and reads from the terminal on stdin without echoing it: one line (ends at
/// Enter) for a password, or up to Ctrl-D for a multi-line paste (a .p8, a session).
pub fn read_hidden(prompt: &str, cap: u64, one_line: bool) -> std::io::Result<String> {
    // Echo goes off before the prompt shows, so nothing typed after the prompt is ever echoed.
    #[cfg(unix)]
    let _quiet = EchoOff::new(0)?;
    eprint!("{prompt}");
    let mut text = String::new();
    let mut input = std::io::stdin().lock().take(cap);
    if one_line {
        input.read_line(&mut text)?;
    } else {
        input.read_to_string(&mut text)?;
    }
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}
