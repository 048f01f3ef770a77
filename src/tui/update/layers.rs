//! Keys on the modals: help, confirmation, step detail, token, choosers, doctor.

use super::super::action::Action;
use super::super::event::{Code, Key};
use super::super::keymap::Context;
use super::super::state::*;
use super::messages::{Change, Effect};
use super::{apps, forms};
use crate::ops::edits::ConnectionKind;

pub fn key(s: &mut AppState, key: Key) -> Vec<Effect> {
    let action = s.keymap.action(Context::Main, key);
    let Some(layer) = s.layers.last_mut() else {
        return Vec::new();
    };
    match layer {
        Layer::Help(scroll) => {
            if !scroll.key(action)
                && matches!(
                    action,
                    Some(Action::Close | Action::Help | Action::Quit | Action::Open)
                )
            {
                s.layers.pop();
            }
            Vec::new()
        }
        Layer::Messages(scroll) => {
            if !scroll.key(action)
                && matches!(
                    action,
                    Some(Action::Close | Action::Messages | Action::Quit | Action::Open)
                )
            {
                s.layers.pop();
            }
            Vec::new()
        }
        Layer::Confirm {
            pending, scroll, ..
        } => {
            // y/n/esc answer; the keys that scroll read a long list of apps first.
            if !matches!(key.code, Code::Char('y' | 'Y' | 'n' | 'N')) && scroll.key(action) {
                return Vec::new();
            }
            let pending = pending.clone();
            confirm(s, key, pending)
        }
        Layer::Text { scroll, .. } => {
            if !scroll.key(action)
                && matches!(
                    action,
                    Some(Action::Close | Action::Whole | Action::Quit | Action::Open)
                )
            {
                s.layers.pop();
            }
            Vec::new()
        }
        Layer::Doctor(view) if action == Some(Action::Whole) => {
            let (title, lines) = super::super::whole::doctor(view);
            s.layers.push(Layer::Text {
                title,
                lines,
                scroll: Scroll::default(),
            });
            Vec::new()
        }
        Layer::Detail { scroll, .. } | Layer::ConnDetail { scroll, .. } => {
            if !scroll.key(action)
                && matches!(action, Some(Action::Close | Action::Open | Action::Quit))
            {
                s.layers.pop();
            }
            Vec::new()
        }
        Layer::Token(view) => match action {
            Some(Action::Copy) => {
                let token = view.token.clone();
                // OSC 52 has no answer: say where it went and what can drop it.
                s.set_status(
                    StatusKind::Info,
                    "token sent to the terminal's clipboard (OSC 52); the terminal may refuse it, and tmux needs `set -g set-clipboard on`",
                );
                vec![Effect::Copy(token)]
            }
            Some(Action::Close | Action::Quit | Action::Open) => {
                s.layers.pop();
                Vec::new()
            }
            other => {
                view.scroll.key(other);
                Vec::new()
            }
        },
        Layer::Chooser(_) => chooser(s, action),
        Layer::Doctor(_) => {
            super::super::doctor::key(s, action);
            Vec::new()
        }
        Layer::Signing(_) => {
            super::super::signing::key(s, action);
            Vec::new()
        }
        Layer::Form(_) => Vec::new(),
    }
}

fn confirm(s: &mut AppState, key: Key, pending: Pending) -> Vec<Effect> {
    // Only the keys the dialog shows answer it: Enter (pressed out of habit) does nothing.
    match key.code {
        Code::Char('y') | Code::Char('Y') => {
            let effect = match pending {
                Pending::RemoveApiKey(name) => Effect::Remove {
                    kind: ConnectionKind::ApiKey,
                    id: name,
                },
                Pending::RemoveAppleId(id) => Effect::Remove {
                    kind: ConnectionKind::AppleId,
                    id,
                },
                Pending::RemoveApp(slug) => Effect::RemoveApp(slug),
                Pending::Reload => {
                    s.layers.pop();
                    Effect::Reload
                }
                Pending::Push => {
                    s.layers.pop();
                    return super::bitrise::push_confirmed(s);
                }
            };
            vec![effect]
        }
        Code::Char('n') | Code::Char('N') | Code::Esc => {
            s.layers.pop();
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn chooser(s: &mut AppState, action: Option<Action>) -> Vec<Effect> {
    let Some(Layer::Chooser(ch)) = s.layers.last_mut() else {
        return Vec::new();
    };
    match action {
        // `s` inside a connection chooser switches between API keys and Apple IDs.
        Some(Action::Assign)
            if matches!(
                ch.kind,
                ChooserKind::ApiKey { .. } | ChooserKind::AppleId { .. }
            ) =>
        {
            apps::assign(s);
            Vec::new()
        }
        Some(Action::Up) => {
            ch.selected = ch.selected.saturating_sub(1);
            Vec::new()
        }
        Some(Action::Down) => {
            ch.selected = (ch.selected + 1).min(ch.options.len().saturating_sub(1));
            Vec::new()
        }
        Some(Action::Open) => {
            let Some((value, _)) = ch.options.get(ch.selected).cloned() else {
                return Vec::new();
            };
            let (slug, field) = match &ch.kind {
                ChooserKind::ApiKey { slug } => (slug.clone(), "api_key"),
                ChooserKind::AppleId { slug } => (slug.clone(), "apple_id"),
                ChooserKind::NewConnection => {
                    s.layers.pop();
                    return match value.as_deref() {
                        Some("apple_id") => forms::add_apple_id::open(s),
                        _ => forms::add_api_key::open(s),
                    };
                }
                ChooserKind::Workflow { slug, targets } => {
                    let (slug, target) =
                        (slug.clone(), targets.get(ch.selected).cloned().flatten());
                    s.layers.pop();
                    apps::view_workflow(s, slug, target);
                    return Vec::new();
                }
            };
            vec![Effect::Apply(Change::Assign {
                slug,
                field,
                to: value,
            })]
        }
        Some(Action::Close | Action::Quit) => {
            s.layers.pop();
            Vec::new()
        }
        _ => Vec::new(),
    }
}
