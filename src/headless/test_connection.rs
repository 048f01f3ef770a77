//! `apple-conn test NAME`: exit 0 working, 1 rejected or not usable, 2 network failure.

use schemars::JsonSchema;
use serde::Serialize;

use super::connections::read_key_pem;
use super::{CmdResult, Failure};
use crate::asc::jwt;
use crate::cli::{TestArgs, TextJson};
use crate::domain::schema_version::SchemaVersion;
use crate::domain::workspace::SessionState;
use crate::ops::test::{Verdict, test_with_token};
use crate::secrets::SecretStore;
use crate::store::Loaded;

/// `test NAME --format json`: an API key's connection test, or an Apple ID's session as the
/// workspace records it.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TestJson<'a> {
    ApiKey {
        schema_version: SchemaVersion,
        name: &'a str,
        key_id: &'a str,
        result: TestResult,
        messages: Vec<String>,
        /// The Date header of App Store Connect's answer (a clock skew shows here).
        server_date: Option<String>,
    },
    AppleId {
        schema_version: SchemaVersion,
        name: &'a str,
        result: TestResult,
        session_expires_at: Option<String>,
        messages: Vec<String>,
    },
}

/// An API key: `working`, `rejected`, `forbidden`, `error`; an Apple ID's session: `valid`,
/// `expiring_soon`, `expired`, `never_authenticated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestResult {
    Working,
    Rejected,
    Forbidden,
    Error,
    Valid,
    ExpiringSoon,
    Expired,
    NeverAuthenticated,
}

pub fn run(loaded: &Loaded, keyring: &dyn SecretStore, args: &TestArgs) -> CmdResult {
    let ws = &loaded.workspace;
    let now = super::clock(&args.now)?.now();
    if let Some(aid) = ws.apple_id(&args.name) {
        let state = aid.session_state(now);
        let (code, result, text) = match state {
            SessionState::Valid { .. } => (
                0,
                TestResult::Valid,
                format!(
                    "{}: the 2FA session {} (from the workspace; Apple has no API to test an Apple ID). `apple-conn session check {}` asks Apple whether it is still alive",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                ),
            ),
            SessionState::ExpiringSoon { .. } => (
                0,
                TestResult::ExpiringSoon,
                format!(
                    "{}: the 2FA session {}: re-authenticate soon with `apple-conn reauth {}`",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                ),
            ),
            SessionState::Expired { .. } => (
                1,
                TestResult::Expired,
                format!(
                    "{}: the 2FA session {}: steps that use it fail; run `apple-conn reauth {}`",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                ),
            ),
            SessionState::NeverAuthenticated => (
                1,
                TestResult::NeverAuthenticated,
                format!(
                    "{}: never authenticated with a 2FA code: run `apple-conn reauth {}`",
                    aid.apple_id, aid.apple_id
                ),
            ),
        };
        match args.format {
            TextJson::Json => {
                let doc = TestJson::AppleId {
                    schema_version: SchemaVersion,
                    name: &aid.apple_id,
                    result,
                    session_expires_at: state.expires_at().map(super::rfc3339),
                    messages: vec![text],
                };
                let text = serde_json::to_string(&doc).unwrap_or_default();
                super::raw_out(&format!("{text}\n")); // raw: JSON
            }
            TextJson::Text => println!("{}", crate::terminal_text::clean(&text)),
        }
        return Ok(code);
    }
    let key = super::tokens::find_key(loaded, &args.name)?;
    let base = crate::ops::test::api_base(loaded, args.base_url.as_deref())
        .map_err(|e| Failure::new(2, e))?;
    let pem = read_key_pem(&loaded.path, keyring, key)?;
    let token = jwt::mint(key, &pem, now.timestamp(), jwt::DEFAULT_TTL, &[])
        .map_err(|e| Failure::new(1, e.to_string()))?;
    let timeout = std::time::Duration::from_secs(args.timeout.max(1));
    let report = test_with_token(&base, key, &token, now, timeout)
        .map_err(|e| Failure::new(2, format!("could not reach App Store Connect: {e}")))?;
    let (code, verdict, lines) = match &report.verdict {
        Verdict::Working => (
            0,
            TestResult::Working,
            vec![format!(
                "{}: working: App Store Connect accepted the token",
                key.identity()
            )],
        ),
        Verdict::Rejected { causes } => {
            let mut l = vec![format!(
                "{}: Apple rejected the token (401). Likely causes, most likely first:",
                key.identity()
            )];
            l.extend(causes.iter().map(|c| format!("  - {c}")));
            (1, TestResult::Rejected, l)
        }
        Verdict::Forbidden(refusal) => (
            1,
            TestResult::Forbidden,
            vec![format!(
                "{}: {}",
                key.identity(),
                refusal.advice("call this endpoint")
            )],
        ),
        Verdict::Other { status, detail } => (
            1,
            TestResult::Error,
            vec![format!(
                "{}: App Store Connect answered {status}{}",
                key.identity(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            )],
        ),
    };
    match args.format {
        TextJson::Json => {
            let doc = TestJson::ApiKey {
                schema_version: SchemaVersion,
                name: &key.name,
                key_id: &key.key_id,
                result: verdict,
                messages: lines,
                server_date: report.server_date.map(super::rfc3339),
            };
            let text = serde_json::to_string(&doc).unwrap_or_default();
            super::raw_out(&format!("{text}\n")); // raw: JSON
        }
        TextJson::Text => {
            for l in lines {
                println!("{}", crate::terminal_text::clean(&l));
            }
        }
    }
    Ok(code)
}
