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

/// Prompts on stderr and reads one line from the terminal on stdin without echoing it.
pub fn read_hidden_line(prompt: &str, cap: u64) -> std::io::Result<String> {
    eprint!("{prompt}");
    #[cfg(unix)]
    let _quiet = EchoOff::new(0)?;
    let mut line = String::new();
    std::io::stdin().lock().take(cap).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
