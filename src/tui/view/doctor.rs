//! The Doctor view: the status and summary, then every finding worst first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

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
    // The selected finding in full, wrapped, under the list: it gets every row the list does
    // not need, and the list gives way (scrolling, with a mark) before the finding is cut.
    let detail: Vec<Line<'static>> = view
        .lines
        .get(view.selected)
        .map(|l| {
            vec![Line::from(vec![
                Span::styled(format!("{} ", l.status.word()), style(l.status)),
                Span::styled(l.text.clone(), theme.text),
            ])]
        })
        .unwrap_or_default();
    let detail = super::scrolled::wrap(detail, width);
    let height = usize::from(inner.height);
    let list_need = lines.len() + view.lines.len();
    let detail_h = if detail.is_empty() {
        0
    } else if list_need + detail.len() < height {
        height - list_need
    } else {
        (detail.len() + 1).min(height.saturating_sub(lines.len() + 1))
    };
    let [list, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h as u16)]).areas(inner);
    if detail_h > 0 {
        let shown = detail_h - 1;
        let mut b = Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border);
        if let Some(m) = super::scrolled::mark(0, shown, detail.len()) {
            b = b.title(Line::from(Span::styled(m, theme.key_hint)).right_aligned());
        }
        frame.render_widget(
            Paragraph::new(detail.into_iter().take(shown).collect::<Vec<_>>()).block(b),
            detail_area,
        );
    }
    let rows = (list.height as usize).saturating_sub(lines.len());
    let first = scroll_offset(view.selected, rows);
    let mut marks = Vec::new();
    let mark = super::scrolled::mark(first, rows, view.lines.len());
    if let Some(m) = &mark {
        // Findings out of view: say which are shown, on the summary row's right.
        let at = Rect::new(
            list.x + list.width.saturating_sub(m.chars().count() as u16),
            list.y + 1,
            (m.chars().count() as u16).min(list.width),
            1,
        );
        lines[1] = Line::from(Span::styled(
            truncate(
                "Offline, as `apple-conn doctor` without --live (keys are read by the CLI)",
                width.saturating_sub(m.chars().count()),
            ),
            theme.muted,
        ));
        marks.push((at, m.clone()));
    }
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
    for (at, m) in marks {
        frame.render_widget(Paragraph::new(Span::styled(m, theme.key_hint)), at);
    }
}
