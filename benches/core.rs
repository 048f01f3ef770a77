//! Core targets (issue: the core):
//! - `preview --format json` on 1,000 apps × 9 steps: under 100 ms for the whole process.
//!   This bench measures the in-process parts: load (parse + catalog) and resolve + encode.

use std::hint::black_box;
use std::path::Path;

use apple_conn::bench_support::large_workspace_toml;
use apple_conn::domain::resolution::Environment;
use apple_conn::headless::preview::{resolve_apps, step_json};
use apple_conn::store;
use criterion::{Criterion, criterion_group, criterion_main};

fn core(c: &mut Criterion) {
    let text = large_workspace_toml(1000);
    let now = "2026-11-24T12:00:00Z".parse().unwrap();
    // Every published version of the nine steps, built when a command first reads the catalog:
    // from build.rs's JSON, and (for comparison) from the TOML start-up parsed before issue 21.
    c.bench_function("catalog: builtin with all step versions", |b| {
        b.iter(|| black_box(apple_conn::domain::catalog::Catalog::builtin().unwrap()))
    });
    c.bench_function("catalog: the same from the TOML (before issue 21)", |b| {
        b.iter(|| {
            black_box(
                apple_conn::domain::catalog::Catalog::from_toml(
                    apple_conn::domain::catalog::BUILTIN_CATALOG,
                    apple_conn::domain::steplib::BUILTIN_STEPLIB,
                )
                .unwrap(),
            )
        })
    });
    c.bench_function("load 1000-app workspace", |b| {
        b.iter(|| store::parse(Path::new("ws.toml"), black_box(text.clone())).unwrap())
    });
    let loaded = store::parse(Path::new("ws.toml"), text.clone()).unwrap();
    let apps: Vec<_> = loaded.workspace.apps.iter().collect();
    c.bench_function("resolve + json 1000 apps x 9 steps", |b| {
        b.iter(|| {
            let resolved = resolve_apps(&loaded, &apps, Environment::Bitrise, now);
            let json: Vec<_> = resolved
                .iter()
                .flat_map(|(app, rs)| {
                    app.steps
                        .iter()
                        .zip(rs)
                        .enumerate()
                        .map(|(i, (s, r))| step_json(i, &s.id, r))
                })
                .collect();
            black_box(serde_json::to_string(&json).unwrap())
        })
    });
    c.bench_function("resolve only 1000 apps x 9 steps", |b| {
        b.iter(|| black_box(resolve_apps(&loaded, &apps, Environment::Bitrise, now)))
    });
    c.bench_function("check 1000-app workspace", |b| {
        b.iter(|| {
            apple_conn::domain::check::check_workspace(&loaded.workspace, &loaded.catalog, now)
        })
    });
}

criterion_group!(benches, core);
criterion_main!(benches);

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
