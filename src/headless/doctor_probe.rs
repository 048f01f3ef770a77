//! `doctor`'s looks that need I/O: reading the API keys, the connection test, `session check`,
//! and the seam of the trusted refresh. Each returns a domain probe; the rules stay in the domain.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::asc::{jwt, p8};
use crate::domain::doctor::{KeyLive, KeyRead, SessionLive};
use crate::domain::workspace::ApiKey;
use crate::ops::sign_in as signin;
use crate::ops::test::{Verdict, test_with_token};
use crate::secrets::{EntryName, SecretError, SecretStore, SecretValue, Secrets};
use crate::store::Loaded;

/// The live checks wait at most this long for each answer.
const LIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads the private key (never printed) and checks it is a .p8 key.
pub fn read_key(
    workspace_file: &Path,
    keyring: &dyn SecretStore,
    key: &ApiKey,
) -> (KeyRead, Option<SecretValue>) {
    let secrets = Secrets {
        keyring,
        workspace_file,
    };
    match secrets.get(&key.private_key, &EntryName::api_key(&key.key_id)) {
        Err(e @ (SecretError::Unavailable(_) | SecretError::NoKeyring(_))) => {
            (KeyRead::Unreachable(e.to_string()), None)
        }
        Err(e) => (KeyRead::Broken(e.to_string()), None),
        Ok(value) => match p8::import(value.expose().as_bytes(), None, None) {
            Ok(imported) => (KeyRead::Readable, Some(imported.pem)),
            Err(e) => (KeyRead::Broken(e.to_string()), None),
        },
    }
}

/// The connection test of `apple-conn test`: a fresh token, `GET /v1/apps?limit=1`.
/// `now`: the token's instant (the real time: Apple judges it).
pub fn test_key(loaded: &Loaded, key: &ApiKey, pem: &SecretValue, now: DateTime<Utc>) -> KeyLive {
    // The one URL policy of `apple-conn test`: the file's api_base_url only once this host trusts it.
    let base = match crate::ops::test::api_base(loaded, None) {
        Ok(base) => base,
        Err(e) => return KeyLive::Unreachable(format!("App Store Connect API URL: {e}")),
    };
    let token = match jwt::mint(key, pem, now.timestamp(), jwt::DEFAULT_TTL, &[]) {
        Ok(t) => t,
        Err(e) => return KeyLive::Rejected(vec![e.to_string()]),
    };
    match test_with_token(&base, key, &token, now, LIVE_TIMEOUT) {
        Err(e) => KeyLive::Unreachable(e.to_string()),
        Ok(report) => match report.verdict {
            Verdict::Working => KeyLive::Working,
            Verdict::Rejected { causes } => KeyLive::Rejected(causes),
            Verdict::Forbidden(r) => KeyLive::Forbidden(r),
            Verdict::Other { status, detail } => KeyLive::Answered { status, detail },
        },
    }
}

/// `session check`: asks Apple whether the stored session is alive.
pub fn check_session(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    apple_id: &str,
    now: DateTime<Utc>,
) -> SessionLive {
    let session = match super::apple_id::stored_session(loaded, keyring, apple_id) {
        Ok(s) => s,
        Err(f) => return SessionLive::NotStored(f.message),
    };
    let ep = match super::apple_id::endpoints(None, Some(loaded)) {
        Ok(ep) => ep,
        Err(f) => return SessionLive::Unreachable(f.message),
    };
    match signin::check_session(&ep, &session.to_stored(), now) {
        Ok(Some(_)) => SessionLive::Alive,
        Ok(None) => SessionLive::Dead,
        // check_session already turns Apple's refusals into Ok(None): what is left could not look.
        Err(e) => SessionLive::Unreachable(e.to_string()),
    }
}

/// The trusted refresh (`session refresh`): a new session from the trust cookie, no 2FA code.
/// Returns the new session expiry; the caller reloads the workspace and asks Apple again.
pub fn refresh(
    workspace_file: &Path,
    keyring: &dyn SecretStore,
    apple_id: &str,
    clock: crate::ops::Clock,
) -> Result<Option<DateTime<Utc>>, String> {
    let loaded = super::load_path(workspace_file).map_err(|f| f.message)?;
    let args = crate::cli::SessionRefreshArgs {
        apple_id: apple_id.to_string(),
        // Doctor asked Apple already and found the session dead: no second check.
        force: true,
        password_from: None,
        apple_auth_url: None,
        store: None,
        now: None,
    };
    match super::session_refresh::perform(&loaded, keyring, &args, clock).map_err(|f| f.message)? {
        super::session_refresh::Done::StillValid => Ok(None),
        super::session_refresh::Done::Refreshed { expires_at, .. } => Ok(expires_at),
    }
}
