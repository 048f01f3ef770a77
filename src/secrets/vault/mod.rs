//! A Vault / OpenBao KV v2 secret store: one home for the secrets of a team's build hosts.

mod client;
pub mod config;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use self::client::{Client, Current, WriteError};
use self::config::{HostEnv, VaultConfig};
use super::{EntryName, SERVICE, SecretError, SecretStore, SecretValue};
use crate::domain::secret_ref::{VAULT_FIELD, VaultRef};
use crate::domain::workspace::{Settings, VaultSettings};

/// Tries of one check-and-set write before giving up (each conflict is a real concurrent write).
const CAS_TRIES: usize = 8;

pub struct VaultStore {
    client: Client,
    prefix: String,
    /// Reads are cached for the life of the process only: never on disk.
    cache: Mutex<HashMap<String, Current>>,
    kv2_checked: OnceLock<()>,
}

/// Cuts server text to one short line before it reaches a message.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

impl VaultStore {
    pub fn new(cfg: &VaultConfig) -> Result<VaultStore, SecretError> {
        Ok(VaultStore {
            client: Client::new(cfg)?,
            prefix: cfg.prefix.clone(),
            cache: Mutex::new(HashMap::new()),
            kv2_checked: OnceLock::new(),
        })
    }

    /// `<prefix>/api-key/<KEY_ID>`: the keyring's entry name below the team's prefix.
    pub fn entry_path(&self, name: &EntryName) -> String {
        let rest = name
            .as_str()
            .strip_prefix(SERVICE)
            .and_then(|s| s.strip_prefix('/'))
            .unwrap_or(name.as_str());
        format!("{}/{rest}", self.prefix)
    }

    /// Where `bao kv get` finds a reference: `secret/apple-conn/api-key/…` (field).
    pub fn location(&self, r: &VaultRef, name: &EntryName) -> (String, String) {
        match r {
            VaultRef::Entry => (self.entry_path(name), VAULT_FIELD.to_string()),
            VaultRef::Path { path, field } => (path.clone(), field.clone()),
        }
    }

    fn cached(&self, path: &str) -> Option<Current> {
        self.cache.lock().ok().and_then(|c| c.get(path).cloned())
    }

    fn remember(&self, path: &str, current: Current) {
        if let Ok(mut c) = self.cache.lock() {
            c.insert(path.to_string(), current);
        }
    }

    fn fresh(&self, path: &str) -> Result<Current, SecretError> {
        let current = self.client.read(path)?;
        self.remember(path, current.clone());
        Ok(current)
    }

    fn shown(&self, path: &str, field: &str) -> String {
        format!(
            "vault secret {}/{path} (field {field}) at {}",
            self.client.mount,
            self.client.address()
        )
    }

    pub fn read_at(&self, path: &str, field: &str) -> Result<SecretValue, SecretError> {
        let current = match self.cached(path) {
            Some(c) => c,
            None => self.fresh(path)?,
        };
        let data = current
            .data
            .ok_or_else(|| SecretError::NotFound(self.shown(path, field)))?;
        match data.get(field) {
            Some(Value::String(s)) if !s.is_empty() => Ok(SecretValue::new(s.clone())),
            Some(Value::String(_)) => Err(SecretError::NotFound(format!(
                "{} is empty",
                self.shown(path, field)
            ))),
            Some(_) => Err(SecretError::Failed(format!(
                "{} is not text",
                self.shown(path, field)
            ))),
            None => Err(SecretError::NotFound(format!(
                "{} (the secret has no field `{field}`)",
                self.shown(path, field)
            ))),
        }
    }

    /// A check-and-set write of one of our own entries; on a conflict re-read and decide.
    pub fn write_at(&self, path: &str, value: &SecretValue) -> Result<(), SecretError> {
        if self.kv2_checked.get().is_none() {
            self.client.ensure_kv2()?;
            let _ = self.kv2_checked.set(());
        }
        let mut current = match self.cached(path) {
            Some(c) => c,
            None => self.fresh(path)?,
        };
        let is_session = path.ends_with("/session");
        for _ in 0..CAS_TRIES {
            if let Some(existing) = current
                .data
                .as_ref()
                .and_then(|d| d.get(VAULT_FIELD))
                .and_then(Value::as_str)
            {
                // A host that refreshed later already stored a newer session: keep it.
                if is_session && session_is_newer(existing, value.expose()) {
                    return Ok(());
                }
            }
            let mut data = Map::new();
            data.insert(
                VAULT_FIELD.to_string(),
                Value::String(value.expose().to_string()),
            );
            match self.client.write(path, &data, current.version) {
                Ok(version) => {
                    self.remember(
                        path,
                        Current {
                            data: Some(data),
                            version,
                        },
                    );
                    return Ok(());
                }
                Err(WriteError::Conflict) => current = self.fresh(path)?,
                Err(WriteError::Other(e)) => return Err(e),
            }
        }
        Err(SecretError::Failed(format!(
            "{} kept changing while apple-conn wrote it ({CAS_TRIES} check-and-set conflicts): try again",
            self.shown(path, VAULT_FIELD)
        )))
    }

    /// Reads past the cache: what the server holds now (copies are verified with this).
    pub fn read_back(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        let path = self.entry_path(name);
        self.fresh(&path)?;
        self.read_at(&path, VAULT_FIELD)
    }

    pub fn delete_at(&self, path: &str) -> Result<(), SecretError> {
        self.client.delete(path)?;
        if let Ok(mut c) = self.cache.lock() {
            c.remove(path);
        }
        Ok(())
    }

    pub fn get_ref(&self, r: &VaultRef, name: &EntryName) -> Result<SecretValue, SecretError> {
        let (path, field) = self.location(r, name);
        self.read_at(&path, &field)
    }

    pub fn set_ref(
        &self,
        r: &VaultRef,
        name: &EntryName,
        value: &SecretValue,
    ) -> Result<(), SecretError> {
        match r {
            VaultRef::Entry => self.write_at(&self.entry_path(name), value),
            // The team's own secret: apple-conn reads it, never rewrites it.
            VaultRef::Path { path, field } => Err(SecretError::ReadOnly(self.shown(path, field))),
        }
    }

    pub fn delete_ref(&self, r: &VaultRef, name: &EntryName) -> Result<(), SecretError> {
        match r {
            VaultRef::Entry => self.delete_at(&self.entry_path(name)),
            VaultRef::Path { .. } => Ok(()),
        }
    }
}

/// True when `stored` is a session created after `ours` (the later sign-in wins).
pub fn session_is_newer(stored: &str, ours: &str) -> bool {
    use crate::apple::session::StoredSession;
    let parse = |t: &str| StoredSession::from_secret(&SecretValue::new(t.to_string())).ok();
    match (parse(stored), parse(ours)) {
        (Some(s), Some(o)) => s.created_at > o.created_at,
        _ => false,
    }
}

impl SecretStore for VaultStore {
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        self.read_at(&self.entry_path(name), VAULT_FIELD)
    }
    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError> {
        self.write_at(&self.entry_path(name), value)
    }
    fn delete(&self, name: &EntryName) -> Result<(), SecretError> {
        self.delete_at(&self.entry_path(name))
    }
    fn describe(&self) -> String {
        format!(
            "the vault at {} (mount {}, prefix {})",
            self.client.address(),
            self.client.mount,
            self.prefix
        )
    }
}

static FLAG_ADDRESS: OnceLock<String> = OnceLock::new();
type Registry = Mutex<Vec<(PathBuf, Arc<VaultStore>)>>;
static STORES: OnceLock<Registry> = OnceLock::new();

/// `--vault-addr`: the weakest of the host's three ways to name its vault.
pub fn set_flag_address(address: Option<&str>) {
    if let Some(a) = address {
        let _ = FLAG_ADDRESS.set(a.to_string());
    }
}

/// `[settings]` of a workspace file, read without the rest of the workspace.
pub fn file_settings(workspace_file: &Path) -> Result<Settings, SecretError> {
    let text =
        crate::store::files::read_text_capped(workspace_file, 16 * 1024 * 1024, "workspace file")
            .map_err(|e| {
            SecretError::Failed(format!("cannot read {}: {e}", workspace_file.display()))
        })?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| {
        SecretError::Failed(format!(
            "{}: {}",
            workspace_file.display(),
            one_line(&e.to_string(), 200)
        ))
    })?;
    match doc.get("settings") {
        None => Ok(Settings::default()),
        Some(v) => v.clone().try_into().map_err(|e: toml::de::Error| {
            SecretError::Failed(format!(
                "[settings] in {}: {}",
                workspace_file.display(),
                one_line(&e.to_string(), 200)
            ))
        }),
    }
}

/// `[settings.vault]` of a workspace file, read without the rest of the workspace.
pub fn settings_of(workspace_file: &Path) -> Result<VaultSettings, SecretError> {
    Ok(file_settings(workspace_file)?.vault.unwrap_or_default())
}

/// The vault store of a workspace, made once per process (its read cache lives as long).
pub fn store_for(workspace_file: &Path) -> Result<Arc<VaultStore>, SecretError> {
    let registry = STORES.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(list) = registry.lock()
        && let Some((_, s)) = list.iter().find(|(p, _)| p == workspace_file)
    {
        return Ok(s.clone());
    }
    let whole = file_settings(workspace_file)?;
    let settings = whole.vault.clone().unwrap_or_default();
    let host = HostEnv::from_process(FLAG_ADDRESS.get().cloned());
    // The file's guarded settings count only once this host trusts the whole file as it is now.
    let trusted = |key: &str| {
        crate::store::trust::require_settings(workspace_file, &whole, key)
            .map_err(|e| e.to_string())
    };
    let cfg = config::resolve_with(&settings, host, workspace_file, &trusted)
        .map_err(SecretError::Unavailable)?;
    let store = Arc::new(VaultStore::new(&cfg)?);
    if let Ok(mut list) = registry.lock() {
        list.push((workspace_file.to_path_buf(), store.clone()));
    }
    Ok(store)
}
