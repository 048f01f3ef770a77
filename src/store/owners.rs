//! Which file owns a workspace id on this host (issue 33): the id in a file scopes its keyring
//! entries and names it as an owner of vault entries, but an id is only text that a copy can
//! repeat. This host binds each id to the canonical path of one file
//! (`$XDG_STATE_HOME/apple-conn/owners.toml`, beside the trust record); only that file may delete
//! or release what the id owns. A copy elsewhere claims nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One binding in owners.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Binding {
    id: String,
    /// The owning file's canonical path.
    path: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct OwnersFile {
    #[serde(default)]
    workspace: Vec<Binding>,
}

const HEADER: &str = "# Which workspace file owns each workspace_id on this host (written by apple-conn).\n# Only the file named here may delete or release the secrets its id owns; a copy of the id claims nothing.\n\n";

/// Where a file stands with this host's bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The file names an id bound to it: it owns what the id owns.
    Owner(String),
    /// The file has no id yet (its first save gives it one, bound then).
    NoId,
    /// No file is bound to the id on this host (a file from before owners, or a new clone).
    Unbound(String),
    /// The id is bound to another file that still names it: this file is a copy.
    Copy { id: String, owner: PathBuf },
    /// The id is bound to a file that is gone or names another id now (moved, or edited).
    Stale { id: String, was: PathBuf },
    /// The bindings cannot be read (why): nothing is believed.
    State(String),
}

impl Standing {
    /// The id this file may delete and release under, or why not (a sentence with the way out).
    pub fn owner(&self, workspace_file: &Path) -> Result<&str, String> {
        match self {
            Standing::Owner(id) => Ok(id),
            _ => Err(self.refusal(workspace_file)),
        }
    }

    /// Why this file may not act for its id (empty for an owner).
    pub fn refusal(&self, workspace_file: &Path) -> String {
        let file = crate::terminal_text::clean_line(&workspace_file.display().to_string());
        let quoted = crate::terminal_text::clean_line(&super::trust::shell_word(
            &workspace_file.to_string_lossy(),
        ));
        match self {
            Standing::Owner(_) => String::new(),
            Standing::NoId => format!("{file} has no workspace_id yet, so it owns no secret"),
            Standing::Unbound(id) => format!(
                "{file}'s workspace_id {id} is not bound to it on this host, so apple-conn does not know that its secrets are this file's (a copied id claims nothing): if they are, run `apple-conn secrets adopt -c {quoted}`"
            ),
            Standing::Copy { id, owner } => format!(
                "{file}'s workspace_id {id} belongs on this host to {} (this file repeats it, so it claims nothing there): give this file its own id by deleting its workspace_id line (the next save writes a new one)",
                crate::terminal_text::clean_line(&owner.display().to_string())
            ),
            Standing::Stale { id, was } => format!(
                "{file}'s workspace_id {id} was bound on this host to {}, which no longer names it (moved or edited?): if this file is that workspace, run `apple-conn secrets adopt -c {quoted}`",
                crate::terminal_text::clean_line(&was.display().to_string())
            ),
            Standing::State(e) => format!(
                "this host's record of workspace owners cannot be read ({e}): fix or remove it"
            ),
        }
    }
}

/// `$XDG_STATE_HOME/apple-conn/owners.toml` (beside trusted.toml).
pub fn state_file() -> Result<PathBuf, String> {
    Ok(super::trust::state_file()?.with_file_name("owners.toml"))
}

fn read_state(state: &Path) -> Result<OwnersFile, String> {
    super::trust::refuse_link(state)?;
    let text = match super::files::read_text_capped(state, super::files::SMALL_CAP, "owner record")
    {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OwnersFile::default()),
        Err(e) => return Err(format!("{}: {e}", state.display())),
    };
    toml::from_str(&text).map_err(|_| format!("{} is not an owner record", state.display()))
}

/// The file's standing, judged now (its id as written, the bindings as recorded).
pub fn standing(workspace_file: &Path) -> Standing {
    let Some(id) = super::workspace_id::read(workspace_file) else {
        return Standing::NoId;
    };
    standing_of(workspace_file, &id)
}

/// `standing` for a file that names (or will name, in the save under way) `id`.
pub fn standing_of(workspace_file: &Path, id: &str) -> Standing {
    match state_file() {
        Ok(state) => standing_in(&state, workspace_file, id),
        Err(e) => Standing::State(e),
    }
}

fn standing_in(state: &Path, workspace_file: &Path, id: &str) -> Standing {
    let here = match super::trust::canonical(workspace_file) {
        Ok(p) => p,
        Err(e) => return Standing::State(e),
    };
    let state = match read_state(state) {
        Ok(s) => s,
        Err(e) => return Standing::State(e),
    };
    match state.workspace.iter().find(|b| b.id == id) {
        None => Standing::Unbound(id.to_string()),
        Some(b) if Path::new(&b.path) == here => Standing::Owner(id.to_string()),
        Some(b) => {
            let other = PathBuf::from(&b.path);
            if super::workspace_id::read(&other).as_deref() == Some(id) {
                Standing::Copy {
                    id: id.to_string(),
                    owner: other,
                }
            } else {
                Standing::Stale {
                    id: id.to_string(),
                    was: other,
                }
            }
        }
    }
}

/// Binds `id` to the file (its canonical path), replacing a binding of the id to a file that no
/// longer names it; refuses when another file that still names the id holds it. The caller
/// decides that the file may claim the id: a new id, or the person's explicit `secrets adopt`.
pub fn bind(workspace_file: &Path, id: &str) -> Result<(), String> {
    bind_in(&state_file()?, workspace_file, id)
}

fn bind_in(state: &Path, workspace_file: &Path, id: &str) -> Result<(), String> {
    let here = super::trust::canonical(workspace_file)?
        .to_string_lossy()
        .into_owned();
    if let Some(dir) = state.parent() {
        super::trust::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    super::trust::refuse_link(state)?;
    let _lock = super::save::lock(state).map_err(|e| e.to_string())?;
    let mut file = read_state(state)?;
    if let Some(b) = file.workspace.iter().find(|b| b.id == id) {
        if b.path == here {
            return Ok(());
        }
        if super::workspace_id::read(Path::new(&b.path)).as_deref() == Some(id) {
            return Err(format!(
                "workspace_id {id} belongs on this host to {}, which still names it: apple-conn binds an id to one file",
                crate::terminal_text::clean_line(&b.path)
            ));
        }
    }
    file.workspace.retain(|b| b.id != id);
    file.workspace.push(Binding {
        id: id.to_string(),
        path: here,
    });
    let body = toml::to_string(&file).map_err(|e| format!("cannot write the owner record: {e}"))?;
    super::save::write_atomic(state, format!("{HEADER}{body}").as_bytes())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copied_id_claims_nothing_and_a_moved_file_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("owners.toml");
        let standing = |f: &Path| {
            super::super::workspace_id::read(f)
                .map_or(Standing::NoId, |id| standing_in(&state, f, &id))
        };
        let bind = |f: &Path, id: &str| bind_in(&state, f, id);
        let id = "0123456789abcdef0123456789abcdef";
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        let text = format!("version = 1\nyou = \"a@example.com\"\nworkspace_id = \"{id}\"\n");
        std::fs::write(&a, &text).unwrap();
        std::fs::write(&b, &text).unwrap();
        assert_eq!(standing(&a), Standing::Unbound(id.into()));
        bind(&a, id).unwrap();
        assert_eq!(standing(&a), Standing::Owner(id.into()));
        assert!(matches!(standing(&b), Standing::Copy { .. }));
        assert!(bind(&b, id).is_err(), "a live owner keeps its id");
        assert!(
            standing(&b)
                .owner(&b)
                .unwrap_err()
                .contains("claims nothing")
        );
        std::fs::remove_file(&a).unwrap();
        assert!(matches!(standing(&b), Standing::Stale { .. }));
        bind(&b, id).unwrap();
        assert_eq!(standing(&b), Standing::Owner(id.into()));
    }
}
