//! Keys on the add-app form's Workflows list: the `[list]` keys (move, choose, `/`) come before
//! the form's; other letters filter the list; Tab, Enter and Esc stay the form's.

use tui_input::InputRequest;

use super::super::super::action::Action;
use super::super::super::event::{Code, Key};
use super::super::super::form::AddAppFocus;
use super::super::super::keymap::Context;
use super::super::super::state::*;
use super::super::messages::Effect;

/// The key if the focused field is the list and the key is the list's; None: the form's.
pub fn key(s: &mut AppState, key: Key) -> Option<Vec<Effect>> {
    let list_action = s.keymap.action(Context::List, key);
    let form_action = s.keymap.action(Context::Form, key);
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return None;
    };
    let FormBody::AddApp(f) = &mut form.body else {
        return None;
    };
    if f.focus != AddAppFocus::Runs || form.busy.is_some() {
        return None;
    }
    let filter = f.runs.value().to_string();
    let visible = f.pick.visible(&filter);
    // While a filter is typed, letters are the filter's (a workflow may be named `jobs`).
    let typing = (f.pick.filtering || !filter.is_empty())
        && matches!(key.code, Code::Char(c) if c != ' ')
        && !key.ctrl
        && !key.alt;
    match list_action.filter(|_| !typing) {
        Some(Action::Up) if f.pick.cursor > 0 => {
            f.pick.cursor -= 1;
            return Some(Vec::new());
        }
        Some(Action::Down) if f.pick.cursor + 1 < visible.len() => {
            f.pick.cursor += 1;
            return Some(Vec::new());
        }
        // At an end of the list, the arrows go on to the fields (j and k stop there).
        Some(Action::Up | Action::Down) if matches!(key.code, Code::Up | Code::Down) => {
            return None;
        }
        Some(Action::Up | Action::Down) => return Some(Vec::new()),
        Some(Action::Toggle) => {
            if let Some(i) = visible.get(f.pick.cursor) {
                f.pick.toggle(*i);
                form.error = None;
            }
            return Some(Vec::new());
        }
        Some(Action::Filter) => {
            f.pick.filtering = true;
            return Some(Vec::new());
        }
        _ => {}
    }
    match (form_action, key.code) {
        // Esc with a filter clears it first; the next Esc cancels the form.
        (Some(Action::Cancel), _) if !filter.is_empty() || f.pick.filtering => {
            f.runs.set("");
            f.pick.filtering = false;
            f.pick.cursor = 0;
            Some(Vec::new())
        }
        (Some(_), _) => None,
        (None, code) => {
            let req = match code {
                Code::Char(c) if !key.ctrl && !key.alt => Some(InputRequest::InsertChar(c)),
                Code::Char('u') if key.ctrl => Some(InputRequest::DeleteLine),
                Code::Char('w') if key.ctrl => Some(InputRequest::DeletePrevWord),
                Code::Backspace => Some(InputRequest::DeletePrevChar),
                _ => None,
            };
            if let Some(req) = req {
                f.runs.input.handle(req);
                f.pick.cursor = 0;
                if f.runs.value().is_empty() {
                    f.pick.filtering = false;
                }
                form.error = None;
            }
            Some(Vec::new())
        }
    }
}

/// Enter with nothing chosen: the row under the cursor is the choice.
pub fn pick_under_cursor(s: &mut AppState) {
    if let Some(Layer::Form(Form {
        body: FormBody::AddApp(f),
        ..
    })) = s.layers.last_mut()
    {
        let visible = f.pick.visible(f.runs.value());
        if let Some(i) = visible.get(f.pick.cursor).copied()
            && f.pick.choices.get(i).is_some_and(|c| c.choosable)
        {
            f.pick.toggle(i);
        }
    }
}
