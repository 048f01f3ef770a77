//! `bitrise keys upload NAME` and `bitrise push`: the writes to Bitrise, each shown first and sent
//! only once confirmed (`--yes` for scripts; no terminal and no `--yes` is a refusal, exit 2).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::bitrise_account::failure;
use super::{CmdResult, Failure};
use crate::cli::{BitrisePushArgs, BitriseUploadArgs, TextJson};
use crate::ops::bitrise::{self as ops, PushOptions, PushPlan, UploadOutcome};
use crate::secrets::SecretStore;
use crate::terminal_text::{clean, clean_line};

/// Asks at a terminal; `None` when there is none to ask at (a refusal unless `--yes`).
fn confirm(question: &str) -> Option<bool> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return None;
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    Some(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn no_terminal(what: &str) -> Failure {
    Failure::new(
        2,
        format!(
            "{what}: there is no terminal to confirm at; nothing was sent (add --yes to send without asking)"
        ),
    )
}

pub fn upload(
    config: &Option<PathBuf>,
    keyring: &dyn SecretStore,
    args: &BitriseUploadArgs,
) -> CmdResult {
    let path = super::config_path(config)?;
    let now = super::now(&args.now)?;
    let loaded = super::load_path(&path)?;
    let conn = ops::connect(&loaded, keyring, args.api.api_url.as_deref()).map_err(failure)?;
    let plan =
        ops::plan_upload(&loaded, &conn, &args.name, args.org.as_deref()).map_err(failure)?;
    let key = format!("API key {} ({})", clean_line(&plan.key_name), plan.key_id);
    let workspace = plan.workspace.describe();
    if plan.needs_upload() && !args.yes {
        let question = format!(
            "upload the private key of {key} to Bitrise workspace {workspace} at {}? It leaves this host.",
            plan.host
        );
        match confirm(&question) {
            None => {
                return Err(no_terminal(&format!(
                    "upload {key} to {workspace} at {}",
                    plan.host
                )));
            }
            Some(false) => return Err(Failure::new(2, "nothing was sent")),
            Some(true) => {}
        }
    }
    let outcome = ops::upload(&path, keyring, &conn, &plan, now).map_err(failure)?;
    match outcome {
        UploadOutcome::Uploaded { slug } => println!(
            "uploaded {key} to Bitrise workspace {workspace} at {} (slug {slug})",
            plan.host
        ),
        UploadOutcome::Found { slug } => println!(
            "{key} is already in Bitrise workspace {workspace} (slug {slug}): nothing was sent; recorded where it is"
        ),
    }
    Ok(0)
}

pub fn push(
    config: &Option<PathBuf>,
    keyring: &dyn SecretStore,
    args: &BitrisePushArgs,
) -> CmdResult {
    let path = super::config_path(config)?;
    let now = super::now(&args.now)?;
    let loaded = super::load_path(&path)?;
    let opts = PushOptions {
        apps: args.apps.clone(),
        jobs: args.jobs,
    };
    if opts.jobs == 0 || opts.jobs > 64 {
        return Err(Failure::new(
            2,
            format!("--jobs {}: give 1 to 64", opts.jobs),
        ));
    }
    let conn = ops::connect(&loaded, keyring, args.api.api_url.as_deref()).map_err(failure)?;
    let plan = ops::plan(&loaded, &conn, &opts).map_err(failure)?;
    let show = |p: &PushPlan| match args.format {
        TextJson::Json => println!("{}", serde_json::to_string_pretty(p).unwrap_or_default()),
        TextJson::Text => print!("{}", clean(&plan_text(p))),
    };
    if !plan.refusals.is_empty() {
        show(&plan);
        return Err(Failure::new(
            2,
            format!("refused, nothing was sent: {}", plan.refusals.join("; ")),
        ));
    }
    if plan.is_empty() || args.dry_run {
        show(&plan);
        return Ok(0);
    }
    if !args.yes {
        if args.format == TextJson::Text {
            show(&plan);
        }
        let question = format!(
            "apply this plan to Bitrise workspace(s) {} at {}?{}",
            plan.workspaces_named(),
            plan.host,
            if plan.uploads() > 0 {
                " Private keys leave this host."
            } else {
                ""
            }
        );
        match confirm(&question) {
            None => {
                return Err(no_terminal(&format!(
                    "push {} change(s) to {} at {}",
                    plan.plan.len(),
                    plan.workspaces_named(),
                    plan.host
                )));
            }
            Some(false) => return Err(Failure::new(2, "nothing was sent")),
            Some(true) => {}
        }
    } else if args.format == TextJson::Text {
        show(&plan);
    }
    let keys = ops::read_keys(&loaded, keyring, &plan).map_err(failure)?;
    let never = AtomicBool::new(false);
    let done = ops::apply(&path, &keys, &conn, plan, now, &never, &|_| {}).map_err(failure)?;
    match args.format {
        TextJson::Json => show(&done),
        TextJson::Text => print!("{}", clean(&outcome_text(&done))),
    }
    Ok(if done.failed() == 0 { 0 } else { 1 })
}

pub fn plan_text(p: &PushPlan) -> String {
    p.plan_lines().join("\n") + "\n"
}

fn outcome_text(p: &PushPlan) -> String {
    p.outcome_lines().join("\n") + "\n"
}
