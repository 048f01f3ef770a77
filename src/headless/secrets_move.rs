//! `secrets move --to vault|keyring`: copy, verify the copy, point the workspace at it, delete the old.

use std::path::Path;

use super::connections::update_failure;
use super::{CmdResult, Failure};
use crate::cli::MoveTarget;
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::ops::edits::{self, Change, SecretField};
use crate::ops::save::Target;
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets, Written, vault};
use crate::terminal_text::say;

/// One secret the workspace owns, and which field of which connection points to it.
struct Owned {
    entry: EntryName,
    from: SecretRef,
    field: SecretField,
}

fn target_ref(to: MoveTarget) -> SecretRef {
    match to {
        MoveTarget::Vault => SecretRef::Vault(VaultRef::Entry),
        MoveTarget::Keyring => SecretRef::Keyring,
    }
}

fn owned(ws: &crate::domain::workspace::Workspace) -> Vec<Owned> {
    let mut out = Vec::new();
    for k in &ws.api_keys {
        out.push(Owned {
            entry: EntryName::api_key(&k.key_id),
            from: k.private_key.clone(),
            field: SecretField::ApiKey(k.key_id.clone()),
        });
    }
    for a in &ws.apple_ids {
        let id = a.apple_id.clone();
        out.push(Owned {
            entry: EntryName::password(&id),
            from: a.password.clone(),
            field: SecretField::AppleId(id.clone(), "password"),
        });
        if let Some(r) = &a.app_specific_password {
            out.push(Owned {
                entry: EntryName::app_specific_password(&id),
                from: r.clone(),
                field: SecretField::AppleId(id.clone(), "app_specific_password"),
            });
        }
        if a.has_session() {
            out.push(Owned {
                entry: EntryName::session(&id),
                from: a.session.clone().unwrap_or_default(),
                field: SecretField::AppleId(id, "session"),
            });
        }
    }
    out
}

/// What the target holds now, past any cache.
fn read_back(
    to: MoveTarget,
    keyring: &dyn SecretStore,
    workspace_file: &Path,
    entry: &EntryName,
) -> Result<SecretValue, String> {
    match to {
        MoveTarget::Keyring => keyring.get(entry).map_err(|e| e.to_string()),
        MoveTarget::Vault => vault::store_for(workspace_file)
            .and_then(|v| v.read_back(entry))
            .map_err(|e| e.to_string()),
    }
}

pub fn run(path: &Path, keyring: &dyn SecretStore, to: MoveTarget) -> CmdResult {
    // From the first read through the save and the deletes: a second process fails before writing.
    let _lock = super::connections::lock_workspace(path)?;
    let loaded = super::load_path(path)?;
    let target = target_ref(to);
    let secrets = Secrets {
        keyring,
        workspace_file: path,
    };
    let all = owned(&loaded.workspace);
    let (moving, staying): (Vec<Owned>, Vec<Owned>) = all.into_iter().partition(|o| {
        o.from != target
            && matches!(
                o.from,
                SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry)
            )
    });
    for o in &staying {
        if o.from != target {
            say(&format!(
                "left alone: {} stays in {} (a reference the team keeps itself)",
                o.entry,
                o.from.describe()
            ));
        }
    }
    if moving.is_empty() {
        say(&format!(
            "nothing to move: every secret apple-conn keeps is already in {}",
            crate::secrets::describe_place(&target, keyring, path)
        ));
        return Ok(0);
    }
    // 1. Copy (create only: a different secret already there is a conflict, never overwritten)
    // and verify every secret; undo only the copies this run wrote if any one fails.
    let mut copied: Vec<Written> = Vec::new();
    // The vault version each moving secret had when read: only that version is deleted at the end.
    let mut read_versions: Vec<Option<u64>> = Vec::new();
    let undo = |copied: &[Written]| {
        for w in copied {
            let _ = secrets.undo(w);
        }
    };
    for o in &moving {
        let step = || -> Result<(Written, Option<u64>), String> {
            let version = match o.from {
                SecretRef::Vault(VaultRef::Entry) => Some(
                    vault::store_for(path)
                        .and_then(|v| v.current(&o.entry))
                        .map_err(|e| format!("cannot read {}: {e}", o.entry))?
                        .0,
                ),
                _ => None,
            };
            let value = secrets
                .get(&o.from, &o.entry)
                .map_err(|e| format!("cannot read {} from {}: {e}", o.entry, o.from.describe()))?;
            let written = secrets
                .create(&target, &o.entry, &value)
                .map_err(|e| format!("cannot write {}: {e}", o.entry))?;
            let back = read_back(to, keyring, path, &o.entry);
            if back.as_ref().ok() != Some(&value) {
                let _ = secrets.undo(&written);
                return Err(match back {
                    Err(e) => format!("cannot read {} back: {e}", o.entry),
                    Ok(_) => format!(
                        "the copy of {} reads back different: nothing was moved",
                        o.entry
                    ),
                });
            }
            Ok((written, version))
        };
        match step() {
            Ok((w, version)) => {
                copied.push(w);
                read_versions.push(version);
            }
            Err(e) => {
                undo(&copied);
                return Err(Failure::new(
                    1,
                    format!("{e}; the workspace and the old copies are unchanged"),
                ));
            }
        }
    }
    // 2. Point the workspace at the copies.
    let change = Change::PointSecretsAt {
        fields: moving.iter().map(|o| o.field.clone()).collect(),
        to: target.clone(),
    };
    let saved = edits::apply(Target::Disk(path), &change);
    if let Err(e) = saved {
        undo(&copied);
        return Err(update_failure(e));
    }
    // 3. Only now the old copies go.
    let mut left = Vec::new();
    for (o, version) in moving.iter().zip(&read_versions) {
        // A vault entry goes only while it is the version copied: a later write by another
        // host is the team's newer secret, never deleted here.
        let deleted = match version {
            // Released: deleted only by its last owner; another workspace's use keeps it.
            Some(v) => vault::store_for(path)
                .and_then(|store| store.release(&o.entry, Some(*v), true).map(|r| (r, store)))
                .and_then(|(released, store)| match released {
                    vault::Released::Changed => Err(crate::secrets::SecretError::Failed(
                        "another host wrote a newer version since it was copied; left in place"
                            .into(),
                    )),
                    vault::Released::NotOwned(owners) => {
                        Err(crate::secrets::SecretError::NotOwned(
                            store.not_owned_text(&store.entry_path(&o.entry), &owners),
                        ))
                    }
                    _ => Ok(()),
                }),
            None => secrets.delete(&o.from, &o.entry),
        };
        match deleted {
            // Another workspace's (or this file does not own its id here): kept, and said so.
            Err(crate::secrets::SecretError::NotOwned(why)) => say(&format!(
                "not this workspace's, kept: {} in {} ({why})",
                o.entry,
                o.from.describe()
            )),
            Err(e) => left.push(format!("{} in {} ({e})", o.entry, o.from.describe())),
            Ok(()) => {}
        }
    }
    say(&format!(
        "moved {} secret{} to {}",
        moving.len(),
        if moving.len() == 1 { "" } else { "s" },
        crate::secrets::describe_place(&target, keyring, path)
    ));
    if !left.is_empty() {
        return Err(Failure::new(
            1,
            format!(
                "the workspace now uses the new copies, but these old copies could not be deleted; delete them by hand: {}",
                left.join("; ")
            ),
        ));
    }
    Ok(0)
}
