//! The real binary in a tmux session: keys in, the screen read back as text.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
}

/// `tmux` on this session's own server (`-L`): tests in parallel never share one, so one
/// test's last session ending cannot take down the server another is starting on.
fn tmux_on(socket: &str) -> Command {
    let mut c = Command::new("tmux");
    c.args(["-L", socket]);
    c
}

impl Tmux {
    /// `command` runs under `sh -c`; the session has no keyring unless the command sets one.
    pub fn start(name: &str, command: &str, w: u16, h: u16) -> Tmux {
        // A fresh server each time, even for a name used again in the same test: the last
        // server of that name may still be going down (kill-server returns before it is gone).
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("apple-conn-{name}-{}-{n}", std::process::id());
        let status = tmux_on(&session)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", &session])
            .args(["-x", &w.to_string(), "-y", &h.to_string(), command])
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .status()
            .unwrap();
        assert!(status.success());
        Tmux { session }
    }

    /// A `tmux` command on this session's server.
    pub fn cmd(&self) -> Command {
        tmux_on(&self.session)
    }

    /// tmux key names ("Enter", "Tab", "j"), each given time to be handled.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd()
                .args(["send-keys", "-t", &self.session, k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    /// Text typed as is (no key-name lookup).
    pub fn literal(&self, text: &str) {
        self.cmd()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .unwrap();
        std::thread::sleep(Duration::from_millis(120));
    }

    /// Every key in one `send-keys`: tmux writes them to the pty at once, as a fast typist's
    /// burst or a key-repeat arrives. Returns when tmux has written them.
    pub fn burst(&self, keys: &[&str]) {
        let status = self
            .cmd()
            .args(["send-keys", "-t", &self.session])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Text typed as is, all at once, without waiting after it.
    pub fn literal_now(&self, text: &str) {
        let status = self
            .cmd()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// `text` pasted as a terminal pastes it: bracketed (`paste-buffer -p`), one event.
    pub fn paste(&self, text: &str) {
        let buffer = format!("{}-paste", self.session);
        for args in [
            vec!["set-buffer", "-b", &buffer, text],
            vec![
                "paste-buffer",
                "-p",
                "-d",
                "-b",
                &buffer,
                "-t",
                &self.session,
            ],
        ] {
            assert!(self.cmd().args(args).status().unwrap().success());
        }
    }

    /// Polls the screen every few ms until `done` says yes; the time it took and every screen seen.
    pub fn time_until(
        &self,
        limit: Duration,
        done: impl Fn(&str) -> bool,
    ) -> (Duration, Vec<String>) {
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            let s = self.screen();
            let ok = done(&s);
            seen.push(s);
            if ok || start.elapsed() > limit {
                return (start.elapsed(), seen);
            }
            std::thread::sleep(Duration::from_millis(3));
        }
    }

    pub fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-t", &self.session, "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if s.contains(text) || Instant::now() > deadline {
                assert!(s.contains(text), "waited for {text:?}, screen:\n{s}");
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Quits and waits for the command to end (`done` is touched after it; the file is complete then).
    pub fn quit(&self, done: &Path) {
        self.keys(&["q"]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(done.exists(), "the TUI did not quit:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// Waits up to 10 s for `path` to appear; its text, or empty.
pub fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(path).unwrap_or_default()
}
