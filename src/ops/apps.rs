//! Apps: add one (by hand or from a bitrise.yml) and remove one. Both faces call these;
//! the change is saved in place (toml_edit): comments and the other entries stay as they are.

use std::path::{Path, PathBuf};

use crate::bitrise::run::{self, Target as Run};
use crate::domain::rules::AppRefusal;
use crate::domain::workspace::{App, BitriseYmlRef, Workspace};
use crate::store::{self, Loaded, UpdateError, edit};

use super::save::{self, Target};

/// An app as a person describes it in a form or with flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewApp {
    pub slug: String,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub admins: Vec<String>,
    pub bitrise_yml: Option<NewBitriseYml>,
}

/// "From a bitrise.yml": the file (as typed: relative to the current folder, or absolute) and its runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewBitriseYml {
    pub path: PathBuf,
    pub workflows: Vec<String>,
    pub pipeline: Option<String>,
    /// The repository root `include:` paths resolve against (as typed; default: the file's folder).
    pub root: Option<PathBuf>,
    /// `include:` `repository:` (as written, or its URL) -> a local checkout (as typed).
    pub repositories: Vec<(String, PathBuf)>,
}

pub struct AddedApp {
    pub app: App,
    /// Said to the user after the save (a path outside the workspace's folder, the file's own warnings).
    pub warnings: Vec<String>,
    pub loaded: Loaded,
}

#[derive(Debug)]
pub enum AddAppError {
    Refused(AppRefusal),
    /// The bitrise.yml cannot be read, is not valid, or lacks a named workflow or pipeline.
    BitriseYml(String),
    /// A bitrise.yml was given without a run: these are the ones it offers.
    ChooseRun {
        file: String,
        runs: Vec<Run>,
    },
    Save(UpdateError),
}

impl std::fmt::Display for AddAppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddAppError::Refused(r) => f.write_str(&r.message()),
            AddAppError::BitriseYml(m) => f.write_str(m),
            AddAppError::ChooseRun { file, runs } => write!(
                f,
                "{file}: choose what the app runs: {}",
                if runs.is_empty() {
                    "the file has no workflow or pipeline a build can start".to_string()
                } else {
                    run::describe(runs)
                }
            ),
            AddAppError::Save(e) => write!(f, "{e}"),
        }
    }
}

/// One run the add-app form's Workflows list offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunChoice {
    pub target: Run,
    /// How the list marks it: `pipeline (graph)`, `utility: …`; empty for a workflow.
    pub mark: String,
    /// A utility workflow (`_x`) runs only through before_run/after_run: shown, not chosen.
    pub choosable: bool,
}

/// What a build can start from the file at `path` (read with its `include:` options), then its
/// utility workflows, marked: the add-app form's choices.
pub fn runs_in(
    path: &Path,
    opts: &crate::bitrise::include::Options,
) -> Result<Vec<RunChoice>, String> {
    let yml = run::open_with(path, opts).map_err(|e| e.to_string())?;
    let mut out: Vec<RunChoice> = run::runnable(&yml)
        .into_iter()
        .map(|target| {
            let mark = match &target {
                Run::Workflow(_) => String::new(),
                Run::Pipeline(p) => format!("pipeline ({})", run::pipeline_kind(&yml, p)),
            };
            RunChoice {
                target,
                mark,
                choosable: true,
            }
        })
        .collect();
    out.extend(
        yml.workflows
            .keys()
            .filter(|w| w.starts_with('_'))
            .map(|w| RunChoice {
                target: Run::Workflow(w.clone()),
                mark: "utility: runs only through before_run/after_run".into(),
                choosable: false,
            }),
    );
    Ok(out)
}

/// A folder as the workspace records it: relative to the workspace file when inside its folder.
fn written_path(workspace_file: &Path, dir: &Path, warnings: &mut Vec<String>) -> String {
    let written = store::portable_path(workspace_file, dir);
    if written.outside {
        warnings.push(format!(
            "{} is outside the workspace's folder: the workspace names it by its absolute path",
            written.written
        ));
    }
    written.written
}

/// Checks `new` against the workspace's rules and the bitrise.yml, then appends it to the file.
pub fn add_app(
    target: Target<'_>,
    workspace: &Workspace,
    new: NewApp,
) -> Result<AddedApp, AddAppError> {
    let mut warnings = Vec::new();
    let bitrise_yml = new.bitrise_yml.as_ref().map(|b| {
        let written = store::portable_path(target.path(), &b.path);
        if written.outside {
            warnings.push(format!(
                "{} is outside the workspace's folder: the workspace names it by its absolute path and no longer works when moved or cloned elsewhere",
                written.written
            ));
        }
        BitriseYmlRef {
            path: written.written,
            workflows: b.workflows.clone(),
            pipeline: b.pipeline.clone(),
            pipelines: Vec::new(),
            map: Default::default(),
            root: b
                .root
                .as_ref()
                .map(|r| written_path(target.path(), r, &mut warnings)),
            repositories: b
                .repositories
                .iter()
                .map(|(url, dir)| (url.clone(), written_path(target.path(), dir, &mut warnings)))
                .collect(),
        }
    });
    let app = App {
        slug: new.slug.trim().to_string(),
        title: new.title.filter(|t| !t.trim().is_empty()),
        owner: new.owner.filter(|o| !o.trim().is_empty()),
        admins: new.admins,
        api_key: None,
        apple_id: None,
        steps: Vec::new(),
        bitrise_yml,
        bitrise: None,
        signing: None,
    };
    let refused = workspace.may_add_app(&app);
    if let (Some(b), Err(AppRefusal::RunsNotOne) | Ok(())) = (&new.bitrise_yml, &refused) {
        let opts = crate::bitrise::include::Options {
            root: b.root.clone(),
            repositories: b.repositories.clone(),
        };
        let yml =
            run::open_with(&b.path, &opts).map_err(|e| AddAppError::BitriseYml(e.to_string()))?;
        for w in &yml.warnings {
            warnings.push(w.clone());
        }
        if refused.is_err() {
            return Err(AddAppError::ChooseRun {
                file: b.path.display().to_string(),
                runs: run::runnable(&yml),
            });
        }
        let runs = app
            .bitrise_yml
            .as_ref()
            .map(run::configured)
            .unwrap_or_default();
        for r in &runs {
            run::expand_target(&yml, r).map_err(AddAppError::BitriseYml)?;
        }
    }
    refused.map_err(AddAppError::Refused)?;
    let a = app.clone();
    let mut late: Option<AppRefusal> = None;
    // Under the lock the file may hold an app added meanwhile: the same rule, typed.
    let saved = save::apply(target, |l, doc| {
        if let Err(r) = l.workspace.may_add_app(&a) {
            late = Some(r);
            return Err(String::new());
        }
        edit::add_app(doc, &a)
    });
    match saved {
        Ok(((), loaded)) => Ok(AddedApp {
            app,
            warnings,
            loaded,
        }),
        Err(e) => Err(match late {
            Some(r) => AddAppError::Refused(r),
            None => AddAppError::Save(e),
        }),
    }
}

pub struct RemovedApp {
    /// The app as it was, for the message ("removed shop-ios: 3 steps, API key CI key").
    pub app: App,
    pub loaded: Loaded,
}

#[derive(Debug)]
pub enum RemoveAppError {
    /// No such app; `known` lists the slugs there are.
    NotFound {
        slug: String,
        known: Vec<String>,
    },
    Save(UpdateError),
}

impl std::fmt::Display for RemoveAppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoveAppError::NotFound { slug, known } if known.is_empty() => {
                write!(
                    f,
                    "no app `{slug}`: the workspace has no apps yet; add one with `apple-conn add app SLUG`"
                )
            }
            RemoveAppError::NotFound { slug, known } => {
                write!(
                    f,
                    "no app `{slug}`: use one of {} (`apple-conn list apps` lists them)",
                    known.join(", ")
                )
            }
            RemoveAppError::Save(e) => write!(f, "{e}"),
        }
    }
}

/// Removes the app with its steps and assignments; connections and their secrets stay.
pub fn remove_app(target: Target<'_>, slug: &str) -> Result<RemovedApp, RemoveAppError> {
    let mut found: Option<App> = None;
    let mut missing: Option<Vec<String>> = None;
    let saved = save::apply(target, |l, doc| {
        match l.workspace.app(slug) {
            Some(app) => found = Some(app.clone()),
            None => {
                missing = Some(l.workspace.apps.iter().map(|a| a.slug.clone()).collect());
                return Err(format!("no app `{slug}`"));
            }
        }
        edit::remove_app(doc, slug)
    });
    match (saved, found, missing) {
        (Ok(((), loaded)), Some(app), _) => Ok(RemovedApp { app, loaded }),
        (Err(_), _, Some(known)) => Err(RemoveAppError::NotFound {
            slug: slug.to_string(),
            known,
        }),
        (Err(e), _, _) => Err(RemoveAppError::Save(e)),
        (Ok(_), None, _) => Err(RemoveAppError::Save(UpdateError::Refused(format!(
            "no app `{slug}`"
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# team workspace
version = 1
you = "a@example.com"

# the shop
[[apps]]
slug = "shop-ios"  # keep
api_key = "CI"

[[apps.steps]]
id = "deploy-to-itunesconnect-deliver"

[[apps]]
slug = "news"
"#;

    fn loaded(dir: &Path) -> Loaded {
        let path = dir.join("workspace.toml");
        std::fs::write(&path, FILE).unwrap();
        store::load(&path).unwrap()
    }

    #[test]
    fn an_added_app_is_appended_and_the_rest_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let l = loaded(dir.path());
        let added = add_app(
            Target::Disk(&l.path),
            &l.workspace,
            NewApp {
                slug: "shop-android".into(),
                title: Some("Shop Android".into()),
                owner: Some("b@example.com".into()),
                admins: vec!["c@example.com".into()],
                bitrise_yml: None,
            },
        )
        .unwrap();
        // The first save also records the workspace's id; nothing else before the new app changes.
        let text: String = std::fs::read_to_string(&l.path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("workspace_id = "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(text.starts_with(FILE), "{text}");
        assert!(text.ends_with(
            "[[apps]]\nslug = \"shop-android\"\ntitle = \"Shop Android\"\nowner = \"b@example.com\"\nadmins = [\"c@example.com\"]\n"
        ), "{text}");
        assert_eq!(added.loaded.workspace.apps.len(), 3);
    }

    #[test]
    fn rules_come_from_the_domain() {
        let dir = tempfile::tempdir().unwrap();
        let l = loaded(dir.path());
        let add = |new: NewApp| add_app(Target::Disk(&l.path), &l.workspace, new).err();
        assert!(matches!(
            add(NewApp {
                slug: "news".into(),
                ..Default::default()
            }),
            Some(AddAppError::Refused(AppRefusal::SlugTaken(_)))
        ));
        assert!(matches!(
            add(NewApp {
                slug: "a b".into(),
                ..Default::default()
            }),
            Some(AddAppError::Refused(AppRefusal::Shape(..)))
        ));
        assert!(matches!(
            add(NewApp {
                slug: "x".into(),
                owner: Some("bob".into()),
                ..Default::default()
            }),
            Some(AddAppError::Refused(AppRefusal::Shape(..)))
        ));
        assert_eq!(std::fs::read_to_string(&l.path).unwrap(), FILE);
    }

    #[test]
    fn a_bitrise_yml_app_needs_a_file_that_loads_and_runs_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let l = loaded(dir.path());
        let yml = dir.path().join("ci/bitrise.yml");
        std::fs::create_dir_all(yml.parent().unwrap()).unwrap();
        std::fs::write(
            &yml,
            "format_version: \"13\"\nworkflows:\n  deploy:\n    steps:\n    - script@1: {}\n",
        )
        .unwrap();
        let new = |workflows: &[&str]| NewApp {
            slug: "news-ios".into(),
            bitrise_yml: Some(NewBitriseYml {
                path: yml.clone(),
                workflows: workflows.iter().map(|w| w.to_string()).collect(),
                pipeline: None,
                ..Default::default()
            }),
            ..Default::default()
        };
        let err = add_app(Target::Disk(&l.path), &l.workspace, new(&[])).err();
        assert!(
            matches!(&err, Some(AddAppError::ChooseRun { runs, .. }) if runs == &[Run::Workflow("deploy".into())]),
            "{err:?}"
        );
        let err = add_app(Target::Disk(&l.path), &l.workspace, new(&["ci"])).err();
        assert!(
            matches!(&err, Some(AddAppError::BitriseYml(m)) if m.contains("workflow ci is not in")),
            "{err:?}"
        );
        let added = add_app(Target::Disk(&l.path), &l.workspace, new(&["deploy"])).unwrap();
        assert!(added.warnings.is_empty(), "{:?}", added.warnings);
        let b = added.app.bitrise_yml.unwrap();
        assert_eq!(
            b.path,
            Path::new("ci").join("bitrise.yml").display().to_string()
        );
    }

    #[test]
    fn remove_takes_the_app_with_its_steps_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let l = loaded(dir.path());
        let removed = remove_app(Target::Disk(&l.path), "shop-ios").unwrap();
        assert_eq!(removed.app.steps.len(), 1);
        let text = std::fs::read_to_string(&l.path).unwrap();
        assert!(text.starts_with("# team workspace\n"), "{text}");
        assert!(
            !text.contains("shop-ios") && !text.contains("deliver"),
            "{text}"
        );
        assert!(text.contains("slug = \"news\""), "{text}");
        let err = remove_app(Target::Disk(&l.path), "shop-ios").err();
        assert!(
            matches!(&err, Some(RemoveAppError::NotFound { known, .. }) if known == &["news"]),
            "{err:?}"
        );
    }
}
