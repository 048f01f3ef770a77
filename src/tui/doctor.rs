//! The Doctor view's state and keys: the same findings as `apple-conn doctor` (offline: no
//! secret is read here), worst first; Enter jumps to the connection, the app or the step.

use std::collections::HashMap;

use super::action::Action;
use super::state::{AppState, ConnRow, Layer, Pane};
use crate::bitrise::run;
use crate::domain::doctor::{
    AppSteps, DEFAULT_WARN_DAYS, DoctorInput, Line, Report, Target, diagnose,
};

#[derive(Debug, Clone)]
pub struct DoctorView {
    pub report: Report,
    /// The findings that are not OK, worst first.
    pub lines: Vec<Line>,
    pub selected: usize,
}

/// The report for the workspace on screen, its apps resolved as their previews are.
pub fn report(s: &AppState) -> Report {
    let ws = &s.loaded.workspace;
    let apps: Vec<AppSteps> = ws
        .apps
        .iter()
        .map(|app| {
            let targets = app
                .bitrise_yml
                .as_ref()
                .map(run::configured)
                .unwrap_or_default();
            AppSteps {
                slug: app.slug.clone(),
                steps: s.steps_of(app, &targets).map(|steps| {
                    steps
                        .into_iter()
                        .map(|p| (p.step_id, p.resolution))
                        .collect()
                }),
            }
        })
        .collect();
    diagnose(&DoctorInput {
        workspace: ws,
        now: s.now,
        warn_days: DEFAULT_WARN_DAYS,
        only_app: None,
        keys: &HashMap::new(),
        apple_ids: &HashMap::new(),
        apps: &apps,
    })
}

pub fn open(s: &mut AppState) {
    let report = report(s);
    let lines = report.lines();
    s.layers.push(Layer::Doctor(DoctorView {
        report,
        lines,
        selected: 0,
    }));
}

/// A key while the Doctor view is on top.
pub fn key(s: &mut AppState, action: Option<Action>) {
    let Some(Layer::Doctor(view)) = s.layers.last_mut() else {
        return;
    };
    let last = view.lines.len().saturating_sub(1);
    match action {
        Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
        Some(Action::Down) => view.selected = (view.selected + 1).min(last),
        Some(Action::PageUp) => view.selected = view.selected.saturating_sub(10),
        Some(Action::PageDown) => view.selected = (view.selected + 10).min(last),
        Some(Action::Top) => view.selected = 0,
        Some(Action::Bottom) => view.selected = last,
        Some(Action::Open) => {
            let target = view.lines.get(view.selected).map(|l| l.target.clone());
            s.layers.pop();
            if let Some(t) = target {
                jump(s, &t);
            }
        }
        Some(Action::Close | Action::Quit | Action::Doctor) => {
            s.layers.pop();
        }
        _ => {}
    }
}

/// Focuses the connection or app a finding is about (clearing a filter that would hide it).
fn jump(s: &mut AppState, target: &Target) {
    let ws = &s.loaded.workspace;
    let row = match target {
        Target::ApiKey(name) => ws
            .api_keys
            .iter()
            .position(|k| &k.name == name)
            .map(ConnRow::ApiKey),
        Target::AppleId(id) => ws
            .apple_ids
            .iter()
            .position(|a| &a.apple_id == id)
            .map(ConnRow::AppleId),
        Target::App(slug) | Target::Step { slug, .. } => {
            let Some(i) = ws.apps.iter().position(|a| &a.slug == slug) else {
                return;
            };
            s.filters[Pane::Apps.index()].clear();
            s.focus = Pane::Apps;
            s.app_sel = s.app_rows().iter().position(|r| *r == i).unwrap_or(0);
            s.preview_sel = 0;
            if let Target::Step { slug, index } = target {
                // The finding counts the steps as the workspace runs them: show that run.
                s.workflow_view.remove(slug);
                s.filters[Pane::Preview.index()].clear();
                s.refresh_preview();
                s.focus = Pane::Preview;
                s.preview_sel = s
                    .preview_rows()
                    .iter()
                    .position(|r| r == index)
                    .unwrap_or(0);
            } else {
                s.refresh_preview();
            }
            return;
        }
    };
    if let Some(row) = row {
        s.filters[Pane::Connections.index()].clear();
        s.focus = Pane::Connections;
        s.conn_sel = s.conn_rows().iter().position(|r| *r == row).unwrap_or(0);
    }
}
