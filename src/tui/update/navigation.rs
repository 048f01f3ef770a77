//! Moving around the panes: focus, selection, the matrix's value, the environment, filters.

use super::super::action::Action;
use super::super::state::*;

pub fn clamp_selections(s: &mut AppState) {
    let c = s.conn_rows().len();
    s.conn_sel = s.conn_sel.min(c.saturating_sub(1));
    let a = s.app_rows().len();
    s.app_sel = s.app_sel.min(a.saturating_sub(1));
}

pub fn reset_selection(s: &mut AppState, pane: Pane) {
    match pane {
        Pane::Connections => s.conn_sel = 0,
        Pane::Apps => {
            s.app_sel = 0;
            s.refresh_preview();
        }
        Pane::Matrix => s.matrix_sel = 0,
        Pane::Preview => s.preview_sel = 0,
    }
}

fn move_sel(sel: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *sel = 0;
        return;
    }
    let next = (*sel as isize + delta).clamp(0, len as isize - 1);
    *sel = next as usize;
}

pub fn focus_pane(s: &mut AppState, action: Action) {
    s.focus = match action {
        Action::NextPane => Pane::ALL[(s.focus.index() + 1) % 4],
        Action::PrevPane => Pane::ALL[(s.focus.index() + 3) % 4],
        Action::Pane1 => Pane::Connections,
        Action::Pane2 => Pane::Apps,
        Action::Pane3 => Pane::Matrix,
        _ => Pane::Preview,
    };
}

/// Up, Down, PageUp, PageDown, Home, End in the focused pane; a new app refreshes the preview.
pub fn move_selection(s: &mut AppState, action: Action) {
    let delta = match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -10,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        _ => 10,
    };
    match s.focus {
        Pane::Connections => {
            let n = s.conn_rows().len();
            move_sel(&mut s.conn_sel, n, delta);
        }
        Pane::Apps => {
            let n = s.app_rows().len();
            let before = s.app_sel;
            move_sel(&mut s.app_sel, n, delta);
            if before != s.app_sel {
                s.preview_sel = 0;
                s.refresh_preview();
            }
        }
        Pane::Matrix => {
            let n = s.matrix_rows().len();
            move_sel(&mut s.matrix_sel, n, delta);
        }
        Pane::Preview => {
            let n = s.preview_rows().len();
            move_sel(&mut s.preview_sel, n, delta);
        }
    }
}

/// Left / Right on the matrix: the connection-input value its row shows.
pub fn matrix_value(s: &mut AppState, action: Action) {
    if s.focus == Pane::Matrix
        && let Some(&step_index) = s.matrix_rows().get(s.matrix_sel)
    {
        let n = s.loaded.catalog.steps[step_index]
            .connection_values()
            .len()
            .max(1);
        let v = &mut s.matrix_value[step_index];
        *v = if action == Action::Right {
            (*v + 1) % n
        } else {
            (*v + n - 1) % n
        };
    }
}

pub fn cycle_env(s: &mut AppState) {
    s.env = s.env.next();
    s.refresh_all();
    s.set_status(StatusKind::Info, format!("environment: {}", s.env.as_str()));
}

/// Enter: the preview's step detail, a connection's details, or from Apps into the preview.
pub fn open(s: &mut AppState) {
    match s.focus {
        Pane::Preview => {
            if let Some(&i) = s.preview_rows().get(s.preview_sel) {
                s.layers.push(Layer::Detail {
                    step: i,
                    scroll: Scroll::default(),
                });
            }
        }
        Pane::Apps => {
            s.focus = Pane::Preview;
        }
        Pane::Connections => {
            if let Some(row) = s.selected_conn() {
                s.layers.push(Layer::ConnDetail {
                    row,
                    scroll: Scroll::default(),
                });
            }
        }
        Pane::Matrix => {}
    }
}

/// A key while a filter is being typed. The selected item stays selected while the filter
/// still shows it (typing, Backspace, Esc clearing it); otherwise the first row is.
pub fn filter_key(s: &mut AppState, pane: Pane, key: super::super::event::Key) {
    use super::super::event::Code;
    let before = selected_item(s, pane);
    let f = &mut s.filters[pane.index()];
    match key.code {
        Code::Esc => {
            f.clear();
            s.filtering = None;
        }
        Code::Enter => s.filtering = None,
        Code::Backspace => {
            f.pop();
        }
        Code::Char(c) if !key.ctrl && !key.alt => f.push(c),
        _ => {}
    }
    reselect(s, pane, before);
}

/// The item (not the row) selected in a pane: a row index changes with the filter, this does not.
pub fn selected_item(s: &AppState, pane: Pane) -> Option<usize> {
    match pane {
        Pane::Connections => s.selected_conn().map(|r| match r {
            ConnRow::ApiKey(i) => i,
            ConnRow::AppleId(i) => usize::MAX / 2 + i,
        }),
        Pane::Apps => s.selected_app_index(),
        Pane::Matrix => s.matrix_rows().get(s.matrix_sel).copied(),
        Pane::Preview => s.preview_rows().get(s.preview_sel).copied(),
    }
}

/// Selects `item` again in `pane` if its rows still show it, else the first row.
pub fn reselect(s: &mut AppState, pane: Pane, item: Option<usize>) {
    let rows: Vec<usize> = match pane {
        Pane::Connections => s
            .conn_rows()
            .into_iter()
            .map(|r| match r {
                ConnRow::ApiKey(i) => i,
                ConnRow::AppleId(i) => usize::MAX / 2 + i,
            })
            .collect(),
        Pane::Apps => s.app_rows(),
        Pane::Matrix => s.matrix_rows(),
        Pane::Preview => s.preview_rows(),
    };
    let at = item.and_then(|it| rows.iter().position(|r| *r == it));
    match (pane, at) {
        (Pane::Connections, Some(i)) => s.conn_sel = i,
        (Pane::Apps, Some(i)) => {
            let changed = i != s.app_sel || item != s.selected_app_index();
            s.app_sel = i;
            if changed {
                s.refresh_preview();
            }
        }
        (Pane::Matrix, Some(i)) => s.matrix_sel = i,
        (Pane::Preview, Some(i)) => s.preview_sel = i,
        (_, None) => reset_selection(s, pane),
    }
}
