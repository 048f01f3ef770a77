//! Keeping a session, for every way one is won (sign-in, trusted refresh, import): the secret
//! first, then the workspace's session fields; the old copy goes after a move, its failure reported.

use chrono::{DateTime, Utc};

use super::save::{self, Target};
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::domain::workspace::Team;
use crate::secrets::{EntryName, Renewed, SecretStore, SecretValue, Secrets};
use crate::store::{Loaded, UpdateError, edit};

/// A session's forms (stored, FASTLANE_SESSION), for the faces.
pub use crate::apple::session::{
    Session, StoredSession, fastlane_session_from_stored, rfc3339, single_line, to_fastlane_yaml,
};

/// What keeping the session did: the new workspace, and warnings to show (never secrets).
pub struct Kept {
    pub loaded: Loaded,
    pub expires_at: Option<DateTime<Utc>>,
    pub warnings: Vec<String>,
    /// Nothing was written: another host stored a later version meanwhile, kept (says whose).
    pub superseded: Option<String>,
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

/// The workspace fields a kept session sets.
pub struct Stamp {
    /// The last 2FA code (a trusted refresh keeps the old one).
    pub authenticated_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub teams: Vec<Team>,
}

/// Stores `secret` as the session of `apple_id` at `place`, records `stamp`, drops the old copy.
pub fn keep_session(
    target: Target,
    keyring: &dyn SecretStore,
    loaded: &Loaded,
    apple_id: &str,
    place: &SecretRef,
    secret: &SecretValue,
    stamp: Stamp,
) -> Result<Kept, KeepError> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| KeepError::NoAppleId(apple_id.to_string()))?;
    let secrets = Secrets {
        keyring,
        workspace_file: target.path(),
    };
    let renewed = secrets
        .renew(place, &EntryName::session(apple_id), secret)
        .map_err(|e| KeepError::Secret(e.to_string()))?;
    if let Renewed::Superseded(why) = renewed {
        // Decided by versions, not clocks: the later write stands and the workspace is unchanged.
        return Ok(Kept {
            loaded: loaded.clone(),
            expires_at: aid.session_expires_at,
            warnings: Vec::new(),
            superseded: Some(why),
        });
    }
    let old = aid.session.clone().unwrap_or_default();
    let id = apple_id.to_string();
    let r = (place != &SecretRef::Keyring).then(|| place.clone());
    let Stamp {
        authenticated_at,
        expires_at,
        teams,
    } = stamp;
    let ((), new) = save::apply(target, move |_, doc| {
        edit::set_apple_id_ref(doc, &id, "session", r.as_ref())?;
        edit::set_session_fields(doc, &id, authenticated_at, expires_at, &teams)
    })
    .map_err(KeepError::Workspace)?;
    let mut warnings = Vec::new();
    if let Some(w) = drop_old_copy(&secrets, &old, place, apple_id) {
        warnings.push(w);
    }
    Ok(Kept {
        loaded: new,
        expires_at,
        warnings,
        superseded: None,
    })
}

/// After a session moved stores, the old copy goes (a session file only when it holds an
/// apple-conn session: live cookies never stay behind); the warning when it cannot.
fn drop_old_copy(
    secrets: &Secrets,
    old: &SecretRef,
    new: &SecretRef,
    apple_id: &str,
) -> Option<String> {
    if old == new
        || !matches!(
            old,
            SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry) | SecretRef::Path(_)
        )
    {
        return None;
    }
    secrets
        .delete(old, &EntryName::session(apple_id))
        .err()
        .map(|e| {
            format!(
                "the old session copy in {} could not be deleted ({e}): delete it by hand",
                old.describe()
            )
        })
}
