//! The sign-in's steps: the code (add and re-authenticate), then the app-specific password.

use super::super::super::form::{AppSpecificPassword, TwoFactor};
use super::super::super::state::*;
use super::super::messages::{AppleIdStore, Effect};
use super::{busy, refs, refuse};
use crate::ops::sign_in::{CodeAnswer, CodeRequest, Delivery, Retry};
use crate::secrets::SecretValue;

fn code_field(length: usize) -> Field {
    Field::new("Verification code", FieldKind::Text, Check::Code)
        .with_hint(&format!("{length} digits, or sms N"))
}

pub fn two_factor_form(apple_id: &str, request: &CodeRequest) -> Form {
    let mut notes = vec![request.delivery.describe() + "."];
    if let Some(r) = &request.retry {
        notes.push(r.message(request.length));
    }
    if !request.phones.is_empty() && matches!(request.delivery, Delivery::TrustedDevices) {
        notes.push("No code? Type `sms N` to get it by SMS (or voice) on a trusted number:".into());
    }
    for p in &request.phones {
        notes.push(format!("  {}  {} ({})", p.id, p.number, p.push_mode));
    }
    let body = TwoFactor {
        apple_id: apple_id.to_string(),
        code: code_field(request.length),
    };
    let mut form = Form::new(
        format!("Two-factor code · {apple_id}"),
        FormBody::TwoFactor(Box::new(body)),
        notes,
    );
    form.error = (request.retry == Some(Retry::WrongCode)).then(|| Retry::WrongCode.message(6));
    form
}

/// `r`: the code form, busy while the trusted refresh is tried first.
pub fn reauth_form(apple_id: &str) -> Form {
    let body = TwoFactor {
        apple_id: apple_id.to_string(),
        code: Field::new("Verification code", FieldKind::Text, Check::Code),
    };
    let mut form = Form::new(
        format!("Re-authenticate · {apple_id}"),
        FormBody::TwoFactor(Box::new(body)),
        vec!["Signing in with the stored password: without a code while the trust cookie lives, else Apple sends one.".into()],
    );
    form.busy = Some("Contacting Apple…".into());
    form
}

/// Signed in: the optional app-specific password, typed (keyring) or where it is read from (reference).
pub fn app_specific_password_form(apple_id: &str, expires: &str, by_reference: bool) -> Form {
    let password = if by_reference {
        Field::new(
            "App-specific password from",
            FieldKind::Text,
            Check::ReferenceOptional,
        )
        .with_hint("env:VAR or file:PATH")
    } else {
        Field::new(
            "App-specific password",
            FieldKind::Secret,
            Check::AppSpecificPasswordOptional,
        )
        .with_hint("xxxx-xxxx-xxxx-xxxx")
    };
    let body = AppSpecificPassword {
        apple_id: apple_id.to_string(),
        password,
        by_reference,
    };
    Form::new(
        format!("Add Apple ID · {apple_id} · app-specific password"),
        FormBody::AppSpecificPassword(Box::new(body)),
        vec![
            format!("Signed in. The session expires {expires}."),
            "Uploads of a 2FA account need an app-specific password (appleid.apple.com › App-Specific Passwords).".into(),
            "Leave it empty to add it later.".into(),
        ],
    )
}

pub fn submit_code(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return Vec::new();
    };
    let FormBody::TwoFactor(f) = &mut form.body else {
        return Vec::new();
    };
    let code = f.code.value().trim().to_string();
    f.code.set("");
    form.busy = Some("Verifying the code…".into());
    let answer = match code
        .strip_prefix("sms")
        .map(str::trim)
        .and_then(|n| n.parse::<i64>().ok())
    {
        Some(id) => CodeAnswer::SendToPhone(id),
        None => CodeAnswer::Code(code),
    };
    vec![Effect::Answer(answer)]
}

/// Where the new Apple ID's secrets go: as the add form chose.
fn chosen_store(s: &AppState) -> AppleIdStore {
    s.signin
        .as_ref()
        .and_then(|si| si.store.clone())
        .unwrap_or(AppleIdStore::Own)
}

pub fn submit_password(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::AppSpecificPassword(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let (apple_id, value, by_reference) = (
        f.apple_id.clone(),
        f.password.value().to_string(),
        f.by_reference,
    );
    let mut store = chosen_store(s);
    let asp = if by_reference {
        if let AppleIdStore::Reference {
            app_specific_password,
            ..
        } = &mut store
            && !value.trim().is_empty()
        {
            match refs::parse_readable(&value) {
                Ok(r) => *app_specific_password = Some(r),
                Err(e) => return refuse(s, format!("App-specific password from: {e}")),
            }
        }
        None
    } else {
        (!value.is_empty()).then(|| SecretValue::new(value))
    };
    busy(s, "Saving…");
    vec![Effect::FinishAppleId {
        apple_id,
        asp,
        store,
    }]
}

/// Esc after a successful code: the Apple ID is added without the optional password.
pub fn finish_without_password(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::AppSpecificPassword(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let apple_id = f.apple_id.clone();
    let store = chosen_store(s);
    busy(s, "Saving without an app-specific password…");
    vec![Effect::FinishAppleId {
        apple_id,
        asp: None,
        store,
    }]
}
