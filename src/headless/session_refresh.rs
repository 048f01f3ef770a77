//! `session refresh APPLE_ID`: a thin printer over the trusted refresh (`ops::sign_in`).

use chrono::Utc;

use super::apple_id::{endpoints, session_ref_for, stored_session};
use super::connections::update_failure;
use super::secret_input::SecretSource;
use super::{CmdResult, Failure};
use crate::cli::SessionRefreshArgs;
use crate::ops::refresh::KeepError;
use crate::ops::save::Target;
use crate::ops::session;
use crate::ops::sign_in::{Refreshed, trusted_refresh};
use crate::ops::{self, Clock};
use crate::secrets::{EntryName, SecretStore, Secrets};
use crate::store::Loaded;

/// What a refresh did: Apple still accepted the old session, or a new one is stored.
pub enum Done {
    StillValid,
    Refreshed {
        expires_at: Option<chrono::DateTime<Utc>>,
        warnings: Vec<String>,
    },
}

pub fn run(loaded: &Loaded, keyring: &dyn SecretStore, args: &SessionRefreshArgs) -> CmdResult {
    let id = &args.apple_id;
    match perform(loaded, keyring, args, super::clock(&args.now)?)? {
        Done::StillValid => {
            println!(
                "valid: the session of {id} is still accepted by Apple; not signing in (Apple rate-limits sign-ins; --force signs in anyway)"
            );
        }
        Done::Refreshed {
            expires_at,
            warnings,
        } => {
            println!(
                "refreshed: signed in as {id} with the trust cookie (no code); the session expires {}",
                expires_at
                    .map(session::rfc3339)
                    .unwrap_or_else(|| "at an unknown time (Apple gave no expiry)".into())
            );
            for w in &warnings {
                eprintln!("warning: {}", crate::terminal_text::clean(w));
            }
        }
    }
    Ok(0)
}

/// The refresh itself, shared by `session refresh` and `doctor --refresh`: signs in with the
/// trust cookie, stores the new session and records its expiry; prints nothing on stdout.
pub fn perform(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    args: &SessionRefreshArgs,
    clock: Clock,
) -> Result<Done, Failure> {
    let id = &args.apple_id;
    let aid = loaded.workspace.apple_id(id).cloned().ok_or_else(|| {
        Failure::new(
            1,
            format!("no Apple ID connection {id}: add it with `apple-conn add apple-id`"),
        )
    })?;
    let ep = endpoints(args.apple_auth_url.as_deref(), Some(loaded))?;
    let stored = stored_session(loaded, keyring, id)?;
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    let password = match &args.password_from {
        Some(from) => {
            let src: SecretSource = from
                .parse()
                .map_err(|e: String| Failure::new(2, format!("--password-from: {e}")))?;
            src.read("password")?
        }
        None => secrets
            .get(&aid.password, &EntryName::password(id))
            .map_err(|e| {
                Failure::new(
                    1,
                    format!("the password of {id}: {e} (or pass --password-from)"),
                )
            })?,
    };
    let mut progress = |text: &str| eprintln!("{text}");
    let outcome = trusted_refresh(
        &ep,
        id,
        &password,
        &stored.to_stored(),
        args.force,
        clock.now(),
        &mut progress,
    )
    .map_err(|e| {
        if e.needs_reauth() {
            Failure::new(
                1,
                format!("{e}: renew the 30 days with a code: `apple-conn reauth {id}`"),
            )
        } else {
            Failure::new(1, format!("could not refresh the session of {id}: {e}"))
        }
    })?;
    let signed = match outcome {
        Refreshed::StillValid(_) => return Ok(Done::StillValid),
        Refreshed::SignedIn(signed) => signed,
    };
    let place = session_ref_for(&loaded.path, args.store, None, aid.session.as_ref())?;
    let kept = ops::refresh::keep(
        Target::Disk(&loaded.path),
        keyring,
        loaded,
        id,
        &place,
        &signed,
    )
    .map_err(|e| match e {
        KeepError::Workspace(u) => update_failure(u),
        other => Failure::new(1, other.to_string()),
    })?;
    if let Some(why) = kept.superseded {
        return Err(Failure::new(
            1,
            format!("refreshed the session of {id}, but did not keep it: {why}"),
        ));
    }
    Ok(Done::Refreshed {
        expires_at: kept.expires_at,
        warnings: kept.warnings,
    })
}
