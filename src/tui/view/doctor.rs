//! The Doctor view: the status and summary, then every finding worst first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{block, centered, scroll_offset, truncate};
use crate::domain::doctor::Status;
use crate::theme::Theme;
use crate::tui::doctor::DoctorView;

pub fn render(theme: &Theme, frame: &mut Frame, area: Rect, view: &DoctorView) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let status = view.report.status;
    let title = format!("Doctor · {}", status.word());
    let b = block(&title, true, theme);
    let inner = b.inner(rect);
    frame.render_widget(b, rect);
    let style = |st: Status| match st {
        Status::Ok => theme.ok,
        Status::Warning => theme.warning,
        Status::Unknown => theme.muted,
        Status::Critical => theme.error,
    };
    let width = inner.width as usize;
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(
                &format!("{}: {}", status.word(), view.report.summary()),
                width,
            ),
            style(status),
        )),
        Line::from(Span::styled(
            truncate(
                "Offline, as `apple-conn doctor` without --live (keys are read by the CLI)",
                width,
            ),
            theme.muted,
        )),
    ];
    if view.lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "Nothing to do: every connection and app is OK.",
            theme.ok,
        )));
    }
    // The selected finding in full, wrapped, under the list: the rows are cut to the width.
    let detail_h: u16 = if view.lines.is_empty() { 0 } else { 4 };
    let [list, detail] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h)]).areas(inner);
    if let Some(l) = view.lines.get(view.selected) {
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{} ", l.status.word()), style(l.status)),
                Span::styled(l.text.clone(), theme.text),
            ]))
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_style(theme.border),
            )
            .wrap(Wrap { trim: false }),
            detail,
        );
    }
    let rows = (list.height as usize).saturating_sub(lines.len());
    let first = scroll_offset(view.selected, rows);
    for (i, l) in view.lines.iter().enumerate().skip(first).take(rows) {
        let word = format!("{:<9}", l.status.word());
        let text = truncate(&l.text, width.saturating_sub(word.len() + 1));
        let row_style = if i == view.selected {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {word}"),
                if i == view.selected {
                    theme.selection
                } else {
                    style(l.status)
                },
            ),
            Span::styled(text, row_style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), list);
}
