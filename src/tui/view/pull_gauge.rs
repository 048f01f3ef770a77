//! The pull from Bitrise under way: `pulled 12/40`, one row above the status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Gauge;

use super::super::state::PullUi;
use crate::theme::Theme;

pub fn render(pull: &PullUi, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (ratio, label) = match pull.total {
        None => (
            0.0,
            "listing your apps on Bitrise… (esc cancels)".to_string(),
        ),
        Some(total) => (
            if total == 0 {
                1.0
            } else {
                pull.done as f64 / total as f64
            },
            format!(
                "{} {}/{total}{}",
                if pull.pushing { "pushed" } else { "pulled" },
                pull.done,
                if pull.cancelling {
                    " · cancelling"
                } else {
                    " · esc cancels"
                }
            ),
        ),
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.selection)
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label),
        area,
    );
}
