//! The Connections pane: add, delete, re-authenticate, token, test.

use super::super::state::*;
use super::forms;
use super::forms::sign_in;
use super::messages::Effect;
use super::routing::refuse_read_only;
use crate::domain::secret_ref::SecretRef;
use crate::ops::edits::ConnectionKind;

/// `a`: on an Apple ID row an Apple ID; with none yet, a chooser of the kind; else an API key.
pub fn add(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    if s.focus != Pane::Connections {
        s.set_status(
            StatusKind::Info,
            "add connections in the Connections pane (1)",
        );
        return Vec::new();
    }
    match s.selected_conn() {
        // Refused before the form, not after it: a member has one Apple ID.
        Some(ConnRow::AppleId(_)) if s.your_apple_id().is_some() => {
            let text = format!(
                "you ({}) already have an Apple ID, {}: one per member, as on Bitrise; e edits it, r re-authenticates it",
                s.loaded.workspace.you,
                s.your_apple_id().unwrap_or_default()
            );
            s.set_status(StatusKind::Info, text);
            Vec::new()
        }
        Some(ConnRow::AppleId(_)) => forms::add_apple_id::open(s),
        // No Apple ID row to stand on yet: ask which kind, so the first Apple ID can be added.
        _ if s.loaded.workspace.apple_ids.is_empty() => {
            s.layers.push(Layer::Chooser(Chooser {
                kind: ChooserKind::NewConnection,
                title: "Add a connection".into(),
                options: vec![
                    (
                        Some("api_key".into()),
                        "API key (App Store Connect API)".into(),
                    ),
                    (
                        Some("apple_id".into()),
                        "Apple ID (sign in with a 2FA code)".into(),
                    ),
                ],
                selected: 0,
            }));
            Vec::new()
        }
        _ => forms::add_api_key::open(s),
    }
}

/// `d`: the confirmation, saying what happens to each secret.
pub fn delete(s: &mut AppState) {
    if refuse_read_only(s) || s.focus != Pane::Connections {
        return;
    }
    let ws = &s.loaded.workspace;
    let (title, users, pending) = match s.selected_conn() {
        Some(ConnRow::ApiKey(i)) => {
            let k = &ws.api_keys[i];
            (
                format!("Remove API key `{}`?", k.name),
                ws.apps_using_api_key(&k.name),
                Pending::RemoveApiKey(k.name.clone()),
            )
        }
        Some(ConnRow::AppleId(i)) => {
            let a = &ws.apple_ids[i];
            (
                format!("Remove Apple ID {}?", a.apple_id),
                ws.apps_using_apple_id(&a.apple_id),
                Pending::RemoveAppleId(a.apple_id.clone()),
            )
        }
        None => return,
    };
    let mut lines = Vec::new();
    if users.is_empty() {
        lines.push("No app uses it.".to_string());
    } else {
        lines.push(format!("{} app(s) use it and will lose it:", users.len()));
        lines.extend(users.iter().map(|u| format!("  • {u}")));
    }
    // Say what happens to each secret: keyring entries go, the user's own files and env vars stay.
    let kind = match pending {
        Pending::RemoveApiKey(_) => Some(ConnectionKind::ApiKey),
        Pending::RemoveAppleId(_) => Some(ConnectionKind::AppleId),
        Pending::RemoveApp(_) | Pending::Reload | Pending::Push => None,
    };
    let id = match &pending {
        Pending::RemoveApiKey(x) | Pending::RemoveAppleId(x) => x.as_str(),
        Pending::RemoveApp(_) | Pending::Reload | Pending::Push => "",
    };
    let refs = kind
        .and_then(|k| crate::secrets::connection_secrets(ws, k, id))
        .unwrap_or_default();
    let in_keyring = refs
        .iter()
        .filter(|(r, _)| matches!(r, SecretRef::Keyring))
        .count();
    let kept: Vec<String> = refs
        .iter()
        .filter(|(r, _)| !matches!(r, SecretRef::Keyring))
        .map(|(r, _)| r.describe())
        .collect();
    if in_keyring > 0 {
        lines.push(format!(
            "Its keyring entr{} deleted.",
            if in_keyring == 1 { "y is" } else { "ies are" }
        ));
    }
    if !kept.is_empty() {
        lines.push(format!("Kept (yours): {}.", kept.join(", ")));
    }
    lines.push(String::new());
    lines.push("y remove · n or esc keep".into());
    s.layers.push(Layer::Confirm {
        title,
        lines,
        pending,
        scroll: Scroll::default(),
    });
}

pub fn reauth(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    let Some(ConnRow::AppleId(i)) = (if s.focus == Pane::Connections {
        s.selected_conn()
    } else {
        None
    }) else {
        s.set_status(
            StatusKind::Info,
            "select an Apple ID in the Connections pane to re-authenticate it",
        );
        return Vec::new();
    };
    let apple_id = s.loaded.workspace.apple_ids[i].apple_id.clone();
    s.signin = Some(SignInUi {
        apple_id: apple_id.clone(),
        reauth: true,
        request: None,
        store: None,
    });
    let form = sign_in::reauth_form(&apple_id);
    s.layers.push(Layer::Form(form));
    vec![Effect::StartSignIn {
        apple_id,
        password: None,
        reauth: true,
    }]
}

pub fn token(s: &mut AppState) -> Vec<Effect> {
    match (s.focus, s.selected_conn()) {
        (Pane::Connections, Some(ConnRow::ApiKey(i))) => {
            let name = s.loaded.workspace.api_keys[i].name.clone();
            s.set_status(StatusKind::Info, format!("minting a token for {name}…"));
            vec![Effect::MintToken(name)]
        }
        _ => {
            s.set_status(
                StatusKind::Info,
                "select an API key in the Connections pane to mint a token",
            );
            Vec::new()
        }
    }
}

/// `T`: an API key is tested against App Store Connect; an Apple ID says its session state.
pub fn test(s: &mut AppState) -> Vec<Effect> {
    match (s.focus, s.selected_conn()) {
        (Pane::Connections, Some(ConnRow::ApiKey(i))) => {
            let name = s.loaded.workspace.api_keys[i].name.clone();
            // The demo's keys are throwaway: nothing is sent to Apple, not even a name look-up.
            if s.demo {
                s.set_status(
                    StatusKind::Info,
                    format!("{name}: not sent: the demo contacts no one (its keys are throwaway); `apple-conn test NAME` tests a key of your own workspace"),
                );
                return Vec::new();
            }
            s.set_status(
                StatusKind::Info,
                format!("testing {name} against App Store Connect…"),
            );
            vec![Effect::TestConnection(name)]
        }
        (Pane::Connections, Some(ConnRow::AppleId(i))) => {
            let a = &s.loaded.workspace.apple_ids[i];
            let text = format!(
                "{}: the 2FA session {}",
                a.apple_id,
                a.session_state(s.now).describe(s.now)
            );
            s.set_status(StatusKind::Info, text);
            Vec::new()
        }
        _ => {
            s.set_status(StatusKind::Info, "select a connection to test it");
            Vec::new()
        }
    }
}
