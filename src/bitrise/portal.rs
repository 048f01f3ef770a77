//! `apple_developer_portal_data.json`: what the steps fetch on bitrise.io (bitrise-steps-auth §1).

use serde_json::{Value, json};

use crate::apple::session::StoredSession;
use crate::domain::workspace::{ApiKey, AppleId};
use crate::secrets::SecretValue;

pub struct AppleIdPart<'a> {
    pub aid: &'a AppleId,
    pub password: SecretValue,
    pub app_specific_password: Option<SecretValue>,
    pub session: Option<StoredSession>,
}

/// The flat JSON object of §1; parts present only when the app has them.
pub fn portal_data(key: Option<(&ApiKey, SecretValue)>, apple: Option<AppleIdPart>) -> SecretValue {
    let mut doc = serde_json::Map::new();
    if let Some(a) = apple {
        doc.insert("apple_id".into(), a.aid.apple_id.clone().into());
        doc.insert("password".into(), a.password.expose().into());
        doc.insert(
            "app_specific_password".into(),
            a.app_specific_password
                .as_ref()
                .map(|s| s.expose().to_string())
                .unwrap_or_default()
                .into(),
        );
        doc.insert(
            "connection_expiry_date".into(),
            a.aid
                .session_expires_at()
                .map(|t| Value::String(crate::apple::session::rfc3339(t)))
                .unwrap_or(Value::Null),
        );
        let cookies: Vec<Value> = a
            .session
            .as_ref()
            .map(|s| {
                s.cookies
                    .iter()
                    .map(|c| {
                        json!({
                            "name": c.name, "path": c.path, "value": c.value, "domain": c.domain,
                            "secure": c.secure, "expires": c.expires.map(crate::apple::session::rfc3339).unwrap_or_default(),
                            "max_age": c.max_age.unwrap_or(0), "httponly": c.httponly, "for_domain": c.for_domain
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        // go-xcode reads only the cookies under this key into FASTLANE_SESSION.
        doc.insert(
            "session_cookies".into(),
            json!({ "https://idmsa.apple.com": cookies }),
        );
    }
    if let Some((k, pem)) = key {
        doc.insert("key_id".into(), k.key_id.clone().into());
        doc.insert(
            "issuer_id".into(),
            k.issuer_id.clone().unwrap_or_default().into(),
        );
        doc.insert("private_key".into(), pem.expose().into());
        doc.insert("is_enterprise_account".into(), k.enterprise.into());
    }
    doc.insert("test_devices".into(), json!([]));
    SecretValue::new(Value::Object(doc).to_string())
}
