//! Signing in to an Apple ID, written once for both faces: add an Apple ID, re-authenticate,
//! refresh with the trust cookie, import a session. Each face gives a `CodeSource` (the 2FA code,
//! an SMS choice) and a `Progress`; results and errors are typed, warnings are data.

mod demo;
mod keep;

use chrono::{DateTime, Utc};

use crate::apple::session::{Session, StoredSession};
use crate::apple::signin;
use crate::apple::signin::refresh::{self, RefreshError};
/// The sign-in's questions, answers and results, for the faces (which never name Apple's client).
pub use crate::apple::signin::refresh::{Refreshed, refresh as trusted_refresh};
pub use crate::apple::signin::{
    CodeAnswer, CodeRequest, Delivery, Endpoints, Retry, SignInError, SignedIn, check_session,
};
pub use crate::apple::signin::{CodeSource, Progress};
use crate::domain::rules::AppleIdRefusal;
use crate::secrets::{EntryName, SecretError, SecretStore, SecretValue, Secrets};
use crate::store::{Loaded, UpdateError};

use super::Clock;
pub use super::session::{KeepError, Kept};
pub use keep::{
    Added, Imported, NewAppleId, Reauth, add_apple_id, import_session, keep_new, keep_reauth,
    reauth,
};

/// Who answers a sign-in: Apple (or a proxy/stub at an override URL), or `--demo`'s stand-in.
#[derive(Clone)]
pub enum Service {
    Apple(Endpoints),
    /// `--demo`: an in-process stand-in, labelled on screen; the code is 123456.
    Demo,
}

/// What a sign-in needs besides the account, from the face that runs it.
pub struct Job<'a> {
    pub service: &'a Service,
    /// Ask for the code by SMS (or voice) to this trusted number id.
    pub sms: Option<i64>,
    pub clock: Clock,
    pub codes: &'a mut dyn CodeSource,
    pub progress: &'a mut dyn Progress,
}

/// A secret written before a failure that could not be removed again: named as its store shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub entry: String,
    pub error: String,
}

/// Why a sign-in operation did not end with a kept session (callers branch on the variant).
#[derive(Debug)]
pub enum SignInOpError {
    /// The rules refuse the new Apple ID (asked before Apple is contacted and again under the lock).
    Refused(AppleIdRefusal),
    NoAppleId(String),
    /// The stored password could not be read.
    Password(SecretError),
    /// Apple (or the demo) ended the sign-in.
    SignIn(SignInError),
    /// The text to import is not a session.
    NotASession(String),
    /// Signed in, but a secret could not be kept; the workspace is unchanged.
    Secret {
        error: SecretError,
        leftovers: Vec<Leftover>,
    },
    /// Signed in and the secrets were kept, but the workspace was not saved; they were removed again
    /// except `leftovers`.
    Save {
        error: UpdateError,
        leftovers: Vec<Leftover>,
    },
    /// The session of an existing Apple ID could not be kept.
    Keep(KeepError),
}

/// The two-factor sign-in, by Apple or the demo; stores nothing.
pub fn sign_in(
    apple_id: &str,
    password: &SecretValue,
    job: Job<'_>,
) -> Result<SignedIn, SignInError> {
    let now = job.clock.now();
    match job.service {
        Service::Apple(ep) => signin::sign_in(
            ep,
            apple_id,
            password,
            None,
            signin::Ask {
                sms: job.sms,
                codes: job.codes,
                progress: job.progress,
                now,
            },
        ),
        Service::Demo => demo::sign_in(apple_id, now, job.codes, job.progress),
    }
}

/// Why a trusted refresh did not give a session.
#[derive(Debug)]
pub enum Fallback {
    /// Apple wants a code: a two-factor sign-in may follow; the text says why.
    Code(String),
    /// Anything else (wrong password, network): reported, no code asked.
    Failed(RefreshError),
}

/// Signs in with the password and the trust cookie, never asking for a code; `force` skips the
/// "still valid" check (the user asked for a new session).
pub fn try_refresh(
    service: &Service,
    apple_id: &str,
    password: &SecretValue,
    stored: &StoredSession,
    clock: Clock,
    progress: &mut dyn Progress,
) -> Result<SignedIn, Fallback> {
    let now = clock.now();
    let ep = match service {
        Service::Apple(ep) => ep,
        Service::Demo => {
            return demo::refresh(apple_id, stored, now, progress).ok_or_else(|| {
                Fallback::Code("the stored session has no trust cookie (DES…)".into())
            });
        }
    };
    progress.step("The trust cookie is alive: refreshing without a code…");
    match refresh::refresh(ep, apple_id, password, stored, true, now, progress) {
        Ok(Refreshed::SignedIn(signed)) => Ok(signed),
        Ok(Refreshed::StillValid(_)) => Err(Fallback::Code("Apple kept the old session".into())),
        Err(e) if e.needs_reauth() => Err(Fallback::Code(e.to_string())),
        Err(e) => Err(Fallback::Failed(e)),
    }
}

/// Why no stored session could be had.
#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    #[error("no Apple ID connection {0}")]
    NoAppleId(String),
    #[error("no trust cookie is recorded")]
    NoTrustRecorded,
    #[error("the trust cookie expired on {}", crate::apple::session::rfc3339(*.0))]
    TrustExpired(DateTime<Utc>),
    /// The store could not give it.
    #[error("the stored session cannot be read ({0})")]
    Unreadable(SecretError),
    /// It was read but is not a session.
    #[error("the stored session is unreadable ({0})")]
    Damaged(String),
}

/// The stored session of `apple_id`, as its store holds it.
pub fn stored_session(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    apple_id: &str,
) -> Result<Session, StoredError> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| StoredError::NoAppleId(apple_id.to_string()))?;
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    let value = secrets
        .get(
            &aid.session.clone().unwrap_or_default(),
            &EntryName::session(apple_id),
        )
        .map_err(StoredError::Unreadable)?;
    Session::from_secret(&value).map_err(StoredError::Damaged)
}

/// The stored session when its trust cookie is alive by `clock` (a refresh needs no code).
pub fn trusted_session(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    apple_id: &str,
    clock: Clock,
) -> Result<StoredSession, StoredError> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| StoredError::NoAppleId(apple_id.to_string()))?;
    match aid.session_expires_at {
        Some(at) if at > clock.now() => {}
        Some(at) => return Err(StoredError::TrustExpired(at)),
        None => return Err(StoredError::NoTrustRecorded),
    }
    stored_session(loaded, keyring, apple_id).map(|s| s.to_stored())
}

/// The password of an existing Apple ID, from where the workspace says it is.
pub fn stored_password(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    apple_id: &str,
) -> Result<SecretValue, SignInOpError> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| SignInOpError::NoAppleId(apple_id.to_string()))?;
    password_from(keyring, &loaded.path, apple_id, &aid.password).map_err(SignInOpError::Password)
}

/// The password of an Apple ID not in the workspace yet, read from where the user points.
pub fn password_from(
    keyring: &dyn SecretStore,
    workspace_file: &std::path::Path,
    apple_id: &str,
    from: &crate::domain::secret_ref::SecretRef,
) -> Result<SecretValue, crate::secrets::SecretError> {
    let secrets = Secrets {
        keyring,
        workspace_file,
    };
    secrets.get(from, &EntryName::password(apple_id))
}

#[cfg(test)]
mod tests;
