//! The Add API key form: the key's fields, its .p8, and where the key is kept.

use super::super::super::form::{AddApiKey, AddApiKeyFocus};
use super::super::super::state::*;
use super::super::super::words;
use super::super::messages::Effect;
use super::{busy, refuse, store};
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::{ApiKey, KeyKind};
use crate::secrets::SecretValue;

pub fn open(s: &mut AppState) -> Vec<Effect> {
    let body = AddApiKey {
        name: Field::new("Name", FieldKind::Text, Check::Name),
        issuer_id: Field::new("Issuer ID", FieldKind::Text, Check::IssuerOptional)
            .with_hint("UUID; empty for an individual key"),
        key_id: Field::new("Key ID", FieldKind::Text, Check::KeyId)
            .with_hint("10 characters, A-Z 0-9"),
        kind: Field::new(
            "Kind",
            FieldKind::Choice(&["team", "individual"]),
            Check::None,
        )
        .with_value("team"),
        enterprise: Field::new("Enterprise", FieldKind::Choice(&["no", "yes"]), Check::None)
            .with_value("no"),
        private_key: Field::new("Private key (.p8)", FieldKind::Path, Check::NonEmpty)
            .with_hint("path (Tab completes), env:VAR, or paste the key"),
        store: store::field(
            s,
            "no keyring (SSH)? reference: the workspace records the path or env:VAR",
        ),
        focus: AddApiKeyFocus::Name,
    };
    let notes = vec!["A team key with the Admin role works with every step.".to_string()];
    let mut form = Form::new("Add API key", FormBody::AddApiKey(Box::new(body)), notes);
    form.notice = store::notice(s);
    s.layers.push(Layer::Form(form));
    offer_paste_where_kept(s);
    store::probe(s)
}

/// The key field's hint offers "paste the key" only where it can be kept: Store reference
/// records a path or a variable, and a pasted key is neither.
pub fn offer_paste_where_kept(s: &mut AppState) {
    let Some(Layer::Form(Form {
        body: FormBody::AddApiKey(f),
        ..
    })) = s.layers.last_mut()
    else {
        return;
    };
    f.private_key.hint = if f.store.value() == KeyStore::Reference.as_str() {
        "path (Tab completes) or env:VAR: the workspace records where the key is".into()
    } else {
        "path (Tab completes), env:VAR, or paste the key".into()
    };
}

pub fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::AddApiKey(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let f = f.clone();
    let issuer = f.issuer_id.value().trim().to_string();
    let key = ApiKey {
        name: f.name.value().to_string(),
        key_id: f.key_id.value().to_string(),
        issuer_id: (!issuer.is_empty()).then_some(issuer),
        kind: if f.kind.value() == "individual" {
            KeyKind::Individual
        } else {
            KeyKind::Team
        },
        enterprise: f.enterprise.value() == "yes",
        owner: None,
        private_key: SecretRef::Keyring,
        fingerprint: None,
        bitrise: None,
    };
    if let Err(r) = s.loaded.workspace.may_add_api_key(&key) {
        return refuse(s, words::key_refusal(&r));
    }
    let p8 = SecretValue::new(f.private_key.value().to_string());
    busy(s, "Checking the key and saving…");
    vec![Effect::AddApiKey {
        key,
        p8,
        store: KeyStore::of(&f.store),
    }]
}
