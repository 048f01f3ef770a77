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
                // A fresh process also builds the built-in catalog once (store caches it after).
                black_box(apple_conn::domain::catalog::Catalog::builtin().unwrap());
                let loaded = store::parse(Path::new("ws.toml"), text.clone()).unwrap();
                let state = AppState::new(loaded, Keymap::default_keymap(), now, false, false);
                let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
                t.draw(|f| apple_conn::tui::view::render(&state, &theme, f))
                    .unwrap();
            })
        },
    );
}

/// The first frame's parts, to see which one moves when the total does.
fn first_frame_parts(c: &mut Criterion) {
    let text = large_workspace_toml(1000);
    let now = "2026-11-24T12:00:00Z".parse().unwrap();
    let theme = apple_conn::theme::Theme::builtin("default").unwrap();
    c.bench_function(
        "first frame part: the built-in catalog (once per process)",
        |b| b.iter(|| black_box(apple_conn::domain::catalog::Catalog::builtin().unwrap())),
    );
    c.bench_function("first frame part: load 1000 apps (catalog cached)", |b| {
        b.iter(|| black_box(store::parse(Path::new("ws.toml"), text.clone()).unwrap()))
    });
    let loaded = store::parse(Path::new("ws.toml"), text.clone()).unwrap();
    c.bench_function("first frame part: state from the loaded workspace", |b| {
        b.iter_batched(
            || loaded.clone(),
            |l| {
                black_box(AppState::new(
                    l,
                    Keymap::default_keymap(),
                    now,
                    false,
                    false,
                ))
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let state = AppState::new(loaded, Keymap::default_keymap(), now, false, false);
    c.bench_function("first frame part: render", |b| {
        b.iter(|| {
            let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
            t.draw(|f| apple_conn::tui::view::render(&state, &theme, f))
                .unwrap();
        })
    });
}

// The binary's allocator (src/main.rs): the figures are the program's, not libc malloc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Input at the speed of typing: 50 keys already queued (a burst, a key-repeat) are all acted
/// on by one drain, then one frame is drawn. Target: well under 150 ms for 1,000 apps.
fn queued_keys(c: &mut Criterion) {
    use std::sync::atomic::AtomicBool;
    let text = large_workspace_toml(1000);
    let now = "2026-11-24T12:00:00Z".parse().unwrap();
    let loaded = store::parse(Path::new("ws.toml"), text).unwrap();
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        Service::Demo,
        false,
        now,
        true,
    );
    h.keys("2");
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let theme = h.theme.clone();
    let term = AtomicBool::new(false);
    // j/k on the Apps pane: each key moves the selection and rebuilds the preview.
    let burst: Vec<Key> = (0..50)
        .map(|i| Key::ch(if i % 2 == 0 { 'j' } else { 'k' }))
        .collect();
    let mut frames = 0usize;
    let mut events = 0usize;
    c.bench_function(
        "50 queued keys acted on + one frame, 1000 apps (80x24)",
        |b| {
            b.iter(|| {
                let mut queue = burst.iter().copied();
                let drained = apple_conn::tui::drain(
                    &mut h.state,
                    &mut h.runner,
                    || Ok(queue.next().map(|k| Some(Msg::Key(k)))),
                    &term,
                )
                .unwrap();
                black_box(drained);
                events += 50;
                terminal
                    .draw(|f| apple_conn::tui::view::render(&h.state, &theme, f))
                    .unwrap();
                frames += 1;
            })
        },
    );
    println!(
        "events per frame with 50 queued keys: {}",
        events / frames.max(1)
    );
}

criterion_group!(benches, tui, first_frame_parts, queued_keys);
criterion_main!(benches);
