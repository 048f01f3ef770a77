//! TUI targets: a keystroke handled and the frame redrawn in under 2 ms for 1,000 apps
//! (update + render on TestBackend); startup to the first frame under 50 ms.

use std::hint::black_box;
use std::path::Path;

use apple_conn::bench_support::large_workspace_toml;
use apple_conn::store;
use apple_conn::tui::effects::Service;
use apple_conn::tui::event::Key;
use apple_conn::tui::keymap::Keymap;
use apple_conn::tui::state::AppState;
use apple_conn::tui::testing::Harness;
use apple_conn::tui::update::Msg;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn tui(c: &mut Criterion) {
    let text = large_workspace_toml(1000);
    let now = "2026-11-24T12:00:00Z".parse().unwrap();
    let loaded = store::parse(Path::new("ws.toml"), text.clone()).unwrap();
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        Service::Demo,
        false,
        now,
        true,
    );
    h.keys("2");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = h.theme.clone();
    let mut down = true;
    c.bench_function("keystroke + frame, 1000 apps (apps pane, j/k)", |b| {
        b.iter(|| {
            let key = if down { Key::ch('j') } else { Key::ch('k') };
            down = !down;
            for effect in apple_conn::tui::update::update(&mut h.state, Msg::Key(key)) {
                black_box(effect);
            }
            terminal
                .draw(|f| apple_conn::tui::view::render(&h.state, &theme, f))
                .unwrap();
        })
    });
    c.bench_function(
        "startup to first frame, 1000 apps (load + state + render)",
        |b| {
            b.iter(|| {
                // What `tui::run` does before the first draw: load, validate nothing more, build the state.
                let loaded = store::parse(Path::new("ws.toml"), text.clone()).unwrap();
                let state = AppState::new(loaded, Keymap::default_keymap(), now, false, false);
                let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
                t.draw(|f| apple_conn::tui::view::render(&state, &theme, f))
                    .unwrap();
            })
        },
    );
}

criterion_group!(benches, tui);
criterion_main!(benches);
