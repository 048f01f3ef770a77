//! What a user previews from a file: a workflow or a pipeline, expanded, planned and resolved.
//! The headless `preview` and the TUI both call these.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::load::{self, BitriseYml, Pipeline};
use super::{Planned, expand, plan, with_notes};
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

/// Reads, loads and validates a bitrise.yml (its warnings stay on the result).
pub fn open(path: &Path) -> Result<BitriseYml, OpenError> {
    let text = crate::store::files::read_text_capped(
        path,
        crate::store::files::BITRISE_YML_CAP,
        "bitrise.yml",
    )
    .map_err(|e| {
        OpenError::Unreadable(format!(
            "{}: cannot read the bitrise.yml: {e}",
            path.display()
        ))
    })?;
    parse(&path.display().to_string(), &text).map_err(OpenError::Invalid)
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
        Some((Pipeline::Graph(_), _)) => "graph",
        Some((Pipeline::Staged(_), _)) => "staged",
        None => "",
    }
}

/// The steps of one run, in run order, with the messages the CLI (or apple-conn) gives.
pub fn expand_target(yml: &BitriseYml, target: &Target) -> Result<Vec<expand::Expanded>, String> {
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
            expand::expand_workflow(yml, w).map_err(|e| e.to_string())
        }
        Target::Pipeline(p) => expand::expand_pipeline(yml, p).map_err(|e| e.to_string()),
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
    let map = app
        .bitrise_yml
        .as_ref()
        .map(|b| b.map.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    for target in targets {
        let steps = expand_target(yml, target)?;
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
