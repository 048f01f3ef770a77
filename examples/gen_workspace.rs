//! Writes a generated workspace of N apps (default 1000) to stdout, for whole-process timing.
fn main() {
    let apps = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    print!("{}", apple_conn::bench_support::large_workspace_toml(apps));
}
