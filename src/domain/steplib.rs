//! The StepLib's published versions and their inputs (steplib.toml, generated from step.yml by
//! examples/gen_steplib.rs): what each version of a step declares, folded from per-range diffs.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::version::Version;

/// The generated data, embedded so the binary carries it.
pub const BUILTIN_STEPLIB: &str = include_str!("steplib.toml");

/// The nine steps apple-conn models, in the catalog's order.
pub fn catalog_order() -> [&'static str; 9] {
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
}

/// One input of a step.yml: its default (as the step receives it), `is_required`, `value_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    #[serde(default)]
    pub default: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub values: Vec<String>,
}

/// Versions `from..=to` declare exactly `inputs` (in step.yml order).
#[derive(Debug, Clone, PartialEq)]
pub struct InputRange {
    pub from: Version,
    pub to: Version,
    pub inputs: IndexMap<String, InputSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepHistory {
    pub id: String,
    pub removal_date: Option<String>,
    pub versions: Vec<Version>,
    pub ranges: Vec<InputRange>,
}

impl StepHistory {
    pub fn range_of(&self, v: Version) -> Option<&InputRange> {
        self.ranges.iter().find(|r| r.from <= v && v <= r.to)
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileRange {
    from: String,
    to: String,
    order: Vec<String>,
    #[serde(default)]
    removed: Vec<String>,
    #[serde(default)]
    set: IndexMap<String, InputSpec>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileStep {
    id: String,
    #[serde(default)]
    removal_date: Option<String>,
    versions: Vec<String>,
    ranges: Vec<FileRange>,
}

/// steplib.toml as written (each range as changes to the one before).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    steps: Vec<FileStep>,
}

fn version(text: &str) -> Result<Version, String> {
    Version::parse(text).ok_or_else(|| format!("`{text}` is not a version"))
}

/// Parses steplib.toml and folds each range's changes onto the previous range.
pub fn parse(text: &str) -> Result<Vec<StepHistory>, String> {
    fold(toml::from_str(text).map_err(|e| e.to_string())?)
}

/// Folds each range's changes onto the previous range.
pub(crate) fn fold(file: File) -> Result<Vec<StepHistory>, String> {
    let mut out = Vec::new();
    for step in file.steps {
        let mut ranges: Vec<InputRange> = Vec::new();
        let mut current: IndexMap<String, InputSpec> = IndexMap::new();
        for r in step.ranges {
            for name in &r.removed {
                current.shift_remove(name);
            }
            for (name, spec) in r.set {
                current.insert(name, spec);
            }
            let mut inputs = IndexMap::new();
            for name in &r.order {
                let spec = current
                    .get(name)
                    .cloned()
                    .ok_or_else(|| format!("{}: input `{name}` has no definition", step.id))?;
                inputs.insert(name.clone(), spec);
            }
            current = inputs.clone();
            ranges.push(InputRange {
                from: version(&r.from)?,
                to: version(&r.to)?,
                inputs,
            });
        }
        let versions = step
            .versions
            .iter()
            .map(|v| version(v))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(StepHistory {
            id: step.id,
            removal_date: step.removal_date,
            versions,
            ranges,
        });
    }
    Ok(out)
}
