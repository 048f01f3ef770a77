//! Whose secret it is (issue 33): the workspace id a file may act for on this host
//! (`store::owners`), for writes (which may bind a new id) and for deletes (which never bind).

use std::path::Path;

use super::SecretError;
use crate::store::owners::{self, Standing};

/// The id under which this file may delete and release secrets, or why it may not.
pub fn deleter(workspace_file: &Path) -> Result<String, String> {
    match owners::standing(workspace_file) {
        // Written by this process before the save that records (and binds) a new id.
        Standing::NoId => crate::store::workspace_id::pending(workspace_file)
            .ok_or_else(|| Standing::NoId.refusal(workspace_file)),
        s => s.owner(workspace_file).map(str::to_string),
    }
}

/// The id a write from this file records as its owner. A file without an id gets the id its next
/// save writes (bound then); an id no file holds on this host is bound now when `has_entries`
/// says nothing is kept under it yet (so a copy never takes over another file's entries); an id
/// another file holds is refused: a copy writes nothing under it.
pub fn writer(
    workspace_file: &Path,
    has_entries: &dyn Fn(&str) -> bool,
) -> Result<String, SecretError> {
    match owners::standing(workspace_file) {
        Standing::Owner(id) => Ok(id),
        Standing::NoId => Ok(crate::store::workspace_id::pending_or_new(workspace_file)),
        Standing::Unbound(id) | Standing::Stale { id, .. } => {
            if !has_entries(&id) {
                let _ = owners::bind(workspace_file, &id);
            }
            Ok(id)
        }
        s @ (Standing::Copy { .. } | Standing::State(_)) => Err(SecretError::Failed(format!(
            "nothing written: {}",
            s.refusal(workspace_file)
        ))),
    }
}

/// Whether this host's keyring keeps anything under `id` (an unreachable keyring keeps nothing
/// this process could delete): a vault write binds a new id only when it does not.
pub fn keyring_holds(id: &str) -> bool {
    let Ok(store) = super::KeyringStore::open() else {
        return false;
    };
    let prefix = format!("{id}/");
    store
        .list_users()
        .map(|users| users.iter().any(|u| u.starts_with(&prefix)))
        .unwrap_or(true)
}
