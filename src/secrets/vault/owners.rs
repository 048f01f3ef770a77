//! Owners of vault entries (issue 33), kept in each entry's KV v2 `custom_metadata`: one key per
//! workspace that uses the entry (`apple-conn-owner-<workspace id>`), its value naming the
//! connection and the host that recorded it. An entry is deleted only by its last owner; any
//! other owner releases it (its key goes); an entry without this workspace's key is never touched.

use serde_json::{Map, Value};

use super::{VaultStore, one_line, this_host};
use crate::secrets::{EntryName, SecretError};

/// The `custom_metadata` key naming one owner.
pub const OWNER_KEY: &str = "apple-conn-owner-";

/// One owner as the metadata records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub workspace_id: String,
    pub connection: String,
    pub host: String,
}

impl Owner {
    fn shown(&self) -> String {
        format!(
            "workspace {} ({}, recorded by {})",
            self.workspace_id, self.connection, self.host
        )
    }
}

/// "workspace … (…), workspace … (…)", or that no owner is recorded.
pub fn owners_text(owners: &[Owner]) -> String {
    if owners.is_empty() {
        return "no owner recorded (written before owners were, or by hand)".into();
    }
    owners
        .iter()
        .map(Owner::shown)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a release did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released {
    /// This workspace was the last owner: the entry was deleted.
    Deleted,
    /// Other workspaces still use it: only this workspace's claim went.
    Shared(Vec<Owner>),
    /// This workspace is not among its owners: nothing was touched.
    NotOwned(Vec<Owner>),
    /// Its latest version is not the one this run expected (another host wrote since): kept.
    Changed,
    /// There is no entry (any claim left on it was dropped).
    Gone,
}

fn parse_owners(custom: &Map<String, Value>) -> Vec<Owner> {
    let mut out: Vec<Owner> = custom
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix(OWNER_KEY)?;
            let fields: Map<String, Value> = v
                .as_str()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            let field = |name: &str| {
                fields
                    .get(name)
                    .and_then(Value::as_str)
                    .map(|t| crate::terminal_text::clean_line(&one_line(t, 120)))
                    .unwrap_or_else(|| "?".into())
            };
            Some(Owner {
                workspace_id: crate::terminal_text::clean_line(&one_line(id, 64)),
                connection: field("connection"),
                host: field("host"),
            })
        })
        .collect();
    out.sort_by(|a, b| a.workspace_id.cmp(&b.workspace_id));
    out
}

impl VaultStore {
    /// The owners recorded on the entry at `path` (none for an entry never written).
    pub fn owners_at(&self, path: &str) -> Result<Vec<Owner>, SecretError> {
        Ok(self
            .client
            .custom_metadata(path)?
            .map(|m| parse_owners(&m))
            .unwrap_or_default())
    }

    /// Records `workspace_id` as an owner of the entry at `path` (for `connection`).
    pub fn claim(
        &self,
        path: &str,
        workspace_id: &str,
        connection: &EntryName,
    ) -> Result<(), SecretError> {
        let value = serde_json::json!({
            "connection": one_line(connection.user(), 160),
            "host": one_line(&this_host(), 160),
        })
        .to_string();
        let mut keys = Map::new();
        keys.insert(format!("{OWNER_KEY}{workspace_id}"), Value::String(value));
        self.client.patch_custom_metadata(path, &keys)
    }

    fn drop_claim(&self, path: &str, workspace_id: &str) -> Result<(), SecretError> {
        let mut keys = Map::new();
        keys.insert(format!("{OWNER_KEY}{workspace_id}"), Value::Null);
        self.client.patch_custom_metadata(path, &keys)
    }

    /// Releases `workspace_id`'s use of the entry at `path`: the last owner deletes it (only
    /// `version`, when given, and only while it is the latest), any other owner drops its claim.
    /// With `delete_if_last` false the claim goes but the entry stays (a claim this run added to
    /// an entry it found already there).
    pub fn release_at(
        &self,
        path: &str,
        workspace_id: &str,
        version: Option<u64>,
        delete_if_last: bool,
    ) -> Result<Released, SecretError> {
        let owners = self.owners_at(path)?;
        let mine = owners.iter().any(|o| o.workspace_id == workspace_id);
        let current = self.fresh(path)?;
        if current.data.is_none() {
            if mine {
                self.drop_claim(path, workspace_id)?;
            }
            return Ok(Released::Gone);
        }
        if !mine {
            return Ok(Released::NotOwned(owners));
        }
        if version.is_some_and(|v| v != current.version) {
            return Ok(Released::Changed);
        }
        let others: Vec<Owner> = owners
            .into_iter()
            .filter(|o| o.workspace_id != workspace_id)
            .collect();
        if !others.is_empty() || !delete_if_last {
            self.drop_claim(path, workspace_id)?;
            return Ok(Released::Shared(others));
        }
        let latest = current.version;
        if !self.client.delete_versions(path, &[latest])? {
            // Only `<mount>/data/…` allowed: delete the latest, which was the one read a moment ago.
            self.client.delete(path)?;
        }
        self.forget(path);
        self.drop_claim(path, workspace_id)?;
        // Another workspace that claimed it meanwhile keeps it: the version comes back.
        let now = self.owners_at(path)?;
        if !now.is_empty() {
            self.client.undelete(path, &[latest])?;
            return Ok(Released::Shared(now));
        }
        Ok(Released::Deleted)
    }

    /// `release_at` for an entry name, as this workspace (the file bound to its id on this host).
    pub fn release(
        &self,
        name: &EntryName,
        version: Option<u64>,
        delete_if_last: bool,
    ) -> Result<Released, SecretError> {
        let id = self.deleter()?;
        self.release_at(&self.entry_path(name), &id, version, delete_if_last)
    }

    /// Sentence for an entry this workspace may not delete.
    pub fn not_owned_text(&self, path: &str, owners: &[Owner]) -> String {
        format!(
            "{} is not this workspace's ({}): left in place. If this workspace uses it, `apple-conn secrets adopt` records it as an owner",
            self.shown(path, crate::domain::secret_ref::VAULT_FIELD),
            owners_text(owners)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_read_from_their_keys_only_and_shown_on_one_line() {
        let custom: Map<String, Value> = serde_json::from_str(
            r#"{
                "apple-conn-owner-bbbbbbbbbbbbbbbb": "{\"connection\":\"api-key/K\",\"host\":\"ci-2 (pid 9)\"}",
                "apple-conn-owner-aaaaaaaaaaaaaaaa": "{\"connection\":\"bitrise/token\",\"host\":\"evil\\n\\u001b[2Jhost\"}",
                "team-note": "not an owner",
                "apple-conn-owner-cccccccccccccccc": "not json"
            }"#,
        )
        .unwrap();
        let owners = parse_owners(&custom);
        let ids: Vec<&str> = owners.iter().map(|o| o.workspace_id.as_str()).collect();
        assert_eq!(
            ids,
            ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"]
        );
        let text = owners_text(&owners);
        assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text}");
        assert!(text.contains("workspace bbbbbbbbbbbbbbbb (api-key/K, recorded by ci-2 (pid 9))"));
        assert!(text.contains("workspace cccccccccccccccc (?, recorded by ?)"));
        assert!(owners_text(&[]).contains("no owner recorded"));
    }
}
