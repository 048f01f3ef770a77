//! Which workspace file a command uses, found as git finds `.git`: `-c`, then
//! `APPLE_CONN_CONFIG`, then `apple-conn.toml` (or `.apple-conn.toml`) in the current folder or
//! the nearest parent, then the user's default.

use std::path::{Path, PathBuf};

/// The names a workspace file has in a project folder, in the order they are preferred.
pub const LOCAL_NAMES: [&str; 2] = ["apple-conn.toml", ".apple-conn.toml"];

/// The environment variable that names the workspace file when `-c` is not given.
pub const ENV_VAR: &str = "APPLE_CONN_CONFIG";

/// How the workspace file was chosen, for the note that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Flag,
    Env,
    Folder,
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub path: PathBuf,
    pub found: Found,
    /// Other existing files that would have been used without this one (said when not `-c`).
    pub others: Vec<PathBuf>,
}

impl Discovered {
    /// The one line said when the choice was not given and another file was there to take.
    pub fn note(&self) -> Option<String> {
        if self.found == Found::Flag || self.others.is_empty() {
            return None;
        }
        let how = match self.found {
            Found::Env => format!("from {ENV_VAR}"),
            Found::Folder => "the nearest in this folder or a parent".into(),
            Found::Default | Found::Flag => "your default".into(),
        };
        let others: Vec<String> = self
            .others
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        Some(format!(
            "using workspace {} ({how}); also found {}: pass -c PATH to choose",
            self.path.display(),
            others.join(", ")
        ))
    }
}

/// The candidates in order; the first is used. `default` is used even when missing (a first run
/// creates it), so a `Discovered` always comes back when there is one.
pub fn discover(
    flag: Option<&Path>,
    env: Option<&std::ffi::OsStr>,
    cwd: &Path,
    default: Option<PathBuf>,
) -> Option<Discovered> {
    if let Some(p) = flag {
        return Some(Discovered {
            path: p.to_path_buf(),
            found: Found::Flag,
            others: Vec::new(),
        });
    }
    let mut candidates: Vec<(PathBuf, Found)> = Vec::new();
    if let Some(e) = env.filter(|e| !e.is_empty()) {
        candidates.push((PathBuf::from(e), Found::Env));
    }
    if let Some(local) = nearest(cwd) {
        candidates.extend(local.into_iter().map(|p| (p, Found::Folder)));
    }
    // A missing default is still the fallback: the first run creates it, the error names it.
    if let Some(d) = default.filter(|d| d.is_file() || candidates.is_empty()) {
        candidates.push((d, Found::Default));
    }
    let mut rest = candidates.into_iter();
    let (path, found) = rest.next()?;
    let others = rest
        .map(|(p, _)| p)
        .filter(|p| p.is_file() && !same_file(p, &path))
        .collect();
    Some(Discovered {
        path,
        found,
        others,
    })
}

/// The workspace files of the nearest folder (from `cwd` up) that has one: both names when both are there.
fn nearest(cwd: &Path) -> Option<Vec<PathBuf>> {
    cwd.ancestors().find_map(|dir| {
        let here: Vec<PathBuf> = LOCAL_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        (!here.is_empty()).then_some(here)
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_then_env_then_nearest_folder_then_default() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let deep = root.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let default = root.join("home/workspace.toml");
        std::fs::create_dir_all(default.parent().unwrap()).unwrap();
        std::fs::write(&default, "").unwrap();
        let found = |flag: Option<&Path>, env: Option<&str>| {
            discover(
                flag,
                env.map(std::ffi::OsStr::new),
                &deep,
                Some(default.clone()),
            )
            .unwrap()
        };
        assert_eq!(found(None, None).found, Found::Default);
        assert_eq!(found(None, None).note(), None);
        std::fs::write(root.join(".apple-conn.toml"), "").unwrap();
        let d = found(None, None);
        assert_eq!(
            (d.path.clone(), d.found),
            (root.join(".apple-conn.toml"), Found::Folder)
        );
        assert!(
            d.note().unwrap().contains("workspace.toml"),
            "{:?}",
            d.note()
        );
        std::fs::write(root.join("a/apple-conn.toml"), "").unwrap();
        assert_eq!(found(None, None).path, root.join("a/apple-conn.toml"));
        let d = found(None, Some("/elsewhere.toml"));
        assert_eq!(
            (d.path.clone(), d.found),
            (PathBuf::from("/elsewhere.toml"), Found::Env)
        );
        let d = found(Some(Path::new("x.toml")), Some("/elsewhere.toml"));
        assert_eq!((d.found, d.note()), (Found::Flag, None));
        // An empty variable is unset, as the shell's `APPLE_CONN_CONFIG= apple-conn` means.
        assert_eq!(found(None, Some("")).found, Found::Folder);
    }
}
