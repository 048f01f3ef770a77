//! Modals and forms: help, confirmation, forms, preview detail, token, chooser.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{SPINNER, block, centered, scrolled, truncate};
use crate::domain::resolution::{Level, Verdict};
use crate::theme::Theme;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::state::{AppState, FieldKind, Form, Layer, Scroll, StatusKind, TokenView};
use crate::tui::update::field_error;

pub fn render(
    s: &AppState,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    layer: &Layer,
    top: bool,
) {
    match layer {
        Layer::Help(scroll) => help(s, theme, frame, area, scroll),
        Layer::Messages(scroll) => messages(s, theme, frame, area, scroll),
        Layer::Text {
            title,
            lines,
            scroll,
        } => {
            let text: Vec<Line<'static>> = lines
                .iter()
                .map(|l| Line::from(Span::styled(crate::terminal_text::clean(l), theme.text)))
                .collect();
            let width = area.width.saturating_sub(4).min(100);
            let h = scrolled::rows_needed(&text, usize::from(width.saturating_sub(2))) as u16 + 2;
            let rect = centered(area, width, h.min(area.height));
            scrolled::render(frame, rect, block(title, true, theme), text, scroll, theme);
        }
        Layer::Confirm {
            title,
            lines,
            scroll,
            ..
        } => {
            let text: Vec<Line<'static>> = lines
                .iter()
                .map(|l| Line::from(Span::styled(l.clone(), theme.text)))
                .collect();
            let h = scrolled::rows_needed(&text, 62) as u16 + 2;
            let rect = centered(area, 64, h);
            scrolled::render(frame, rect, block(title, true, theme), text, scroll, theme);
        }
        Layer::Form(form) => render_form(s, theme, frame, area, form, top),
        Layer::Detail { step, scroll } => detail(s, theme, frame, area, *step, scroll),
        Layer::ConnDetail { row, scroll } => {
            let (title, text) = super::conn_detail::lines(s, theme, *row);
            let rect = centered(area, area.width.saturating_sub(4).min(100), area.height);
            let h = scrolled::rows_needed(&text, usize::from(rect.width.saturating_sub(2)));
            let rect = centered(area, rect.width, h as u16 + 2);
            scrolled::render(frame, rect, block(&title, true, theme), text, scroll, theme);
        }
        Layer::Token(view) => token(s, theme, frame, area, view),
        Layer::Doctor(view) => super::doctor::render(theme, frame, area, view),
        Layer::Signing(view) => super::signing::render(theme, frame, area, view),
        Layer::Chooser(ch) => {
            let h = (ch.options.len() as u16 + 2).min(area.height);
            let rect = centered(area, 72, h);
            frame.render_widget(Clear, rect);
            let rows = usize::from(h.saturating_sub(2));
            let first = super::scroll_offset(ch.selected, rows);
            let lines: Vec<Line> = ch
                .options
                .iter()
                .enumerate()
                .skip(first)
                .take(rows)
                .map(|(i, (_, label))| {
                    let style = if i == ch.selected {
                        theme.selection
                    } else {
                        theme.text
                    };
                    Line::from(Span::styled(format!(" {label}"), style))
                })
                .collect();
            let mut b = block(&ch.title, true, theme);
            if let Some(m) = scrolled::mark(first, rows, ch.options.len()) {
                b = b.title_bottom(Line::from(Span::styled(m, theme.key_hint)).right_aligned());
            }
            frame.render_widget(Paragraph::new(lines).block(b), rect);
        }
    }
}

/// The token whole (wrapped, never cut) with its claims and a countdown that moves with the clock.
fn token(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, view: &TokenView) {
    // Counted from the token's own iat/exp; the loop's tick moves `ticked` every second.
    let now = s.ticked.timestamp().max(view.issued_at);
    let left = view.expires_at - now;
    let mut lines = vec![
        Line::from(Span::styled(format!("header  {}", view.header), theme.text)),
        Line::from(Span::styled("claims", theme.title)),
    ];
    for (k, v) in &view.claims {
        lines.push(Line::from(Span::styled(
            format!("  {k:<6} {v}"),
            theme.text,
        )));
    }
    lines.push(Line::from(Span::styled(
        if left > 0 {
            format!("expires in {} min {:02} s", left / 60, left % 60)
        } else {
            "expired".into()
        },
        if left > 120 { theme.ok } else { theme.warning },
    )));
    lines.push(Line::from(Span::styled(view.token.clone(), theme.masked)));
    let copy = s
        .keymap
        .key_for(Context::Main, Action::Copy)
        .unwrap_or_default();
    lines.push(Line::from(Span::styled(
        format!(
            "{copy}: send the token to the terminal's clipboard (OSC 52; works over SSH, tmux needs set-clipboard on)"
        ),
        theme.key_hint,
    )));
    let width = area.width.saturating_sub(4).min(100);
    let h = scrolled::rows_needed(&lines, usize::from(width.saturating_sub(2))) as u16 + 2;
    let rect = centered(area, width, h);
    let title = format!("Token · {}", view.key_name);
    scrolled::render(
        frame,
        rect,
        block(&title, true, theme),
        lines,
        &view.scroll,
        theme,
    );
}

/// The message log: every status message, whole and wrapped, with the time it was said.
fn messages(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, scroll: &Scroll) {
    let lines: Vec<Line<'static>> = if s.log.is_empty() {
        vec![Line::from(Span::styled(
            "No messages yet: what apple-conn says in the status line is kept here.",
            theme.text,
        ))]
    } else {
        s.log
            .iter()
            .map(|e| {
                let style = match e.kind {
                    StatusKind::Error => theme.error,
                    StatusKind::Ok => theme.ok,
                    StatusKind::Info => theme.text,
                };
                let mut spans = vec![
                    Span::styled(e.at.format("%H:%M:%S ").to_string(), theme.key_hint),
                    Span::styled(crate::terminal_text::clean(&e.text), style),
                ];
                if let Some(at) = e.resolved {
                    spans.push(Span::styled(
                        format!(
                            " · resolved {}: this host trusts the file now",
                            at.format("%H:%M:%S")
                        ),
                        theme.ok,
                    ));
                }
                Line::from(spans)
            })
            .collect()
    };
    let width = area.width.saturating_sub(4).min(100);
    let h = scrolled::rows_needed(&lines, usize::from(width.saturating_sub(2))) as u16 + 2;
    let rect = centered(area, width, h.min(area.height));
    scrolled::render(
        frame,
        rect,
        block(&format!("Messages ({})", s.log.len()), true, theme),
        lines,
        scroll,
        theme,
    );
}

fn help(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, scroll: &Scroll) {
    let width = area.width.min(78);
    let inner_w = usize::from(width.saturating_sub(2));
    // Every action the keymap binds, in its file's order: help cannot miss one.
    let key_w = 12;
    let entry = |ctx: Context, a: Action| {
        let keys = s.keymap.keys_for(ctx, a).join(" ");
        vec![
            Span::styled(format!("  {keys:<key_w$}"), theme.key_hint),
            Span::styled(a.label().to_string(), theme.text),
        ]
    };
    // The four pane keys share a row: the main keys keep the first screen at 80×24.
    let panes = [Action::Pane1, Action::Pane2, Action::Pane3, Action::Pane4];
    let pane_keys: Vec<String> = panes
        .iter()
        .filter_map(|a| s.keymap.key_for(Context::Main, *a))
        .collect();
    let mut entries: Vec<Vec<Span<'static>>> = Vec::new();
    for a in s.keymap.actions(Context::Main) {
        if a == Action::Pane1 && pane_keys.len() == panes.len() {
            let keys = pane_keys.join(" ");
            entries.push(vec![
                Span::styled(format!("  {keys:<key_w$}"), theme.key_hint),
                Span::styled("go to pane 1–4".to_string(), theme.text),
            ]);
        } else if !(panes.contains(&a) && pane_keys.len() == panes.len()) {
            entries.push(entry(Context::Main, a));
        }
    }
    let mut form = vec![vec![Span::styled("In forms", theme.title)]];
    form.extend(
        s.keymap
            .actions(Context::Form)
            .map(|a| entry(Context::Form, a)),
    );
    let mut list = vec![vec![Span::styled(
        "In lists (other letters filter)",
        theme.title,
    )]];
    list.extend(
        s.keymap
            .actions(Context::List)
            .map(|a| entry(Context::List, a)),
    );
    let mut lines = vec![Line::from(Span::styled(
        "Keys (from the keymap; rebind them in a TOML keymap file)",
        theme.title,
    ))];
    // Two columns where they fit (80×24 over SSH), so the keys take half the rows; the
    // forms' and the lists' keys side by side under them.
    let col = inner_w / 2;
    let half = entries.len().div_ceil(2);
    let right = entries.split_off(half);
    columns(&mut lines, entries, right, col);
    columns(&mut lines, form, list, col);
    for (heading, rows) in super::legend::all() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(heading, theme.title)));
        lines.extend(
            rows.into_iter()
                .map(|r| Line::from(Span::styled(format!("  {r}"), theme.text))),
        );
    }
    let h = scrolled::rows_needed(&lines, inner_w) as u16 + 2;
    let rect = centered(area, width, h);
    scrolled::render(
        frame,
        rect,
        block("Help", true, theme),
        lines,
        scroll,
        theme,
    );
}

/// Help entries: `left` and `right` side by side in columns of `col` where they fit, else
/// one under the other.
fn columns(
    lines: &mut Vec<Line<'static>>,
    left: Vec<Vec<Span<'static>>>,
    right: Vec<Vec<Span<'static>>>,
    col: usize,
) {
    let cell_w = |e: &[Span]| e.iter().map(|sp| sp.content.chars().count()).sum::<usize>();
    if col >= 36 && left.iter().chain(&right).all(|e| cell_w(e) < col) {
        for i in 0..left.len().max(right.len()) {
            let mut spans = left.get(i).cloned().unwrap_or_default();
            if let Some(r) = right.get(i) {
                spans.push(Span::raw(" ".repeat(col - cell_w(&spans))));
                spans.extend(r.iter().cloned());
            }
            lines.push(Line::from(spans));
        }
    } else {
        lines.extend(left.into_iter().chain(right).map(Line::from));
    }
}

/// Rows a text takes when wrapped at word boundaries to `width` (as the Paragraph wraps it).
fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
        } else if used == 0 {
            rows += (w - 1) / width;
            used = (w - 1) % width + 1;
        } else {
            rows += 1 + w.saturating_sub(1) / width;
            used = if w == 0 { 0 } else { (w - 1) % width + 1 };
        }
    }
    rows
}

fn render_form(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, form: &Form, top: bool) {
    let fields = form.body.fields();
    let focus = form.body.focus_index();
    // The add-app form's Workflows list opens under its field while that has the focus.
    let pick = match &form.body {
        crate::tui::form::FormBody::AddApp(f) => Some((&f.pick, f.runs.value())),
        _ => None,
    };
    let list_open =
        top && form.busy.is_none() && fields.get(focus).is_some_and(|f| f.kind == FieldKind::Pick);
    // Long messages (the error, the notice) wrap whole: the form grows, its spacer rows give way.
    let text_w = usize::from(centered(area, 78, 1).width.saturating_sub(2));
    let notice_rows = form
        .notice
        .as_deref()
        .map_or(0, |n| wrapped_rows(n, text_w));
    let error_rows = form.error.as_deref().map_or(0, |e| wrapped_rows(e, text_w));
    // Notes wrap whole too (never cut with …); what does not fit scrolls with the focus.
    let notes_rows: usize = form.notes.iter().map(|n| wrapped_rows(n, text_w)).sum();
    // What gives way when the form does not fit: the spacer rows, then the notice (an error
    // says it again), then the notes.
    let room = usize::from(area.height);
    let pick_rows = match pick.filter(|_| list_open) {
        Some((p, filter)) => super::pick::rows(p, filter, text_w),
        None => 0,
    };
    let base = fields.len() + 5 + error_rows.saturating_sub(2) + pick_rows;
    let compact = base + fields.len() + notes_rows + notice_rows > room;
    let show_notice = !compact || base + notes_rows + notice_rows <= room;
    let show_notes = !compact || base + notes_rows <= room;
    let height = base
        + if compact { 0 } else { fields.len() }
        + if show_notes { notes_rows } else { 0 }
        + if show_notice { notice_rows } else { 0 };
    let height = height as u16;
    let rect = centered(area, 78, height);
    frame.render_widget(Clear, rect);
    let b = block(&form.title, top, theme);
    let inner = b.inner(rect);
    let label_w = fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(8)
        + 2;
    let value_w = (inner.width as usize).saturating_sub(label_w + 1);
    let mut lines = Vec::new();
    let mut cursor = None;
    let mut focus_line = 0;
    for (i, f) in fields.iter().enumerate() {
        let focused = i == focus && top && form.busy.is_none();
        if i == focus {
            focus_line = lines.len();
        }
        // Secrets are masked here, at render time, and nowhere else.
        let shown = match f.kind {
            FieldKind::Secret => "•".repeat(f.value().chars().count()),
            FieldKind::Path if f.value().contains('\n') || f.value().contains("-----BEGIN") => {
                format!("(pasted key, {} lines)", f.value().lines().count())
            }
            // A key body pasted on one line is as secret as a PEM: never shown.
            FieldKind::Path if crate::domain::secret_inputs::is_key_material(f.value()) => {
                "(pasted key, hidden)".to_string()
            }
            FieldKind::Choice(_) => format!("◀ {} ▶", f.value()),
            FieldKind::Pick => pick.map_or(String::new(), |(p, filter)| {
                super::pick::value(p, filter, focused)
            }),
            _ => f.value().to_string(),
        };
        let scroll = f.input.visual_scroll(value_w.max(1));
        let visible: String = shown
            .chars()
            .skip(
                if matches!(
                    f.kind,
                    FieldKind::Text | FieldKind::Secret | FieldKind::Pick
                ) {
                    scroll
                } else {
                    0
                },
            )
            .take(value_w)
            .collect();
        let value_style = if f.kind == FieldKind::Secret {
            theme.masked
        } else {
            theme.text
        };
        let label_style = if focused { theme.selection } else { theme.text };
        let mut spans = vec![
            Span::styled(format!("{:<label_w$}", f.label), label_style),
            Span::raw(" "),
        ];
        if visible.is_empty() && f.kind == FieldKind::Pick && focused {
            spans.push(Span::styled("type to filter", theme.muted));
        } else if visible.is_empty() && !f.hint.is_empty() {
            spans.push(Span::styled(truncate(&f.hint, value_w), theme.muted));
        } else {
            spans.push(Span::styled(visible, value_style));
        }
        if focused
            && matches!(
                f.kind,
                FieldKind::Text | FieldKind::Secret | FieldKind::Path
            )
            && !f.value().contains('\n')
        {
            let x = inner.x
                + label_w as u16
                + 1
                + (f.input.visual_cursor().saturating_sub(scroll)) as u16;
            cursor = Some(Position {
                x: x.min(inner.x + inner.width.saturating_sub(1)),
                y: inner.y + lines.len() as u16,
            });
        }
        lines.push(Line::from(spans));
        if focused
            && f.kind == FieldKind::Pick
            && let Some((p, filter)) = pick
        {
            let (rows, cursor_row) =
                super::pick::lines(p, filter, label_w + 1, usize::from(inner.width), theme);
            focus_line = lines.len() + cursor_row;
            lines.extend(rows);
        }
        let problem = if f.value().is_empty() {
            None
        } else {
            field_error(f)
        };
        match problem {
            Some(e) => lines.push(Line::from(Span::styled(
                format!("{:<label_w$} {}", "", truncate(&e, value_w)),
                theme.error,
            ))),
            None if !compact => lines.push(Line::from("")),
            None => {}
        }
    }
    for n in form.notes.iter().filter(|_| show_notes) {
        lines.push(Line::from(Span::styled(n.clone(), theme.muted)));
    }
    if let Some(n) = form.notice.as_ref().filter(|_| show_notice) {
        lines.push(Line::from(Span::styled(n.clone(), theme.warning)));
    }
    if let Some(busy) = &form.busy {
        lines.push(Line::from(Span::styled(
            format!(
                "{} {busy}  (esc cancels)",
                SPINNER[s.spinner % SPINNER.len()]
            ),
            theme.key_hint,
        )));
    }
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error)));
    }
    // A form taller than the screen (a step with thirty inputs) scrolls to keep the focused
    // field in view; the mark on its border says where it is.
    let rows = scrolled::wrap(lines, usize::from(inner.width));
    let h = usize::from(inner.height);
    let offset = if rows.len() > h {
        focus_line.saturating_sub(h / 2).min(rows.len() - h)
    } else {
        0
    };
    let b = match scrolled::mark(offset, h, rows.len()) {
        Some(m) => b.title_bottom(Line::from(Span::styled(m, theme.key_hint)).right_aligned()),
        None => b,
    };
    frame.render_widget(b, rect);
    let visible: Vec<Line> = rows.into_iter().skip(offset).take(h).collect();
    frame.render_widget(Paragraph::new(visible), inner);
    if let Some(mut p) = cursor {
        p.y = p.y.saturating_sub(offset as u16);
        frame.set_cursor_position(p);
    }
}

fn detail(
    s: &AppState,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    step: usize,
    scroll: &Scroll,
) {
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let Some(row) = s.preview.get(step) else {
        frame.render_widget(Clear, rect);
        return;
    };
    let r = &row.resolution;
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} ", super::panes::outcome_mark(r.outcome)),
            super::panes::outcome_style(theme, r.outcome),
        ),
        Span::styled(
            format!(
                "{} via {} · {}",
                r.auth.map(|a| a.as_str()).unwrap_or("no auth"),
                r.origin.map(|o| o.as_str()).unwrap_or("-"),
                r.identity.as_deref().unwrap_or("-")
            ),
            theme.text,
        ),
    ])];
    if let Some(o) = &row.origin {
        lines.push(Line::from(Span::styled(
            format!(
                "from workflow {} · `{}` at {}:{}",
                o.workflow, o.reference, o.file, o.line
            ),
            theme.muted,
        )));
    }
    if let Some(v) = &r.connection_value {
        lines.push(Line::from(Span::styled(
            format!("connection input value: {v}"),
            theme.muted,
        )));
    }
    lines.push(Line::from(Span::styled("The walk", theme.title)));
    for w in &r.walk {
        let (mark, style) = match w.verdict {
            Verdict::Chosen => ("→ chosen ", theme.ok),
            Verdict::NotConfigured => ("  skipped", theme.muted),
            Verdict::Stopped => ("✗ stopped", theme.error),
            Verdict::NotTried => ("  not tried", theme.muted),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} {:<34}", w.source.label()), style),
            Span::styled(w.why.clone(), theme.text),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "What the step receives",
        theme.title,
    )));
    if r.receives.is_empty() {
        lines.push(Line::from(Span::styled("  nothing", theme.muted)));
    }
    for (k, v) in &r.receives {
        let style = if matches!(v, crate::domain::resolution::Received::Secret { .. }) {
            theme.masked
        } else {
            theme.text
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {k} "), theme.key_hint),
            Span::styled(v.redacted(), style),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "What the real step prints",
        theme.title,
    )));
    for l in &r.log {
        let style = match l.level {
            Level::Info => theme.text,
            Level::Warning => theme.warning,
            Level::Error => theme.error,
        };
        lines.push(Line::from(Span::styled(format!("  {}", l.text), style)));
    }
    if !r.notes.is_empty() {
        lines.push(Line::from(Span::styled("apple-conn's notes", theme.title)));
        for n in &r.notes {
            let style = match n.level {
                Level::Info => theme.text,
                Level::Warning => theme.warning,
                Level::Error => theme.error,
            };
            lines.push(Line::from(Span::styled(format!("  {}", n.text), style)));
        }
    }
    let title = format!("#{step} {} · {}", row.step_id, s.env.as_str());
    scrolled::render(
        frame,
        rect,
        block(&title, true, theme),
        lines,
        scroll,
        theme,
    );
}
