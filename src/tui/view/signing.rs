//! The Signing view: the app's files with days left and what Apple says, then the findings,
//! worst first; the selected one in full, with its step rule after `Enter`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{block, centered, truncate};
use crate::domain::doctor::Status;
use crate::domain::signing::report::Kind;
use crate::theme::Theme;
use crate::tui::signing::SigningView;

pub fn render(theme: &Theme, frame: &mut Frame, area: Rect, view: &SigningView) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let status = view.report.status;
    let slug = view
        .report
        .apps
        .first()
        .map(|a| a.slug.as_str())
        .unwrap_or("");
    let title = format!("Signing · {slug} · {}", status.word());
    let b = block(&title, true, theme);
    let inner = b.inner(rect);
    frame.render_widget(b, rect);
    let style = |st: Status| match st {
        Status::Ok => theme.ok,
        Status::Warning => theme.warning,
        Status::Unknown => theme.muted,
        Status::Critical => theme.error,
    };
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'static>> = vec![Line::from(Span::styled(
        truncate(
            "Local files ([apps.signing]); `apple-conn signing --bitrise --apple` also asks Bitrise and Apple",
            width,
        ),
        theme.muted,
    ))];
    let mut n = 0;
    for app in &view.report.apps {
        if app.files.is_empty() {
            lines.push(Line::from(Span::styled(
                "No signing files: add [apps.signing] certificates and profiles to the workspace",
                theme.muted,
            )));
        }
        for f in &app.files {
            let days = match (f.days_left, &f.error) {
                (_, Some(e)) => format!("cannot read: {e}"),
                (Some(d), _) if d < 0 => format!("expired {} days ago", -d),
                (Some(d), _) => format!("{d} days left"),
                (None, _) => "-".into(),
            };
            let what = match f.kind {
                Kind::Certificate => f.subject.clone().unwrap_or_default(),
                Kind::Profile => format!(
                    "{} {}",
                    f.kind_of.clone().unwrap_or_default(),
                    f.bundle_id.clone().unwrap_or_default()
                ),
            };
            let apple = f
                .apple
                .as_deref()
                .map(|a| format!(" · Apple: {a}"))
                .unwrap_or_default();
            let text = format!(
                "{:<12}{} · {} · {days}{apple}",
                match f.kind {
                    Kind::Certificate => "certificate",
                    Kind::Profile => "profile",
                },
                f.name,
                what
            );
            let st = if f.error.is_some() || f.days_left.is_some_and(|d| d < 0) {
                theme.error
            } else {
                theme.text
            };
            lines.push(Line::from(Span::styled(truncate(&text, width), st)));
        }
        lines.push(Line::from(""));
        if app.findings.is_empty() {
            lines.push(Line::from(Span::styled(
                "Nothing to do: every file is fine.",
                theme.ok,
            )));
        }
        for f in &app.findings {
            let marker = if n == view.selected { "> " } else { "  " };
            let head = format!(
                "{marker}{} {}{}",
                f.severity.word(),
                f.code.as_str(),
                f.step
                    .as_deref()
                    .map(|s| format!(" [{s}]"))
                    .unwrap_or_default()
            );
            lines.push(Line::from(Span::styled(
                truncate(&head, width),
                style(f.severity),
            )));
            if n == view.selected {
                lines.push(Line::from(Span::styled(
                    format!("    {}", f.message),
                    theme.text,
                )));
                if view.show_rule {
                    lines.push(Line::from(Span::styled(
                        format!("    rule: {}", f.rule),
                        theme.muted,
                    )));
                }
            }
            n += 1;
        }
    }
    let wrapped = super::scrolled::wrap(lines, width);
    // Keep the selected finding on screen: scroll by whole lines past the top when needed.
    let height = usize::from(inner.height);
    let offset = wrapped.len().saturating_sub(height).min(view.selected * 2);
    let shown: Vec<Line> = wrapped.into_iter().skip(offset).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
