//! The Store choice of the forms that write a secret: the keyring when one is reachable, else a
//! reference (hosts without a keyring, e.g. over SSH). The probe is an effect, run once.

use super::super::super::form::AddAppleIdFocus;
use super::super::super::state::*;
use super::super::messages::Effect;
use crate::tui::words::{keyring_reason, secret_error};

/// The Store field; "keyring" means the workspace's own store (its vault when it has one).
pub fn field(s: &AppState, hint: &str) -> Field {
    let store = match &s.keyring {
        Some(Err(_)) if !has_vault(s) => KeyStore::Reference,
        _ => KeyStore::Keyring,
    };
    Field::new("Store", FieldKind::Choice(KeyStore::CHOICES), Check::None)
        .with_value(store.as_str())
        .with_hint(hint)
}

/// The note that says why Store is reference: the whole message, with the ways out.
pub fn notice(s: &AppState) -> Option<String> {
    match &s.keyring {
        Some(Err(e)) if !has_vault(s) => Some(format!("Store is reference: {}", secret_error(e))),
        _ => None,
    }
}

/// The Edit Apple ID form without a keyring: a new app-specific password has nowhere to go.
pub fn edit_notice(s: &AppState) -> Option<String> {
    match &s.keyring {
        Some(Err(e)) if !has_vault(s) => Some(format!(
            "New app-specific password needs a keyring, and none is reachable ({}): write where it is (env:VAR or file:PATH) in App-specific password instead, or start apple-conn inside a Secret Service session (over SSH: `dbus-run-session` with gnome-keyring unlocked)",
            keyring_reason(e)
        )),
        _ => None,
    }
}

/// Where a new app-specific password typed in the Edit Apple ID form goes, as its hint says.
pub fn new_secret_hint(s: &AppState) -> &'static str {
    match &s.keyring {
        _ if has_vault(s) => "xxxx-xxxx-xxxx-xxxx: kept in the team's vault",
        Some(Err(_)) => "needs a keyring: none is reachable",
        _ => "xxxx-xxxx-xxxx-xxxx: kept in the keyring",
    }
}

/// Opening a secret-writing form: ask once whether the keyring is reachable.
pub fn probe(s: &AppState) -> Vec<Effect> {
    if s.keyring.is_none() && !has_vault(s) {
        vec![Effect::ProbeKeyring]
    } else {
        Vec::new()
    }
}

/// The probe's answer: an open secret-writing form turns to reference when there is no keyring.
pub fn probed(s: &mut AppState, result: Result<(), crate::secrets::SecretError>) {
    s.keyring = Some(result);
    let (note, edit_note, hint) = (notice(s), edit_notice(s), new_secret_hint(s));
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return;
    };
    if let FormBody::EditAppleId(f) = &mut form.body {
        f.new_app_specific_password.hint = hint.to_string();
        form.notice = edit_note;
        return;
    }
    let Some(note) = note else { return };
    let store = match &mut form.body {
        FormBody::AddApiKey(f) => &mut f.store,
        FormBody::AddAppleId(f) => {
            // The password field becomes where the password is read from; the focus follows it.
            if f.focus == AddAppleIdFocus::Password {
                f.focus = AddAppleIdFocus::PasswordFrom;
            }
            &mut f.store
        }
        _ => return,
    };
    store.set(KeyStore::Reference.as_str());
    form.notice = Some(note);
    super::add_api_key::offer_paste_where_kept(s);
}

fn has_vault(s: &AppState) -> bool {
    s.loaded.workspace.settings.vault.is_some()
}
