//! The push plan and its outcome as lines: what `bitrise push` prints and the TUI's overlay shows.

use std::fmt::Write as _;

use super::push::{Action, ItemStatus, PlanItem, PushPlan};
use crate::terminal_text::clean_line;

/// What every view of a pushed value says: Bitrise never confirms it.
pub const NOT_REPORTED: &str = "Bitrise does not report it";

impl PushPlan {
    pub fn plan_lines(&self) -> Vec<String> {
        plan_text(self).lines().map(str::to_string).collect()
    }

    pub fn outcome_lines(&self) -> Vec<String> {
        outcome_text(self).lines().map(str::to_string).collect()
    }
}

/// One plan line, terraform-like: `+` upload, `~` assign, `-` clear.
pub fn item_line(i: &PlanItem) -> String {
    let key = i.key.as_deref().map(clean_line).unwrap_or_default();
    match i.action {
        Action::UploadKey => format!(
            "+ upload API key \"{key}\" ({}) to workspace {}",
            i.key_id.as_deref().unwrap_or(""),
            i.org.as_deref().unwrap_or("")
        ),
        Action::AssignApiKey => format!("~ {}: API key → \"{key}\"", clean_line(&i.app_label())),
        Action::AssignAppleIdUser => format!(
            "~ {}: Apple ID user → {} (member slug {})",
            clean_line(&i.app_label()),
            i.member.as_deref().map(clean_line).unwrap_or_default(),
            i.member_slug.as_deref().unwrap_or("")
        ),
        Action::ClearAppleIdUser => {
            format!("- {}: Apple ID user cleared", clean_line(&i.app_label()))
        }
    }
}

/// The plan as `bitrise push` prints it and the TUI shows it.
pub fn plan_text(p: &PushPlan) -> String {
    let mut out = String::new();
    if p.plan.is_empty() && p.refusals.is_empty() {
        let _ = writeln!(
            out,
            "nothing to push: {} app(s) as apple-conn last pushed them ({NOT_REPORTED})",
            p.unchanged
        );
    } else {
        let _ = writeln!(out, "apple-conn will tell Bitrise at {}:", p.host);
        for i in &p.plan {
            let _ = writeln!(out, "  {}", item_line(i));
        }
        let _ = writeln!(
            out,
            "plan: {} upload(s), {} app(s) to change, {} unchanged",
            p.uploads(),
            p.apps_changed(),
            p.unchanged
        );
    }
    for r in &p.refusals {
        let _ = writeln!(out, "refused: {r}");
    }
    for n in &p.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// What was applied, failed or not sent, with the closing count.
pub fn outcome_text(p: &PushPlan) -> String {
    let mut out = String::new();
    for i in &p.plan {
        let line = item_line(i);
        let line = line.get(2..).unwrap_or(&line);
        match i.status {
            ItemStatus::Applied => {
                let _ = writeln!(out, "done: {line}");
            }
            ItemStatus::Failed => {
                let _ = writeln!(out, "failed: {line}: {}", i.error.as_deref().unwrap_or(""));
            }
            ItemStatus::NotSent => {
                let _ = writeln!(
                    out,
                    "not sent: {line}: {}",
                    i.error.as_deref().unwrap_or("")
                );
            }
            ItemStatus::Planned => {}
        }
    }
    for n in &p.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if p.cancelled {
        out.push_str("cancelled: what was sent before is recorded\n");
    }
    let failed = p.failed();
    let _ = writeln!(
        out,
        "{} of {} change(s) applied{}; recorded as pushed by apple-conn ({NOT_REPORTED})",
        p.plan.len() - failed,
        p.plan.len(),
        if failed > 0 {
            format!(", {failed} failed (their apps' records stay as they were)")
        } else {
            String::new()
        }
    );
    out
}
