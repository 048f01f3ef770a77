//! Removing a connection: the workspace first (never a connection pointing to a deleted secret), then its secrets.

use crate::secrets::{SecretStore, Secrets};
use crate::store::UpdateError;
use crate::store::edit::{self, ConnectionKind};

use super::save::{self, Target};

pub struct Removed {
    /// The apps the connection was cleared from.
    pub cleared: Vec<String>,
    /// Secrets that could not be deleted, grouped by reason: (reason, entries).
    pub leftovers: Vec<(String, Vec<String>)>,
    /// Secrets left in place because they are not this workspace's to delete (another workspace
    /// owns them, or this file does not own its id on this host): each with why.
    pub kept: Vec<String>,
    pub loaded: crate::store::Loaded,
}

#[derive(Debug)]
pub enum RemoveError {
    NotFound,
    Save(UpdateError),
}

pub fn remove(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    workspace: &crate::domain::workspace::Workspace,
    kind: ConnectionKind,
    id: &str,
) -> Result<Removed, RemoveError> {
    // Held from the look-up through the last delete: what is deleted is what the file listed.
    let _lock = target.lock().map_err(RemoveError::Save)?;
    let now = match target {
        Target::Disk(_) => Some(target.current().map_err(RemoveError::Save)?),
        Target::Memory(_) => None,
    };
    let workspace = now.as_ref().map_or(workspace, |l| &l.workspace);
    let refs =
        crate::secrets::connection_secrets(workspace, kind, id).ok_or(RemoveError::NotFound)?;
    let (cleared, loaded) = save::apply(target, |_, doc| edit::remove_connection(doc, kind, id))
        .map_err(RemoveError::Save)?;
    let secrets = Secrets {
        keyring,
        workspace_file: target.path(),
    };
    let mut leftovers: Vec<(String, Vec<String>)> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for (r, _) in &refs {
        // A killed write of this connection's session file may have left a temp copy beside it.
        if let crate::domain::secret_ref::SecretRef::Path(p) = r {
            let full = crate::store::resolve_path(target.path(), p);
            crate::store::files::sweep_stale_temps(&crate::store::files::folder_of(&full));
        }
    }
    for (r, entry) in refs {
        if let Err(e) = secrets.delete(&r, &entry) {
            let reason = e.to_string();
            let shown = match r {
                crate::domain::secret_ref::SecretRef::Keyring => keyring.label(&entry),
                _ => entry.to_string(),
            };
            if let crate::secrets::SecretError::NotOwned(why) = &e {
                kept.push(format!("{shown}: {why}"));
                continue;
            }
            match leftovers.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, entries)) => entries.push(shown),
                None => leftovers.push((reason, vec![shown])),
            }
        }
    }
    Ok(Removed {
        cleared,
        leftovers,
        kept,
        loaded,
    })
}
