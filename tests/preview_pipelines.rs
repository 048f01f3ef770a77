//! A pipeline workflow's `run_if` (and a stage's) through the real binary: a workflow the Bitrise
//! backend would not start shows each of its steps skipped with the pipeline's reason, one it may
//! or may not start shows both branches, one it starts runs; `--set` decides what the file
//! cannot. Fixture: tests/fixtures/bitrise/pipeline_run_if.yml.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const NOW: &str = "2026-11-24T12:00:00Z";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bitrise/pipeline_run_if.yml")
}

/// A workspace with one app using an API key (its private key is never read by a preview).
fn workspace(dir: &Path) -> PathBuf {
    let ws = dir.join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"alice@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"2X9R4HXF34\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ env = \"NO_KEY\" }}\n\n[[apps]]\nslug = \"shop-ios\"\napi_key = \"CI key\"\n"
        ),
    );
    ws
}

fn preview(ws: &Path, pipeline: &str, extra: &[&str]) -> Run {
    run(bin()
        .arg("-c")
        .arg(ws)
        .args([
            "preview",
            "--now",
            NOW,
            "--app",
            "shop-ios",
            "--bitrise-yml",
        ])
        .arg(fixture())
        .args(["--pipeline", pipeline])
        .args(extra))
}

fn preview_json(ws: &Path, pipeline: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    let r = preview(ws, pipeline, &args);
    assert_eq!(r.code, 0, "{}", r.all());
    let doc: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    doc["apps"][0]["steps"].as_array().unwrap().clone()
}

/// The steps of one workflow of the run, by the step reference.
fn step<'a>(steps: &'a [Value], workflow: &str, reference: &str, nth: usize) -> &'a Value {
    steps
        .iter()
        .filter(|s| s["workflow"] == workflow && s["ref"] == reference)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {workflow} {reference} #{nth} in {steps:#?}"))
}

#[test]
fn a_pipeline_workflow_run_if_decides_its_steps() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let steps = preview_json(&ws, "release", &[]);
    // Every workflow's steps stay listed (indices as the builds run them).
    let refs: Vec<String> = steps
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["workflow"].as_str().unwrap(),
                s["ref"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            "build xcode-archive@5",
            "deploy deploy-to-itunesconnect-deliver@2",
            "deploy script@1",
            "beta deploy-to-itunesconnect-deliver@2",
            "beta deploy-to-itunesconnect-deliver@2",
        ]
    );
    // No pipeline run_if: as before.
    let build = step(&steps, "build", "xcode-archive@5", 0);
    assert!(build["run_if"].is_null(), "{build:#}");
    assert!(build["pipeline_run_if"].is_null(), "{build:#}");
    assert_ne!(build["outcome"], "skipped", "{build:#}");

    // `enveq "CHANNEL" "beta"` with the app env CHANNEL=store: the backend skips `beta`.
    let beta = step(&steps, "beta", "deploy-to-itunesconnect-deliver@2", 0);
    assert_eq!(beta["outcome"], "skipped", "{beta:#}");
    assert!(beta["auth"].is_null(), "{beta:#}");
    assert_eq!(beta["run_if"]["verdict"], "false", "{beta:#}");
    assert_eq!(beta["run_if"]["from"], "pipeline workflow beta", "{beta:#}");
    assert_eq!(beta["pipeline_run_if"], beta["run_if"], "{beta:#}");
    let reason = beta["run_if_reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "skipped: pipeline workflow beta run_if `{{ enveq \"CHANNEL\" \"beta\" }}` is false (CHANNEL=store)"
        ),
        "{reason}"
    );
    assert!(
        beta["messages"]
            .to_string()
            .contains("pipeline workflow beta run_if"),
        "{beta:#}"
    );

    // The variant `beta_always` (uses: beta, run_if true) runs the same workflow: it runs.
    let always = step(&steps, "beta", "deploy-to-itunesconnect-deliver@2", 1);
    assert_eq!(always["run_if"]["verdict"], "true", "{always:#}");
    assert_eq!(always["run_if"]["from"], "pipeline workflow beta_always");
    assert_ne!(always["outcome"], "skipped", "{always:#}");
    assert!(!always["auth"].is_null(), "{always:#}");

    // DEPLOY is set by nobody in the file: both branches, and the value that decides.
    let deploy = step(&steps, "deploy", "deploy-to-itunesconnect-deliver@2", 0);
    assert_eq!(deploy["run_if"]["verdict"], "undecided", "{deploy:#}");
    assert_eq!(deploy["run_if"]["from"], "pipeline workflow deploy");
    assert_eq!(deploy["run_if"]["branches"].as_array().unwrap().len(), 2);
    assert!(
        deploy["run_if"]["decided_by"]
            .to_string()
            .contains("$DEPLOY"),
        "{deploy:#}"
    );
    // The step's own `.IsPR` after an undecided pipeline run_if: the pipeline's decides first.
    let script = step(&steps, "deploy", "script@1", 0);
    assert_eq!(
        script["run_if"]["from"], "pipeline workflow deploy",
        "{script:#}"
    );
    assert_eq!(script["run_if"]["verdict"], "undecided");

    // --set decides it, both ways.
    let yes = preview_json(&ws, "release", &["--set", "DEPLOY=yes"]);
    let d = step(&yes, "deploy", "deploy-to-itunesconnect-deliver@2", 0);
    assert_eq!(d["run_if"]["verdict"], "true", "{d:#}");
    assert!(
        d["run_if"]["values"].to_string().contains("DEPLOY=yes"),
        "{d:#}"
    );
    assert_ne!(d["outcome"], "skipped", "{d:#}");
    // Now the step's own run_if is what remains undecided (a pull request or not).
    let s = step(&yes, "deploy", "script@1", 0);
    assert_eq!(s["run_if"]["from"], "step", "{s:#}");
    assert_eq!(s["pipeline_run_if"]["verdict"], "true", "{s:#}");
    let no = preview_json(&ws, "release", &["--set", "DEPLOY=no"]);
    for r in ["deploy-to-itunesconnect-deliver@2", "script@1"] {
        let d = step(&no, "deploy", r, 0);
        assert_eq!(d["outcome"], "skipped", "{d:#}");
        assert_eq!(d["run_if"]["verdict"], "false", "{d:#}");
    }
}

#[test]
fn a_stage_run_if_comes_before_its_workflows_run_ifs() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    // A local run: `.IsCI` is false, the whole stage is skipped whatever DEPLOY is.
    let local = preview_json(&ws, "staged", &["--env", "local", "--set", "DEPLOY=yes"]);
    for (w, r) in [
        ("deploy", "deploy-to-itunesconnect-deliver@2"),
        ("deploy", "script@1"),
        ("beta", "deploy-to-itunesconnect-deliver@2"),
    ] {
        let s = step(&local, w, r, 0);
        assert_eq!(s["outcome"], "skipped", "{s:#}");
        assert_eq!(s["run_if"]["from"], "stage ship_stage", "{s:#}");
        assert!(
            s["run_if_reason"]
                .as_str()
                .unwrap()
                .contains("stage ship_stage run_if `.IsCI` is false"),
            "{s:#}"
        );
    }
    assert!(step(&local, "build", "xcode-archive@5", 0)["run_if"].is_null());
    // On bitrise.io the stage runs; its deploy workflow's own run_if then decides.
    let ci = preview_json(&ws, "staged", &["--set", "DEPLOY=no"]);
    let d = step(&ci, "deploy", "deploy-to-itunesconnect-deliver@2", 0);
    assert_eq!(d["run_if"]["from"], "pipeline workflow deploy", "{d:#}");
    assert_eq!(d["outcome"], "skipped", "{d:#}");
    let b = step(&ci, "beta", "deploy-to-itunesconnect-deliver@2", 0);
    assert_eq!(b["run_if"]["from"], "stage ship_stage", "{b:#}");
    assert_eq!(b["run_if"]["verdict"], "true", "{b:#}");
    assert_ne!(b["outcome"], "skipped", "{b:#}");
}

#[test]
fn the_table_says_why_a_pipeline_workflow_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = preview(&ws, "release", &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    for l in r.stdout.lines() {
        assert!(l.chars().count() <= 80, "over 80 columns: {l}");
    }
    let flat = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("workflow beta (skipped: pipeline workflow beta run_if `{{ enveq \"CHANNEL\" \"beta\" }}` is false (CHANNEL=store))"),
        "{}",
        r.stdout
    );
    assert!(
        flat.contains("workflow deploy (pipeline workflow deploy run_if `{{ enveq \"DEPLOY\" \"yes\" }}` depends on the build"),
        "{}",
        r.stdout
    );
    // Each of its steps says why once.
    assert!(
        flat.contains("- skipped: pipeline workflow beta run_if")
            && !flat.contains("skipped: skipped:"),
        "{}",
        r.stdout
    );
    // A local run (both run modes known) says the same.
    let r = preview(&ws, "release", &["--env", "local"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let flat = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("is false (CHANNEL=store))"), "{}", r.stdout);
    // A workflow that starts has a plain header.
    assert!(
        r.stdout.lines().any(|l| l.trim() == "workflow build"),
        "{}",
        r.stdout
    );
}

#[test]
fn bitrise_workflows_lists_each_pipeline_workflow_and_its_run_if() {
    let r = run(bin()
        .args(["bitrise", "workflows", "--format", "json"])
        .arg(fixture()));
    assert_eq!(r.code, 0, "{}", r.all());
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let release = doc["pipeline_workflows"]["release"].as_array().unwrap();
    let rows: Vec<(String, String, String)> = release
        .iter()
        .map(|w| {
            (
                w["id"].as_str().unwrap().to_string(),
                w["workflow"].as_str().unwrap().to_string(),
                w["decision"]["verdict"]
                    .as_str()
                    .unwrap_or("none")
                    .to_string(),
            )
        })
        .collect();
    let row = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        rows,
        [
            row("build", "build", "none"),
            row("deploy", "deploy", "undecided"),
            row("beta", "beta", "false"),
            row("beta_always", "beta", "true"),
        ]
    );
    assert_eq!(release[1]["run_if"], "{{ enveq \"DEPLOY\" \"yes\" }}");
    assert!(release[0]["stage"].is_null());
    let staged = doc["pipeline_workflows"]["staged"].as_array().unwrap();
    assert_eq!(staged[1]["stage"], "ship_stage");
    assert_eq!(staged[1]["stage_run_if"], ".IsCI");
    assert_eq!(staged[1]["run_if"], "{{ enveq \"DEPLOY\" \"yes\" }}");
    // The existing fields keep their meaning: every step row is still there.
    assert_eq!(doc["pipelines"]["release"].as_array().unwrap().len(), 5);
    // The table names the pipeline workflows and why one does not start.
    let r = run(bin().args(["bitrise", "workflows"]).arg(fixture()));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("  pipeline workflow beta_always (runs beta)\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  pipeline workflow beta: skipped: pipeline workflow beta run_if"),
        "{}",
        r.stdout
    );
    // With --set the file's unknown is decided.
    let r = run(bin()
        .args([
            "bitrise",
            "workflows",
            "--format",
            "json",
            "--set",
            "DEPLOY=yes",
        ])
        .arg(fixture()));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc["pipeline_workflows"]["release"][1]["decision"]["verdict"],
        "true"
    );
}

#[test]
fn a_graph_run_if_that_is_not_a_map_is_refused_as_the_cli_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bitrise.yml");
    write(
        &file,
        "format_version: \"13\"\nworkflows:\n  build: {}\npipelines:\n  p:\n    workflows:\n      build:\n        run_if: \"false\"\n",
    );
    let r = run(bin().args(["bitrise", "workflows"]).arg(&file));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("bitrise.yml:8:")
            && r.stderr
                .contains("cannot unmarshal !!str `false` into models.GraphPipelineRunIfModel")
            && r.stderr.contains("run_if: { expression:"),
        "{}",
        r.stderr
    );
}
