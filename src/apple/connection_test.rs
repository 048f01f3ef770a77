//! "Test connection", as Bitrise's button does it: a real call to App Store Connect with a
//! fresh token, and a diagnosis of what went wrong, checked locally where possible.

use chrono::{DateTime, Utc};

use super::http::{Client, NetError};
use crate::domain::signing::apple::AppleRefusal;
use crate::domain::workspace::{ApiKey, KeyKind};

pub use crate::domain::guarded::DEFAULT_API_BASE;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Working,
    Rejected {
        causes: Vec<String>,
    },
    /// 403, read by Apple's error code: an agreement to accept, or a role that lacks access.
    Forbidden(AppleRefusal),
    Other {
        status: u16,
        detail: String,
    },
}

pub struct TestReport {
    pub verdict: Verdict,
    pub server_date: Option<DateTime<Utc>>,
}

/// `GET {base}/v1/apps?limit=1` with the token; never retried (a retry could hide a 401).
pub fn test_api_key(
    base: &str,
    key: &ApiKey,
    token: &str,
    minted_at: DateTime<Utc>,
    timeout: std::time::Duration,
) -> Result<TestReport, NetError> {
    let mut http = Client::new(timeout);
    let url = format!("{}/v1/apps?limit=1", base.trim_end_matches('/'));
    let resp = http.send(
        "GET",
        &url,
        &[
            ("Authorization", format!("Bearer {token}")),
            ("Accept", "application/json".into()),
        ],
        None,
    )?;
    let server_date = resp
        .header("Date")
        .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
        .map(|d| d.with_timezone(&Utc));
    let verdict = match resp.status {
        200 => Verdict::Working,
        401 => Verdict::Rejected {
            causes: likely_causes(key, minted_at, server_date),
        },
        403 => Verdict::Forbidden(forbidden(&resp)),
        status => Verdict::Other {
            status,
            detail: resp
                .json()
                .and_then(|j| {
                    j["errors"][0]["detail"]
                        .as_str()
                        .map(crate::one_line::one_line)
                })
                .unwrap_or_default(),
        },
    };
    Ok(TestReport {
        verdict,
        server_date,
    })
}

/// A 403 by its `errors[0].code`: the agreement code is no role problem.
pub fn forbidden(resp: &super::http::Response) -> AppleRefusal {
    let json = resp.json();
    let first = json.as_ref().map(|j| &j["errors"][0]);
    let code = first.and_then(|e| e["code"].as_str());
    let detail = first
        .and_then(|e| e["detail"].as_str())
        .map(crate::terminal_text::clean_line)
        .unwrap_or_default();
    AppleRefusal::forbidden(code, &detail)
}

/// The causes of a 401 worth checking, most likely first, with what apple-conn could verify here.
fn likely_causes(
    key: &ApiKey,
    minted_at: DateTime<Utc>,
    server_date: Option<DateTime<Utc>>,
) -> Vec<String> {
    let mut causes = Vec::new();
    if let Some(server) = server_date {
        let skew = (minted_at - server).num_seconds();
        if skew.abs() > 60 {
            causes.push(format!(
                "clock skew: this machine's clock is {} s {} Apple's (server Date header); fix the time (e.g. enable NTP) and test again",
                skew.abs(),
                if skew > 0 { "ahead of" } else { "behind" }
            ));
        }
    }
    match key.kind {
        KeyKind::Team => causes.push(format!(
            "wrong issuer ID: check that {} is the Issuer ID shown above the keys in App Store Connect › Users and Access › Integrations",
            key.issuer_id.as_deref().unwrap_or("(none)")
        )),
        KeyKind::Individual => causes.push(
            "individual key: if this key is a team key, set kind = \"team\" and its issuer_id (tokens of individual keys carry sub = \"user\", not iss)".into(),
        ),
    }
    causes.push(format!(
        "the key was revoked, or {} is not this key's ID: check the key's status in App Store Connect",
        key.key_id
    ));
    causes.push(
        "the .p8 belongs to another key: compare its fingerprint with `apple-conn check`".into(),
    );
    causes
}
