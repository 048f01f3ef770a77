//! `apple_developer_portal_data.json`: what the steps fetch on bitrise.io (bitrise-steps-auth §1),
//! written so the steps' own readers accept it (handoff-facts §5).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::apple::fastlane_yaml::plain_ok;
use crate::apple::session::{Session, SessionCookie, rfc3339};
use crate::domain::workspace::{ApiKey, AppleId, KeyKind};
use crate::secrets::SecretValue;

pub struct AppleIdPart<'a> {
    pub aid: &'a AppleId,
    pub password: SecretValue,
    pub app_specific_password: Option<SecretValue>,
    pub session: Option<Session>,
}

/// The JSON and what the user should know about what was left out of it.
pub struct PortalData {
    pub json: SecretValue,
    pub warnings: Vec<String>,
}

/// The cookies Bitrise itself keeps under `https://idmsa.apple.com` (go-xcode
/// devportalservice_testdata.go: `DES…` and `myacinfo`).
fn bitrise_keeps(c: &SessionCookie) -> bool {
    c.is_trust() || c.base.name == "myacinfo"
}

/// go-xcode's `FastlaneLoginSession` (devportalservice/devportalservice.go lines 208-214, commit 1146c9c)
/// and auto-provision 2.0.3's `convert_des_cookie` (auth_helper.rb lines 9-15, 91) paste name, value and domain into YAML unquoted and
/// the path inside `"…"`: only what YAML 1.1 reads back as the same string survives.
fn survives_templates(c: &SessionCookie) -> bool {
    plain_ok(&c.base.name)
        && plain_ok(&c.base.value)
        && plain_ok(c.base.domain.trim_start_matches('.'))
        && c.base
            .path
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "/._-".contains(ch))
}

/// A cookie as the Go struct `cookie` reads it; `for_domain` left out: go-xcode's template makes
/// nil `true` (lines 203-206), and auto-provision's `cookie['for_domain'] || 'true'` (auth_helper.rb line 88)
/// then `String#sub` raises on a boolean.
fn cookie_json(c: &SessionCookie) -> Value {
    let mut v = json!({
        "name": c.base.name,
        "path": c.base.path,
        "value": c.base.value,
        "domain": c.base.domain.trim_start_matches('.'),
        "secure": c.base.secure,
        "httponly": c.base.httponly,
    });
    if let Some(t) = c.expires_at() {
        v["expires"] = rfc3339(t).into();
    }
    if let Some(age) = c.base.max_age {
        v["max_age"] = age.into();
    }
    v
}

fn session_cookies(
    session: Option<&Session>,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Vec<Value> {
    let Some(s) = session else {
        return Vec::new();
    };
    s.cookies
        .iter()
        .filter(|c| bitrise_keeps(c) && c.expires_at().is_none_or(|e| e > now))
        .filter(|c| {
            let ok = survives_templates(c);
            if !ok {
                warnings.push(format!(
                    "left out cookie {}: the steps paste it into YAML unquoted, where its value would not read back as text; sign in again (`apple-conn reauth`) for a new one",
                    if plain_ok(&c.base.name) { c.base.name.as_str() } else { "(unprintable name)" }
                ));
            }
            ok
        })
        .map(cookie_json)
        .collect()
}

fn is_individual(k: &ApiKey) -> bool {
    k.kind == KeyKind::Individual || k.issuer_id.as_deref().is_none_or(|i| i.trim().is_empty())
}

/// The flat JSON object of §1; parts present only when the app has them.
/// An individual API key has no issuer ID: Bitrise cannot hold one, and go-xcode's
/// `GetAppleDeveloperConnection` rejects the whole file for `"issuer_id": ""` (devportalservice.go
/// lines 137-140: Apple ID part included),
/// so it is left out with a warning when there is an Apple ID part, and refused when it is all there is.
pub fn portal_data(
    key: Option<(&ApiKey, SecretValue)>,
    apple: Option<AppleIdPart>,
    now: DateTime<Utc>,
) -> Result<PortalData, String> {
    let mut warnings = Vec::new();
    let key = match key {
        Some((k, _)) if is_individual(k) => {
            let rule = format!(
                "the API key `{}` is an individual key: Bitrise holds only team keys (with an issuer ID), and the steps reject portal data whose issuer_id is empty",
                k.name
            );
            if apple.is_none() {
                return Err(format!(
                    "{rule}: assign a team key (`apple-conn assign APP --api-key NAME`) or an Apple ID"
                ));
            }
            warnings.push(format!("{rule}; wrote the Apple ID part only"));
            None
        }
        other => other,
    };
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
                .map(|t| Value::String(rfc3339(t)))
                .unwrap_or(Value::Null),
        );
        let cookies = session_cookies(a.session.as_ref(), now, &mut warnings);
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
    // The document holds a password, cookies and a key: its text and its parts are wiped.
    let mut doc = Value::Object(doc);
    let mut text = crate::secrets::secret_json(&doc);
    crate::secrets::wipe_json(&mut doc);
    Ok(PortalData {
        json: SecretValue::new(std::mem::take(&mut *text)),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apple::session::{StoredCookie, StoredSession};
    use crate::domain::workspace::Workspace;

    const WS: &str = "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"Team\"\nkey_id = \"TEAM123456\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n\n[[api_keys]]\nname = \"Mine\"\nkey_id = \"MINE123456\"\nkind = \"individual\"\n\n[[apple_ids]]\napple_id = \"a@example.com\"\n";

    fn session(myacinfo: &str) -> Session {
        let c = |name: &str, value: &str, domain: &str| StoredCookie {
            name: name.into(),
            value: value.into(),
            domain: domain.into(),
            path: "/".into(),
            secure: true,
            httponly: true,
            for_domain: true,
            expires: None,
            max_age: None,
        };
        Session::from(StoredSession {
            version: 1,
            created_at: "2026-11-25T10:00:00Z".parse().unwrap(),
            cookies: vec![
                {
                    let mut des = c("DES58b0", "HSARMTKN+/x==SRVT", "idmsa.apple.com");
                    des.max_age = Some(2_592_000);
                    des
                },
                c("myacinfo", myacinfo, ".apple.com"),
                c("dqsid", "eyJdqsid", "appstoreconnect.apple.com"),
                c("itcdq", "0", "apple.com"),
            ],
        })
    }

    fn data(ws: &Workspace, key: &str, myacinfo: &str) -> Result<PortalData, String> {
        let part = AppleIdPart {
            aid: &ws.apple_ids[0],
            password: SecretValue::new("pw".into()),
            app_specific_password: None,
            session: Some(session(myacinfo)),
        };
        let key = ws.api_key(key).map(|k| (k, SecretValue::new("PEM".into())));
        portal_data(key, Some(part), "2026-11-26T10:00:00Z".parse().unwrap())
    }

    fn json(d: &PortalData) -> Value {
        serde_json::from_str(d.json.expose()).unwrap()
    }

    #[test]
    fn only_bitrises_cookies_with_string_fields_and_no_for_domain() {
        let ws: Workspace = toml::from_str(WS).unwrap();
        let d = data(&ws, "Team", "DAWTKNV2abc").unwrap();
        assert!(d.warnings.is_empty());
        let v = json(&d);
        let cookies = v["session_cookies"]["https://idmsa.apple.com"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = cookies
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["DES58b0", "myacinfo"]);
        assert!(cookies.iter().all(|c| c.get("for_domain").is_none()));
        assert_eq!(cookies[1]["domain"], "apple.com");
        assert_eq!(cookies[0]["expires"], "2026-12-25T10:00:00Z");
        assert_eq!(v["issuer_id"], "57246542-96fe-1a63-e053-0824d011072a");
    }

    #[test]
    fn a_value_the_templates_would_misread_is_left_out_with_a_warning() {
        let ws: Workspace = toml::from_str(WS).unwrap();
        for bad in ["-1", "0", "yes", "1,000", "a: b"] {
            let d = data(&ws, "Team", bad).unwrap();
            let v = json(&d);
            let cookies = v["session_cookies"]["https://idmsa.apple.com"]
                .as_array()
                .unwrap();
            assert_eq!(cookies.len(), 1, "{bad}");
            assert!(
                d.warnings[0].contains("left out cookie myacinfo"),
                "{:?}",
                d.warnings
            );
            assert!(
                !d.warnings[0].contains(bad),
                "the warning never quotes the value"
            );
        }
    }

    #[test]
    fn an_individual_key_is_left_out_or_refused() {
        let ws: Workspace = toml::from_str(WS).unwrap();
        let d = data(&ws, "Mine", "DAWTKNV2abc").unwrap();
        let v = json(&d);
        assert!(v.get("issuer_id").is_none() && v.get("private_key").is_none());
        assert!(d.warnings[0].contains("individual key"));
        let key = ws
            .api_key("Mine")
            .map(|k| (k, SecretValue::new("PEM".into())));
        let e = portal_data(key, None, "2026-11-26T10:00:00Z".parse().unwrap())
            .err()
            .unwrap();
        assert!(
            e.contains("individual key") && e.contains("issuer_id is empty"),
            "{e}"
        );
    }
}
