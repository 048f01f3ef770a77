//! The TUI's look at its terminal on Unix (Linux, macOS): select(2) and FIONREAD.

use super::event::Input;

/// Watches the terminal input crossterm reads (stdin if it is a tty, else /dev/tty).
/// crossterm loops forever on a hung-up tty (read returns 0 or EIO), so we look first.
pub struct InputWatch {
    fd: i32,
    _tty: Option<std::fs::File>,
}

impl InputWatch {
    pub fn new() -> std::io::Result<InputWatch> {
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() {
            return Ok(InputWatch { fd: 0, _tty: None });
        }
        let tty = std::fs::File::open("/dev/tty")?;
        use std::os::fd::AsRawFd;
        // select(2) takes descriptors below FD_SETSIZE only (1024 on Linux and macOS alike).
        if !usize::try_from(tty.as_raw_fd()).is_ok_and(|fd| fd < libc::FD_SETSIZE) {
            return Err(std::io::Error::other(
                "too many files open to watch the terminal: close some and start again",
            ));
        }
        Ok(InputWatch {
            fd: tty.as_raw_fd(),
            _tty: Some(tty),
        })
    }

    /// Waits up to `timeout` for input; a hang-up, an error or a closed descriptor is `Lost`.
    /// select, not poll: macOS's poll(2) "does not support devices" (a tty answers POLLNVAL).
    /// A hang-up makes the tty readable with nothing to read (FIONREAD 0, or EIO on Linux).
    pub fn wait(&self, timeout: std::time::Duration) -> Input {
        // SAFETY: fd_set is plain data, zeroed then filled by FD_ZERO/FD_SET with one descriptor
        // below FD_SETSIZE (0, or the /dev/tty opened at start-up).
        let mut readable: libc::fd_set = unsafe { std::mem::zeroed() };
        unsafe {
            libc::FD_ZERO(&mut readable);
            libc::FD_SET(self.fd, &mut readable);
        }
        let mut limit = libc::timeval {
            tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_usec: timeout.subsec_micros() as libc::suseconds_t,
        };
        // SAFETY: the set and the timeval live for the duration of the call.
        let n = unsafe {
            libc::select(
                self.fd + 1,
                &mut readable,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut limit,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return if e.kind() == std::io::ErrorKind::Interrupted {
                Input::Idle
            } else {
                Input::Lost
            };
        }
        if n == 0 {
            return Input::Idle;
        }
        let mut waiting: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int.
        if unsafe { libc::ioctl(self.fd, libc::FIONREAD, &mut waiting) } != 0 || waiting <= 0 {
            Input::Lost
        } else {
            Input::Ready
        }
    }
}
