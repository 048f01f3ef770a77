//! The Edit API key form: name, issuer ID and Enterprise (a new .p8 is a new key).

use super::super::super::form::{EditApiKey, EditApiKeyFocus};
use super::super::super::state::*;
use super::super::messages::{Change, Effect};

pub fn open(s: &mut AppState, i: usize) {
    let Some(k) = s.loaded.workspace.api_keys.get(i) else {
        return;
    };
    let body = EditApiKey {
        original: k.name.clone(),
        name: Field::new("Name", FieldKind::Text, Check::Name).with_value(&k.name),
        issuer_id: Field::new("Issuer ID", FieldKind::Text, Check::IssuerOptional)
            .with_value(k.issuer_id.as_deref().unwrap_or("")),
        enterprise: Field::new("Enterprise", FieldKind::Choice(&["no", "yes"]), Check::None)
            .with_value(if k.enterprise { "yes" } else { "no" }),
        focus: EditApiKeyFocus::Name,
    };
    let form = Form::new(
        format!("Edit API key · {}", k.key_id),
        FormBody::EditApiKey(Box::new(body)),
        vec!["A new .p8 means a new key: add it and remove this one.".into()],
    );
    s.layers.push(Layer::Form(form));
}

pub fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::EditApiKey(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let issuer = f.issuer_id.value().trim().to_string();
    vec![Effect::Apply(Change::EditApiKey {
        name: f.original.clone(),
        new_name: f.name.value().to_string(),
        issuer_id: (!issuer.is_empty()).then_some(issuer),
        enterprise: f.enterprise.value() == "yes",
    })]
}
