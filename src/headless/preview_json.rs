//! The `preview --format json` contract (docs/schemas/preview.schema.json is generated from it).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;

use super::rfc3339;
use crate::domain::resolution::{AuthKind, Environment, Origin, Outcome, Resolution};
use crate::domain::schema_version::SchemaVersion;

/// The whole preview. The headless command streams it app by app (`PreviewHead` then each
/// `AppJson`), so the same shape is never held whole for a large workspace.
#[derive(Serialize, JsonSchema)]
pub struct PreviewJson {
    pub schema_version: SchemaVersion,
    pub now: String,
    pub environment: Environment,
    pub apps: Vec<AppJson>,
}

/// The fields before `apps`, in the contract's order.
#[derive(Serialize)]
pub struct PreviewHead {
    pub schema_version: SchemaVersion,
    pub now: String,
    pub environment: Environment,
}

#[derive(Serialize, JsonSchema)]
pub struct AppJson {
    pub slug: String,
    pub steps: Vec<StepJson>,
    /// What the build on Bitrise will lack though the steps look fine here: a pulled app's API
    /// key never uploaded to Bitrise (`apple-conn bitrise push` fixes it). Empty when nothing.
    pub warnings: Vec<String>,
    /// The app's bitrise.yml could not be read: why, and where. Its `steps` is then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "AppError")]
    pub error: Option<AppError>,
}

/// Why an app's steps could not be previewed (the other apps still are).
#[derive(Serialize, JsonSchema)]
pub struct AppError {
    pub message: String,
    /// The file at fault (the app's bitrise.yml, or a file it includes), when one is known.
    pub file: Option<String>,
    pub line: Option<usize>,
}

/// One step as the build would run it. A bitrise.yml step also has `workflow`, `ref`, `file`
/// and `line` (all four, or none).
#[derive(Serialize, JsonSchema)]
#[schemars(extend("dependentRequired" = {
    "workflow": ["ref", "file", "line"],
    "ref": ["workflow", "file", "line"],
    "file": ["workflow", "ref", "line"],
    "line": ["workflow", "ref", "file"]
}))]
pub struct StepJson {
    /// The step's place in the app's run (0-based, across workflows).
    pub index: usize,
    pub step: String,
    pub outcome: Outcome,
    pub auth: Option<AuthKind>,
    /// Where the auth comes from: the Bitrise connection or the step's own inputs (null: none).
    pub source: Option<Origin>,
    pub identity: Option<String>,
    pub session_expires_at: Option<String>,
    /// The env vars and arguments the step hands to its tool (secrets `***`).
    pub receives: IndexMap<String, String>,
    pub messages: Vec<String>,
    /// A signing step's signing line: what its certificates and profiles must be (issue 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing: Option<String>,
    /// Only for a step read from a bitrise.yml: where it is written.
    #[serde(flatten)]
    pub at: Option<StepAt>,
}

/// Where a bitrise.yml step is written, and the workflow it runs in.
#[derive(Serialize, JsonSchema)]
pub struct StepAt {
    pub workflow: String,
    /// The step reference as written (`deploy-to-itunesconnect-deliver@2`).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The file the step is written in (an included file for a modular config).
    pub file: String,
    pub line: usize,
    /// Whether the CLI runs it: the run_if that decides, its verdict and the values read (null:
    /// no run_if, it runs).
    pub run_if: Option<crate::bitrise::run_if::RunIf>,
    /// One line for people: why the step is skipped, fails, or may not run.
    pub run_if_reason: Option<String>,
    /// In a pipeline: the stage's and the pipeline workflow's `run_if` (decided by the Bitrise
    /// backend before the workflow starts), already part of `run_if` (null: none, or no pipeline).
    pub pipeline_run_if: Option<crate::bitrise::run_if::RunIf>,
}

/// The app's `warnings`, read from the workspace alone (no live look at Bitrise).
pub fn app_warnings(
    ws: &crate::domain::workspace::Workspace,
    app: &crate::domain::workspace::App,
    env: Environment,
) -> Vec<String> {
    crate::domain::bitrise_keys::unuploaded_key_warning(ws, app, env, None)
        .into_iter()
        .collect()
}

pub fn step_json(index: usize, step: &str, r: &Resolution) -> StepJson {
    StepJson {
        index,
        step: step.to_string(),
        outcome: r.outcome,
        auth: r.auth,
        source: r.origin,
        identity: r.identity.clone(),
        session_expires_at: r.session_expires_at.map(rfc3339),
        receives: r
            .receives
            .iter()
            .map(|(k, v)| (k.clone(), v.redacted()))
            .collect(),
        messages: r.messages(),
        signing: r.signing.clone(),
        at: None,
    }
}
