//! Step inputs that carry a secret accept only `$VAR` references, never a literal value.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::problem::{DocPath, Problem};
use super::workspace::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Holds {
    /// Any literal is refused.
    Secret,
    /// A literal is refused when it is key material (a path, URL or id is fine).
    Key,
}

type Table = HashMap<String, HashMap<String, Holds>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    // The data is built in; a broken table is caught by the unit test below, never at run time.
    TABLE.get_or_init(|| toml::from_str(include_str!("secret_inputs.toml")).unwrap_or_default())
}

/// What an input of a step holds, when it is one of the secret-carrying inputs.
pub fn holds(step_id: &str, input: &str) -> Option<Holds> {
    table().get(step_id)?.get(input).copied()
}

/// `$VAR` or `${VAR}`: a reference to an env var (Bitrise secret), possibly a `|`/`,` list of them.
fn is_reference_list(value: &str) -> bool {
    value.split(['|', ',']).all(|part| {
        let p = part.trim();
        if p.is_empty() {
            return true;
        }
        let Some(rest) = p.strip_prefix('$') else {
            return false;
        };
        let name = rest
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .unwrap_or(rest);
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A PEM, or a key body pasted on one line: base64 that decodes to a DER structure.
pub fn is_key_material(value: &str) -> bool {
    use base64::Engine;
    let v = value.trim();
    if v.contains("-----BEGIN") || v.contains("PRIVATE KEY") {
        return true;
    }
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 64
        && base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .is_ok_and(|der| der.first() == Some(&0x30))
}

/// Why this value may not be written for this input (never quoting the value), or None.
pub fn refusal(step_id: &str, input: &str, value: &str) -> Option<String> {
    let kind = holds(step_id, input)?;
    if value.trim().is_empty() || is_reference_list(value) {
        return None;
    }
    let literal = match kind {
        Holds::Secret => true,
        Holds::Key => is_key_material(value),
    };
    literal.then(|| {
        let what = match kind {
            Holds::Secret => "a literal secret",
            Holds::Key => "literal key material",
        };
        format!(
            "step `{step_id}` input `{input}`: write a $VAR reference to a Bitrise secret env var (e.g. {input} = \"$MY_SECRET\"), not {what}, which would be kept in plain text in the workspace file and in bitrise.yml"
        )
    })
}

/// Every literal secret in the apps' step inputs, as errors at the input's place.
pub fn check(ws: &Workspace, out: &mut Vec<Problem>) {
    let base = DocPath::root().key("apps");
    for (i, app) in ws.apps.iter().enumerate() {
        for (j, step) in app.steps.iter().enumerate() {
            for (name, value) in &step.inputs {
                if let Some(message) = refusal(&step.id, name, value) {
                    let at = base.index(i).key("steps").index(j).key("inputs").key(name);
                    out.push(Problem::error(at, message));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_tells_references_from_literals() {
        assert_eq!(holds("fastlane", "password"), Some(Holds::Secret));
        assert_eq!(holds("xcode-archive", "api_key_id"), Some(Holds::Key));
        assert!(refusal("fastlane", "password", "$FASTLANE_PASSWORD").is_none());
        assert!(refusal("fastlane", "password", "${PW}").is_none());
        let m = refusal("fastlane", "password", "Hunter2Literal").unwrap();
        assert!(!m.contains("Hunter2Literal"));
        assert!(refusal("xcode-archive", "passphrase_list", "$P1|$P2").is_none());
        assert!(refusal("xcode-archive", "passphrase_list", "$P1|hunter2").is_some());
        assert!(
            refusal(
                "xcode-archive",
                "api_key_path",
                "https://example.com/AuthKey_X.p8"
            )
            .is_none()
        );
        assert!(refusal("xcode-archive", "api_key_id", "ABCDE12345").is_none());
        assert!(
            refusal(
                "xcode-archive",
                "api_key_path",
                // A PEM header fragment, split so no tool mistakes this test for a committed key.
                concat!("-----BEGIN ", "PRIVATE KEY-----\nMIGT")
            )
            .is_some()
        );
        let body = "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQgAAA/AAA/AAA/AAAA";
        assert!(refusal("xcode-archive", "api_key_path", body).is_some());
        assert!(refusal("fastlane", "lane", "Hunter2").is_none());
    }
}
