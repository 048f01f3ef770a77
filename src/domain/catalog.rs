//! The step catalog: data (catalog.toml) describing how each real step picks its auth.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::steplib::{self, InputSpec, StepHistory};
use super::version::{self, Version};

/// The built-in catalog's source of truth. The binary carries it compiled (build.rs checks it
/// and turns it, with steplib.toml, into JSON that parses ~10× faster than TOML).
pub const BUILTIN_CATALOG: &str = include_str!("catalog.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// §2: the `connection` input and the ordered source walk.
    Connection,
    /// §3: fixed auth type plus the three-input API key override.
    CodeSigning,
    /// §4.5: the connection's Apple ID and nothing else.
    AppleIdOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiredSession {
    Stop,
    Warn,
    Ignore,
    /// go-xcode/v2 before alpha.38: no check and no warning; spaceship's sign-in then fails.
    Unchecked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnNothing {
    Fail,
    WarnAndRun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFault {
    Continue,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Validates {
    #[default]
    All,
    ApiKeyOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    #[default]
    Warning,
    Error,
}

/// What an auth input means to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// Checks the step makes before any auth (stepconf `required`, its own `validate()`).
    #[serde(default)]
    pub preconditions: Vec<Precondition>,
    /// Inputs renamed at a version: the old name is ignored from then on.
    #[serde(default)]
    pub renamed: Vec<Rename>,
    /// Behaviour of older versions, newest last: each applies to versions below `until`.
    #[serde(default)]
    pub eras: Vec<Era>,
    /// The step that replaces a deprecated one (the StepLib's step-info.yml gives the date).
    #[serde(default)]
    pub replaced_by: Option<String>,
    #[serde(default)]
    pub removal_date: Option<String>,
    /// The step's banner printed on every run when deprecated.
    #[serde(default)]
    pub deprecation_log: Option<String>,
    /// How the step logs a failed connection fetch (deliver, loader: error; fastlane: warning).
    #[serde(default)]
    pub fetch_error_level: LogLevel,
    /// The not-on-bitrise warning is printed before the `connection != off` test (deliver,
    /// loader, fastlane), so also with `off`.
    #[serde(default)]
    pub not_on_bitrise_always: bool,
    /// The empty-connection text is printed only when no source matched (fastlane).
    #[serde(default)]
    pub empty_connection_only_on_nothing: bool,
    /// The step.yml inputs of this version (defaults, value options), from steplib.toml.
    #[serde(skip)]
    pub input_specs: IndexMap<String, InputSpec>,
    /// What apple-conn says about this version range (an era's note).
    #[serde(skip)]
    pub version_note: Option<String>,
}

/// A check before auth. `unless` lists connection-input values that skip it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Precondition {
    #[serde(default)]
    pub required: Option<String>,
    #[serde(default)]
    pub one_of: Vec<String>,
    #[serde(default)]
    pub exactly_one_of: Vec<String>,
    #[serde(default)]
    pub unless: Vec<String>,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub from: String,
    pub to: String,
    #[serde(rename = "in")]
    pub in_version: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Era {
    pub until: String,
    #[serde(default)]
    pub sources: Option<IndexMap<String, Vec<SourceKind>>>,
    #[serde(default)]
    pub expired_session: Option<ExpiredSession>,
    #[serde(default)]
    pub preconditions: Option<Vec<Precondition>>,
    #[serde(default)]
    pub note: Option<String>,
}

impl StepDef {
    /// The value a step receives for an input: the given one, else its step.yml default.
    pub fn input_value<'a>(&'a self, given: &'a IndexMap<String, String>, name: &str) -> &'a str {
        match given.get(name) {
            Some(v) => v,
            None => self
                .input_specs
                .get(name)
                .map(|s| s.default.as_str())
                .or_else(|| self.auth_inputs.get(name).map(|i| i.default.as_str()))
                .unwrap_or(""),
        }
    }

    /// "renamed to `x` in 4.0.0" when `name` is an older name of an input of this version.
    pub fn rename_hint(&self, name: &str) -> Option<String> {
        let this = self.version.as_deref().and_then(Version::parse);
        self.renamed.iter().find_map(|r| {
            let since = Version::parse(&r.in_version)?;
            if r.from == name && this.is_none_or(|v| v >= since) {
                Some(format!("renamed to `{}` in {}", r.to, r.in_version))
            } else if r.to == name && this.is_some_and(|v| v < since) {
                Some(format!(
                    "it is called `{}` before {} (renamed in {})",
                    r.from, r.in_version, r.in_version
                ))
            } else {
                None
            }
        })
    }

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

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
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
    pub fetch_failed: String,
    pub read_more: String,
    pub status_401: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
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
    pub fetch_failed: String,
    pub read_more: String,
    pub status_401: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AppleIdOnlyFamilyText {
    pub no_apple_id: String,
    pub no_password: String,
    pub not_on_bitrise: String,
    pub unauthorized: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Families {
    pub connection: ConnectionFamilyText,
    pub code_signing: CodeSigningFamilyText,
    pub apple_id_only: AppleIdOnlyFamilyText,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    families: Families,
    steps: Vec<StepDef>,
}

/// The steps the engine knows, built-in first and workspace `[[steps]]` over them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub families: Families,
    /// Each step at its newest published version.
    pub steps: Vec<StepDef>,
    /// Every published version of the built-in steps, grouped in ranges that behave alike.
    versions: Vec<StepVersions>,
}

#[derive(Debug, Clone)]
struct StepVersions {
    id: String,
    published: Vec<Version>,
    variants: Vec<(Version, Version, StepDef)>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the built-in step catalog is invalid: {0}")]
    Builtin(String),
    #[error("step `{step}`: {message}")]
    Step { step: String, message: String },
}

/// The built-in catalog's two sources, as build.rs stores them for the binary.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Sources {
    catalog: CatalogFile,
    steplib: steplib::File,
}

impl Sources {
    fn from_toml(catalog: &str, steplib: &str) -> Result<Sources, CatalogError> {
        Ok(Sources {
            catalog: toml::from_str(catalog).map_err(|e| CatalogError::Builtin(e.to_string()))?,
            steplib: toml::from_str(steplib)
                .map_err(|e| CatalogError::Builtin(format!("steplib.toml: {e}")))?,
        })
    }
}

impl Catalog {
    /// The built-in catalog from the data build.rs compiled (and checked) from its TOML.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let sources: Sources = serde_json::from_str(super::catalog_data::BUILTIN_JSON)
            .map_err(|e| CatalogError::Builtin(e.to_string()))?;
        Catalog::from_sources(sources)
    }

    /// The catalog straight from TOML text: what build.rs checks, and what the test compares
    /// `builtin()` with.
    pub fn from_toml(catalog: &str, steplib: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_sources(Sources::from_toml(catalog, steplib)?)
    }

    /// The JSON build.rs writes: the TOML's data, checked by building the whole catalog from it.
    pub fn compile_sources(catalog: &str, steplib: &str) -> Result<String, CatalogError> {
        let sources = Sources::from_toml(catalog, steplib)?;
        let json =
            serde_json::to_string(&sources).map_err(|e| CatalogError::Builtin(e.to_string()))?;
        // What the binary will do with it, so `builtin()` cannot fail at run time.
        let again: Sources =
            serde_json::from_str(&json).map_err(|e| CatalogError::Builtin(e.to_string()))?;
        Catalog::from_sources(again)?;
        Ok(json)
    }

    fn from_sources(sources: Sources) -> Result<Catalog, CatalogError> {
        let file = sources.catalog;
        let histories = steplib::fold(sources.steplib).map_err(CatalogError::Builtin)?;
        let mut steps = Vec::new();
        let mut versions = Vec::new();
        for base in file.steps {
            match histories.iter().find(|h| h.id == base.id) {
                Some(history) => {
                    let v = variants(&base, history)?;
                    let newest = v
                        .variants
                        .last()
                        .map(|(_, _, d)| d.clone())
                        .ok_or_else(|| {
                            CatalogError::Builtin(format!("{}: no versions", base.id))
                        })?;
                    steps.push(newest);
                    versions.push(v);
                }
                None => steps.push(base),
            }
        }
        for step in steps.iter().chain(
            versions
                .iter()
                .flat_map(|v| v.variants.iter().map(|(_, _, d)| d)),
        ) {
            step_consistency(step).map_err(|e| {
                CatalogError::Builtin(format!(
                    "{} {}: {e}",
                    step.id,
                    step.version.as_deref().unwrap_or("")
                ))
            })?;
        }
        Ok(Catalog {
            families: file.families,
            steps,
            versions,
        })
    }

    /// The step as `reference` (`2`, `2.19`, `2.19.0`, empty = newest) runs it, with a note when
    /// the reference names no published version. Workspace steps have one definition.
    pub fn step_at(&self, id: &str, reference: &str) -> Option<(&StepDef, Option<String>)> {
        let Some(versions) = self.versions.iter().find(|v| v.id == id) else {
            return self.step(id).map(|s| (s, None));
        };
        let picked = version::pick(id, &versions.published, reference)?;
        let def = versions
            .variants
            .iter()
            .find(|(from, to, _)| *from <= picked.version && picked.version <= *to)
            .map(|(_, _, d)| d)?;
        Some((def, picked.note))
    }

    /// The published versions of a built-in step, oldest first.
    pub fn published(&self, id: &str) -> &[Version] {
        self.versions
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.published.as_slice())
            .unwrap_or(&[])
    }

    /// The built-in catalog with user steps added or replacing same-id ones.
    pub fn with_overrides(self, extra: &[StepDef]) -> Result<Catalog, CatalogError> {
        for step in extra {
            step_consistency(step).map_err(|message| CatalogError::Step {
                step: step.id.clone(),
                message,
            })?;
        }
        Ok(self.with_checked_overrides(extra))
    }

    /// `with_overrides` for steps already through `step_consistency`.
    pub fn with_checked_overrides(mut self, extra: &[StepDef]) -> Catalog {
        for step in extra {
            self.versions.retain(|v| v.id != step.id);
            match self.steps.iter_mut().find(|s| s.id == step.id) {
                Some(existing) => *existing = step.clone(),
                None => self.steps.push(step.clone()),
            }
        }
        self
    }

    pub fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.id.as_str())
    }
}

/// Splits the published versions into ranges with the same inputs and the same era.
fn variants(base: &StepDef, history: &StepHistory) -> Result<StepVersions, CatalogError> {
    let mut eras: Vec<(Version, &Era)> = Vec::new();
    for era in &base.eras {
        let until = Version::parse(&era.until).ok_or_else(|| {
            CatalogError::Builtin(format!(
                "{}: era until `{}` is not a version",
                base.id, era.until
            ))
        })?;
        eras.push((until, era));
    }
    eras.sort_by_key(|(v, _)| *v);
    let mut out: Vec<(Version, Version, StepDef)> = Vec::new();
    let mut last_key: Option<(usize, Option<usize>)> = None;
    for &v in &history.versions {
        let Some(range_index) = history.ranges.iter().position(|r| r.from <= v && v <= r.to) else {
            continue;
        };
        let era_index = eras.iter().position(|(until, _)| v < *until);
        let key = (range_index, era_index);
        if last_key == Some(key) {
            if let Some(last) = out.last_mut() {
                last.1 = v;
                last.2.version = Some(v.to_string());
            }
            continue;
        }
        last_key = Some(key);
        let era = era_index.and_then(|i| eras.get(i)).map(|(_, e)| *e);
        let def = at_version(base, &history.ranges[range_index].inputs, era, v, history);
        out.push((v, v, def));
    }
    Ok(StepVersions {
        id: base.id.clone(),
        published: history.versions.clone(),
        variants: out,
    })
}

/// The base definition narrowed to what one version declares and does.
fn at_version(
    base: &StepDef,
    inputs: &IndexMap<String, InputSpec>,
    era: Option<&Era>,
    v: Version,
    history: &StepHistory,
) -> StepDef {
    let mut def = base.clone();
    def.version = Some(v.to_string());
    def.removal_date = history.removal_date.clone();
    for r in &base.renamed {
        if Version::parse(&r.in_version).is_some_and(|since| v < since)
            && let Some(input) = def.auth_inputs.shift_remove(&r.to)
        {
            def.auth_inputs.insert(r.from.clone(), input);
        }
    }
    def.auth_inputs.retain(|name, _| inputs.contains_key(name));
    for (name, input) in def.auth_inputs.iter_mut() {
        if let Some(spec) = inputs.get(name) {
            input.default = spec.default.clone();
        }
    }
    def.inputs = inputs.keys().cloned().collect();
    def.input_specs = inputs.clone();
    if let Some(era) = era {
        if let Some(sources) = &era.sources {
            def.sources = sources.clone();
        }
        if let Some(expired) = era.expired_session {
            def.expired_session = expired;
        }
        if let Some(pre) = &era.preconditions {
            def.preconditions = pre.clone();
        }
        def.version_note = era.note.clone();
    }
    if def.connection_input().is_none() && !def.sources.contains_key("always") {
        // No auth input at this version (e.g. xcode-archive before automatic_code_signing).
        def.sources = IndexMap::from([("always".to_string(), Vec::new())]);
        def.version_note = Some(format!(
            "{} {} has no input that selects Apple auth: this version never signs in to Apple",
            def.id, v
        ));
    }
    for (name, input) in def.auth_inputs.iter_mut() {
        if !input.values.is_empty() && !input.values.contains(&input.default) {
            // An older step.yml default outside today's values: keep the catalog's.
            input.default = base
                .auth_inputs
                .get(name)
                .map(|i| i.default.clone())
                .unwrap_or_default();
        }
    }
    def
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
    fn the_compiled_catalog_is_the_toml_catalog() {
        // build.rs's JSON against the TOML it came from, field by field (Debug shows them all).
        let compiled = Catalog::builtin().unwrap();
        let from_toml = Catalog::from_toml(BUILTIN_CATALOG, steplib::BUILTIN_STEPLIB).unwrap();
        assert_eq!(format!("{compiled:#?}"), format!("{from_toml:#?}"));
        assert!(
            compiled
                .versions
                .iter()
                .map(|v| v.variants.len())
                .sum::<usize>()
                > 9
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
