//! A Vault / OpenBao KV v2 secret store: one home for the secrets of a team's build hosts.

mod client;
pub use client::api_url;
pub mod config;
mod owners;
pub use owners::{OWNER_KEY, Owner, Released, owners_text};

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
/// The data field naming the host that wrote an entry (`host (pid N)`).
pub const WRITTEN_BY: &str = "written_by";

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrote {
    /// This run wrote this version: the one an undo may delete.
    Version(u64),
    /// The path already held these exact bytes: used, not ours to delete.
    AlreadyThere,
    /// A renewal lost: another host wrote `version` after this run read `read`; it is kept.
    Superseded { read: u64, version: u64, by: String },
}

/// This host's name and process, recorded with every write.
pub fn this_host() -> String {
    let name = host_name().unwrap_or_else(|| "an unnamed host".into());
    format!("{name} (pid {})", std::process::id())
}

/// gethostname(3) on Unix (macOS included).
#[cfg(unix)]
fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or truncates.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    (rc == 0 && end > 0).then(|| String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// Windows: the DNS host name (GetComputerNameExW), as `hostname` prints it; else %COMPUTERNAME%.
#[cfg(windows)]
fn host_name() -> Option<String> {
    use windows_sys::Win32::System::SystemInformation::{
        ComputerNameDnsHostname, GetComputerNameExW,
    };
    let mut buf = [0u16; 256];
    let mut len = buf.len() as u32;
    // SAFETY: the buffer holds `len` UTF-16 units; on success `len` is the count written.
    let ok = unsafe { GetComputerNameExW(ComputerNameDnsHostname, buf.as_mut_ptr(), &mut len) };
    let from_api = (ok != 0 && len > 0)
        .then(|| String::from_utf16_lossy(&buf[..(len as usize).min(buf.len())]));
    from_api.or_else(|| std::env::var("COMPUTERNAME").ok().filter(|n| !n.is_empty()))
}

/// Who wrote an entry, as its data says (older entries do not say).
fn writer_of(data: &Map<String, Value>) -> String {
    match data.get(WRITTEN_BY).and_then(Value::as_str) {
        Some(w) => crate::terminal_text::clean_line(&one_line(w, 120)),
        None => "a host that did not say".into(),
    }
}

pub struct VaultStore {
    client: Client,
    prefix: String,
    /// Reads are cached for the life of the process only: never on disk.
    cache: Mutex<HashMap<String, Current>>,
    kv2_checked: OnceLock<()>,
    /// The workspace file this store serves: its id (bound to it on this host) owns entries.
    workspace_file: Option<PathBuf>,
}

/// Cuts server text to one short line before it reaches a message.
pub fn one_line(text: &str, max: usize) -> String {
    crate::one_line::cut(text, max)
}

impl VaultStore {
    pub fn new(cfg: &VaultConfig) -> Result<VaultStore, SecretError> {
        Ok(VaultStore {
            client: Client::new(cfg)?,
            prefix: cfg.prefix.clone(),
            cache: Mutex::new(HashMap::new()),
            kv2_checked: OnceLock::new(),
            workspace_file: None,
        })
    }

    /// The id this workspace deletes and releases entries as, or why it may not.
    fn deleter(&self) -> Result<String, SecretError> {
        match &self.workspace_file {
            Some(f) => crate::secrets::owner::deleter(f)
                .map_err(|why| SecretError::NotOwned(format!("left in place: {why}"))),
            None => Err(SecretError::NotOwned(
                "left in place: no workspace owns this vault store".into(),
            )),
        }
    }

    /// The id this workspace records as the owner of what it writes.
    fn writer(&self) -> Result<String, SecretError> {
        match &self.workspace_file {
            Some(f) => crate::secrets::owner::writer(f, &crate::secrets::owner::keyring_holds),
            None => Err(SecretError::Failed(
                "nothing written: no workspace owns this vault store".into(),
            )),
        }
    }

    fn forget(&self, path: &str) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(path);
        }
    }

    /// Whether `name` can be created here, asked before a sign-in or a prompt (see `Client::check_create`).
    pub fn check_create(&self, name: &EntryName) -> Result<(), SecretError> {
        self.client.check_create(&self.entry_path(name))
    }

    /// `<prefix>/api-key/<KEY_ID>`: the keyring's entry name below the team's prefix.
    pub fn entry_path(&self, name: &EntryName) -> String {
        entry_path(&self.prefix, name)
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

    fn ensure_kv2_once(&self) -> Result<(), SecretError> {
        if self.kv2_checked.get().is_none() {
            self.client.ensure_kv2()?;
            let _ = self.kv2_checked.set(());
        }
        Ok(())
    }

    /// The data apple-conn writes: the value, and which host wrote it (named when a renewal loses).
    fn data_of(value: &SecretValue) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert(
            VAULT_FIELD.to_string(),
            Value::String(value.expose().to_string()),
        );
        data.insert(WRITTEN_BY.to_string(), Value::String(this_host()));
        data
    }

    fn remember_written(&self, path: &str, data: Map<String, Value>, version: u64) {
        self.remember(
            path,
            Current {
                data: Some(data),
                version,
            },
        );
    }

    /// A new entry, create-only: written with cas = the latest version when the path holds no
    /// secret (0 when it never existed); the same bytes already there are used as they are (not
    /// ours: an undo leaves them); a different secret there is a conflict, never overwritten.
    pub fn create_at(
        &self,
        path: &str,
        name: &EntryName,
        value: &SecretValue,
    ) -> Result<Wrote, SecretError> {
        self.ensure_kv2_once()?;
        let owner = self.writer()?;
        for _ in 0..CAS_TRIES {
            let current = self.fresh(path)?;
            if let Some(data) = &current.data {
                return match data.get(VAULT_FIELD).and_then(Value::as_str) {
                    // Used as it is: this workspace becomes one more owner (released, not deleted).
                    Some(v) if v == value.expose() => {
                        self.claim(path, &owner, name)?;
                        Ok(Wrote::AlreadyThere)
                    }
                    _ => Err(SecretError::Failed(format!(
                        "{} already holds a different secret (version {}, written by {}; owners: {}): apple-conn never overwrites it. If it is a leftover of this workspace, `apple-conn secrets prune` lists it; else choose another key id or prefix",
                        self.shown(path, VAULT_FIELD),
                        current.version,
                        writer_of(data),
                        owners_text(&self.owners_at(path).unwrap_or_default())
                    ))),
                };
            }
            let data = Self::data_of(value);
            match self.client.write(path, &data, current.version) {
                Ok(version) => {
                    self.remember_written(path, data, version);
                    // No owner recorded, no entry: a write this workspace could never delete is undone.
                    if let Err(e) = self.claim(path, &owner, name) {
                        let _ = self.client.delete_versions(path, &[version]);
                        self.forget(path);
                        return Err(e);
                    }
                    return Ok(Wrote::Version(version));
                }
                // Someone created it between the read and the write: read again and judge.
                Err(WriteError::Conflict) => continue,
                Err(WriteError::Other(e)) => return Err(e),
            }
        }
        Err(self.kept_changing(path))
    }

    /// A renewal: writes with cas = the version this process read (N). When another host wrote
    /// since, its later version is kept and named; nothing is written and nothing is claimed.
    pub fn renew_at(&self, path: &str, value: &SecretValue) -> Result<Wrote, SecretError> {
        self.ensure_kv2_once()?;
        let read = match self.cached(path) {
            Some(c) => c,
            None => self.fresh(path)?,
        };
        // A renewal rewrites only an entry this workspace owns (or one that records no owner
        // yet, as every entry did before owners were recorded): another workspace's is refused.
        if read.data.is_some() {
            let owners = self.owners_at(path)?;
            if !owners.is_empty() {
                let me = self.writer()?;
                if !owners.iter().any(|o| o.workspace_id == me) {
                    return Err(SecretError::NotOwned(format!(
                        "nothing written: {} belongs to {}, not to this workspace ({me}): `apple-conn secrets adopt` records this workspace as an owner if it uses it",
                        self.shown(path, VAULT_FIELD),
                        owners_text(&owners)
                    )));
                }
            }
        }
        let data = Self::data_of(value);
        match self.client.write(path, &data, read.version) {
            Ok(version) => {
                self.remember_written(path, data, version);
                Ok(Wrote::Version(version))
            }
            Err(WriteError::Conflict) => {
                let later = self.fresh(path)?;
                Ok(Wrote::Superseded {
                    read: read.version,
                    version: later.version,
                    by: later
                        .data
                        .as_ref()
                        .map(writer_of)
                        .unwrap_or_else(|| "a deletion".into()),
                })
            }
            Err(WriteError::Other(e)) => Err(e),
        }
    }

    fn kept_changing(&self, path: &str) -> SecretError {
        SecretError::Failed(format!(
            "{} kept changing while apple-conn wrote it ({CAS_TRIES} check-and-set conflicts): try again",
            self.shown(path, VAULT_FIELD)
        ))
    }

    /// Undoes this run's write of `version`: released by this workspace, deleted when it is the
    /// last owner and the version is still the latest (a later write by another host is never
    /// touched). True when deleted.
    pub fn delete_own(&self, name: &EntryName, version: u64) -> Result<bool, SecretError> {
        Ok(self.release(name, Some(version), true)? == Released::Deleted)
    }

    /// Drops the claim this run added to an entry it found already there (never deletes it).
    pub fn unclaim(&self, name: &EntryName) -> Result<(), SecretError> {
        self.release(name, None, false).map(|_| ())
    }

    /// Removes this workspace's use of an entry: released, or deleted by its last owner; an entry
    /// this workspace does not own is an error naming its owners (nothing touched).
    pub fn remove_entry(&self, name: &EntryName) -> Result<Released, SecretError> {
        let path = self.entry_path(name);
        match self.release(name, None, true)? {
            Released::NotOwned(owners) => {
                Err(SecretError::NotOwned(self.not_owned_text(&path, &owners)))
            }
            other => Ok(other),
        }
    }

    /// The version the server holds now, past the cache (0: none), with its data.
    pub fn current(&self, name: &EntryName) -> Result<(u64, Option<SecretValue>), SecretError> {
        let path = self.entry_path(name);
        let c = self.fresh(&path)?;
        let value = c
            .data
            .as_ref()
            .and_then(|d| d.get(VAULT_FIELD))
            .and_then(Value::as_str)
            .map(|s| SecretValue::new(s.to_string()));
        Ok((c.version, value))
    }

    /// The entries below the prefix (`api-key/…`, `apple-id/…/session`), for `check --secrets` and `prune`.
    pub fn list_entries(&self) -> Result<Vec<String>, SecretError> {
        let mut out = Vec::new();
        let mut folders = vec![String::new()];
        while let Some(folder) = folders.pop() {
            let at = if folder.is_empty() {
                self.prefix.clone()
            } else {
                format!("{}/{folder}", self.prefix)
            };
            for key in self.client.list(&at)? {
                let rel = format!("{folder}{key}");
                if key.ends_with('/') {
                    if folders.len() + out.len() < 10_000 {
                        folders.push(rel);
                    }
                } else if self
                    .fresh(&format!("{}/{rel}", self.prefix))?
                    .data
                    .is_some()
                {
                    out.push(rel);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The entries below the prefix that this workspace owns (prune never sees another's).
    pub fn list_owned(&self) -> Result<Vec<String>, SecretError> {
        let id = self.deleter()?;
        let mut out = Vec::new();
        for rel in self.list_entries()? {
            let owners = self.owners_at(&format!("{}/{rel}", self.prefix))?;
            if owners.iter().any(|o| o.workspace_id == id) {
                out.push(rel);
            }
        }
        Ok(out)
    }

    /// Prune: releases `<prefix>/<rel>`; its last owner soft-deletes the latest version.
    pub fn delete_rel(&self, rel: &str) -> Result<Released, SecretError> {
        let id = self.deleter()?;
        let path = format!("{}/{rel}", self.prefix);
        match self.release_at(&path, &id, None, true)? {
            Released::NotOwned(owners) => {
                Err(SecretError::NotOwned(self.not_owned_text(&path, &owners)))
            }
            other => Ok(other),
        }
    }

    /// Where `<prefix>/<rel>` is, in words.
    pub fn shown_rel(&self, rel: &str) -> String {
        self.shown(&format!("{}/{rel}", self.prefix), VAULT_FIELD)
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
            VaultRef::Entry => self
                .renew_at(&self.entry_path(name), value)
                .and_then(superseded_is_error),
            // The team's own secret: apple-conn reads it, never rewrites it.
            VaultRef::Path { path, field } => Err(SecretError::ReadOnly(self.shown(path, field))),
        }
    }

    pub fn delete_ref(&self, r: &VaultRef, name: &EntryName) -> Result<(), SecretError> {
        match r {
            VaultRef::Entry => self.remove_entry(name).and_then(|r| match r {
                Released::Changed => Err(SecretError::Failed(
                    "another host wrote a newer version meanwhile; left in place".into(),
                )),
                _ => Ok(()),
            }),
            VaultRef::Path { .. } => Ok(()),
        }
    }
}

/// `<prefix>/api-key/<KEY_ID>`: the entry's name (built from escaped segments) below `prefix`.
pub fn entry_path(prefix: &str, name: &EntryName) -> String {
    let rest = name
        .as_str()
        .strip_prefix(SERVICE)
        .and_then(|s| s.strip_prefix('/'))
        .unwrap_or(name.as_str());
    format!("{prefix}/{rest}")
}

/// For callers that need the write to land: a lost renewal is an error naming the winner.
pub fn superseded_is_error(w: Wrote) -> Result<(), SecretError> {
    match w {
        Wrote::Superseded { read, version, by } => {
            Err(SecretError::Failed(superseded_text(read, version, &by)))
        }
        _ => Ok(()),
    }
}

/// "another host wrote …": what a lost renewal says.
pub fn superseded_text(read: u64, version: u64, by: &str) -> String {
    format!(
        "the vault entry changed while this ran (read version {read}, now version {version}, written by {by}): that later version was kept and nothing was written"
    )
}

impl SecretStore for VaultStore {
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        self.read_at(&self.entry_path(name), VAULT_FIELD)
    }
    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError> {
        self.renew_at(&self.entry_path(name), value)
            .and_then(superseded_is_error)
    }
    fn delete(&self, name: &EntryName) -> Result<(), SecretError> {
        self.delete_ref(&VaultRef::Entry, name)
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
    let mut cfg = config::resolve_with(&settings, host, workspace_file, &trusted)
        .map_err(SecretError::Unavailable)?;
    // The file's CA: read once, and trusted only as these very bytes (a swap between the trust
    // check and the read is caught), then handed to the client as read.
    if cfg.ca_from_file
        && let Some(ca) = &cfg.ca_cert
    {
        let pem = client::read_ca(ca)?;
        crate::store::trust::require_file_contents(
            workspace_file,
            &whole,
            crate::store::trust::VAULT_CA_CERT,
            &pem,
        )
        .map_err(|e| SecretError::Unavailable(e.to_string()))?;
        cfg.ca_pem = Some(pem);
    }
    let mut store = VaultStore::new(&cfg)?;
    store.workspace_file = Some(workspace_file.to_path_buf());
    let store = Arc::new(store);
    if let Ok(mut list) = registry.lock() {
        list.push((workspace_file.to_path_buf(), store.clone()));
    }
    Ok(store)
}
