//! Where an operation's change goes: the file on disk (under its lock), or memory (`--demo`, `--read-only`).

use std::path::Path;

use crate::store::{self, Loaded, UpdateError};

#[derive(Clone, Copy)]
pub enum Target<'a> {
    Disk(&'a Path),
    /// The same edit and validation as a save, on this workspace, without touching the disk.
    Memory(&'a Loaded),
}

impl Target<'_> {
    /// The workspace file's path (references resolve against its folder).
    pub fn path(&self) -> &Path {
        match self {
            Target::Disk(p) => p,
            Target::Memory(l) => &l.path,
        }
    }

    /// Holds the workspace lock (re-entrant) from an operation's first check through its last
    /// secret write and save: a second process waits, then fails before it writes anything.
    pub fn lock(&self) -> Result<Option<store::save::WorkspaceLock>, UpdateError> {
        match self {
            Target::Disk(p) => store::save::lock(p).map(Some).map_err(UpdateError::Save),
            Target::Memory(_) => Ok(None),
        }
    }

    /// The workspace as it is now (on disk, read under the lock; or in memory).
    pub fn current(&self) -> Result<Loaded, UpdateError> {
        match self {
            Target::Disk(p) => store::load(p).map_err(UpdateError::Load),
            Target::Memory(l) => Ok((*l).clone()),
        }
    }
}

/// Applies `change` and returns its output with the workspace as it is afterwards.
pub fn apply<T>(
    target: Target<'_>,
    change: impl FnOnce(&Loaded, &mut toml_edit::DocumentMut) -> Result<T, String>,
) -> Result<(T, Loaded), UpdateError> {
    match target {
        Target::Disk(path) => store::update(path, change),
        Target::Memory(loaded) => {
            let mut doc: toml_edit::DocumentMut = loaded
                .text
                .parse()
                .map_err(|e: toml_edit::TomlError| UpdateError::Refused(e.to_string()))?;
            let out = change(loaded, &mut doc).map_err(UpdateError::Refused)?;
            let l = store::parse(&loaded.path, doc.to_string())
                .map_err(|e| UpdateError::Refused(e.to_string()))?;
            Ok((out, l))
        }
    }
}
