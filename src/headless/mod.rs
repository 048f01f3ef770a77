//! Headless subcommands: one module each. They print and return an exit code.
//!
//! Every human-readable line goes through the one sanitizer (`terminal_text::clean`): inside this
//! module `println!`, `print!`, `eprintln!` and `eprint!` are these wrappers, so a line that
//! carries a name from the file or a server's answer cannot drive the terminal. Output that is
//! data (JSON, a token, a session, a shell script) goes through `raw_out`, each call marked
//! `// raw:` with its reason; tests/architecture.rs refuses any other way to stdout or stderr.

macro_rules! println {
    ($($t:tt)*) => { $crate::terminal_text::show(&format!($($t)*)) };
}
macro_rules! print {
    ($($t:tt)*) => { $crate::terminal_text::show_part(&format!($($t)*)) };
}
macro_rules! eprintln {
    ($($t:tt)*) => { $crate::terminal_text::say(&format!($($t)*)) };
}
macro_rules! eprint {
    ($($t:tt)*) => { $crate::terminal_text::say_part(&format!($($t)*)) };
}

/// Data written exactly as it is (JSON, a token, a session, a shell script): never terminal text.
// raw: its definition
pub fn raw_out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock(); // raw: the one raw writer
    // `let _`: a closed pipe (`| head`) is not worth a panic.
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

pub mod check;
pub mod preview;
pub mod preview_json;
pub mod preview_table;
pub mod references;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::ops::Clock;
use crate::store::{self, Loaded};

/// A command that could not do its work: the message says what and what to do.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A Failure travels inside `anyhow::Error` to `main`, which finds it again for the exit code.
impl std::error::Error for Failure {}

pub type CmdResult = Result<u8, Failure>;

/// `--config`, else `APPLE_CONN_CONFIG`, else `apple-conn.toml` / `.apple-conn.toml` here or in
/// the nearest parent, else the default location (`store::discover`). Says which file it chose
/// (once per process) when it was not given one and another file was there to take.
pub fn config_path(config: &Option<PathBuf>) -> Result<PathBuf, Failure> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let env = std::env::var_os(store::discover::ENV_VAR);
    let found = store::discover::discover(
        config.as_deref(),
        env.as_deref(),
        &cwd,
        store::default_path(),
    )
    .ok_or_else(|| {
        Failure::new(
            2,
            "cannot find a home folder for the default workspace: pass --config PATH",
        )
    })?;
    if let Some(note) = found.note() {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| eprintln!("note: {note}"));
    }
    Ok(found.path)
}

/// Where `init` creates the workspace: `-c`, else `APPLE_CONN_CONFIG`, else `./apple-conn.toml`
/// with `--here`, else the default location. It never walks up: it creates, it does not find.
pub fn init_path(config: &Option<PathBuf>, here: bool) -> Result<PathBuf, Failure> {
    match config {
        Some(_) if here => {
            return Err(Failure::new(
                2,
                "--here and -c both say where the workspace goes: pass one",
            ));
        }
        Some(p) => return Ok(p.clone()),
        None => {}
    }
    if let Some(e) = std::env::var_os(store::discover::ENV_VAR).filter(|e| !e.is_empty()) {
        if here {
            return Err(Failure::new(
                2,
                format!(
                    "--here and {} both say where the workspace goes: unset {0} or drop --here",
                    store::discover::ENV_VAR
                ),
            ));
        }
        return Ok(PathBuf::from(e));
    }
    if here {
        return Ok(PathBuf::from(store::discover::LOCAL_NAMES[0]));
    }
    config_path(&None)
}

/// Loads the workspace; an unreadable or unparsable file is exit 2.
pub fn load(config: &Option<PathBuf>) -> Result<Loaded, Failure> {
    let path = config_path(config)?;
    store::load(&path).map_err(|e| Failure::new(2, e.to_string()))
}

/// `--now` as the command's one clock: that instant when given, else the system's.
pub fn clock(arg: &Option<String>) -> Result<Clock, Failure> {
    match arg {
        None => Ok(Clock::System),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| Clock::Fixed(t.with_timezone(&Utc)))
            .map_err(|_| {
                Failure::new(
                    2,
                    format!(
                        "--now `{text}` is not an RFC 3339 instant: write e.g. 2026-11-24T12:00:00Z"
                    ),
                )
            }),
    }
}

/// `--now`, else the clock's instant.
pub fn now(arg: &Option<String>) -> Result<DateTime<Utc>, Failure> {
    clock(arg).map(|c| c.now())
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub mod apple_id;
pub mod apps;
pub mod bitrise;
pub mod bitrise_account;
pub mod bitrise_push;
pub mod complete;
pub mod connections;
pub mod dispatch;
pub mod doctor;
pub mod doctor_probe;
pub mod export;
pub mod fit;
pub mod list;
pub mod manual;
pub mod schemas;
pub mod secret_input;
pub mod secrets_adopt;
pub mod secrets_move;
pub mod secrets_prune;
pub mod session_refresh;
pub mod signing;
pub mod storage;
pub mod test_connection;
pub mod tokens;
pub mod trust;

/// Loads a workspace from a known path (exit 2 when unreadable).
pub fn load_path(path: &std::path::Path) -> Result<Loaded, Failure> {
    store::load(path).map_err(|e| Failure::new(2, e.to_string()))
}
