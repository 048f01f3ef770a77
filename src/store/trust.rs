//! Workspace trust (issue 25): the settings of a shared file that decide where secrets go take effect
//! only after this host consents with `apple-conn trust`.
//!
//! PLACEHOLDER INTERFACE (the trust engineer replaces the body; callers keep this signature):
//! until then every guarded setting from a file is refused, the safe answer.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::workspace::Workspace;

/// A guarded setting was read from a file this host has not trusted (or that changed since).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    pub workspace: PathBuf,
    /// The guarded settings the file sets, as TOML keys (`settings.bitrise.api_url`).
    pub settings: Vec<String>,
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sets {}, which this host has not trusted: check it, then run `apple-conn trust -c {}`",
            self.workspace.display(),
            self.settings.join(", "),
            self.workspace.display()
        )
    }
}

impl std::error::Error for Untrusted {}

/// Ok when this host trusts the file's guarded settings as they are now; `setting` names the one the
/// caller is about to use (a TOML key such as `settings.bitrise.api_url`).
pub fn require(workspace_file: &Path, _ws: &Workspace, setting: &str) -> Result<(), Untrusted> {
    Err(Untrusted {
        workspace: workspace_file.to_path_buf(),
        settings: vec![setting.to_string()],
    })
}
