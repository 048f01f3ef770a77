//! The Add Apple ID form: the Apple ID, its password (typed, or where it is read from), and
//! where the secrets go. Enter signs in; the code and app-specific password steps follow.

use super::super::super::form::{AddAppleId, AddAppleIdFocus};
use super::super::super::state::*;
use super::super::super::words;
use super::super::messages::{AppleIdStore, Effect};
use super::{busy, refs, refuse, store};
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::AppleId;
use crate::secrets::SecretValue;

/// The session file when the form's is left empty: next to the workspace, named by the Apple ID.
fn default_session_file(apple_id: &str) -> String {
    format!("{apple_id}.session.json")
}

fn form(s: &AppState, store: Field) -> Form {
    let body = AddAppleId {
        apple_id: Field::new("Apple ID", FieldKind::Text, Check::AppleId),
        password: Field::new("Password", FieldKind::Secret, Check::NonEmpty),
        password_from: Field::new("Password from", FieldKind::Text, Check::Reference)
            .with_hint("env:VAR or file:PATH: the workspace records it"),
        store,
        session_file: Field::new("Session file", FieldKind::Path, Check::None)
            .with_hint("empty: <apple-id>.session.json next to the workspace"),
        focus: AddAppleIdFocus::AppleId,
    };
    let notes = vec![
        "Enter signs in to Apple for real; Apple then sends a six-digit code.".to_string(),
        "One Apple ID per member, as on Bitrise.".to_string(),
    ];
    let mut form = Form::new("Add Apple ID", FormBody::AddAppleId(Box::new(body)), notes);
    form.notice = store::notice(s);
    form
}

pub fn open(s: &mut AppState) -> Vec<Effect> {
    let store = store::field(
        s,
        "no keyring (SSH)? reference: the password's env:VAR or file, the session in a file",
    );
    let form = form(s, store);
    s.layers.push(Layer::Form(form));
    store::probe(s)
}

/// After a failed sign-in: the first step again, filled in as it was (Enter retries).
pub fn again(s: &AppState, si: &SignInUi) -> Form {
    let mut f = form(s, store::field(s, ""));
    if let FormBody::AddAppleId(b) = &mut f.body {
        b.apple_id.set(si.apple_id.clone());
        b.focus = AddAppleIdFocus::Password;
        b.store.set(KeyStore::Keyring.as_str());
        if let Some(AppleIdStore::Reference {
            password, session, ..
        }) = &si.store
        {
            b.store.set(KeyStore::Reference.as_str());
            b.password_from.set(refs::ref_text(password));
            if let SecretRef::Path(p) = session {
                b.session_file.set(p.clone());
            }
            b.focus = AddAppleIdFocus::PasswordFrom;
        }
    }
    f
}

pub fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::AddAppleId(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let f = f.clone();
    let apple_id = f.apple_id.value().trim().to_string();
    let candidate = AppleId {
        apple_id: apple_id.clone(),
        owner: None,
        password: SecretRef::Keyring,
        app_specific_password: None,
        authenticated_at: None,
        session_expires_at: None,
        session: None,
        teams: Vec::new(),
    };
    if let Err(r) = s.loaded.workspace.may_add_apple_id(&candidate) {
        return refuse(s, words::apple_id_refusal(&r));
    }
    let (store, effect) = match KeyStore::of(&f.store) {
        KeyStore::Keyring => (
            None,
            Effect::StartSignIn {
                apple_id: apple_id.clone(),
                password: Some(SecretValue::new(f.password.value().to_string())),
                reauth: false,
            },
        ),
        // The demo writes nothing to disk, and a session file would be.
        KeyStore::Reference if s.demo => {
            return refuse(
                s,
                "demo: nothing is written to disk, and Store: reference writes the session to a file; choose Store: keyring (memory in the demo)".into(),
            );
        }
        KeyStore::Reference => {
            let from = match refs::parse_readable(f.password_from.value()) {
                Ok(r) => r,
                Err(e) => return refuse(s, format!("Password from: {e}")),
            };
            let session = match f.session_file.value().trim() {
                "" => default_session_file(&apple_id),
                p => p.to_string(),
            };
            let store = AppleIdStore::Reference {
                password: from.clone(),
                app_specific_password: None,
                session: SecretRef::Path(session),
            };
            (
                Some(store),
                Effect::SignInFrom {
                    apple_id: apple_id.clone(),
                    from,
                },
            )
        }
    };
    busy(s, "Contacting Apple…");
    s.signin = Some(SignInUi {
        apple_id,
        reauth: false,
        request: None,
        store,
    });
    vec![effect]
}
