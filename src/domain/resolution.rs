//! What a resolution says: the outcome, the chosen auth, the walk, what the step receives.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::catalog::SourceKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// On bitrise.io: the connection is fetched.
    Bitrise,
    /// A local run: no BITRISE_BUILD_URL, so no connection.
    Local,
    /// A public app's PR build: the fetch answers 401.
    PublicPr,
}

impl Environment {
    pub const ALL: [Environment; 3] = [
        Environment::Bitrise,
        Environment::Local,
        Environment::PublicPr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Bitrise => "bitrise",
            Environment::Local => "local",
            Environment::PublicPr => "public-pr",
        }
    }

    pub fn parse(text: &str) -> Option<Environment> {
        Environment::ALL.into_iter().find(|e| e.as_str() == text)
    }

    pub fn next(self) -> Environment {
        match self {
            Environment::Bitrise => Environment::Local,
            Environment::Local => Environment::PublicPr,
            Environment::PublicPr => Environment::Bitrise,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Skipped,
    Warning,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Warning => "warning",
            Outcome::Fail => "fail",
            Outcome::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    ApiKey,
    AppleId,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::ApiKey => "api_key",
            AuthKind::AppleId => "apple_id",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Connection,
    StepInputs,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Connection => "connection",
            Origin::StepInputs => "step_inputs",
        }
    }
}

/// What happened to one source during the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Chosen,
    NotConfigured,
    /// The source returned an error: the walk stops here.
    Stopped,
    /// An earlier source decided the walk.
    NotTried,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkEntry {
    pub source: SourceKind,
    pub verdict: Verdict,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub text: String,
}

/// Which secret a received value carries; the value itself is never in a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretWhat {
    PrivateKey,
    Password,
    AppSpecificPassword,
    /// `FASTLANE_SESSION` from the idmsa cookies.
    Session,
    /// ios-auto-provision: every cookie group, not only idmsa.
    SessionAllCookies,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOwner {
    ApiKey(String),
    AppleId(String),
    /// A secret written into a step input in the workspace itself.
    Input(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Text(String),
    Secret {
        what: SecretWhat,
        of: SecretOwner,
    },
    /// A `$VAR` the build defines (secrets, BITRISEIO_*, earlier steps).
    BuildTime(String),
    /// The step unsets this variable before running its tool.
    Unset,
    /// The path of a file the step writes from this connection's key for a tool that reads it
    /// by path (fastlane's API key JSON, xcodebuild's `.p8`): shown as `shown`
    /// (`<api_key.json>`, `<tmp AuthKey_…_*.p8>`); `env --reveal` writes the file.
    KeyFile {
        of: SecretOwner,
        format: KeyFileFormat,
        shown: String,
    },
}

/// What a `Received::KeyFile` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFileFormat {
    /// The API key JSON fastlane reads as `api_key_path` (`export fastlane`'s document).
    FastlaneJson,
    /// The `.p8` itself (`xcodebuild -authenticationKeyPath`).
    P8,
}

/// How the API key JSON a step writes for fastlane is named in the catalog and shown.
pub const KEY_JSON: &str = "<api_key.json>";

impl Received {
    /// The value as shown to people: secrets masked, build-time values named.
    pub fn redacted(&self) -> String {
        match self {
            Received::Text(t) => t.clone(),
            Received::Secret { .. } => "***".into(),
            Received::BuildTime(var) => format!("{var} (set at build time)"),
            Received::Unset => "<unset>".into(),
            Received::KeyFile { shown, .. } => shown.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub outcome: Outcome,
    pub auth: Option<AuthKind>,
    pub origin: Option<Origin>,
    pub source: Option<SourceKind>,
    pub identity: Option<String>,
    pub session_expires_at: Option<DateTime<Utc>>,
    /// The connection-input value the walk used (canonical), when the step has one.
    pub connection_value: Option<String>,
    pub receives: Vec<(String, Received)>,
    pub walk: Vec<WalkEntry>,
    /// What the real step would print.
    pub log: Vec<LogLine>,
    /// apple-conn's own findings.
    pub notes: Vec<Note>,
    /// Why the build would not run this step at all (`run_if …` and the values that decided
    /// it): the preview prints `skipped: <this>` under the step.
    pub skipped_because: Option<String>,

    /// A signing step: what its certificates and profiles must be (`preview`'s signing line).
    pub signing: Option<String>,
}

impl Resolution {
    /// The `messages` of the preview: the step's warnings and errors, then our notes.
    pub fn messages(&self) -> Vec<String> {
        self.log
            .iter()
            .filter(|l| l.level >= Level::Warning)
            .map(|l| l.text.clone())
            .chain(self.notes.iter().map(|n| n.text.clone()))
            .collect()
    }

    /// One line saying why the outcome is what it is.
    pub fn reason(&self) -> String {
        if let Some(line) = self.log.iter().rev().find(|l| l.level == Level::Error) {
            return line.text.clone();
        }
        if let Some(note) = self.notes.iter().find(|n| n.level >= Level::Warning) {
            return note.text.clone();
        }
        if let Some(line) = self.log.iter().find(|l| l.level == Level::Warning) {
            return line.text.clone();
        }
        self.log.last().map(|l| l.text.clone()).unwrap_or_default()
    }
}
