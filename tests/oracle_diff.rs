//! apple-conn's reading of bitrise.yml judged by the Bitrise CLI's own code (the oracle in
//! ../shared/tools/bitrise-oracle): for every target, the workflows in run order, the step list
//! (reference as written, id, version) and every input value apple-conn resolves.
//!
//! What the oracle cannot see, or sets from its own process, is not compared and is named where
//! it is met (`oracle_support::BUILD_TIME_ONLY`): CI and PR (run mode), path envs such as
//! BITRISE_STEP_SOURCE_DIR (oracle README: not covered), the step's random execution id, and the
//! step.yml defaults of `path::` steps with a step.yml (StepLib step.yml needs the network). Outputs
//! of earlier steps never appear: no step runs on either side.
//!
//! Without the oracle the tests say SKIPPED; with `CI` set they fail instead.

mod oracle_support;

use std::path::{Path, PathBuf};

use oracle_support::*;

const SEED: u64 = 0x22_1ac1_0de5;

fn threads() -> usize {
    std::env::var("ORACLE_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bitrise")
}

fn assert_report(outcomes: &[Outcome]) {
    match report(outcomes) {
        Ok(summary) => eprintln!("{summary}"),
        Err(failure) => panic!("{failure}"),
    }
}

#[test]
fn the_fixtures_and_the_real_samples_run_as_the_cli_runs_them() {
    let Some(oracle) = require_oracle("the_fixtures_and_the_real_samples_run_as_the_cli_runs_them")
    else {
        return;
    };
    let samples = oracle
        .parent()
        .unwrap()
        .join("../../reference/bitrise-yml-samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&samples)
        .unwrap_or_else(|e| panic!("{}: {e}", samples.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.extend(
        [
            "chains.yml",
            "bundles.yml",
            "pipelines.yml",
            "pipeline_run_if.yml",
            "modular/bitrise.yml",
        ]
        .map(|f| fixtures().join(f)),
    );
    files.sort();
    let cases: Vec<Case> = files
        .into_iter()
        .map(|file| {
            let targets = targets_of(&file, &Default::default());
            assert!(
                !targets.is_empty(),
                "{}: nothing to run (does it load?)",
                file.display()
            );
            Case {
                label: file.display().to_string(),
                file,
                targets,
                opts: Default::default(),
                secrets: None,
                ci: true,
                pr: false,
            }
        })
        .collect();
    assert!(
        cases.len() >= 20,
        "15 samples and 5 fixtures, found {}",
        cases.len()
    );
    let outcomes = check_all(&oracle, &cases, threads());
    assert_report(&outcomes);
}

/// At least 500 configs per run from a fixed seed (ORACLE_CASES and ORACLE_SEED change them;
/// `cargo run --release --example oracle_fuzz` runs a longer series).
#[test]
fn generated_configs_run_as_the_cli_runs_them() {
    let Some(oracle) = require_oracle("generated_configs_run_as_the_cli_runs_them") else {
        return;
    };
    let n: u64 = std::env::var("ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let seed: u64 = std::env::var("ORACLE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEED);
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<Case> = (0..n)
        .map(|i| generate::case(seed.wrapping_add(i), &tmp.path().join(format!("c{i}"))))
        .collect();
    let started = std::time::Instant::now();
    let outcomes = check_all(&oracle, &cases, threads());
    eprintln!(
        "{n} generated configs compared in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if report(&outcomes).is_err() {
        // Keep the failing configs to read and re-run.
        let keep = std::env::temp_dir().join("apple-conn-oracle-failures");
        let _ = std::fs::remove_dir_all(&keep);
        for (c, o) in cases.iter().zip(&outcomes) {
            if !o.diffs.is_empty() {
                let dir = c.file.parent().unwrap();
                let to = keep.join(dir.file_name().unwrap());
                copy_dir(dir, &to);
            }
        }
        eprintln!("failing configs kept in {}", keep.display());
    }
    assert_report(&outcomes);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}
