//! Moving old unscoped keyring entries (`apple-conn/api-key/…`) to a workspace's scoped names:
//! only in the save that gives that workspace its id, under its lock, for the entries it lists.
//! Never on a read, never to any other id.

use super::{EntryName, KeyringStore, SecretError, SecretStore, SecretValue};
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::Workspace;

/// Copies made before the save: deleted again if the save fails, the old names deleted after.
pub struct Copies {
    store: Option<KeyringStore>,
    made: Vec<(EntryName, EntryName, SecretValue)>,
}

/// The keyring entries `ws` lists (its secrets kept in the keyring).
fn listed(ws: &Workspace) -> Vec<EntryName> {
    super::names_kept_in(ws, &SecretRef::Keyring)
}

/// Before the save that writes `id` into `path` for the first time: copies each unscoped entry
/// the workspace lists to its scoped name (when that name is free), read back to be sure.
/// No keyring, or nothing listed: nothing to do (the old names stay readable).
pub fn copy_before_save(ws: &Workspace, id: &str) -> Copies {
    let names = listed(ws);
    let mut copies = Copies {
        store: None,
        made: Vec::new(),
    };
    if names.is_empty() {
        return copies;
    }
    let Ok(store) = KeyringStore::open() else {
        return copies;
    };
    for old in names {
        let new = old.scoped(id);
        let Ok(value) = store.get(&old) else { continue };
        if !matches!(store.get(&new), Err(SecretError::NotFound(_))) {
            continue;
        }
        if store.set(&new, &value).is_ok() && store.get(&new).ok().as_ref() == Some(&value) {
            copies.made.push((old, new, value));
        }
    }
    copies.store = Some(store);
    copies
}

/// Makes `store::update` copy old entries in the save that gives a workspace its id (call at start).
pub fn install() {
    crate::store::on_first_id(|ws, id| Box::new(copy_before_save(ws, id)));
}

impl crate::store::CopiesForSave for Copies {
    fn commit(self: Box<Self>) {
        Copies::commit(*self)
    }
    fn undo(self: Box<Self>) {
        Copies::undo(*self)
    }
}

impl Copies {
    /// The save landed: the old names go (each only while it still holds what was copied).
    pub fn commit(self) {
        let Some(store) = self.store else { return };
        for (old, _, value) in &self.made {
            if store.get(old).ok().as_ref() == Some(value) {
                let _ = store.delete(old);
            }
        }
    }

    /// The save failed: the copies go again (each only while it still holds what was copied).
    pub fn undo(self) {
        let Some(store) = self.store else { return };
        for (_, new, value) in &self.made {
            if store.get(new).ok().as_ref() == Some(value) {
                let _ = store.delete(new);
            }
        }
    }
}
