//! `B`: pull from Bitrise beside the UI (a gauge, Esc cancels), then mark the API keys.

use super::super::state::{AppState, PullUi, StatusKind};
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
    if let Some(p) = &mut s.pull {
        p.cancelling = true;
    }
    s.set_status(
        StatusKind::Info,
        "cancelling the pull: the apps pulled so far are kept",
    );
    vec![Effect::CancelBitrisePull]
}
