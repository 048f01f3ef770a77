//! `bitrise workflows`, `preview --bitrise-yml`, `[apps.bitrise_yml]`, `export bitrise-portal-data`.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CmdResult, Failure, rfc3339};
use crate::bitrise::expand::{self, Expanded};
use crate::bitrise::include;
use crate::bitrise::load::{BitriseYml, Pipeline};
use crate::bitrise::run::{self, Target};
use crate::bitrise::run_if::{self, Given, RunIf, Verdict};
use crate::cli::{IncludeArgs, PreviewArgs, TableJson};
use crate::domain::resolution::{Environment, Resolution};
use crate::domain::schema_version::SchemaVersion;
use crate::domain::workspace::App;
use crate::store::Loaded;

/// `--repo-root`/`--repo-map` over the include options a workspace gives (the flags win).
pub fn include_options(
    mut base: include::Options,
    args: &IncludeArgs,
) -> Result<include::Options, Failure> {
    if let Some(r) = &args.repo_root {
        base.root = Some(r.clone());
    }
    let mut flags = Vec::new();
    for m in &args.repo_map {
        let Some((url, dir)) = m
            .split_once('=')
            .filter(|(u, d)| !u.is_empty() && !d.is_empty())
        else {
            return Err(Failure::new(
                2,
                format!(
                    "--repo-map {m}: give the repository and its checkout as URL=DIR, e.g. --repo-map shared-ci=../shared-ci"
                ),
            ));
        };
        flags.push((url.to_string(), std::path::PathBuf::from(dir)));
    }
    flags.append(&mut base.repositories);
    base.repositories = flags;
    Ok(base)
}

/// The values `-i FILE` and `--set NAME=VALUE` give the build (the file first, `--set` after).
pub fn given_values(args: &IncludeArgs) -> Result<Vec<(String, String)>, Failure> {
    let mut out = match &args.inventory {
        Some(p) => crate::bitrise::secrets_file::read(p).map_err(|e| Failure::new(2, e))?,
        None => Vec::new(),
    };
    for s in &args.set {
        out.push(crate::bitrise::secrets_file::parse_set(s).map_err(|e| Failure::new(2, e))?);
    }
    Ok(out)
}

pub fn load_file(path: &Path, opts: &include::Options) -> Result<BitriseYml, Failure> {
    let yml = run::open_with(path, opts).map_err(|e| match e {
        run::OpenError::Unreadable(m) => Failure::new(2, m),
        run::OpenError::Invalid(m) => Failure::new(1, m),
    })?;
    for w in &yml.warnings {
        eprintln!("warning: {}", crate::terminal_text::clean(w));
    }
    Ok(yml)
}

/// `bitrise workflows --format json`: every workflow and pipeline, expanded as the CLI runs them.
#[derive(Serialize, schemars::JsonSchema)]
pub struct WorkflowsJson<'a> {
    pub schema_version: SchemaVersion,
    /// The bitrise.yml as given.
    pub file: String,
    pub workflows: indexmap::IndexMap<String, Vec<StepRow<'a>>>,
    pub pipelines: indexmap::IndexMap<String, Vec<StepRow<'a>>>,
    /// Each pipeline's workflows in file order (stage by stage), with their run_ifs.
    pub pipeline_workflows: indexmap::IndexMap<String, Vec<PipelineWorkflowRow>>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct StepRow<'a> {
    pub workflow: &'a str,
    /// The step reference as written.
    #[serde(rename = "ref")]
    pub reference: &'a str,
    pub step_id: Option<&'a str>,
    /// The file the step is written in (an included file for a modular config).
    pub file: &'a str,
    pub line: usize,
    pub inputs: &'a indexmap::IndexMap<String, String>,
    /// Whether the CLI runs it: the run_if that decides, its verdict and why (null: it runs).
    pub run_if: Option<&'a RunIf>,
    /// One line for people: why the step is skipped, fails, or may not run.
    pub run_if_reason: Option<String>,
    /// In a pipeline: the stage's and the pipeline workflow's `run_if`, already part of
    /// `run_if` (null: none, or not a pipeline).
    pub pipeline_run_if: Option<&'a RunIf>,
}

/// One workflow a pipeline runs, and whether the Bitrise backend starts it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PipelineWorkflowRow {
    /// The key it is listed under (a graph variant's name when it `uses:` another workflow).
    pub id: String,
    /// The workflow it runs.
    pub workflow: String,
    /// A staged pipeline's stage (null: a graph pipeline).
    pub stage: Option<String>,
    /// The stage's `run_if` as written.
    pub stage_run_if: Option<String>,
    /// The pipeline workflow's `run_if` expression as written.
    pub run_if: Option<String>,
    /// Both decided on the values given (null: neither is written, it runs).
    pub decision: Option<RunIf>,
    /// One line for people: why the workflow is skipped, fails, or may not run.
    pub decision_reason: Option<String>,
}

pub fn workflows(path: &Path, format: TableJson, include: &IncludeArgs) -> CmdResult {
    let yml = load_file(path, &include_options(Default::default(), include)?)?;
    let given = Given::bitrise().with_envs(given_values(include)?);
    let mut wfs = Vec::new();
    let mut pipes = Vec::new();
    let mut out = String::new();
    for id in yml.workflows.keys() {
        let steps = expand::expand_workflow_with(&yml, id, &given)
            .map_err(|e| Failure::new(1, e.to_string()))?;
        let utility = if id.starts_with('_') {
            " (utility: runs only through before_run/after_run)"
        } else {
            ""
        };
        let _ = writeln!(out, "workflow {id}{utility}: {} step(s)", steps.len());
        table(&mut out, &steps, &yml.file);
        wfs.push((id.clone(), steps));
    }
    let mut pipe_wfs = indexmap::IndexMap::new();
    for (id, entry) in &yml.pipelines {
        let steps = expand::expand_pipeline_with(&yml, id, &given)
            .map_err(|e| Failure::new(1, e.to_string()))?;
        let kind = match &entry.0 {
            Pipeline::Graph(_) => "graph",
            Pipeline::Staged(_) => "staged",
        };
        let _ = writeln!(out, "pipeline {id} ({kind}): {} step(s)", steps.len());
        let runs =
            expand::pipeline_runs(&yml, id, entry).map_err(|e| Failure::new(1, e.to_string()))?;
        let rows: Vec<PipelineWorkflowRow> = runs
            .iter()
            .map(|r| {
                let decision = run_if::combine(expand::pipeline_decisions(&yml, r, &given));
                PipelineWorkflowRow {
                    id: r.key.clone(),
                    workflow: r.workflow.clone(),
                    stage: r.stage.as_ref().map(|s| s.0.clone()),
                    stage_run_if: r.stage.as_ref().and_then(|s| s.1.clone()),
                    run_if: r.run_if.clone(),
                    decision_reason: decision.as_ref().map(RunIf::reason),
                    decision,
                }
            })
            .collect();
        for r in rows.iter() {
            let runs = if r.workflow == r.id {
                String::new()
            } else {
                format!(" (runs {})", r.workflow)
            };
            let why = r
                .decision
                .as_ref()
                .filter(|d| d.verdict != Verdict::True)
                .map(|d| format!(": {}", d.reason()))
                .unwrap_or_default();
            let _ = writeln!(out, "  pipeline workflow {}{runs}{why}", r.id);
        }
        table(&mut out, &steps, &yml.file);
        pipes.push((id.clone(), steps));
        pipe_wfs.insert(id.clone(), rows);
    }
    match format {
        TableJson::Json => {
            let doc = WorkflowsJson {
                schema_version: SchemaVersion,
                file: path.display().to_string(),
                workflows: wfs.iter().map(|(id, s)| (id.clone(), rows(s))).collect(),
                pipelines: pipes.iter().map(|(id, s)| (id.clone(), rows(s))).collect(),
                pipeline_workflows: pipe_wfs,
            };
            let text = serde_json::to_string(&doc)
                .map_err(|e| Failure::new(2, format!("cannot encode the workflows: {e}")))?;
            super::raw_out(&format!("{text}\n")); // raw: JSON
        }
        TableJson::Table => print!("{}", crate::terminal_text::clean(&out)),
    }
    Ok(0)
}

fn rows(steps: &[Expanded]) -> Vec<StepRow<'_>> {
    steps
        .iter()
        .map(|s| StepRow {
            workflow: &s.workflow,
            reference: &s.reference,
            step_id: s.step.step_id(),
            file: &s.file,
            line: s.line,
            inputs: &s.inputs,
            run_if: s.run_if.as_ref(),
            run_if_reason: s.run_if.as_ref().map(RunIf::reason),
            pipeline_run_if: s.pipeline_run_if.as_ref(),
        })
        .collect()
}

fn table(out: &mut String, steps: &[Expanded], top: &str) {
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {i:>3}  {:<24} {:<48} {}",
            s.workflow,
            s.reference,
            source_label(s, top)
        );
        if let Some(r) = s.run_if.as_ref().filter(|r| r.verdict != Verdict::True) {
            let _ = writeln!(out, "       {}", r.reason());
        }
    }
}

/// `line 37` in the top-level file, `ci/shared.yml:14` in an included one.
pub fn source_label(e: &Expanded, top: &str) -> String {
    if &*e.file == top {
        format!("line {}", e.line)
    } else {
        e.source()
    }
}

/// The steps of a workflow or pipeline, resolved with the app's connections.
pub fn resolve_file(
    loaded: &Loaded,
    app: &App,
    yml: &BitriseYml,
    workflow: Option<&str>,
    pipeline: Option<&str>,
    env: Environment,
    now: DateTime<Utc>,
) -> Result<Vec<(Expanded, String, Resolution)>, Failure> {
    let target = match (workflow, pipeline) {
        (Some(w), _) => Target::Workflow(w.to_string()),
        (None, Some(p)) => Target::Pipeline(p.to_string()),
        (None, None) => return Err(Failure::new(2, "give --workflow ID or --pipeline ID")),
    };
    resolve(loaded, app, yml, &[target], env, now, &[])
}

fn resolve(
    loaded: &Loaded,
    app: &App,
    yml: &BitriseYml,
    targets: &[Target],
    env: Environment,
    now: DateTime<Utc>,
    set: &[(String, String)],
) -> Result<Vec<(Expanded, String, Resolution)>, Failure> {
    let ws = &loaded.workspace;
    let steps = run::resolve_targets_with(ws, &loaded.catalog, app, yml, targets, env, now, set)
        .map_err(|e| Failure::new(1, e))?;
    Ok(steps
        .into_iter()
        .map(|(p, r)| (p.expanded, p.step_use.id, r))
        .collect())
}

/// `preview --bitrise-yml FILE --workflow ID|--pipeline ID`: one run of the file for one app.
pub fn preview(
    loaded: &Loaded,
    app: &App,
    file: &Path,
    env: Environment,
    now: DateTime<Utc>,
    args: &PreviewArgs,
) -> CmdResult {
    let base = match &app.bitrise_yml {
        Some(b) => include::Options {
            root: None,
            ..run::app_options(&loaded.path, b)
        },
        None => Default::default(),
    };
    let yml = load_file(file, &include_options(base, &args.include)?)?;
    let target = match (args.workflow.as_deref(), args.pipeline.as_deref()) {
        (Some(w), _) => Target::Workflow(w.to_string()),
        (None, Some(p)) => Target::Pipeline(p.to_string()),
        (None, None) => return Err(Failure::new(2, "give --workflow ID or --pipeline ID")),
    };
    let resolved = resolve(
        loaded,
        app,
        &yml,
        &[target],
        env,
        now,
        &given_values(&args.include)?,
    )?;
    match args.format {
        TableJson::Json => {
            let doc = super::preview_json::PreviewJson {
                schema_version: SchemaVersion,
                now: rfc3339(now),
                environment: env,
                apps: vec![super::preview_json::AppJson {
                    slug: app.slug.clone(),
                    steps: super::preview::file_steps_json(&resolved),
                    warnings: super::preview_json::app_warnings(&loaded.workspace, app, env),
                    error: None,
                }],
            };
            let text = serde_json::to_string(&doc)
                .map_err(|e| Failure::new(2, format!("cannot encode the preview: {e}")))?;
            super::raw_out(&format!("{text}\n")); // raw: JSON
        }
        TableJson::Table => {
            let mut out = format!(
                "environment: {}   now: {}\n\n{}{} · {}\n",
                env.as_str(),
                rfc3339(now),
                app.slug,
                app.title
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default(),
                file.display()
            );
            for w in super::preview_json::app_warnings(&loaded.workspace, app, env) {
                for l in
                    super::fit::wrap(&format!("warning: {w}"), super::fit::COLUMNS, "  ", "    ")
                {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
            let rows =
                super::preview_table::file_rows(&resolved, &yml.file, &loaded.catalog, args.all);
            if rows.is_empty() {
                out.push_str("  no steps in this run\n");
            } else {
                super::preview_table::render_rows(&mut out, &rows, args.wide);
            }
            print!("{}", crate::terminal_text::clean(&out));
        }
    }
    Ok(0)
}

/// `[apps.bitrise_yml]`: the app's steps from its file (relative to the workspace).
pub fn app_file_steps(
    loaded: &Loaded,
    app: &App,
    env: Environment,
    now: DateTime<Utc>,
) -> Result<Vec<(Expanded, String, Resolution)>, Failure> {
    app_file_steps_with(loaded, app, env, now, &IncludeArgs::default())
}

/// `app_file_steps` with `--repo-root`/`--repo-map` over the app's settings.
pub fn app_file_steps_with(
    loaded: &Loaded,
    app: &App,
    env: Environment,
    now: DateTime<Utc>,
    include: &IncludeArgs,
) -> Result<Vec<(Expanded, String, Resolution)>, Failure> {
    let Some(b) = &app.bitrise_yml else {
        return Ok(Vec::new());
    };
    let path = run::file_path(&loaded.path, b);
    let opts = include_options(run::app_options(&loaded.path, b), include)?;
    let yml = load_file(&path, &opts)?;
    resolve(
        loaded,
        app,
        &yml,
        &run::configured(b),
        env,
        now,
        &given_values(include)?,
    )
}

pub fn portal_data(
    loaded: &Loaded,
    keyring: &dyn crate::secrets::SecretStore,
    slug: &str,
    output: Option<&Path>,
    now: DateTime<Utc>,
) -> CmdResult {
    use crate::ops::session::Session;
    use crate::secrets::{EntryName, Secrets};
    let ws = &loaded.workspace;
    let app = ws
        .app(slug)
        .ok_or_else(|| Failure::new(1, format!("no app `{slug}`")))?;
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    let key = match app.api_key.as_deref().and_then(|n| ws.api_key(n)) {
        Some(k) => Some((
            k,
            super::connections::read_key_pem(&loaded.path, keyring, k)?,
        )),
        None => None,
    };
    let apple = match app.apple_id.as_deref().and_then(|a| ws.apple_id(a)) {
        Some(aid) => {
            let fail =
                |e: crate::secrets::SecretError| Failure::new(1, format!("{}: {e}", aid.apple_id));
            let password = secrets
                .get(&aid.password, &EntryName::password(&aid.apple_id))
                .map_err(fail)?;
            let asp = match &aid.app_specific_password {
                Some(r) => Some(
                    secrets
                        .get(r, &EntryName::app_specific_password(&aid.apple_id))
                        .map_err(fail)?,
                ),
                None => None,
            };
            let session = if aid.has_session() {
                let v = secrets
                    .get(
                        &aid.session.clone().unwrap_or_default(),
                        &EntryName::session(&aid.apple_id),
                    )
                    .map_err(fail)?;
                Some(Session::from_secret(&v).map_err(|e| Failure::new(1, e))?)
            } else {
                None
            };
            Some(crate::bitrise::portal::AppleIdPart {
                aid,
                password,
                app_specific_password: asp,
                session,
            })
        }
        None => None,
    };
    if key.is_none() && apple.is_none() {
        return Err(Failure::new(
            1,
            format!(
                "app {slug} has no connection assigned: `apple-conn assign {slug} --api-key NAME`"
            ),
        ));
    }
    let data =
        crate::bitrise::portal::portal_data(key.as_ref().map(|(k, p)| (*k, p.clone())), apple, now)
            .map_err(|e| Failure::new(1, e))?;
    data.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    let json = data.json;
    match output {
        Some(p) => {
            crate::secrets::references::write_private(p, json.expose().as_bytes())
                .map_err(|e| Failure::new(1, format!("cannot write {}: {e}", p.display())))?;
            let abs = std::path::absolute(p).unwrap_or(p.to_path_buf());
            eprintln!(
                "wrote {}{}. Run the real steps with: BITRISE_BUILD_URL=file://{} BITRISE_BUILD_API_TOKEN=local bitrise run WORKFLOW",
                p.display(),
                crate::store::files::PRIVATE_MODE,
                abs.display()
            );
        }
        None => super::raw_out(&format!("{}\n", json.expose())), // raw: the portal data, secrets included
    }
    Ok(0)
}
