//! The four panes: Connections, Apps, Step matrix, Preview.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{abbreviate, block, scroll_offset, truncate};
use crate::bitrise::run::describe;
use crate::domain::catalog::{InputRole, SourceKind};
use crate::domain::resolution::{Environment, Outcome};
use crate::domain::workspace::{MAX_API_KEYS, SessionState};
use crate::theme::Theme;
use crate::tui::state::{AppState, ConnRow, Pane};

pub fn render(s: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, pane: Pane) {
    let focused = s.focus == pane && s.layers.is_empty();
    let filter = s.filter(pane);
    let title = match (pane, filter.is_empty()) {
        (_, true) => format!("{} {}", pane.index() + 1, pane.title()),
        (_, false) => format!("{} {} · /{filter}", pane.index() + 1, pane.title()),
    };
    let title = match pane {
        Pane::Preview => match s.selected_app() {
            Some(app) => format!("{title} · {} · {}", app.slug, s.env.as_str()),
            None => title,
        },
        _ => title,
    };
    let mut b = block(&title, focused, theme);
    if pane == Pane::Apps
        && let Some(app) = s.selected_app()
    {
        // Where the selected app's steps come from, on the pane's bottom border.
        let source = match &app.bitrise_yml {
            Some(yml) => format!(" {} › {} ", yml.path, describe(&s.targets(app))),
            None => format!(
                " {}: {} step(s) in the workspace ",
                app.slug,
                app.steps.len()
            ),
        };
        // Pulled from Bitrise: when, first, so a narrow pane still shows it.
        let source = match app.bitrise.as_ref() {
            Some(b) if b.public => {
                format!(" public: PR builds of forks get no connection ·{source}")
            }
            _ => source,
        };
        // Pushed: what apple-conn told Bitrise, first (Bitrise never confirms it); else pulled.
        let bitrise = app.bitrise.as_ref();
        let source = match (
            bitrise.and_then(|b| b.pushed_at),
            bitrise.and_then(|b| b.pulled_at),
        ) {
            (Some(at), _) => format!(
                " ⇡ as pushed by apple-conn at {}; {} · {} ·{source}",
                at.format("%Y-%m-%d %H:%M"),
                crate::ops::bitrise::NOT_REPORTED,
                app.slug
            ),
            (None, Some(at)) => format!(
                " ⇣ Bitrise {} · {} ·{source}",
                at.format("%Y-%m-%d %H:%M"),
                app.slug
            ),
            (None, None) => source,
        };
        let room = (area.width as usize).saturating_sub(4);
        b = b.title_bottom(Line::from(Span::styled(
            truncate(&source, room),
            theme.muted,
        )));
    }
    let mut inner = b.inner(area);
    if inner.height == 0 || inner.width == 0 {
        frame.render_widget(b, area);
        return;
    }
    if pane == Pane::Matrix && inner.height >= 6 {
        // The legend keeps its rows at the bottom; the steps scroll above it.
        let legend = super::scrolled::wrap(
            matrix_legend()
                .into_iter()
                .map(|t| Line::from(Span::styled(t, theme.muted)))
                .collect(),
            inner.width as usize,
        );
        let h = (legend.len() as u16).min(inner.height - 3);
        let at = Rect::new(inner.x, inner.y + inner.height - h, inner.width, h);
        frame.render_widget(Paragraph::new(legend), at);
        inner.height -= h;
    }
    let (lines, selected_line) = match pane {
        Pane::Connections => connections(s, theme, inner.width as usize, focused),
        Pane::Apps => {
            // Only the visible window is formatted: a workspace may hold thousands of apps.
            let (lines, _) = apps(
                s,
                theme,
                inner.width as usize,
                focused,
                inner.height as usize,
            );
            let rows = (inner.height as usize).saturating_sub(1);
            // A collapsed pane shows its selected row only: no header, no mark.
            if let Some(m) =
                super::scrolled::mark(scroll_offset(s.app_sel, rows), rows, s.app_rows().len())
                    .filter(|_| inner.height >= 3)
            {
                b = b.title_bottom(Line::from(Span::styled(m, theme.key_hint)).right_aligned());
            }
            frame.render_widget(b, area);
            frame.render_widget(Paragraph::new(lines), inner);
            return;
        }
        Pane::Matrix => matrix(s, theme, inner.width as usize, focused),
        Pane::Preview => preview(s, theme, inner.width as usize, focused),
    };
    let height = inner.height as usize;
    let offset = scroll_offset(selected_line.unwrap_or(0), height);
    if let Some(m) = super::scrolled::mark(offset, height, lines.len()).filter(|_| height >= 3) {
        b = b.title_bottom(Line::from(Span::styled(m, theme.key_hint)).right_aligned());
    }
    frame.render_widget(b, area);
    let visible: Vec<Line> = lines.into_iter().skip(offset).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
}

/// The matrix's columns and marks in two short lines (the help has them in full).
fn matrix_legend() -> Vec<String> {
    vec![
        "C- connection · I- step input · API key · AID Apple ID · +S live session".into(),
        "1,2… order tried · · never · * the selected app can use it · ←/→ the value".into(),
    ]
}

fn sel_style(theme: &Theme, selected: bool, focused: bool) -> Style {
    match (selected, focused) {
        (true, true) => theme.selection,
        (true, false) => theme
            .text
            .add_modifier(ratatui::style::Modifier::UNDERLINED),
        _ => theme.text,
    }
}

fn pad(text: &str, width: usize) -> String {
    let t = truncate(text, width);
    let n = t.chars().count();
    format!("{t}{}", " ".repeat(width.saturating_sub(n)))
}

fn connections(
    s: &AppState,
    theme: &Theme,
    width: usize,
    focused: bool,
) -> (Vec<Line<'static>>, Option<usize>) {
    let ws = &s.loaded.workspace;
    let rows = s.conn_rows();
    let mut lines = Vec::new();
    let mut selected_line = None;
    // The name and Apple ID columns as wide as their longest entry where the row has room
    // (the other columns are fixed).
    let (name_need, aid_need, describe_need) = conn_columns(s);
    let name_w = name_need.max(8).min(width.saturating_sub(44)).max(8);
    let aid_w = aid_need
        .max(12)
        .min(width.saturating_sub(12 + describe_need))
        .max(12);
    // The section's title is its header row: each column named above it.
    lines.push(Line::from(Span::styled(
        truncate(
            &format!(
                "{} {} {} {} SHA-256 fp",
                pad(
                    &format!("API keys {}/{MAX_API_KEYS}", ws.api_keys.len()),
                    name_w
                ),
                pad("key ID", 10),
                pad("kind", 10),
                pad("owner", 10),
            ),
            width,
        ),
        theme.title,
    )));
    let aid_header = truncate(
        &format!(
            "{} {} 2FA session",
            pad(&format!("Apple IDs {}", ws.apple_ids.len()), aid_w),
            pad("owner", 10)
        ),
        width,
    );
    let mut header_aid_done = false;
    for (i, row) in rows.iter().enumerate() {
        let selected = i == s.conn_sel;
        match row {
            ConnRow::ApiKey(k) => {
                let key = &ws.api_keys[*k];
                let fp = key
                    .fingerprint
                    .as_deref()
                    .map(|f| &f[..f.len().min(8)])
                    .unwrap_or("—");
                let owner = key.owner(ws);
                let owner = owner.split('@').next().unwrap_or(owner);
                let mut text = format!(
                    "{} {} {} {} {}",
                    pad(&key.name, name_w),
                    pad(&key.key_id, 10),
                    pad(key.kind.as_str(), 10),
                    pad(owner, 10),
                    fp
                );
                if let Some(mark) = bitrise_key_mark(s, &key.key_id) {
                    text.push_str("  ");
                    text.push_str(mark);
                }
                if selected {
                    selected_line = Some(lines.len());
                }
                lines.push(Line::from(Span::styled(
                    pad(&text, width),
                    sel_style(theme, selected, focused),
                )));
            }
            ConnRow::AppleId(a) => {
                if !header_aid_done {
                    header_aid_done = true;
                    lines.push(Line::from(Span::styled(aid_header.clone(), theme.title)));
                }
                let aid = &ws.apple_ids[*a];
                let state = aid.session_state(s.now);
                let owner = aid.owner(ws);
                let owner = owner.split('@').next().unwrap_or(owner);
                let state_style = match state {
                    SessionState::Valid { .. } => theme.ok,
                    SessionState::ExpiringSoon { .. } => theme.warning,
                    SessionState::Expired { .. } | SessionState::NeverAuthenticated => theme.error,
                };
                let left = format!("{} {} ", pad(&aid.apple_id, aid_w), pad(owner, 10));
                if selected {
                    selected_line = Some(lines.len());
                    lines.push(Line::from(Span::styled(
                        pad(&format!("{left}{}", state.describe(s.now)), width),
                        sel_style(theme, true, focused),
                    )));
                } else {
                    lines.push(Line::from(vec![
                        Span::styled(left, theme.text),
                        Span::styled(state.describe(s.now), state_style),
                    ]));
                }
            }
        }
    }
    if !header_aid_done {
        lines.push(Line::from(Span::styled(aid_header, theme.title)));
    }
    if rows.is_empty() {
        // A filter that hides every row is not an empty workspace.
        let text = if ws.api_keys.is_empty() && ws.apple_ids.is_empty() {
            "no connections yet: press a to add an API key or an Apple ID".to_string()
        } else {
            format!(
                "no connection matches the filter `{}` (esc on / clears it)",
                s.filter(Pane::Connections)
            )
        };
        lines.push(Line::from(Span::styled(text, theme.muted)));
    }
    (lines, selected_line)
}

/// `on Bitrise` / `not uploaded` once Bitrise was asked (`B`); nothing before.
fn bitrise_key_mark(s: &AppState, key_id: &str) -> Option<&'static str> {
    use crate::domain::bitrise_keys::KeyStatus;
    match s.on_bitrise.as_ref()?.get(key_id)? {
        KeyStatus::Both => Some("on Bitrise"),
        KeyStatus::Differs => Some("on Bitrise (differs)"),
        KeyStatus::LocalOnly => Some("not uploaded"),
        KeyStatus::BitriseOnly => None,
    }
}

pub fn outcome_mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "✓ ok  ",
        Outcome::Warning => "! warn",
        Outcome::Fail => "✗ FAIL",
        Outcome::Skipped => "- none",
    }
}

pub fn outcome_style(theme: &Theme, o: Outcome) -> Style {
    match o {
        Outcome::Ok => theme.ok,
        Outcome::Warning => theme.warning,
        Outcome::Fail => theme.error,
        Outcome::Skipped => theme.muted,
    }
}

fn apps(
    s: &AppState,
    theme: &Theme,
    width: usize,
    focused: bool,
    height: usize,
) -> (Vec<Line<'static>>, Option<usize>) {
    let ws = &s.loaded.workspace;
    let rows = s.app_rows();
    let mut lines = Vec::with_capacity(height);
    let mut selected_line = None;
    if rows.is_empty() {
        let text = if ws.apps.is_empty() {
            "no apps: press a to add one".to_string()
        } else {
            format!(
                "no app matches the filter `{}` (esc on / clears it)",
                s.filter(Pane::Apps)
            )
        };
        lines.push(Line::from(Span::styled(text, theme.muted)));
    }
    // The columns share the row by what they hold (the longest title, key name, Apple ID).
    let [app_need, key_need, aid_need] = app_columns(s);
    let cols = super::share::share(
        u16::try_from(width.saturating_sub(9)).unwrap_or(u16::MAX),
        &[app_need, key_need, aid_need].map(|w| u16::try_from(w).unwrap_or(u16::MAX)),
        6,
        100,
    );
    let col_of = |i: usize| cols.get(i).copied().map_or(6, usize::from);
    let (app_c, key_c, aid_c) = (col_of(0).max(8), col_of(1).max(6), col_of(2).max(6));
    if !rows.is_empty() && height >= 3 {
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "{} {} {} Apple ID",
                    pad("health", 6),
                    pad("app", app_c),
                    pad("API key", key_c)
                ),
                width,
            ),
            theme.title,
        )));
    }
    let height = height - lines.len().min(height);
    let offset = scroll_offset(s.app_sel, height);
    for (i, &a) in rows.iter().enumerate().skip(offset).take(height) {
        let app = &ws.apps[a];
        let selected = i == s.app_sel;
        let Some(health) = s.health.get(a).copied() else {
            lines.push(Line::from(Span::styled(
                format!("…      {}", app.slug),
                theme.muted,
            )));
            continue;
        };
        let pulled = app.bitrise.as_ref().and_then(|b| b.pulled_at);
        // The Bitrise mark (⇣ pulled, ⇡ as pushed, ≠ differs, ! key not uploaded), then the
        // title with the slug beside it when the column has room; the time when the row has.
        let mark = crate::domain::bitrise_push::mark(ws, app, |id| {
            s.on_bitrise.as_ref().is_some_and(|m| {
                matches!(
                    m.get(id),
                    Some(
                        crate::domain::bitrise_keys::KeyStatus::Both
                            | crate::domain::bitrise_keys::KeyStatus::Differs
                    )
                )
            })
        });
        let named = match app
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) if t.chars().count() + app.slug.chars().count() + 4 <= app_c => {
                format!("{t} ({})", app.slug)
            }
            Some(t) => t.to_string(),
            None => app.slug.clone(),
        };
        let slug = match mark {
            crate::domain::bitrise_push::PushMark::NotOnBitrise => named,
            m => format!("{}{named}", m.symbol()),
        };
        let mut text = format!(
            " {} {} {}",
            pad(&slug, app_c),
            pad(app.api_key.as_deref().unwrap_or("-"), key_c),
            pad(app.apple_id.as_deref().unwrap_or("-"), aid_c)
        );
        if let Some(at) = pulled {
            let when = format!(" Bitrise {}", at.format("%m-%d %H:%M"));
            if text.chars().count() + when.chars().count() + 6 <= width {
                text.push_str(&when);
            }
        }
        let text = text.trim_end().to_string();
        if selected {
            selected_line = Some(lines.len());
            lines.push(Line::from(Span::styled(
                pad(&format!("{}{text}", outcome_mark(health)), width),
                sel_style(theme, true, focused),
            )));
        } else {
            lines.push(Line::from(vec![
                Span::styled(outcome_mark(health), outcome_style(theme, health)),
                Span::styled(text, theme.text),
            ]));
        }
    }
    (lines, selected_line)
}

/// What the Connections columns hold: the longest key name (or its header), Apple ID (or
/// header), session state.
fn conn_columns(s: &AppState) -> (usize, usize, usize) {
    let ws = &s.loaded.workspace;
    let len = |t: &str| t.chars().count();
    let name = ws.api_keys.iter().map(|k| len(&k.name)).max().unwrap_or(0);
    let name = name.max(len(&format!(
        "API keys {}/{MAX_API_KEYS}",
        ws.api_keys.len()
    )));
    let aid = ws
        .apple_ids
        .iter()
        .map(|a| len(&a.apple_id))
        .max()
        .unwrap_or(0);
    let aid = aid.max(len(&format!("Apple IDs {}", ws.apple_ids.len())));
    let describe = ws
        .apple_ids
        .iter()
        .map(|a| len(&a.session_state(s.now).describe(s.now)))
        .max()
        .unwrap_or(0)
        .max(len("2FA session"));
    (name, aid, describe)
}

/// What the Apps columns hold: the longest `title (slug)` with its Bitrise mark, API key
/// name, Apple ID (each at least its header).
fn app_columns(s: &AppState) -> [usize; 3] {
    let len = |t: &str| t.chars().count();
    let apps = &s.loaded.workspace.apps;
    let app = apps
        .iter()
        .map(
            |a| match a.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => len(t) + len(&a.slug) + 3,
                None => len(&a.slug),
            },
        )
        .max()
        .unwrap_or(0);
    let key = apps
        .iter()
        .filter_map(|a| a.api_key.as_deref())
        .map(len)
        .max()
        .unwrap_or(0);
    let aid = apps
        .iter()
        .filter_map(|a| a.apple_id.as_deref())
        .map(len)
        .max()
        .unwrap_or(0);
    // The mark (⇣, ⇡, ≠, !) takes one column and the title a space after it.
    [
        (app + 2).max(3),
        key.max(len("API key")),
        aid.max(len("Apple ID")),
    ]
}

/// The columns a pane's longest row needs, borders included: what it asks of the layout.
pub fn wanted_width(s: &AppState, pane: Pane) -> u16 {
    let w = match pane {
        Pane::Connections => {
            let (name, aid, describe) = conn_columns(s);
            // name, key ID, kind, owner, fingerprint (its header is the longest), the Bitrise mark.
            let marks = s
                .loaded
                .workspace
                .api_keys
                .iter()
                .filter_map(|k| bitrise_key_mark(s, &k.key_id))
                .map(|m| m.chars().count() + 2)
                .max()
                .unwrap_or(0);
            (name.max(8) + 44 + marks).max(aid.max(12) + 12 + describe)
        }
        Pane::Apps => {
            let [app, key, aid] = app_columns(s);
            7 + app + 1 + key + 1 + aid
        }
        // The matrix and the preview take the full width.
        Pane::Matrix | Pane::Preview => usize::from(u16::MAX),
    };
    u16::try_from(w + 2).unwrap_or(u16::MAX)
}

/// Whether the selected app can satisfy a source of a step (the matrix marks these).
fn satisfiable(s: &AppState, step_id: &str, source: SourceKind) -> bool {
    let Some(app) = s.selected_app() else {
        return false;
    };
    let ws = &s.loaded.workspace;
    let conn = s.env == Environment::Bitrise;
    let aid = app.apple_id.as_deref().and_then(|a| ws.apple_id(a));
    let step = s.loaded.catalog.step(step_id);
    let input_set = |role: InputRole| {
        step.and_then(|st| st.input_with_role(role))
            .is_some_and(|(name, _)| {
                s.preview.iter().any(|u| {
                    u.step_id == step_id && u.inputs.get(name).is_some_and(|v| !v.trim().is_empty())
                })
            })
    };
    match source {
        SourceKind::ConnectionApiKey => {
            conn && app.api_key.as_deref().and_then(|k| ws.api_key(k)).is_some()
        }
        SourceKind::ConnectionAppleId => conn && aid.is_some(),
        SourceKind::ConnectionAppleIdSession => {
            conn && aid.is_some_and(|a| !a.session_state(s.now).is_expired())
        }
        SourceKind::InputApiKey => input_set(InputRole::ApiKeyPath),
        SourceKind::InputAppleId => input_set(InputRole::Username),
    }
}

fn matrix(
    s: &AppState,
    theme: &Theme,
    width: usize,
    focused: bool,
) -> (Vec<Line<'static>>, Option<usize>) {
    let catalog = &s.loaded.catalog;
    let rows = s.matrix_rows();
    let step_w = width.saturating_sub(16 + 5 * 8).clamp(10, 44);
    let mut header = format!("{} {}", pad("step", step_w), pad("value", 14));
    for src in SourceKind::ALL {
        header.push_str(&pad(src.short(), 8));
    }
    let mut lines = vec![Line::from(Span::styled(
        truncate(&header, width),
        theme.title,
    ))];
    let mut selected_line = None;
    for (i, &si) in rows.iter().enumerate() {
        let step = &catalog.steps[si];
        let values = step.connection_values();
        let vi = s
            .matrix_value
            .get(si)
            .copied()
            .unwrap_or(0)
            .min(values.len().saturating_sub(1));
        let value = values.get(vi).cloned().unwrap_or_else(|| "always".into());
        let order = step.sources_for(&value).unwrap_or(&[]);
        let selected = i == s.matrix_sel;
        let value_cell = if selected && focused {
            format!("◀{}▶", truncate(&value, 12))
        } else {
            value.clone()
        };
        let mut spans = vec![Span::styled(
            format!(
                "{} {}",
                pad(&abbreviate(&step.id, step_w), step_w),
                pad(&value_cell, 14)
            ),
            sel_style(theme, selected, focused),
        )];
        for src in SourceKind::ALL {
            let cell = match order.iter().position(|x| *x == src) {
                Some(n) => {
                    let mark = if satisfiable(s, &step.id, src) {
                        "*"
                    } else {
                        ""
                    };
                    format!("{}{mark}", n + 1)
                }
                None => "·".into(),
            };
            let style = if cell.ends_with('*') {
                theme.ok
            } else if cell == "·" {
                theme.muted
            } else {
                theme.text
            };
            spans.push(Span::styled(pad(&cell, 8), style));
        }
        if selected {
            selected_line = Some(lines.len());
        }
        lines.push(Line::from(spans));
    }
    (lines, selected_line)
}

/// Whether the live comparison after a pull found the app's API key on Bitrise (None: not known).
fn key_seen_on_bitrise(s: &AppState, app: &crate::domain::workspace::App) -> Option<bool> {
    use crate::domain::bitrise_keys::KeyStatus;
    let key = s.loaded.workspace.api_key(app.api_key.as_deref()?)?;
    let status = s.on_bitrise.as_ref()?.get(&key.key_id)?;
    Some(matches!(status, KeyStatus::Both | KeyStatus::Differs))
}

fn preview(
    s: &AppState,
    theme: &Theme,
    width: usize,
    focused: bool,
) -> (Vec<Line<'static>>, Option<usize>) {
    let Some(app) = s.selected_app() else {
        return (
            vec![Line::from(Span::styled(
                "select an app in the Apps pane (2)",
                theme.muted,
            ))],
            None,
        );
    };
    let rows = s.preview_rows();
    let mut lines = Vec::new();
    if let Some(b) = &app.bitrise_yml {
        lines.push(Line::from(Span::styled(
            truncate(&file_summary(s, app, b), width),
            theme.key_hint,
        )));
    }
    // What the build on Bitrise will lack though the steps look fine: said whole, wrapped.
    if let Some(w) = crate::domain::bitrise_keys::unuploaded_key_warning(
        &s.loaded.workspace,
        app,
        s.env,
        key_seen_on_bitrise(s, app),
    ) {
        let line = Line::from(Span::styled(format!("! {w}"), theme.warning));
        lines.extend(super::scrolled::wrap(vec![line], width));
    }
    let step_w = (width / 3).clamp(10, 44);
    let id_w = (width / 4).max(8);
    lines.push(Line::from(Span::styled(
        truncate(
            &format!(
                "{} {} {} {} {} {} {}",
                pad("#", 2),
                pad("step", step_w),
                pad("outcome", 7),
                pad("auth", 8),
                pad("source", 11),
                pad("identity", id_w),
                "session"
            ),
            width,
        ),
        theme.title,
    )));
    if let Some(e) = &s.preview_error {
        lines.push(Line::from(Span::styled(truncate(e, width), theme.error)));
        lines.push(Line::from(Span::styled(
            truncate(
                "fix the file: apple-conn reads it again when it changes",
                width,
            ),
            theme.muted,
        )));
    } else if rows.is_empty() {
        let empty = if app.bitrise_yml.is_some() {
            "no steps in this run of the bitrise.yml"
        } else {
            "no steps: add [[apps.steps]] to this app"
        };
        lines.push(Line::from(Span::styled(empty, theme.muted)));
    }
    let mut selected_line = None;
    let mut group: Option<&str> = None;
    for (i, &si) in rows.iter().enumerate() {
        let Some(row) = s.preview.get(si) else {
            continue;
        };
        if let Some(o) = &row.origin
            && group != Some(o.workflow.as_str())
        {
            // Steps are grouped by the workflow they come from, in run order.
            group = Some(o.workflow.as_str());
            lines.push(Line::from(Span::styled(
                truncate(&format!("▾ {}", o.workflow), width),
                theme.title,
            )));
        }
        let r = &row.resolution;
        let selected = i == s.preview_sel;
        let expiry = r
            .session_expires_at
            .map(|e| e.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "-".into());
        let rest = format!(
            " {} {} {} {}",
            pad(r.auth.map(|a| a.as_str()).unwrap_or("-"), 8),
            pad(r.origin.map(|o| o.as_str()).unwrap_or("-"), 11),
            pad(r.identity.as_deref().unwrap_or("-"), id_w),
            expiry
        );
        let name = match &row.origin {
            Some(o) => o.reference.as_str(),
            None => row.step_id.as_str(),
        };
        let head = format!(
            "{} {} ",
            pad(&si.to_string(), 2),
            pad(&abbreviate(name, step_w), step_w)
        );
        if selected {
            selected_line = Some(lines.len());
            lines.push(Line::from(Span::styled(
                pad(&format!("{head}{}{rest}", outcome_mark(r.outcome)), width),
                sel_style(theme, true, focused),
            )));
        } else {
            lines.push(Line::from(vec![
                Span::styled(head, theme.text),
                Span::styled(outcome_mark(r.outcome), outcome_style(theme, r.outcome)),
                Span::styled(rest, theme.text),
            ]));
        }
    }
    if let Some(r) = rows
        .get(s.preview_sel)
        .and_then(|&i| s.preview.get(i))
        .map(|p| &p.resolution)
    {
        let reason = r.reason();
        if !reason.is_empty() {
            lines.push(Line::from(Span::styled(
                truncate(&format!("› {reason}"), width),
                outcome_style(theme, r.outcome),
            )));
        }
    }
    (lines, selected_line)
}

/// "bitrise.yml › workflow deploy · w switch": the file and the runs shown.
fn file_summary(
    s: &AppState,
    app: &crate::domain::workspace::App,
    b: &crate::domain::workspace::BitriseYmlRef,
) -> String {
    let mut text = format!("{} › {}", b.path, describe(&s.targets(app)));
    if s.workflow_view.contains_key(&app.slug) {
        let configured = describe(&crate::bitrise::run::configured(b));
        text.push_str(&format!(" (viewing; the workspace runs {configured})"));
    }
    if let Some(k) = s.keymap.key_for(
        crate::tui::keymap::Context::Main,
        crate::tui::action::Action::Workflow,
    ) {
        text.push_str(&format!(" · {k} switch"));
    }
    text
}
