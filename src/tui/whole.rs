//! The whole of what the screen cuts to fit (`o`; ctrl-o in a form): the title, the selected
//! row of the focused pane, the Preview's error, the status message, a form's errors, the
//! Doctor's header and finding. Read from state; shown wrapped in a scrollable box.

use super::doctor::DoctorView;
use super::state::{AppState, ConnRow, Form, Pane};
use super::update::field_error;
use crate::bitrise::run::describe;

/// The title row as the view writes it, whole.
pub fn title(s: &AppState) -> String {
    let file = if s.demo {
        "demo workspace (nothing is saved)".to_string()
    } else {
        s.loaded.path.display().to_string()
    };
    let mut t = format!("apple-conn {file}");
    if s.read_only {
        t.push_str("  [read-only]");
    }
    if s.demo {
        t.push_str("  [demo service: code 123456]");
    }
    t.push_str(&format!("  env: {}", s.env.as_str()));
    t
}

/// On the panes: the focused pane's selected row, the status message, the title.
pub fn main(s: &AppState) -> (String, Vec<String>) {
    let mut lines = row(s);
    if let Some(st) = &s.status {
        lines.push(String::new());
        lines.push("Status message:".into());
        lines.push(st.text.clone());
    }
    lines.push(String::new());
    lines.push("Title:".into());
    lines.push(title(s));
    (format!("Whole text · {}", s.focus.title()), lines)
}

fn row(s: &AppState) -> Vec<String> {
    let ws = &s.loaded.workspace;
    match s.focus {
        Pane::Connections => match s.selected_conn() {
            Some(ConnRow::ApiKey(i)) => ws.api_keys.get(i).map_or_else(Vec::new, |k| {
                vec![
                    format!("API key: {}", k.name),
                    format!("key ID: {}", k.key_id),
                    format!("issuer ID: {}", k.issuer_id.as_deref().unwrap_or("-")),
                    format!("kind: {}", k.kind.as_str()),
                    format!("owner: {}", k.owner(ws)),
                    format!(
                        "SHA-256 fingerprint: {}",
                        k.fingerprint.as_deref().unwrap_or("-")
                    ),
                ]
            }),
            Some(ConnRow::AppleId(i)) => ws.apple_ids.get(i).map_or_else(Vec::new, |a| {
                vec![
                    format!("Apple ID: {}", a.apple_id),
                    format!("owner: {}", a.owner(ws)),
                    format!("2FA session: {}", a.session_state(s.now).describe(s.now)),
                ]
            }),
            None => vec!["no connection selected".into()],
        },
        Pane::Apps => match s.selected_app() {
            Some(app) => {
                let mut v = vec![
                    format!("app: {}", app.slug),
                    format!("title: {}", app.title.as_deref().unwrap_or("-")),
                    format!("owner: {}", app.owner.as_deref().unwrap_or(&ws.you)),
                    format!("admins: {}", list(&app.admins)),
                    format!("API key: {}", app.api_key.as_deref().unwrap_or("-")),
                    format!("Apple ID: {}", app.apple_id.as_deref().unwrap_or("-")),
                ];
                v.push(match &app.bitrise_yml {
                    Some(b) => format!("steps: {} › {}", b.path, describe(&s.targets(app))),
                    None => format!("steps: {} in the workspace", app.steps.len()),
                });
                if let Some(b) = &app.bitrise {
                    if let Some(at) = b.pulled_at {
                        v.push(format!(
                            "pulled from Bitrise: {}",
                            at.format("%Y-%m-%d %H:%M")
                        ));
                    }
                    if let Some(at) = b.pushed_at {
                        v.push(format!(
                            "pushed by apple-conn: {}; {}",
                            at.format("%Y-%m-%d %H:%M"),
                            crate::ops::bitrise::NOT_REPORTED
                        ));
                    }
                }
                v
            }
            None => vec!["no app selected".into()],
        },
        Pane::Matrix => s
            .matrix_rows()
            .get(s.matrix_sel)
            .and_then(|i| s.loaded.catalog.steps.get(*i))
            .map_or_else(Vec::new, |st| {
                vec![format!("step: {}", st.id), format!("name: {}", st.name)]
            }),
        Pane::Preview => {
            if let Some(e) = &s.preview_error {
                return vec![
                    "The app's steps cannot be read:".into(),
                    e.clone(),
                    "Fix the file: apple-conn reads it again when it changes.".into(),
                ];
            }
            let Some(p) = s
                .preview_rows()
                .get(s.preview_sel)
                .and_then(|i| s.preview.get(*i))
            else {
                return vec!["no step selected".into()];
            };
            let mut v = vec![format!("step: {}", p.step_id)];
            if let Some(o) = &p.origin {
                v.push(format!(
                    "from workflow {} · `{}` at {}:{}",
                    o.workflow, o.reference, o.file, o.line
                ));
            }
            v.push(format!(
                "identity: {}",
                p.resolution.identity.as_deref().unwrap_or("-")
            ));
            v
        }
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

/// In a form: every field's problem, the form's error and notice (values are not repeated:
/// some are secrets).
pub fn form(f: &Form) -> (String, Vec<String>) {
    let mut lines: Vec<String> = f
        .body
        .fields()
        .iter()
        .filter(|x| !x.value().is_empty())
        .filter_map(|x| field_error(x).map(|e| format!("{}: {e}", x.label)))
        .collect();
    if let Some(e) = &f.error {
        lines.push(e.clone());
    }
    if let Some(n) = &f.notice {
        lines.push(n.clone());
    }
    // The add-app form's list cuts its marks (`utility: runs only through …`) to its width.
    if let super::state::FormBody::AddApp(a) = &f.body {
        for c in a.pick.choices.iter().filter(|c| !c.mark.is_empty()) {
            lines.push(format!("{}: {}", super::form::label(&c.target), c.mark));
        }
        lines.extend(a.pick.note.iter().cloned());
    }
    if lines.is_empty() {
        lines.push("Nothing in this form is cut.".into());
    }
    (format!("Whole text · {}", f.title), lines)
}

/// In the Doctor: its header and the selected finding.
pub fn doctor(v: &DoctorView) -> (String, Vec<String>) {
    let status = v.report.status;
    let mut lines = vec![
        format!("{}: {}", status.word(), v.report.summary()),
        "Offline, as `apple-conn doctor` without --live (keys are read by the CLI)".into(),
    ];
    if let Some(l) = v.lines.get(v.selected) {
        lines.push(String::new());
        lines.push(format!("{}: {}", l.status.word(), l.text));
    }
    ("Whole text · Doctor".into(), lines)
}
