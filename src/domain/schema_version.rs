//! `schema_version`: the first field of every `--format json` output. It changes only when a field
//! is renamed, removed or changes meaning; new fields keep it (docs/schemas/ has each shape).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

/// The JSON contract's version: always serialized as the integer 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchemaVersion;

impl SchemaVersion {
    pub const CURRENT: u32 = 1;
}

impl Serialize for SchemaVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(Self::CURRENT)
    }
}

impl JsonSchema for SchemaVersion {
    fn schema_name() -> Cow<'static, str> {
        "SchemaVersion".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The JSON contract's version: 1 until a field is renamed, removed or changes meaning.",
            "type": "integer",
            "const": Self::CURRENT
        })
    }
}
