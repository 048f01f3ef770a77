//! `bitrise login`, `apps`, `pull`, `keys`: your Bitrise account, read through `ops::bitrise`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::secret_input::SecretSource;
use super::{CmdResult, Failure};
use crate::cli::{
    BitriseCommand, BitriseKeysCommand, BitriseLoginArgs, BitrisePullArgs, KeyStorage, TableJson,
    TextJson,
};
use schemars::JsonSchema;
use serde::Serialize;

use crate::domain::bitrise_keys::KeyRow;
use crate::domain::schema_version::SchemaVersion;
use crate::ops::bitrise::{self as ops, BitriseError, PullOptions, PullReport, TokenStorage};
use crate::secrets::SecretStore;
use crate::terminal_text::clean_line;

pub fn run(config: &Option<PathBuf>, keyring: &dyn SecretStore, cmd: &BitriseCommand) -> CmdResult {
    match cmd {
        BitriseCommand::Workflows {
            path,
            format,
            include,
            ..
        } => super::bitrise::workflows(path, *format, include),
        BitriseCommand::Login(args) => login(&super::config_path(config)?, keyring, args),
        BitriseCommand::Apps { org, format, api } => {
            let loaded = super::load(config)?;
            let conn = ops::connect(&loaded, keyring, api.api_url.as_deref()).map_err(failure)?;
            let apps = ops::apps(&conn, org.as_deref()).map_err(failure)?;
            print_apps(&apps, *format);
            Ok(0)
        }
        BitriseCommand::Pull(args) => pull(config, keyring, args),
        BitriseCommand::Keys {
            action: Some(BitriseKeysCommand::Upload(args)),
            ..
        } => super::bitrise_push::upload(config, keyring, args),
        BitriseCommand::Push(args) => super::bitrise_push::push(config, keyring, args),
        BitriseCommand::Keys {
            action: None,
            org,
            format,
            api,
        } => {
            let loaded = super::load(config)?;
            let conn = ops::connect(&loaded, keyring, api.api_url.as_deref()).map_err(failure)?;
            let rows = ops::keys_in(&loaded, &conn, org.as_deref()).map_err(failure)?;
            print_keys(&rows, *format);
            Ok(if rows.iter().all(KeyRow::in_sync) {
                0
            } else {
                1
            })
        }
    }
}

pub fn failure(e: BitriseError) -> Failure {
    Failure::new(e.exit_code(), e.to_string())
}

fn login(path: &std::path::Path, keyring: &dyn SecretStore, args: &BitriseLoginArgs) -> CmdResult {
    let source: SecretSource = args
        .token_from
        .parse()
        .map_err(|e: String| Failure::new(2, format!("--token-from: {e}")))?;
    // Where the token goes is settled (and checked) before it is read or Bitrise is asked.
    let (store, fell_back) = super::storage::choose(
        args.store,
        keyring,
        source.as_reference().is_some(),
        "Pass --store reference with --token-from env:VAR or file:PATH, or --store vault",
    )?;
    let storage = match store {
        KeyStorage::Keyring => TokenStorage::Keyring,
        KeyStorage::Vault => TokenStorage::Vault,
        KeyStorage::Reference => TokenStorage::Reference(source.as_reference().ok_or_else(|| {
            Failure::new(
                2,
                "--store reference keeps where the token was read from: give --token-from env:VAR or file:PATH (stdin cannot be referenced)",
            )
        })?),
    };
    // The workspace must be readable before a secret is read or anything is sent.
    super::load_path(path)?;
    let at = match &storage {
        TokenStorage::Keyring => Some(crate::domain::secret_ref::SecretRef::Keyring),
        TokenStorage::Vault => Some(crate::domain::secret_ref::SecretRef::Vault(
            crate::domain::secret_ref::VaultRef::Entry,
        )),
        TokenStorage::Reference(_) => None,
    };
    if let Some(at) = at {
        super::storage::check(
            keyring,
            path,
            &at,
            &crate::secrets::EntryName::bitrise_token(),
            store,
        )?;
    }
    if fell_back {
        eprintln!(
            "warning: no OS keyring is reachable, so --store reference: the workspace keeps {} and the token stays there",
            args.token_from
        );
    }
    let token = source.read("the Bitrise token")?;
    let signed =
        ops::login(path, keyring, token, storage, args.api.api_url.as_deref()).map_err(failure)?;
    println!("signed in to Bitrise as {}", clean_line(&signed.username));
    Ok(0)
}

fn pull(config: &Option<PathBuf>, keyring: &dyn SecretStore, args: &BitrisePullArgs) -> CmdResult {
    let path = super::config_path(config)?;
    let now = super::now(&args.now)?;
    let loaded = super::load_path(&path)?;
    let conn = ops::connect(&loaded, keyring, args.api.api_url.as_deref()).map_err(failure)?;
    let opts = PullOptions {
        apps: args.apps.clone(),
        org: args.org.clone(),
        jobs: args.jobs,
    };
    let never = AtomicBool::new(false);
    let report = ops::pull(&path, &conn, &opts, now, &never, &|_| {}).map_err(failure)?;
    match args.format {
        TextJson::Json => println!(
            "{}",
            serde_json::to_string_pretty(&PullJson {
                schema_version: SchemaVersion,
                report: &report,
            })
            .unwrap_or_default()
        ),
        TextJson::Text => print!("{}", crate::terminal_text::clean(&pull_text(&report))),
    }
    Ok(if report.all_pulled() { 0 } else { 1 })
}

fn pull_text(r: &PullReport) -> String {
    let mut out = String::new();
    for p in &r.pulled {
        if r.kept_in_repository.iter().any(|k| k.slug == p.slug) {
            continue;
        }
        let runs: Vec<String> = p
            .workflows
            .iter()
            .map(|w| format!("workflow {w}"))
            .chain(p.pipelines.iter().map(|x| format!("pipeline {x}")))
            .collect();
        let _ = write!(out, "pulled {}", named(p.title.as_deref(), &p.slug));
        if let Some(f) = &p.file {
            let _ = write!(out, " -> {f}");
        }
        if !runs.is_empty() {
            let _ = write!(out, " ({})", runs.join(", "));
        }
        if p.public {
            out.push_str(" [public: pull-request builds of forks get no Apple connection]");
        }
        out.push('\n');
        if let Some(n) = &p.note {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    for k in &r.kept_in_repository {
        let _ = writeln!(out, "pulled {} (details only): {}", k.slug, k.message);
    }
    for s in &r.skipped {
        let _ = writeln!(out, "skipped {}: {}", s.slug, s.reason);
    }
    for f in &r.failed {
        let _ = writeln!(out, "failed {}: {}", f.slug, f.reason);
    }
    if r.cancelled {
        out.push_str("cancelled: the apps pulled so far were saved\n");
    }
    let _ = writeln!(
        out,
        "{} app(s) pulled, {} kept in their repository, {} failed",
        r.pulled.len(),
        r.kept_in_repository.len(),
        r.failed.len()
    );
    if let Some(first) = r.unassigned.first() {
        let _ = writeln!(
            out,
            "{} pulled app(s) have no connection assigned: `apple-conn assign {first} --api-key NAME` (or --apple-id APPLE_ID) assigns one, then `apple-conn bitrise push` tells Bitrise",
            r.unassigned.len()
        );
    }
    out
}

/// `bitrise apps --format json`.
#[derive(Serialize, JsonSchema)]
pub struct AppsJson {
    pub schema_version: SchemaVersion,
    pub apps: Vec<AppJson>,
}

#[derive(Serialize, JsonSchema)]
pub struct AppJson {
    pub slug: String,
    pub title: Option<String>,
    pub project_type: Option<String>,
    pub is_public: bool,
    pub owner: OwnerJson,
    pub repo_url: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct OwnerJson {
    pub slug: String,
    pub name: String,
    pub account_type: String,
}

/// `bitrise keys --format json`: the keys on Bitrise held against the workspace's.
#[derive(Serialize, JsonSchema)]
pub struct KeysJson<'a> {
    pub schema_version: SchemaVersion,
    pub keys: &'a [KeyRow],
}

/// `bitrise pull --format json`.
#[derive(Serialize, JsonSchema)]
pub struct PullJson<'a> {
    pub schema_version: SchemaVersion,
    #[serde(flatten)]
    pub report: &'a PullReport,
}

/// `Shop iOS (ios-shop)`: the title a person knows, the slug beside it; the slug alone without one.
pub fn named(title: Option<&str>, slug: &str) -> String {
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{} ({slug})", clean_line(t)),
        None => slug.to_string(),
    }
}

fn print_apps(apps: &[ops::BitriseApp], format: TableJson) {
    match format {
        TableJson::Json => {
            let doc = AppsJson {
                schema_version: SchemaVersion,
                apps: apps
                    .iter()
                    .map(|a| {
                        let owner = a.owner.clone().unwrap_or_default();
                        AppJson {
                            slug: a.slug.clone(),
                            title: a.title.clone(),
                            project_type: a.project_type.clone(),
                            is_public: a.is_public,
                            owner: OwnerJson {
                                slug: owner.slug,
                                name: owner.name,
                                account_type: owner.account_type,
                            },
                            repo_url: a.repo_url.clone(),
                        }
                    })
                    .collect(),
            };
            println!("{}", serde_json::to_string(&doc).unwrap_or_default());
        }
        TableJson::Table => {
            let mut out = format!(
                "{:<20} {:<28} {:<14} {:<7} {}\n",
                "SLUG", "TITLE", "TYPE", "PUBLIC", "OWNER"
            );
            // One row per app, whatever a field holds (issue 33): each cell through clean_line.
            let cell = |t: &str| crate::terminal_text::clean_line(t);
            for a in apps {
                let owner = a.owner.clone().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{:<20} {:<28} {:<14} {:<7} {} ({})",
                    cell(&a.slug),
                    cell(a.title.as_deref().unwrap_or("-")),
                    cell(a.project_type.as_deref().unwrap_or("-")),
                    if a.is_public { "yes" } else { "no" },
                    cell(&owner.name),
                    cell(&owner.account_type)
                );
            }
            let _ = writeln!(out, "{} app(s)", apps.len());
            print!("{}", crate::terminal_text::clean(&out));
        }
    }
}

fn print_keys(rows: &[KeyRow], format: TableJson) {
    match format {
        TableJson::Json => {
            let doc = KeysJson {
                schema_version: SchemaVersion,
                keys: rows,
            };
            println!("{}", serde_json::to_string(&doc).unwrap_or_default());
        }
        TableJson::Table => {
            let mut out = format!(
                "{:<12} {:<38} {:<13} {:<20} {:<20} {}\n",
                "KEY ID", "ISSUER ID", "STATUS", "LOCAL", "ON BITRISE", "WHERE"
            );
            for r in rows {
                let _ = writeln!(
                    out,
                    "{:<12} {:<38} {:<13} {:<20} {:<20} {}",
                    r.key_id,
                    r.issuer_id.as_deref().unwrap_or("-"),
                    r.status.as_str(),
                    r.local_name.as_deref().unwrap_or("-"),
                    r.bitrise_name.as_deref().unwrap_or("-"),
                    r.lives()
                );
            }
            for r in rows.iter().filter(|r| !r.in_sync()) {
                let _ = writeln!(out, "- {}", r.advice());
            }
            let drift = rows.iter().filter(|r| !r.in_sync()).count();
            if drift == 0 {
                let _ = writeln!(out, "in sync: {} key(s)", rows.len());
            } else {
                let _ = writeln!(out, "{drift} of {} key(s) drifted", rows.len());
            }
            print!("{}", crate::terminal_text::clean(&out));
        }
    }
}
