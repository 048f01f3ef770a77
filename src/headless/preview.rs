//! `apple-conn preview`: every step of every app (or one), as a table or the JSON contract.
//! An app whose bitrise.yml cannot be read is reported as that app's failure; the others are
//! previewed all the same (exit 1).

use std::io::Write as _;

use chrono::{DateTime, Utc};

use super::preview_json::{AppError, AppJson, PreviewHead, StepAt};
pub use super::preview_json::{StepJson, step_json};
use super::preview_table::{app_header, file_rows, render_app_table, render_rows};
use super::{CmdResult, Failure, rfc3339};
use crate::cli::{PreviewArgs, TableJson};
use crate::domain::check::check_workspace;
use crate::domain::problem::Severity;
use crate::domain::resolution::{Environment, Resolution};
use crate::domain::resolve::resolve;
use crate::domain::schema_version::SchemaVersion;
use crate::domain::workspace::App;
use crate::store::{self, Loaded};

/// Resolves every step of the given apps.
pub fn resolve_apps<'a>(
    loaded: &'a Loaded,
    apps: &[&'a App],
    env: Environment,
    now: DateTime<Utc>,
) -> Vec<(&'a App, Vec<Resolution>)> {
    apps.iter()
        .map(|app| {
            let steps = app
                .steps
                .iter()
                .map(|s| resolve(&loaded.workspace, &loaded.catalog, app, s, env, now))
                .collect();
            (*app, steps)
        })
        .collect()
}

/// Runs `work` on chunks of `apps` on every core and concatenates the results in order.
pub fn par_map_apps<'a, T: Send>(
    apps: &[&'a App],
    work: impl Fn(&[&'a App]) -> Vec<T> + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads < 2 || apps.len() < 64 {
        return work(apps);
    }
    let chunk = apps.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = apps
            .chunks(chunk)
            .map(|part| scope.spawn(|| work(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

pub fn run(loaded: &Loaded, args: &PreviewArgs) -> CmdResult {
    let now = super::now(&args.now)?;
    let env = args.environment.environment();
    let ws = &loaded.workspace;
    let errors: Vec<_> = check_workspace(ws, &loaded.catalog, now)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        let mut msg = String::from(
            "the workspace has errors; fix them first (`apple-conn check` lists them all):",
        );
        for p in store::locate_all(loaded, &errors) {
            msg.push_str(&format!("\n  {}", p.render(&loaded.path)));
        }
        return Err(Failure::new(1, msg));
    }
    if let Some(file) = &args.bitrise_yml {
        let slug = args.app.as_deref().unwrap_or_default();
        let app = ws
            .app(slug)
            .ok_or_else(|| Failure::new(1, ws.no_app(slug)))?;
        if args.workflow.is_none() && args.pipeline.is_none() {
            return Err(Failure::new(
                2,
                "--bitrise-yml needs --workflow ID or --pipeline ID",
            ));
        }
        return super::bitrise::preview(loaded, app, file, env, now, args);
    }
    let apps: Vec<&App> = match &args.app {
        Some(slug) => match ws.app(slug) {
            Some(app) => vec![app],
            None => return Err(Failure::new(1, ws.no_app(slug))),
        },
        None => ws.apps.iter().collect(),
    };
    // Apps are resolved and encoded a batch at a time, the batch spread over the cores, and each
    // batch written before the next: the output is never held whole (10,000 apps print ~40 MB).
    let mut failed: Vec<String> = Vec::new();
    let written = write_preview(&apps, args.format, env, now, |batch| {
        let parts: Vec<Part> = par_map_apps(batch, |part| {
            part.iter()
                .map(|app| preview_app(loaded, app, env, now, args))
                .collect()
        });
        failed.extend(parts.iter().filter_map(|p| p.failed.clone()));
        parts
    });
    match written {
        // A reader that stopped early (`| head`) is not worth a message.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(Failure::new(2, format!("cannot write the preview: {e}")));
        }
        _ => {}
    }
    for f in &failed {
        eprintln!("error: {f}");
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

/// How many apps are resolved and held before they are written.
const BATCH: usize = 512;

/// One app's share of the output (a JSON object or table text) and its failure, if any.
struct Part {
    text: String,
    failed: Option<String>,
}

/// Streams the preview to stdout: `{"schema_version":1,"now":..,"environment":..,"apps":[`
/// then each app, or the table's header line then each app's table; `parts` makes a batch's.
fn write_preview<'a>(
    apps: &[&'a App],
    format: TableJson,
    env: Environment,
    now: DateTime<Utc>,
    mut parts: impl FnMut(&[&'a App]) -> Vec<Part>,
) -> std::io::Result<()> {
    // raw: JSON, or table text each app cleaned as it was rendered
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let json = format == TableJson::Json;
    if json {
        let head = serde_json::to_string(&PreviewHead {
            schema_version: SchemaVersion,
            now: rfc3339(now),
            environment: env,
        })
        .unwrap_or_default();
        // `{..head..}` + `,"apps":[...]}` keeps the contract's key order.
        let head = head.strip_suffix('}').unwrap_or(&head);
        write!(out, "{head},\"apps\":[")?;
    } else {
        writeln!(out, "environment: {}   now: {}", env.as_str(), rfc3339(now))?;
    }
    let mut first = true;
    for batch in apps.chunks(BATCH) {
        for p in parts(batch) {
            if json && !first {
                out.write_all(b",")?;
            }
            first = false;
            out.write_all(p.text.as_bytes())?;
        }
    }
    if json {
        out.write_all(b"]}\n")?;
    }
    out.flush()
}

/// One app: its steps from the workspace or from its bitrise.yml, or why they cannot be read.
fn preview_app(
    loaded: &Loaded,
    app: &App,
    env: Environment,
    now: DateTime<Utc>,
    args: &PreviewArgs,
) -> Part {
    let json = args.format == TableJson::Json;
    let warnings = super::preview_json::app_warnings(&loaded.workspace, app, env);
    if let Some(b) = &app.bitrise_yml {
        return match super::bitrise::app_file_steps_with(loaded, app, env, now, &args.include) {
            Ok(steps) => {
                let file = crate::bitrise::run::file_path(&loaded.path, b);
                let text = if json {
                    encode(&AppJson {
                        slug: app.slug.clone(),
                        steps: file_steps_json(&steps),
                        warnings,
                        error: None,
                    })
                } else {
                    let mut out = String::new();
                    app_header(&mut out, app, &warnings);
                    let top = file.display().to_string();
                    let rows = file_rows(&steps, &top, &loaded.catalog, args.all);
                    if rows.is_empty() {
                        out.push_str("  no steps in the configured workflows\n");
                    } else {
                        render_rows(&mut out, &rows, args.wide);
                    }
                    crate::terminal_text::clean(&out)
                };
                Part { text, failed: None }
            }
            Err(f) => {
                let file = crate::bitrise::run::file_path(&loaded.path, b);
                let error = app_error(&f.message, &file.display().to_string());
                let failed = Some(format!("app {}: {}", app.slug, f.message));
                let text = if json {
                    encode(&AppJson {
                        slug: app.slug.clone(),
                        steps: Vec::new(),
                        warnings,
                        error: Some(error),
                    })
                } else {
                    let mut out = String::new();
                    app_header(&mut out, app, &warnings);
                    let line = format!("cannot preview: {}", f.message);
                    for l in super::fit::wrap(&line, super::fit::COLUMNS, "  ", "    ") {
                        out.push_str(&l);
                        out.push('\n');
                    }
                    crate::terminal_text::clean(&out)
                };
                Part { text, failed }
            }
        };
    }
    let rs: Vec<Resolution> = app
        .steps
        .iter()
        .map(|s| resolve(&loaded.workspace, &loaded.catalog, app, s, env, now))
        .collect();
    let text = if json {
        encode(&AppJson {
            slug: app.slug.clone(),
            steps: app
                .steps
                .iter()
                .zip(&rs)
                .enumerate()
                .map(|(i, (s, r))| step_json(i, &s.id, r))
                .collect(),
            warnings,
            error: None,
        })
    } else {
        let mut out = String::new();
        render_app_table(&mut out, app, &warnings, &rs, args.wide);
        crate::terminal_text::clean(&out)
    };
    Part { text, failed: None }
}

fn encode(app: &AppJson) -> String {
    serde_json::to_string(app).unwrap_or_default()
}

/// A bitrise.yml's resolved steps in the JSON contract: `source` the auth source, `file`/`line`
/// where each step is written.
pub fn file_steps_json(
    steps: &[(crate::bitrise::expand::Expanded, String, Resolution)],
) -> Vec<StepJson> {
    steps
        .iter()
        .enumerate()
        .map(|(i, (e, id, r))| StepJson {
            at: Some(StepAt {
                workflow: e.workflow.clone(),
                reference: e.reference.clone(),
                file: e.file.to_string(),
                line: e.line,
                run_if: e.run_if.clone(),
                run_if_reason: e.run_if.as_ref().map(crate::bitrise::run_if::RunIf::reason),
                pipeline_run_if: e.pipeline_run_if.clone(),
            }),
            ..step_json(i, id, r)
        })
        .collect()
}

/// An unreadable bitrise.yml as the JSON's `error`: the `file:line:col: ` its message starts
/// with, when it has one, becomes `file` and `line`; otherwise the app's own file, no line.
pub fn app_error(message: &str, app_file: &str) -> AppError {
    match located(message) {
        Some((file, line, rest)) => AppError {
            message: rest.to_string(),
            file: Some(file.to_string()),
            line: Some(line),
        },
        None => AppError {
            message: message.to_string(),
            file: Some(app_file.to_string()),
            line: None,
        },
    }
}

/// `file:12:3: message` -> (`file`, 12, `message`): the first `:LINE:COL: ` in the text.
fn located(message: &str) -> Option<(&str, usize, &str)> {
    let mut from = 0;
    while let Some(at) = message[from..].find(':').map(|i| i + from) {
        let after = &message[at + 1..];
        let mut parts = after.splitn(3, ':');
        if let (Some(line), Some(col), Some(rest)) = (parts.next(), parts.next(), parts.next())
            && !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !col.is_empty()
            && col.bytes().all(|b| b.is_ascii_digit())
            && rest.starts_with(' ')
            && at > 0
        {
            let line = line.parse().ok()?;
            return Some((&message[..at], line, rest.trim_start()));
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_located_message_gives_file_and_line() {
        let e = app_error(
            "ci/a.yml:12:3: yaml: did not find expected key",
            "bitrise.yml",
        );
        assert_eq!(e.file.as_deref(), Some("ci/a.yml"));
        assert_eq!(e.line, Some(12));
        assert_eq!(e.message, "yaml: did not find expected key");
        let e = app_error(
            "/w/bitrise.yml: cannot read the bitrise.yml: No such file",
            "/w/bitrise.yml",
        );
        assert_eq!(e.file.as_deref(), Some("/w/bitrise.yml"));
        assert_eq!(e.line, None);
        assert!(e.message.starts_with("/w/bitrise.yml: cannot read"));
    }
}
