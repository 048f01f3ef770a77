//! The bitrise.yml files the apps read: loaded at start, re-read when they change on disk.
//! This is I/O; the state only holds what it returns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::bitrise::include::{self, Options};
use crate::bitrise::load::BitriseYml;
use crate::bitrise::run;
use crate::store::Loaded;

/// One file as last read: the modification times of every file it merged (`include:`) and the
/// loaded config or what is wrong with it.
#[derive(Debug, Clone)]
pub struct BitriseFile {
    pub mtime: Option<SystemTime>,
    /// Every file read for it (the top-level one first) with its modification time then: a change
    /// to any of them re-reads the config.
    pub watched: Vec<(PathBuf, Option<SystemTime>)>,
    pub yml: Result<Arc<BitriseYml>, String>,
}

pub type Files = HashMap<PathBuf, BitriseFile>;

pub const DEMO_BITRISE_YML: &str = include_str!("demo-bitrise.yml");

/// Every file some app of the workspace reads, once each, with its include options (the first
/// app naming a file gives them).
pub fn paths(loaded: &Loaded) -> Vec<(PathBuf, Options)> {
    let mut out: Vec<(PathBuf, Options)> = Vec::new();
    for app in &loaded.workspace.apps {
        if let Some(b) = &app.bitrise_yml {
            let p = run::file_path(&loaded.path, b);
            if !out.iter().any(|(q, _)| q == &p) {
                out.push((p, run::app_options(&loaded.path, b)));
            }
        }
    }
    out
}

pub fn read(path: &Path, opts: &Options) -> BitriseFile {
    let mtime = mtime(path);
    let yml = run::open_with(path, opts).map(Arc::new);
    // An invalid config still names what it read when it could; otherwise the top file alone
    // (a missing include is watched too, through the file that names it).
    let sources = match &yml {
        Ok(y) => y.sources.clone(),
        Err(_) => include::read(path, opts)
            .map(|m| m.sources)
            .unwrap_or_else(|_| vec![path.to_path_buf()]),
    };
    BitriseFile {
        mtime,
        watched: sources
            .into_iter()
            .map(|p| {
                let t = self::mtime(&p);
                (p, t)
            })
            .collect(),
        yml: yml.map_err(|e| e.to_string()),
    }
}

pub fn load_all(loaded: &Loaded) -> Files {
    paths(loaded)
        .into_iter()
        .map(|(p, o)| {
            let f = read(&p, &o);
            (p, f)
        })
        .collect()
}

/// Configs one of whose files changed on disk since they were read, and files not read yet.
pub fn changed(loaded: &Loaded, files: &Files) -> Vec<(PathBuf, BitriseFile)> {
    paths(loaded)
        .into_iter()
        .filter(|(p, _)| {
            files.get(p).is_none_or(|f| {
                f.mtime != mtime(p) || f.watched.iter().any(|(w, t)| *t != mtime(w))
            })
        })
        .map(|(p, o)| {
            let f = read(&p, &o);
            (p, f)
        })
        .collect()
}

/// The demo's file, embedded, at the path the demo workspace names.
pub fn demo(loaded: &Loaded) -> Files {
    let yml = run::parse("bitrise.yml", DEMO_BITRISE_YML).map(Arc::new);
    paths(loaded)
        .into_iter()
        .map(|(p, _)| {
            let f = BitriseFile {
                mtime: None,
                watched: Vec::new(),
                yml: yml.clone(),
            };
            (p, f)
        })
        .collect()
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
