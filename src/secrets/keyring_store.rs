//! The OS keyring through keyring-core: Keychain on macOS, Credential Manager on Windows,
//! Secret Service on Linux desktops, and the kernel keyutils store when asked for.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error};

use super::{EntryName, SERVICE, SecretError, SecretStore, SecretValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringBackend {
    SecretService,
    /// Linux kernel keyutils: no D-Bus needed, but entries do not survive a reboot.
    Keyutils,
    Keychain,
    CredentialManager,
}

impl KeyringBackend {
    pub fn label(self) -> &'static str {
        match self {
            KeyringBackend::SecretService => "the OS keyring (Secret Service)",
            KeyringBackend::Keyutils => "the kernel keyring (keyutils; lost on reboot)",
            KeyringBackend::Keychain => "the macOS Keychain",
            KeyringBackend::CredentialManager => "the Windows Credential Manager",
        }
    }

    /// The platform default, or `APPLE_CONN_KEYRING=keyutils|secret-service` when set.
    pub fn choose() -> Result<KeyringBackend, SecretError> {
        match std::env::var("APPLE_CONN_KEYRING").ok().as_deref() {
            None | Some("") => Ok(Self::platform_default()),
            // Linux's stores only: elsewhere the variable would be ignored without a word.
            Some(linux @ ("keyutils" | "secret-service")) if !cfg!(target_os = "linux") => {
                Err(SecretError::Unavailable(format!(
                    "APPLE_CONN_KEYRING={linux} names a Linux keyring; here apple-conn keeps secrets in {}: unset it",
                    Self::platform_default().label()
                )))
            }
            Some("keyutils") => Ok(KeyringBackend::Keyutils),
            Some("secret-service") => Ok(KeyringBackend::SecretService),
            Some(other) => Err(SecretError::Unavailable(format!(
                "APPLE_CONN_KEYRING={other} is not a keyring apple-conn knows: use secret-service or keyutils, or unset it"
            ))),
        }
    }

    fn platform_default() -> KeyringBackend {
        if cfg!(target_os = "macos") {
            KeyringBackend::Keychain
        } else if cfg!(target_os = "windows") {
            KeyringBackend::CredentialManager
        } else {
            KeyringBackend::SecretService
        }
    }
}

pub struct KeyringStore {
    backend: KeyringBackend,
    store: Arc<CredentialStore>,
}

impl KeyringStore {
    /// Connects to the keyring; fails with one actionable message when none is reachable.
    pub fn open() -> Result<KeyringStore, SecretError> {
        let backend = KeyringBackend::choose()?;
        let store = connect(backend)?;
        Ok(KeyringStore { backend, store })
    }

    pub fn backend(&self) -> KeyringBackend {
        self.backend
    }

    /// The users of every `apple-conn` entry (`<workspace id>/api-key/…`, or an old unscoped one).
    pub fn list_users(&self) -> Result<Vec<String>, SecretError> {
        let spec = std::collections::HashMap::from([("service", SERVICE)]);
        let found = Entry::search_in_store(&self.store, &spec).map_err(|e| {
            SecretError::Unavailable(format!("{} cannot be searched: {e}", self.backend.label()))
        })?;
        let mut users: Vec<String> = found
            .iter()
            .filter_map(|e| {
                e.get_specifiers()
                    .filter(|(service, _)| service == SERVICE)
                    .map(|(_, user)| user)
                    .or_else(|| e.get_attributes().ok()?.get("username").cloned())
            })
            .collect();
        users.sort();
        users.dedup();
        Ok(users)
    }

    fn entry(&self, name: &EntryName) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, SERVICE, name.user()).map_err(|e| self.map_error(name, e))
    }

    fn map_error(&self, name: &EntryName, e: Error) -> SecretError {
        match e {
            Error::NoEntry => SecretError::NotFound(format!("{name} in {}", self.backend.label())),
            Error::NoStorageAccess(detail) => SecretError::Unavailable(format!(
                "{} refused access ({detail}): unlock it (e.g. log in to the desktop, or `gnome-keyring-daemon --unlock`) and try again",
                self.backend.label()
            )),
            Error::PlatformFailure(detail) => SecretError::NoKeyring(detail.to_string()),
            // The Credential Manager holds at most 2,560 bytes (UTF-16) per item: a session can be more.
            Error::TooLong(what, limit) => SecretError::Failed(format!(
                "{name} is too long for {} ({what}: at most {limit}): keep it in the vault ([settings.vault]) or behind a file: reference instead",
                self.backend.label()
            )),
            Error::BadEncoding(_) => SecretError::Failed(format!(
                "{name} in {} is not UTF-8 text",
                self.backend.label()
            )),
            other => SecretError::Failed(format!("{}: {other}", self.backend.label())),
        }
    }
}

#[cfg(target_os = "linux")]
fn connect(backend: KeyringBackend) -> Result<Arc<CredentialStore>, SecretError> {
    match backend {
        KeyringBackend::Keyutils => linux_keyutils_keyring_store::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| {
                SecretError::Unavailable(format!("the kernel keyring is not available: {e}"))
            }),
        _ => {
            // zbus would otherwise guess a bus address; without a session there is nothing to reach.
            let has_bus =
                std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
            if !has_bus {
                return Err(SecretError::NoKeyring(
                    "no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set, as is usual over SSH"
                        .to_string(),
                ));
            }
            zbus_secret_service_keyring_store::Store::new()
                .map(|s| s as Arc<CredentialStore>)
                .map_err(|e| SecretError::NoKeyring(format!("Secret Service: {e}")))
        }
    }
}

#[cfg(target_os = "macos")]
fn connect(_backend: KeyringBackend) -> Result<Arc<CredentialStore>, SecretError> {
    apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))
}

#[cfg(target_os = "windows")]
fn connect(_backend: KeyringBackend) -> Result<Arc<CredentialStore>, SecretError> {
    windows_native_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn connect(_backend: KeyringBackend) -> Result<Arc<CredentialStore>, SecretError> {
    Err(SecretError::NoKeyring(
        "this platform has no keyring apple-conn supports".to_string(),
    ))
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        let entry = self.entry(name)?;
        entry
            .get_password()
            .map(SecretValue::new)
            .map_err(|e| self.map_error(name, e))
    }

    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError> {
        let entry = self.entry(name)?;
        entry
            .set_password(value.expose())
            .map_err(|e| self.map_error(name, e))
    }

    fn delete(&self, name: &EntryName) -> Result<(), SecretError> {
        let entry = self.entry(name)?;
        match entry.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(self.map_error(name, e)),
        }
    }

    fn describe(&self) -> String {
        self.backend.label().to_string()
    }
}

/// Connects on first use, so commands that need no keyring never touch it. With a workspace
/// file, entries are scoped by its `workspace_id`; an entry still under the old unscoped name is
/// read there (moved only by `secrets::migrate`, in the save that gives its workspace an id).
#[derive(Default)]
pub struct LazyKeyring {
    cell: std::sync::OnceLock<Result<KeyringStore, SecretError>>,
    workspace: Option<PathBuf>,
    scope: std::sync::OnceLock<String>,
}

impl LazyKeyring {
    pub fn new() -> Self {
        Self::default()
    }

    /// Scoped by the id in `workspace` (read when first needed, again while the file has none).
    pub fn for_workspace(workspace: &Path) -> Self {
        LazyKeyring {
            workspace: Some(workspace.to_path_buf()),
            ..Self::default()
        }
    }

    fn store(&self) -> Result<&KeyringStore, SecretError> {
        self.cell
            .get_or_init(KeyringStore::open)
            .as_ref()
            .map_err(SecretError::clone)
    }

    /// The id in the workspace file; none for a file not saved since ids came in.
    fn file_scope(&self) -> Option<&str> {
        if let Some(id) = self.scope.get() {
            return Some(id);
        }
        let id = crate::store::workspace_id::read(self.workspace.as_deref()?)?;
        Some(self.scope.get_or_init(|| id))
    }

    /// The id this process's next save will write into a file that has none yet.
    fn pending_scope(&self) -> Option<String> {
        crate::store::workspace_id::pending(self.workspace.as_deref()?)
    }
}

impl SecretStore for LazyKeyring {
    fn reachable(&self) -> Result<(), SecretError> {
        self.store().map(|_| ())
    }
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        let store = self.store()?;
        if let Some(id) = self.file_scope() {
            let scoped = name.scoped(id);
            // Reads never move an entry (`secrets::migrate` does, in the owner's save): an old
            // unscoped entry not moved yet is read where it is.
            return match store.get(&scoped) {
                Err(SecretError::NotFound(missing)) => store.get(name).map_err(|e| match e {
                    SecretError::NotFound(_) => SecretError::NotFound(missing),
                    other => other,
                }),
                other => other,
            };
        }
        match self.pending_scope() {
            // Written by this process before the save that records its id.
            Some(id) => match store.get(&name.scoped(&id)) {
                Err(SecretError::NotFound(_)) => store.get(name),
                other => other,
            },
            None => store.get(name),
        }
    }
    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError> {
        let store = self.store()?;
        let Some(path) = &self.workspace else {
            return store.set(name, value);
        };
        // A copy of another file's id writes nothing under it; an id new to this host is bound
        // to this file only while nothing is kept under it yet.
        let has_entries = |id: &str| {
            let prefix = format!("{id}/");
            store
                .list_users()
                .map(|users| users.iter().any(|u| u.starts_with(&prefix)))
                .unwrap_or(true)
        };
        let id = super::owner::writer(path, &has_entries)?;
        store.set(&name.scoped(&id), value)
    }
    fn delete(&self, name: &EntryName) -> Result<(), SecretError> {
        let store = self.store()?;
        let Some(path) = &self.workspace else {
            return store.delete(name);
        };
        // Only the file bound to the id deletes under it: a copied id claims nothing.
        let id = super::owner::deleter(path)
            .map_err(|why| SecretError::NotOwned(format!("left in place: {why}")))?;
        store.delete(&name.scoped(&id))
    }
    fn list(&self) -> Result<Vec<EntryName>, SecretError> {
        let store = self.store()?;
        let Some(path) = &self.workspace else {
            return Ok(Vec::new());
        };
        // Only entries provably this workspace's: those under its id, when this file owns the id
        // on this host (old unscoped ones may belong to any workspace that has no id yet).
        let id = super::owner::deleter(path).map_err(SecretError::Unavailable)?;
        let prefix = format!("{id}/");
        Ok(store
            .list_users()?
            .iter()
            .filter_map(|u| u.strip_prefix(&prefix))
            .map(EntryName::from_rest)
            .collect())
    }
    fn label(&self, name: &EntryName) -> String {
        match self
            .file_scope()
            .map(str::to_string)
            .or_else(|| self.pending_scope())
        {
            Some(id) => name.scoped(&id).to_string(),
            None => name.to_string(),
        }
    }
    fn describe(&self) -> String {
        match self.store() {
            Ok(s) => s.describe(),
            Err(_) => "the OS keyring (unavailable)".into(),
        }
    }
}
