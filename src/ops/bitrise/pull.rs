//! `bitrise pull`: each app's details, where it keeps its bitrise.yml, and the file itself,
//! `jobs` apps at a time; the files go to `bitrise/<slug>.yml` beside the workspace (0600) and
//! the `[[apps]]` entries are updated in place, all in one save under the workspace lock.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{BitriseError, Connection};
use crate::bitrise::api::model::{AppItem, YmlLocation};
use crate::bitrise::api::{ApiError, is_safe_slug};
use crate::bitrise::triggers;
use crate::store::edit_bitrise::{PulledApp, PulledYml, apply_pulled_app};

/// The folder beside the workspace file the pulled files go to.
pub const FOLDER: &str = "bitrise";
const MAX_JOBS: usize = 64;

#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Only these apps (else every app the token sees, Android-only ones left out).
    pub apps: Vec<String>,
    pub org: Option<String>,
    pub jobs: usize,
}

/// How far a pull is: the TUI's gauge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Listed {
        total: usize,
    },
    Done {
        slug: String,
        done: usize,
        total: usize,
    },
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Pulled {
    pub slug: String,
    pub title: Option<String>,
    /// The written file, relative to the workspace (None: the app keeps its file in its repository).
    pub file: Option<String>,
    pub workflows: Vec<String>,
    pub pipelines: Vec<String>,
    pub public: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An app whose bitrise.yml lives in its repository and has no local `[apps.bitrise_yml]`.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Kept {
    pub slug: String,
    pub repo_url: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Failed {
    pub slug: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default, schemars::JsonSchema)]
pub struct PullReport {
    pub pulled: Vec<Pulled>,
    pub kept_in_repository: Vec<Kept>,
    pub failed: Vec<Failed>,
    /// Left out by default: (slug, why).
    pub skipped: Vec<Failed>,
    pub cancelled: bool,
    /// Pulled apps with neither an API key nor an Apple ID assigned in the workspace.
    pub unassigned: Vec<String>,
}

impl PullReport {
    pub fn all_pulled(&self) -> bool {
        self.failed.is_empty() && !self.cancelled
    }
}

/// What the requests brought back for one app.
struct Fetched {
    item: AppItem,
    location: YmlLocation,
    yml: Option<(String, triggers::Started)>,
}

/// Pulls; `cancel` stops it between requests (what was complete is still saved).
pub fn pull(
    path: &Path,
    conn: &Connection,
    opts: &PullOptions,
    now: DateTime<Utc>,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<PullReport, BitriseError> {
    if opts.jobs == 0 || opts.jobs > MAX_JOBS {
        return Err(BitriseError::BadInput(format!(
            "--jobs {}: give 1 to {MAX_JOBS}",
            opts.jobs
        )));
    }
    for slug in &opts.apps {
        if !is_safe_slug(slug) {
            return Err(BitriseError::BadInput(format!(
                "--app `{}` is not an app slug (letters, digits, - and _; never / or ..)",
                crate::terminal_text::clean_line(slug)
            )));
        }
    }
    let mut report = PullReport::default();
    let slugs: Vec<String> = if opts.apps.is_empty() {
        let mut slugs = Vec::new();
        let listed = match super::apps(conn, opts.org.as_deref()) {
            // Cancelled while listing: nothing fetched, nothing to save.
            Err(BitriseError::Api(ApiError::Cancelled)) => {
                report.cancelled = true;
                return Ok(report);
            }
            other => other?,
        };
        for app in listed {
            if !is_safe_slug(&app.slug) {
                report.failed.push(Failed {
                    slug: crate::terminal_text::clean_line(&app.slug),
                    reason: "Bitrise listed it with a slug that is not one (it holds / or .. or other characters a file name must not): left alone, nothing requested for it".into(),
                });
            } else if app.project_type.as_deref() == Some("android") {
                report.skipped.push(Failed {
                    slug: app.slug,
                    reason: "Android only: no Apple connection to check (name it with --app to pull it anyway)".into(),
                });
            } else if !slugs.contains(&app.slug) {
                slugs.push(app.slug);
            }
        }
        slugs
    } else {
        let mut slugs = opts.apps.clone();
        slugs.dedup();
        slugs
    };
    let total = slugs.len();
    progress(Progress::Listed { total });
    let results = fetch_all(conn, &slugs, opts.jobs, cancel, progress);
    report.cancelled = cancel.load(Ordering::Relaxed);
    if let Some(fatal) = results
        .iter()
        .flatten()
        .find_map(|r| r.as_ref().err().filter(|e| **e == ApiError::Unauthorized))
    {
        return Err(BitriseError::Api(fatal.clone()));
    }
    // Nothing came back (all failed or cancelled): nothing to save, the file is left alone.
    if !results.iter().any(|r| matches!(r, Some(Ok(_)))) {
        for (slug, result) in slugs.iter().zip(results) {
            if let Some(Err(e)) = result
                && e != ApiError::Cancelled
            {
                report.failed.push(Failed {
                    slug: slug.clone(),
                    reason: e.to_string(),
                });
            }
        }
        return Ok(report);
    }
    let workspace_dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let (mut report, saved) = crate::store::update(path, |loaded, doc| {
        let mut folder_error: Option<String> = None;
        for (slug, result) in slugs.iter().zip(results) {
            let fetched = match result {
                None => continue,
                Some(Err(ApiError::Cancelled)) => continue,
                Some(Err(e)) => {
                    report.failed.push(Failed {
                        slug: slug.clone(),
                        reason: e.to_string(),
                    });
                    continue;
                }
                Some(Ok(f)) => f,
            };
            let existing = loaded.workspace.app(slug);
            let mut pulled = Pulled {
                slug: slug.clone(),
                title: fetched.item.title.clone(),
                file: None,
                workflows: Vec::new(),
                pipelines: Vec::new(),
                public: fetched.item.is_public,
                note: None,
            };
            let yml = match (&fetched.location, fetched.yml) {
                (YmlLocation::Repository, _) => {
                    match existing.and_then(|a| a.bitrise_yml.as_ref()) {
                        Some(local) => {
                            pulled.file = Some(local.path.clone());
                            pulled.note = Some("keeps its bitrise.yml in its repository: your [apps.bitrise_yml] stays".into());
                        }
                        None => report.kept_in_repository.push(Kept {
                            slug: slug.clone(),
                            repo_url: fetched.item.repo_url.clone(),
                            message: format!(
                                "keeps its bitrise.yml in its repository ({}): set [apps.bitrise_yml] path to your checkout",
                                fetched.item.repo_url.as_deref().unwrap_or("no repository URL on Bitrise")
                            ),
                        }),
                    }
                    None
                }
                (YmlLocation::BitriseIo, Some((text, started))) => {
                    let relative = format!("{FOLDER}/{slug}.yml");
                    let written = folder(&workspace_dir, &mut folder_error).and_then(|dir| {
                        crate::store::files::write_private(
                            &dir.join(format!("{slug}.yml")),
                            text.as_bytes(),
                        )
                        .map_err(|e| format!("cannot write {relative}: {e}"))
                    });
                    if let Err(reason) = written {
                        report.failed.push(Failed {
                            slug: slug.clone(),
                            reason,
                        });
                        continue;
                    }
                    pulled.file = Some(relative.clone());
                    pulled.workflows = started.workflows.clone();
                    pulled.pipelines = started.pipelines.clone();
                    if existing.is_some_and(|a| !a.steps.is_empty()) {
                        pulled.note = Some(format!(
                            "has [[apps.steps]] in the workspace: its bitrise.yml is at {relative}; to preview from it, remove the [[apps.steps]] and pull again"
                        ));
                        None
                    } else {
                        Some(PulledYml {
                            path: relative,
                            workflows: started.workflows,
                            pipelines: started.pipelines,
                        })
                    }
                }
                (YmlLocation::BitriseIo, None) => None,
            };
            let owner = fetched.item.owner.clone().unwrap_or_default();
            apply_pulled_app(
                doc,
                &loaded.workspace.you,
                &PulledApp {
                    slug: slug.clone(),
                    title: fetched.item.title.clone(),
                    owner: owner.slug,
                    owner_name: owner.name,
                    public: fetched.item.is_public,
                    repo_url: fetched.item.repo_url.clone(),
                    pulled_at: now,
                    yml,
                },
            )?;
            report.pulled.push(pulled);
        }
        Ok(report)
    })?;
    report.unassigned = report
        .pulled
        .iter()
        .map(|p| p.slug.clone())
        .chain(report.kept_in_repository.iter().map(|k| k.slug.clone()))
        .filter(|slug| {
            saved
                .workspace
                .app(slug)
                .is_some_and(|a| a.api_key.is_none() && a.apple_id.is_none())
        })
        .collect();
    Ok(report)
}

/// `bitrise/` beside the workspace, made 0700 when missing; a link or a file there is refused.
fn folder(workspace_dir: &Path, error: &mut Option<String>) -> Result<PathBuf, String> {
    if let Some(e) = error {
        return Err(e.clone());
    }
    let dir = workspace_dir.join(FOLDER);
    let result = match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "{} is a symbolic link: apple-conn writes pulled files only into a real folder beside the workspace; remove the link",
            dir.display()
        )),
        Ok(m) if !m.is_dir() => Err(format!("{} is not a folder: move it away", dir.display())),
        Ok(_) => Ok(dir.clone()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // 0700 on Unix; on Windows the folder takes the (private) ACL of the one it is made in.
            #[cfg(unix)]
            let made = {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new().mode(0o700).create(&dir)
            };
            #[cfg(not(unix))]
            let made = std::fs::create_dir(&dir);
            made.map(|_| dir.clone())
                .map_err(|e| format!("cannot make {}: {e}", dir.display()))
        }
        Err(e) => Err(format!("cannot look at {}: {e}", dir.display())),
    };
    if let Err(e) = &result {
        *error = Some(e.clone());
    }
    result
}

/// Each app's requests, `jobs` apps at a time; `None` where a cancel came first.
fn fetch_all(
    conn: &Connection,
    slugs: &[String],
    jobs: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<Option<Result<Fetched, ApiError>>> {
    let slots: Vec<Mutex<Option<Result<Fetched, ApiError>>>> =
        slugs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    // A refused token refuses every app: the others are not asked.
    let stop = AtomicBool::new(false);
    let total = slugs.len();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(total.max(1)) {
            scope.spawn(|| {
                loop {
                    if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slug) = slugs.get(i) else { return };
                    let result = fetch_one(conn, slug);
                    if result.as_ref().err().is_some_and(ApiError::is_fatal) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(Progress::Done {
                        slug: slug.clone(),
                        done: n,
                        total,
                    });
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

/// `GET /apps/{slug}`, `GET …/bitrise.yml/config`, and (kept on bitrise.io) `GET …/bitrise.yml`.
fn fetch_one(conn: &Connection, slug: &str) -> Result<Fetched, ApiError> {
    let item = conn.client.app(slug)?;
    let location = conn.client.yml_location(slug)?;
    let yml = match location {
        YmlLocation::Repository => None,
        YmlLocation::BitriseIo => {
            let text = conn.client.yml(slug)?;
            let started = triggers::started(&text).map_err(|e| ApiError::InvalidYml {
                what: format!("the bitrise.yml of {slug}"),
                detail: crate::terminal_text::clean_line(&e),
            })?;
            Some((text, started))
        }
    };
    Ok(Fetched {
        item,
        location,
        yml,
    })
}
