//! `doctor`: findings and one status (the monitoring-plugin convention) from the workspace, the
//! resolved steps, and what the I/O layer probed. Pure: `now` and every probe come in as data.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;

use super::resolution::{Level, Outcome, Resolution};
use super::schema_version::SchemaVersion;
use super::workspace::{ApiKey, AppleId, SessionState, Workspace, human_span};

/// Default of `--warn-days`: a session this close to its end is a warning.
pub const DEFAULT_WARN_DAYS: i64 = 7;

/// Ordered from best to worst. UNKNOWN ranks above WARNING (a look that failed may hide a
/// breakage) and below CRITICAL (a breakage that was seen).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warning,
    Unknown,
    Critical,
}

impl Status {
    /// The first word of the text report, as Nagios, Icinga and Sensu read it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Unknown => "UNKNOWN",
            Status::Critical => "CRITICAL",
        }
    }

    /// The monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnKind {
    ApiKey,
    AppleId,
}

/// Reading an API key's private key, as the I/O layer found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRead {
    Readable,
    /// The reference leads nowhere usable (missing file or variable, no entry, not a .p8):
    /// CRITICAL, because no token can be signed with it until someone fixes it.
    Broken(String),
    /// The store could not be asked (the keyring is unreachable): UNKNOWN, it could not look.
    Unreachable(String),
}

/// `--live`: the connection test against App Store Connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLive {
    Working,
    /// 401, with the most likely cause first.
    Rejected(Vec<String>),
    /// 403: an agreement to accept (CRITICAL) or a role that lacks access (WARNING).
    Forbidden(super::signing::apple::AppleRefusal),
    Answered {
        status: u16,
        detail: String,
    },
    /// No answer (network, DNS, TLS, timeout).
    Unreachable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProbe {
    pub read: KeyRead,
    pub live: Option<KeyLive>,
}

/// `--live`: `session check` against Apple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLive {
    Alive,
    Dead,
    /// No session is stored (or it cannot be read).
    NotStored(String),
    /// Apple could not be asked.
    Unreachable(String),
}

/// `--refresh`: the trusted refresh, when it was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshResult {
    Refreshed,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppleIdProbe {
    pub live: Option<SessionLive>,
    pub refresh: Option<RefreshResult>,
}

/// One app's steps as its preview resolves them (step id, resolution), or why they could not be read.
#[derive(Debug, Clone)]
pub struct AppSteps {
    pub slug: String,
    pub steps: Result<Vec<(String, Resolution)>, String>,
}

/// Everything `diagnose` reads.
pub struct DoctorInput<'a> {
    pub workspace: &'a Workspace,
    pub now: DateTime<Utc>,
    pub warn_days: i64,
    /// `--app`: only this app and the connections it uses.
    pub only_app: Option<&'a str>,
    /// Per API key name; a key without a probe was not read (the TUI reads no secret).
    pub keys: &'a HashMap<String, KeyProbe>,
    pub apple_ids: &'a HashMap<String, AppleIdProbe>,
    pub apps: &'a [AppSteps],
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ConnFinding {
    pub kind: ConnKind,
    pub name: String,
    pub status: Status,
    pub expires_at: Option<String>,
    pub days_left: Option<i64>,
    pub apps: Vec<String>,
    /// What was found and what to do.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StepFinding {
    pub index: usize,
    pub step: String,
    pub outcome: Outcome,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AppFinding {
    pub slug: String,
    /// The app's title (Bitrise's, after a pull): what people know it by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub status: Status,
    /// The steps that fail or warn (the findings); ok and skipped steps are not listed.
    pub steps: Vec<StepFinding>,
    /// Only when the steps could not be read (a missing or invalid bitrise.yml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The whole report: the `--format json` contract, field for field.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema_version: SchemaVersion,
    pub now: String,
    pub status: Status,
    pub connections: Vec<ConnFinding>,
    pub apps: Vec<AppFinding>,
    /// `doctor --bitrise`: the API keys on Bitrise held against the workspace's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitrise: Option<BitriseFinding>,
    /// `doctor --signing`: each app's signing files and findings, as `apple-conn signing` shows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing: Option<Vec<super::signing::report::AppReport>>,
}

/// What Bitrise said about the uploaded API keys (or why it could not be asked: UNKNOWN).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BitriseFinding {
    pub status: Status,
    pub keys: Vec<super::bitrise_keys::KeyRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a finding points at (the TUI jumps there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    ApiKey(String),
    AppleId(String),
    App(String),
    /// A step of an app: its index in the app's steps as configured (the Preview's rows).
    Step {
        slug: String,
        index: usize,
    },
}

/// One line of the report: a status, what it is about, and the sentence saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub status: Status,
    pub target: Target,
    pub text: String,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A dead session is refreshed only while the trust cookie (the recorded expiry) still lives.
pub fn should_refresh(aid: &AppleId, now: DateTime<Utc>, live: Option<&SessionLive>) -> bool {
    matches!(live, Some(SessionLive::Dead)) && aid.session_expires_at().is_some_and(|e| e > now)
}

pub fn diagnose(input: &DoctorInput) -> Report {
    let ws = input.workspace;
    let scope = input.only_app.and_then(|slug| ws.app(slug));
    let in_scope = |slug: &str| input.only_app.is_none_or(|only| only == slug);
    let mut connections = Vec::new();
    for key in &ws.api_keys {
        if scope.is_some_and(|app| app.api_key.as_deref() != Some(key.name.as_str())) {
            continue;
        }
        let apps = ws
            .apps_using_api_key(&key.name)
            .into_iter()
            .filter(|s| in_scope(s))
            .map(str::to_string)
            .collect();
        connections.push(rate_api_key(key, input.keys.get(&key.name), apps));
    }
    for aid in &ws.apple_ids {
        if scope.is_some_and(|app| app.apple_id.as_deref() != Some(aid.apple_id.as_str())) {
            continue;
        }
        let apps = ws
            .apps_using_apple_id(&aid.apple_id)
            .into_iter()
            .filter(|s| in_scope(s))
            .map(str::to_string)
            .collect();
        let probe = input.apple_ids.get(&aid.apple_id);
        connections.push(rate_apple_id(aid, input.now, input.warn_days, probe, apps));
    }
    let quiet = notes_within_warn_days(ws, input.now, input.warn_days);
    let apps: Vec<AppFinding> = input
        .apps
        .iter()
        .filter(|a| in_scope(&a.slug))
        .map(|a| AppFinding {
            title: ws.app(&a.slug).and_then(|app| app.title.clone()),
            ..rate_app(a, &quiet)
        })
        .collect();
    let status = connections
        .iter()
        .map(|c| c.status)
        .chain(apps.iter().map(|a| a.status))
        .max()
        .unwrap_or(Status::Ok);
    Report {
        schema_version: SchemaVersion,
        now: rfc3339(input.now),
        status,
        connections,
        apps,
        bitrise: None,
        signing: None,
    }
}

/// `--app` names an app the workspace does not have: the message for UNKNOWN.
pub fn unknown_app(ws: &Workspace, slug: &str) -> Option<String> {
    if ws.app(slug).is_some() {
        return None;
    }
    let known: Vec<&str> = ws.apps.iter().map(|a| a.slug.as_str()).collect();
    Some(format!(
        "no app `{slug}` in the workspace: pass one of {}",
        if known.is_empty() {
            "(none yet)".to_string()
        } else {
            known.join(", ")
        }
    ))
}

fn rate_api_key(key: &ApiKey, probe: Option<&KeyProbe>, apps: Vec<String>) -> ConnFinding {
    let name = &key.name;
    let (status, detail) = match probe {
        None => (
            Status::Ok,
            "the private key was not read here: `apple-conn doctor` reads it".to_string(),
        ),
        Some(p) => match (&p.read, &p.live) {
            (KeyRead::Broken(e), _) => (
                Status::Critical,
                format!(
                    "cannot read the private key ({e}): no token can be signed; fix its reference (`apple-conn check --secrets` lists them)"
                ),
            ),
            (KeyRead::Unreachable(e), _) => (
                Status::Unknown,
                format!(
                    "could not look at the private key ({e}): run doctor where the keyring is reachable"
                ),
            ),
            (KeyRead::Readable, None) => (Status::Ok, "the private key is readable".to_string()),
            (KeyRead::Readable, Some(live)) => rate_key_live(name, live),
        },
    };
    ConnFinding {
        kind: ConnKind::ApiKey,
        name: name.clone(),
        status,
        expires_at: None,
        days_left: None,
        apps,
        detail,
    }
}

fn rate_key_live(name: &str, live: &KeyLive) -> (Status, String) {
    match live {
        KeyLive::Working => (
            Status::Ok,
            "working: App Store Connect accepted a token".to_string(),
        ),
        KeyLive::Rejected(causes) => (
            Status::Critical,
            format!(
                "App Store Connect rejected the token (401){}; `apple-conn test \"{name}\"` lists every likely cause",
                causes
                    .first()
                    .map(|c| format!(", most likely {c}"))
                    .unwrap_or_default()
            ),
        ),
        KeyLive::Forbidden(r) => (
            // No role fixes an unsigned agreement: every call fails until the Account Holder acts.
            if matches!(r, super::signing::apple::AppleRefusal::Agreement(_)) {
                Status::Critical
            } else {
                Status::Warning
            },
            r.advice("read apps"),
        ),
        KeyLive::Answered { status, detail } => (
            // A server error says nothing about the key: it could not look.
            if *status >= 500 {
                Status::Unknown
            } else {
                Status::Critical
            },
            format!(
                "App Store Connect answered {status}{}: run `apple-conn test \"{name}\"` again later",
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            ),
        ),
        KeyLive::Unreachable(e) => (
            Status::Unknown,
            format!("could not reach App Store Connect: {e}"),
        ),
    }
}

fn rate_apple_id(
    aid: &AppleId,
    now: DateTime<Utc>,
    warn_days: i64,
    probe: Option<&AppleIdProbe>,
    apps: Vec<String>,
) -> ConnFinding {
    let id = &aid.apple_id;
    let reauth = format!("`apple-conn reauth {id}`");
    let expires = aid.session_expires_at();
    let (mut status, mut detail) = match expires {
        None => (
            Status::Critical,
            format!("no 2FA session (never signed in with a code): run {reauth}"),
        ),
        Some(e) if e <= now => (
            Status::Critical,
            format!(
                "the 2FA session expired {} ago ({}): steps that use it fail; run {reauth} now",
                human_span(now - e),
                rfc3339(e)
            ),
        ),
        Some(e) if e - now <= Duration::days(warn_days) => (
            Status::Warning,
            format!(
                "the 2FA session expires in {} ({}): run {reauth} within {}",
                human_span(e - now),
                rfc3339(e),
                human_span(e - now)
            ),
        ),
        Some(e) => (
            Status::Ok,
            format!(
                "the 2FA session expires in {} ({})",
                human_span(e - now),
                rfc3339(e)
            ),
        ),
    };
    let refresh = probe.and_then(|p| p.refresh.as_ref());
    match (probe.and_then(|p| p.live.as_ref()), refresh) {
        (None, _) => {}
        (Some(SessionLive::Alive), Some(RefreshResult::Refreshed)) => {
            detail = format!(
                "Apple had ended the session; it was refreshed with the trust cookie and Apple accepts it again; {detail}"
            );
        }
        (Some(SessionLive::Alive), _) => {
            if status == Status::Ok {
                detail = format!("Apple accepts the session; {detail}");
            }
        }
        (Some(SessionLive::Dead), Some(RefreshResult::Failed(e))) => {
            status = Status::Critical;
            detail = format!(
                "Apple no longer accepts the session and the refresh with the trust cookie failed ({e}): run {reauth}"
            );
        }
        (Some(SessionLive::Dead), _) => {
            status = Status::Critical;
            let hint = if expires.is_some_and(|e| e > now) {
                " (or `apple-conn doctor --refresh` while the trust cookie lives)"
            } else {
                ""
            };
            detail = format!("Apple no longer accepts the session: run {reauth}{hint}");
        }
        (Some(SessionLive::NotStored(e)), _) => {
            status = Status::Critical;
            // The store's message already says what to do (reauth or import).
            detail = format!("cannot check the session with Apple: {e}");
        }
        (Some(SessionLive::Unreachable(e)), _) => {
            status = status.max(Status::Unknown);
            detail = format!("could not ask Apple about the session ({e}); {detail}");
        }
    }
    ConnFinding {
        kind: ConnKind::AppleId,
        name: id.clone(),
        status,
        expires_at: expires.map(rfc3339),
        days_left: expires.map(|e| (e - now).num_days()),
        apps,
        detail,
    }
}

/// The resolver warns of a session ending within its own 7 days; `--warn-days` decides here.
/// These are the exact notes (resolve.rs, the `ExpiringSoon` arm) that `--warn-days` silences.
fn notes_within_warn_days(ws: &Workspace, now: DateTime<Utc>, warn_days: i64) -> HashSet<String> {
    ws.apple_ids
        .iter()
        .filter_map(|aid| {
            let state = aid.session_state(now);
            let SessionState::ExpiringSoon { expires_at } = state else {
                return None;
            };
            (expires_at - now > Duration::days(warn_days)).then(|| {
                format!(
                    "the 2FA session of {} {}: re-authenticate soon (`apple-conn reauth {}`)",
                    aid.apple_id,
                    state.describe(now),
                    aid.apple_id
                )
            })
        })
        .collect()
}

/// A step warns when the step or apple-conn says so, leaving out what `--warn-days` silences.
fn step_warns(r: &Resolution, quiet: &HashSet<String>) -> bool {
    r.log.iter().any(|l| l.level >= Level::Warning)
        || r.notes
            .iter()
            .any(|n| n.level >= Level::Warning && !quiet.contains(&n.text))
}

fn rate_app(app: &AppSteps, quiet: &HashSet<String>) -> AppFinding {
    let steps = match &app.steps {
        Err(e) => {
            return AppFinding {
                slug: app.slug.clone(),
                title: None,
                status: Status::Unknown,
                steps: Vec::new(),
                detail: Some(format!(
                    "cannot read the app's steps ({e}): fix the file, then run doctor again"
                )),
            };
        }
        Ok(steps) => steps,
    };
    let findings: Vec<StepFinding> =
        steps
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| match r.outcome {
                Outcome::Fail => true,
                Outcome::Warning => step_warns(r, quiet),
                Outcome::Ok | Outcome::Skipped => false,
            })
            .map(|(index, (step, r))| {
                let mut reason = r.reason();
                // The step's own error says what breaks; apple-conn's note says what to do about it.
                if let Some(todo) = r.notes.iter().find(|n| {
                    n.level >= Level::Warning && n.text != reason && !quiet.contains(&n.text)
                }) {
                    reason = format!("{reason}; {}", todo.text);
                }
                StepFinding {
                    index,
                    step: step.clone(),
                    outcome: r.outcome,
                    reason,
                }
            })
            .collect();
    let status = if findings.iter().any(|f| f.outcome == Outcome::Fail) {
        Status::Critical
    } else if findings.is_empty() {
        Status::Ok
    } else {
        Status::Warning
    };
    AppFinding {
        slug: app.slug.clone(),
        title: None,
        status,
        steps: findings,
        detail: None,
    }
}

impl AppFinding {
    /// `news-ios (News)`: the slug, and the title beside it when it has one.
    pub fn label(&self) -> String {
        match self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => format!("{} ({t})", self.slug),
            None => self.slug.clone(),
        }
    }
}

impl Report {
    /// Adds what Bitrise said (`doctor --bitrise`): drift is a WARNING, not asking is UNKNOWN.
    pub fn add_bitrise(&mut self, probe: Result<Vec<super::bitrise_keys::KeyRow>, String>) {
        let finding = match probe {
            Ok(keys) => BitriseFinding {
                status: if keys.iter().all(|k| k.in_sync()) {
                    Status::Ok
                } else {
                    Status::Warning
                },
                keys,
                detail: None,
            },
            Err(why) => BitriseFinding {
                status: Status::Unknown,
                keys: Vec::new(),
                detail: Some(why),
            },
        };
        self.status = self.status.max(finding.status);
        self.bitrise = Some(finding);
    }

    /// Adds the signing findings (`doctor --signing`) to the status, the text and the webhook.
    pub fn add_signing(&mut self, apps: Vec<super::signing::report::AppReport>) {
        let worst = apps.iter().map(|a| a.status).max().unwrap_or(Status::Ok);
        self.status = self.status.max(worst);
        self.signing = Some(apps);
    }

    /// Every finding that is not OK, worst first (stable: workspace order within a status).
    pub fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        for a in self.signing.iter().flatten() {
            for f in &a.findings {
                out.push(Line {
                    status: f.severity,
                    target: Target::App(a.slug.clone()),
                    text: format!("signing: {} ({})", f.message, f.code.as_str()),
                });
            }
        }
        if let Some(b) = &self.bitrise {
            if let Some(d) = &b.detail {
                out.push(Line {
                    status: b.status,
                    target: Target::ApiKey(String::new()),
                    text: format!("Bitrise: cannot compare the API keys uploaded there: {d}"),
                });
            }
            for k in b.keys.iter().filter(|k| !k.in_sync()) {
                out.push(Line {
                    status: Status::Warning,
                    target: Target::ApiKey(
                        k.local_name
                            .clone()
                            .or(k.bitrise_name.clone())
                            .unwrap_or_default(),
                    ),
                    text: format!("Bitrise: {}", k.advice()),
                });
            }
        }
        for c in &self.connections {
            if c.status == Status::Ok {
                continue;
            }
            let (target, label) = match c.kind {
                ConnKind::ApiKey => (Target::ApiKey(c.name.clone()), "API key"),
                ConnKind::AppleId => (Target::AppleId(c.name.clone()), "Apple ID"),
            };
            out.push(Line {
                status: c.status,
                target,
                text: format!("{label} {}: {}", c.name, c.detail),
            });
        }
        for a in &self.apps {
            if let Some(d) = &a.detail {
                out.push(Line {
                    status: a.status,
                    target: Target::App(a.slug.clone()),
                    text: format!("app {}: {d}", a.label()),
                });
            }
            for s in &a.steps {
                let status = if s.outcome == Outcome::Fail {
                    Status::Critical
                } else {
                    Status::Warning
                };
                out.push(Line {
                    status,
                    target: Target::Step {
                        slug: a.slug.clone(),
                        index: s.index,
                    },
                    text: format!(
                        "app {}: step {} `{}` {}: {}",
                        a.label(),
                        s.index,
                        s.step,
                        if s.outcome == Outcome::Fail {
                            "fails"
                        } else {
                            "warns"
                        },
                        s.reason
                    ),
                });
            }
        }
        out.sort_by_key(|l| std::cmp::Reverse(l.status));
        out
    }

    /// The one-line summary after the status word.
    pub fn summary(&self) -> String {
        let keys = self
            .connections
            .iter()
            .filter(|c| c.kind == ConnKind::ApiKey)
            .count();
        let aids = self.connections.len() - keys;
        let looked = format!(
            "{} API key{}, {} Apple ID{}, {} app{}",
            keys,
            plural(keys),
            aids,
            plural(aids),
            self.apps.len(),
            plural(self.apps.len())
        );
        let lines = self.lines();
        if lines.is_empty() {
            return format!("{looked} checked; nothing to do");
        }
        let mut counts: Vec<String> = Vec::new();
        for s in [Status::Critical, Status::Unknown, Status::Warning] {
            let n = lines.iter().filter(|l| l.status == s).count();
            if n > 0 {
                let word = s.word().to_lowercase();
                let many = if n > 1 && s == Status::Warning {
                    "s"
                } else {
                    ""
                };
                counts.push(format!("{n} {word}{many}"));
            }
        }
        format!("{} in {looked}", counts.join(", "))
    }

    /// The text report: the status word and the summary, then one line per finding.
    pub fn text(&self) -> String {
        let mut out = format!("{}: {}\n", self.status.word(), self.summary());
        for l in self.lines() {
            out.push_str(&format!("{} {}\n", l.status.word(), l.text));
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(text: &str) -> Workspace {
        toml::from_str(text).unwrap()
    }

    const WS: &str = "version = 1\nyou = \"alice@example.com\"\n[[apple_ids]]\napple_id = \"alice@example.com\"\nsession_expires_at = 2026-11-28T12:00:00Z\n";

    fn report(w: &Workspace, now: &str, warn: i64, aids: &HashMap<String, AppleIdProbe>) -> Report {
        diagnose(&DoctorInput {
            workspace: w,
            now: now.parse().unwrap(),
            warn_days: warn,
            only_app: None,
            keys: &HashMap::new(),
            apple_ids: aids,
            apps: &[],
        })
    }

    #[test]
    fn session_rates_by_warn_days() {
        let w = ws(WS);
        let none = HashMap::new();
        let r = report(&w, "2026-11-25T12:00:00Z", 7, &none);
        assert_eq!(r.status, Status::Warning);
        assert_eq!(r.connections[0].days_left, Some(3));
        assert!(r.text().starts_with("WARNING: "), "{}", r.text());
        assert!(r.text().contains("within 3 days"), "{}", r.text());
        assert_eq!(
            report(&w, "2026-11-25T12:00:00Z", 2, &none).status,
            Status::Ok
        );
        assert_eq!(
            report(&w, "2026-11-29T12:00:00Z", 2, &none).status,
            Status::Critical
        );
    }

    #[test]
    fn a_dead_session_is_refreshed_only_while_the_trust_cookie_lives() {
        let w = ws(WS);
        let aid = &w.apple_ids[0];
        let before = "2026-11-20T12:00:00Z".parse().unwrap();
        let after = "2026-11-29T12:00:00Z".parse().unwrap();
        assert!(should_refresh(aid, before, Some(&SessionLive::Dead)));
        assert!(!should_refresh(aid, after, Some(&SessionLive::Dead)));
        assert!(!should_refresh(aid, before, Some(&SessionLive::Alive)));
        let mut probes = HashMap::new();
        probes.insert(
            "alice@example.com".to_string(),
            AppleIdProbe {
                live: Some(SessionLive::Dead),
                refresh: Some(RefreshResult::Failed("not here".into())),
            },
        );
        let r = report(&w, "2026-11-20T12:00:00Z", 7, &probes);
        assert_eq!(r.status, Status::Critical);
        assert!(r.connections[0].detail.contains("not here"));
    }

    #[test]
    fn unknown_ranks_between_warning_and_critical() {
        assert!(Status::Warning < Status::Unknown && Status::Unknown < Status::Critical);
        assert_eq!(Status::Unknown.exit_code(), 3);
        assert_eq!(Status::Critical.exit_code(), 2);
    }
}
