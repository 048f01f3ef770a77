//! Secrets no connection refers to: listed by `check --secrets`, removed by `secrets prune`.
//! Only what this workspace owns: the keyring under its id (when this file owns the id on this
//! host), the vault's entries that record it as an owner; a shared vault entry is released, and
//! deleted only by its last owner.

use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::secrets::{EntryName, SecretError, SecretStore, vault};
use crate::store::Loaded;

/// One entry nothing in the workspace points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreferenced {
    /// In the OS keyring, under this workspace's id (the name as the workspace spells it).
    Keyring(EntryName),
    /// In the vault, below the prefix (`api-key/…`).
    Vault(String),
}

/// What was found, and the stores that could not be searched (why).
pub struct Found {
    pub entries: Vec<(Unreferenced, String)>,
    pub not_searched: Vec<String>,
}

/// Every secret name the workspace refers to in `place` (the keyring or its vault).
fn referenced(loaded: &Loaded, place: &SecretRef) -> Vec<EntryName> {
    crate::secrets::names_kept_in(&loaded.workspace, place)
}

/// Lists the entries no connection refers to.
pub fn find(loaded: &Loaded, keyring: &dyn SecretStore) -> Found {
    let mut found = Found {
        entries: Vec::new(),
        not_searched: Vec::new(),
    };
    let in_keyring = referenced(loaded, &SecretRef::Keyring);
    match keyring.list() {
        Ok(names) => {
            for name in names {
                if !in_keyring.contains(&name) {
                    let shown = format!("{} in {}", keyring.label(&name), keyring.describe());
                    found.entries.push((Unreferenced::Keyring(name), shown));
                }
            }
        }
        Err(e) => found.not_searched.push(format!("the OS keyring ({e})")),
    }
    if loaded.workspace.settings.vault.is_some() {
        let place = SecretRef::Vault(VaultRef::Entry);
        let in_vault: Vec<String> = referenced(loaded, &place)
            .iter()
            .map(|n| n.user().to_string())
            .collect();
        // Only entries this workspace owns: another workspace's under the same prefix are never listed.
        match vault::store_for(&loaded.path).and_then(|v| Ok((v.list_owned()?, v))) {
            Ok((rels, v)) => {
                for rel in rels {
                    if !in_vault.contains(&rel) {
                        let shown = v.shown_rel(&rel);
                        found.entries.push((Unreferenced::Vault(rel), shown));
                    }
                }
            }
            Err(e) => found.not_searched.push(format!("the vault ({e})")),
        }
    }
    found
}

/// Deletes one entry found by `find` (the caller holds the workspace lock and found it just now).
pub fn delete(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    entry: &Unreferenced,
) -> Result<(), SecretError> {
    match entry {
        Unreferenced::Keyring(name) => keyring.delete(name),
        Unreferenced::Vault(rel) => vault::store_for(&loaded.path)?.delete_rel(rel).map(|_| ()),
    }
}
