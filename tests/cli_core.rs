//! The built binary on fixture workspaces: exit codes and what a user reads.

use std::path::PathBuf;
use std::process::{Command, Output};

const NOW: &str = "2026-11-24T12:00:00Z";

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apple-conn"));
    // No keyring, no user config: these tests must never touch either.
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    cmd.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("apple-conn-tests-no-config"),
    );
    cmd
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out: Output = bin().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_subcommand_with_one_line() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for sub in ["check", "preview"] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(sub))
            .unwrap_or_else(|| panic!("{sub} missing:\n{out}"));
        assert!(
            line.trim().len() > sub.len() + 5,
            "{sub} has no description: {line}"
        );
    }
}

#[test]
fn check_accepts_the_valid_fixture() {
    let ws = fixture("valid/shop.toml");
    let (code, out, err) = run(&[
        "check",
        "-c",
        ws.to_str().unwrap(),
        "--now",
        "2026-11-10T12:00:00Z",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": ok (1 API key, 1 Apple ID, 1 app)"), "{out}");
}

#[test]
fn check_reports_warnings_but_exits_zero() {
    let ws = fixture("valid/shop.toml");
    let (code, out, _) = run(&["check", "--config", ws.to_str().unwrap(), "--now", NOW]);
    assert_eq!(code, 0);
    assert!(
        out.contains("warning: the 2FA session of alice@example.com expires in 6 days"),
        "{out}"
    );
}

/// Each invalid fixture, its exit code, and a piece of the message with its position.
const INVALID: &[(&str, i32, &str)] = &[
    (
        "unknown_key.toml",
        2,
        "unknown_key.toml:5:1: unknown field `nmae`, expected one of `name`",
    ),
    ("not_toml.toml", 2, "not_toml.toml:2:"),
    (
        "missing_version.toml",
        2,
        "missing field `version`: start the file with version = 1",
    ),
    (
        "bad_datetime.toml",
        2,
        "`yesterday` is not an RFC 3339 date and time",
    ),
    (
        "two_stores.toml",
        2,
        "a secret reference names exactly one store",
    ),
    (
        "duplicate_names.toml",
        1,
        "duplicate_names.toml:10:1: error: two API keys are named `CI key`",
    ),
    (
        "bad_key_id.toml",
        1,
        "bad_key_id.toml:6:1: error: key ID `2x9r4hxf3` must be 10 characters, A-Z and 0-9",
    ),
    (
        "bad_issuer_id.toml",
        1,
        "error: issuer ID `not-a-uuid` must be a UUID",
    ),
    (
        "individual_with_issuer.toml",
        1,
        "individual key `CI key` has an issuer_id",
    ),
    (
        "team_without_issuer.toml",
        1,
        "team key `CI key` has no issuer_id",
    ),
    ("two_apple_ids_one_owner.toml", 1, "one Apple ID per member"),
    (
        "apple_id_not_owner_or_admin.toml",
        1,
        "who is neither its owner (bob@example.com) nor an admin",
    ),
    (
        "unknown_step.toml",
        1,
        "(did you mean `deploy-to-itunesconnect-deliver`?)",
    ),
    (
        "bad_input_value.toml",
        1,
        "does not accept connection = \"auto\"",
    ),
    (
        "duplicate_slug.toml",
        1,
        "two apps have the slug `shop-ios`",
    ),
    (
        "missing_key_file.toml",
        1,
        "AuthKey_2X9R4HXF34.p8 does not exist",
    ),
    (
        "unsupported_version.toml",
        1,
        "version = 2 is not supported",
    ),
    (
        "unknown_api_key.toml",
        1,
        "uses API key `Missing key`, which is not in [[api_keys]]",
    ),
];

#[test]
fn check_rejects_each_invalid_fixture_with_a_clear_message() {
    for (file, expected_code, expected) in INVALID {
        let ws = fixture(&format!("invalid/{file}"));
        let (code, out, err) = run(&["check", "-c", ws.to_str().unwrap(), "--now", NOW]);
        let all = format!("{out}{err}");
        assert_eq!(code, *expected_code, "{file}: exit code\n{all}");
        assert!(
            all.contains(expected),
            "{file}: expected {expected:?} in\n{all}"
        );
        assert!(
            !all.contains("panicked") && !all.contains("RUST_BACKTRACE"),
            "{file}: {all}"
        );
    }
}

#[test]
fn check_json_lists_problems_with_positions() {
    let ws = fixture("invalid/bad_key_id.toml");
    let (code, out, _) = run(&["check", "-c", ws.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["problems"][0]["path"], "api_keys[0].key_id");
    assert_eq!(v["problems"][0]["line"], 6);
}

#[test]
fn a_missing_file_is_exit_two_with_a_way_out() {
    let (code, _, err) = run(&["check", "-c", "/nonexistent/workspace.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no workspace file here") && err.contains("--config"),
        "{err}"
    );
}

#[test]
fn preview_json_has_the_contract_shape() {
    let ws = fixture("valid/shop.toml");
    let (code, out, err) = run(&[
        "preview",
        "-c",
        ws.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["now"], NOW);
    assert_eq!(v["environment"], "bitrise");
    let step = &v["apps"][0]["steps"][0];
    let keys: Vec<&str> = step
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "index",
            "step",
            "outcome",
            "auth",
            "source",
            "identity",
            "session_expires_at",
            "receives",
            "messages"
        ]
    );
    assert_eq!(step["index"], 0);
    assert_eq!(step["step"], "deploy-to-itunesconnect-deliver");
    assert_eq!(step["outcome"], "ok");
    assert_eq!(step["auth"], "api_key");
    assert_eq!(step["source"], "connection");
    assert_eq!(step["identity"], "CI key (2X9R4HXF34)");
    assert_eq!(step["session_expires_at"], serde_json::Value::Null);
    assert_eq!(step["receives"]["--api_key_path"], "<api_key.json>");
    let fastlane = &v["apps"][0]["steps"][1];
    assert_eq!(fastlane["auth"], "apple_id");
    assert_eq!(fastlane["session_expires_at"], "2026-12-01T09:30:00Z");
    assert_eq!(fastlane["receives"]["FASTLANE_SESSION"], "***");
}

#[test]
fn preview_environments_and_one_app() {
    let ws = fixture("valid/shop.toml");
    let ws = ws.to_str().unwrap();
    let (code, out, _) = run(&[
        "preview",
        "-c",
        ws,
        "--now",
        NOW,
        "--env",
        "public-pr",
        "--app",
        "shop-ios",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["environment"], "public-pr");
    assert_eq!(
        v["apps"][0]["steps"][3]["outcome"], "fail",
        "code signing fails on public PRs"
    );
    let (code, _, err) = run(&["preview", "-c", ws, "--app", "nope"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no app `nope`") && err.contains("shop-ios"),
        "{err}"
    );
    let (code, _, err) = run(&["preview", "-c", ws, "--now", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("RFC 3339"), "{err}");
    let (code, _, err) = run(&["preview", "-c", ws, "--env", "mars"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bitrise") && err.contains("public-pr"),
        "{err}"
    );
}

#[test]
fn preview_table_is_aligned_and_explains() {
    let ws = fixture("valid/shop.toml");
    let (code, out, _) = run(&[
        "preview",
        "-c",
        ws.to_str().unwrap(),
        "--now",
        "2026-12-24T12:00:00Z",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("shop-ios (Shop iOS)"));
    let header = out.lines().find(|l| l.contains("OUTCOME")).unwrap();
    let row = out.lines().find(|l| l.contains(" fastlane ")).unwrap();
    assert_eq!(
        header.find("OUTCOME"),
        row.find("fail"),
        "columns line up:\n{out}"
    );
    // Messages wrap at 80 columns by default (`--wide` keeps them on one line).
    let words: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("2FA session saved in Bitrise Developer Connection is expired"));
}

#[test]
fn preview_refuses_an_invalid_workspace() {
    let ws = fixture("invalid/duplicate_names.toml");
    let (code, _, err) = run(&["preview", "-c", ws.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("two API keys are named"), "{err}");
}

#[test]
fn config_defaults_to_xdg_config_home() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("apple-conn");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("workspace.toml"),
        "version = 1\nyou = \"a@example.com\"\n",
    )
    .unwrap();
    let out = bin()
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fifty_one_keys_are_too_many() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("version = 1\nyou = \"a@example.com\"\n");
    for i in 0..51 {
        text.push_str(&format!(
            "\n[[api_keys]]\nname = \"key {i}\"\nkey_id = \"KEY{i:07}\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n"
        ));
    }
    let path = dir.path().join("ws.toml");
    std::fs::write(&path, text).unwrap();
    let (code, out, _) = run(&["check", "-c", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("51 API keys: a workspace holds at most 50"),
        "{out}"
    );
}
