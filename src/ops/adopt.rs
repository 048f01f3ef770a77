//! `secrets adopt`: the explicit step that makes existing secrets this workspace's (issue 33).
//! Binds the file's workspace_id to this file on this host (so `prune`, `remove` and `secrets
//! move` act on the keyring entries under it), and records the workspace as an owner of every
//! vault entry it refers to. Nothing is adopted by any other command.

use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::secrets::{names_kept_in, vault};
use crate::store::Loaded;
use crate::store::owners::{self, Standing};

/// What adopting did.
pub struct Adopted {
    pub workspace_id: String,
    /// The id was bound to this file already.
    pub was_bound: bool,
    /// Vault entries now recording this workspace as an owner (the vault's words for each).
    pub vault_claimed: Vec<String>,
    /// Vault entries it refers to that are not there (nothing to own).
    pub vault_missing: Vec<String>,
    /// The vault could not be reached (why): the keyring part still holds.
    pub vault_error: Option<String>,
}

pub fn adopt(loaded: &Loaded) -> Result<Adopted, String> {
    let path = &loaded.path;
    let (id, was_bound) = match owners::standing(path) {
        Standing::Owner(id) => (id, true),
        Standing::Unbound(id) | Standing::Stale { id, .. } => {
            owners::bind(path, &id)?;
            (id, false)
        }
        Standing::NoId => {
            return Err(format!(
                "{} has no workspace_id: it owns nothing yet (its next save gives it one)",
                path.display()
            ));
        }
        s @ (Standing::Copy { .. } | Standing::State(_)) => return Err(s.refusal(path)),
    };
    let mut out = Adopted {
        workspace_id: id.clone(),
        was_bound,
        vault_claimed: Vec::new(),
        vault_missing: Vec::new(),
        vault_error: None,
    };
    if loaded.workspace.settings.vault.is_none() {
        return Ok(out);
    }
    let place = SecretRef::Vault(VaultRef::Entry);
    let names = names_kept_in(&loaded.workspace, &place);
    if names.is_empty() {
        return Ok(out);
    }
    let store = match vault::store_for(path) {
        Ok(s) => s,
        Err(e) => {
            out.vault_error = Some(e.to_string());
            return Ok(out);
        }
    };
    for name in names {
        let at = store.entry_path(&name);
        let shown = store.shown_rel(name.user());
        let claimed = store.current(&name).and_then(|(_, value)| match value {
            Some(_) => store.claim(&at, &id, &name).map(|()| true),
            None => Ok(false),
        });
        match claimed {
            Ok(true) => out.vault_claimed.push(shown),
            Ok(false) => out.vault_missing.push(shown),
            Err(e) => {
                out.vault_error = Some(e.to_string());
                break;
            }
        }
    }
    Ok(out)
}
