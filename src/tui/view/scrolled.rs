//! Long text in a box: wrapped at word boundaries (styles kept), scrolled, with a position mark
//! (`12–24/40`) on the bottom border whenever anything is out of view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::theme::Theme;
use crate::tui::scroll::Scroll;

/// Draws `lines` inside `block` at `rect`, wrapped to its width and scrolled by `scroll`.
pub fn render(
    frame: &mut Frame,
    rect: Rect,
    block: Block<'_>,
    lines: Vec<Line<'static>>,
    scroll: &Scroll,
    theme: &Theme,
) {
    frame.render_widget(Clear, rect);
    let inner = block.inner(rect);
    let rows = wrap(lines, usize::from(inner.width));
    let height = usize::from(inner.height);
    let first = scroll.place(rows.len(), height);
    let block = match mark(first, height, rows.len()) {
        Some(m) => block.title_bottom(Line::from(Span::styled(m, theme.key_hint)).right_aligned()),
        None => block,
    };
    let visible: Vec<Line> = rows.into_iter().skip(first).take(height).collect();
    frame.render_widget(Paragraph::new(visible).block(block), rect);
}

/// The rows a box of `width` inner columns needs for `lines` (to size it before drawing).
pub fn rows_needed(lines: &[Line<'static>], width: usize) -> usize {
    wrap(lines.to_vec(), width).len()
}

/// ` 12–24/40 ` (rows shown / total, 1-based), or None when everything is in view.
pub fn mark(first: usize, height: usize, total: usize) -> Option<String> {
    if total <= height {
        return None;
    }
    let last = (first + height).min(total);
    Some(format!(" {}–{last}/{total} ", first + 1))
}

/// Every line wrapped to `width` at spaces (a word longer than the width is cut across rows).
pub fn wrap(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in lines {
        let chars: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|sp| {
                let style = line.style.patch(sp.style);
                sp.content.chars().map(move |c| (c, style))
            })
            .collect();
        let mut start = 0;
        while chars.len() - start > width {
            let end = start + width;
            match (start + 1..=end).rev().find(|&i| chars[i].0 == ' ') {
                Some(b) => {
                    out.push(spans_of(&chars[start..b]));
                    start = b + 1;
                }
                None => {
                    out.push(spans_of(&chars[start..end]));
                    start = end;
                }
            }
        }
        out.push(spans_of(&chars[start..]));
    }
    out
}

fn spans_of(chars: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, st) in chars {
        if style.is_some_and(|s| s != st) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        text.push(c);
    }
    if let Some(st) = style {
        spans.push(Span::styled(text, st));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        let rows = wrap(vec![Line::from("run apple-conn reauth now please")], 12);
        assert_eq!(texts(&rows), ["run", "apple-conn", "reauth now", "please"]);
        let rows = wrap(vec![Line::from("eyJhbGciOiJFUzI1NiJ9.abc")], 10);
        assert_eq!(texts(&rows), ["eyJhbGciOi", "JFUzI1NiJ9", ".abc"]);
        assert_eq!(texts(&wrap(vec![Line::from("")], 10)), [""]);
    }

    #[test]
    fn styles_follow_the_words_across_rows() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let line = Line::from(vec![Span::styled("ab ", bold), Span::raw("cd ef")]);
        let rows = wrap(vec![line], 5);
        assert_eq!(texts(&rows), ["ab cd", "ef"]);
        assert_eq!(rows[0].spans[0].style, bold);
        assert_eq!(rows[0].spans[1].content, "cd");
    }

    #[test]
    fn the_mark_counts_rows_from_one() {
        assert_eq!(mark(0, 10, 10), None);
        assert_eq!(mark(11, 12, 40).as_deref(), Some(" 12–23/40 "));
    }
}
