//! The sign-in jobs and what they keep: a new Apple ID (its secrets, then the workspace, undone
//! together), a renewed session (re-authenticate), an imported one.

use chrono::{DateTime, Utc};

use super::super::Clock;
use super::super::save::{self, Target};
use super::super::session::{KeepError, Kept, Stamp, keep_session};
use super::{Job, Leftover, SignInOpError, sign_in, stored_password};
use crate::apple::session;
use crate::apple::signin::SignedIn;
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::domain::workspace::{AppleId, Workspace};
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets, Written};
use crate::store::{Loaded, edit};

/// A new Apple ID and where each secret goes. A password (or app-specific password) is written
/// only to the keyring or the vault; any other reference already holds it and is recorded as is.
/// The session is always written (to the keyring, the vault, or a file apple-conn owns).
pub struct NewAppleId {
    pub apple_id: String,
    pub password: SecretValue,
    pub password_at: SecretRef,
    /// Where the app-specific password is, and its value when apple-conn writes it there
    /// (a reference the user keeps, env or file, needs no value).
    pub app_specific_password: Option<(Option<SecretValue>, SecretRef)>,
    pub session_at: SecretRef,
}

impl NewAppleId {
    /// The connection as the workspace will list it, before the sign-in (for the rules).
    fn connection(&self) -> AppleId {
        AppleId {
            apple_id: self.apple_id.clone(),
            owner: None,
            password: self.password_at.clone(),
            app_specific_password: self.app_specific_password.as_ref().map(|(_, r)| r.clone()),
            authenticated_at: None,
            session_expires_at: None,
            session: (self.session_at != SecretRef::Keyring).then(|| self.session_at.clone()),
            teams: Vec::new(),
        }
    }
}

/// A new Apple ID kept: the connection as saved, with the sign-in's warnings.
pub struct Added {
    pub apple_id: AppleId,
    pub session_at: SecretRef,
    pub account: String,
    pub warnings: Vec<String>,
    pub loaded: Loaded,
}

/// `add apple-id` and the TUI's add: the rules, the sign-in, then `keep_new`.
pub fn add_apple_id(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    workspace: &Workspace,
    new: &NewAppleId,
    job: Job<'_>,
) -> Result<Added, SignInOpError> {
    // Held from the check through the save (the sign-in included): a second `add` of the same
    // Apple ID waits, then fails before it writes a secret.
    let _lock = target.lock().map_err(|error| SignInOpError::Save {
        error,
        leftovers: Vec::new(),
    })?;
    let now = match target {
        Target::Disk(_) => Some(target.current().map_err(|error| SignInOpError::Save {
            error,
            leftovers: Vec::new(),
        })?),
        Target::Memory(_) => None,
    };
    now.as_ref()
        .map_or(workspace, |l| &l.workspace)
        .may_add_apple_id(&new.connection())
        .map_err(SignInOpError::Refused)?;
    let clock = job.clock;
    let signed = sign_in(&new.apple_id, &new.password, job).map_err(SignInOpError::SignIn)?;
    keep_new(target, keyring, clock, new, &signed)
}

fn writes(r: &SecretRef) -> bool {
    matches!(r, SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry))
}

/// Keeps a signed-in new Apple ID: its secrets, then the workspace (authenticated now by `clock`);
/// when either fails, the secrets written are removed again and the ones that stay are reported.
pub fn keep_new(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    clock: Clock,
    new: &NewAppleId,
    signed: &SignedIn,
) -> Result<Added, SignInOpError> {
    let secrets = Secrets {
        keyring,
        workspace_file: target.path(),
    };
    let id = &new.apple_id;
    let mut aid = new.connection();
    aid.authenticated_at = Some(clock.now());
    aid.session_expires_at = signed.expires_at;
    aid.teams = signed.teams.clone();
    let session = signed.session.to_secret();
    let mut puts: Vec<(&SecretRef, EntryName, &SecretValue)> = Vec::new();
    if writes(&new.password_at) {
        puts.push((&new.password_at, EntryName::password(id), &new.password));
    }
    if let Some((Some(value), at)) = &new.app_specific_password
        && writes(at)
    {
        puts.push((at, EntryName::app_specific_password(id), value));
    }
    puts.push((&new.session_at, EntryName::session(id), &session));
    let _lock = target.lock().map_err(|error| SignInOpError::Save {
        error,
        leftovers: Vec::new(),
    })?;
    let mut written: Vec<Written> = Vec::new();
    for (at, name, value) in puts {
        match secrets.create(at, &name, value) {
            Ok(w) => written.push(w),
            Err(error) => {
                let leftovers = undo(&secrets, keyring, &written);
                return Err(SignInOpError::Secret { error, leftovers });
            }
        }
    }
    let mut late = None;
    let saved = save::apply(target, |l, doc| {
        // Under the lock the file may hold an Apple ID added meanwhile: the same rule, typed.
        if let Err(r) = l.workspace.may_add_apple_id(&aid) {
            late = Some(r);
            return Err(String::new());
        }
        edit::add_apple_id(doc, &aid)
    });
    match saved {
        Ok(((), loaded)) => Ok(Added {
            apple_id: aid,
            session_at: new.session_at.clone(),
            account: signed.account.clone(),
            warnings: signed.warnings.clone(),
            loaded,
        }),
        Err(error) => {
            let leftovers = undo(&secrets, keyring, &written);
            Err(match late {
                Some(r) if leftovers.is_empty() => SignInOpError::Refused(r),
                _ => SignInOpError::Save { error, leftovers },
            })
        }
    }
}

/// Removes what this run wrote and still holds (checked at delete time: an entry another
/// process wrote since is left alone); what cannot be removed is returned, never ignored.
fn undo(secrets: &Secrets, keyring: &dyn SecretStore, written: &[Written]) -> Vec<Leftover> {
    written
        .iter()
        .filter_map(|w| {
            secrets.undo(w).err().map(|e| Leftover {
                entry: match w.r {
                    SecretRef::Keyring => keyring.label(&w.name),
                    _ => w.name.to_string(),
                },
                error: e.to_string(),
            })
        })
        .collect()
}

/// Re-authenticating an existing Apple ID.
pub struct Reauth {
    pub apple_id: String,
    /// The password, when not read from where the workspace says it is.
    pub password: Option<SecretValue>,
    /// Where the new session goes, when not where the current one is.
    pub session_at: Option<SecretRef>,
}

/// `reauth`: a two-factor sign-in with the (stored) password, then `keep_reauth`.
pub fn reauth(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    loaded: &Loaded,
    inputs: Reauth,
    job: Job<'_>,
) -> Result<Kept, SignInOpError> {
    let aid = loaded
        .workspace
        .apple_id(&inputs.apple_id)
        .ok_or_else(|| SignInOpError::NoAppleId(inputs.apple_id.clone()))?;
    let password = match inputs.password {
        Some(p) => p,
        None => stored_password(loaded, keyring, &aid.apple_id)?,
    };
    let place = inputs
        .session_at
        .unwrap_or_else(|| aid.session.clone().unwrap_or_default());
    if matches!(place, SecretRef::Vault(_)) {
        // The version this renewal replaces: its check-and-set write detects a concurrent one.
        let secrets = Secrets {
            keyring,
            workspace_file: target.path(),
        };
        let _ = secrets.get(&place, &EntryName::session(&aid.apple_id));
    }
    let clock = job.clock;
    let signed = sign_in(&aid.apple_id, &password, job).map_err(SignInOpError::SignIn)?;
    keep_reauth(
        target,
        keyring,
        loaded,
        clock,
        &aid.apple_id,
        &place,
        &signed,
    )
    .map_err(SignInOpError::Keep)
}

/// Keeps a session won with a new code: authenticated now by `clock`, the teams olympus listed.
pub fn keep_reauth(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    loaded: &Loaded,
    clock: Clock,
    apple_id: &str,
    place: &SecretRef,
    signed: &SignedIn,
) -> Result<Kept, KeepError> {
    let stamp = Stamp {
        authenticated_at: Some(clock.now()),
        expires_at: signed.expires_at,
        teams: signed.teams.clone(),
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

/// A session imported from `fastlane spaceauth` (either form) or `session export`.
pub struct Imported {
    pub cookies: usize,
    pub expires_at: Option<DateTime<Utc>>,
    pub kept: Kept,
}

/// Parses `text` as a session (cookies judged by `clock`) and keeps it at `place` (default: where
/// the current one is); authenticated_at is the session's own, else now.
pub fn import_session(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    loaded: &Loaded,
    clock: Clock,
    apple_id: &str,
    text: &SecretValue,
    place: Option<SecretRef>,
) -> Result<Imported, SignInOpError> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| SignInOpError::NoAppleId(apple_id.to_string()))?;
    let now = clock.now();
    let parsed =
        session::parse_fastlane_session(text.expose(), now).map_err(SignInOpError::NotASession)?;
    let place = place.unwrap_or_else(|| aid.session.clone().unwrap_or_default());
    let expires_at = parsed.trust_expires_at();
    let stamp = Stamp {
        authenticated_at: Some(parsed.authenticated_at().unwrap_or(now)),
        expires_at,
        teams: aid.teams.clone(),
    };
    let kept = keep_session(
        target,
        keyring,
        loaded,
        apple_id,
        &place,
        &parsed.to_secret(),
        stamp,
    )
    .map_err(SignInOpError::Keep)?;
    Ok(Imported {
        cookies: parsed.cookies.len(),
        expires_at,
        kept,
    })
}
