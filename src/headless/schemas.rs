//! The JSON Schema of every `--format json` output (docs/schemas/<name>.schema.json), generated
//! from the output types. Adding an output is one line in `registry`; tests/json_schemas.rs fails
//! when a committed schema differs from the generated one (`UPDATE_SCHEMAS=1` rewrites them).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::Value;

/// One line per output: its file name under docs/schemas/ (`<name>.schema.json`) and its type.
pub fn registry() -> Vec<(&'static str, Schema)> {
    vec![
        schema::<super::preview_json::PreviewJson>("preview"),
        schema::<super::check::CheckJson<'static>>("check"),
        schema::<super::doctor::DoctorJson>("doctor"),
        schema::<super::list::ListJson<'static>>("list"),
        schema::<super::bitrise::WorkflowsJson<'static>>("bitrise-workflows"),
        schema::<super::bitrise_account::AppsJson>("bitrise-apps"),
        schema::<super::bitrise_account::KeysJson<'static>>("bitrise-keys"),
        schema::<super::bitrise_account::PullJson<'static>>("bitrise-pull"),
        schema::<super::export::EnvJson>("env"),
        schema::<super::tokens::JwtInspectJson>("jwt-inspect"),
        schema::<super::test_connection::TestJson<'static>>("test"),
        schema::<super::signing::SigningJson<'static>>("signing"),
        schema::<crate::ops::bitrise::PushPlan>("bitrise-push"),
    ]
}

/// The schema of `T` as it serializes (Draft 2020-12), every object closed.
pub fn schema<T: JsonSchema>(name: &'static str) -> (&'static str, Schema) {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut value = Value::from(generator.into_root_schema_for::<T>());
    close_objects(&mut value);
    (name, Schema::try_from(value).unwrap_or_default())
}

/// The committed file's text: pretty JSON and a final newline.
pub fn render(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// `additionalProperties: false` on every object schema that lists its properties and says
/// nothing about others: every output shape is closed, so a renamed field fails validation.
/// An object with a flattened enum (`properties` beside `oneOf`/`anyOf`/`allOf`) is closed with
/// `unevaluatedProperties: false` instead, and its branches stay open: each branch's fields
/// count as evaluated, so the whole is still closed (Draft 2020-12).
fn close_objects(v: &mut Value) {
    close(v, false);
}

fn close(v: &mut Value, branch_of_flattened: bool) {
    match v {
        Value::Object(map) => {
            let combined = ["oneOf", "anyOf", "allOf"]
                .iter()
                .any(|k| map.contains_key(*k));
            let flattened = map.contains_key("properties") && combined;
            if map.contains_key("properties")
                && !branch_of_flattened
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
            {
                let key = if flattened {
                    "unevaluatedProperties"
                } else {
                    "additionalProperties"
                };
                map.insert(key.into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                let is_branch_list =
                    flattened && matches!(key.as_str(), "oneOf" | "anyOf" | "allOf");
                match (is_branch_list, child) {
                    (true, Value::Array(branches)) => {
                        branches.iter_mut().for_each(|b| close(b, true));
                    }
                    (_, child) => close(child, false),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| close(i, false)),
        _ => {}
    }
}
