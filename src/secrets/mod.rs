//! Secret storage behind one trait: the OS keyring, env/file references, and memory (demo, tests).

mod keyring_store;
mod memory;
pub mod migrate;
pub mod no_dump;
pub mod owner;
pub mod prompt;
pub mod references;
mod value;
pub mod vault;

pub use keyring_store::{KeyringBackend, KeyringStore, LazyKeyring};
pub use memory::MemoryStore;
pub use references::ReferenceStore;
pub use value::{SecretValue, secret_json, wipe_json};

use std::path::Path;

use crate::domain::secret_ref::SecretRef;

/// A stable entry name, e.g. `apple-conn/api-key/2X9R4HXF34`; the keyring stores it under the
/// workspace's id (`EntryName::scoped`, done in `LazyKeyring`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryName(String);

pub const SERVICE: &str = "apple-conn";

/// One path segment from an identifier: `%`, `/`, `?`, `#`, `\\`, whitespace and control
/// characters as `%XX`, `.`/`..` as `%2E`/`%2E%2E`, the empty id as a lone `%`. Injective, so two
/// ids never share an entry; the identity for every valid key id and e-mail address (old entries
/// keep their names).
pub fn segment(id: &str) -> std::borrow::Cow<'_, str> {
    if id.is_empty() {
        return "%".into();
    }
    if id == "." || id == ".." {
        return id.replace('.', "%2E").into();
    }
    let escape =
        |c: char| matches!(c, '%' | '/' | '?' | '#' | '\\') || c.is_whitespace() || c.is_control();
    if !id.chars().any(escape) {
        return id.into();
    }
    let mut out = String::with_capacity(id.len() + 8);
    for c in id.chars() {
        if escape(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

impl EntryName {
    pub fn api_key(key_id: &str) -> Self {
        EntryName(format!("{SERVICE}/api-key/{}", segment(key_id)))
    }
    pub fn password(apple_id: &str) -> Self {
        EntryName(format!("{SERVICE}/apple-id/{}/password", segment(apple_id)))
    }
    pub fn app_specific_password(apple_id: &str) -> Self {
        EntryName(format!(
            "{SERVICE}/apple-id/{}/app-specific-password",
            segment(apple_id)
        ))
    }
    pub fn session(apple_id: &str) -> Self {
        EntryName(format!("{SERVICE}/apple-id/{}/session", segment(apple_id)))
    }
    /// The Bitrise personal access token (`bitrise login`): scoped as `<workspace_id>/bitrise/token`.
    pub fn bitrise_token() -> Self {
        EntryName(format!("{SERVICE}/bitrise/token"))
    }
    /// The password of a .p12 an app's `[apps.signing]` names (`{ keyring = true }`).
    pub fn signing_password(slug: &str, path: &str) -> Self {
        EntryName(format!(
            "{SERVICE}/signing/{}/{}",
            segment(slug),
            segment(path)
        ))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The entry under `apple-conn/` named by `rest` (`api-key/…`), as a store lists it.
    pub fn from_rest(rest: &str) -> Self {
        EntryName(format!("{SERVICE}/{rest}"))
    }
    /// The same entry in one workspace's scope: `apple-conn/<workspace_id>/api-key/…`.
    pub fn scoped(&self, workspace_id: &str) -> Self {
        EntryName(format!("{SERVICE}/{workspace_id}/{}", self.user()))
    }
    /// The keyring "user" under the `apple-conn` service: the name without its prefix.
    pub fn user(&self) -> &str {
        self.0
            .strip_prefix(SERVICE)
            .and_then(|s| s.strip_prefix('/'))
            .unwrap_or(&self.0)
    }
}

impl std::fmt::Display for EntryName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    #[error("{0}: not found")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
    /// No OS keyring to reach (why): each face words the ways out (CLI flags, or form fields).
    #[error("{}", no_keyring_message(.0))]
    NoKeyring(String),
    #[error(
        "{0} is read-only: apple-conn never writes to environment variables or referenced files it did not create"
    )]
    ReadOnly(String),
    #[error("{0}")]
    Failed(String),
    /// Not this workspace's to delete (another workspace owns it, or this file does not own its
    /// id on this host): left in place, which is no failure of the one asking.
    #[error("{0}")]
    NotOwned(String),
}

/// The one message for a missing keyring, with both ways out, in the CLI's words.
pub fn no_keyring_message(detail: &str) -> String {
    format!(
        "no OS keyring is reachable ({detail}). Either start a Secret Service session (on a desktop log in normally; over SSH run the command inside `dbus-run-session` with gnome-keyring unlocked), or keep secrets in environment variables or files (`add api-key --store reference`, `--password-from env:VAR|file:PATH`, or {{ env = \"VAR\" }} / {{ path = \"file\" }} in the workspace)"
    )
}

pub trait SecretStore {
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError>;
    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError>;
    fn delete(&self, name: &EntryName) -> Result<(), SecretError>;
    /// Shown in messages: "the OS keyring (Secret Service)", "memory (demo)".
    fn describe(&self) -> String;
    /// Whether the store can be reached at all (Err: why not, with the ways out); stores that are
    /// always there (memory, demo) say Ok.
    fn reachable(&self) -> Result<(), SecretError> {
        Ok(())
    }
    /// The name the entry has in this store (the OS keyring scopes it by workspace), for messages.
    fn label(&self, name: &EntryName) -> String {
        name.to_string()
    }
    /// Every entry this store holds for this workspace (the OS keyring: those under the
    /// workspace's id), in the workspace's own naming; Err when the store cannot list.
    fn list(&self) -> Result<Vec<EntryName>, SecretError> {
        Err(SecretError::Unavailable(format!(
            "{} cannot list its entries",
            self.describe()
        )))
    }
}

/// Reads and writes secrets wherever their reference points.
pub struct Secrets<'a> {
    pub keyring: &'a dyn SecretStore,
    pub workspace_file: &'a Path,
}

impl Secrets<'_> {
    pub fn get(&self, r: &SecretRef, name: &EntryName) -> Result<SecretValue, SecretError> {
        match r {
            SecretRef::Keyring => self.keyring.get(name),
            SecretRef::Vault(v) => vault::store_for(self.workspace_file)?.get_ref(v, name),
            other => ReferenceStore::new(self.workspace_file).read(other),
        }
    }

    pub fn set(
        &self,
        r: &SecretRef,
        name: &EntryName,
        value: &SecretValue,
    ) -> Result<(), SecretError> {
        match r {
            SecretRef::Keyring => self.keyring.set(name, value),
            SecretRef::Vault(v) => vault::store_for(self.workspace_file)?.set_ref(v, name, value),
            SecretRef::Path(p) => ReferenceStore::new(self.workspace_file).write_new_file(p, value),
            SecretRef::Env(var) => {
                Err(SecretError::ReadOnly(format!("environment variable {var}")))
            }
        }
    }

    pub fn delete(&self, r: &SecretRef, name: &EntryName) -> Result<(), SecretError> {
        match r {
            SecretRef::Keyring => self.keyring.delete(name),
            SecretRef::Vault(v) => vault::store_for(self.workspace_file)?.delete_ref(v, name),
            // A session file apple-conn wrote (it holds an apple-conn session) is its own: removed.
            SecretRef::Path(p) if name.as_str().ends_with("/session") => {
                ReferenceStore::new(self.workspace_file).remove_session_file(p)
            }
            // Other references are the user's own: removing a connection leaves them alone.
            _ => Ok(()),
        }
    }
}

/// A secret this run wrote, with what shows at delete time that it is still this run's.
#[derive(Debug, Clone)]
pub struct Written {
    pub r: SecretRef,
    pub name: EntryName,
    proof: Proof,
}

#[derive(Debug, Clone)]
enum Proof {
    /// The keyring entry holds these bytes while it is ours.
    Bytes(SecretValue),
    /// The vault entry's latest version is this one while it is ours.
    Version(u64),
    /// A session file apple-conn created.
    File(SecretValue),
    /// It was there already, with the same bytes: never deleted by an undo.
    NotOurs,
    /// A vault entry that was there already, with the same bytes: this run recorded the workspace
    /// as one more owner, and an undo drops only that claim.
    Claimed,
    /// This workspace's own entry held another value, replaced (a re-login): an undo puts it back
    /// while the entry still holds what this run wrote.
    Replaced { ours: SecretValue, old: SecretValue },
}

/// What a renewal did: written, or another host's later version kept (the text says whose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewed {
    Written,
    Superseded(String),
}

impl Secrets<'_> {
    /// Writes a new secret and returns the proof of ownership an undo checks. A vault entry is
    /// created only (cas on a path that holds no secret); a different secret there is an error.
    pub fn create(
        &self,
        r: &SecretRef,
        name: &EntryName,
        value: &SecretValue,
    ) -> Result<Written, SecretError> {
        use crate::domain::secret_ref::VaultRef;
        let proof = match r {
            // Create-only here too: a different secret under this workspace's name is a
            // conflict (a leftover: `secrets prune`), never overwritten.
            SecretRef::Keyring => match self.keyring.get(name) {
                Ok(v) if &v == value => Proof::NotOurs,
                Ok(_) => {
                    return Err(SecretError::Failed(format!(
                        "{} in {} already holds a different secret: apple-conn never overwrites it. If it is a leftover, `apple-conn secrets prune` lists it",
                        self.keyring.label(name),
                        self.keyring.describe()
                    )));
                }
                Err(SecretError::NotFound(_)) => {
                    self.keyring.set(name, value)?;
                    Proof::Bytes(value.clone())
                }
                Err(e) => return Err(e),
            },
            SecretRef::Vault(VaultRef::Entry) => {
                let store = vault::store_for(self.workspace_file)?;
                match store.create_at(&store.entry_path(name), name, value)? {
                    vault::Wrote::Version(v) => Proof::Version(v),
                    _ => Proof::Claimed,
                }
            }
            SecretRef::Path(_) => {
                self.set(r, name, value)?;
                Proof::File(value.clone())
            }
            other => {
                self.set(other, name, value)?;
                Proof::NotOurs
            }
        };
        Ok(Written {
            r: r.clone(),
            name: name.clone(),
            proof,
        })
    }

    /// Undoes a `create`: deletes the secret only while it still holds what this run wrote (the
    /// same bytes in the keyring or a file, the same latest version in the vault). True when deleted.
    pub fn undo(&self, w: &Written) -> Result<bool, SecretError> {
        let still = |current: Result<SecretValue, SecretError>, ours: &SecretValue| match current {
            Ok(v) => Ok(&v == ours),
            Err(SecretError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        };
        match &w.proof {
            Proof::NotOurs => Ok(false),
            Proof::Claimed => vault::store_for(self.workspace_file)?
                .unclaim(&w.name)
                .map(|()| false),
            Proof::Replaced { ours, old } => {
                if still(self.get(&w.r, &w.name), ours)? {
                    self.set(&w.r, &w.name, old).map(|()| true)
                } else {
                    Ok(false)
                }
            }
            Proof::Bytes(ours) => {
                if still(self.keyring.get(&w.name), ours)? {
                    self.keyring.delete(&w.name).map(|()| true)
                } else {
                    Ok(false)
                }
            }
            Proof::Version(v) => vault::store_for(self.workspace_file)?.delete_own(&w.name, *v),
            Proof::File(ours) => {
                if still(self.get(&w.r, &w.name), ours)? {
                    self.delete(&w.r, &w.name).map(|()| true)
                } else {
                    Ok(false)
                }
            }
        }
    }

    /// A re-login's write: `create`, except that an entry only this workspace owns (its keyring
    /// scope, or a vault entry whose only owner is this workspace) holding another value is
    /// replaced, and an undo puts the old value back. An entry another workspace also owns is a
    /// conflict naming its owners, never overwritten.
    pub fn create_or_replace_own(
        &self,
        r: &SecretRef,
        name: &EntryName,
        value: &SecretValue,
    ) -> Result<Written, SecretError> {
        use crate::domain::secret_ref::VaultRef;
        let old = match r {
            SecretRef::Keyring => match self.keyring.get(name) {
                Ok(v) if &v != value => Some(v),
                _ => None,
            },
            SecretRef::Vault(VaultRef::Entry) => {
                let store = vault::store_for(self.workspace_file)?;
                match store.current(name)? {
                    (_, Some(v)) if &v != value => {
                        let path = store.entry_path(name);
                        let id = owner::writer(self.workspace_file, &owner::keyring_holds)?;
                        let owners = store.owners_at(&path)?;
                        if !(owners.len() == 1 && owners[0].workspace_id == id) {
                            return Err(SecretError::Failed(format!(
                                "{} already holds a different secret, and it is not this workspace's alone (owners: {}): apple-conn never overwrites it. Keep this one elsewhere (`--store keyring`), or set another [settings.vault] prefix",
                                store.shown_rel(name.user()),
                                vault::owners_text(&owners)
                            )));
                        }
                        Some(v)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match old {
            None => self.create(r, name, value),
            Some(old) => {
                self.set(r, name, value)?;
                Ok(Written {
                    r: r.clone(),
                    name: name.clone(),
                    proof: Proof::Replaced {
                        ours: value.clone(),
                        old,
                    },
                })
            }
        }
    }

    /// Writes a renewed secret (a session) over the one this process read: in the vault with
    /// cas = the version read; a later version another host wrote meanwhile is kept, and said.
    pub fn renew(
        &self,
        r: &SecretRef,
        name: &EntryName,
        value: &SecretValue,
    ) -> Result<Renewed, SecretError> {
        use crate::domain::secret_ref::VaultRef;
        match r {
            SecretRef::Vault(VaultRef::Entry) => {
                let store = vault::store_for(self.workspace_file)?;
                match store.renew_at(&store.entry_path(name), value)? {
                    vault::Wrote::Superseded { read, version, by } => Ok(Renewed::Superseded(
                        vault::superseded_text(read, version, &by),
                    )),
                    _ => Ok(Renewed::Written),
                }
            }
            other => self.set(other, name, value).map(|()| Renewed::Written),
        }
    }
}

/// Where new secrets go: the workspace's vault when it has `[settings.vault]`, else the keyring.
pub fn default_ref(ws: &crate::domain::workspace::Workspace) -> SecretRef {
    match ws.settings.vault {
        Some(_) => SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry),
        None => SecretRef::Keyring,
    }
}

/// "the OS keyring (Secret Service)" / "the vault at … (mount …)": where a reference points, in words.
pub fn describe_place(r: &SecretRef, keyring: &dyn SecretStore, workspace_file: &Path) -> String {
    match r {
        SecretRef::Keyring => keyring.describe(),
        SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry) => {
            match vault::store_for(workspace_file) {
                Ok(v) => v.describe(),
                Err(_) => r.describe(),
            }
        }
        other => other.describe(),
    }
}

/// Every secret name the workspace's connections keep in `place` (the keyring, or its vault).
pub fn names_kept_in(
    ws: &crate::domain::workspace::Workspace,
    place: &SecretRef,
) -> Vec<EntryName> {
    use crate::store::edit::ConnectionKind;
    let ids = ws
        .api_keys
        .iter()
        .map(|k| (ConnectionKind::ApiKey, k.name.clone()))
        .chain(
            ws.apple_ids
                .iter()
                .map(|a| (ConnectionKind::AppleId, a.apple_id.clone())),
        );
    let mut names = Vec::new();
    for (kind, id) in ids {
        for (r, name) in connection_secrets(ws, kind, &id).unwrap_or_default() {
            if &r == place {
                names.push(name);
            }
        }
    }
    // Not a connection, but as much this workspace's: the Bitrise token (`bitrise login`).
    if let Some(r) = ws.settings.bitrise.as_ref().and_then(|b| b.token.as_ref())
        && r == place
    {
        names.push(EntryName::bitrise_token());
    }
    // The .p12 passwords of `[apps.signing]` are the workspace's too (issue 30).
    for app in &ws.apps {
        for c in app.signing.iter().flat_map(|s| &s.certificates) {
            if c.password.as_ref() == Some(place) {
                names.push(EntryName::signing_password(&app.slug, &c.path));
            }
        }
    }
    names
}

/// Every secret a connection owns, with where it lives: what `remove` deletes (CLI and TUI).
pub fn connection_secrets(
    ws: &crate::domain::workspace::Workspace,
    kind: crate::store::edit::ConnectionKind,
    id: &str,
) -> Option<Vec<(SecretRef, EntryName)>> {
    use crate::store::edit::ConnectionKind;
    match kind {
        ConnectionKind::ApiKey => ws
            .api_key(id)
            .map(|k| vec![(k.private_key.clone(), EntryName::api_key(&k.key_id))]),
        ConnectionKind::AppleId => ws.apple_id(id).map(|a| {
            let mut v = vec![(a.password.clone(), EntryName::password(id))];
            if let Some(r) = &a.app_specific_password {
                v.push((r.clone(), EntryName::app_specific_password(id)));
            }
            if a.has_session() {
                v.push((
                    a.session.clone().unwrap_or_default(),
                    EntryName::session(id),
                ));
            }
            v
        }),
    }
}

#[cfg(test)]
mod aliasing_tests {
    use super::*;
    use proptest::prelude::*;

    /// Every secret name a connection owns, as the keyring and the vault (the URL sent) see them.
    fn places(kind: u8, id: &str) -> Vec<(String, String)> {
        let names = match kind {
            0 => vec![EntryName::api_key(id)],
            _ => vec![
                EntryName::password(id),
                EntryName::app_specific_password(id),
                EntryName::session(id),
            ],
        };
        let base = url::Url::parse("http://127.0.0.1:8200").unwrap();
        names
            .into_iter()
            .map(|n| {
                let keyring = n.scoped("0123456789abcdef").user().to_string();
                let path = vault::entry_path("apple-conn", &n);
                let url = vault::api_url(&base, &["secret", "data", &path], None).unwrap();
                (keyring, url.path().to_string())
            })
            .collect()
    }

    fn id() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("dev@example.com".to_string()),
            Just("dev@example.com/".to_string()),
            Just("dev@example.com%2F".to_string()),
            Just(".".to_string()),
            Just("..".to_string()),
            Just(String::new()),
            Just("%".to_string()),
            "[a-z@./%?#\\\\ \\n]{0,8}",
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn two_connections_never_share_a_keyring_entry_or_vault_path(
            a in id(), b in id(), ka in 0u8..2, kb in 0u8..2,
        ) {
            prop_assume!((ka, &a) != (kb, &b));
            let (pa, pb) = (places(ka, &a), places(kb, &b));
            for (ra, va) in &pa {
                for (rb, vb) in &pb {
                    prop_assert_ne!(ra, rb, "keyring entry shared by {:?} and {:?}", a, b);
                    prop_assert_ne!(va, vb, "vault path shared by {:?} and {:?}", a, b);
                }
            }
        }
    }

    #[test]
    fn valid_ids_keep_their_old_names() {
        assert_eq!(
            EntryName::password("dev+ci@example.com").as_str(),
            "apple-conn/apple-id/dev+ci@example.com/password"
        );
        assert_eq!(
            EntryName::api_key("2X9R4HXF34").as_str(),
            "apple-conn/api-key/2X9R4HXF34"
        );
        assert_eq!(
            EntryName::session("dev@example.com/").as_str(),
            "apple-conn/apple-id/dev@example.com%2F/session"
        );
    }
}
