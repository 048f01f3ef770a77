//! The terminal UI: four panes over the same domain the headless commands use.

pub mod action;
pub mod bitrise_files;
pub mod doctor;
pub mod effects;
pub mod event;
pub mod first_run;
pub mod form;
#[cfg(unix)]
mod input_watch_unix;
#[cfg(windows)]
mod input_watch_windows;
pub mod keymap;
pub mod scroll;
pub mod signing;
pub mod state;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod update;
pub mod view;
pub mod whole;
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
use crate::secrets::SecretStore;
use crate::store::{self, Loaded};
use crate::theme::Theme;
use effects::{Runner, Service};
use keymap::Keymap;
use state::AppState;
use update::{Msg, update};

pub use crate::ops::demo::{DEMO_WORKSPACE, demo_workspace, demo_workspace_seeded};

pub struct Options {
    /// The workspace, already loaded and checked before the terminal changed mode (None: --demo).
    pub loaded: Option<Loaded>,
    pub config: PathBuf,
    pub demo: bool,
    pub read_only: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub service: Service,
    /// `--apple-auth-url` (the workspace's `apple_auth_url` is judged at each sign-in, trust included).
    pub apple_auth_url: Option<String>,
    /// The system clock, or `--now`.
    pub clock: Clock,
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
    // Everything that can fail on bad input is loaded before the terminal changes mode; with no
    // workspace file yet (first run) the TUI asks for `you` and creates it.
    let first_run = !opts.demo && opts.loaded.is_none() && !opts.config.exists();
    let demo = if opts.demo {
        Some(
            demo_workspace()
                .map_err(anyhow::Error::msg)
                .context("building the demo workspace")?,
        )
    } else {
        None
    };
    let preloaded = match (opts.loaded, first_run, opts.demo) {
        (Some(l), _, _) => Some(l),
        (None, false, false) => Some(
            store::load(&opts.config)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("loading the workspace")?,
        ),
        _ => None,
    };
    let term = Arc::new(AtomicBool::new(false));
    for &sig in event::end_signals() {
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
    let (loaded, keyring): (Loaded, Box<dyn SecretStore + Send + Sync>) = match (demo, preloaded) {
        (Some((l, m)), _) => (l, Box::new(m)),
        (None, Some(l)) => {
            let keyring = crate::secrets::LazyKeyring::for_workspace(&l.path);
            (l, Box::new(keyring))
        }
        (None, None) => {
            match first_run::ask(&mut terminal, &opts.config, &opts.theme, &term)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("creating the workspace (first run)")?
            {
                Some(l) => {
                    let keyring = crate::secrets::LazyKeyring::for_workspace(&l.path);
                    (l, Box::new(keyring))
                }
                None => return Ok(()),
            }
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let persist = !opts.demo && !opts.read_only;
    let clock = opts.clock;
    let mut runner = Runner::new(keyring, opts.service, persist, clock, tx);
    runner.auth_from_workspace = true;
    runner.apple_auth_flag = opts.apple_auth_url;
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
    // Events left in crossterm's buffer when a drain ran out of budget: no waiting for them.
    let mut buffered = false;
    // Drawn when something happened: an idle TUI writes nothing to the terminal.
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| view::render(state, theme, f))?;
            dirty = false;
        }
        if state.health.is_empty() && !state.loaded.workspace.apps.is_empty() {
            // The first frame is on screen; the health of every app follows.
            state.refresh_all();
            dirty = true;
            continue;
        }
        if state.quit || term.load(Ordering::Relaxed) {
            return Ok(());
        }
        // A lost terminal (hang-up, closed pty) ends the TUI; only a live one is read.
        let idle = if buffered {
            Duration::ZERO
        } else {
            Duration::from_millis(100)
        };
        if input.wait(idle) == event::Input::Lost {
            return Err(lost_terminal());
        }
        // Every pending event before the next frame: crossterm reads the whole burst into its
        // own buffer, so the descriptor goes quiet while keys are still waiting there.
        let mut lost = false;
        let mut got = 0usize;
        let next = || -> std::io::Result<Option<Option<Msg>>> {
            // crossterm spins on a hung-up tty: the descriptor is looked at before each read.
            if input.wait(Duration::ZERO) == event::Input::Lost {
                lost = true;
                return Ok(None);
            }
            if !ct::poll(Duration::ZERO)? {
                return Ok(None);
            }
            got += 1;
            Ok(Some(event::from_crossterm(ct::read()?).map(
                |ev| match ev {
                    event::AppEvent::Key(k) => Msg::Key(k),
                    event::AppEvent::Paste(p) => Msg::Paste(p),
                    event::AppEvent::Resize => Msg::Resize,
                },
            )))
        };
        let drained = drain(state, runner, next, term)?;
        buffered = drained == Drained::OutOfTime;
        dirty |= got > 0;
        if lost {
            return Err(lost_terminal());
        }
        if state.quit || term.load(Ordering::Relaxed) {
            return Ok(());
        }
        runner.poll(&state.loaded);
        while let Ok(msg) = rx.try_recv() {
            dirty = true;
            // This TUI's own writes (a save, a pull's files) are read back at once, quietly:
            // the once-a-second check would report them as changed on disk.
            let saved = matches!(msg, Msg::Saved(..) | Msg::BitrisePulled { .. });
            dispatch(state, runner, msg);
            if saved && !state.demo {
                known_mtime = file_mtime(&state.loaded.path);
                // A reloaded or changed workspace may name a bitrise.yml not read yet.
                for (path, file) in bitrise_files::changed(&state.loaded, &state.files) {
                    dispatch(state, runner, Msg::OwnBitriseFile(path, file));
                }
            }
        }
        if last_tick.elapsed() >= Duration::from_millis(200) {
            last_tick = Instant::now();
            let now = runner.clock.now();
            let minute = state.now;
            dispatch(state, runner, Msg::Tick(now));
            // A tick changes the screen only where something moves: a spinner or a countdown
            // in an open layer, a pull's gauge, or the once-a-minute session states.
            dirty |= !state.layers.is_empty() || state.pull.is_some() || state.now != minute;
        }
        if !state.demo && last_disk_check.elapsed() >= Duration::from_secs(1) {
            last_disk_check = Instant::now();
            // The apps' bitrise.yml files are only read: a change is taken at once.
            for (path, file) in bitrise_files::changed(&state.loaded, &state.files) {
                dispatch(state, runner, Msg::BitriseFile(path, file));
                dirty = true;
            }
            // A trust refusal on screen or in the log: `apple-conn trust` run elsewhere fixes it.
            if state.awaits_trust() && trusted_now(&state.loaded) {
                dispatch(state, runner, Msg::Trusted);
                dirty = true;
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
                    dirty = true;
                }
            }
        }
    }
}

/// How long one drain of pending input may run before a frame is drawn in between.
pub const DRAIN_BUDGET: Duration = Duration::from_millis(100);

/// Why a drain ended: nothing left, quit, or its time budget (more may be waiting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    Empty,
    Quit,
    OutOfTime,
}

/// Handles every pending event (`next` gives Some(event) while one waits, Some(None) for an
/// event that means nothing to the TUI) before the caller draws; stops at once on quit.
pub fn drain(
    state: &mut AppState,
    runner: &mut Runner,
    mut next: impl FnMut() -> std::io::Result<Option<Option<Msg>>>,
    term: &AtomicBool,
) -> std::io::Result<Drained> {
    let started = Instant::now();
    while let Some(msg) = next()? {
        if let Some(msg) = msg {
            dispatch(state, runner, msg);
        }
        // `q` in a burst quits at once; a flood still gets a frame every DRAIN_BUDGET.
        if state.quit || term.load(Ordering::Relaxed) {
            return Ok(Drained::Quit);
        }
        if started.elapsed() >= DRAIN_BUDGET {
            return Ok(Drained::OutOfTime);
        }
    }
    Ok(Drained::Empty)
}

fn lost_terminal() -> std::io::Error {
    std::io::Error::other("the terminal went away (closed or hung up); nothing half-done was saved")
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

/// Whether this host trusts the workspace's guarded settings as loaded (or it sets none).
fn trusted_now(loaded: &Loaded) -> bool {
    use store::trust::Status;
    matches!(
        store::trust::status(&loaded.path, &loaded.workspace.settings).1,
        Status::Trusted | Status::NothingGuarded
    )
}

fn file_mtime(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
