//! Keeping a session won by a trusted refresh (`session refresh`, the TUI's re-authenticate):
//! `session::keep_session` with authenticated_at unchanged (no new code).

use super::save::Target;
pub use super::session::{KeepError, Kept};
use super::session::{Stamp, keep_session};
use crate::apple::signin::SignedIn;
use crate::domain::secret_ref::SecretRef;
use crate::secrets::SecretStore;
use crate::store::Loaded;

/// Stores `signed` at `place` and records its expiry (and teams, when olympus listed some).
pub fn keep(
    target: Target,
    keyring: &dyn SecretStore,
    loaded: &Loaded,
    apple_id: &str,
    place: &SecretRef,
    signed: &SignedIn,
) -> Result<Kept, KeepError> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| KeepError::NoAppleId(apple_id.to_string()))?;
    // No new trust: authenticated_at (the last code) stays; teams only when olympus listed some.
    let teams = if signed.teams.is_empty() {
        aid.teams.clone()
    } else {
        signed.teams.clone()
    };
    let stamp = Stamp {
        authenticated_at: aid.authenticated_at,
        expires_at: signed.expires_at,
        teams,
    };
    let mut kept = keep_session(
        target,
        keyring,
        loaded,
        apple_id,
        place,
        &signed.session.to_secret(),
        stamp,
    )?;
    kept.warnings.splice(0..0, signed.warnings.iter().cloned());
    Ok(kept)
}
