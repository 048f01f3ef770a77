//! `apple-conn check`: exit 0 clean (warnings allowed), 1 problems found, 2 unreadable file.

use serde::Serialize;

use super::{CmdResult, Failure};
use crate::cli::{CheckArgs, TextJson};
use crate::domain::check::check_workspace;
use crate::domain::problem::Severity;
use crate::secrets::SecretStore;
use crate::store::{self, Loaded, Located};

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    ok: bool,
    errors: usize,
    warnings: usize,
    problems: &'a [Located],
}

pub fn run(loaded: &Loaded, keyring: &dyn SecretStore, args: &CheckArgs) -> CmdResult {
    let now = super::now(&args.now)?;
    let ws = &loaded.workspace;
    let mut problems = check_workspace(ws, &loaded.catalog, now);
    problems.extend(super::references::check_paths(ws, &loaded.path));
    for (i, app) in ws.apps.iter().enumerate() {
        let Some(b) = &app.bitrise_yml else { continue };
        let at = crate::domain::problem::DocPath::root()
            .key("apps")
            .index(i)
            .key("bitrise_yml");
        let path = super::references::resolve_path(&loaded.path, &b.path);
        let checked = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: cannot read it ({e}): fix `path`", path.display()))
            .and_then(|text| {
                crate::bitrise::load::load(&path.display().to_string(), &text)
                    .map_err(|e| e.to_string())
            })
            .and_then(|yml| {
                for w in &b.workflows {
                    crate::bitrise::expand::expand_workflow(&yml, w).map_err(|e| e.to_string())?;
                    if !yml.workflows.contains_key(w) {
                        return Err(format!("workflow {w} is not in {}", path.display()));
                    }
                }
                if let Some(p) = &b.pipeline {
                    crate::bitrise::expand::expand_pipeline(&yml, p).map_err(|e| e.to_string())?;
                }
                Ok(())
            });
        if let Err(e) = checked {
            problems.push(crate::domain::problem::Problem::error(
                at,
                format!("app `{}`: {e}", app.slug),
            ));
        }
    }
    if args.secrets {
        problems.extend(super::references::check_secrets(ws, &loaded.path, keyring));
    }
    let located = store::locate_all(loaded, &problems);
    let errors = located
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = located.len() - errors;
    match args.format {
        TextJson::Json => {
            let report = Report {
                file: loaded.path.display().to_string(),
                ok: errors == 0,
                errors,
                warnings,
                problems: &located,
            };
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::new(2, format!("cannot encode the report: {e}")))?;
            println!("{text}");
        }
        TextJson::Text => {
            for p in &located {
                println!("{}", p.render(&loaded.path));
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
