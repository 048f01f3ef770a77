//! The Add app form (`a` on the Apps pane): by hand, or from a bitrise.yml whose path Tab
//! completes, then the workflows (or `pipeline:ID`) to preview.

use super::super::super::form::{AddApp, AddAppFocus};
use super::super::super::state::*;
use super::super::messages::Effect;
use super::{busy, refuse};
use crate::domain::rules::AppField;
use crate::ops::apps::{NewApp, NewBitriseYml};

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
        runs: Field::new("Workflows", FieldKind::Text, Check::None)
            .with_hint("comma-separated, or pipeline:ID; empty lists the file's"),
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

/// The form's values as the operation takes them.
fn new_app(f: &AddApp) -> NewApp {
    let path = f.bitrise_yml.value().trim();
    let runs = list(f.runs.value());
    let pipeline = runs
        .iter()
        .find_map(|r| r.strip_prefix("pipeline:").map(|p| p.trim().to_string()));
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
            root: Some(f.repo_root.value().trim())
                .filter(|r| !r.is_empty())
                .map(|r| std::path::PathBuf::from(super::super::super::effects::expand_home(r))),
            repositories: repo_map(f.repo_map.value())
                .unwrap_or_default()
                .into_iter()
                .map(|(url, dir)| {
                    let dir = super::super::super::effects::expand_home(&dir);
                    (url, std::path::PathBuf::from(dir))
                })
                .collect(),
        }),
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
