//! Drives the TUI without a terminal: keys in, effects run, the frame rendered to text.
//! Used by the scenario and snapshot tests and by the benchmarks.

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::effects::{Runner, Service};
use super::event::Key;
use super::keymap::Keymap;
use super::state::AppState;
use super::update::{Msg, update};
use crate::ops::Clock;
use crate::secrets::{MemoryStore, SecretStore};
use crate::store::Loaded;
use crate::theme::Theme;

pub struct Harness {
    pub state: AppState,
    pub runner: Runner,
    rx: Receiver<Msg>,
    pub theme: Theme,
}

impl Harness {
    /// The demo workspace at a fixed instant, mono theme.
    pub fn demo(now: DateTime<Utc>) -> Harness {
        let (loaded, memory) = match super::demo_workspace_seeded(Some(7)) {
            Ok(x) => x,
            Err(e) => panic_free_abort(&e),
        };
        Harness::with(loaded, Box::new(memory), Service::Demo, false, now, true)
    }

    pub fn with(
        loaded: Loaded,
        keyring: Box<dyn SecretStore + Send + Sync>,
        service: Service,
        persist: bool,
        now: DateTime<Utc>,
        demo: bool,
    ) -> Harness {
        let (tx, rx) = channel();
        let runner = Runner::new(keyring, service, persist, Clock::Fixed(now), tx);
        let mut state = AppState::new(loaded, Keymap::default_keymap(), now, demo, false);
        let files = if demo {
            super::bitrise_files::demo(&state.loaded)
        } else {
            super::bitrise_files::load_all(&state.loaded)
        };
        state.set_files(files);
        Harness {
            state,
            runner,
            rx,
            theme: Theme::mono(),
        }
    }

    pub fn memory_store() -> Box<dyn SecretStore + Send + Sync> {
        Box::new(MemoryStore::new())
    }

    pub fn send(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            self.runner.run(&self.state.loaded, effect);
        }
        self.pump();
    }

    /// Keys by name, space-separated: "tab down enter", "a", "ctrl-r".
    pub fn keys(&mut self, keys: &str) {
        for k in keys.split_whitespace() {
            if let Ok(key) = Key::parse(k) {
                self.send(Msg::Key(key));
            }
        }
    }

    /// Types text into the focused field, character by character.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(Msg::Key(Key::ch(c)));
        }
    }

    /// Runs effect results until nothing is pending (sign-in threads get up to 3 s).
    pub fn pump(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            self.runner.poll(&self.state.loaded);
            let mut any = false;
            while let Ok(msg) = self.rx.try_recv() {
                any = true;
                for effect in update(&mut self.state, msg) {
                    self.runner.run(&self.state.loaded, effect);
                }
            }
            let busy = matches!(self.state.layers.last(), Some(super::state::Layer::Form(f)) if f.busy.is_some());
            if (!any && !busy) || Instant::now() > deadline {
                return;
            }
            if !any {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// What the event loop does each second: re-read the bitrise.yml files that changed on disk.
    pub fn check_files(&mut self) {
        let changed = super::bitrise_files::changed(&self.state.loaded, &self.state.files);
        for (path, file) in changed {
            self.send(Msg::BitriseFile(path, file));
        }
    }

    pub fn render(&self, width: u16, height: u16) -> String {
        let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
            Ok(t) => t,
            Err(e) => panic_free_abort(&e.to_string()),
        };
        let _ = terminal.draw(|f| super::view::render(&self.state, &self.theme, f));
        let buffer = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            for x in 0..buffer.area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn panic_free_abort(message: &str) -> ! {
    eprintln!("test harness: {message}");
    std::process::exit(101)
}
