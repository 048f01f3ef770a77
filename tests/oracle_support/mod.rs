//! Differential testing against the Bitrise CLI itself (`../shared/tools/bitrise-oracle`): the
//! oracle's run order, step list, which steps run (the CLI's own run_if evaluator) and resolved
//! inputs against apple-conn's, case by case.
#![allow(dead_code)]

pub mod generate;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use apple_conn::bitrise::expand::{self, Expanded};
use apple_conn::bitrise::include::Options;
use apple_conn::bitrise::load::BitriseYml;
use apple_conn::bitrise::run;
use apple_conn::bitrise::run_if::{Given, Verdict};
use serde_json::Value;

/// The oracle's `run` script: `$APPLE_CONN_ORACLE`, or `shared/tools/bitrise-oracle/run` beside
/// the checkout (CI) or beside the worktree folder (development).
pub fn oracle() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("APPLE_CONN_ORACLE") {
        return Some(PathBuf::from(p));
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("../shared"), here.join("../../shared")]
        .into_iter()
        .map(|s| s.join("tools/bitrise-oracle/run"))
        .find(|p| p.is_file())
}

/// The oracle, or a clear skip (a failure when `CI` is set: CI must run the comparison).
pub fn require_oracle(test: &str) -> Option<PathBuf> {
    match oracle() {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") => panic!(
            "{test}: the Bitrise CLI oracle (../shared/tools/bitrise-oracle/run) is missing and CI is set: the differential suite must run in CI"
        ),
        None => {
            eprintln!(
                "SKIPPED {test}: no Bitrise CLI oracle at ../shared/tools/bitrise-oracle/run (set APPLE_CONN_ORACLE to its run script)"
            );
            None
        }
    }
}

/// One config to compare: its top-level file, the runs to compare, where its repositories are.
#[derive(Debug, Clone)]
pub struct Case {
    pub label: String,
    pub file: PathBuf,
    pub targets: Vec<String>,
    pub opts: Options,
    /// A `.bitrise.secrets.yml` given to both (`-i`; apple-conn: its values as `--set`).
    pub secrets: Option<PathBuf>,
    /// `bitrise run --ci` / `--pr`.
    pub ci: bool,
    pub pr: bool,
}

impl Case {
    /// The run as apple-conn is told it: the run modes and the secrets' values.
    pub fn given(&self) -> Given {
        let envs = self
            .secrets
            .as_ref()
            .map(|p| apple_conn::bitrise::secrets_file::read(p).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_default();
        Given {
            ci: Some(self.ci),
            pr: Some(self.pr),
            envs,
        }
    }
}

/// Names the oracle's process sets that apple-conn leaves to the build, with why: the README of
/// the oracle says it does not model path envs; CI/PR depend on how `bitrise run` is started.
pub const BUILD_TIME_ONLY: &[(&str, &str)] = &[
    (
        "CI",
        "run mode: `bitrise run --ci` sets it; apple-conn keeps $CI for the build",
    ),
    (
        "PR",
        "run mode: set by the CLI from the trigger; kept for the build",
    ),
    (
        "BITRISE_STEP_SOURCE_DIR",
        "path env (oracle README: not covered)",
    ),
    (
        "BITRISE_TEST_DEPLOY_DIR",
        "path env (oracle README: not covered)",
    ),
    ("BITRISE_STEP_EXECUTION_ID", "a random UUID per step run"),
    (
        "BITRISE_SOURCE_DIR",
        "path env (oracle README: not covered)",
    ),
    (
        "BITRISE_DEPLOY_DIR",
        "path env (oracle README: not covered)",
    ),
    ("HOME", "the oracle's process env"),
    ("PATH", "the oracle's process env"),
    ("PWD", "the oracle's process env"),
    ("SHLVL", "the oracle's process env"),
    ("OLDPWD", "the oracle's process env"),
    ("BITRISE_OFFLINE_MODE", "the oracle's process env"),
    ("BITRISE_ANALYTICS_DISABLED", "the oracle's process env"),
];

/// Every `$NAME`/`${NAME}` a text mentions (os.Expand's names: alphanumerics and `_`).
pub fn var_names(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            let (start, braced) = if b[i + 1] == b'{' {
                (i + 2, true)
            } else {
                (i + 1, false)
            };
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > start && (!braced || b.get(j) == Some(&b'}')) {
                out.insert(text[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Runs the oracle for one target. Every variable the files mention and never declare is set in
/// its process env to its own `$NAME`, so what apple-conn keeps for the build (`$SECRET`) reads
/// the same on both sides; a name the config declares is left unset, so a reference before its
/// declaration reads empty on both sides.
pub fn run_oracle(
    oracle: &Path,
    case: &Case,
    names: &BTreeSet<String>,
    target: &str,
) -> Result<Value, String> {
    let mut cmd = Command::new(oracle);
    cmd.env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .args([case.file.as_os_str(), target.as_ref()])
        .args(["--keep-env", "--no-env"]);
    if case.ci {
        cmd.arg("--ci");
    }
    if case.pr {
        cmd.arg("--pr");
    }
    if let Some(s) = &case.secrets {
        cmd.arg("-i").arg(s);
    }
    if let Some(root) = &case.opts.root {
        cmd.env("ORACLE_CWD", root);
    }
    for n in names {
        if !BUILD_TIME_ONLY.iter().any(|(k, _)| k == n)
            && n != "BITRISE_TRIGGERED_WORKFLOW_ID"
            && n != "BITRISE_TRIGGERED_WORKFLOW_TITLE"
        {
            cmd.env(n, format!("${n}"));
        }
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", oracle.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("oracle output: {e}"))
}

/// What apple-conn makes of one run, in the oracle's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub order: Vec<String>,
    pub steps: Vec<Expanded>,
}

pub fn ours(yml: &BitriseYml, target: &str, given: &Given) -> Result<Vec<(String, Run)>, String> {
    let one = |w: &str| -> Result<Run, String> {
        Ok(Run {
            order: expand::run_order(yml, w).map_err(|e| e.to_string())?,
            steps: expand::expand_workflow_with(yml, w, given).map_err(|e| e.to_string())?,
        })
    };
    if yml.workflows.contains_key(target) {
        if target.starts_with('_') {
            return Err(format!("utility workflow {target}"));
        }
        return Ok(vec![(target.to_string(), one(target)?)]);
    }
    let Some(p) = yml.pipelines.get(target) else {
        return Err(format!("{target} is neither a workflow nor a pipeline"));
    };
    let mut out = Vec::new();
    let runs = expand::pipeline_runs(yml, target, p).map_err(|e| e.to_string())?;
    for r in &runs {
        out.push((r.workflow.clone(), one(&r.workflow)?));
    }
    // Every run of the pipeline must also come out of `expand_pipeline`, in the same order,
    // each step behind its pipeline workflow's run_ifs.
    let all: Vec<Expanded> = runs
        .iter()
        .zip(&out)
        .flat_map(|(r, (_, run))| {
            let gate = expand::pipeline_decisions(yml, r, given);
            run.steps
                .iter()
                .cloned()
                .map(move |s| expand::gated(s, &gate))
        })
        .collect();
    if expand::expand_pipeline_with(yml, target, given).map_err(|e| e.to_string())? != all {
        return Err(format!(
            "pipeline {target}: expand_pipeline differs from its workflows expanded one by one"
        ));
    }
    Ok(out)
}

/// The oracle's runs of a target: (workflow it runs, expansion).
fn oracle_runs<'a>(v: &'a Value) -> Vec<(String, &'a Value)> {
    if let Some(w) = v.get("workflow") {
        return vec![(w["target_workflow"].as_str().unwrap_or("").to_string(), w)];
    }
    let p = &v["pipeline"];
    let mut out = Vec::new();
    let mut push = |pw: &'a Value| {
        let e = &pw["expanded"];
        out.push((e["target_workflow"].as_str().unwrap_or("").to_string(), e));
    };
    if let Some(stages) = p["stages"].as_array() {
        for s in stages {
            for pw in s["workflows"].as_array().into_iter().flatten() {
                push(pw);
            }
        }
    } else {
        for pw in p["workflows"].as_array().into_iter().flatten() {
            push(pw);
        }
    }
    out
}

/// `${NAME}` and `$NAME` read the same once NAME is unknown (the oracle prints `$NAME` back).
fn norm(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j)
                if j > 0
                    && after[..j]
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
            {
                out.push('$');
                out.push_str(&after[..j]);
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The differences between the two, each one line; known blind spots are listed, not failed.
pub fn compare(ours: &[(String, Run)], oracle: &Value, notes: &mut Vec<String>) -> Vec<String> {
    let mut diffs = Vec::new();
    let theirs = oracle_runs(oracle);
    let graph = oracle["pipeline"]["type"].as_str() == Some("graph");
    let mut ours: Vec<&(String, Run)> = ours.iter().collect();
    let mut theirs_sorted = theirs.clone();
    if graph {
        // A graph pipeline has no order of its own (the backend schedules it): compare by name.
        ours.sort_by(|a, b| a.0.cmp(&b.0));
        theirs_sorted.sort_by(|a, b| a.0.cmp(&b.0));
        notes.push("graph pipeline: workflows compared by name (the oracle lists a topological order, apple-conn the file's)".into());
    }
    let names = |v: &[(String, &Value)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let our_names: Vec<String> = ours.iter().map(|(n, _)| n.clone()).collect();
    if our_names != names(&theirs_sorted) {
        diffs.push(format!(
            "pipeline workflows: ours {our_names:?}, CLI {:?}",
            names(&theirs_sorted)
        ));
        return diffs;
    }
    for ((w, run), (_, t)) in ours.iter().zip(&theirs_sorted) {
        let bundles: Vec<Option<String>> = t["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["step_bundle"]["uuid"].as_str().map(str::to_string))
            .collect();
        let order: Vec<String> = t["workflow_run_order"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        if run.order != order {
            diffs.push(format!(
                "{w}: run order: ours {:?}, CLI {order:?}",
                run.order
            ));
        }
        let steps = t["steps"].as_array().cloned().unwrap_or_default();
        if run.steps.len() != steps.len() {
            diffs.push(format!(
                "{w}: {} step(s), CLI {}: ours {:?}, CLI {:?}",
                run.steps.len(),
                steps.len(),
                run.steps
                    .iter()
                    .map(|s| format!("{}:{}", s.workflow, s.reference))
                    .collect::<Vec<_>>(),
                steps
                    .iter()
                    .map(|s| format!(
                        "{}:{}",
                        s["workflow"].as_str().unwrap_or(""),
                        s["step_key"].as_str().unwrap_or("")
                    ))
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        for (i, (s, t)) in run.steps.iter().zip(&steps).enumerate() {
            let at = format!("{w} step {i} ({} at {})", s.reference, s.source());
            let field = |k: &str| t[k].as_str().unwrap_or("").to_string();
            if s.reference != field("step_key") || s.workflow != field("workflow") {
                diffs.push(format!(
                    "{at}: ours {}:{}, CLI {}:{}",
                    s.workflow,
                    s.reference,
                    field("workflow"),
                    field("step_key")
                ));
                continue;
            }
            if t["id_error"].as_str().is_none_or(str::is_empty)
                && (s.step.id_or_uri != field("id") || s.step.version != field("version"))
            {
                diffs.push(format!(
                    "{at}: id/version ours {}@{}, CLI {}@{}",
                    s.step.id_or_uri,
                    s.step.version,
                    field("id"),
                    field("version")
                ));
            }
            // The CLI decides a bundle's run_if once, on the bundle's first step, and reuses it
            // (cli/run_util.go:81-84, 201-219); the oracle evaluates it again on every step.
            let later_in_bundle =
                i > 0 && bundles[i].is_some() && bundles.get(i - 1) == Some(&bundles[i]);
            if let Some(d) = compare_run_if(s, t) {
                match d {
                    Ok(note) => notes.push(format!("{at}: {note}")),
                    Err(diff)
                        if later_in_bundle
                            && s.run_if.as_ref().is_some_and(|r| r.from.starts_with("bundle ")) =>
                    {
                        notes.push(format!("{at}: {diff}: not compared (a bundle's run_if is decided once, on its first step: cli/run_util.go:81-84; the oracle evaluates it on every step)"))
                    }
                    Err(diff) => diffs.push(format!("{at}: {diff}")),
                }
            }
            if t["step_yml_merged"].as_bool() != Some(s.step_yml) {
                diffs.push(format!(
                    "{at}: step.yml merged: ours {}, CLI {}",
                    s.step_yml, t["step_yml_merged"]
                ));
            }
            if s.prepare_error.is_some() {
                // The oracle fails the whole target on a template error; see check_case.
                continue;
            }
            let resolved = t["resolved_inputs"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let ours_keys: BTreeSet<&String> = s.inputs.keys().collect();
            let their_keys: BTreeSet<&String> = resolved.keys().collect();
            if ours_keys != their_keys {
                diffs.push(format!(
                    "{at}: input names ours {ours_keys:?}, CLI {their_keys:?}"
                ));
            }
            for (k, v) in &s.inputs {
                let Some(tv) = resolved.get(k).and_then(Value::as_str) else {
                    continue;
                };
                if norm(v) == norm(tv) {
                    continue;
                }
                if !s.duplicated.is_empty()
                    && s.step.kind != apple_conn::bitrise::stepref::RefKind::Path
                    && s.duplicated.contains(k)
                {
                    notes.push(format!("{at}: input {k}: ours {v:?}, CLI {tv:?}: not compared (a duplicated key of a StepLib step: the CLI merges the step.yml and keeps the first value, models/models_methods.go:1603; the oracle, offline, merges no StepLib step.yml and its env keeps the last)"));
                    continue;
                }
                if s.build_time.contains(k) {
                    notes.push(format!(
                        "{at}: input {k}: a template reading a value set at build time"
                    ));
                    continue;
                }
                if json_float_of_int(v, tv) {
                    notes.push(format!("{at}: input {k}: ours {v:?}, CLI {tv:?}: not compared (the oracle copies inputs through JSON, src/main.go copyEnvs, so a YAML integer reaches envman as a float64; the CLI passes the int: envman models GetKeyValuePair -> parseutil.StringFrom)"));
                    continue;
                }
                let blind: Vec<&str> = BUILD_TIME_ONLY
                    .iter()
                    .filter(|(n, _)| var_names(v).contains(*n))
                    .map(|(n, why)| if why.is_empty() { *n } else { *why })
                    .collect();
                if !blind.is_empty() {
                    notes.push(format!(
                        "{at}: input {k}: ours {v:?}, CLI {tv:?}: not compared ({})",
                        blind.join("; ")
                    ));
                    continue;
                }
                diffs.push(format!("{at}: input {k}: ours {v:?}, CLI {tv:?}"));
            }
        }
    }
    diffs
}

/// A pipeline's workflow list as both read it: (stage and its run_if, key, `uses`, run_if
/// text). The CLI does not evaluate these run_ifs (the Bitrise backend does): their text is
/// compared. A graph pipeline is compared by key (the oracle lists a topological order).
pub fn compare_pipeline(yml: &BitriseYml, target: &str, oracle: &Value) -> Vec<String> {
    type Entry = (
        Option<(String, Option<String>)>,
        String,
        Option<String>,
        Option<String>,
    );
    let Some(p) = yml.pipelines.get(target) else {
        return Vec::new();
    };
    let ours: Vec<Entry> = match expand::pipeline_runs(yml, target, p) {
        Ok(runs) => runs
            .into_iter()
            .map(|r| {
                let uses = (r.workflow != r.key).then_some(r.workflow);
                (r.stage, r.key, uses, r.run_if)
            })
            .collect(),
        Err(e) => return vec![format!("pipeline workflows: ours refuse ({e})")],
    };
    let text = |v: &Value| v.as_str().map(str::to_string);
    let pipe = &oracle["pipeline"];
    let mut theirs: Vec<Entry> = Vec::new();
    if let Some(stages) = pipe["stages"].as_array() {
        for s in stages {
            let stage = (text(&s["id"]).unwrap_or_default(), text(&s["run_if"]));
            for w in s["workflows"].as_array().into_iter().flatten() {
                theirs.push((
                    Some(stage.clone()),
                    text(&w["id"]).unwrap_or_default(),
                    None,
                    text(&w["run_if"]),
                ));
            }
        }
    } else {
        for w in pipe["workflows"].as_array().into_iter().flatten() {
            theirs.push((
                None,
                text(&w["id"]).unwrap_or_default(),
                text(&w["uses"]),
                text(&w["run_if"]["expression"]),
            ));
        }
    }
    let mut ours = ours;
    if pipe["type"].as_str() == Some("graph") {
        ours.sort_by(|a, b| a.1.cmp(&b.1));
        theirs.sort_by(|a, b| a.1.cmp(&b.1));
    }
    if ours == theirs {
        Vec::new()
    } else {
        vec![format!(
            "pipeline workflows and run_ifs: ours {ours:?}, CLI {theirs:?}"
        )]
    }
}

/// Which steps run: the oracle's `would_run_if_all_prior_steps_succeed` / `run_if_eval_error`
/// (the CLI's EvaluateTemplateToBool) against apple-conn's verdict when no earlier step failed.
/// Ok(note) for a blind spot, Err(difference).
fn compare_run_if(s: &Expanded, t: &Value) -> Option<Result<String, String>> {
    let theirs = match (
        t["would_run_if_all_prior_steps_succeed"].as_bool(),
        t["run_if_eval_error"].as_str(),
    ) {
        (_, Some(e)) => Some(Err(e.to_string())),
        (Some(b), None) => Some(Ok(b)),
        (None, None) => None,
    };
    let ours = s.run_if.as_ref().map(|r| (r.when_ok, r));
    match (ours, theirs) {
        (None, None) => None,
        (None, Some(t)) => Some(Err(format!("run_if: ours none, CLI {t:?}"))),
        (Some((v, r)), None) => Some(Err(format!(
            "run_if: ours {v:?} ({}), CLI evaluates none",
            r.reason()
        ))),
        (Some((Verdict::Undecided, r)), Some(t)) => Some(Ok(format!(
            "run_if `{}` undecided (a value set at build time: {:?}), CLI {t:?}: not compared",
            r.expression, r.decided_by
        ))),
        (Some((v, r)), Some(t)) => {
            let same = matches!(
                (v, &t),
                (Verdict::True, Ok(true)) | (Verdict::False, Ok(false)) | (Verdict::Error, Err(_))
            );
            (!same).then(|| {
                Err(format!(
                    "run_if `{}`: ours {v:?} ({}), CLI {t:?}",
                    r.expression,
                    r.reason()
                ))
            })
        }
    }
}

/// `1437806916` read back as Go's `%v` of a float64 (`1.437806916e+09`).
fn json_float_of_int(ours: &str, theirs: &str) -> bool {
    let Ok(i) = ours.parse::<i64>() else {
        return false;
    };
    theirs.contains('e') && theirs.parse::<f64>().is_ok_and(|f| f == i as f64)
}

/// The outcome of comparing one case on every target.
#[derive(Debug, Default)]
pub struct Outcome {
    pub label: String,
    pub diffs: Vec<String>,
    pub notes: Vec<String>,
    pub targets: usize,
}

fn all_text(yml: &BitriseYml) -> String {
    // A local step's step.yml names variables too (its input values and run_if).
    let step_ymls = yml.step_ymls.values().flat_map(|s| {
        s.inputs
            .iter()
            .map(|e| e.value.clone())
            .chain(s.run_if.clone())
    });
    yml.sources
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .chain(step_ymls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `"NAME"` a text quotes (the names `getenv`/`enveq` read).
fn quoted_names(text: &str) -> BTreeSet<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
        .filter(|n| !n.as_bytes()[0].is_ascii_digit())
        .map(str::to_string)
        .collect()
}

fn input_names(y: &BitriseYml) -> BTreeSet<String> {
    use apple_conn::bitrise::load::Item;
    fn walk(items: &[Item], out: &mut BTreeSet<String>) {
        for i in items {
            match i {
                Item::Step { inputs, .. } => out.extend(inputs.iter().map(|e| e.name.clone())),
                Item::With { steps, .. } => walk(steps, out),
                Item::Bundle { .. } => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    y.workflows.values().for_each(|w| walk(&w.steps, &mut out));
    y.bundles.values().for_each(|b| walk(&b.steps, &mut out));
    // A local step's step.yml inputs are the step's inputs too.
    y.step_ymls
        .values()
        .for_each(|s| out.extend(s.inputs.iter().map(|e| e.name.clone())));
    out.retain(|n| n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') && !n.is_empty());
    out
}

/// Compares one case: both sides load (or both refuse, the CLI's message inside ours).
pub fn check_case(oracle: &Path, case: &Case) -> Outcome {
    let mut o = Outcome {
        label: case.label.clone(),
        ..Default::default()
    };
    let yml = run::open_with(&case.file, &case.opts);
    let given = case.given();
    // Input names too: an input skipped when empty (or unset) reads the variable of its name.
    // A name the config declares (or the secrets give) is not in the process env.
    let names = match &yml {
        Ok(y) => {
            let mut n = var_names(&all_text(y));
            n.extend(input_names(y));
            // Names a run_if or template reads (`getenv "X"`).
            n.extend(quoted_names(&all_text(y)));
            n.retain(|x| !y.declared.contains(x) && !given.envs.iter().any(|(k, _)| k == x));
            n
        }
        Err(_) => BTreeSet::new(),
    };
    for target in &case.targets {
        o.targets += 1;
        let mut theirs = run_oracle(oracle, case, &names, target);
        if let Ok(t) = &mut theirs {
            separate_builds(oracle, case, &names, t, &mut o.notes);
        }
        let mine = yml
            .as_ref()
            .map_err(|e| e.to_string())
            .and_then(|y| ours(y, target, &given))
            .and_then(|runs| {
                // The oracle stops on an input template the CLI cannot evaluate (the CLI
                // fails that step): so does the comparison.
                match runs
                    .iter()
                    .flat_map(|(_, r)| &r.steps)
                    .find_map(|s| s.prepare_error.clone())
                {
                    Some(e) => Err(e),
                    None => Ok(runs),
                }
            });
        match (mine, theirs) {
            (Ok(m), Ok(t)) => {
                let pipeline = yml
                    .as_ref()
                    .map(|y| compare_pipeline(y, target, &t))
                    .unwrap_or_default();
                for d in pipeline.into_iter().chain(compare(&m, &t, &mut o.notes)) {
                    o.diffs.push(format!("{target}: {d}"));
                }
            }
            (Err(m), Err(t)) => {
                // The CLI's own message, after its wrapping ("failed to merge …: "), is in ours.
                let core = t
                    .rsplit("): ")
                    .next()
                    .unwrap_or(&t)
                    .trim_start_matches("bitrise-oracle: ");
                if !m.contains(core) {
                    o.notes
                        .push(format!("{target}: both refuse; ours: {m} | CLI: {t}"));
                }
            }
            (Ok(_), Err(t)) => o.diffs.push(format!(
                "{target}: the CLI refuses ({t}), apple-conn does not"
            )),
            (Err(m), Ok(_)) => o.diffs.push(format!(
                "{target}: apple-conn refuses ({m}), the CLI does not"
            )),
        }
    }
    o
}

/// Each workflow of a pipeline is its own build on the Bitrise backend (its own CLI process),
/// but the oracle expands them one after the other in one process on one config, where a step's
/// preparation fills bundle env options in place (cli/step_environment.go:27) for the later
/// ones: each pipeline workflow is therefore taken from its own oracle run.
fn separate_builds(
    oracle: &Path,
    case: &Case,
    names: &BTreeSet<String>,
    t: &mut Value,
    notes: &mut Vec<String>,
) {
    let Some(p) = t.get_mut("pipeline") else {
        return;
    };
    let mut entries: Vec<&mut Value> = Vec::new();
    let staged = p.get("stages").is_some_and(Value::is_array);
    if staged {
        let stages = p["stages"].as_array_mut().into_iter().flatten();
        for s in stages {
            if let Some(ws) = s.get_mut("workflows").and_then(Value::as_array_mut) {
                entries.extend(ws.iter_mut());
            }
        }
    } else if let Some(ws) = p.get_mut("workflows").and_then(Value::as_array_mut) {
        entries.extend(ws.iter_mut());
    }
    for pw in entries {
        let Some(w) = pw["expanded"]["target_workflow"]
            .as_str()
            .map(str::to_string)
        else {
            continue;
        };
        match run_oracle(oracle, case, names, &w) {
            Ok(own) => pw["expanded"] = own["workflow"].clone(),
            Err(e) => notes.push(format!(
                "pipeline workflow {w} alone: the oracle refuses ({e})"
            )),
        }
    }
}

/// Runs the cases on `threads` threads (each oracle call is a process; the machine's cores are
/// shared, so a few threads keep it busy without starving the rest).
pub fn check_all(oracle: &Path, cases: &[Case], threads: usize) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let o = check_case(oracle, case);
                    out.lock().unwrap().push((i, o));
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap();
    v.sort_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, o)| o).collect()
}

/// Every runnable target of a loaded config (non-utility workflows, then pipelines).
pub fn targets_of(file: &Path, opts: &Options) -> Vec<String> {
    match run::open_with(file, opts) {
        Ok(y) => run::runnable(&y)
            .into_iter()
            .map(|t| match t {
                run::Target::Workflow(w) | run::Target::Pipeline(w) => w,
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A summary that fails the test with every difference (and lists the blind spots met).
pub fn report(outcomes: &[Outcome]) -> Result<String, String> {
    let targets: usize = outcomes.iter().map(|o| o.targets).sum();
    let mut failed = String::new();
    let mut notes = BTreeSet::new();
    for o in outcomes {
        for d in &o.diffs {
            failed += &format!("\n  {}: {d}", o.label);
        }
        for n in &o.notes {
            notes.insert(n.split(": ").last().unwrap_or(n).to_string());
        }
    }
    let summary = format!(
        "{} case(s), {targets} target(s) compared with the Bitrise CLI; blind spots met: {}",
        outcomes.len(),
        if notes.is_empty() {
            "none".to_string()
        } else {
            notes.into_iter().collect::<Vec<_>>().join(" | ")
        }
    );
    if failed.is_empty() {
        Ok(summary)
    } else {
        Err(format!("{summary}\ndifferences:{failed}"))
    }
}
