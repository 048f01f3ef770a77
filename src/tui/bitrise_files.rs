//! The bitrise.yml files the apps read: loaded at start, re-read when they change on disk.
//! This is I/O; the state only holds what it returns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::bitrise::load::BitriseYml;
use crate::bitrise::run;
use crate::store::Loaded;

/// One file as last read: its modification time and the loaded file or what is wrong with it.
#[derive(Debug, Clone)]
pub struct BitriseFile {
    pub mtime: Option<SystemTime>,
    pub yml: Result<Arc<BitriseYml>, String>,
}

pub type Files = HashMap<PathBuf, BitriseFile>;

pub use crate::ops::demo::DEMO_BITRISE_YML;

/// Every file some app of the workspace reads, once each.
pub fn paths(loaded: &Loaded) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for app in &loaded.workspace.apps {
        if let Some(b) = &app.bitrise_yml {
            let p = run::file_path(&loaded.path, b);
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

pub fn read(path: &Path) -> BitriseFile {
    BitriseFile {
        mtime: mtime(path),
        yml: run::open(path).map(Arc::new).map_err(|e| e.to_string()),
    }
}

pub fn load_all(loaded: &Loaded) -> Files {
    paths(loaded)
        .into_iter()
        .map(|p| {
            let f = read(&p);
            (p, f)
        })
        .collect()
}

/// Files that changed on disk since they were read, and files not read yet (a new app).
pub fn changed(loaded: &Loaded, files: &Files) -> Vec<(PathBuf, BitriseFile)> {
    paths(loaded)
        .into_iter()
        .filter(|p| files.get(p).is_none_or(|f| f.mtime != mtime(p)))
        .map(|p| {
            let f = read(&p);
            (p, f)
        })
        .collect()
}

/// The demo's file, embedded, at the path the demo workspace names.
pub fn demo(loaded: &Loaded) -> Files {
    let yml = run::parse("bitrise.yml", DEMO_BITRISE_YML).map(Arc::new);
    paths(loaded)
        .into_iter()
        .map(|p| {
            let f = BitriseFile {
                mtime: None,
                yml: yml.clone(),
            };
            (p, f)
        })
        .collect()
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
