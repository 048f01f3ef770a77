//! Checks of secret references that need no secret: a `path` exists, is a file, is private.

use std::path::Path;

use crate::domain::problem::{DocPath, Problem};
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::Workspace;

use crate::store::resolve_path;

/// Every secret reference of the workspace with its document path and a label.
pub fn all_refs(ws: &Workspace) -> Vec<(DocPath, String, &SecretRef)> {
    let mut out = Vec::new();
    for (i, key) in ws.api_keys.iter().enumerate() {
        out.push((
            DocPath::root().key("api_keys").index(i).key("private_key"),
            format!("private key of `{}`", key.name),
            &key.private_key,
        ));
    }
    for (i, aid) in ws.apple_ids.iter().enumerate() {
        let at = DocPath::root().key("apple_ids").index(i);
        out.push((
            at.key("password"),
            format!("password of {}", aid.apple_id),
            &aid.password,
        ));
        if let Some(asp) = &aid.app_specific_password {
            out.push((
                at.key("app_specific_password"),
                format!("app-specific password of {}", aid.apple_id),
                asp,
            ));
        }
    }
    out
}

/// Metadata-only checks: never opens a file's content.
pub fn check_paths(ws: &Workspace, workspace_file: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    for (at, label, r) in all_refs(ws) {
        let SecretRef::Path(path) = r else { continue };
        let full = resolve_path(workspace_file, path);
        match std::fs::metadata(&full) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => out.push(Problem::error(
                at,
                format!("{label}: {} does not exist: fix the path (relative paths start at the workspace file's folder)", full.display()),
            )),
            Err(e) => out.push(Problem::error(
                at,
                format!("{label}: cannot read {}: {e}", full.display()),
            )),
            Ok(meta) if !meta.is_file() => out.push(Problem::error(
                at,
                format!("{label}: {} is not a file", full.display()),
            )),
            Ok(meta) => {
                if let Some(mode) = group_or_other_readable(&meta) {
                    out.push(Problem::warning(
                        at,
                        format!(
                            "{label}: {} is readable by group or others (mode {mode:o}): run chmod 600 {}",
                            full.display(),
                            full.display()
                        ),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(unix)]
pub fn group_or_other_readable(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
pub fn group_or_other_readable(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// `check --secrets`: reads every reference (values are never printed) and reports the missing.
pub fn check_secrets(
    ws: &Workspace,
    workspace_file: &Path,
    keyring: &dyn crate::secrets::SecretStore,
) -> Vec<Problem> {
    use crate::secrets::{EntryName, Secrets};
    let secrets = Secrets {
        keyring,
        workspace_file,
    };
    let mut out = Vec::new();
    let mut entries = Vec::new();
    for (i, key) in ws.api_keys.iter().enumerate() {
        let at = DocPath::root().key("api_keys").index(i).key("private_key");
        entries.push((
            at,
            format!("private key of `{}`", key.name),
            key.private_key.clone(),
            EntryName::api_key(&key.key_id),
            true,
        ));
    }
    for (i, aid) in ws.apple_ids.iter().enumerate() {
        let at = DocPath::root().key("apple_ids").index(i);
        entries.push((
            at.key("password"),
            format!("password of {}", aid.apple_id),
            aid.password.clone(),
            EntryName::password(&aid.apple_id),
            false,
        ));
        if let Some(asp) = &aid.app_specific_password {
            entries.push((
                at.key("app_specific_password"),
                format!("app-specific password of {}", aid.apple_id),
                asp.clone(),
                EntryName::app_specific_password(&aid.apple_id),
                false,
            ));
        }
        if aid.has_session() {
            entries.push((
                at.key("session"),
                format!("2FA session of {}", aid.apple_id),
                aid.session.clone().unwrap_or_default(),
                EntryName::session(&aid.apple_id),
                false,
            ));
        }
    }
    for (at, label, r, entry, is_key) in entries {
        match secrets.get(&r, &entry) {
            Ok(value) => {
                if is_key
                    && let Err(e) = crate::asc::p8::import(value.expose().as_bytes(), None, None)
                {
                    out.push(Problem::error(at, format!("{label}: {e}")));
                }
            }
            Err(e) => out.push(Problem::error(at, format!("{label}: {e}"))),
        }
    }
    out
}
