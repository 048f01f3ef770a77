//! The workspace id that scopes keyring entries: made by `init`, added on the next save of an older file.

use std::path::Path;

/// 16 random bytes as 32 hex digits.
pub fn new_id() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Adds `[settings] workspace_id` to a document that has none; true when it did.
pub fn ensure_in(doc: &mut toml_edit::DocumentMut) -> bool {
    let has = doc
        .get("settings")
        .and_then(|s| s.get("workspace_id"))
        .is_some();
    if has {
        return false;
    }
    if doc.get("settings").is_none() {
        doc.insert("settings", toml_edit::Item::Table(toml_edit::Table::new()));
    }
    match doc.get_mut("settings") {
        Some(toml_edit::Item::Table(t)) => {
            t.insert("workspace_id", toml_edit::value(new_id()));
            true
        }
        Some(toml_edit::Item::Value(toml_edit::Value::InlineTable(t))) => {
            t.insert("workspace_id", new_id().into());
            true
        }
        _ => false,
    }
}

/// The id written in the file now, if any (a file that does not load has none).
pub fn read(path: &Path) -> Option<String> {
    super::load(path).ok()?.workspace.settings.workspace_id
}

/// Gives an existing workspace file its id now (a save of its own), so secrets written next are scoped.
/// A missing or broken file is left to the command, which reports it.
pub fn ensure(path: &Path) {
    if std::fs::symlink_metadata(path).is_err() || read(path).is_some() {
        return;
    }
    let _ = super::update(path, |_, _| Ok(()));
}
