//! Hole 1 of issue 25: `eval "$(apple-conn env …)"` must set the step's variables and run nothing,
//! whatever a shared workspace writes into names, inputs, team ids and messages. Every case is
//! evaluated by a clean `bash` and `sh` (`env -i`); a `touch pwned` anywhere in the text must not run.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{bin, run};
use proptest::prelude::*;

/// Pieces a hostile value is made of: line breaks, quotes, expansions, controls, comment starts.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\ntouch pwned\n#".to_string()),
        Just("'; touch pwned; '".to_string()),
        Just("\"; touch pwned; \"".to_string()),
        Just("$(touch pwned)".to_string()),
        Just("`touch pwned`".to_string()),
        Just("${IFS}touch${IFS}pwned".to_string()),
        Just("\r\ntouch pwned #".to_string()),
        Just("\\\ntouch pwned".to_string()),
        Just("\u{2028}\u{202e}\u{9b}".to_string()),
        Just("\x1b]52;c;cHduZWQ=\x07".to_string()),
        Just("#".to_string()),
        Just("\\".to_string()),
        Just("'".to_string()),
        Just("TEAM000001".to_string()),
        "[\\x01-\\x1f\\x7f]{1,3}",
        "[a-zA-Z0-9 ]{0,6}",
        any::<char>()
            .prop_filter("no NUL", |c| *c != '\0')
            .prop_map(String::from),
    ]
}

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..5).prop_map(|v| v.concat())
}

/// A one-line TOML basic string (usable as a key too): every control character as `\uXXXX`.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Debug, Clone)]
struct Case {
    step: &'static str,
    key_name: String,
    team_id: String,
    team_name: String,
    team_input: String,
    input_name: String,
    input_value: String,
    env_value: String,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec![
            "xcode-archive",
            "fastlane",
            "deploy-to-itunesconnect-deliver",
            "ios-auto-provision-appstoreconnect",
        ]),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
        hostile(),
    )
        .prop_map(
            |(
                step,
                key_name,
                team_id,
                team_name,
                team_input,
                input_name,
                input_value,
                env_value,
            )| {
                Case {
                    step,
                    key_name,
                    team_id,
                    team_name,
                    team_input,
                    input_name,
                    input_value,
                    env_value,
                }
            },
        )
}

fn workspace(c: &Case) -> String {
    format!(
        r#"version = 1
you = "alice@example.com"

[[api_keys]]
name = {key}
key_id = "ABCDE12345"
issuer_id = "57246542-96fe-1a63-e053-0824d011072a"
private_key = {{ env = "NO_SUCH_KEY" }}

[[apple_ids]]
apple_id = "alice@example.com"
password = {{ env = "NO_SUCH_PASSWORD" }}
authenticated_at = 2026-11-20T10:00:00Z
teams = [{{ id = {tid}, name = {tname} }}, {{ id = "TEAM000002", name = "Two" }}]

[[apps]]
slug = "app"
api_key = {key}
apple_id = "alice@example.com"

[[apps.steps]]
id = "{step}"
[apps.steps.inputs]
automatic_code_signing = "apple-id"
apple_team_id = {team}
export_development_team = {team}
connection = "apple_id"
{iname} = {ivalue}
FASTLANE_TEAM_ID = {env}
"#,
        key = toml_str(&c.key_name),
        tid = toml_str(&c.team_id),
        tname = toml_str(&c.team_name),
        team = toml_str(&c.team_input),
        step = c.step,
        iname = toml_str(&c.input_name),
        ivalue = toml_str(&c.input_value),
        env = toml_str(&c.env_value),
    )
}

/// The exported environment of `shell` after sourcing `script` in `dir`, from a clean `env -i`.
fn exported_after(shell: &str, dir: &Path, script: &Path) -> BTreeMap<String, String> {
    let out = Command::new("env")
        .current_dir(dir)
        .args(["-i", "PATH=/usr/bin:/bin", shell, "-c"])
        .arg(r#"eval "$(cat "$1")"; env -0"#)
        .arg(shell)
        .arg(script)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn baseline(shell: &str, dir: &Path) -> BTreeMap<String, String> {
    let empty = dir.join("empty.sh");
    std::fs::write(&empty, "").unwrap();
    exported_after(shell, dir, &empty)
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    std::fs::write(&ws, workspace(c)).unwrap();
    let w = ws.to_str().unwrap();
    let env = |format: &str| {
        run(bin().current_dir(dir.path()).args([
            "-c",
            w,
            "env",
            "--app",
            "app",
            "--step",
            c.step,
            "--format",
            format,
            "--now",
            "2026-11-24T12:00:00Z",
        ]))
    };
    let shell = env("shell");
    prop_assert_eq!(shell.code, 0, "{}", shell.all());
    let json = env("json");
    prop_assert_eq!(json.code, 0, "{}", json.all());
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    // What the script should export: the env-var names the step receives, with their values.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in doc["receives"].as_object().unwrap() {
        let is_env = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if let (true, Some(v)) = (is_env, value.as_str()) {
            expected.insert(name.clone(), v.to_string());
        }
    }
    let script = dir.path().join("env.sh");
    std::fs::write(&script, &shell.stdout).unwrap();
    for sh in ["bash", "sh"] {
        let base = baseline(sh, dir.path());
        let after = exported_after(sh, dir.path(), &script);
        prop_assert!(
            !dir.path().join("pwned").exists(),
            "{sh} ran a command from the output:\n{}",
            shell.stdout
        );
        let mut set: BTreeMap<String, String> = after
            .into_iter()
            .filter(|(k, v)| base.get(k) != Some(v) && k != "_")
            .collect();
        set.remove("SHLVL");
        prop_assert_eq!(
            &set,
            &expected,
            "{} set other variables:\n{}",
            sh,
            shell.stdout
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]
    #[test]
    fn env_output_evals_to_the_expected_variables_and_runs_nothing(c in case()) {
        check(&c)?;
    }
}

/// The hole as it was found: a team id with a newline breaks out of the `#` reason line.
#[test]
fn a_team_id_with_a_newline_stays_inside_its_comment() {
    let c = Case {
        step: "xcode-archive",
        key_name: "CI key".into(),
        team_id: "TEAM000001".into(),
        team_name: "One".into(),
        team_input: "111\ntouch pwned\n#".into(),
        input_name: "x".into(),
        input_value: "y".into(),
        env_value: "z".into(),
    };
    check(&c).unwrap();
}
