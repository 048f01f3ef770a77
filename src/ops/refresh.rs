//! Keeping a session won by a trusted refresh (`session refresh`, the TUI's re-authenticate):
//! the secret first, then the workspace's session fields; authenticated_at stays (no new code).

use chrono::{DateTime, Utc};

use super::save::{self, Target};
use crate::apple::signin::SignedIn;
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::secrets::{EntryName, SecretStore, Secrets};
use crate::store::{Loaded, UpdateError, edit};

/// What keeping the session did: the new workspace, and warnings to show (never secrets).
pub struct Kept {
    pub loaded: Loaded,
    pub expires_at: Option<DateTime<Utc>>,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    #[error("no Apple ID connection {0}")]
    NoAppleId(String),
    #[error("signed in, but could not keep the session ({0}); the stored one is unchanged")]
    Secret(String),
    #[error("{0}")]
    Workspace(UpdateError),
}

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
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    secrets
        .set(
            place,
            &EntryName::session(apple_id),
            &signed.session.to_secret(),
        )
        .map_err(|e| KeepError::Secret(e.to_string()))?;
    let old = aid.session.clone().unwrap_or_default();
    let at = aid.authenticated_at;
    // No new trust: authenticated_at (the last code) stays; teams only when olympus listed some.
    let teams = if signed.teams.is_empty() {
        aid.teams.clone()
    } else {
        signed.teams.clone()
    };
    let expires = signed.expires_at;
    let id = apple_id.to_string();
    let r = (place != &SecretRef::Keyring).then(|| place.clone());
    let ((), new) = save::apply(target, move |_, doc| {
        edit::set_apple_id_ref(doc, &id, "session", r.as_ref())?;
        edit::set_session_fields(doc, &id, at, expires, &teams)
    })
    .map_err(KeepError::Workspace)?;
    let mut warnings = signed.warnings.clone();
    // After a session moved stores, the old copy goes (a warning when it cannot).
    if &old != place
        && matches!(old, SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry))
        && let Err(e) = secrets.delete(&old, &EntryName::session(apple_id))
    {
        warnings.push(format!(
            "the old session copy in {} could not be deleted ({e}): delete it by hand",
            old.describe()
        ));
    }
    Ok(Kept {
        loaded: new,
        expires_at: expires,
        warnings,
    })
}
