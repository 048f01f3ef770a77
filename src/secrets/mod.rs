//! Secret storage behind one trait: the OS keyring, env/file references, and memory (demo, tests).

mod keyring_store;
mod memory;
pub mod prompt;
pub mod references;
mod value;
pub mod vault;

pub use keyring_store::{KeyringBackend, KeyringStore, LazyKeyring};
pub use memory::MemoryStore;
pub use references::ReferenceStore;
pub use value::SecretValue;

use std::path::Path;

use crate::domain::secret_ref::SecretRef;

/// A stable entry name, e.g. `apple-conn/api-key/2X9R4HXF34`; the keyring stores it under the
/// workspace's id (`EntryName::scoped`, done in `LazyKeyring`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryName(String);

pub const SERVICE: &str = "apple-conn";

impl EntryName {
    pub fn api_key(key_id: &str) -> Self {
        EntryName(format!("{SERVICE}/api-key/{key_id}"))
    }
    pub fn password(apple_id: &str) -> Self {
        EntryName(format!("{SERVICE}/apple-id/{apple_id}/password"))
    }
    pub fn app_specific_password(apple_id: &str) -> Self {
        EntryName(format!(
            "{SERVICE}/apple-id/{apple_id}/app-specific-password"
        ))
    }
    pub fn session(apple_id: &str) -> Self {
        EntryName(format!("{SERVICE}/apple-id/{apple_id}/session"))
    }
    /// The Bitrise personal access token (`bitrise login`): scoped as `<workspace_id>/bitrise/token`.
    pub fn bitrise_token() -> Self {
        EntryName(format!("{SERVICE}/bitrise/token"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
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
