//! What App Store Connect holds, asked with the app's assigned API key as the steps ask:
//! `GET /v1/certificates?filter[serialNumber]=` per uploaded certificate (go-xcode's
//! QueryCertificateBySerial) and `GET /v1/profiles` (paged), each answer's refusal triaged.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use crate::apple::http::{Client, Response};
use crate::asc::jwt;
use crate::domain::signing::apple::{AppleCert, AppleProfile, AppleRefusal, AppleView};
use crate::domain::signing::files::normalize_serial;
use crate::domain::workspace::{App, KeyKind};
use crate::secrets::SecretStore;
use crate::store::Loaded;

const TIMEOUT: Duration = Duration::from_secs(10);
/// Apple's largest page.
const PAGE: u32 = 200;
/// A listing longer than this many pages is not followed further.
const MAX_PAGES: usize = 50;

/// A token minted on the main thread (where the keyring is), used on any thread.
pub struct Asker {
    base: String,
    token: Zeroizing<String>,
    pub key: String,
    pub kind: KeyKind,
}

/// The app's assigned key, read and minted; Err: why Apple cannot be asked (a finding).
pub fn prepare(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    app: &App,
    base_flag: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Asker, (String, AppleRefusal)> {
    let ws = &loaded.workspace;
    let Some(key) = app.api_key.as_deref().and_then(|n| ws.api_key(n)) else {
        return Err((
            String::new(),
            AppleRefusal::Unreachable(
                "no API key is assigned to the app: `apple-conn assign APP --api-key NAME`, then ask Apple again".into(),
            ),
        ));
    };
    let base = crate::ops::test::api_base(loaded, base_flag)
        .map_err(|e| (key.identity(), AppleRefusal::Unreachable(e)))?;
    let pem = crate::ops::keys::read_key_pem(&loaded.path, keyring, key)
        .map_err(|e| (key.identity(), AppleRefusal::Unreachable(e)))?;
    let token = jwt::mint(key, &pem, now.timestamp(), jwt::DEFAULT_TTL, &[])
        .map_err(|e| (key.identity(), AppleRefusal::Unreachable(e.to_string())))?;
    Ok(Asker {
        base: base.trim_end_matches('/').to_string(),
        token: Zeroizing::new(token),
        key: key.identity(),
        kind: key.kind,
    })
}

impl Asker {
    fn get(&self, http: &mut Client, url: &str) -> Result<serde_json::Value, AppleRefusal> {
        let resp = http
            .send(
                "GET",
                url,
                &[
                    ("Authorization", format!("Bearer {}", self.token.as_str())),
                    ("Accept", "application/json".into()),
                ],
                None,
            )
            .map_err(|e| AppleRefusal::Unreachable(e.to_string()))?;
        match resp.status {
            200..=299 => resp.json().ok_or_else(|| AppleRefusal::Answered {
                status: resp.status,
                detail: "the answer is not JSON".into(),
            }),
            status => Err(refusal(status, &resp)),
        }
    }

    /// Apple's record for each serial (None: Apple has no such certificate), then its profiles.
    pub fn ask(&self, serials: &[String]) -> AppleView {
        let mut http = Client::new(TIMEOUT);
        let mut certs = Vec::new();
        for serial in serials {
            // go-xcode sends big.Int.Text(16): lower-case hex, no leading zeros.
            let url = format!(
                "{}/v1/certificates?filter[serialNumber]={}&limit=200",
                self.base,
                serial.to_lowercase()
            );
            let answer = self.get(&mut http, &url).map(|j| {
                j["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(cert)
                    .find(|c| c.serial == *serial)
            });
            let fatal = matches!(
                answer,
                Err(AppleRefusal::Agreement(_) | AppleRefusal::Unauthorized(_))
            );
            certs.push((serial.clone(), answer));
            // An agreement 403 or a refused token answers every call alike: stop asking.
            if fatal {
                break;
            }
        }
        let profiles = self.profiles(&mut http);
        AppleView {
            key: self.key.clone(),
            certs,
            profiles,
        }
    }

    fn profiles(&self, http: &mut Client) -> Result<Vec<AppleProfile>, AppleRefusal> {
        let mut url = format!("{}/v1/profiles?limit={PAGE}", self.base);
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self.get(http, &url)?;
            out.extend(page["data"].as_array().into_iter().flatten().map(profile));
            match page["links"]["next"].as_str() {
                // The token goes only where the first request went.
                Some(next) if next.starts_with(&format!("{}/", self.base)) => {
                    url = next.to_string()
                }
                _ => break,
            }
        }
        Ok(out)
    }
}

/// A non-2xx answer, by status and Apple's error code.
fn refusal(status: u16, resp: &Response) -> AppleRefusal {
    let detail = resp
        .json()
        .and_then(|j| j["errors"][0]["detail"].as_str().map(str::to_string))
        .map(|d| crate::terminal_text::clean_line(&d))
        .unwrap_or_default();
    match status {
        401 => AppleRefusal::Unauthorized(detail),
        403 => crate::apple::connection_test::forbidden(resp),
        429 => AppleRefusal::Throttled(
            resp.header("Retry-After")
                .and_then(|v| v.trim().parse().ok()),
        ),
        status => AppleRefusal::Answered { status, detail },
    }
}

/// Apple writes `2027-05-28T00:00:00.000+0000` (no colon in the offset) as well as RFC 3339.
fn date(v: &serde_json::Value) -> Option<DateTime<Utc>> {
    let text = v.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn text(v: &serde_json::Value) -> String {
    crate::terminal_text::clean_line(v.as_str().unwrap_or_default())
}

fn cert(item: &serde_json::Value) -> AppleCert {
    let a = &item["attributes"];
    AppleCert {
        id: text(&item["id"]),
        name: text(&a["name"]),
        certificate_type: text(&a["certificateType"]),
        serial: normalize_serial(a["serialNumber"].as_str().unwrap_or_default()),
        expires_at: date(&a["expirationDate"]),
    }
}

fn profile(item: &serde_json::Value) -> AppleProfile {
    let a = &item["attributes"];
    // profileContent is the signed .mobileprovision: its plist gives the bundle ID and certificates.
    let parsed = a["profileContent"]
        .as_str()
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .ok()
        })
        .and_then(|der| crate::signing::read_profile(&der).ok());
    AppleProfile {
        id: text(&item["id"]),
        name: text(&a["name"]),
        uuid: text(&a["uuid"]),
        state: text(&a["profileState"]),
        profile_type: text(&a["profileType"]),
        expires_at: date(&a["expirationDate"]),
        bundle_id: parsed.as_ref().map(|p| p.bundle_id.clone()),
        cert_serials: parsed.map(|p| p.cert_serials).unwrap_or_default(),
    }
}
