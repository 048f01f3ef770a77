//! Reading a secret typed at a terminal, on every OS, through rpassword: echo off (termios on
//! Unix and macOS, the console mode on Windows), terminal restored after, Ctrl-C still interrupts.

use std::io::{Error, ErrorKind};

/// Prompts on the terminal and reads from it without echoing: one line (ends at Enter) for a
/// password, or lines up to Ctrl-D on an empty line for a multi-line paste (a .p8, a session).
/// rpassword turns echo off only after the prompt is written (the prompt goes to the terminal
/// itself, /dev/tty or CONOUT$, so a redirected stderr does not hide it).
pub fn read_hidden(prompt: &str, cap: u64, one_line: bool) -> std::io::Result<String> {
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
        // Each line is one rpassword read; a paste arrives whole while the first read holds echo
        // off, so the terminal never shows it (tests/hostile_terminal.rs pastes a key through a pty).
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
