//! First run: no workspace file yet. Asks for `you` and creates it with the same operation as
//! `apple-conn init --you EMAIL`, then the TUI opens on it; Esc leaves without writing anything.

use std::io::Stdout;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self as ct, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::{Input, InputRequest};

use super::event::{Input as Watch, InputWatch};
use super::view::{block, centered};
use crate::ops::init::create_workspace;
use crate::store::{self, Loaded};
use crate::theme::Theme;

/// The new workspace, loaded; None when the user left (Esc, ctrl-c, a signal).
pub fn ask(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    path: &Path,
    theme: &Theme,
    term: &AtomicBool,
) -> std::io::Result<Option<Loaded>> {
    let watch = InputWatch::new()?;
    let mut you = Input::default();
    let mut error: Option<String> = None;
    loop {
        terminal.draw(|f| {
            let area = f.area();
            let text = vec![
                Line::from(Span::styled(
                    format!("No workspace file at {}.", path.display()),
                    theme.text,
                )),
                Line::from(Span::styled(
                    "Create it now (the same as `apple-conn init --you EMAIL`): the workspace records who you are, the member whose Apple ID and keys are yours.",
                    theme.text,
                )),
                Line::from(""),
                Line::from(vec![
                    Span::styled("you (your Apple ID email)  ", theme.selection),
                    Span::styled(you.value().to_string(), theme.text),
                ]),
                Line::from(""),
                Line::from(Span::styled(
                    error.clone().unwrap_or_default(),
                    theme.error,
                )),
                Line::from(Span::styled(
                    "enter: create it and open it · esc: leave without writing anything",
                    theme.key_hint,
                )),
            ];
            let rect = centered(area, 78, 11);
            f.render_widget(Clear, rect);
            let b = block("apple-conn · first run", true, theme);
            let inner = b.inner(rect);
            f.render_widget(
                Paragraph::new(text).block(b).wrap(Wrap { trim: false }),
                rect,
            );
            // The field's row: the wrapped intro takes the rows above it.
            let intro = 2 + usize::from(inner.width < 120) + usize::from(inner.width < 70);
            let x = inner.x + 27 + you.visual_cursor() as u16;
            f.set_cursor_position(Position {
                x: x.min(inner.x + inner.width.saturating_sub(1)),
                y: inner.y + intro as u16 + 1,
            });
        })?;
        if term.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if watch.wait(Duration::from_millis(200)) == Watch::Lost {
            return Err(std::io::Error::other(
                "the terminal went away (closed or hung up); nothing was written",
            ));
        }
        while ct::poll(Duration::ZERO)? {
            let ev = ct::read()?;
            let Event::Key(k) = &ev else {
                if let Event::Paste(p) = &ev {
                    for c in p.trim().chars() {
                        you.handle(InputRequest::InsertChar(c));
                    }
                }
                continue;
            };
            if k.kind == KeyEventKind::Release {
                continue;
            }
            match k.code {
                KeyCode::Esc => return Ok(None),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    return Ok(None);
                }
                KeyCode::Enter => match create_workspace(path, you.value().trim()) {
                    Ok(()) => {
                        return store::load(path)
                            .map(Some)
                            .map_err(|e| std::io::Error::other(e.to_string()));
                    }
                    Err(e) => error = Some(e.to_string()),
                },
                code => {
                    let request = match code {
                        KeyCode::Char(c) => Some(InputRequest::InsertChar(c)),
                        KeyCode::Backspace => Some(InputRequest::DeletePrevChar),
                        KeyCode::Delete => Some(InputRequest::DeleteNextChar),
                        KeyCode::Left => Some(InputRequest::GoToPrevChar),
                        KeyCode::Right => Some(InputRequest::GoToNextChar),
                        KeyCode::Home => Some(InputRequest::GoToStart),
                        KeyCode::End => Some(InputRequest::GoToEnd),
                        _ => None,
                    };
                    if let Some(r) = request {
                        you.handle(r);
                        error = None;
                    }
                }
            }
        }
    }
}
