//! `apple-conn doctor`: every connection and app, one status, and what to do. Exit codes follow
//! the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (it could not look).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::doctor_probe as probe;
use super::preview::par_map_apps;
use super::secret_input::SecretSource;
use super::{CmdResult, Failure, rfc3339};
use crate::cli::{DoctorArgs, TextJson};
use crate::domain::doctor::{
    AppSteps, AppleIdProbe, DoctorInput, KeyProbe, RefreshResult, Report, Status, diagnose,
    should_refresh, unknown_app,
};
use crate::domain::resolution::{Environment, Resolution};
use crate::domain::resolve::resolve;
use crate::domain::workspace::App;
use crate::ops::endpoints::check_base_url;
use crate::secrets::{SecretStore, SecretValue};
use crate::store::Loaded;

/// The notification gets this long to be accepted.
const NOTIFY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn run(
    config: &Option<std::path::PathBuf>,
    keyring: &dyn SecretStore,
    args: &DoctorArgs,
    demo: Option<&Loaded>,
) -> CmdResult {
    // A refused URL stops everything before anything is looked at (and nothing is sent).
    let notify = match notify_target(args) {
        Ok(url) => url,
        Err(e) => return unknown(args.format, None, &e, None),
    };
    let notify = notify.as_ref().map(|u| u.expose());
    let now = match super::now(&args.now) {
        Ok(now) => now,
        Err(f) => return unknown(args.format, None, &f.message, notify),
    };
    if demo.is_some() && (args.live || args.refresh || notify.is_some()) {
        return unknown(
            args.format,
            Some(now),
            "--live, --refresh and --notify reach real services: not with --demo",
            None,
        );
    }
    match look(config, keyring, args, now, demo) {
        Ok(report) => {
            match args.format {
                TextJson::Text => out(&fitted(
                    &crate::terminal_text::clean(&report.text()),
                    args.wide,
                )),
                TextJson::Json => out(&format!("{}\n", json(&report))),
            }
            if let Some(url) = notify
                && report.status != Status::Ok
            {
                send(url, notification(&report));
            }
            Ok(report.status.exit_code())
        }
        Err(message) => unknown(args.format, Some(now), &message, notify),
    }
}

/// Where the notification goes: `--notify-from env:VAR|file:PATH` (the webhook URL is a credential:
/// kept out of argv and out of every message), or `--notify URL` with a warning.
fn notify_target(args: &DoctorArgs) -> Result<Option<SecretValue>, String> {
    if let Some(from) = &args.notify_from {
        let source: SecretSource = from
            .parse()
            .map_err(|e: String| format!("--notify-from: {e}"))?;
        if source == SecretSource::Stdin {
            return Err("--notify-from: give env:VAR or file:PATH (doctor keeps stdin free for cron and scripts)".into());
        }
        let url = source
            .read("the notification URL (--notify-from)")
            .map_err(|f| f.message)?;
        let checked = check_base_url(url.expose().trim()).map_err(|_| {
            format!(
                "--notify-from {from}: the value is not an https URL (plain http only to a loopback address); it is not shown, as it is a credential"
            )
        })?;
        return Ok(Some(SecretValue::new(checked.to_string())));
    }
    match &args.notify {
        Some(text) => {
            eprintln!(
                "warning: a webhook URL given with --notify stays in the shell history and the process list (ps); pass it with --notify-from env:VAR or file:PATH instead"
            );
            notify_url(text).map(|u| Some(SecretValue::new(u)))
        }
        None => Ok(None),
    }
}

/// The text report within 80 columns (a finding continues indented), or as it is with `--wide`.
fn fitted(text: &str, wide: bool) -> String {
    if wide {
        return text.to_string();
    }
    text.lines()
        .flat_map(|l| super::fit::wrap(l, super::fit::COLUMNS, "", "    "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `--notify`: https, or plain http to a loopback receiver only.
fn notify_url(text: &str) -> Result<String, String> {
    check_base_url(text)
        .map(|u| u.to_string())
        .map_err(|e| format!("--notify refused: {e}"))
}

/// `doctor --format json`: the report, or UNKNOWN with why doctor could not look at all.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum DoctorJson {
    Report(Report),
    Unknown(UnknownJson),
}

/// Doctor could not look (unreadable workspace, bad `--now`, unknown `--app`, refused URL).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct UnknownJson {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    pub now: Option<String>,
    /// Always `unknown`.
    pub status: Status,
    /// Always empty.
    pub connections: Vec<crate::domain::doctor::ConnFinding>,
    /// Always empty.
    pub apps: Vec<crate::domain::doctor::AppFinding>,
    pub detail: String,
}

/// It could not look: UNKNOWN with the reason (and the notification, when one was asked for).
fn unknown(
    format: TextJson,
    now: Option<DateTime<Utc>>,
    message: &str,
    notify: Option<&str>,
) -> CmdResult {
    let text = format!("UNKNOWN: {message}\n");
    let body = serde_json::to_value(UnknownJson {
        schema_version: crate::domain::schema_version::SchemaVersion,
        now: now.map(rfc3339),
        status: Status::Unknown,
        connections: Vec::new(),
        apps: Vec::new(),
        detail: message.to_string(),
    })
    .unwrap_or_default();
    match format {
        TextJson::Text => out(&crate::terminal_text::clean(&text)),
        TextJson::Json => out(&format!("{body:#}\n")),
    }
    if let Some(url) = notify {
        let mut body = body;
        body["text"] = serde_json::Value::String(text);
        send(url, body);
    }
    Ok(Status::Unknown.exit_code())
}

/// Writes the report (text already cleaned, or JSON).
fn out(text: &str) {
    super::raw_out(text); // raw: JSON, or the text report cleaned by the caller
}

fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// The JSON report plus `text`: a Slack or Mattermost incoming webhook shows `text` as the message.
pub fn notification(report: &Report) -> serde_json::Value {
    let mut body = serde_json::to_value(report).unwrap_or_default();
    if let Some(map) = body.as_object_mut() {
        map.insert("text".into(), serde_json::Value::String(report.text()));
    }
    body
}

/// Exactly one POST, never retried; a failure is told on stderr and leaves the exit code alone.
fn send(url: &str, body: serde_json::Value) {
    match crate::ops::endpoints::post_json(url, &body, NOTIFY_TIMEOUT) {
        Ok(status) if (200..300).contains(&status) => {}
        Ok(status) => eprintln!(
            "doctor: the notification receiver answered {status}: check the notification URL"
        ),
        // The URL is a credential: it never reaches a message, even inside a network error.
        Err(e) => eprintln!(
            "doctor: could not send the notification: {}",
            crate::terminal_text::clean(&e.to_string().replace(url, "<the notification URL>"))
        ),
    }
}

/// Loads, probes and rates; an Err is a reason it could not look (UNKNOWN).
fn look(
    config: &Option<std::path::PathBuf>,
    keyring: &dyn SecretStore,
    args: &DoctorArgs,
    now: DateTime<Utc>,
    demo: Option<&Loaded>,
) -> Result<Report, String> {
    let (path, mut loaded) = match demo {
        Some(l) => (l.path.clone(), l.clone()),
        None => {
            let path = super::config_path(config).map_err(|f| f.message)?;
            let loaded = load(&path)?;
            (path, loaded)
        }
    };
    if let Some(slug) = &args.app
        && let Some(message) = unknown_app(&loaded.workspace, slug)
    {
        return Err(message);
    }
    // `--now` moves only the expiry arithmetic: what is sent to Apple is judged by Apple's clock.
    let live = crate::ops::Clock::System;
    // Sessions first: a refresh rewrites the workspace, and everything after reads the new one.
    let mut apple_ids = HashMap::new();
    if args.live || args.refresh {
        let ids: Vec<String> = in_scope_apple_ids(&loaded, args.app.as_deref());
        for id in ids {
            let mut p = AppleIdProbe {
                live: Some(probe::check_session(&loaded, keyring, &id, live.now())),
                refresh: None,
            };
            let aid = loaded.workspace.apple_id(&id);
            if args.refresh && aid.is_some_and(|a| should_refresh(a, now, p.live.as_ref())) {
                match probe::refresh(&path, keyring, &id, live) {
                    Ok(_) => {
                        loaded = load(&path)?;
                        p.live = Some(probe::check_session(&loaded, keyring, &id, live.now()));
                        p.refresh = Some(RefreshResult::Refreshed);
                    }
                    Err(e) => p.refresh = Some(RefreshResult::Failed(e)),
                }
            }
            apple_ids.insert(id, p);
        }
    }
    let mut keys = HashMap::new();
    for key in &loaded.workspace.api_keys {
        let used = args.app.as_deref().is_none_or(|slug| {
            loaded
                .workspace
                .app(slug)
                .is_some_and(|a| a.api_key.as_deref() == Some(key.name.as_str()))
        });
        if !used {
            continue;
        }
        let (read, pem) = probe::read_key(&loaded.path, keyring, key);
        let live = match (&pem, args.live) {
            (Some(pem), true) => Some(probe::test_key(&loaded, key, pem, live.now())),
            _ => None,
        };
        keys.insert(key.name.clone(), KeyProbe { read, live });
    }
    let apps: Vec<&App> = loaded
        .workspace
        .apps
        .iter()
        .filter(|a| args.app.as_deref().is_none_or(|s| s == a.slug))
        .collect();
    let steps = app_steps(&loaded, &apps, now);
    let mut report = diagnose(&DoctorInput {
        workspace: &loaded.workspace,
        now,
        warn_days: i64::from(args.warn_days),
        only_app: args.app.as_deref(),
        keys: &keys,
        apple_ids: &apple_ids,
        apps: &steps,
    });
    if args.bitrise {
        report.add_bitrise(bitrise_keys(&loaded, keyring, args.api_url.as_deref()));
    }
    if args.signing {
        let opts = crate::ops::signing::Options {
            only_app: args.app.as_deref(),
            bitrise: args.bitrise,
            apple: args.live,
            bitrise_url: args.api_url.as_deref(),
            apple_url: None,
            jobs: crate::ops::signing::DEFAULT_JOBS,
            warn_days: None,
        };
        let signing = crate::ops::signing::look(&loaded, keyring, &opts, now, live)?;
        report.add_signing(signing.apps);
    }
    Ok(report)
}

/// `--bitrise`: the keys on Bitrise against the workspace's; Err is why Bitrise was not asked.
fn bitrise_keys(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    api_url: Option<&str>,
) -> Result<Vec<crate::domain::bitrise_keys::KeyRow>, String> {
    let conn = crate::ops::bitrise::connect(loaded, keyring, api_url).map_err(|e| e.to_string())?;
    crate::ops::bitrise::keys(loaded, &conn).map_err(|e| e.to_string())
}

fn load(path: &Path) -> Result<Loaded, String> {
    crate::store::load(path).map_err(|e| e.to_string())
}

fn in_scope_apple_ids(loaded: &Loaded, only_app: Option<&str>) -> Vec<String> {
    let ws = &loaded.workspace;
    ws.apple_ids
        .iter()
        .filter(|aid| {
            only_app.is_none_or(|slug| {
                ws.app(slug)
                    .is_some_and(|a| a.apple_id.as_deref() == Some(aid.apple_id.as_str()))
            })
        })
        .map(|aid| aid.apple_id.clone())
        .collect()
}

/// Every app's steps through the preview's own path (a bitrise.yml app's file included),
/// spread over the cores as `preview` does.
pub fn app_steps(loaded: &Loaded, apps: &[&App], now: DateTime<Utc>) -> Vec<AppSteps> {
    par_map_apps(apps, |part| {
        part.iter()
            .map(|app| AppSteps {
                slug: app.slug.clone(),
                steps: steps_of(loaded, app, now),
            })
            .collect()
    })
}

fn steps_of(
    loaded: &Loaded,
    app: &App,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Resolution)>, String> {
    let env = Environment::Bitrise;
    if app.bitrise_yml.is_some() {
        return super::bitrise::app_file_steps(loaded, app, env, now)
            .map(|steps| steps.into_iter().map(|(_, id, r)| (id, r)).collect())
            .map_err(|f: Failure| f.message);
    }
    Ok(app
        .steps
        .iter()
        .map(|s| {
            let r = resolve(&loaded.workspace, &loaded.catalog, app, s, env, now);
            (s.id.clone(), r)
        })
        .collect())
}

/// clap's own usage errors exit 2; for `doctor` they are UNKNOWN (3), as monitors expect.
pub fn usage_exit_code(args: &[String], clap_code: i32) -> i32 {
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        match a.as_str() {
            // Global options that take a value: skip it.
            "-c" | "--config" | "--theme" | "--keymap" | "--apple-auth-url" => {
                rest.next();
            }
            s if s.starts_with('-') => {}
            "doctor" => return if clap_code == 0 { 0 } else { 3 },
            _ => return clap_code,
        }
    }
    clap_code
}
