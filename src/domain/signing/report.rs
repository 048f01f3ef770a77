//! The `signing --format json` contract and the rows every face lists.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::apple::AppleView;
use super::files::{CertFile, From, ProfileFile};
use super::findings::{Finding, days_left, status_of};
use crate::domain::doctor::Status;

/// `signing --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    pub now: String,
    pub status: Status,
    pub apps: Vec<AppReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AppReport {
    pub slug: String,
    pub status: Status,
    pub files: Vec<FileRow>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Certificate,
    Profile,
}

/// One certificate (of a .p12, or Apple's record) or one profile. Public facts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FileRow {
    pub kind: Kind,
    pub from: From,
    /// The upload's file name, the path, or Apple's name.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    pub expires_at: Option<String>,
    pub days_left: Option<i64>,
    /// The certificate's common name (`Apple Distribution: Name (TEAMID)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// development / distribution for certificates; development, ad-hoc, app-store, enterprise for profiles.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind_of: Option<String>,
    /// SHA-1 fingerprint of the certificate (never key material).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// What App Store Connect says about it (with `--apple`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple: Option<String>,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl FileRow {
    fn new(kind: Kind, from: From, name: &str) -> FileRow {
        FileRow {
            kind,
            from,
            name: name.to_string(),
            serial: None,
            uuid: None,
            expires_at: None,
            days_left: None,
            subject: None,
            team_id: None,
            kind_of: None,
            sha1: None,
            private_key: None,
            bundle_id: None,
            apple: None,
            error: None,
        }
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The rows of one app: each certificate, each profile, then what Apple holds.
pub fn rows(
    certs: &[CertFile],
    profiles: &[ProfileFile],
    apple: Option<&AppleView>,
    now: DateTime<Utc>,
) -> Vec<FileRow> {
    let mut out = Vec::new();
    for f in certs {
        match &f.certs {
            Err(why) => {
                let mut r = FileRow::new(Kind::Certificate, f.from, &f.name);
                r.error = Some(why.clone());
                if let Some((serial, expiry)) = f.listed.first() {
                    r.serial = Some(serial.clone());
                    r.expires_at = expiry.map(rfc3339);
                    r.days_left = expiry.map(|e| days_left(e, now));
                }
                out.push(r);
            }
            Ok(certs) => {
                for c in certs {
                    let mut r = FileRow::new(Kind::Certificate, f.from, &f.name);
                    r.serial = Some(c.serial.clone());
                    r.expires_at = Some(rfc3339(c.not_after));
                    r.days_left = Some(days_left(c.not_after, now));
                    r.subject = Some(c.common_name.clone());
                    r.team_id = c.team_id.clone();
                    r.kind_of = Some(c.cert_type.as_str().into());
                    r.sha1 = Some(c.sha1.clone());
                    r.private_key = Some(c.has_private_key);
                    r.apple = apple.map(|a| match a.cert(&c.serial) {
                        Some(Ok(Some(ac))) => format!(
                            "on Apple as {} ({}{})",
                            ac.name,
                            ac.certificate_type,
                            ac.expires_at
                                .map(|e| format!(", expires {}", e.format("%Y-%m-%d")))
                                .unwrap_or_default()
                        ),
                        Some(Ok(None)) => "not on Apple (revoked, or another team's)".into(),
                        Some(Err(_)) => "Apple refused the lookup".into(),
                        None => "not asked".into(),
                    });
                    out.push(r);
                }
            }
        }
    }
    for f in profiles {
        let mut r = FileRow::new(Kind::Profile, f.from, &f.name);
        match &f.profile {
            Err(why) => r.error = Some(why.clone()),
            Ok(p) => {
                r.uuid = Some(p.uuid.clone());
                r.expires_at = Some(rfc3339(p.expires_at));
                r.days_left = Some(days_left(p.expires_at, now));
                r.subject = Some(p.name.clone());
                r.team_id = p.team_id.clone();
                r.kind_of = Some(p.profile_type.as_str().into());
                r.bundle_id = Some(p.bundle_id.clone());
                r.apple = apple.and_then(|a| a.profiles.as_ref().ok()).map(|ps| {
                    match ps.iter().find(|ap| ap.uuid.eq_ignore_ascii_case(&p.uuid)) {
                        Some(ap) => format!("{} at Apple", ap.state),
                        None => "not listed at Apple (deleted or another team's)".into(),
                    }
                });
            }
        }
        out.push(r);
    }
    if let Some(a) = apple {
        for (_, c) in &a.certs {
            if let Ok(Some(c)) = c {
                let mut r = FileRow::new(Kind::Certificate, From::Apple, &c.name);
                r.serial = Some(c.serial.clone());
                r.expires_at = c.expires_at.map(rfc3339);
                r.days_left = c.expires_at.map(|e| days_left(e, now));
                r.kind_of = Some(c.certificate_type.clone());
                r.apple = Some("on Apple".into());
                out.push(r);
            }
        }
        if let Ok(ps) = &a.profiles {
            for p in ps {
                let mut r = FileRow::new(Kind::Profile, From::Apple, &p.name);
                r.uuid = Some(p.uuid.clone());
                r.expires_at = p.expires_at.map(rfc3339);
                r.days_left = p.expires_at.map(|e| days_left(e, now));
                r.kind_of = Some(p.profile_type.clone());
                r.bundle_id = p.bundle_id.clone();
                r.apple = Some(p.state.clone());
                out.push(r);
            }
        }
    }
    out
}

impl Report {
    pub fn new(now: DateTime<Utc>, apps: Vec<AppReport>) -> Report {
        let status = apps.iter().map(|a| a.status).max().unwrap_or(Status::Ok);
        Report {
            schema_version: crate::domain::schema_version::SchemaVersion,
            now: rfc3339(now),
            status,
            apps,
        }
    }
}

impl AppReport {
    pub fn new(slug: &str, files: Vec<FileRow>, findings: Vec<Finding>) -> AppReport {
        AppReport {
            slug: slug.to_string(),
            status: status_of(&findings),
            files,
            findings,
        }
    }
}
