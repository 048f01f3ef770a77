//! A new workspace for `you`: `apple-conn init --you EMAIL` and the TUI's first run call this.

use std::path::Path;

use crate::domain::fields;
use crate::store::{self, UpdateError};

/// Why a workspace was not created: `you` is not an Apple ID / email, or the file could not be written.
#[derive(Debug)]
pub enum InitError {
    You(String),
    Store(UpdateError),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::You(e) => write!(f, "you: {e}"),
            InitError::Store(e) => write!(f, "{e}"),
        }
    }
}

/// Writes a new workspace file (0600) for `you`; never overwrites one.
pub fn create_workspace(path: &Path, you: &str) -> Result<(), InitError> {
    fields::apple_id(you).map_err(InitError::You)?;
    store::init(path, you).map_err(InitError::Store)
}
