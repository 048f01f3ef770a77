//! The Add app form (`a` on the Apps pane): by hand, or from a bitrise.yml whose path Tab
//! completes, then the file's workflows and pipelines chosen from a list.

use super::super::super::form::{AddApp, AddAppFocus};
use super::super::super::state::*;
use super::super::messages::Effect;
use super::run_pick::pick_under_cursor;
use super::{busy, refuse};
use crate::bitrise::run::Target;
use crate::domain::rules::AppField;
use crate::ops::apps::{NewApp, NewBitriseYml, RunChoice};
use crate::tui::effects::expand_home;
use crate::tui::form::PickSource;
use std::path::PathBuf;

pub fn open(s: &mut AppState) {
    let body = AddApp {
        slug: Field::new("Slug", FieldKind::Text, Check::NonEmpty)
            .with_hint("unique: letters, digits, - _ ."),
        title: Field::new("Title", FieldKind::Text, Check::None).with_hint("optional"),
        owner: Field::new("Owner", FieldKind::Text, Check::None)
            .with_hint(&format!("e-mail; empty: you ({})", s.loaded.workspace.you)),
        admins: Field::new("Admins", FieldKind::Text, Check::None)
            .with_hint("e-mails, comma-separated"),
        bitrise_yml: Field::new("From a bitrise.yml", FieldKind::Path, Check::None)
            .with_hint("optional path (Tab completes)"),
        runs: Field::new("Workflows", FieldKind::Pick, Check::None)
            .with_hint("the file's workflows and pipelines: choose below"),
        pick: Default::default(),
        repo_root: Field::new("Repo root", FieldKind::Path, Check::None)
            .with_hint("where include: paths resolve; empty: the file's folder"),
        repo_map: Field::new("Repo map", FieldKind::Text, Check::None)
            .with_hint("URL=DIR, comma-separated: checkouts of included repositories"),
        focus: AddAppFocus::Slug,
    };
    let notes = vec![
        "Owner and admins decide whose Apple IDs the app may use.".to_string(),
        "Steps come from the bitrise.yml, or are added to the workspace file.".to_string(),
    ];
    s.layers.push(Layer::Form(Form::new(
        "Add app",
        FormBody::AddApp(Box::new(body)),
        notes,
    )));
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// `URL=DIR, URL=DIR`: the checkouts of included repositories; Err names the first bad entry.
fn repo_map(text: &str) -> Result<Vec<(String, String)>, String> {
    list(text)
        .into_iter()
        .map(|m| match m.split_once('=') {
            Some((url, dir)) if !url.trim().is_empty() && !dir.trim().is_empty() => {
                Ok((url.trim().to_string(), dir.trim().to_string()))
            }
            _ => Err(format!(
                "Repo map: `{m}` is not URL=DIR: write e.g. shared-ci=../shared-ci"
            )),
        })
        .collect()
}

/// The form's values as the operation takes them: the runs are the list's chosen ones, saved
/// as the workspace keeps them (workflows, or one pipeline).
fn new_app(f: &AddApp) -> NewApp {
    let path = f.bitrise_yml.value().trim();
    let mut runs = Vec::new();
    let mut pipeline = None;
    for t in f.pick.chosen_targets() {
        match t {
            Target::Workflow(w) => runs.push(w),
            Target::Pipeline(p) => pipeline = pipeline.or(Some(p)),
        }
    }
    NewApp {
        slug: f.slug.value().trim().to_string(),
        title: Some(f.title.value().trim().to_string()).filter(|t| !t.is_empty()),
        owner: Some(f.owner.value().trim().to_string()).filter(|o| !o.is_empty()),
        admins: list(f.admins.value()),
        bitrise_yml: (!path.is_empty()).then(|| NewBitriseYml {
            path: std::path::PathBuf::from(super::super::super::effects::expand_home(path)),
            workflows: if pipeline.is_some() {
                Vec::new()
            } else {
                runs.clone()
            },
            pipeline,
            root: include_options(f).root,
            repositories: include_options(f).repositories,
        }),
    }
}

/// Where the file's `include:` paths resolve, as the form says (a bad repo map entry is left
/// out here; submit refuses it).
fn include_options(f: &AddApp) -> crate::bitrise::include::Options {
    crate::bitrise::include::Options {
        root: Some(f.repo_root.value().trim())
            .filter(|r| !r.is_empty())
            .map(|r| PathBuf::from(expand_home(r))),
        repositories: repo_map(f.repo_map.value())
            .unwrap_or_default()
            .into_iter()
            .map(|(url, dir)| (url, PathBuf::from(expand_home(&dir))))
            .collect(),
    }
}

/// The inputs the Workflows list depends on, as typed.
fn source(f: &AddApp) -> PickSource {
    [
        f.bitrise_yml.value().trim().to_string(),
        f.repo_root.value().trim().to_string(),
        f.repo_map.value().trim().to_string(),
    ]
}

/// The Workflows list is focused and was not read for what the form now says: read it.
pub fn want_runs(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::AddApp(f),
        busy: None,
        error,
        ..
    })) = s.layers.last_mut()
    else {
        return Vec::new();
    };
    let now = source(f);
    if f.focus != AddAppFocus::Runs || f.pick.read_for.as_ref() == Some(&now) {
        return Vec::new();
    }
    if let Err(e) = repo_map(f.repo_map.value()) {
        // The list cannot be read with a bad map: the field that fixes it has the focus.
        f.focus = AddAppFocus::RepoMap;
        *error = Some(e);
        return Vec::new();
    }
    f.pick.read_for = Some(now.clone());
    f.pick.read = false;
    f.pick.note = None;
    vec![Effect::ListRuns {
        read_for: now,
        path: PathBuf::from(expand_home(f.bitrise_yml.value().trim())),
        options: include_options(f),
    }]
}

/// The file's runs came back: the list shows them; a file that cannot be read says why, with
/// the focus on the path (what is typed next fixes it, never lands in the list).
pub fn runs_listed(s: &mut AppState, read_for: PickSource, result: Result<Vec<RunChoice>, String>) {
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return;
    };
    let FormBody::AddApp(f) = &mut form.body else {
        return;
    };
    if f.pick.read_for.as_ref() != Some(&read_for) {
        return; // an answer for what the form said before
    }
    match result {
        Ok(choices) => {
            f.pick.replace(choices);
            if f.pick.choices.iter().all(|c| !c.choosable) {
                f.pick.note = Some("the file has no workflow or pipeline a build can start".into());
            }
        }
        // An included repository without a checkout is fixed in Repo map; the rest in the path.
        Err(e) if e.contains("--repo-map") => {
            f.pick = Default::default();
            f.focus = AddAppFocus::RepoMap;
            form.error = Some(format!("Repo map: {e}"));
        }
        Err(e) => {
            f.pick = Default::default();
            f.focus = AddAppFocus::BitriseYml;
            form.error = Some(format!("From a bitrise.yml: {e}"));
        }
    }
}

pub fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::AddApp(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    if let Err(e) = repo_map(f.repo_map.value()) {
        return refuse(s, e);
    }
    if !f.bitrise_yml.value().trim().is_empty() {
        // Enter on the list with nothing chosen takes the row under the cursor.
        let stale = f.pick.read_for.as_ref() != Some(&source(f)) || !f.pick.read;
        if !stale && f.focus == AddAppFocus::Runs && f.pick.chosen_targets().is_empty() {
            pick_under_cursor(s);
        }
        if let Some(Layer::Form(Form {
            body: FormBody::AddApp(f),
            error,
            ..
        })) = s.layers.last_mut()
            && (stale || f.pick.chosen_targets().is_empty())
        {
            f.focus = AddAppFocus::Runs;
            *error = Some(if stale && !f.pick.chosen_targets().is_empty() {
                "Workflows: the list is read from the file as it is now: check what is chosen, then Enter".to_string()
            } else {
                "Workflows: choose what the app runs (space chooses)".to_string()
            });
            return want_runs(s);
        }
    }
    let Some(Layer::Form(Form {
        body: FormBody::AddApp(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let new = new_app(f);
    // The workspace's rules at once (the file itself is read by the operation).
    let probe = crate::domain::workspace::App {
        slug: new.slug.clone(),
        title: new.title.clone(),
        owner: new.owner.clone(),
        admins: new.admins.clone(),
        api_key: None,
        apple_id: None,
        steps: Vec::new(),
        bitrise_yml: None,
        bitrise: None,
        signing: None,
    };
    if let Err(r) = s.loaded.workspace.may_add_app(&probe) {
        let label = match r.field() {
            AppField::Slug => "Slug",
            AppField::Title => "Title",
            AppField::Owner => "Owner",
            AppField::Admins => "Admins",
            AppField::BitriseYml => "From a bitrise.yml",
        };
        return refuse(s, format!("{label}: {}", r.message()));
    }
    busy(s, "Reading and saving…");
    vec![Effect::AddApp(new)]
}
