//! The Edit Apple ID form: where its secrets are read from, and a new app-specific password.
//! Nothing is sent to Apple (renewing the session is `r`).

use super::super::super::form::{EditAppleId, EditAppleIdFocus};
use super::super::super::state::*;
use super::super::messages::{AppleIdEdit, Effect};
use super::{busy, refs, store};
use crate::domain::secret_ref::SecretRef;
use crate::secrets::SecretValue;

pub fn open(s: &mut AppState, i: usize) -> Vec<Effect> {
    let Some(a) = s.loaded.workspace.apple_ids.get(i) else {
        return Vec::new();
    };
    let body = EditAppleId {
        apple_id: a.apple_id.clone(),
        password: Field::new("Password", FieldKind::Text, Check::NonEmpty)
            .with_value(&refs::ref_text(&a.password))
            .with_hint("keyring, env:VAR or file:PATH"),
        app_specific_password: Field::new("App-specific password", FieldKind::Text, Check::None)
            .with_value(
                &a.app_specific_password
                    .as_ref()
                    .map(refs::ref_text)
                    .unwrap_or_default(),
            )
            .with_hint("empty (none), keyring, env:VAR or file:PATH"),
        new_app_specific_password: Field::new(
            "New app-specific password",
            FieldKind::Secret,
            Check::AppSpecificPasswordOptional,
        )
        .with_hint(store::new_secret_hint(s)),
        focus: EditAppleIdFocus::Password,
    };
    let mut form = Form::new(
        format!("Edit Apple ID · {}", a.apple_id),
        FormBody::EditAppleId(Box::new(body)),
        vec![
            "Where its secrets are read from; nothing is sent to Apple.".into(),
            "To renew the 2FA session, press r on the Apple ID instead.".into(),
        ],
    );
    form.notice = store::edit_notice(s);
    s.layers.push(Layer::Form(form));
    // A new app-specific password goes to the keyring: the form says so when there is none.
    store::probe(s)
}

/// A refused field: the focus goes to it, the message names it.
fn refuse_at(s: &mut AppState, focus: EditAppleIdFocus, error: String) -> Vec<Effect> {
    if let Some(Layer::Form(form)) = s.layers.last_mut() {
        if let FormBody::EditAppleId(f) = &mut form.body {
            f.focus = focus;
        }
        form.error = Some(error);
    }
    Vec::new()
}

pub fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::EditAppleId(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let f = f.clone();
    let password = match refs::parse_ref(f.password.value()) {
        Ok(r) => r,
        Err(e) => return refuse_at(s, EditAppleIdFocus::Password, format!("Password: {e}")),
    };
    let new_asp = f.new_app_specific_password.value().to_string();
    let asp_text = f.app_specific_password.value().trim().to_string();
    let app_specific_password = if !new_asp.is_empty() {
        Some(SecretRef::Keyring)
    } else if asp_text.is_empty() {
        None
    } else {
        match refs::parse_ref(&asp_text) {
            Ok(r) => Some(r),
            Err(e) => {
                return refuse_at(
                    s,
                    EditAppleIdFocus::AppSpecificPassword,
                    format!("App-specific password: {e}"),
                );
            }
        }
    };
    busy(s, "Saving…");
    vec![Effect::EditAppleId(AppleIdEdit {
        apple_id: f.apple_id,
        password,
        app_specific_password,
        new_app_specific_password: (!new_asp.is_empty()).then(|| SecretValue::new(new_asp)),
    })]
}
