//! `doctor` (offline) on the generated 1,000-app × 9-step workspace.
//! Target (issue 13): under 150 ms for the whole process. `doctor whole process` spawns the
//! built binary; the other two measure the in-process parts (resolve every app, then rate).

use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};

use apple_conn::bench_support::large_workspace_toml;
use apple_conn::domain::doctor::{DEFAULT_WARN_DAYS, DoctorInput, diagnose};
use apple_conn::headless::doctor::app_steps;
use apple_conn::store;
use criterion::{Criterion, criterion_group, criterion_main};

fn doctor(c: &mut Criterion) {
    let text = large_workspace_toml(1000);
    let now = "2026-11-24T12:00:00Z".parse().unwrap();
    let loaded = store::parse(Path::new("ws.toml"), text.clone()).unwrap();
    let apps: Vec<_> = loaded.workspace.apps.iter().collect();
    let none = std::collections::HashMap::new();
    let none_ids = std::collections::HashMap::new();
    c.bench_function("doctor resolve 1000 apps x 9 steps", |b| {
        b.iter(|| black_box(app_steps(&loaded, &apps, now)))
    });
    let steps = app_steps(&loaded, &apps, now);
    c.bench_function("doctor rate + text 1000 apps", |b| {
        b.iter(|| {
            let report = diagnose(&DoctorInput {
                workspace: &loaded.workspace,
                now,
                warn_days: DEFAULT_WARN_DAYS,
                only_app: None,
                keys: &none,
                apple_ids: &none_ids,
                apps: &steps,
            });
            black_box(report.text())
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    std::fs::write(&ws, &text).unwrap();
    let bin = env!("CARGO_BIN_EXE_apple-conn");
    let mut group = c.benchmark_group("doctor whole process");
    group.sample_size(20);
    // The generated keys live in the keyring: keyutils answers "not found" at once, as a
    // reachable keyring without the entries would.
    group.bench_function("doctor 1000 apps (keyutils)", |b| {
        b.iter(|| {
            let status = Command::new(bin)
                .env("APPLE_CONN_KEYRING", "keyutils")
                .args([
                    "-c",
                    ws.to_str().unwrap(),
                    "doctor",
                    "--now",
                    "2026-11-24T12:00:00Z",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            black_box(status)
        })
    });
    group.finish();
}

criterion_group!(benches, doctor);
criterion_main!(benches);

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
