//! `add app` and `remove app`: the operations of `ops::apps`, worded with this command's flags.

use std::io::IsTerminal;
use std::path::Path;

use super::connections::update_failure;
use super::{CmdResult, Failure};
use crate::cli::AddAppArgs;
use crate::domain::rules::{AppField, AppRefusal};
use crate::ops::apps::{self, AddAppError, NewApp, NewBitriseYml, RemoveAppError};
use crate::ops::save::Target;

fn refusal_words(r: &AppRefusal) -> String {
    let flag = match r.field() {
        AppField::Slug => "SLUG",
        AppField::Title => "--title",
        AppField::Owner => "--owner",
        AppField::Admins => "--admin",
        AppField::BitriseYml => "--bitrise-yml",
    };
    match r {
        AppRefusal::SlugTaken(s) => format!(
            "an app with the slug `{s}` already exists: choose another slug (`apple-conn list apps` lists them)"
        ),
        AppRefusal::RunsNotOne => {
            "--bitrise-yml needs the app's runs: --workflow ID (repeatable) or --pipeline ID".into()
        }
        AppRefusal::Shape(..) => format!("{flag}: {}", r.message()),
    }
}

pub fn add_app(path: &Path, args: &AddAppArgs) -> CmdResult {
    let loaded = super::load_path(path)?;
    let include = super::bitrise::include_options(Default::default(), &args.include)?;
    if args.bitrise_yml.is_none() && (include.root.is_some() || !include.repositories.is_empty()) {
        return Err(Failure::new(
            2,
            "--repo-root and --repo-map say where a bitrise.yml's `include:` files are: add --bitrise-yml PATH",
        ));
    }
    let new = NewApp {
        slug: args.slug.clone(),
        title: args.title.clone(),
        owner: args.owner.clone(),
        admins: args.admins.clone(),
        bitrise_yml: args.bitrise_yml.as_ref().map(|p| NewBitriseYml {
            path: p.clone(),
            workflows: args.workflows.clone(),
            pipeline: args.pipeline.clone(),
            root: include.root.clone(),
            repositories: include.repositories.clone(),
        }),
    };
    let added = apps::add_app(Target::Disk(path), &loaded.workspace, new).map_err(|e| match e {
        AddAppError::Refused(r) => Failure::new(1, refusal_words(&r)),
        AddAppError::ChooseRun { file, runs } => Failure::new(
            1,
            if runs.is_empty() {
                format!("{file} has no workflow or pipeline a build can start")
            } else {
                let flags: Vec<String> = runs
                    .iter()
                    .map(|r| match r {
                        crate::bitrise::run::Target::Workflow(w) => format!("--workflow {w}"),
                        crate::bitrise::run::Target::Pipeline(p) => format!("--pipeline {p}"),
                    })
                    .collect();
                format!(
                    "--bitrise-yml needs the app's runs: {file} offers {}",
                    flags.join(", ")
                )
            },
        ),
        AddAppError::BitriseYml(m) => Failure::new(1, format!("--bitrise-yml: {m}")),
        AddAppError::Save(e) => update_failure(e),
    })?;
    for w in &added.warnings {
        eprintln!("warning: {}", crate::terminal_text::clean(w));
    }
    let app = &added.app;
    let source = match &app.bitrise_yml {
        Some(b) => format!(
            ", steps from {} ({})",
            b.path,
            crate::bitrise::run::describe(&crate::bitrise::run::configured(b))
        ),
        None => String::new(),
    };
    eprintln!(
        "added app `{}` (owner {}){source}; assign its connections with `apple-conn assign {} --api-key NAME`",
        app.slug,
        app.owner(&added.loaded.workspace),
        app.slug
    );
    Ok(0)
}

pub fn remove_app(path: &Path, slug: &str, yes: bool) -> CmdResult {
    let before = super::load_path(path)?;
    let app = before.workspace.app(slug).ok_or_else(|| {
        Failure::new(
            1,
            RemoveAppError::NotFound {
                slug: slug.to_string(),
                known: before
                    .workspace
                    .apps
                    .iter()
                    .map(|a| a.slug.clone())
                    .collect(),
            }
            .to_string(),
        )
    })?;
    let loses = app.what_removal_loses();
    // The same rule as removing a connection: ask at a terminal when something goes with it.
    if !yes
        && !loses.is_empty()
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
    {
        eprint!(
            "remove app {slug} with {}? (the connections stay) [y/N] ",
            loses.join(", ")
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::new(1, "nothing removed"));
        }
    }
    let removed = apps::remove_app(Target::Disk(path), slug).map_err(|e| match e {
        RemoveAppError::Save(e) => update_failure(e),
        other => Failure::new(1, other.to_string()),
    })?;
    let what = removed.app.what_removal_loses();
    if what.is_empty() {
        eprintln!("removed app {slug}");
    } else {
        eprintln!("removed app {slug} with {}", what.join(", "));
    }
    Ok(0)
}
