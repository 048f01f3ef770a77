//! API keys: add (import, store, save, undo), read the private key, mint a token.

use crate::asc::{jwt, p8};
use crate::domain::rules::KeyRefusal;
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::ApiKey;
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets};
use crate::store::{Loaded, UpdateError, edit};

use super::Clock;
use super::save::{self, Target};

/// Where a new secret goes: the OS keyring, the team's Vault/OpenBao, or a reference the workspace records (file or env var).
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    Keyring,
    Vault,
    Reference(SecretRef),
}

pub struct AddedKey {
    pub key: ApiKey,
    /// Computed once from the imported key: the value the workspace lists.
    pub fingerprint: String,
    pub warnings: Vec<String>,
    /// Where the private key is, in words ("the OS keyring as …", "file …").
    pub place: String,
    pub loaded: Loaded,
}

#[derive(Debug)]
pub enum AddKeyError {
    Refused(KeyRefusal),
    /// The content is not a usable .p8 key.
    Import(String),
    /// The store refused the key (typed: a missing keyring is worded by each face).
    Keyring(crate::secrets::SecretError),
    /// The workspace could not be locked or read before anything was written.
    Workspace(UpdateError),
    /// The workspace was not saved; `leftover` names a keyring entry (as the keyring holds it) that could not be removed again.
    Save {
        error: UpdateError,
        leftover: Option<(String, String)>,
    },
}

/// Adds `key` with the .p8 `content` (the raw file, base64 of it, or pasted PEM).
/// The rules are asked before and again under the lock; a stored secret is removed if the save fails.
pub fn add_api_key(
    target: Target<'_>,
    keyring: &dyn SecretStore,
    workspace: &crate::domain::workspace::Workspace,
    mut key: ApiKey,
    content: &[u8],
    file_name: Option<&str>,
    storage: Storage,
) -> Result<AddedKey, AddKeyError> {
    // Held from the check through the save: a second process fails before it writes a secret.
    let _lock = target.lock().map_err(AddKeyError::Workspace)?;
    let now = match target {
        Target::Disk(_) => Some(target.current().map_err(AddKeyError::Workspace)?),
        Target::Memory(_) => None,
    };
    now.as_ref()
        .map_or(workspace, |l| &l.workspace)
        .may_add_api_key(&key)
        .map_err(AddKeyError::Refused)?;
    let imported = p8::import(content, file_name, Some(&key.key_id))
        .map_err(|e| AddKeyError::Import(e.to_string()))?;
    key.fingerprint = Some(imported.fingerprint.clone());
    let entry = EntryName::api_key(&key.key_id);
    let secrets = Secrets {
        keyring,
        workspace_file: target.path(),
    };
    let mut written = None;
    let place = match &storage {
        Storage::Keyring | Storage::Vault => {
            key.private_key = match storage {
                Storage::Vault => SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry),
                _ => SecretRef::Keyring,
            };
            written = Some(
                secrets
                    .create(&key.private_key, &entry, &imported.pem)
                    .map_err(AddKeyError::Keyring)?,
            );
            let label = match &key.private_key {
                SecretRef::Keyring => keyring.label(&entry),
                _ => entry.to_string(),
            };
            format!(
                "{} as {label}",
                crate::secrets::describe_place(&key.private_key, keyring, target.path())
            )
        }
        Storage::Reference(r) => {
            key.private_key = r.clone();
            r.describe()
        }
    };
    let k = key.clone();
    let mut late: Option<KeyRefusal> = None;
    // Under the lock the file may hold a key added meanwhile: the same rule, typed.
    let saved = save::apply(target, |l, doc| {
        if let Err(r) = l.workspace.may_add_api_key(&k) {
            late = Some(r);
            return Err(String::new());
        }
        edit::add_api_key(doc, &k)
    });
    match saved {
        Ok(((), loaded)) => Ok(AddedKey {
            key,
            fingerprint: imported.fingerprint,
            warnings: imported.warnings,
            place,
            loaded,
        }),
        Err(error) => {
            // Never leave a secret behind that no connection points to, and delete only this
            // run's: the entry is checked to still hold what was written.
            let leftover = written.as_ref().and_then(|w| {
                secrets.undo(w).err().map(|e| {
                    let shown = match storage {
                        Storage::Keyring => keyring.label(&entry),
                        _ => entry.to_string(),
                    };
                    (shown, e.to_string())
                })
            });
            Err(match (late, leftover) {
                (Some(r), None) => AddKeyError::Refused(r),
                (_, leftover) => AddKeyError::Save { error, leftover },
            })
        }
    }
}

/// The private key behind a key's reference, normalised to PEM (references may hold base64 or CRLF text).
pub fn read_key_pem(
    workspace_file: &std::path::Path,
    keyring: &dyn SecretStore,
    key: &ApiKey,
) -> Result<SecretValue, String> {
    let secrets = Secrets {
        keyring,
        workspace_file,
    };
    let value = secrets
        .get(&key.private_key, &EntryName::api_key(&key.key_id))
        .map_err(|e| format!("the private key of `{}`: {e}", key.name))?;
    let imported = p8::import(value.expose().as_bytes(), None, None)
        .map_err(|e| format!("the private key of `{}`: {e}", key.name))?;
    Ok(imported.pem)
}

pub struct Minted {
    pub token: String,
    pub issued_at: i64,
    /// The token's own `exp` claim.
    pub expires_at: i64,
}

/// Signs a token for `key` at the clock's instant.
pub fn mint(
    workspace_file: &std::path::Path,
    keyring: &dyn SecretStore,
    key: &ApiKey,
    clock: Clock,
    ttl: i64,
    scopes: &[String],
) -> Result<Minted, String> {
    let pem = read_key_pem(workspace_file, keyring, key)?;
    let issued_at = clock.now().timestamp();
    let token = jwt::mint(key, &pem, issued_at, ttl, scopes).map_err(|e| e.to_string())?;
    let expires_at = jwt::decode_untrusted(&token)
        .ok()
        .and_then(|d| d.payload.get("exp").and_then(serde_json::Value::as_i64))
        .unwrap_or(issued_at + ttl);
    Ok(Minted {
        token,
        issued_at,
        expires_at,
    })
}
