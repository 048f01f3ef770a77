//! The Signing view's state and keys: one app's certificates and profiles (its local
//! `[apps.signing]` files; Bitrise and Apple are asked by `apple-conn signing`), with days left
//! and the findings; `Enter` on a finding shows the step's rule.

use super::action::Action;
use super::state::{AppState, Layer, StatusKind};
use super::update::Effect;
use crate::domain::signing::report::Report;

#[derive(Debug, Clone)]
pub struct SigningView {
    pub report: Report,
    pub selected: usize,
    /// `Enter` on a finding: its step rule is shown under it.
    pub show_rule: bool,
}

impl SigningView {
    pub fn findings(&self) -> usize {
        self.report.apps.iter().map(|a| a.findings.len()).sum()
    }
}

/// `S` on the Apps pane: ask the effects to read the selected app's files.
pub fn request(s: &mut AppState) -> Vec<Effect> {
    match s.selected_app() {
        Some(app) => vec![Effect::Signing(app.slug.clone())],
        None => {
            s.set_status(
                StatusKind::Info,
                "no app selected: choose one on the Apps pane, then S",
            );
            Vec::new()
        }
    }
}

/// The report came back: open the view (or say why not).
pub fn show(s: &mut AppState, result: Result<Report, String>) {
    match result {
        Ok(report) => s.layers.push(Layer::Signing(SigningView {
            report,
            selected: 0,
            show_rule: false,
        })),
        Err(e) => s.set_status(StatusKind::Error, format!("signing: {e}")),
    }
}

/// A key while the Signing view is on top.
pub fn key(s: &mut AppState, action: Option<Action>) {
    let Some(Layer::Signing(view)) = s.layers.last_mut() else {
        return;
    };
    let last = view.findings().saturating_sub(1);
    match action {
        Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
        Some(Action::Down) => view.selected = (view.selected + 1).min(last),
        Some(Action::Top) => view.selected = 0,
        Some(Action::Bottom) => view.selected = last,
        Some(Action::Open) => view.show_rule = !view.show_rule,
        Some(Action::Close | Action::Quit) => {
            s.layers.pop();
        }
        _ => {}
    }
}
