//! A problem found in a workspace, located by its path in the document (the store maps it to a line).

use std::fmt;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A location inside the workspace document, e.g. `api_keys[1].key_id`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocPath(pub Vec<PathSeg>);

impl DocPath {
    pub fn root() -> Self {
        DocPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(PathSeg::Key(key.to_string()));
        DocPath(segs)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(PathSeg::Index(index));
        DocPath(segs)
    }
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub at: DocPath,
    pub message: String,
}

impl Problem {
    pub fn error(at: DocPath, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            at,
            message: message.into(),
        }
    }

    pub fn warning(at: DocPath, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            at,
            message: message.into(),
        }
    }
}
