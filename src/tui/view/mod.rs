//! Render: reads `&AppState` and the theme, draws one frame. Never changes state.

mod conn_detail;
mod doctor;
mod layers;
mod legend;
mod panes;
mod pick;
mod pull_gauge;
mod scrolled;
mod share;
mod signing;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::action::Action;
use super::keymap::Context;
use super::state::{AppState, ChooserKind, ConnRow, FieldKind, Layer, Pane, StatusKind};
use crate::theme::Theme;

pub const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

pub fn render(s: &AppState, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < 20 || area.height < 5 {
        frame.render_widget(
            Paragraph::new("apple-conn: enlarge the terminal").style(theme.muted),
            area,
        );
        return;
    }
    let message_rows = message_rows(s, area.width);
    let gauge_rows = u16::from(s.pull.is_some());
    let [title, body, gauge, message, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(gauge_rows),
        Constraint::Length(message_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    render_title(s, theme, frame, title);
    render_panes(s, theme, frame, body);
    if let Some(pull) = &s.pull {
        pull_gauge::render(pull, theme, frame, gauge);
    }
    if message_rows > 0 {
        render_message(s, theme, frame, message);
    }
    render_status(s, theme, frame, status, message_rows == 0);
    for (i, layer) in s.layers.iter().enumerate() {
        let top = i + 1 == s.layers.len();
        layers::render(s, theme, frame, body, layer, top);
    }
}

fn render_title(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let file = if s.demo {
        "demo workspace (nothing is saved)".to_string()
    } else {
        s.loaded.path.display().to_string()
    };
    let mut after = Vec::new();
    if s.read_only {
        after.push(Span::styled("  [read-only]", theme.warning));
    }
    if s.demo {
        after.push(Span::styled("  [demo service: code 123456]", theme.warning));
    }
    after.push(Span::styled(
        format!("  env: {}", s.env.as_str()),
        theme.key_hint,
    ));
    // The environment and the flags always show: a long path gives way from its left.
    let name = " apple-conn ";
    let rest: usize = name.chars().count()
        + after
            .iter()
            .map(|sp| sp.content.chars().count())
            .sum::<usize>();
    let room = usize::from(area.width).saturating_sub(rest);
    let len = file.chars().count();
    let file = if len > room {
        let tail: String = file.chars().skip(len + 1 - room.max(1)).collect();
        format!("…{tail}")
    } else {
        file
    };
    let mut spans = vec![
        Span::styled(name, theme.title),
        Span::styled(file, theme.muted),
    ];
    spans.extend(after);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Wide terminals: a 2×2 grid. Narrow ones: the panes stacked, the focused one tallest.
fn render_panes(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.width >= 100 && area.height >= 30 {
        // Connections | Apps on top; the matrix and the preview need the full width.
        let matrix_h = (s.loaded.catalog.steps.len() as u16 + 4).min(area.height / 3);
        let [top, m, p] = Layout::vertical([
            Constraint::Percentage(35),
            Constraint::Length(matrix_h),
            Constraint::Min(6),
        ])
        .areas(area);
        // Connections and Apps share the row by what their rows need (none below 30 columns).
        let wants = [
            panes::wanted_width(s, Pane::Connections),
            panes::wanted_width(s, Pane::Apps),
        ];
        let widths = share::share(top.width, &wants, 30, 75);
        // Room the Connections' fixed columns cannot use goes to Apps, whose bottom border
        // says where the selected app's steps come from (a long line).
        let conn = widths[0].min(wants[0].max(30));
        let [c, a] = Layout::horizontal([
            Constraint::Length(conn),
            Constraint::Length(top.width.saturating_sub(conn)),
        ])
        .areas(top);
        panes::render(s, theme, frame, c, Pane::Connections);
        panes::render(s, theme, frame, a, Pane::Apps);
        panes::render(s, theme, frame, m, Pane::Matrix);
        panes::render(s, theme, frame, p, Pane::Preview);
    } else {
        let collapsed = 3u16;
        let constraints: Vec<Constraint> = Pane::ALL
            .iter()
            .map(|p| {
                if *p == s.focus {
                    Constraint::Min(3)
                } else {
                    Constraint::Length(collapsed)
                }
            })
            .collect();
        let areas = Layout::vertical(constraints).split(area);
        for (pane, rect) in Pane::ALL.iter().zip(areas.iter()) {
            panes::render(s, theme, frame, *rect, *pane);
        }
    }
}

pub fn block<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, mark) = if focused {
        (theme.focused_border, BorderType::Thick)
    } else {
        (theme.border, BorderType::Plain)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(mark)
        .border_style(border)
        .title(Span::styled(
            format!(" {title} "),
            if focused { theme.title } else { theme.text },
        ))
}

/// The hints of the current context, generated from the keymap that dispatches keys.
pub fn hints(s: &AppState) -> Vec<(String, &'static str)> {
    let km = &s.keymap;
    let main = |a: Action| km.key_for(Context::Main, a).map(|k| (k, a.label()));
    let form = |a: Action| km.key_for(Context::Form, a).map(|k| (k, a.label()));
    if s.filtering.is_some() {
        return vec![
            ("enter".into(), "keep filter"),
            ("esc".into(), "clear filter"),
        ];
    }
    let list: Vec<Option<(String, &'static str)>> = match s.layers.last() {
        // On a list: its keys first (move, choose, filter), then the form's.
        Some(Layer::Form(f)) if f.body.focused().is_some_and(|x| x.kind == FieldKind::Pick) => {
            let list = |a: Action| km.key_for(Context::List, a).map(|k| (k, a.label()));
            vec![
                list(Action::Down),
                list(Action::Up),
                list(Action::Toggle),
                list(Action::Filter),
                form(Action::Submit),
                form(Action::NextField),
                form(Action::Cancel),
            ]
        }
        Some(Layer::Form(_)) => vec![
            form(Action::NextField),
            form(Action::PrevField),
            form(Action::Submit),
            form(Action::Cancel),
            form(Action::Whole),
        ],
        Some(
            Layer::Help(_)
            | Layer::Messages(_)
            | Layer::Text { .. }
            | Layer::Detail { .. }
            | Layer::ConnDetail { .. },
        ) => vec![
            main(Action::Down),
            main(Action::Up),
            main(Action::PageDown),
            main(Action::Bottom),
            main(Action::Close),
        ],
        // Only the keys that answer: Enter does not confirm a removal.
        Some(Layer::Confirm { .. }) => vec![
            Some(("y".into(), "yes")),
            Some(("n/esc".into(), "no")),
            main(Action::Down).map(|(k, _)| (k, "scroll")),
        ],
        Some(Layer::Token(_)) => vec![main(Action::Copy), main(Action::Down), main(Action::Close)],
        Some(Layer::Doctor(_)) => vec![
            main(Action::Up),
            main(Action::Down),
            main(Action::Open),
            main(Action::Close),
            main(Action::Whole),
        ],
        Some(Layer::Signing(_)) => vec![
            main(Action::Up),
            main(Action::Down),
            main(Action::Open).map(|(k, _)| (k, "the step's rule")),
            main(Action::Close),
        ],
        Some(Layer::Chooser(ch)) => vec![
            main(Action::Up),
            main(Action::Down),
            main(Action::Open),
            matches!(
                ch.kind,
                ChooserKind::ApiKey { .. } | ChooserKind::AppleId { .. }
            )
            .then(|| main(Action::Assign))
            .flatten(),
            main(Action::Close),
        ],
        None => {
            let mut v = match s.focus {
                // Only the actions that work on the selected row (and none that write in --read-only).
                Pane::Connections => {
                    let writes = !s.read_only;
                    match s.selected_conn() {
                        Some(ConnRow::ApiKey(_)) => vec![
                            main(Action::Add).filter(|_| writes),
                            main(Action::Edit).filter(|_| writes),
                            main(Action::Delete).filter(|_| writes),
                            main(Action::Token),
                            main(Action::Test),
                        ],
                        // One Apple ID per member: no `a` on the Apple IDs once you have yours.
                        Some(ConnRow::AppleId(_)) => vec![
                            main(Action::Add).filter(|_| writes && s.your_apple_id().is_none()),
                            main(Action::Edit).filter(|_| writes),
                            main(Action::Delete).filter(|_| writes),
                            main(Action::Reauth).filter(|_| writes),
                            main(Action::Test),
                        ],
                        None => vec![main(Action::Add).filter(|_| writes)],
                    }
                }
                Pane::Apps => vec![
                    main(Action::Add).filter(|_| !s.read_only),
                    main(Action::Delete).filter(|_| !s.read_only && s.selected_app().is_some()),
                    main(Action::Assign).filter(|_| !s.read_only),
                    main(Action::Open),
                ],
                Pane::Matrix => vec![
                    main(Action::Left),
                    main(Action::Right),
                    main(Action::EditInputs).filter(|_| !s.read_only),
                ],
                Pane::Preview => vec![main(Action::Open)],
            };
            if matches!(s.focus, Pane::Apps | Pane::Preview) {
                // A bitrise.yml app's inputs live in its file; it switches workflow instead.
                let from_file = s.selected_app().is_some_and(|a| a.bitrise_yml.is_some());
                // --read-only offers no write: the inputs form is not shown.
                v.push(if from_file {
                    main(Action::Workflow)
                } else {
                    main(Action::EditInputs).filter(|_| !s.read_only)
                });
            }
            v.extend([
                main(Action::Whole),
                main(Action::BitrisePull).filter(|_| !s.read_only && !s.demo && s.pull.is_none()),
                main(Action::BitrisePush).filter(|_| !s.read_only && !s.demo && s.pull.is_none()),
                main(Action::CycleEnv),
                main(Action::Filter),
                main(Action::NextPane),
                main(Action::Help),
                main(Action::Quit),
            ]);
            v
        }
    };
    list.into_iter().flatten().collect()
}

/// A message longer than the status line leaves room for `? help  q quit` gets rows of its own, wrapped.
fn message_rows(s: &AppState, width: u16) -> u16 {
    let Some(status) = shown_status(s) else {
        return 0;
    };
    let len = status.text.chars().count() + 3;
    let width = usize::from(width.max(1));
    if len + 20 <= width {
        0
    } else {
        len.div_ceil(width).clamp(1, 4) as u16
    }
}

/// The status message, unless the open form already shows it whole (its error).
fn shown_status(s: &AppState) -> Option<&super::state::Status> {
    let status = s.status.as_ref()?;
    match s.layers.last() {
        Some(Layer::Form(f)) if f.error.as_deref() == Some(status.text.as_str()) => None,
        _ => Some(status),
    }
}

fn status_style(kind: StatusKind, theme: &Theme) -> Style {
    match kind {
        StatusKind::Info => theme.text,
        StatusKind::Ok => theme.ok,
        StatusKind::Error => theme.error,
    }
}

fn render_message(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(status) = &s.status {
        let style = status_style(status.kind, theme);
        let width = usize::from(area.width);
        let lines = |t: &str| -> Vec<Line<'static>> {
            format!(" {t}")
                .split('\n')
                .map(|l| Line::from(Span::styled(l.to_string(), style)))
                .collect()
        };
        let fits = |t: &str| scrolled::rows_needed(&lines(t), width) <= usize::from(area.height);
        let text = if fits(&status.text) {
            status.text.clone()
        } else {
            // Cut: the end says where the whole message is (the log, from the keymap's key).
            let key = s
                .keymap
                .key_for(Context::Main, Action::Messages)
                .unwrap_or_default();
            let tail = format!("… ({key}: the whole message)");
            let chars: Vec<char> = status.text.chars().collect();
            let (mut lo, mut hi) = (0, chars.len());
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                let head: String = chars[..mid].iter().collect();
                if fits(&format!("{head}{tail}")) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            let head: String = chars[..lo].iter().collect();
            format!("{head}{tail}")
        };
        let shown = scrolled::wrap(lines(&text), width);
        frame.render_widget(Paragraph::new(shown), area);
    }
}

fn render_status(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, with_message: bool) {
    let mut spans: Vec<Span> = Vec::new();
    if let Some(status) = shown_status(s).filter(|_| with_message) {
        let style = status_style(status.kind, theme);
        spans.push(Span::styled(format!(" {} ", status.text), style));
        spans.push(Span::raw(" "));
    } else if let Some(pane) = s.filtering {
        spans.push(Span::styled(
            format!(" filter {}: {}_ ", pane.title(), s.filter(pane)),
            theme.key_hint,
        ));
    }
    // `? help` and `q quit` always fit: the other hints give way from the right.
    let all = hints(s);
    let keep = |label: &str| label == Action::Help.label() || label == Action::Quit.label();
    let width = |(k, l): &(String, &str)| k.chars().count() + l.chars().count() + 3;
    let used: usize = spans.iter().map(|sp| sp.content.chars().count()).sum();
    let reserved: usize = all.iter().filter(|h| keep(h.1)).map(width).sum();
    let mut room = usize::from(area.width).saturating_sub(used + reserved);
    for h in &all {
        if !keep(h.1) {
            if width(h) > room {
                continue;
            }
            room -= width(h);
        }
        spans.push(Span::styled(format!(" {}", h.0), theme.key_hint));
        spans.push(Span::styled(format!(" {} ", h.1), theme.muted));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default()),
        area,
    );
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The first row to show so that `selected` is visible in `height` rows.
pub fn scroll_offset(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected.saturating_sub(height - 1)
    }
}

/// A step id shortened in the middle so ids sharing a long prefix stay distinct:
/// `deploy-to-itunesconnect-deliver@2` → `deploy-to-itu…-deliver@2`.
pub fn abbreviate(id: &str, width: usize) -> String {
    let len = id.chars().count();
    if len <= width {
        return id.to_string();
    }
    let tail_start = id.rfind('-').map_or(len, |i| id[..i].chars().count());
    let tail_len = (len - tail_start).min(width / 2);
    if tail_len == 0 || width < 8 {
        return truncate(id, width);
    }
    let head: String = id.chars().take(width - tail_len - 1).collect();
    let tail: String = id.chars().skip(len - tail_len).collect();
    format!("{head}…{tail}")
}

pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut t: String = text.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::abbreviate;

    #[test]
    fn abbreviated_step_ids_stay_distinct() {
        let a = abbreviate("deploy-to-itunesconnect-deliver@2", 22);
        let b = abbreviate("deploy-to-itunesconnect-application-loader@1", 22);
        assert_eq!(a.chars().count(), 22);
        assert_eq!(b.chars().count(), 22);
        assert_ne!(a, b);
        assert!(a.ends_with("-deliver@2"), "{a}");
        assert_eq!(abbreviate("fastlane", 22), "fastlane");
    }
}
