//! The preview table: one row per step within 80 columns; a bitrise.yml's steps grouped under a
//! header per workflow, numbered as `bitrise run` numbers them, runs of steps without Apple auth
//! folded into one line.

use std::fmt::Write as _;

use super::fit;
use super::rfc3339;
use crate::bitrise::expand::Expanded;
use crate::bitrise::stepref::RefKind;
use crate::domain::catalog::Catalog;
use crate::domain::resolution::{Outcome, Resolution};
use crate::domain::workspace::App;

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

/// The lines under a step: why a skipped step does not run, then the messages.
fn messages(r: &Resolution) -> Vec<String> {
    let messages = r.messages();
    let why = match &r.skipped_because {
        Some(why) => Some(why.clone()),
        // A skipped step with nothing to say still says why (signing off, ...).
        None if r.outcome == Outcome::Skipped && messages.is_empty() => {
            Some(r.reason()).filter(|w| !w.is_empty())
        }
        None => None,
    };
    // The reason is said once, as `skipped: …`, even where a note carries the same text.
    let messages: Vec<String> = messages
        .into_iter()
        .filter(|m| r.skipped_because.as_ref() != Some(m))
        .collect();
    // A run_if's reason already starts with `skipped: `.
    why.map(|w| {
        if w.starts_with("skipped: ") {
            w
        } else {
            format!("skipped: {w}")
        }
    })
    .into_iter()
    .chain(messages)
    .chain(r.signing.clone())
    .collect()
}

/// An app's title line, the public-app note, then its steps (or what to do when it has none).
pub fn app_header(out: &mut String, app: &App, warnings: &[String]) {
    let title = app
        .title
        .as_deref()
        .map(|t| format!(" ({})", crate::terminal_text::clean_line(t)))
        .unwrap_or_default();
    // One header line whatever the title holds (issue 33: a line break forged rows).
    let _ = writeln!(
        out,
        "\n{}{title}",
        crate::terminal_text::clean_line(&app.slug)
    );
    if app.bitrise.as_ref().is_some_and(|b| b.public) {
        let _ = writeln!(
            out,
            "  public app on Bitrise: pull-request builds of forks get no Apple connection (see them with --env public-pr)"
        );
    }
    for w in warnings {
        for l in super::fit::wrap(&format!("warning: {w}"), super::fit::COLUMNS, "  ", "    ") {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

/// An app with `[[apps.steps]]`: its steps in the order the workspace lists them.
pub fn render_app_table(
    out: &mut String,
    app: &App,
    warnings: &[String],
    rs: &[Resolution],
    wide: bool,
) {
    app_header(out, app, warnings);
    if rs.is_empty() {
        let _ = writeln!(out, "  no steps: add [[apps.steps]] to preview them");
        return;
    }
    let rows: Vec<Row> = app
        .steps
        .iter()
        .zip(rs)
        .enumerate()
        .map(|(i, (s, r))| Row {
            heading: None,
            cells: table_row(i, &s.id, r),
            messages: messages(r),
            folded: None,
        })
        .collect();
    render_rows(out, &rows, wide);
}

/// A step that uses no Apple auth: a step apple-conn does not model, mapped or from the StepLib,
/// that the build runs. Unmapped `git::`/`path::` steps and steps `run_if` skips stay on their row.
fn folds(e: &Expanded, id: &str, r: &Resolution, catalog: &Catalog) -> bool {
    let unmapped = e.step.kind != RefKind::StepLib && id == e.reference;
    r.outcome == Outcome::Skipped
        && r.auth.is_none()
        && r.skipped_because.is_none()
        && !unmapped
        && catalog.step(id).is_none()
}

/// A bitrise.yml's steps in run order: a `workflow ID` header where the workflow changes, each
/// step numbered within its workflow from 0 as the build log's `(N)` (bitrise-io/bitrise
/// cli/run_util.go, activateAndRunSteps: `bitrise.PrintRunningStepHeader(stepInfoPtr, mergedStep,
/// idx)`, idx the step's place in the workflow's run plan), and unless `all` each run of steps
/// without Apple auth on one line.
pub fn file_rows(
    steps: &[(Expanded, String, Resolution)],
    top: &str,
    catalog: &Catalog,
    all: bool,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut heading: Option<String> = None;
    // The workflow running and where its first step is written: a workflow run again right
    // after itself (`before_run` twice) starts over at its first step.
    let mut current: Option<(&str, &str, usize, Option<&str>)> = None;
    let mut number = 0;
    let mut run: Vec<(usize, &str)> = Vec::new();
    for (e, id, r) in steps {
        let first = (&*e.workflow, &*e.file, e.line, e.bundle.as_deref());
        if current.is_none_or(|c| c.0 != e.workflow || (number > 0 && c == first)) {
            fold(&mut rows, &mut run, &mut heading);
            current = Some(first);
            // A pipeline workflow the backend may not start says so on its header.
            let gate = e
                .pipeline_run_if
                .as_ref()
                .filter(|g| g.verdict != crate::bitrise::run_if::Verdict::True)
                .map(|g| format!(" ({})", g.reason()))
                .unwrap_or_default();
            heading = Some(format!("workflow {}{gate}", e.workflow));
            number = 0;
        }
        if !all && folds(e, id, r, catalog) {
            run.push((number, id));
            number += 1;
            continue;
        }
        fold(&mut rows, &mut run, &mut heading);
        let mut cells = table_row(number, id, r);
        if e.reference.starts_with(id.as_str()) {
            // `deliver@2` says it all; a mapped git::/path:: step shows both.
            cells[1] = e.reference.clone();
        } else {
            cells[1] = format!("{id} ({})", e.reference);
        }
        let at = format!("at {}", super::bitrise::source_label(e, top));
        let mut lines = messages(r);
        // `skipped: …` first, then where the step is written, then the messages.
        let place = usize::from(lines.first().is_some_and(|l| l.starts_with("skipped: ")));
        lines.insert(place, at);
        rows.push(Row {
            heading: heading.take(),
            cells,
            messages: lines,
            folded: None,
        });
        number += 1;
    }
    fold(&mut rows, &mut run, &mut heading);
    rows
}

/// Closes a run of steps without Apple auth as one row: `2-4 git-clone, cache-pull, script (3
/// steps, no Apple auth)`.
fn fold(rows: &mut Vec<Row>, run: &mut Vec<(usize, &str)>, heading: &mut Option<String>) {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return;
    };
    let range = if first.0 == last.0 {
        first.0.to_string()
    } else {
        format!("{}-{}", first.0, last.0)
    };
    let ids: Vec<&str> = run.iter().map(|(_, id)| *id).collect();
    let what = if ids.len() == 1 {
        "(no Apple auth)".to_string()
    } else {
        format!("({} steps, no Apple auth)", ids.len())
    };
    let mut cells: [String; 7] = Default::default();
    cells[0] = range;
    rows.push(Row {
        heading: heading.take(),
        cells,
        messages: Vec::new(),
        folded: Some(format!("{} {what}", ids.join(", "))),
    });
    run.clear();
}

/// One row of a preview table: a step's cells and the messages under it, or a folded run of
/// steps (`folded`, with only the `#` cell); a heading before it (a bitrise.yml's workflow).
pub struct Row {
    pub heading: Option<String>,
    pub cells: [String; 7],
    pub messages: Vec<String>,
    pub folded: Option<String>,
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
            // A folded run only has a number: its text runs across the columns.
            let cells = if row.folded.is_some() { 1 } else { n };
            for (w, cell) in w.iter_mut().zip(&row.cells[..cells]) {
                *w = (*w).max(cell.chars().count());
            }
        }
        w
    };
    let total = |w: &[usize]| 1 + w.iter().map(|w| w + 1).sum::<usize>();
    let full = widths(7);
    let (columns, mut w) = if wide || total(&full) <= fit::COLUMNS {
        (7, full)
    } else {
        (5, widths(5))
    };
    if !wide && total(&w) > fit::COLUMNS {
        // Only the step column can give way (custom steps' references are long).
        let over = total(&w) - fit::COLUMNS;
        w[1] = w[1].saturating_sub(over).max(12);
    }
    let line = |cells: &[String]| {
        let mut s = String::from(" ");
        for (i, (cell, w)) in cells.iter().zip(&w).enumerate() {
            let cell = if i == 1 && !wide {
                fit::abbreviate(cell, *w)
            } else {
                cell.clone()
            };
            let _ = write!(s, " {cell:<w$}");
        }
        s.trim_end().to_string()
    };
    let headers: Vec<String> = HEADERS[..columns].iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&headers));
    // The STEP column starts here: a folded run's text and its continuation lines align with it.
    let step_at = " ".repeat(2 + w[0] + 1);
    for row in rows {
        if let Some(h) = &row.heading {
            if wide {
                let _ = writeln!(out, "  {h}");
            } else {
                for l in fit::wrap(h, fit::COLUMNS, "  ", "    ") {
                    let _ = writeln!(out, "{l}");
                }
            }
        }
        if let Some(text) = &row.folded {
            let first = format!("  {:<w$} ", row.cells[0], w = w[0]);
            if wide {
                let _ = writeln!(out, "{first}{text}");
            } else {
                for l in fit::wrap(text, fit::COLUMNS, &first, &step_at) {
                    let _ = writeln!(out, "{l}");
                }
            }
            continue;
        }
        let _ = writeln!(out, "{}", line(&row.cells[..columns]));
        if columns < 7 && (row.cells[5] != "-" || row.cells[6] != "-") {
            let mut who = format!("as {}", row.cells[5]);
            if row.cells[6] != "-" {
                let _ = write!(who, ", session expires {}", row.cells[6]);
            }
            for l in fit::wrap(&who, fit::COLUMNS, "      ", "        ") {
                let _ = writeln!(out, "{l}");
            }
        }
        for m in &row.messages {
            if wide {
                let _ = writeln!(out, "      - {m}");
            } else {
                for l in fit::wrap(m, fit::COLUMNS, "      - ", "        ") {
                    let _ = writeln!(out, "{l}");
                }
            }
        }
    }
}
