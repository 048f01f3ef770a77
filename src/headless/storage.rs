//! `--store` for the commands that keep a secret (`add api-key`, `add apple-id`, `bitrise login`):
//! settled and checked before a secret is read or anyone is contacted.

use std::path::Path;

use super::Failure;
use crate::cli::KeyStorage;
use crate::domain::secret_ref::SecretRef;
use crate::secrets::{EntryName, SecretError, SecretStore};

/// The store a command uses: `--store` as given; else the keyring when it answers; else, as the
/// TUI does on a host without one, `reference` when every secret can be referenced (`Fallback`
/// says so); else a refusal naming the flags that fix it (`ways_out`), before anything is read.
pub fn choose(
    explicit: Option<KeyStorage>,
    keyring: &dyn SecretStore,
    referenceable: bool,
    ways_out: &str,
) -> Result<(KeyStorage, bool), Failure> {
    if let Some(store) = explicit {
        return Ok((store, false));
    }
    match keyring.reachable() {
        Ok(()) => Ok((KeyStorage::Keyring, false)),
        Err(_) if referenceable => Ok((KeyStorage::Reference, true)),
        Err(e) => Err(Failure::new(
            1,
            format!(
                "no OS keyring is reachable ({}), so the secret has nowhere to go; nothing was read or sent. {ways_out}",
                reason(&e)
            ),
        )),
    }
}

/// Ok when `at` can take `name` now; else why not, with `--store`'s name, before anything is sent.
pub fn check(
    keyring: &dyn SecretStore,
    workspace_file: &Path,
    at: &SecretRef,
    name: &EntryName,
    store: KeyStorage,
) -> Result<(), Failure> {
    crate::ops::storage::check_writable(keyring, workspace_file, at, name).map_err(|e| {
        let flag = match store {
            KeyStorage::Keyring => "keyring",
            KeyStorage::Vault => "vault",
            KeyStorage::Reference => "reference",
        };
        let how = match (&e, at) {
            (SecretError::NoKeyring(_), _) => format!(
                "no OS keyring is reachable ({}): start a Secret Service session (over SSH: `dbus-run-session` with gnome-keyring unlocked), or pass --store reference (the workspace keeps where the secret is) or --store vault",
                reason(&e)
            ),
            (_, SecretRef::Path(_)) => e.to_string(),
            _ => format!("--store {flag}: {e}"),
        };
        Failure::new(1, format!("{how}; nothing was read or sent"))
    })
}

/// The short reason a keyring is missing (the long message names every way out itself).
fn reason(e: &SecretError) -> String {
    match e {
        SecretError::NoKeyring(why) => why.clone(),
        other => other.to_string(),
    }
}
