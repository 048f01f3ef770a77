//! The workspace id that scopes keyring entries: made by `init`, added on the next save of an older file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// 16 random bytes as 32 hex digits.
pub fn new_id() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Ids handed to keyring writes for files that have none yet: the next save of that file writes
/// the same id, and a write that is never saved (a locked keyring, a refused change) changes no file.
static PENDING: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// The id the next save of `path` will write, if a keyring write already asked for one.
pub fn pending(path: &Path) -> Option<String> {
    let pending = PENDING.lock().ok()?;
    pending
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, id)| id.clone())
}

/// The id the next save of `path` will write, made now if needed.
pub fn pending_or_new(path: &Path) -> String {
    if let Some(id) = pending(path) {
        return id;
    }
    let id = new_id();
    if let Ok(mut pending) = PENDING.lock() {
        pending.push((path.to_path_buf(), id.clone()));
    }
    id
}

/// Adds `[settings] workspace_id` to a document that has none; true when it did.
pub fn ensure_in(doc: &mut toml_edit::DocumentMut, path: &Path) -> bool {
    let has = doc
        .get("settings")
        .and_then(|s| s.get("workspace_id"))
        .is_some();
    if has {
        return false;
    }
    let id = pending(path).unwrap_or_else(new_id);
    if doc.get("settings").is_none() {
        doc.insert("settings", toml_edit::Item::Table(toml_edit::Table::new()));
    }
    match doc.get_mut("settings") {
        Some(toml_edit::Item::Table(t)) => {
            t.insert("workspace_id", toml_edit::value(id));
            true
        }
        Some(toml_edit::Item::Value(toml_edit::Value::InlineTable(t))) => {
            t.insert("workspace_id", id.into());
            true
        }
        _ => false,
    }
}

/// The id written in the file now, if any (a file that does not load has none).
pub fn read(path: &Path) -> Option<String> {
    super::load(path).ok()?.workspace.settings.workspace_id
}
