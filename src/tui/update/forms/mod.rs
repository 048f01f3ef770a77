//! Forms: keys and pastes in the open form, and each form's opening and submit in its own file.

pub mod add_api_key;
pub mod add_app;
pub mod add_apple_id;
mod check;
pub mod edit_api_key;
pub mod edit_apple_id;
pub mod edit_inputs;
mod refs;
mod run_pick;
pub mod sign_in;
pub mod store;

use tui_input::InputRequest;

use super::super::action::Action;
use super::super::event::{Code, Key};
use super::super::keymap::Context;
use super::super::state::*;
use super::messages::Effect;

pub use check::field_error;

/// A key in the open form.
pub fn key(s: &mut AppState, key: Key) -> Vec<Effect> {
    let mut effects = match run_pick::key(s, key) {
        Some(effects) => effects,
        None => form_key(s, key),
    };
    // A Store choice changed by this key changes what the key field offers.
    add_api_key::offer_paste_where_kept(s);
    // The Workflows list, reached by this key, reads the file the form now names.
    effects.extend(add_app::want_runs(s));
    effects
}

fn form_key(s: &mut AppState, key: Key) -> Vec<Effect> {
    let action = s.keymap.action(Context::Form, key);
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return Vec::new();
    };
    if form.busy.is_some() {
        // Only Esc while a job runs: it cancels the sign-in.
        if action == Some(Action::Cancel) {
            s.layers.pop();
            if s.signin.take().is_some() {
                s.set_status(StatusKind::Info, "sign-in cancelled");
                return vec![Effect::CancelSignIn];
            }
        }
        return Vec::new();
    }
    let n = form.body.fields().len().max(1);
    let focus = form.body.focus_index();
    let kind = form.body.focused().map(|f| f.kind);
    match action {
        // The sign-in already succeeded: Esc adds the Apple ID without the optional password.
        Some(Action::Cancel) if matches!(form.body, FormBody::AppSpecificPassword(_)) => {
            sign_in::finish_without_password(s)
        }
        Some(Action::Cancel) => {
            let was_signin = matches!(form.body, FormBody::TwoFactor(_));
            s.layers.pop();
            if was_signin && s.signin.take().is_some() {
                s.set_status(StatusKind::Info, "sign-in cancelled: nothing was saved");
                return vec![Effect::CancelSignIn];
            }
            Vec::new()
        }
        Some(Action::NextField) if key.code == Code::Tab && kind == Some(FieldKind::Path) => {
            let value = form
                .body
                .focused()
                .map(|f| f.value().to_string())
                .unwrap_or_default();
            if value.is_empty() || value.contains('\n') {
                form.body.set_focus_index((focus + 1) % n);
                Vec::new()
            } else {
                vec![Effect::CompletePath {
                    field: focus,
                    value,
                }]
            }
        }
        Some(Action::NextField) => {
            form.body.set_focus_index((focus + 1) % n);
            Vec::new()
        }
        Some(Action::PrevField) => {
            form.body.set_focus_index((focus + n - 1) % n);
            Vec::new()
        }
        Some(Action::Submit) => submit(s),
        Some(Action::Whole) => {
            let (title, lines) = super::super::whole::form(form);
            s.layers.push(Layer::Text {
                title,
                lines,
                scroll: Scroll::default(),
            });
            Vec::new()
        }
        _ => {
            form.error = None;
            if let Some(field) = form.body.focused_mut() {
                edit_field(field, key);
            }
            Vec::new()
        }
    }
}

/// A key that edits the focused field: a choice moves, text is typed.
fn edit_field(field: &mut Field, key: Key) {
    if let FieldKind::Choice(options) = field.kind {
        if matches!(key.code, Code::Left | Code::Right | Code::Char(' ')) && !options.is_empty() {
            let i = options
                .iter()
                .position(|o| *o == field.value())
                .unwrap_or(0);
            // ◀ and ▶ move towards their end and stop there (Right twice is still the last
            // option, whichever the default was); Space cycles.
            let last = options.len() - 1;
            let next = match key.code {
                Code::Left => i.saturating_sub(1),
                Code::Right => (i + 1).min(last),
                _ => (i + 1) % options.len(),
            };
            field.set(options[next]);
        }
        return;
    }
    let req = match key.code {
        Code::Char(c) if !key.ctrl && !key.alt => Some(InputRequest::InsertChar(c)),
        Code::Char('u') if key.ctrl => Some(InputRequest::DeleteLine),
        Code::Char('w') if key.ctrl => Some(InputRequest::DeletePrevWord),
        Code::Backspace => Some(InputRequest::DeletePrevChar),
        Code::Delete => Some(InputRequest::DeleteNextChar),
        Code::Left => Some(InputRequest::GoToPrevChar),
        Code::Right => Some(InputRequest::GoToNextChar),
        Code::Home => Some(InputRequest::GoToStart),
        Code::End => Some(InputRequest::GoToEnd),
        _ => None,
    };
    if let Some(req) = req {
        field.edit(req);
    }
}

/// A paste into the focused field.
pub fn paste(form: &mut Form, text: &str) {
    let Some(field) = form.body.focused_mut() else {
        return;
    };
    // Pasted key content keeps its newlines; other fields take one line.
    // Terminals send pasted line ends as CR: a PEM needs LF to parse (and to be masked).
    if field.kind == FieldKind::Path {
        let lf = zeroize::Zeroizing::new(text.replace("\r\n", "\n").replace('\r', "\n"));
        field.append(&lf);
    } else {
        field.append(text.trim());
    }
    form.error = None;
}

/// Enter: the first field in error gets the focus; else the form's own submit.
fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return Vec::new();
    };
    let first_error = form
        .body
        .fields()
        .iter()
        .enumerate()
        .find_map(|(i, f)| field_error(f).map(|e| (i, e)));
    if let Some((i, e)) = first_error {
        form.body.set_focus_index(i);
        form.error = Some(e);
        return Vec::new();
    }
    match &form.body {
        FormBody::AddApiKey(_) => add_api_key::submit(s),
        FormBody::AddAppleId(_) => add_apple_id::submit(s),
        FormBody::TwoFactor(_) => sign_in::submit_code(s),
        FormBody::AppSpecificPassword(_) => sign_in::submit_password(s),
        FormBody::EditApiKey(_) => edit_api_key::submit(s),
        FormBody::EditAppleId(_) => edit_apple_id::submit(s),
        FormBody::EditInputs(_) => edit_inputs::submit(s),
        FormBody::AddApp(_) => add_app::submit(s),
    }
}

/// The open form (submits change it after reading their copy of its fields).
fn top(s: &mut AppState) -> Option<&mut Form> {
    match s.layers.last_mut() {
        Some(Layer::Form(form)) => Some(form),
        _ => None,
    }
}

/// The submit is refused: the message under the form.
fn refuse(s: &mut AppState, error: String) -> Vec<Effect> {
    if let Some(form) = top(s) {
        form.error = Some(error);
    }
    Vec::new()
}

/// The submit went to a job: the spinner's text.
fn busy(s: &mut AppState, text: &str) {
    if let Some(form) = top(s) {
        form.busy = Some(text.into());
    }
}
