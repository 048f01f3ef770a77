//! The workspace file on disk: locate, load with positions, and (in `save`) write safely.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::catalog::CatalogError;
use crate::domain::problem::{DocPath, PathSeg, Problem, Severity};
use crate::domain::workspace::Workspace;
pub use lazy_catalog::LazyCatalog;

/// What a save that gives a file its first workspace id does before it writes (the keyring's old
/// unscoped entries copied to the new id's names), undone when the write fails. `secrets` (above
/// `store`) installs it at start (`secrets::migrate::install`), so `store/` imports nothing above it.
pub trait CopiesForSave {
    /// The save landed.
    fn commit(self: Box<Self>);
    /// The save failed.
    fn undo(self: Box<Self>);
}

/// The hook `update` calls with the workspace as it will be saved and the id it receives.
pub type FirstIdHook = fn(&Workspace, &str) -> Box<dyn CopiesForSave>;

static FIRST_ID_HOOK: std::sync::OnceLock<FirstIdHook> = std::sync::OnceLock::new();

/// Installs the first-id hook (once per process; later calls are ignored).
pub fn on_first_id(hook: FirstIdHook) {
    let _ = FIRST_ID_HOOK.set(hook);
}

fn first_id_hook() -> Option<FirstIdHook> {
    FIRST_ID_HOOK.get().copied()
}

/// `$XDG_CONFIG_HOME/apple-conn/workspace.toml` (or the platform's equivalent).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "apple-conn")
        .map(|dirs| dirs.config_dir().join("workspace.toml"))
}

/// The user's home folder from the platform's own API: $HOME (else the password database) on
/// Unix and macOS, the profile folder (FOLDERID_Profile) on Windows, where HOME is usually unset.
pub fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf())
}

/// A loaded workspace with the text it came from, so problems can name lines.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub workspace: Workspace,
    /// Built when first read (`&loaded.catalog` is a `&Catalog`): most commands never need it.
    pub catalog: LazyCatalog,
}

#[derive(Debug)]
pub enum LoadError {
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    Catalog(CatalogError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read { path, error } if error.kind() == std::io::ErrorKind::NotFound => {
                write!(
                    f,
                    "{}: no workspace file here. Create one with `apple-conn init --you EMAIL` (or run apple-conn in a terminal: it offers to), pass --config PATH, or try --demo",
                    path.display()
                )
            }
            LoadError::Read { path, error } => write!(
                f,
                "{}: cannot read the workspace file: {error}. Check the path and its permissions",
                path.display()
            ),
            LoadError::Parse {
                path,
                line,
                column,
                message,
            } => {
                write!(f, "{}:{line}:{column}: {message}", path.display())
            }
            LoadError::Catalog(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    // The next command in the folder removes what a killed one left halfway.
    files::sweep_stale_temps(&files::folder_of(path));
    let bytes =
        files::read_capped(path, files::WORKSPACE_CAP, "workspace file").map_err(|error| {
            LoadError::Read {
                path: path.to_path_buf(),
                error,
            }
        })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        LoadError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: "the file is not UTF-8 text: save it as UTF-8".into(),
        }
    })?;
    parse(path, text)
}

pub fn parse(path: &Path, text: String) -> Result<Loaded, LoadError> {
    let parsed = match parallel::parse(&text) {
        Some(ws) => Ok(ws),
        None => toml::from_str(&text),
    };
    let workspace: Workspace = parsed.map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_col(&text, span.start))
            .unwrap_or((1, 1));
        LoadError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: explain_toml_error(e.message()),
        }
    })?;
    let catalog = LazyCatalog::new(&workspace.steps).map_err(LoadError::Catalog)?;
    Ok(Loaded {
        path: path.to_path_buf(),
        text,
        workspace,
        catalog,
    })
}

/// serde's messages say what is wrong; add what to write where they don't.
fn explain_toml_error(message: &str) -> String {
    let message = message.trim().to_string();
    if message.starts_with("missing field `version`") {
        return "missing field `version`: start the file with version = 1".into();
    }
    if message.starts_with("missing field `you`") {
        return "missing field `you`: add you = \"<your email>\" (the signed-in member)".into();
    }
    message
}

/// Relative paths resolve against the workspace file's folder.
pub fn resolve_path(workspace_file: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        workspace_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(p)
    }
}

/// How a path the user gave is written into the workspace: relative to the workspace's folder
/// when the file is inside it (the workspace stays portable, e.g. in git), else absolute.
pub struct PortablePath {
    pub written: String,
    /// The file is outside the workspace's folder: the workspace no longer travels with it.
    pub outside: bool,
}

pub fn portable_path(workspace_file: &Path, path: &Path) -> PortablePath {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Canonical forms compare through symlinked folders (/tmp on macOS); the relative part is kept as found.
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| absolute(p));
    let folder = absolute(workspace_file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let file = canon(path);
    match file.strip_prefix(canon(&folder)) {
        Ok(rel) if !rel.as_os_str().is_empty() => PortablePath {
            written: rel.display().to_string(),
            outside: false,
        },
        _ => PortablePath {
            written: absolute(path).display().to_string(),
            outside: true,
        },
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Where a document path is written in the text, best effort: the nearest existing ancestor.
pub fn locate(text: &str, path: &DocPath) -> Option<(usize, usize)> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut node = Node::Table(doc.as_table());
    for seg in &path.0 {
        let (next, span) = match (&node, seg) {
            (Node::Table(t), PathSeg::Key(k)) => match t.get_key_value(k) {
                Some((key, item)) => (Node::Item(item), key.span()),
                None => break,
            },
            (Node::Item(toml_edit::Item::Table(t)), PathSeg::Key(k)) => match t.get_key_value(k) {
                Some((key, item)) => (Node::Item(item), key.span()),
                None => break,
            },
            (
                Node::Item(toml_edit::Item::Value(toml_edit::Value::InlineTable(t))),
                PathSeg::Key(k),
            )
            | (Node::Value(toml_edit::Value::InlineTable(t)), PathSeg::Key(k)) => {
                match t.get_key_value(k) {
                    Some((key, item)) => (Node::Item(item), key.span()),
                    None => break,
                }
            }
            (Node::Item(toml_edit::Item::ArrayOfTables(a)), PathSeg::Index(i)) => match a.get(*i) {
                Some(t) => (Node::Table(t), t.span()),
                None => break,
            },
            (Node::Item(toml_edit::Item::Value(toml_edit::Value::Array(a))), PathSeg::Index(i))
            | (Node::Value(toml_edit::Value::Array(a)), PathSeg::Index(i)) => match a.get(*i) {
                Some(v) => (Node::Value(v), v.span()),
                None => break,
            },
            _ => break,
        };
        if span.is_some() {
            best = span;
        }
        node = next;
    }
    best.map(|span| line_col(text, span.start))
}

enum Node<'a> {
    Table(&'a toml_edit::Table),
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
}

/// A problem with its place in the file, ready to print.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Located {
    pub severity: Severity,
    /// Another file than the workspace (an app's bitrise.yml); line and column are in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

pub fn locate_all(loaded: &Loaded, problems: &[Problem]) -> Vec<Located> {
    problems
        .iter()
        .map(|p| {
            let at = locate(&loaded.text, &p.at);
            Located {
                severity: p.severity,
                file: None,
                path: p.at.to_string(),
                line: at.map(|a| a.0),
                column: at.map(|a| a.1),
                message: p.message.clone(),
            }
        })
        .collect()
}

impl Located {
    pub fn render(&self, file: &Path) -> String {
        let file = self.file.as_deref().map(Path::new).unwrap_or(file);
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}: {kind}: {}", file.display(), self.message),
            (Some(l), None) => format!("{}:{l}: {kind}: {}", file.display(), self.message),
            _ => format!("{}: {kind}: {}", file.display(), self.message),
        }
    }
}

pub mod discover;
pub mod edit;
pub mod edit_bitrise;
pub mod files;
pub mod lazy_catalog;
pub mod owners;
mod parallel;
pub mod private_dir;
pub mod save;
pub mod trust;
pub mod workspace_id;

#[derive(Debug)]
pub enum UpdateError {
    Load(LoadError),
    Save(save::SaveError),
    /// The change itself was refused; nothing was written.
    Refused(String),
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::Load(e) => write!(f, "{e}"),
            UpdateError::Save(e) => write!(f, "{e}"),
            UpdateError::Refused(e) => write!(f, "{e}"),
        }
    }
}

impl From<save::SaveError> for UpdateError {
    fn from(e: save::SaveError) -> Self {
        UpdateError::Save(e)
    }
}

/// Read-modify-write under the workspace lock. The change is validated before anything is written:
/// a change that would add an error to the file is refused and the file stays as it was.
pub fn update<T>(
    path: &Path,
    change: impl FnOnce(&Loaded, &mut toml_edit::DocumentMut) -> Result<T, String>,
) -> Result<(T, Loaded), UpdateError> {
    let _lock = save::lock(path)?;
    let loaded = load(path).map_err(UpdateError::Load)?;
    let mut doc: toml_edit::DocumentMut = loaded
        .text
        .parse()
        .map_err(|e: toml_edit::TomlError| UpdateError::Refused(e.to_string()))?;
    let out = change(&loaded, &mut doc).map_err(UpdateError::Refused)?;
    // An older file gets its keyring scope on its next save.
    let gave_id = workspace_id::ensure_in(&mut doc, path);
    let new_text = doc.to_string();
    let new_loaded = parse(path, new_text).map_err(|e| {
        UpdateError::Refused(format!(
            "the change would make the file unreadable ({e}); nothing was saved"
        ))
    })?;
    // Judges only which errors a change introduces, before and after at one instant; errors never
    // depend on it (expiries are warnings), so no operation's `--now` could change the outcome.
    let now = chrono::Utc::now();
    let before: Vec<String> = errors_of(&loaded, now);
    let introduced: Vec<String> = errors_of(&new_loaded, now)
        .into_iter()
        .filter(|e| !before.contains(e))
        .collect();
    if !introduced.is_empty() {
        return Err(UpdateError::Refused(format!(
            "refused, nothing was saved: {}",
            introduced.join("; ")
        )));
    }
    // The owner's old unscoped keyring entries move to the id it receives now, under this lock.
    let copies = match (&new_loaded.workspace.workspace_id, gave_id) {
        (Some(id), true) => first_id_hook().map(|copy| copy(&new_loaded.workspace, id)),
        _ => None,
    };
    if let Err(e) = save::save_with_backup(path, &new_loaded.text) {
        if let Some(c) = copies {
            c.undo();
        }
        return Err(e.into());
    }
    if let Some(c) = copies {
        c.commit();
    }
    // A new id is this file's on this host (a failed binding only means `secrets adopt` later).
    if gave_id && let Some(id) = &new_loaded.workspace.workspace_id {
        let _ = owners::bind(path, id);
    }
    Ok((out, new_loaded))
}

fn errors_of(loaded: &Loaded, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    crate::domain::check::check_workspace(&loaded.workspace, &loaded.catalog, now)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.message)
        .collect()
}

/// A new workspace file for `you`, written 0600; refuses to overwrite one.
pub fn init(path: &Path, you: &str) -> Result<(), UpdateError> {
    let _lock = save::lock(path)?;
    let id = workspace_id::new_id();
    if path.exists() {
        return Err(UpdateError::Refused(format!(
            "{} already exists: apple-conn never overwrites a workspace",
            path.display()
        )));
    }
    let text = format!(
        "# apple-conn workspace: connections and apps. Secrets live in the keyring or behind env/path references.\nversion = 1\nyou = \"{}\"\n# Scopes this workspace's keyring entries (apple-conn/<id>/...); not a secret.\nworkspace_id = \"{}\"\n",
        you.replace('\\', "\\\\").replace('"', "\\\""),
        id
    );
    parse(path, text.clone()).map_err(|e| UpdateError::Refused(e.to_string()))?;
    save::write_atomic(path, text.as_bytes())?;
    // The new id is this file's on this host (a failed binding only means `secrets adopt` later).
    let _ = owners::bind(path, &id);
    Ok(())
}
