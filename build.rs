//! Compiles the step catalog: src/domain/catalog.toml and steplib.toml (the source of truth a
//! reader checks against the reference) become JSON in OUT_DIR, which the binary parses ~10×
//! faster than TOML. The whole catalog is built here first, so a catalog that would not load
//! fails the build instead of a user's start-up.
//! It also stamps `--version` with the git commit and the date of the StepLib data.

// The domain's catalog code itself, so the check is the one the binary makes (its `super::`
// is this crate's root here).
#[allow(dead_code)]
#[path = "src/domain/catalog.rs"]
mod catalog;
#[allow(dead_code)]
#[path = "src/domain/steplib.rs"]
mod steplib;
#[allow(dead_code)]
#[path = "src/domain/version.rs"]
mod version;

use std::process::Command;

/// Not compiled yet: this script is what makes it.
mod catalog_data {
    pub const BUILTIN_JSON: &str = "";
}

fn main() {
    compile_catalog();
    version_info();
}

/// The step catalog as JSON in OUT_DIR, checked by the domain's own loader.
fn compile_catalog() {
    for file in [
        "src/domain/catalog.toml",
        "src/domain/steplib.toml",
        "src/domain/catalog.rs",
        "src/domain/steplib.rs",
        "src/domain/version.rs",
    ] {
        println!("cargo::rerun-if-changed={file}");
    }
    let json =
        catalog::Catalog::compile_sources(catalog::BUILTIN_CATALOG, steplib::BUILTIN_STEPLIB)
            .unwrap_or_else(|e| panic!("src/domain/catalog.toml / steplib.toml: {e}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_catalog.json"), json).expect("OUT_DIR is writable");
}

/// `--version`: the git commit (when built from a checkout) and the date of the StepLib data.
fn version_info() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/domain/steplib.toml");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])
        .filter(|s| s.chars().all(|c| c.is_ascii_hexdigit()));
    // Rebuild when HEAD moves: the files git keeps it in (a worktree's HEAD is in its own git dir).
    if commit.is_some() {
        for dir_arg in ["--git-dir", "--git-common-dir"] {
            if let Some(dir) = git(&["rev-parse", dir_arg]) {
                let dir = std::path::PathBuf::from(dir);
                for file in ["HEAD", "packed-refs"] {
                    if dir.join(file).exists() {
                        println!("cargo:rerun-if-changed={}", dir.join(file).display());
                    }
                }
            }
        }
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"])
            && let Some(common) = git(&["rev-parse", "--git-common-dir"])
        {
            let file = std::path::Path::new(&common).join(head_ref);
            if file.exists() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
    }
    let commit = commit.unwrap_or_else(|| "unknown (not built from a git checkout)".to_string());
    let steplib = std::fs::read_to_string("src/domain/steplib.toml")
        .ok()
        .and_then(|text| steplib_source(&text))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=APPLE_CONN_COMMIT={commit}");
    println!("cargo:rustc-env=APPLE_CONN_STEPLIB={steplib}");
}

/// "f47013f of 2026-08-13" from the generated header's `(bitrise-io/bitrise-steplib@f47013f, 2026-08-13)`.
fn steplib_source(text: &str) -> Option<String> {
    let line = text
        .lines()
        .take(5)
        .find(|l| l.contains("bitrise-steplib@"))?;
    let inside = line.split("bitrise-steplib@").nth(1)?;
    let inside = inside.split(')').next()?;
    let (commit, date) = inside.split_once(", ")?;
    Some(format!("{} of {}", commit.trim(), date.trim()))
}
