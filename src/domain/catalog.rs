//! The step catalog: data (catalog.toml) describing how each real step picks its auth.

use indexmap::IndexMap;
use serde::Deserialize;

/// The built-in catalog, embedded so the binary carries the rules it previews.
pub const BUILTIN_CATALOG: &str = include_str!("catalog.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// §2: the `connection` input and the ordered source walk.
    Connection,
    /// §3: fixed auth type plus the three-input API key override.
    CodeSigning,
    /// §4.5: the connection's Apple ID and nothing else.
    AppleIdOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    ConnectionApiKey,
    ConnectionAppleIdSession,
    ConnectionAppleId,
    InputApiKey,
    InputAppleId,
}

impl SourceKind {
    /// The five matrix columns, in display order.
    pub const ALL: [SourceKind; 5] = [
        SourceKind::ConnectionApiKey,
        SourceKind::ConnectionAppleIdSession,
        SourceKind::ConnectionAppleId,
        SourceKind::InputApiKey,
        SourceKind::InputAppleId,
    ];

    pub fn short(self) -> &'static str {
        match self {
            SourceKind::ConnectionApiKey => "C-API",
            SourceKind::ConnectionAppleIdSession => "C-AID+S",
            SourceKind::ConnectionAppleId => "C-AID",
            SourceKind::InputApiKey => "I-API",
            SourceKind::InputAppleId => "I-AID",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::ConnectionApiKey => "connection API key",
            SourceKind::ConnectionAppleIdSession => "connection Apple ID with session",
            SourceKind::ConnectionAppleId => "connection Apple ID",
            SourceKind::InputApiKey => "step-input API key",
            SourceKind::InputAppleId => "step-input Apple ID",
        }
    }

    pub fn is_connection(self) -> bool {
        matches!(
            self,
            SourceKind::ConnectionApiKey
                | SourceKind::ConnectionAppleIdSession
                | SourceKind::ConnectionAppleId
        )
    }

    pub fn is_api_key(self) -> bool {
        matches!(self, SourceKind::ConnectionApiKey | SourceKind::InputApiKey)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiredSession {
    Stop,
    Warn,
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnNothing {
    Fail,
    WarnAndRun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFault {
    Continue,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Validates {
    #[default]
    All,
    ApiKeyOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    #[default]
    Warning,
    Error,
}

/// What an auth input means to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputRole {
    Connection,
    ApiKeyPath,
    ApiIssuer,
    ApiKeyId,
    Enterprise,
    Username,
    Password,
    AppPassword,
    Team,
    MinProfileValidity,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthInput {
    pub role: InputRole,
    #[serde(default)]
    pub default: String,
    /// Accepted values; empty means any text.
    #[serde(default)]
    pub values: Vec<String>,
    /// Other spellings the step's parser accepts, mapped to a canonical value.
    #[serde(default)]
    pub aliases: IndexMap<String, String>,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receives {
    #[serde(default)]
    pub api_key: IndexMap<String, String>,
    /// Xcode-managed signing flags (code-signing steps that consider it).
    #[serde(default)]
    pub api_key_xcode: IndexMap<String, String>,
    #[serde(default)]
    pub apple_id: IndexMap<String, String>,
    /// Set whatever auth is chosen, also when none is (fastlane's FL_BUILDLOG_PATH).
    #[serde(default)]
    pub none: IndexMap<String, String>,
}

/// One step: the same schema serves the built-in catalog and `[[steps]]` in a workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    pub family: Family,
    #[serde(default)]
    pub tool: String,
    pub expired_session: ExpiredSession,
    pub on_nothing: OnNothing,
    pub on_fetch_error: OnFault,
    pub on_not_bitrise: OnFault,
    #[serde(default)]
    pub needs_provisioning: bool,
    #[serde(default)]
    pub xcode_signing: bool,
    #[serde(default)]
    pub validates: Validates,
    #[serde(default)]
    pub no_asp_warning: Option<String>,
    #[serde(default)]
    pub nothing_warning: Option<String>,
    #[serde(default)]
    pub nothing_log: Option<String>,
    #[serde(default)]
    pub select_error_prefix: Option<String>,
    #[serde(default)]
    pub selected_api_key_log: Option<String>,
    #[serde(default)]
    pub selected_apple_id_log: Option<String>,
    #[serde(default)]
    pub not_on_bitrise_log: Option<String>,
    #[serde(default)]
    pub empty_connection_level: LogLevel,
    #[serde(default)]
    pub inputs: Vec<String>,
    #[serde(default)]
    pub auth_inputs: IndexMap<String, AuthInput>,
    pub sources: IndexMap<String, Vec<SourceKind>>,
    #[serde(default)]
    pub receives: Receives,
}

impl StepDef {
    /// The input that selects the sources (`connection`, `automatic_code_signing`, ...).
    pub fn connection_input(&self) -> Option<(&str, &AuthInput)> {
        self.input_with_role(InputRole::Connection)
    }

    pub fn input_with_role(&self, role: InputRole) -> Option<(&str, &AuthInput)> {
        self.auth_inputs
            .iter()
            .find(|(_, i)| i.role == role)
            .map(|(n, i)| (n.as_str(), i))
    }

    /// Values the connection input cycles through (the matrix selector).
    pub fn connection_values(&self) -> Vec<String> {
        match self.connection_input() {
            Some((_, input)) => input.values.clone(),
            None => self.sources.keys().cloned().collect(),
        }
    }

    /// The source order for one (canonical) connection value.
    pub fn sources_for(&self, value: &str) -> Option<&[SourceKind]> {
        self.sources.get(value).map(Vec::as_slice)
    }

    /// Maps an accepted spelling to the canonical value, or None when the step rejects it.
    pub fn canonical_value<'a>(&'a self, input: &'a AuthInput, value: &'a str) -> Option<&'a str> {
        if input.values.is_empty() || input.values.iter().any(|v| v == value) {
            return Some(value);
        }
        input.aliases.get(value).map(String::as_str)
    }

    /// Whether the step declares an input of this name (bitrise.yml drops the others).
    pub fn declares_input(&self, name: &str) -> bool {
        self.inputs.iter().any(|i| i == name) || self.auth_inputs.contains_key(name)
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConnectionFamilyText {
    pub not_on_bitrise: String,
    pub unauthorized: String,
    pub empty_connection: String,
    pub nothing_found: String,
    pub expired: String,
    pub mixed_inputs: String,
    pub mixed_inputs_warning: String,
    pub missing_username: String,
    pub missing_password: String,
    pub missing_issuer: String,
    pub missing_key_path: String,
    pub input_error_prefix: String,
    pub select_error_prefix: String,
    pub selected_connection_api_key: String,
    pub selected_connection_apple_id: String,
    pub selected_input_api_key: String,
    pub selected_input_apple_id: String,
    pub selected_input_apple_id_fastlane: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CodeSigningFamilyText {
    pub fetching: String,
    pub unauthorized: String,
    pub disabled: String,
    #[serde(rename = "override")]
    pub override_: String,
    pub using_api_key: String,
    pub using_apple_id: String,
    pub not_connected: String,
    pub no_api_key: String,
    pub no_apple_id: String,
    pub expired: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AppleIdOnlyFamilyText {
    pub no_apple_id: String,
    pub no_password: String,
    pub not_on_bitrise: String,
    pub unauthorized: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Families {
    pub connection: ConnectionFamilyText,
    pub code_signing: CodeSigningFamilyText,
    pub apple_id_only: AppleIdOnlyFamilyText,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    families: Families,
    steps: Vec<StepDef>,
}

/// The steps the engine knows, built-in first and workspace `[[steps]]` over them.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub families: Families,
    pub steps: Vec<StepDef>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the built-in step catalog is invalid: {0}")]
    Builtin(String),
    #[error("step `{step}`: {message}")]
    Step { step: String, message: String },
}

impl Catalog {
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            toml::from_str(BUILTIN_CATALOG).map_err(|e| CatalogError::Builtin(e.to_string()))?;
        let catalog = Catalog {
            families: file.families,
            steps: file.steps,
        };
        for step in &catalog.steps {
            step_consistency(step).map_err(CatalogError::Builtin)?;
        }
        Ok(catalog)
    }

    /// The built-in catalog with user steps added or replacing same-id ones.
    pub fn with_overrides(mut self, extra: &[StepDef]) -> Result<Catalog, CatalogError> {
        for step in extra {
            step_consistency(step).map_err(|message| CatalogError::Step {
                step: step.id.clone(),
                message,
            })?;
            match self.steps.iter_mut().find(|s| s.id == step.id) {
                Some(existing) => *existing = step.clone(),
                None => self.steps.push(step.clone()),
            }
        }
        Ok(self)
    }

    pub fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.id.as_str())
    }
}

/// Checks a step definition for the mistakes that would make resolution meaningless.
pub fn step_consistency(step: &StepDef) -> Result<(), String> {
    if step.id.trim().is_empty() {
        return Err("`id` is empty: give the step id as in bitrise.yml".into());
    }
    match step.connection_input() {
        Some((name, input)) => {
            for value in &input.values {
                if !step.sources.contains_key(value) {
                    return Err(format!(
                        "input `{name}` accepts `{value}` but `sources` has no `{value}` entry"
                    ));
                }
            }
            if !input.values.is_empty() && !input.values.contains(&input.default) {
                return Err(format!(
                    "input `{name}` defaults to `{}`, which is not one of its values",
                    input.default
                ));
            }
        }
        None => {
            if !step.sources.contains_key("always") {
                return Err(
                    "no input has role = \"connection\", so `sources` needs an `always` entry"
                        .into(),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_with_all_nine_steps() {
        let catalog = Catalog::builtin().unwrap();
        let ids: Vec<_> = catalog.ids().collect();
        assert_eq!(
            ids,
            [
                "deploy-to-itunesconnect-deliver",
                "deploy-to-itunesconnect-application-loader",
                "fastlane",
                "ios-auto-provision-appstoreconnect",
                "ios-auto-provision",
                "xcode-archive",
                "export-xcarchive",
                "xcode-build-for-test",
                "manage-ios-code-signing",
            ]
        );
    }

    #[test]
    fn aliases_map_to_canonical_values() {
        let catalog = Catalog::builtin().unwrap();
        let step = catalog.step("ios-auto-provision-appstoreconnect").unwrap();
        let (_, input) = step.connection_input().unwrap();
        assert_eq!(step.canonical_value(input, "apple-id"), Some("apple_id"));
        assert_eq!(step.canonical_value(input, "false"), None);
    }
}
