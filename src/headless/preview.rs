//! `apple-conn preview`: every step of every app (or one), as a table or the JSON contract.

use std::fmt::Write as _;
use std::io::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CmdResult, Failure, rfc3339};
use crate::cli::{PreviewArgs, TableJson};
use crate::domain::check::check_workspace;
use crate::domain::problem::Severity;
use crate::domain::resolution::{Environment, Resolution};
use crate::domain::resolve::resolve;
use crate::domain::workspace::App;
use crate::store::{self, Loaded};

#[derive(Serialize)]
pub struct PreviewJson {
    pub now: String,
    pub environment: &'static str,
    pub apps: Vec<AppJson>,
}

#[derive(Serialize)]
pub struct AppJson {
    pub slug: String,
    pub steps: Vec<StepJson>,
}

#[derive(Serialize)]
pub struct StepJson {
    pub index: usize,
    pub step: String,
    pub outcome: &'static str,
    pub auth: Option<&'static str>,
    pub source: Option<&'static str>,
    pub identity: Option<String>,
    pub session_expires_at: Option<String>,
    pub receives: serde_json::Map<String, serde_json::Value>,
    pub messages: Vec<String>,
}

pub fn step_json(index: usize, step: &str, r: &Resolution) -> StepJson {
    StepJson {
        index,
        step: step.to_string(),
        outcome: r.outcome.as_str(),
        auth: r.auth.map(|a| a.as_str()),
        source: r.origin.map(|o| o.as_str()),
        identity: r.identity.clone(),
        session_expires_at: r.session_expires_at.map(rfc3339),
        receives: r
            .receives
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.redacted())))
            .collect(),
        messages: r.messages(),
    }
}

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
            let _ = write!(msg, "\n  {}", p.render(&loaded.path));
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
        return super::bitrise::preview(
            loaded,
            app,
            file,
            args.workflow.as_deref(),
            args.pipeline.as_deref(),
            env,
            now,
            args.format,
            &args.include,
            args.wide,
        );
    }
    let apps: Vec<&App> = match &args.app {
        Some(slug) => match ws.app(slug) {
            Some(app) => vec![app],
            None => return Err(Failure::new(1, ws.no_app(slug))),
        },
        None => ws.apps.iter().collect(),
    };
    if apps.iter().any(|a| a.bitrise_yml.is_some()) {
        return with_bitrise_files(
            loaded,
            &apps,
            env,
            now,
            args.format,
            &args.include,
            args.wide,
        );
    }
    // Each app is resolved and encoded on its own, so the work spreads over the cores.
    let parts: Vec<String> = match args.format {
        TableJson::Json => par_map_apps(&apps, |part| {
            resolve_apps(loaded, part, env, now)
                .iter()
                .map(|(app, rs)| {
                    let app_json = AppJson {
                        slug: app.slug.clone(),
                        steps: app
                            .steps
                            .iter()
                            .zip(rs)
                            .enumerate()
                            .map(|(i, (s, r))| step_json(i, &s.id, r))
                            .collect(),
                    };
                    serde_json::to_string(&app_json).unwrap_or_default()
                })
                .collect()
        }),
        TableJson::Table => par_map_apps(&apps, |part| {
            resolve_apps(loaded, part, env, now)
                .iter()
                .map(|(app, rs)| {
                    let rows: Vec<[String; 7]> = app
                        .steps
                        .iter()
                        .zip(rs)
                        .enumerate()
                        .map(|(i, (s, r))| table_row(i, &s.id, r))
                        .collect();
                    let mut out = String::new();
                    render_app_table(&mut out, app, &rows, rs, args.wide);
                    out
                })
                .collect()
        }),
    };
    let mut stdout: Vec<u8> = Vec::new();
    let written = match args.format {
        TableJson::Json => {
            let head =
                serde_json::json!({"now": rfc3339(now), "environment": env.as_str()}).to_string();
            // `{"now":..,"environment":..}` + `,"apps":[...]}` keeps the contract's key order.
            let head = head.strip_suffix('}').unwrap_or(&head);
            writeln!(stdout, "{head},\"apps\":[{}]}}", parts.join(","))
        }
        TableJson::Table => {
            write!(
                stdout,
                "environment: {}   now: {}\n{}",
                env.as_str(),
                rfc3339(now),
                crate::terminal_text::clean(&parts.concat())
            )
        }
    };
    written.map_err(|e| Failure::new(2, format!("cannot write the preview: {e}")))?;
    // Table text went through `clean` above; JSON escapes control characters itself.
    super::raw_out(&String::from_utf8_lossy(&stdout)); // raw: JSON, or the table cleaned above
    Ok(0)
}

pub fn table_row(index: usize, step: &str, r: &Resolution) -> [String; 7] {
    [
        index.to_string(),
        step.to_string(),
        r.outcome.as_str().to_string(),
        r.auth.map(|a| a.as_str()).unwrap_or("-").to_string(),
        r.origin.map(|o| o.as_str()).unwrap_or("-").to_string(),
        r.identity.clone().unwrap_or_else(|| "-".into()),
        r.session_expires_at
            .map(rfc3339)
            .unwrap_or_else(|| "-".into()),
    ]
}

pub fn render_app_table(
    out: &mut String,
    app: &App,
    rows: &[[String; 7]],
    rs: &[Resolution],
    wide: bool,
) {
    let title = app
        .title
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let _ = writeln!(out, "\n{}{title}", app.slug);
    if app.bitrise.as_ref().is_some_and(|b| b.public) {
        let _ = writeln!(
            out,
            "  public app on Bitrise: pull-request builds of forks get no Apple connection (see them with --env public-pr)"
        );
    }
    if rows.is_empty() {
        let _ = writeln!(out, "  no steps: add [[apps.steps]] to preview them");
        return;
    }
    let rows: Vec<Row> = rows
        .iter()
        .zip(rs)
        .map(|(cells, r)| Row {
            heading: None,
            cells: cells.clone(),
            messages: r.messages(),
        })
        .collect();
    render_rows(out, &rows, wide);
}

/// One step of a preview table: its cells, the messages under it, and a heading before it
/// (a bitrise.yml's workflow).
pub struct Row {
    pub heading: Option<String>,
    pub cells: [String; 7],
    pub messages: Vec<String>,
}

const HEADERS: [&str; 7] = [
    "#",
    "STEP",
    "OUTCOME",
    "AUTH",
    "SOURCE",
    "IDENTITY",
    "SESSION EXPIRES",
];

/// The table: one line per step with `wide`; otherwise within 80 columns, the identity and the
/// session expiry moved under the row when the seven columns do not fit, messages wrapped.
pub fn render_rows(out: &mut String, rows: &[Row], wide: bool) {
    let widths = |n: usize| -> Vec<usize> {
        let mut w: Vec<usize> = HEADERS[..n].iter().map(|h| h.len()).collect();
        for row in rows {
            for (w, cell) in w.iter_mut().zip(&row.cells) {
                *w = (*w).max(cell.chars().count());
            }
        }
        w
    };
    let total = |w: &[usize]| 1 + w.iter().map(|w| w + 1).sum::<usize>();
    let full = widths(7);
    let (columns, mut w) = if wide || total(&full) <= super::fit::COLUMNS {
        (7, full)
    } else {
        (5, widths(5))
    };
    if !wide && total(&w) > super::fit::COLUMNS {
        // Only the step column can give way (custom steps' references are long).
        let over = total(&w) - super::fit::COLUMNS;
        w[1] = w[1].saturating_sub(over).max(12);
    }
    let line = |cells: &[String]| {
        let mut s = String::from(" ");
        for (i, (cell, w)) in cells.iter().zip(&w).enumerate() {
            let cell = if i == 1 && !wide {
                super::fit::abbreviate(cell, *w)
            } else {
                cell.clone()
            };
            let _ = write!(s, " {cell:<w$}");
        }
        s.trim_end().to_string()
    };
    let headers: Vec<String> = HEADERS[..columns].iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&headers));
    for row in rows {
        if let Some(h) = &row.heading {
            let _ = writeln!(out, "  {h}");
        }
        let _ = writeln!(out, "{}", line(&row.cells[..columns]));
        if columns < 7 && (row.cells[5] != "-" || row.cells[6] != "-") {
            let mut who = format!("as {}", row.cells[5]);
            if row.cells[6] != "-" {
                let _ = write!(who, ", session expires {}", row.cells[6]);
            }
            for l in super::fit::wrap(&who, super::fit::COLUMNS, "      ", "        ") {
                let _ = writeln!(out, "{l}");
            }
        }
        for m in &row.messages {
            if wide {
                let _ = writeln!(out, "      - {m}");
            } else {
                for l in super::fit::wrap(m, super::fit::COLUMNS, "      - ", "        ") {
                    let _ = writeln!(out, "{l}");
                }
            }
        }
    }
}

/// Apps that take their steps from a bitrise.yml (`[apps.bitrise_yml]`), resolved one by one.
fn with_bitrise_files(
    loaded: &Loaded,
    apps: &[&App],
    env: Environment,
    now: DateTime<Utc>,
    format: TableJson,
    include: &crate::cli::IncludeArgs,
    wide: bool,
) -> CmdResult {
    let mut json_apps = Vec::new();
    let mut out = format!("environment: {}   now: {}\n", env.as_str(), rfc3339(now));
    for app in apps {
        if app.bitrise_yml.is_some() {
            let resolved = super::bitrise::app_file_steps_with(loaded, app, env, now, include)?;
            let steps: Vec<super::bitrise::BitriseStepJson> = resolved
                .iter()
                .enumerate()
                .map(|(i, (e, id, r))| super::bitrise::BitriseStepJson::new(i, e, id, r))
                .collect();
            let rows: Vec<[String; 7]> = resolved
                .iter()
                .enumerate()
                .map(|(i, (_, id, r))| table_row(i, id, r))
                .collect();
            let rs: Vec<Resolution> = resolved.into_iter().map(|(_, _, r)| r).collect();
            render_app_table(&mut out, app, &rows, &rs, wide);
            json_apps.push(serde_json::json!({"slug": app.slug, "steps": steps}));
        } else {
            let rs: Vec<Resolution> = app
                .steps
                .iter()
                .map(|s| resolve(&loaded.workspace, &loaded.catalog, app, s, env, now))
                .collect();
            let steps: Vec<StepJson> = app
                .steps
                .iter()
                .zip(&rs)
                .enumerate()
                .map(|(i, (s, r))| step_json(i, &s.id, r))
                .collect();
            let rows: Vec<[String; 7]> = app
                .steps
                .iter()
                .zip(&rs)
                .enumerate()
                .map(|(i, (s, r))| table_row(i, &s.id, r))
                .collect();
            render_app_table(&mut out, app, &rows, &rs, wide);
            json_apps.push(serde_json::json!({"slug": app.slug, "steps": steps}));
        }
    }
    match format {
        TableJson::Json => {
            // raw: JSON
            super::raw_out(&format!(
                "{}\n",
                serde_json::json!({"now": rfc3339(now), "environment": env.as_str(), "apps": json_apps})
            ))
        }
        TableJson::Table => print!("{}", crate::terminal_text::clean(&out)),
    }
    Ok(0)
}
