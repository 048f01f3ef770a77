//! The workspace id (a root key) that scopes keyring entries: made by `init`, added on the next save of an older file.

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

/// Adds the root key `workspace_id` to a document that has none; true when it did.
pub fn ensure_in(doc: &mut toml_edit::DocumentMut, path: &Path) -> bool {
    if doc.contains_key("workspace_id") {
        return false;
    }
    let id = pending(path).unwrap_or_else(new_id);
    doc.insert("workspace_id", toml_edit::value(id));
    true
}

/// The id written in the file now, if any (a file that does not load has none).
pub fn read(path: &Path) -> Option<String> {
    let text =
        super::files::read_text_capped(path, super::files::WORKSPACE_CAP, "workspace").ok()?;
    // A root key stands before the first table header: parse only that part (a 1 MB workspace
    // would otherwise be parsed again for every keyring read).
    let mut end = text.len();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            end = at;
            break;
        }
        at += line.len();
    }
    let id = match toml::from_str::<toml::Table>(&text[..end]) {
        Ok(root) => root.get("workspace_id")?.as_str()?.to_string(),
        // A root part that does not parse alone (a multi-line string holding `[`): the whole file.
        Err(_) => super::parse(path, text).ok()?.workspace.workspace_id?,
    };
    crate::domain::workspace::is_valid_workspace_id(&id).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_from_the_root_part_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.toml");
        let id = "0123456789abcdef0123456789abcdef";
        std::fs::write(
            &path,
            format!("version = 1\nyou = \"a@example.com\"\nworkspace_id = \"{id}\"\n\n[[apps]]\nslug = \"x\"\nworkspace_id = \"fedcba9876543210fedcba9876543210\"\n"),
        )
        .unwrap();
        assert_eq!(read(&path).as_deref(), Some(id));
        std::fs::write(
            &path,
            "version = 1\n[settings]\nworkspace_id = \"0123456789abcdef\"\n",
        )
        .unwrap();
        assert_eq!(read(&path), None);
        std::fs::write(&path, "version = 1\nworkspace_id = \"../../etc\"\n").unwrap();
        assert_eq!(read(&path), None);
    }

    #[test]
    fn an_id_is_added_once_and_kept_in_place() {
        let path = Path::new("/nonexistent/unit-a.toml");
        let mut doc: toml_edit::DocumentMut =
            "# mine\nversion = 1\nyou = \"a@example.com\"\n\n[settings]\ntheme = \"mono\" # dark\n"
                .parse()
                .unwrap();
        assert!(ensure_in(&mut doc, path));
        let text = doc.to_string();
        assert!(text.contains("theme = \"mono\" # dark"), "{text}");
        // A root key, above the tables: a hand-added `[settings]` table still fits.
        assert!(
            text.find("workspace_id = ") < text.find("[settings]"),
            "{text}"
        );
        let id = doc["workspace_id"].as_str().unwrap().to_string();
        assert!(crate::domain::workspace::is_valid_workspace_id(&id), "{id}");
        assert!(!ensure_in(&mut doc, path));
        assert_eq!(doc["workspace_id"].as_str(), Some(id.as_str()));
    }

    #[test]
    fn the_save_writes_the_id_a_keyring_write_already_used() {
        let path = Path::new("/nonexistent/unit-b.toml");
        let used = pending_or_new(path);
        assert_eq!(pending_or_new(path), used);
        let mut doc: toml_edit::DocumentMut =
            "version = 1\n\n[[apps]]\nslug = \"a\"\n".parse().unwrap();
        assert!(ensure_in(&mut doc, path));
        assert_eq!(doc["workspace_id"].as_str(), Some(used.as_str()));
    }

    #[test]
    fn ids_that_could_escape_a_keyring_name_are_invalid() {
        use crate::domain::workspace::is_valid_workspace_id as ok;
        assert!(ok("0123456789abcdef"));
        assert!(ok("57246542-96fe-1a63-e053-0824d011072a"));
        for bad in [
            "",
            "0123456789abcde",
            "../0123456789abcdef",
            "0123456789abcdef/x",
            "-0123456789abcdef",
            "0123456789abcdefg",
        ] {
            assert!(!ok(bad), "{bad}");
        }
    }
}
