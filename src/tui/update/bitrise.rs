//! `B`: pull from Bitrise beside the UI (a gauge, Esc cancels), then mark the API keys.

use super::super::state::{AppState, Layer, Pending, PullUi, StatusKind};
use super::messages::Effect;
use super::routing::refuse_read_only;

pub fn start(s: &mut AppState) -> Vec<Effect> {
    if s.demo {
        s.set_status(
            StatusKind::Info,
            "demo: pulling from Bitrise needs a real workspace signed in with `apple-conn bitrise login`",
        );
        return Vec::new();
    }
    if refuse_read_only(s) {
        return Vec::new();
    }
    if s.pull.is_some() {
        s.set_status(
            StatusKind::Info,
            "a pull from Bitrise is running: esc cancels it",
        );
        return Vec::new();
    }
    s.pull = Some(PullUi::default());
    vec![Effect::BitrisePull]
}

pub fn cancel(s: &mut AppState) -> Vec<Effect> {
    let pushing = s.pull.is_some_and(|p| p.pushing);
    if let Some(p) = &mut s.pull {
        p.cancelling = true;
    }
    s.set_status(
        StatusKind::Info,
        if pushing {
            "cancelling the push between requests: what Bitrise accepted so far is recorded"
        } else {
            "cancelling the pull: the apps pulled so far are kept"
        },
    );
    vec![Effect::CancelBitrisePull]
}

/// `P`: make the plan beside the UI (it asks Bitrise which keys and members there are).
pub fn push_start(s: &mut AppState) -> Vec<Effect> {
    if s.demo {
        s.set_status(
            StatusKind::Info,
            "demo: pushing to Bitrise needs a real workspace signed in with `apple-conn bitrise login`",
        );
        return Vec::new();
    }
    if refuse_read_only(s) {
        return Vec::new();
    }
    if s.pull.is_some() {
        s.set_status(
            StatusKind::Info,
            "Bitrise is busy with the running pull or push: esc cancels it",
        );
        return Vec::new();
    }
    s.set_status(StatusKind::Info, "asking Bitrise for the push plan…");
    vec![Effect::BitrisePushPlan]
}

/// The plan came back: nothing to do, a refusal, or the overlay that applies it on `y`.
pub fn push_planned(
    s: &mut AppState,
    result: Result<Box<crate::ops::bitrise::PushPlan>, String>,
) -> Vec<Effect> {
    let plan = match result {
        Ok(p) => *p,
        Err(e) => {
            s.set_status(StatusKind::Error, format!("push to Bitrise: {e}"));
            return Vec::new();
        }
    };
    let mut lines = plan.plan_lines();
    let title = if !plan.refusals.is_empty() {
        "Push to Bitrise: refused (esc closes)".to_string()
    } else if plan.is_empty() {
        "Push to Bitrise: nothing to do (esc closes)".to_string()
    } else {
        lines.push(String::new());
        lines.push(format!(
            "y applies it at {} (Esc cancels between requests), n keeps everything as it is. Bitrise does not report these back: apple-conn records what it sent.",
            plan.host
        ));
        "Push to Bitrise?".to_string()
    };
    let applicable = plan.refusals.is_empty() && !plan.is_empty();
    s.push_plan = applicable.then_some(plan);
    s.set_status(
        StatusKind::Info,
        "the push plan: y applies, n or esc closes",
    );
    s.layers.push(Layer::Confirm {
        title,
        lines,
        pending: Pending::Push,
        scroll: Default::default(),
    });
    Vec::new()
}

/// `y` on the plan: the gauge, and the requests beside the UI.
pub fn push_confirmed(s: &mut AppState) -> Vec<Effect> {
    let Some(plan) = s.push_plan.take() else {
        s.set_status(StatusKind::Info, "nothing to push");
        return Vec::new();
    };
    s.pull = Some(PullUi {
        done: 0,
        total: None,
        cancelling: false,
        pushing: true,
    });
    vec![Effect::BitrisePushApply(Box::new(plan))]
}
