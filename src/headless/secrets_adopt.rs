//! `secrets adopt`: this file becomes the owner of its workspace_id on this host, and of the
//! vault entries it refers to (the only way existing unowned secrets become this workspace's).

use std::path::Path;

use super::{CmdResult, Failure};
use crate::terminal_text::say;

pub fn run(path: &Path) -> CmdResult {
    let _lock = super::connections::lock_workspace(path)?;
    let loaded = super::load_path(path)?;
    let adopted = crate::ops::adopt::adopt(&loaded).map_err(|e| Failure::new(1, e))?;
    let file = path.display().to_string();
    if adopted.was_bound {
        say(&format!(
            "{file} already owns workspace_id {} on this host",
            adopted.workspace_id
        ));
    } else {
        say(&format!(
            "{file} now owns workspace_id {} on this host: `secrets prune`, `remove` and `secrets move` act on the keyring entries under apple-conn/{}/",
            adopted.workspace_id, adopted.workspace_id
        ));
    }
    for shown in &adopted.vault_claimed {
        say(&format!("owner recorded: {shown}"));
    }
    for shown in &adopted.vault_missing {
        say(&format!("not there (nothing to own): {shown}"));
    }
    if let Some(e) = adopted.vault_error {
        return Err(Failure::new(
            1,
            format!("the vault entries were not all adopted: {e}"),
        ));
    }
    Ok(0)
}
