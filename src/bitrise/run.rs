//! What a user previews from a file: a workflow or a pipeline, expanded, planned and resolved.
//! The headless `preview` and the TUI both call these.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::load::{self, BitriseYml, Pipeline};
use super::run_if::Given;
use super::{Planned, expand, include, plan, with_notes};
use crate::domain::catalog::Catalog;
use crate::domain::resolution::{Environment, Resolution};
use crate::domain::resolve::resolve;
use crate::domain::workspace::{App, BitriseYmlRef, Workspace};

/// What a run starts from: a workflow (triggered directly) or a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Workflow(String),
    Pipeline(String),
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Target::Workflow(w) => format!("workflow {w}"),
            Target::Pipeline(p) => format!("pipeline {p}"),
        }
    }
}

/// "workflow ci, workflow deploy": runs as the user reads them.
pub fn describe(targets: &[Target]) -> String {
    let labels: Vec<String> = targets.iter().map(Target::label).collect();
    labels.join(", ")
}

/// Why a file could not be opened: unreadable (exit 2) or not a valid bitrise.yml (exit 1).
#[derive(Debug, Clone, PartialEq)]
pub enum OpenError {
    Unreadable(String),
    Invalid(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Unreadable(m) | OpenError::Invalid(m) => f.write_str(m),
        }
    }
}

/// A file this process reads from memory instead of the disk: `--demo`'s embedded bitrise.yml.
static IN_MEMORY: std::sync::OnceLock<(std::path::PathBuf, &'static str)> =
    std::sync::OnceLock::new();

/// From now on `open(path)` parses `text` (set once per process, by `--demo` only).
pub fn serve_from_memory(path: std::path::PathBuf, text: &'static str) {
    let _ = IN_MEMORY.set((path, text));
}

/// Reads, loads and validates a bitrise.yml, merging what it includes (repository root: its
/// folder); its warnings stay on the result.
pub fn open(path: &Path) -> Result<BitriseYml, OpenError> {
    open_with(path, &include::Options::default())
}

/// `open` with a repository root and repository checkouts for `include:`.
pub fn open_with(path: &Path, opts: &include::Options) -> Result<BitriseYml, OpenError> {
    if let Some((p, text)) = IN_MEMORY.get()
        && p == path
    {
        return parse(&path.display().to_string(), text).map_err(OpenError::Invalid);
    }
    let merged = include::read(path, opts).map_err(|e| match e {
        include::ReadError::Unreadable(m) => OpenError::Unreadable(m),
        include::ReadError::Invalid(m) => OpenError::Invalid(m),
    })?;
    let mut yml = load::load_tree(merged.files, &merged.root)
        .map_err(|e| OpenError::Invalid(e.to_string()))?;
    yml.sources = merged.sources;
    yml.includes |= merged.modular;
    expand::validate(&yml).map_err(|e| OpenError::Invalid(e.to_string()))?;
    let root = match &opts.root {
        Some(r) => r.clone(),
        None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    read_step_ymls(&mut yml, &root);
    Ok(yml)
}

/// The step.yml of every `path::` step, read from the repository root as the CLI reads it
/// (the oracle's describeStep: filepath.Join(IDorURI, "step.yml") from the working directory).
fn read_step_ymls(yml: &mut BitriseYml, root: &Path) {
    fn refs(items: &[load::Item], out: &mut Vec<String>) {
        for i in items {
            match i {
                load::Item::Step { reference, .. } if reference.starts_with("path::") => {
                    out.push(reference.clone())
                }
                load::Item::With { steps, .. } => refs(steps, out),
                _ => {}
            }
        }
    }
    let mut all = Vec::new();
    yml.workflows
        .values()
        .for_each(|w| refs(&w.steps, &mut all));
    yml.bundles.values().for_each(|b| refs(&b.steps, &mut all));
    for r in all {
        if yml.step_ymls.contains_key(&r) {
            continue;
        }
        let step = super::stepref::parse(&r);
        let file = root.join(&step.id_or_uri).join("step.yml");
        let Ok(text) = crate::store::files::read_text_capped(
            &file,
            crate::store::files::BITRISE_YML_CAP,
            "step.yml",
        ) else {
            continue;
        };
        match load::step_yml(&file.display().to_string(), &text) {
            Ok(spec) => {
                yml.step_ymls.insert(r, spec);
            }
            Err(e) => yml.warnings.push(format!(
                "{e}: the step.yml of `{r}` cannot be read; its inputs are shown as bitrise.yml writes them"
            )),
        }
    }
}

/// The include options of an app's `[apps.bitrise_yml]` (paths relative to the workspace file).
pub fn app_options(workspace_file: &Path, b: &BitriseYmlRef) -> include::Options {
    include::Options {
        root: b
            .root
            .as_ref()
            .map(|r| crate::store::resolve_path(workspace_file, r)),
        repositories: b
            .repositories
            .iter()
            .map(|(k, v)| (k.clone(), crate::store::resolve_path(workspace_file, v)))
            .collect(),
    }
}

/// Reads an app's bitrise.yml with its `root` and `repositories`.
pub fn open_app(workspace_file: &Path, b: &BitriseYmlRef) -> Result<BitriseYml, OpenError> {
    open_with(
        &file_path(workspace_file, b),
        &app_options(workspace_file, b),
    )
}

/// Loads and validates bitrise.yml text (`file` names it in messages).
pub fn parse(file: &str, text: &str) -> Result<BitriseYml, String> {
    let yml = load::load(file, text).map_err(|e| e.to_string())?;
    expand::validate(&yml).map_err(|e| e.to_string())?;
    Ok(yml)
}

/// The runs an app's `[apps.bitrise_yml]` names, in the order the workspace lists them.
pub fn configured(b: &BitriseYmlRef) -> Vec<Target> {
    let workflows = b.workflows.iter().cloned().map(Target::Workflow);
    let pipelines = b
        .all_pipelines()
        .into_iter()
        .map(|p| Target::Pipeline(p.into()));
    workflows.chain(pipelines).collect()
}

/// Everything a user can trigger in the file: non-utility workflows, then pipelines.
pub fn runnable(yml: &BitriseYml) -> Vec<Target> {
    let workflows = yml
        .workflows
        .keys()
        .filter(|w| !w.starts_with('_'))
        .cloned()
        .map(Target::Workflow);
    let pipelines = yml.pipelines.keys().cloned().map(Target::Pipeline);
    workflows.chain(pipelines).collect()
}

/// The kind of a pipeline, for labels.
pub fn pipeline_kind(yml: &BitriseYml, id: &str) -> &'static str {
    match yml.pipelines.get(id) {
        Some((Pipeline::Graph(_), ..)) => "graph",
        Some((Pipeline::Staged(_), ..)) => "staged",
        None => "",
    }
}

/// The steps of one run, in run order, with the messages the CLI (or apple-conn) gives.
pub fn expand_target(yml: &BitriseYml, target: &Target) -> Result<Vec<expand::Expanded>, String> {
    expand_target_with(yml, target, &Given::bitrise())
}

/// `expand_target` with the run's modes and the values given (`--set`, `-i`).
pub fn expand_target_with(
    yml: &BitriseYml,
    target: &Target,
    given: &Given,
) -> Result<Vec<expand::Expanded>, String> {
    match target {
        Target::Workflow(w) => {
            if w.starts_with('_') {
                return Err(format!(
                    "{w}: Utility workflows can't be triggered directly: preview the workflow that runs it"
                ));
            }
            if !yml.workflows.contains_key(w) {
                let known: Vec<&str> = yml.workflows.keys().map(String::as_str).collect();
                return Err(format!(
                    "workflow {w} is not in {}: use one of {}",
                    yml.file,
                    known.join(", ")
                ));
            }
            expand::expand_workflow_with(yml, w, given).map_err(|e| e.to_string())
        }
        Target::Pipeline(p) => {
            expand::expand_pipeline_with(yml, p, given).map_err(|e| e.to_string())
        }
    }
}

/// Each step of the runs, mapped to the catalog and resolved with the app's connections.
pub fn resolve_targets(
    ws: &Workspace,
    catalog: &Catalog,
    app: &App,
    yml: &BitriseYml,
    targets: &[Target],
    env: Environment,
    now: DateTime<Utc>,
) -> Result<Vec<(Planned, Resolution)>, String> {
    resolve_targets_with(ws, catalog, app, yml, targets, env, now, &[])
}

/// `resolve_targets` with values given for the build (`--set NAME=VALUE`, `-i` secrets).
#[allow(clippy::too_many_arguments)]
pub fn resolve_targets_with(
    ws: &Workspace,
    catalog: &Catalog,
    app: &App,
    yml: &BitriseYml,
    targets: &[Target],
    env: Environment,
    now: DateTime<Utc>,
    set: &[(String, String)],
) -> Result<Vec<(Planned, Resolution)>, String> {
    let given = Given::for_environment(env).with_envs(set.to_vec());
    let map = app
        .bitrise_yml
        .as_ref()
        .map(|b| b.map.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    for target in targets {
        let steps = expand_target_with(yml, target, &given)?;
        for p in plan(&steps, catalog, &map) {
            let r = with_notes(resolve(ws, catalog, app, &p.step_use, env, now), &p);
            out.push((p, r));
        }
    }
    Ok(out)
}

/// Where an app's file is: `path` is relative to the workspace file.
pub fn file_path(workspace_file: &Path, b: &BitriseYmlRef) -> std::path::PathBuf {
    crate::store::resolve_path(workspace_file, &b.path)
}
