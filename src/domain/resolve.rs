//! The source walk: (workspace, app, step, environment, now) -> Resolution. Pure.
//! Mirrors bitrise-steps-auth.md §2 (appleauth), §3 (codesign) and §4.5 (ios-auto-provision).

use chrono::{DateTime, Utc};
use indexmap::IndexMap;

use super::catalog::{
    Catalog, ExpiredSession, Family, InputRole, LogLevel, OnFault, OnNothing, SourceKind, StepDef,
    Validates,
};
use super::key_file::key_id_from_file_name;
use super::resolution::*;
use super::workspace::{ApiKey, App, AppleId, KeyKind, SessionState, StepUse, Workspace};

mod apple_id_only;
mod apply;
mod code_signing;
mod connection;

/// Resolves one step of one app. `now` decides session expiry; nothing else reads a clock.
pub fn resolve(
    ws: &Workspace,
    catalog: &Catalog,
    app: &App,
    step_use: &StepUse,
    env: Environment,
    now: DateTime<Utc>,
) -> Resolution {
    let mut r = resolve_auth(ws, catalog, app, step_use, env, now);
    // A signing step also says what its signing files must be (issue 30).
    r.signing = super::signing::steps::preview_line(ws, catalog, app, step_use);
    r
}

fn resolve_auth(
    ws: &Workspace,
    catalog: &Catalog,
    app: &App,
    step_use: &StepUse,
    env: Environment,
    now: DateTime<Utc>,
) -> Resolution {
    let (id, version) = step_use.step_ref();
    let Some((step, version_note)) = catalog.step_at(id, version) else {
        let mut r = Walk::new(ws, catalog, app, step_use, env, now, None);
        r.note(
            Level::Info,
            format!("{id} is not a step apple-conn models: it uses no Apple auth"),
        );
        return r.finish_skipped();
    };
    let mut walk = Walk::new(ws, catalog, app, step_use, env, now, Some(step));
    walk.begin(step, version_note);
    if walk.res.outcome == Outcome::Fail {
        return walk.res;
    }
    match step.family {
        Family::Connection => walk.connection_family(step),
        Family::CodeSigning => walk.code_signing_family(step),
        Family::AppleIdOnly => walk.apple_id_only_family(step),
    }
}

/// The connection Bitrise would hand this app's build.
#[derive(Clone, Copy)]
struct Connection<'a> {
    api_key: Option<&'a ApiKey>,
    apple_id: Option<&'a AppleId>,
}

/// The key ID an input API key is used with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyId {
    /// From `AuthKey_<ID>.p8` in the file name, or the `api_key_id` input.
    Named(String),
    /// appleauth (go-xcode v1 key_helper.go): a file name without the pattern gives "Bitrise".
    Fallback,
}

impl KeyId {
    const FALLBACK: &'static str = "Bitrise";

    fn from_file_name(path: &str) -> KeyId {
        key_id_from_file_name(path).map_or(KeyId::Fallback, KeyId::Named)
    }

    fn as_str(&self) -> &str {
        match self {
            KeyId::Named(id) => id,
            KeyId::Fallback => KeyId::FALLBACK,
        }
    }
}

/// The chosen credentials, before they are turned into what the step receives.
enum Chosen<'a> {
    ConnectionKey(&'a ApiKey),
    InputKey {
        key_id: KeyId,
        issuer: String,
        path: String,
        enterprise: bool,
    },
    ConnectionAppleId {
        aid: &'a AppleId,
        with_session: bool,
        app_password_input: String,
    },
    InputAppleId {
        username: String,
        password: String,
        app_password: String,
    },
}

struct Walk<'a> {
    ws: &'a Workspace,
    catalog: &'a Catalog,
    app: &'a App,
    step_use: &'a StepUse,
    env: Environment,
    now: DateTime<Utc>,
    step: Option<&'a StepDef>,
    res: Resolution,
    /// A failure the step meets after the walk (portal sign-in): applied by `finish`.
    pending_fail: Option<String>,
}

fn is_build_time(value: &str) -> bool {
    value.contains('$')
}

impl<'a> Walk<'a> {
    fn new(
        ws: &'a Workspace,
        catalog: &'a Catalog,
        app: &'a App,
        step_use: &'a StepUse,
        env: Environment,
        now: DateTime<Utc>,
        step: Option<&'a StepDef>,
    ) -> Self {
        Walk {
            ws,
            catalog,
            app,
            step_use,
            env,
            now,
            step,
            res: Resolution {
                outcome: Outcome::Ok,
                auth: None,
                origin: None,
                source: None,
                identity: None,
                session_expires_at: None,
                connection_value: None,
                receives: Vec::new(),
                walk: Vec::new(),
                log: Vec::new(),
                notes: Vec::new(),
                skipped_because: None,

                signing: None,
            },
            pending_fail: None,
        }
    }

    /// Phase 1: what the step prints before anything else (deprecation) and the version notes.
    fn begin(&mut self, step: &StepDef, version_note: Option<String>) {
        if let Some(note) = version_note {
            self.note(Level::Warning, note);
        }
        if let Some(note) = &step.version_note {
            self.note(Level::Info, note.clone());
        }
        if let Some(banner) = &step.deprecation_log {
            self.log(Level::Warning, banner.clone());
            let date = step.removal_date.as_deref().unwrap_or("an announced date");
            let instead = step
                .replaced_by
                .as_deref()
                .map(|r| format!("; replace it with {r}, or the automatic code signing of xcode-archive, export-xcarchive and xcode-build-for-test"))
                .unwrap_or_default();
            self.note(
                Level::Warning,
                format!(
                    "{} is deprecated: the StepLib lists it for removal on {date}{instead}",
                    step.id
                ),
            );
        }
    }

    /// Phase 2: the step's own checks before any auth; Err(()) after failing the resolution.
    fn preconditions(&mut self, step: &StepDef, value: &str) -> Result<(), ()> {
        let given = &self.step_use.inputs;
        let declared = |name: &String| {
            step.input_specs.is_empty()
                || step.input_specs.contains_key(name)
                || given.contains_key(name)
        };
        let filled = |name: &String| !step.input_value(given, name).trim().is_empty();
        let literal = |name: &String| {
            let v = step.input_value(given, name).trim();
            !v.is_empty() && (!is_build_time(v) || self.step_use.literal.contains(name))
        };
        for pre in &step.preconditions {
            if pre.unless.iter().any(|u| u == value) {
                continue;
            }
            let broken = if let Some(name) = &pre.required {
                declared(name) && !filled(name)
            } else if !pre.one_of.is_empty() {
                let members: Vec<&String> = pre.one_of.iter().filter(|n| declared(n)).collect();
                !members.is_empty() && !members.iter().any(|n| filled(n))
            } else {
                let members: Vec<&String> =
                    pre.exactly_one_of.iter().filter(|n| declared(n)).collect();
                let set = members.iter().filter(|n| filled(n)).count();
                let sure = members.iter().filter(|n| literal(n)).count();
                !members.is_empty() && (set == 0 || sure > 1)
            };
            if broken {
                self.note(
                    Level::Error,
                    "the step stops on its inputs before it looks at any Apple auth: an input set to \"\" stays empty, an absent one takes its step.yml default",
                );
                self.log(Level::Error, pre.message.clone());
                self.res.outcome = Outcome::Fail;
                return Err(());
            }
        }
        Ok(())
    }

    fn log(&mut self, level: Level, text: impl Into<String>) {
        self.res.log.push(LogLine {
            level,
            text: text.into(),
        });
    }

    fn note(&mut self, level: Level, text: impl Into<String>) {
        self.res.notes.push(Note {
            level,
            text: text.into(),
        });
    }

    fn walked(&mut self, source: SourceKind, verdict: Verdict, why: impl Into<String>) {
        self.res.walk.push(WalkEntry {
            source,
            verdict,
            why: why.into(),
        });
    }

    /// The raw input value as the step receives it: the workspace's, else the step default.
    fn input_raw(&self, role: InputRole) -> String {
        let Some(step) = self.step else {
            return String::new();
        };
        match step.input_with_role(role) {
            Some((name, def)) => self
                .step_use
                .inputs
                .get(name)
                .cloned()
                .unwrap_or_else(|| def.default.clone()),
            None => String::new(),
        }
    }

    fn input_name(&self, role: InputRole) -> String {
        self.step
            .and_then(|s| s.input_with_role(role))
            .map(|(n, _)| n.to_string())
            .unwrap_or_default()
    }

    fn app_connection(&self) -> Connection<'a> {
        let ws: &'a Workspace = self.ws;
        Connection {
            api_key: self.app.api_key.as_deref().and_then(|n| ws.api_key(n)),
            apple_id: self.app.apple_id.as_deref().and_then(|a| ws.apple_id(a)),
        }
    }

    fn fail(mut self, text: impl Into<String>) -> Resolution {
        self.failed(text);
        self.res
    }

    /// Fails the resolution in place: a phase that stops the step calls this and returns.
    fn failed(&mut self, text: impl Into<String>) {
        self.log(Level::Error, text);
        self.res.outcome = Outcome::Fail;
        self.res.auth = None;
        self.res.origin = None;
        self.res.source = None;
        self.res.identity = None;
        self.res.session_expires_at = None;
        self.res.receives.clear();
    }

    fn finish_skipped(mut self) -> Resolution {
        self.res.outcome = Outcome::Skipped;
        self.res
    }

    fn finish(mut self) -> Resolution {
        self.settle();
        self.res
    }

    /// The outcome from what was logged and noted (and a failure the step meets later).
    fn settle(&mut self) {
        if let Some(text) = self.pending_fail.take() {
            self.failed(text);
            return;
        }
        let warned = self.res.log.iter().any(|l| l.level >= Level::Warning)
            || self.res.notes.iter().any(|n| n.level >= Level::Warning);
        self.res.outcome = if warned {
            Outcome::Warning
        } else {
            Outcome::Ok
        };
    }

    fn mark_rest_not_tried(&mut self, rest: &[SourceKind]) {
        for s in rest {
            self.walked(
                *s,
                Verdict::NotTried,
                "not tried: an earlier source decided the walk",
            );
        }
    }

    /// The connection value both families start from; None once the resolution is settled.
    fn begin_value(&mut self, step: &StepDef) -> Option<String> {
        match self.connection_value(step) {
            Ok(v) => {
                self.res.connection_value = Some(v.clone());
                Some(v)
            }
            Err(()) => {
                if self.res.notes.iter().any(|n| n.level == Level::Error) {
                    let name = self.input_name(InputRole::Connection);
                    let raw = self.input_raw(InputRole::Connection);
                    self.failed(format!("Issue with input: invalid {name} value: {raw}"));
                } else {
                    self.settle();
                }
                None
            }
        }
    }

    /// The connection-input value, canonical; Err(resolution) when the step stops on it.
    fn connection_value(&mut self, step: &StepDef) -> Result<String, ()> {
        let Some((name, input)) = step.connection_input() else {
            return Ok("always".to_string());
        };
        let raw = self
            .step_use
            .inputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| input.default.clone());
        let trimmed = raw.trim();
        // A `$` kept as text (bitrise.yml `is_expand: false`) is what the step checks.
        if is_build_time(trimmed) && !self.step_use.literal.iter().any(|n| n == name) {
            self.note(
                Level::Warning,
                format!(
                    "{name} is `{trimmed}`, set at build time: apple-conn can't tell which sources the step tries; set a literal value to preview it"
                ),
            );
            return Err(());
        }
        match step.canonical_value(input, trimmed) {
            Some(v) => Ok(v.to_string()),
            None => {
                let hint = if matches!(trimmed, "false" | "true") {
                    " (an unquoted off/on/yes/no in bitrise.yml reaches the step as false/true: quote it)"
                } else {
                    ""
                };
                self.note(
                    Level::Error,
                    format!(
                        "{name} = \"{trimmed}\" is not one of {}{hint}",
                        input.values.join(", ")
                    ),
                );
                Err(())
            }
        }
    }
}

/// go-xcode@v1.0.16 devportalservice.go:84-93: an API-key part with an empty field fails the
/// whole fetch, one message per field (the response itself is not repeated here: it holds the key).
fn fetch_error(conn: &Connection) -> Option<String> {
    let key = conn.api_key?;
    let field = if key.issuer_id.as_deref().unwrap_or("").is_empty() {
        "issuer_id"
    } else if key.key_id.is_empty() {
        "key_id"
    } else {
        return None;
    };
    Some(format!(
        "invalid authentication credentials, empty {field} in response (…)"
    ))
}

fn level_of(level: LogLevel) -> Level {
    match level {
        LogLevel::Warning => Level::Warning,
        LogLevel::Error => Level::Error,
    }
}

fn sources_have_session(step: &StepDef) -> bool {
    step.sources
        .values()
        .flatten()
        .any(|s| *s == SourceKind::ConnectionAppleIdSession)
}

fn missing_part(fetch_note: &str, what: &str) -> String {
    if fetch_note.is_empty() {
        format!("the connection has no {what}")
    } else if fetch_note.ends_with(" has no") {
        format!("{fetch_note} {what} connection")
    } else {
        fetch_note.to_string()
    }
}

/// Go's default time format, as the steps print `valid until <date>`.
fn go_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
}
