//! Terminal events -> AppEvent: key presses only (no releases), pastes, resizes.

use std::fmt;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    Delete,
    F(u8),
}

/// A key with its modifiers; `shift` only matters for non-character keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: Code,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn plain(code: Code) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub fn ch(c: char) -> Key {
        Key::plain(Code::Char(c))
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => Code::Enter,
            "esc" => Code::Esc,
            "tab" => Code::Tab,
            "shift-tab" | "backtab" => Code::BackTab,
            "up" => Code::Up,
            "down" => Code::Down,
            "left" => Code::Left,
            "right" => Code::Right,
            "pageup" => Code::PageUp,
            "pagedown" => Code::PageDown,
            "home" => Code::Home,
            "end" => Code::End,
            "backspace" => Code::Backspace,
            "delete" => Code::Delete,
            "space" => Code::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                Code::F(f[1..].parse().unwrap_or(1))
            }
            s if s.chars().count() == 1 => Code::Char(s.chars().next().unwrap_or(' ')),
            "" => return Err(format!("`{text}` names no key")),
            other => {
                return Err(format!(
                    "`{other}` is not a key name (try enter, esc, tab, up, pageup, f1, a letter…)"
                ));
            }
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            write!(f, "ctrl-")?;
        }
        if self.alt {
            write!(f, "alt-")?;
        }
        match self.code {
            Code::Char(' ') => write!(f, "space"),
            Code::Char(c) => write!(f, "{c}"),
            Code::Enter => write!(f, "enter"),
            Code::Esc => write!(f, "esc"),
            Code::Tab => write!(f, "tab"),
            Code::BackTab => write!(f, "shift-tab"),
            Code::Up => write!(f, "↑"),
            Code::Down => write!(f, "↓"),
            Code::Left => write!(f, "←"),
            Code::Right => write!(f, "→"),
            Code::PageUp => write!(f, "pageup"),
            Code::PageDown => write!(f, "pagedown"),
            Code::Home => write!(f, "home"),
            Code::End => write!(f, "end"),
            Code::Backspace => write!(f, "backspace"),
            Code::Delete => write!(f, "delete"),
            Code::F(n) => write!(f, "f{n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    Key(Key),
    Paste(String),
    Resize,
}

pub fn from_crossterm(event: Event) -> Option<AppEvent> {
    match event {
        Event::Key(k) => key(k).map(AppEvent::Key),
        Event::Paste(text) => Some(AppEvent::Paste(text)),
        Event::Resize(_, _) => Some(AppEvent::Resize),
        _ => None,
    }
}

fn key(k: KeyEvent) -> Option<Key> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    let code = match k.code {
        KeyCode::Char(c) => Code::Char(c),
        KeyCode::Enter => Code::Enter,
        KeyCode::Esc => Code::Esc,
        KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => Code::BackTab,
        KeyCode::Tab => Code::Tab,
        KeyCode::BackTab => Code::BackTab,
        KeyCode::Up => Code::Up,
        KeyCode::Down => Code::Down,
        KeyCode::Left => Code::Left,
        KeyCode::Right => Code::Right,
        KeyCode::PageUp => Code::PageUp,
        KeyCode::PageDown => Code::PageDown,
        KeyCode::Home => Code::Home,
        KeyCode::End => Code::End,
        KeyCode::Backspace => Code::Backspace,
        KeyCode::Delete => Code::Delete,
        KeyCode::F(n) => Code::F(n),
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
        alt: k.modifiers.contains(KeyModifiers::ALT),
    })
}

/// What the terminal's input holds: a key to read, nothing yet, or no terminal any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Ready,
    Idle,
    Lost,
}

/// Watches the terminal input crossterm reads: select(2) on Unix, crossterm's own poll on Windows.
#[cfg(unix)]
pub use super::input_watch_unix::InputWatch;
#[cfg(windows)]
pub use super::input_watch_windows::InputWatch;

/// The signals that end the TUI: SIGTERM everywhere, and the hang-up of a closed terminal on Unix.
/// Windows has no SIGHUP: closing the console window ends the process (CTRL_CLOSE_EVENT's default
/// handler); saves are atomic, so nothing is left half-written either way.
pub fn end_signals() -> &'static [i32] {
    #[cfg(unix)]
    {
        &[signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP]
    }
    #[cfg(not(unix))]
    {
        &[signal_hook::consts::SIGTERM]
    }
}

/// SIGTERM and SIGHUP always end the TUI: if the loop has not returned `grace` after the
/// signal (stuck in a read), the process exits; saves are atomic, so nothing is left half-written.
pub fn exit_after_signal(
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
    grace: std::time::Duration,
) {
    std::thread::spawn(move || {
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::thread::sleep(grace);
        super::restore_terminal();
        std::process::exit(129);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_strings_round_trip() {
        for s in [
            "a",
            "ctrl-s",
            "alt-x",
            "enter",
            "shift-tab",
            "pageup",
            "f5",
            "space",
            "T",
            "/",
        ] {
            let k = Key::parse(s).unwrap();
            let back = Key::parse(
                &k.to_string()
                    .replace('↑', "up")
                    .replace('↓', "down")
                    .replace('←', "left")
                    .replace('→', "right"),
            )
            .unwrap();
            assert_eq!(k, back, "{s}");
        }
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").is_err());
    }
}
