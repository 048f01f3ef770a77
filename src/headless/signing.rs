//! `apple-conn signing`: each app's certificates and profiles (local, Bitrise's, Apple's) with
//! days left, and the findings with the step rules they come from. Exit codes as `doctor`'s:
//! 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (it could not look).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CmdResult, rfc3339};
use crate::cli::{SigningArgs, TableJson};
use crate::domain::doctor::Status;
use crate::domain::signing::report::{AppReport, FileRow, Kind, Report};
use crate::ops::signing::{Options, look};
use crate::secrets::SecretStore;
use crate::store::Loaded;

/// `signing --format json`: the report, or why it could not look (docs/schemas/signing.schema.json).
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SigningJson<'a> {
    Report(Report),
    Unknown(Unknown<'a>),
}

/// `signing --format json` when it could not look.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Unknown<'a> {
    schema_version: crate::domain::schema_version::SchemaVersion,
    now: Option<String>,
    status: Status,
    apps: [(); 0],
    detail: &'a str,
}

pub fn run(
    config: &Option<std::path::PathBuf>,
    keyring: &dyn SecretStore,
    args: &SigningArgs,
    demo: Option<&Loaded>,
) -> CmdResult {
    let now = match super::now(&args.now) {
        Ok(now) => now,
        Err(f) => return unknown(args.format, None, &f.message),
    };
    if demo.is_some() && (args.bitrise || args.apple) {
        return unknown(
            args.format,
            Some(now),
            "--bitrise and --apple reach real services: not with --demo",
        );
    }
    let loaded = match demo {
        Some(l) => l.clone(),
        None => match super::load(config) {
            Ok(l) => l,
            Err(f) => return unknown(args.format, Some(now), &f.message),
        },
    };
    let opts = Options {
        only_app: args.app.as_deref(),
        bitrise: args.bitrise,
        apple: args.apple,
        bitrise_url: args.api_url.as_deref(),
        apple_url: args.base_url.as_deref(),
        jobs: args.jobs,
        warn_days: args.warn_days.map(i64::from),
    };
    match look(&loaded, keyring, &opts, now, crate::ops::Clock::System) {
        Err(e) => unknown(args.format, Some(now), &e),
        Ok(report) => {
            match args.format {
                // raw: JSON
                TableJson::Json => super::raw_out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                )),
                TableJson::Table => print!("{}", text(&report)),
            }
            Ok(report.status.exit_code())
        }
    }
}

fn unknown(format: TableJson, now: Option<DateTime<Utc>>, message: &str) -> CmdResult {
    match format {
        TableJson::Json => {
            let body = Unknown {
                schema_version: crate::domain::schema_version::SchemaVersion,
                now: now.map(rfc3339),
                status: Status::Unknown,
                apps: [],
                detail: message,
            };
            // raw: JSON
            super::raw_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&body).unwrap_or_default()
            ));
        }
        TableJson::Table => println!("UNKNOWN: {message}"),
    }
    Ok(Status::Unknown.exit_code())
}

/// The table: the status line, then per app its files and its findings (each with its rule).
pub fn text(report: &Report) -> String {
    let findings: usize = report.apps.iter().map(|a| a.findings.len()).sum();
    let files: usize = report.apps.iter().map(|a| a.files.len()).sum();
    let mut out = format!(
        "{}: {} app{}, {files} signing file{}, {findings} finding{}\n",
        report.status.word(),
        report.apps.len(),
        plural(report.apps.len()),
        plural(files),
        plural(findings)
    );
    for app in &report.apps {
        out.push_str(&app_text(app));
    }
    out
}

fn app_text(app: &AppReport) -> String {
    let mut out = format!("\napp {} ({})\n", app.slug, app.status.word());
    if app.files.is_empty() {
        out.push_str("  no signing files: add [apps.signing] certificates/profiles, or look at Bitrise's with --bitrise\n");
    } else {
        out.push_str(&format!(
            "  {:<11} {:<7} {:<28} {:<36} {:<10} {:>5}  {}\n",
            "KIND", "FROM", "NAME", "SERIAL / UUID", "EXPIRES", "DAYS", "DETAIL"
        ));
        for f in &app.files {
            out.push_str(&row(f));
        }
    }
    for f in &app.findings {
        out.push_str(&format!(
            "  {} {}{}: {}\n      rule: {}\n",
            f.severity.word(),
            f.code.as_str(),
            f.step
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default(),
            f.message,
            f.rule
        ));
    }
    out
}

fn row(f: &FileRow) -> String {
    let id = f.serial.as_deref().or(f.uuid.as_deref()).unwrap_or("-");
    let expires = f
        .expires_at
        .as_deref()
        .map(|e| e.get(..10).unwrap_or(e))
        .unwrap_or("-");
    let days = f.days_left.map(|d| d.to_string()).unwrap_or("-".into());
    let mut detail: Vec<String> = Vec::new();
    if let Some(e) = &f.error {
        detail.push(format!("cannot read: {e}"));
    }
    if let Some(s) = &f.subject {
        detail.push(s.clone());
    }
    if let Some(t) = &f.kind_of {
        detail.push(t.clone());
    }
    if let Some(b) = &f.bundle_id {
        detail.push(b.clone());
    }
    if let Some(k) = f.private_key {
        detail.push(if k { "private key" } else { "NO private key" }.into());
    }
    if let Some(s) = &f.sha1 {
        detail.push(format!("SHA-1 {s}"));
    }
    if let Some(a) = &f.apple {
        detail.push(format!("Apple: {a}"));
    }
    format!(
        "  {:<11} {:<7} {:<28} {:<36} {:<10} {:>5}  {}\n",
        match f.kind {
            Kind::Certificate => "certificate",
            Kind::Profile => "profile",
        },
        f.from.as_str(),
        super::fit::abbreviate(&f.name, 28),
        super::fit::abbreviate(id, 36),
        expires,
        days,
        detail.join(", ")
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
