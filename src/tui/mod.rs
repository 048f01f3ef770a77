//! The terminal UI: four panes over the same domain the headless commands use.

pub mod action;
pub mod bitrise_files;
pub mod doctor;
pub mod effects;
pub mod event;
pub mod form;
pub mod keymap;
pub mod state;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod update;
pub mod view;
pub mod words;

use std::io::Stdout;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use crate::ops::Clock;
use crate::secrets::{EntryName, MemoryStore, SecretStore, SecretValue};
use crate::store::{self, Loaded};
use crate::theme::Theme;
use effects::{Runner, Service};
use keymap::Keymap;
use state::AppState;
use update::{Msg, update};

pub const DEMO_WORKSPACE: &str = include_str!("demo.toml");

pub struct Options {
    /// The workspace, already loaded and checked before the terminal changed mode (None: --demo).
    pub loaded: Option<Loaded>,
    pub config: PathBuf,
    pub demo: bool,
    pub read_only: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub service: Service,
    /// The system clock, or `--now`.
    pub clock: Clock,
}

/// The demo: the embedded workspace, a memory store, a throwaway key made now.
pub fn demo_workspace() -> Result<(Loaded, MemoryStore), String> {
    demo_workspace_seeded(None)
}

/// With a seed, the demo keys are fixed (tests and screenshots stay stable).
pub fn demo_workspace_seeded(seed: Option<u8>) -> Result<(Loaded, MemoryStore), String> {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let base = store::parse(Path::new("demo.toml"), DEMO_WORKSPACE.to_string())
        .map_err(|e| e.to_string())?;
    let memory = MemoryStore::new();
    let mut doc: toml_edit::DocumentMut = DEMO_WORKSPACE
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    for (i, key) in base.workspace.api_keys.iter().enumerate() {
        let secret = match seed {
            Some(n) => p256::SecretKey::from_slice(&[n.wrapping_add(i as u8).max(1); 32])
                .map_err(|e| e.to_string())?,
            None => <p256::SecretKey as p256::elliptic_curve::Generate>::try_generate()
                .map_err(|e| format!("the system's random source failed: {e}"))?,
        };
        let pem = SecretValue::new(
            secret
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| e.to_string())?
                .to_string(),
        );
        let fingerprint = crate::asc::p8::fingerprint(&pem).map_err(|e| e.to_string())?;
        if let Some(t) = doc
            .get_mut("api_keys")
            .and_then(toml_edit::Item::as_array_of_tables_mut)
            .and_then(|a| a.get_mut(i))
        {
            t.insert("fingerprint", toml_edit::value(fingerprint));
        }
        memory
            .set(&EntryName::api_key(&key.key_id), &pem)
            .map_err(|e| e.to_string())?;
    }
    for aid in &base.workspace.apple_ids {
        let _ = memory.set(
            &EntryName::password(&aid.apple_id),
            &SecretValue::new("demo-password".into()),
        );
    }
    let loaded =
        store::parse(Path::new("demo.toml"), doc.to_string()).map_err(|e| e.to_string())?;
    Ok((loaded, memory))
}

/// Restores the terminal on every way out: drop (quit, error) and panic.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> std::io::Result<TerminalGuard> {
        enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        Ok(guard)
    }
}

pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// The TUI's top level: each failure names what was being set up or run.
pub fn run(opts: Options) -> anyhow::Result<()> {
    use anyhow::Context;
    // Everything that can fail on bad input is loaded before the terminal changes mode.
    let (loaded, keyring): (Loaded, Box<dyn SecretStore + Send + Sync>) = if opts.demo {
        let (l, m) = demo_workspace()
            .map_err(anyhow::Error::msg)
            .context("building the demo workspace")?;
        (l, Box::new(m))
    } else {
        let l = match opts.loaded {
            Some(l) => l,
            None => store::load(&opts.config)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("loading the workspace")?,
        };
        let keyring = crate::secrets::LazyKeyring::for_workspace(&l.path);
        (l, Box::new(keyring))
    };
    let term = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, Arc::clone(&term))
            .map_err(|e| anyhow::anyhow!("cannot watch signals: {e}"))
            .context("watching SIGTERM and SIGHUP")?;
    }
    event::exit_after_signal(Arc::clone(&term), Duration::from_secs(1));
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));

    let _guard = TerminalGuard::enter()
        .map_err(|e| anyhow::anyhow!("cannot set up the terminal: {e}"))
        .context("switching the terminal to the full-screen UI")?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))
        .context("switching the terminal to the full-screen UI")?;
    let (tx, rx) = std::sync::mpsc::channel();
    let persist = !opts.demo && !opts.read_only;
    let clock = opts.clock;
    let mut runner = Runner::new(keyring, opts.service, persist, clock, tx);
    let mut state = AppState::new(loaded, opts.keymap, clock.now(), opts.demo, opts.read_only);
    state.files = if opts.demo {
        bitrise_files::demo(&state.loaded)
    } else {
        bitrise_files::load_all(&state.loaded)
    };
    state.refresh_preview();
    let theme = opts.theme;
    let result = event_loop(&mut terminal, &mut state, &mut runner, &rx, &theme, &term);
    if result.is_err() || term.load(Ordering::Relaxed) {
        // The terminal may be gone (error, hang-up): ratatui's drop would report, and panic, on
        // a dead stderr; the guard below still restores a terminal that is alive.
        std::mem::forget(terminal);
    }
    result.context("running the terminal UI")
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    state: &mut AppState,
    runner: &mut Runner,
    rx: &std::sync::mpsc::Receiver<Msg>,
    theme: &Theme,
    term: &AtomicBool,
) -> std::io::Result<()> {
    use ratatui::crossterm::event as ct;
    let mut last_tick = Instant::now();
    let mut last_disk_check = Instant::now();
    let mut known_mtime = file_mtime(&state.loaded.path);
    let input = event::InputWatch::new()?;
    loop {
        terminal.draw(|f| view::render(state, theme, f))?;
        if state.health.is_empty() && !state.loaded.workspace.apps.is_empty() {
            // The first frame is on screen; the health of every app follows.
            state.refresh_all();
            continue;
        }
        if state.quit || term.load(Ordering::Relaxed) {
            return Ok(());
        }
        // A lost terminal (hang-up, closed pty) ends the TUI; only a live one is read.
        if input.wait(Duration::from_millis(100)) == event::Input::Lost {
            return Err(std::io::Error::other(
                "the terminal went away (closed or hung up); nothing half-done was saved",
            ));
        }
        if ct::poll(Duration::ZERO)?
            && let Some(ev) = event::from_crossterm(ct::read()?)
        {
            let msg = match ev {
                event::AppEvent::Key(k) => Msg::Key(k),
                event::AppEvent::Paste(p) => Msg::Paste(p),
                event::AppEvent::Resize => Msg::Resize,
            };
            dispatch(state, runner, msg);
        }
        runner.poll(&state.loaded);
        while let Ok(msg) = rx.try_recv() {
            let saved = matches!(msg, Msg::Saved(..));
            dispatch(state, runner, msg);
            if saved && !state.demo {
                known_mtime = file_mtime(&state.loaded.path);
                // A reloaded or changed workspace may name a bitrise.yml not read yet.
                for (path, file) in bitrise_files::changed(&state.loaded, &state.files) {
                    dispatch(state, runner, Msg::BitriseFile(path, file));
                }
            }
        }
        if last_tick.elapsed() >= Duration::from_millis(200) {
            last_tick = Instant::now();
            let now = runner.clock.now();
            dispatch(state, runner, Msg::Tick(now));
        }
        if !state.demo && last_disk_check.elapsed() >= Duration::from_secs(1) {
            last_disk_check = Instant::now();
            // The apps' bitrise.yml files are only read: a change is taken at once.
            for (path, file) in bitrise_files::changed(&state.loaded, &state.files) {
                dispatch(state, runner, Msg::BitriseFile(path, file));
            }
            let now = file_mtime(&state.loaded.path);
            if now != known_mtime {
                known_mtime = now;
                if crate::store::files::read_text_capped(
                    &state.loaded.path,
                    crate::store::files::WORKSPACE_CAP,
                    "workspace file",
                )
                .ok()
                .as_deref()
                    != Some(state.loaded.text.as_str())
                {
                    dispatch(state, runner, Msg::DiskChanged);
                }
            }
        }
    }
}

fn dispatch(state: &mut AppState, runner: &mut Runner, msg: Msg) {
    for effect in update(state, msg) {
        // A save over a file another instance changed would lose its change: reload first.
        if state.disk_changed
            && matches!(
                effect,
                update::Effect::Apply(_)
                    | update::Effect::Remove { .. }
                    | update::Effect::AddApiKey { .. }
                    | update::Effect::EditAppleId(_)
                    | update::Effect::FinishAppleId { .. }
            )
        {
            dispatch(state, runner, Msg::Failed("the workspace changed on disk: press ctrl-r to reload, then apply your change again".into()));
            continue;
        }
        runner.run(&state.loaded, effect);
    }
}

fn file_mtime(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
