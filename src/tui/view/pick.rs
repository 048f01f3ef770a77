//! The add-app form's Workflows list: its rows under the field, the cursor's row marked, the
//! chosen ones ticked; the field's own row shows the filter (or, unfocused, what is chosen).

use ratatui::text::{Line, Span};

use super::truncate;
use crate::theme::Theme;
use crate::tui::form::{RunPick, label};

/// Rows of the list shown at once; the rest scroll with the cursor.
pub const WINDOW: usize = 8;

/// The field's value row: the filter while focused, else the chosen runs.
pub fn value(pick: &RunPick, filter: &str, focused: bool) -> String {
    if focused || !filter.is_empty() {
        return filter.to_string();
    }
    let chosen: Vec<String> = pick.chosen_targets().iter().map(label).collect();
    chosen.join(", ")
}

/// How many rows `lines` gives (the form sizes itself before drawing).
pub fn rows(pick: &RunPick, filter: &str, width: usize) -> usize {
    let visible = pick.visible(filter).len();
    let note = pick
        .note
        .as_ref()
        .map_or(0, |n| n.chars().count().div_ceil(width.max(1)));
    visible.clamp(1, WINDOW) + usize::from(visible > WINDOW) + note
}

/// The list's rows, indented under the field's value; the index of the cursor's row.
pub fn lines(
    pick: &RunPick,
    filter: &str,
    indent: usize,
    width: usize,
    theme: &Theme,
) -> (Vec<Line<'static>>, usize) {
    let pad = " ".repeat(indent);
    let room = width.saturating_sub(indent);
    let visible = pick.visible(filter);
    let mut out = Vec::new();
    if pick.read_for.is_some() && !pick.read {
        out.push(Line::from(Span::styled(
            format!("{pad}reading the file…"),
            theme.muted,
        )));
    } else if visible.is_empty() {
        let text = if pick.choices.is_empty() {
            "the file has no workflow or pipeline".to_string()
        } else {
            format!("nothing matches `{filter}`")
        };
        out.push(Line::from(Span::styled(
            format!("{pad}{}", truncate(&text, room)),
            theme.muted,
        )));
    }
    let first = super::scroll_offset(pick.cursor, WINDOW);
    let mut cursor_row = 0;
    for (pos, i) in visible.iter().enumerate().skip(first).take(WINDOW) {
        let Some(c) = pick.choices.get(*i) else {
            continue;
        };
        let at = pos == pick.cursor;
        if at {
            cursor_row = out.len();
        }
        let tick = match (c.choosable, pick.chosen.get(*i).copied().unwrap_or(false)) {
            (false, _) => "[-]",
            (true, true) => "[x]",
            (true, false) => "[ ]",
        };
        let name = label(&c.target);
        let text = format!("{} {tick} {name}", if at { "›" } else { " " });
        let style = if at {
            theme.selection
        } else if c.choosable {
            theme.text
        } else {
            theme.muted
        };
        let mut spans = vec![
            Span::raw(pad.clone()),
            Span::styled(truncate(&text, room), style),
        ];
        let left = room.saturating_sub(text.chars().count() + 2);
        if !c.mark.is_empty() && left > 3 {
            spans.push(Span::styled(
                format!("  {}", truncate(&c.mark, left)),
                theme.muted,
            ));
        }
        out.push(Line::from(spans));
    }
    if visible.len() > WINDOW {
        let below = visible.len().saturating_sub(first + WINDOW);
        out.push(Line::from(Span::styled(
            format!("{pad}  {} of {}, {below} below", WINDOW, visible.len()),
            theme.muted,
        )));
    }
    // The note wraps whole (the form's rows wrap): never cut.
    if let Some(n) = &pick.note {
        out.push(Line::from(Span::styled(n.clone(), theme.warning)));
    }
    (out, cursor_row)
}
