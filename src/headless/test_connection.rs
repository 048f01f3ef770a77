//! `apple-conn test NAME`: exit 0 working, 1 rejected or not usable, 2 network failure.

use super::connections::read_key_pem;
use super::{CmdResult, Failure};
use crate::asc::jwt;
use crate::cli::{TestArgs, TextJson};
use crate::domain::workspace::SessionState;
use crate::ops::test::{Verdict, test_with_token};
use crate::secrets::SecretStore;
use crate::store::Loaded;

pub fn run(loaded: &Loaded, keyring: &dyn SecretStore, args: &TestArgs) -> CmdResult {
    let ws = &loaded.workspace;
    let now = super::clock(&args.now)?.now();
    if let Some(aid) = ws.apple_id(&args.name) {
        let state = aid.session_state(now);
        let (code, text) = match state {
            SessionState::Valid { .. } => (
                0,
                format!(
                    "{}: the 2FA session {} (from the workspace; Apple has no API to test an Apple ID). `apple-conn session check {}` asks Apple whether it is still alive",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                ),
            ),
            SessionState::ExpiringSoon { .. } => (
                0,
                format!(
                    "{}: the 2FA session {}: re-authenticate soon with `apple-conn reauth {}`",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                ),
            ),
            SessionState::Expired { .. } => (
                1,
                format!(
                    "{}: the 2FA session {}: steps that use it fail; run `apple-conn reauth {}`",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                ),
            ),
            SessionState::NeverAuthenticated => (
                1,
                format!(
                    "{}: never authenticated with a 2FA code: run `apple-conn reauth {}`",
                    aid.apple_id, aid.apple_id
                ),
            ),
        };
        println!("{}", crate::terminal_text::clean(&text));
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
            "working",
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
            (1, "rejected", l)
        }
        Verdict::Forbidden(refusal) => (
            1,
            "forbidden",
            vec![format!(
                "{}: {}",
                key.identity(),
                refusal.advice("call this endpoint")
            )],
        ),
        Verdict::Other { status, detail } => (
            1,
            "error",
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
            // raw: JSON
            super::raw_out(&format!(
                "{}\n",
                serde_json::json!({"name": key.name, "key_id": key.key_id, "result": verdict, "messages": lines, "server_date": report.server_date.map(super::rfc3339)})
            ))
        }
        TextJson::Text => {
            for l in lines {
                println!("{}", crate::terminal_text::clean(&l));
            }
        }
    }
    Ok(code)
}
