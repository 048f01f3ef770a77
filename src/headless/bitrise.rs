//! `bitrise workflows`, `preview --bitrise-yml`, `[apps.bitrise_yml]`, `export bitrise-portal-data`.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::preview::{StepJson, step_json};
use super::{CmdResult, Failure, rfc3339};
use crate::bitrise::expand::{self, Expanded};
use crate::bitrise::include;
use crate::bitrise::load::{BitriseYml, Pipeline};
use crate::bitrise::run::{self, Target};
use crate::cli::{IncludeArgs, TableJson};
use crate::domain::resolution::{Environment, Resolution};
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

#[derive(Serialize)]
struct StepRow<'a> {
    workflow: &'a str,
    #[serde(rename = "ref")]
    reference: &'a str,
    step_id: Option<&'a str>,
    line: usize,
    /// Where the step is written (`ci/shared.yml:14`): an included file for a modular config.
    source: String,
    inputs: &'a indexmap::IndexMap<String, String>,
}

pub fn workflows(path: &Path, format: TableJson, include: &IncludeArgs) -> CmdResult {
    let yml = load_file(path, &include_options(Default::default(), include)?)?;
    let mut json_wfs = serde_json::Map::new();
    let mut json_pipes = serde_json::Map::new();
    let mut out = String::new();
    for id in yml.workflows.keys() {
        let steps =
            expand::expand_workflow(&yml, id).map_err(|e| Failure::new(1, e.to_string()))?;
        let utility = if id.starts_with('_') {
            " (utility: runs only through before_run/after_run)"
        } else {
            ""
        };
        let _ = writeln!(out, "workflow {id}{utility}: {} step(s)", steps.len());
        table(&mut out, &steps, &yml.file);
        json_wfs.insert(
            id.clone(),
            serde_json::to_value(rows(&steps)).unwrap_or_default(),
        );
    }
    for (id, (p, ..)) in &yml.pipelines {
        let steps =
            expand::expand_pipeline(&yml, id).map_err(|e| Failure::new(1, e.to_string()))?;
        let kind = match p {
            Pipeline::Graph(_) => "graph",
            Pipeline::Staged(_) => "staged",
        };
        let _ = writeln!(out, "pipeline {id} ({kind}): {} step(s)", steps.len());
        table(&mut out, &steps, &yml.file);
        json_pipes.insert(
            id.clone(),
            serde_json::to_value(rows(&steps)).unwrap_or_default(),
        );
    }
    match format {
        TableJson::Json => {
            // raw: JSON
            super::raw_out(&format!(
                "{}\n",
                serde_json::json!({"file": path.display().to_string(), "workflows": json_wfs, "pipelines": json_pipes})
            ))
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
            line: s.line,
            source: s.source(),
            inputs: &s.inputs,
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
    }
}

#[derive(Serialize)]
pub struct BitriseStepJson {
    #[serde(flatten)]
    pub base: StepJson,
    pub workflow: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub line: usize,
    /// Where the step is written (`ci/shared.yml:14`): an included file for a modular config.
    pub source: String,
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
    resolve(loaded, app, yml, &[target], env, now)
}

fn resolve(
    loaded: &Loaded,
    app: &App,
    yml: &BitriseYml,
    targets: &[Target],
    env: Environment,
    now: DateTime<Utc>,
) -> Result<Vec<(Expanded, String, Resolution)>, Failure> {
    let ws = &loaded.workspace;
    let steps = run::resolve_targets(ws, &loaded.catalog, app, yml, targets, env, now)
        .map_err(|e| Failure::new(1, e))?;
    Ok(steps
        .into_iter()
        .map(|(p, r)| (p.expanded, p.step_use.id, r))
        .collect())
}

#[allow(clippy::too_many_arguments)] // the preview flags, passed through as they are
pub fn preview(
    loaded: &Loaded,
    app: &App,
    file: &Path,
    workflow: Option<&str>,
    pipeline: Option<&str>,
    env: Environment,
    now: DateTime<Utc>,
    format: TableJson,
    include: &IncludeArgs,
    wide: bool,
) -> CmdResult {
    let base = match &app.bitrise_yml {
        Some(b) => include::Options {
            root: None,
            ..run::app_options(&loaded.path, b)
        },
        None => Default::default(),
    };
    let yml = load_file(file, &include_options(base, include)?)?;
    let resolved = resolve_file(loaded, app, &yml, workflow, pipeline, env, now)?;
    match format {
        TableJson::Json => {
            let steps: Vec<BitriseStepJson> = resolved
                .iter()
                .enumerate()
                .map(|(i, (e, id, r))| BitriseStepJson {
                    base: step_json(i, id, r),
                    workflow: e.workflow.clone(),
                    reference: e.reference.clone(),
                    line: e.line,
                    source: e.source(),
                })
                .collect();
            let doc = serde_json::json!({"now": rfc3339(now), "environment": env.as_str(), "apps": [{"slug": app.slug, "steps": steps}]});
            super::raw_out(&format!("{doc}\n")); // raw: JSON
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
            let mut current = String::new();
            let rows: Vec<super::preview::Row> = resolved
                .iter()
                .enumerate()
                .map(|(i, (e, id, r))| {
                    let heading = (e.workflow != current).then(|| {
                        current = e.workflow.clone();
                        format!("workflow {current}")
                    });
                    let mut cells = super::preview::table_row(i, id, r);
                    if id != &e.reference {
                        cells[1] = format!("{id} ({})", e.reference);
                    }
                    super::preview::Row {
                        heading,
                        cells,
                        messages: std::iter::once(format!("at {}", source_label(e, &yml.file)))
                            .chain(r.messages())
                            .collect(),
                    }
                })
                .collect();
            super::preview::render_rows(&mut out, &rows, wide);
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
    resolve(loaded, app, &yml, &run::configured(b), env, now)
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
                "wrote {} (mode 0600). Run the real steps with: BITRISE_BUILD_URL=file://{} BITRISE_BUILD_API_TOKEN=local bitrise run WORKFLOW",
                p.display(),
                abs.display()
            );
        }
        None => super::raw_out(&format!("{}\n", json.expose())), // raw: the portal data, secrets included
    }
    Ok(0)
}
