//! Generates src/domain/steplib.toml from the StepLib's own step.yml files, so the catalog's
//! per-version input lists are never typed by hand:
//!   cargo run --example gen_steplib -- ../shared/reference/steplib > src/domain/steplib.toml
//! The work is in apple_conn::bitrise::step_yml::generate, which tests/steplib_data.rs reruns.

fn main() {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/reference/steplib".into());
    match apple_conn::bitrise::step_yml::generate(std::path::Path::new(&root)) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("gen_steplib: {e}");
            std::process::exit(1);
        }
    }
}
