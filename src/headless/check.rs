//! `apple-conn check`: exit 0 clean (warnings allowed), 1 problems found, 2 unreadable file.

use serde::Serialize;

use super::{CmdResult, Failure};
use crate::bitrise::{self, run};
use crate::cli::{CheckArgs, TextJson};
use crate::domain::check::{check_workspace, input_problems};
use crate::domain::problem::Severity;
use crate::domain::problem::{DocPath, Problem};
use crate::domain::workspace::{App, BitriseYmlRef};
use crate::secrets::SecretStore;
use crate::store::{self, Loaded, Located};

/// `check --format json`.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CheckJson<'a> {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    /// The workspace file.
    pub file: String,
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub problems: &'a [Located],
}

pub fn run(loaded: &Loaded, keyring: &dyn SecretStore, args: &CheckArgs) -> CmdResult {
    let now = super::now(&args.now)?;
    let ws = &loaded.workspace;
    let mut problems = check_workspace(ws, &loaded.catalog, now);
    problems.extend(super::references::check_paths(ws, &loaded.path));
    let mut in_files = Vec::new();
    for (i, app) in ws.apps.iter().enumerate() {
        let Some(b) = &app.bitrise_yml else { continue };
        let at = DocPath::root().key("apps").index(i).key("bitrise_yml");
        match file_problems(loaded, app, b, &at.to_string()) {
            Ok(found) => in_files.extend(found),
            Err(e) => problems.push(Problem::error(at, format!("app `{}`: {e}", app.slug))),
        }
    }
    if args.secrets {
        problems.extend(super::references::check_secrets(ws, &loaded.path, keyring));
        // Leftovers of a failed or killed run: entries in this workspace's scope nothing uses.
        for (_, shown) in crate::ops::prune::find(loaded, keyring).entries {
            problems.push(crate::domain::problem::Problem::warning(
                crate::domain::problem::DocPath::root(),
                format!(
                    "not referenced: {shown}: no connection refers to it; `apple-conn secrets prune` deletes it"
                ),
            ));
        }
    }
    let mut located = store::locate_all(loaded, &problems);
    located.extend(in_files);
    let errors = located
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = located.len() - errors;
    match args.format {
        TextJson::Json => {
            let report = CheckJson {
                schema_version: crate::domain::schema_version::SchemaVersion,
                file: loaded.path.display().to_string(),
                ok: errors == 0,
                errors,
                warnings,
                problems: &located,
            };
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::new(2, format!("cannot encode the report: {e}")))?;
            super::raw_out(&format!("{text}\n")); // raw: JSON (it escapes control characters itself)
        }
        TextJson::Text => {
            for p in &located {
                println!("{}", crate::terminal_text::clean(&p.render(&loaded.path)));
            }
            let summary = format!(
                "{} API key{}, {} Apple ID{}, {} app{}",
                ws.api_keys.len(),
                plural(ws.api_keys.len()),
                ws.apple_ids.len(),
                plural(ws.apple_ids.len()),
                ws.apps.len(),
                plural(ws.apps.len())
            );
            if errors == 0 && warnings == 0 {
                println!("{}: ok ({summary})", loaded.path.display());
            } else {
                println!(
                    "{}: {errors} error{}, {warnings} warning{} ({summary})",
                    loaded.path.display(),
                    plural(errors),
                    plural(warnings)
                );
            }
        }
    }
    Ok(if errors == 0 { 0 } else { 1 })
}

/// The steps an app runs from its bitrise.yml, checked like `[[apps.steps]]`: inputs the step
/// does not declare, values it does not accept, another major version, duplicated inputs.
fn file_problems(
    loaded: &Loaded,
    app: &App,
    b: &BitriseYmlRef,
    at: &str,
) -> Result<Vec<Located>, String> {
    let path = run::file_path(&loaded.path, b);
    let yml = run::open_app(&loaded.path, b).map_err(|e| format!("{e}: fix the file or `path`"))?;
    let top = path.display().to_string();
    let mut out: Vec<Located> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |severity: Severity, file: &str, line: usize, message: String| {
        // A step reached twice (a diamond of before_run chains, two workflows) is reported once.
        if seen.insert((file.to_string(), line, message.clone())) {
            out.push(Located {
                severity,
                file: Some(file.to_string()),
                path: at.to_string(),
                line: Some(line),
                column: None,
                message,
            });
        }
    };
    for w in &yml.warnings {
        // The loader's warnings start with "file:line: "; the line goes where lines go.
        let (file, line, text) = yml
            .files
            .iter()
            .find_map(|f| {
                let rest = w.strip_prefix(&format!("{f}:"))?;
                let (l, t) = rest.split_once(": ")?;
                Some((f.to_string(), l.parse().ok()?, t))
            })
            .unwrap_or((top.clone(), 1, w.as_str()));
        add(
            Severity::Warning,
            &file,
            line,
            format!("app `{}`: {text}", app.slug),
        );
    }
    for target in run::configured(b) {
        let steps = run::expand_target(&yml, &target)?;
        for p in bitrise::plan(&steps, &loaded.catalog, &b.map) {
            let (id, version) = p.step_use.step_ref();
            let Some((step, _)) = loaded.catalog.step_at(id, version) else {
                continue;
            };
            let (file, line) = (&*p.expanded.file, p.expanded.line);
            // A step the CLI skips (run_if false) is not checked; one it fails before running is.
            match p.expanded.run_if.as_ref().map(|r| r.verdict) {
                Some(crate::bitrise::run_if::Verdict::False) => continue,
                Some(crate::bitrise::run_if::Verdict::Error) => {
                    let reason = p
                        .expanded
                        .run_if
                        .as_ref()
                        .map(|r| r.reason())
                        .unwrap_or_default();
                    add(
                        Severity::Error,
                        file,
                        line,
                        format!("app `{}`: {reason}", app.slug),
                    );
                    continue;
                }
                _ => {}
            }
            if let Some(e) = &p.expanded.prepare_error {
                add(
                    Severity::Error,
                    file,
                    line,
                    format!("app `{}`: the CLI fails this step: {e}", app.slug),
                );
                continue;
            }
            if p.skip.is_some() {
                continue;
            }
            for n in &p.notes {
                add(
                    Severity::Warning,
                    file,
                    line,
                    format!("app `{}`: {n}", app.slug),
                );
            }
            for (_, severity, message) in input_problems(step, &p.step_use.inputs) {
                add(
                    severity,
                    file,
                    line,
                    format!("app `{}`: {message}", app.slug),
                );
            }
        }
    }
    Ok(out)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
