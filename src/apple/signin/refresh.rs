//! A new session without a code while the 30-day trust cookie (`DES…`) lives, as fastlane does
//! on every CI run: first `has_valid_session`, then password + trust cookie (client.rb:565-612).

use chrono::{DateTime, Utc};

use super::{
    Endpoints, Flow, Progress, SessionInfo, SignInError, SignedIn, check_session, load_cookies,
};
use crate::apple::session::StoredSession;
use crate::secrets::SecretValue;

#[derive(Debug)]
pub enum Refreshed {
    /// olympus still answers with the account: no sign-in was sent (Apple rate-limits them).
    StillValid(SessionInfo),
    /// Signed in again with the trust cookie; the caller stores the new session.
    SignedIn(SignedIn),
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("the stored session has no trust cookie (DES…), so Apple would ask for a code")]
    NoTrustCookie,
    #[error("the trust cookie expired on {0}, so Apple would ask for a code")]
    TrustExpired(String),
    #[error("Apple no longer accepts the trust cookie and asks for a verification code (409)")]
    CodeNeeded,
    #[error("{0}")]
    SignIn(#[from] SignInError),
}

impl RefreshError {
    /// Only a new two-factor sign-in (`reauth`) helps.
    pub fn needs_reauth(&self) -> bool {
        matches!(
            self,
            RefreshError::NoTrustCookie | RefreshError::TrustExpired(_) | RefreshError::CodeNeeded
        )
    }
}

/// Checks the stored session (unless `force`), then signs in with the password and the trust
/// cookie, never asking for a code. Stores nothing: the caller keeps what this returns.
pub fn refresh(
    ep: &Endpoints,
    apple_id: &str,
    password: &SecretValue,
    stored: &StoredSession,
    force: bool,
    now: DateTime<Utc>,
    progress: &mut dyn Progress,
) -> Result<Refreshed, RefreshError> {
    let old_trust = stored
        .cookies
        .iter()
        .find(|c| c.name.starts_with("DES"))
        .cloned()
        .ok_or(RefreshError::NoTrustCookie)?;
    let old_expiry = stored.trust_expires_at();
    if !force {
        progress.step("Checking the stored session…");
        if let Some(info) = check_session(ep, stored, now)? {
            return Ok(Refreshed::StillValid(info));
        }
    }
    if let Some(at) = old_expiry.filter(|at| *at <= now) {
        return Err(RefreshError::TrustExpired(crate::apple::session::rfc3339(
            at,
        )));
    }
    let mut flow = Flow::new(ep);
    load_cookies(&mut flow.http, stored, ep, now);
    if flow.password_step(apple_id, password, progress)? == 409 {
        return Err(RefreshError::CodeNeeded);
    }
    let mut signed = flow.finish(Vec::new(), progress, now)?;
    // Apple may set a new trust cookie; if it did not, the old one (and its expiry) stands.
    let replaced = signed
        .session
        .cookies
        .iter()
        .any(|c| c.name == old_trust.name && c.value != old_trust.value);
    if !replaced {
        let mut kept = old_trust;
        if kept.expires.is_none() {
            kept.expires = old_expiry;
        }
        signed.session.cookies.retain(|c| c.name != kept.name);
        signed.session.cookies.push(kept);
        signed.expires_at = old_expiry;
    }
    Ok(Refreshed::SignedIn(signed))
}
