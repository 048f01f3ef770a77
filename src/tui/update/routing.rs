//! Routing: a key becomes an action of the current mode (filter, form, modal, panes).

use super::super::action::Action;
use super::super::event::Key;
use super::super::keymap::Context;
use super::super::state::*;
use super::messages::Effect;
use super::{apps, bitrise, connections, forms, layers, navigation};

pub fn on_key(s: &mut AppState, key: Key) -> Vec<Effect> {
    // Ctrl-C quits from any mode, as lazygit, k9s and gitui do (raw mode sends no SIGINT; the
    // terminal is restored on the way out). Nothing unsaved is written: forms are not submitted.
    if key.ctrl && key.code == super::super::event::Code::Char('c') {
        s.quit = true;
        return Vec::new();
    }
    if let Some(pane) = s.filtering {
        navigation::filter_key(s, pane, key);
        return Vec::new();
    }
    match s.layers.last() {
        Some(Layer::Form(_)) => forms::key(s, key),
        Some(_) => layers::key(s, key),
        None => match s.keymap.action(Context::Main, key) {
            Some(action) => main_action(s, action),
            None => Vec::new(),
        },
    }
}

pub fn on_paste(s: &mut AppState, text: &str) -> Vec<Effect> {
    if let Some(pane) = s.filtering {
        s.filters[pane.index()].push_str(text.trim());
        return Vec::new();
    }
    if let Some(Layer::Form(form)) = s.layers.last_mut() {
        forms::paste(form, text);
    }
    Vec::new()
}

/// An action on the panes (no modal open).
fn main_action(s: &mut AppState, action: Action) -> Vec<Effect> {
    // The whole text includes the status message: read before a key clears it.
    if action == Action::Whole {
        let (title, lines) = super::super::whole::main(s);
        s.layers.push(Layer::Text {
            title,
            lines,
            scroll: Scroll::default(),
        });
        return Vec::new();
    }
    s.status = None;
    match action {
        Action::Quit => s.quit = true,
        Action::Help => s.layers.push(Layer::Help(Scroll::default())),
        Action::Messages => {
            // Opened at its end: the newest message is the one just missed.
            let mut scroll = Scroll::default();
            scroll.key(Some(Action::Bottom));
            s.layers.push(Layer::Messages(scroll));
        }
        Action::NextPane
        | Action::PrevPane
        | Action::Pane1
        | Action::Pane2
        | Action::Pane3
        | Action::Pane4 => navigation::focus_pane(s, action),
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => navigation::move_selection(s, action),
        Action::Left | Action::Right => navigation::matrix_value(s, action),
        Action::CycleEnv => navigation::cycle_env(s),
        Action::Filter => s.filtering = Some(s.focus),
        Action::Open => navigation::open(s),
        Action::Add if s.focus == Pane::Apps && !refuse_read_only(s) => forms::add_app::open(s),
        Action::Add if s.focus == Pane::Apps => {}
        Action::Add => return connections::add(s),
        Action::Edit => return edit(s),
        Action::Delete if s.focus == Pane::Apps => apps::delete(s),
        Action::Delete => connections::delete(s),
        Action::Reauth => return connections::reauth(s),
        Action::Token => return connections::token(s),
        Action::Test => return connections::test(s),
        Action::Assign => apps::assign(s),
        Action::EditInputs => forms::edit_inputs::open(s),
        Action::Workflow => apps::choose_workflow(s),
        Action::Doctor => super::super::doctor::open(s),
        Action::Signing => return super::super::signing::request(s),
        Action::BitrisePull => return bitrise::start(s),
        Action::BitrisePush => return bitrise::push_start(s),
        // Esc on the panes cancels a running pull from Bitrise (nothing else to close there).
        Action::Close if s.pull.is_some() => return bitrise::cancel(s),
        Action::Reload => {
            if s.demo {
                s.set_status(StatusKind::Info, "demo: nothing to reload");
            } else {
                return vec![Effect::Reload];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// `e`: the selected connection's edit form, or the step inputs on Apps and Preview.
fn edit(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    match (s.focus, s.selected_conn()) {
        (Pane::Connections, Some(ConnRow::ApiKey(i))) => forms::edit_api_key::open(s, i),
        (Pane::Connections, Some(ConnRow::AppleId(i))) => return forms::edit_apple_id::open(s, i),
        (Pane::Apps | Pane::Preview, _) => forms::edit_inputs::open(s),
        _ => {}
    }
    Vec::new()
}

pub fn refuse_read_only(s: &mut AppState) -> bool {
    if s.read_only {
        s.set_status(
            StatusKind::Error,
            "read-only: opened with --read-only, nothing can be changed",
        );
        true
    } else {
        false
    }
}
