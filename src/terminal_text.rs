//! One sanitizer for text from outside (files, tokens, servers) before it reaches a terminal.
//!
//! Control characters are shown escaped (`\x1b`, `\u{9b}`) so a hostile value cannot move the
//! cursor, clear the screen, set the clipboard (OSC 52) or reorder text (bidi overrides).
//! JSON output never goes through here: JSON escapes control characters itself.

use std::fmt::Write as _;

fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_into(out: &mut String, c: char) {
    let n = c as u32;
    if n < 0x80 {
        let _ = write!(out, "\\x{n:02x}");
    } else {
        let _ = write!(out, "\\u{{{n:x}}}");
    }
}

/// A whole document for a terminal: line breaks and tabs stay, every other control is escaped.
pub fn clean(text: &str) -> String {
    if !text
        .chars()
        .any(|c| is_hostile(c) && c != '\n' && c != '\t')
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) && c != '\n' && c != '\t' {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// One value on one line (an id, a name, a header field): line breaks are escaped too.
pub fn clean_line(text: &str) -> String {
    if !text.chars().any(is_hostile) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// One human-readable line (or lines) to stderr, through `clean`: the way every headless
/// message that may carry outside text (names from the file, paths, server answers) is printed.
pub fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{}", clean(text));
}

/// The same, to stdout (reports a script reads).
pub fn show(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{}", clean(text));
}

/// `say` without the line break (a prompt).
pub fn say_part(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr();
    let _ = write!(err, "{}", clean(text)).and_then(|()| err.flush());
}

/// `show` without the line break.
pub fn show_part(text: &str) {
    use std::io::Write as _;
    let _ = write!(std::io::stdout(), "{}", clean(text));
}

/// `apple-conn test … | head`: a reader that stops early ends the command quietly, as it ends
/// any Unix tool (SIGPIPE), instead of a panic in `println!`. Network sockets are unaffected
/// (std sends with MSG_NOSIGNAL on Linux and sets SO_NOSIGPIPE on macOS). Windows has no SIGPIPE.
pub fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert_eq!(
            clean("a\x1b]52;c;SGVsbG8=\x07b"),
            "a\\x1b]52;c;SGVsbG8=\\x07b"
        );
        assert_eq!(clean("x\x1b[2J\ny\tz"), "x\\x1b[2J\ny\tz");
        assert_eq!(clean_line("a\nb\r"), "a\\x0ab\\x0d");
        assert_eq!(clean_line("\u{9b}31m\u{202e}"), "\\u{9b}31m\\u{202e}");
        assert_eq!(clean("plain é ✓"), "plain é ✓");
    }
}
