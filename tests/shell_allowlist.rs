//! Hole 1 of issue 33: `env --format shell` exported any upper-case name a workspace `[[steps]]`
//! declared (`BASH_ENV`, `PROMPT_COMMAND`, `LD_PRELOAD`), and `check` passed the file. Now only
//! the built-in steps' names are exported; others only from a trusted file; the deny-list never.

mod common;

use std::path::Path;
use std::process::Command;

use common::{bin_with_state, run, trusted_in};

/// A workspace whose own `[[steps]]` step receives hostile names next to a harmless one.
fn workspace(dir: &Path) -> std::path::PathBuf {
    let ws = dir.join("ws.toml");
    std::fs::write(
        &ws,
        r#"version = 1
you = "alice@example.com"

[[steps]]
id = "my-tool"
name = "my tool"
family = "connection"
tool = "fastlane"
expired_session = "stop"
on_nothing = "warn_and_run"
on_fetch_error = "continue"
on_not_bitrise = "continue"
nothing_warning = "No authentication data found ({value})."
[steps.auth_inputs]
connection = { role = "connection", default = "automatic", values = ["automatic", "off"] }
[steps.sources]
automatic = ["connection_api_key", "connection_apple_id_session"]
off = []
[steps.receives.none]
"BASH_ENV" = "$(touch pwned-bash-env)"
"ENV" = "$(touch pwned-env)"
"PROMPT_COMMAND" = "touch pwned-prompt"
"LD_PRELOAD" = "/tmp/evil.so"
"PATH" = "."
"MY_TOOL_FLAG" = "on"
"FASTLANE_HIDE_TIMESTAMP" = "1"

[[apps]]
slug = "app"

[[apps.steps]]
id = "my-tool"
"#,
    )
    .unwrap();
    ws
}

fn shell_output(state: &Path, dir: &Path, ws: &Path) -> common::Run {
    let r = run(bin_with_state(state).current_dir(dir).args([
        "-c",
        ws.to_str().unwrap(),
        "env",
        "--app",
        "app",
        "--step",
        "my-tool",
        "--format",
        "shell",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    r
}

/// Evaluates `script` in a clean bash (`env -i`, interactive so PROMPT_COMMAND and ENV matter,
/// then a child bash so BASH_ENV matters) and prints what it exported.
fn eval_in_bash(dir: &Path, script: &str) -> String {
    let file = dir.join("env.sh");
    std::fs::write(&file, script).unwrap();
    let out = Command::new("env")
        .current_dir(dir)
        .args(["-i", "PATH=/usr/bin:/bin", "bash", "--norc", "-i", "-c"])
        .arg(r#"eval "$(cat "$1")"; bash -c 'true'; sh -c 'true'; env"#)
        .arg("bash")
        .arg(&file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn no_pwned(dir: &Path, script: &str) {
    for f in std::fs::read_dir(dir).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with("pwned"),
            "the evaluated output ran a command ({name}):\n{script}"
        );
    }
}

#[test]
fn an_override_naming_bash_env_runs_nothing_and_exports_only_known_names() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = workspace(dir.path());
    let r = shell_output(&state, dir.path(), &ws);
    let script = &r.stdout;
    for denied in ["BASH_ENV", "ENV", "PROMPT_COMMAND", "LD_PRELOAD", "PATH"] {
        assert!(
            !script.contains(&format!("export {denied}=")),
            "{denied} exported:\n{script}"
        );
    }
    // Untrusted: the names the built-in steps never read are refused too, and said so.
    assert!(!script.contains("export MY_TOOL_FLAG="), "{script}");
    assert!(
        r.stderr.contains("MY_TOOL_FLAG") && r.stderr.contains("apple-conn trust"),
        "{}",
        r.stderr
    );
    let env = eval_in_bash(dir.path(), script);
    no_pwned(dir.path(), script);
    assert!(!env.contains("MY_TOOL_FLAG="), "{env}");
    assert!(!env.contains("LD_PRELOAD="), "{env}");
    assert!(env.contains("PATH=/usr/bin:/bin"), "{env}");

    // Trusted: the file's own names are exported; the deny-list still holds.
    trusted_in(&state, &ws);
    let r = shell_output(&state, dir.path(), &ws);
    let script = &r.stdout;
    assert!(script.contains("export MY_TOOL_FLAG='on'"), "{script}");
    assert!(
        script.contains("export FASTLANE_HIDE_TIMESTAMP='1'"),
        "{script}"
    );
    for denied in ["BASH_ENV", "ENV", "PROMPT_COMMAND", "LD_PRELOAD", "PATH"] {
        assert!(
            !script.contains(&format!("export {denied}=")),
            "{denied} exported from a trusted file:\n{script}"
        );
    }
    let env = eval_in_bash(dir.path(), script);
    no_pwned(dir.path(), script);
    assert!(env.contains("MY_TOOL_FLAG=on"), "{env}");

    // A name added after the trust is refused until `trust` again.
    let text = std::fs::read_to_string(&ws).unwrap().replace(
        "\"MY_TOOL_FLAG\" = \"on\"",
        "\"MY_TOOL_FLAG\" = \"on\"\n\"MY_OTHER\" = \"x\"",
    );
    std::fs::write(&ws, text).unwrap();
    let r = shell_output(&state, dir.path(), &ws);
    assert!(
        r.stdout.contains("export MY_TOOL_FLAG='on'"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("export MY_OTHER="), "{}", r.stdout);
}

#[test]
fn check_reports_denied_and_untrusted_names() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = workspace(dir.path());
    let r = run(bin_with_state(&state).args(["-c", ws.to_str().unwrap(), "check"]));
    assert_ne!(
        r.code,
        0,
        "check passed a file exporting BASH_ENV:\n{}",
        r.all()
    );
    let all = r.all();
    for name in [
        "BASH_ENV",
        "PROMPT_COMMAND",
        "LD_PRELOAD",
        "PATH",
        "MY_TOOL_FLAG",
    ] {
        assert!(all.contains(name), "check is silent about {name}:\n{all}");
    }
    assert!(all.contains("never exported"), "{all}");
}
