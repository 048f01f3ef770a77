//! Issue 24's CLI findings, each driven through the real binary the way it was found: apps from
//! the CLI, `list`, `env` for bitrise.yml apps, `--demo` for the read-only commands, key paths,
//! 80-column text, completions, the man page, `--version`, fastlane's JSON.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const NOW: &str = "2026-11-24T12:00:00Z";

fn c(ws: &Path) -> [String; 2] {
    ["-c".into(), ws.to_str().unwrap().into()]
}

fn demo_files(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    std::fs::copy(src.join("demo.toml"), dir.join("workspace.toml")).unwrap();
    std::fs::copy(src.join("demo-bitrise.yml"), dir.join("bitrise.yml")).unwrap();
    dir.join("workspace.toml")
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn apps_are_added_and_removed_from_the_cli_with_the_file_kept() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let r = run(bin().args(c(&ws)).args([
        "add",
        "app",
        "shop-android",
        "--title",
        "Shop Android",
        "--owner",
        "bob@example.com",
        "--admin",
        "alice@example.com",
        "--admin",
        "carol@example.com",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("added app `shop-android`"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("# my CI connections")
            && text.contains("slug = \"shop-ios\" # the store app"),
        "comments and the other app stay:\n{text}"
    );
    assert!(
        text.contains("[[apps]]\nslug = \"shop-android\"\ntitle = \"Shop Android\"\nowner = \"bob@example.com\"\nadmins = [\"alice@example.com\", \"carol@example.com\"]\n"),
        "{text}"
    );

    // The domain's rules, worded with the flags.
    let again = run(bin().args(c(&ws)).args(["add", "app", "shop-android"]));
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let bad = run(bin()
        .args(c(&ws))
        .args(["add", "app", "x", "--owner", "bob"]));
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("--owner: member `bob` must be an email address"),
        "{}",
        bad.stderr
    );
    let slug = run(bin().args(c(&ws)).args(["add", "app", "my app"]));
    assert_eq!(slug.code, 1);
    assert!(
        slug.stderr.contains("SLUG: app slug `my app`"),
        "{}",
        slug.stderr
    );
    assert!(
        !std::fs::read_to_string(&ws)
            .unwrap()
            .contains("slug = \"x\"")
    );

    // Remove: says what went with it; the connections (none here) and the other app stay.
    let r = run(bin().args(c(&ws)).args(["remove", "app", "shop-ios"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("removed app shop-ios with 2 step(s) with 2 input(s)"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        !text.contains("shop-ios") && !text.contains("ios beta"),
        "{text}"
    );
    assert!(text.contains("# my CI connections") && text.contains("shop-android"));
    let r = run(bin().args(c(&ws)).args(["remove", "app", "shop-ios"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("no app `shop-ios`: use one of shop-android"),
        "{}",
        r.stderr
    );
    let check = run(bin().args(c(&ws)).args(["check"]));
    assert_eq!(check.code, 0, "{}", check.all());
}

#[test]
fn remove_app_asks_at_a_terminal_and_yes_skips_the_question() {
    if !require(have("script"), "script(1) for a pty") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    // `script` gives the command a terminal; "n" declines.
    let cmd = format!(
        "printf 'n\\n' | script -qec \"'{}' -c '{}' remove app shop-ios\" /dev/null",
        bin_path().display(),
        ws.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &cmd])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(
        all.contains(
            "remove app shop-ios with 2 step(s) with 2 input(s)? (the connections stay) [y/N]"
        ),
        "{all}"
    );
    assert!(all.contains("nothing removed"), "{all}");
    assert!(std::fs::read_to_string(&ws).unwrap().contains("shop-ios"));
    let cmd = format!(
        "script -qec \"'{}' -c '{}' remove app shop-ios --yes\" /dev/null </dev/null",
        bin_path().display(),
        ws.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &cmd])
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(!all.contains("[y/N]"), "{all}");
    assert!(!std::fs::read_to_string(&ws).unwrap().contains("shop-ios"));
}

#[test]
fn an_app_from_a_bitrise_yml_is_checked_saved_relative_and_previewed() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    std::fs::create_dir_all(dir.path().join("ci")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/demo-bitrise.yml"),
        dir.path().join("ci/bitrise.yml"),
    )
    .unwrap();
    let add = |extra: &[&str]| {
        run(bin()
            .current_dir(dir.path())
            .args(["-c", "workspace.toml", "add", "app", "news-ios"])
            .args(["--bitrise-yml", "ci/bitrise.yml"])
            .args(extra))
    };
    let none = add(&[]);
    assert_eq!(none.code, 1);
    assert!(
        none.stderr.contains("ci/bitrise.yml offers --workflow test, --workflow deploy, --workflow beta, --pipeline release"),
        "the runs the file has: {}",
        none.stderr
    );
    let wrong = add(&["--workflow", "release"]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("workflow release is not in") && wrong.stderr.contains("deploy"),
        "{}",
        wrong.stderr
    );
    let ok = add(&["--workflow", "deploy"]);
    assert_eq!(ok.code, 0, "{}", ok.all());
    assert!(!ok.stderr.contains("warning"), "{}", ok.stderr);
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("[apps.bitrise_yml]\npath = \"ci/bitrise.yml\"\nworkflows = [\"deploy\"]\n"),
        "saved relative to the workspace:\n{text}"
    );
    let p = run(bin()
        .args(c(&ws))
        .args(["preview", "--app", "news-ios", "--now", NOW]));
    assert_eq!(p.code, 0, "{}", p.all());
    assert!(p.stdout.contains("xcode-archive"), "{}", p.stdout);

    // A file outside the workspace's folder: absolute, with a warning.
    let other = tempfile::tempdir().unwrap();
    let outside = other.path().join("bitrise.yml");
    std::fs::copy(dir.path().join("ci/bitrise.yml"), &outside).unwrap();
    let r = run(bin().args(c(&ws)).args([
        "add",
        "app",
        "news-2",
        "--bitrise-yml",
        outside.to_str().unwrap(),
        "--workflow",
        "deploy",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("is outside the workspace's folder")
            && r.stderr.contains("no longer works when moved"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains(&format!("path = \"{}\"", outside.display())),
        "{text}"
    );
}

#[test]
fn env_reads_a_bitrise_yml_apps_steps_with_their_index_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo_files(dir.path());
    let r = run(bin().args(c(&ws)).args([
        "env",
        "--app",
        "news-ios",
        "--step",
        "xcode-archive",
        "--now",
        NOW,
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("# step #3 of news-ios, workflow deploy: xcode-archive@6 at ")
            && r.stdout.contains("bitrise.yml:33"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("-authenticationKeyID DEMO2X9R4H"),
        "{}",
        r.stdout
    );
    let j = run(bin().args(c(&ws)).args([
        "env",
        "--app",
        "news-ios",
        "--step",
        "xcode-archive",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["index"], 3);
    assert_eq!(v["line"], 33);
    assert_eq!(v["workflow"], "deploy");
    assert_eq!(v["ref"], "xcode-archive@6");
    let missing = run(bin()
        .args(c(&ws))
        .args(["env", "--app", "news-ios", "--step", "fastlane"]));
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("its steps are git-clone (#0 line 14), cocoapods-install (#1 line 15)"),
        "the file's steps are named: {}",
        missing.stderr
    );
}

#[test]
fn list_names_kinds_owners_stores_and_assignments_never_values() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"alice@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"keys/AuthKey_ABCDE12345.p8\" }}\n\n[[apple_ids]]\napple_id = \"alice@example.com\"\npassword = {{ env = \"ALICE_PW\" }}\napp_specific_password = {{ vault = \"ci/apple#asp\" }}\n\n[[apps]]\nslug = \"shop-ios\"\napi_key = \"CI key\"\napple_id = \"alice@example.com\"\n"
        ),
    );
    let r = run(bin()
        .env("ALICE_PW", "hunter2-secret")
        .args(c(&ws))
        .arg("list"));
    assert_eq!(r.code, 0, "{}", r.all());
    for want in [
        "CI key (ABCDE12345)",
        "team key",
        "file:keys/AuthKey_ABCDE12345.p8",
        "env:ALICE_PW, app-specific vault:ci/apple#asp",
        "shop-ios",
        "SLUG",
    ] {
        assert!(r.stdout.contains(want), "{want} in:\n{}", r.stdout);
    }
    assert!(!r.all().contains("hunter2"), "no secret value");
    let j = run(bin()
        .args(c(&ws))
        .args(["list", "connections", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert!(v.get("apps").is_none(), "only connections: {v}");
    assert_eq!(
        v["connections"][0]["stores"]["private_key"],
        "file:keys/AuthKey_ABCDE12345.p8"
    );
    assert_eq!(v["connections"][0]["apps"][0], "shop-ios");
    assert_eq!(v["connections"][1]["kind"], "apple_id");
    assert_eq!(v["connections"][1]["stores"]["password"], "env:ALICE_PW");

    // Errors that point to a listing point to this one; no apps names `add app`.
    let t = run(bin().args(c(&ws)).args(["token", "nope"]));
    assert!(
        t.stderr
            .contains("`apple-conn list connections` lists them"),
        "{}",
        t.stderr
    );
    let empty = base_workspace(tempfile::tempdir().unwrap().keep().as_path());
    let r = run(bin()
        .args(c(&empty))
        .args(["remove", "app", "shop-ios", "--yes"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(bin().args(c(&empty)).args(["list", "apps"]));
    assert!(r.all().contains("apple-conn add app"), "{}", r.all());
    let r = run(bin().args(c(&empty)).args(["preview", "--app", "shop-ios"]));
    assert!(
        r.stderr.contains("add one with `apple-conn add app SLUG`"),
        "{}",
        r.stderr
    );
}

#[test]
fn demo_works_for_the_read_only_commands_and_is_refused_elsewhere() {
    let p = run(bin().args(["preview", "--demo", "--now", NOW]));
    assert_eq!(p.code, 0, "{}", p.all());
    assert!(p.stdout.contains("shop-ios (Shop iOS)") && p.stdout.contains("news-ios"));
    let j = run(bin().args(["--demo", "preview", "--app", "news-ios", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(
        v["apps"][0]["steps"][3]["ref"], "xcode-archive@6",
        "the embedded bitrise.yml"
    );
    let c = run(bin().args(["check", "--demo", "--now", NOW]));
    assert!(c.stdout.contains("demo.toml"), "{}", c.all());
    let d = run(bin().args(["doctor", "--demo", "--now", NOW]));
    assert_eq!(d.code, 2, "the demo has a CRITICAL finding: {}", d.all());
    assert!(d.stdout.starts_with("CRITICAL"), "{}", d.stdout);
    let l = run(bin().args(["list", "--demo"]));
    assert_eq!(l.code, 0);
    assert!(l.stdout.contains("CI key (DEMO2X9R4H)"), "{}", l.stdout);
    let live = run(bin().args(["doctor", "--demo", "--live"]));
    assert_eq!(live.code, 3);
    assert!(live.stdout.contains("not with --demo"), "{}", live.stdout);
    for cmd in [
        &["token", "CI key"][..],
        &["add", "app", "x"],
        &["remove", "app", "shop-ios"],
    ] {
        let r = run(bin().arg("--demo").args(cmd));
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.all());
        assert!(r.stderr.contains("--demo works with"), "{}", r.stderr);
    }
}

#[test]
fn key_paths_inside_the_workspace_folder_are_saved_relative() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    openssl_p256(&dir.path().join("keys"), "AuthKey_ABCDE12345.p8");
    // Relative to the current folder, which is the workspace's.
    let r = run(bin().current_dir(dir.path()).args([
        "-c",
        "workspace.toml",
        "add",
        "api-key",
        "--name",
        "CI key",
        "--key-id",
        "ABCDE12345",
        "--issuer-id",
        ISSUER,
        "--p8",
        "keys/AuthKey_ABCDE12345.p8",
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    // Absolute, but inside the folder: relative too.
    let abs = openssl_p256(&dir.path().join("keys"), "AuthKey_FGHIJ67890.p8");
    let r = run(bin().args(c(&ws)).args([
        "add",
        "api-key",
        "--name",
        "Two",
        "--key-id",
        "FGHIJ67890",
        "--issuer-id",
        ISSUER,
        "--p8",
        abs.to_str().unwrap(),
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    // Outside: absolute with the warning.
    let other = tempfile::tempdir().unwrap();
    let out = openssl_p256(other.path(), "AuthKey_KLMNO12345.p8");
    let r = run(bin().args(c(&ws)).args([
        "add",
        "api-key",
        "--name",
        "Three",
        "--key-id",
        "KLMNO12345",
        "--issuer-id",
        ISSUER,
        "--p8",
        out.to_str().unwrap(),
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("is outside the workspace's folder"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("private_key = { path = \"keys/AuthKey_ABCDE12345.p8\" }"),
        "{text}"
    );
    assert!(
        text.contains("private_key = { path = \"keys/AuthKey_FGHIJ67890.p8\" }"),
        "{text}"
    );
    assert!(
        text.contains(&format!("private_key = {{ path = \"{}\" }}", out.display())),
        "{text}"
    );
    // The saved references work from any folder.
    let t = run(bin()
        .current_dir(other.path())
        .args(c(&ws))
        .args(["token", "CI key"]));
    assert_eq!(t.code, 0, "{}", t.all());
}

#[test]
fn preview_and_doctor_fit_80_columns_and_wide_keeps_one_line_per_row() {
    for cmd in [
        &["preview", "--demo", "--now", NOW][..],
        &["doctor", "--demo", "--now", NOW],
    ] {
        let narrow = run(bin().args(cmd));
        assert!(widest(&narrow.stdout) <= 80, "{cmd:?}:\n{}", narrow.stdout);
        let wide = run(bin().args(cmd).arg("--wide"));
        assert!(
            widest(&wide.stdout) > 80,
            "{cmd:?} --wide:\n{}",
            wide.stdout
        );
        // Nothing is lost: the same words in the same order.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().concat();
        if cmd[0] == "doctor" {
            assert_eq!(words(&narrow.stdout), words(&wide.stdout));
        } else {
            assert!(
                narrow.stdout.contains("as CI key (DEMO2X9R4H)"),
                "{}",
                narrow.stdout
            );
        }
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_same_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = run(bin().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["apple-conn", "preview", "list", "from-fastlane-json"] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
        if shell == "bash" && have("bash") {
            let dir = tempfile::tempdir().unwrap();
            let f = dir.path().join("c.bash");
            write(&f, &r.stdout);
            // Loaded into a real bash, it completes the subcommands.
            let script = format!(
                ". '{}'; COMP_WORDS=(apple-conn li); COMP_CWORD=1; COMP_LINE='apple-conn li'; COMP_POINT=13; $(complete -p apple-conn | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p') apple-conn li apple-conn; echo \"${{COMPREPLY[@]}}\"",
                f.display()
            );
            let out = std::process::Command::new("bash")
                .args(["-c", &script])
                .output()
                .unwrap();
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("list"),
                "{out:?}"
            );
        }
    }
    let man = run(bin().arg("man"));
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH apple-conn"),
        "{}",
        &man.stdout[..200]
    );
    for want in [
        "APPLE\\-CONN ADD APP",
        "\\-\\-bitrise\\-yml",
        "APPLE\\-CONN LIST",
    ] {
        assert!(man.stdout.contains(want), "{want} in the man page");
    }
    if have("man") {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("apple-conn.1");
        write(&f, &man.stdout);
        let out = std::process::Command::new("man")
            .arg("-l")
            .arg(&f)
            .env("MANPAGER", "cat")
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("APPLE-CONN ADD APP"),
            "man renders it: {out:?}"
        );
    }
}

#[test]
fn version_names_the_commit_and_the_steplib_data() {
    let r = run(bin().arg("--version"));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("StepLib data f47013f of 2026-08-13"),
        "{}",
        r.stdout
    );
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => assert!(
            r.stdout.contains(&format!("commit {h}")),
            "{} vs {h}",
            r.stdout
        ),
        None => assert!(r.stdout.contains("commit unknown"), "{}", r.stdout),
    }
}

#[test]
fn add_apple_id_for_a_member_who_has_one_fails_before_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        "version = 1\nyou = \"alice@example.com\"\n\n[[apple_ids]]\napple_id = \"alice@example.com\"\n",
    );
    let r = run(bin().args(c(&ws)).args([
        "add",
        "apple-id",
        "--apple-id",
        "alice.other@example.com",
        "--password-from",
        "stdin",
    ]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("alice@example.com"), "{}", r.stderr);
    assert!(
        !r.stderr.to_lowercase().contains("password:"),
        "no prompt: {}",
        r.stderr
    );
}

#[test]
fn fastlane_json_round_trips_through_export_and_add() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon"),
        "a Secret Service (dbus + gnome-keyring)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let pem = std::fs::read_to_string(&p8).unwrap();
    let script = format!(
        r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'; D='{dir}'
"$B" -c "$W" add api-key --name "CI key" --key-id ABCDE12345 --issuer-id {ISSUER} --enterprise --p8 '{p8}' --store reference
"$B" -c "$W" export fastlane "CI key" -o "$D/key.json"
"$B" -c "$W" remove api-key "CI key" --yes
"$B" -c "$W" add api-key --name "From fastlane" --from-fastlane-json "$D/key.json"
"$B" -c "$W" export fastlane "From fastlane"
"$B" -c "$W" token "From fastlane" | cut -d. -f1
"#,
        bin = bin_path().display(),
        ws = ws.display(),
        dir = dir.path().display(),
        p8 = p8.display()
    );
    let out = std::process::Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let key_line = pem.lines().nth(1).unwrap();
    assert!(
        !stderr.contains(key_line),
        "the key is never printed: {stderr}"
    );
    assert!(
        stderr.contains("added API key `From fastlane` (ABCDE12345)"),
        "{stderr}"
    );
    let exported: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("key.json")).unwrap())
            .unwrap();
    assert_eq!(exported, first, "the same JSON out as went in");
    assert_eq!(exported["in_house"], true);
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("enterprise = true") && !text.contains("BEGIN"),
        "{text}"
    );
    assert!(
        stdout.contains("eyJ"),
        "a token from the imported key: {stdout}"
    );
    // A file that is not fastlane's JSON: what is wrong, never its text.
    let bad = dir.path().join("bad.json");
    write(&bad, &format!("{{\"key_id\": 5, \"key\": \"{key_line}\"}}"));
    let r = run(bin().args(c(&ws)).args([
        "add",
        "api-key",
        "--name",
        "Bad",
        "--from-fastlane-json",
        bad.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("not fastlane's API key JSON"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(key_line), "{}", r.stderr);
}

#[test]
fn two_processes_adding_apps_at_once_lose_nothing_and_never_duplicate_a_slug() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let spawn = |slug: &str| {
        bin()
            .args(c(&ws))
            .args(["add", "app", slug])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Different slugs: both saved (each save holds the lock and reads the file again).
    let (a, b) = (spawn("one"), spawn("two"));
    assert!(a.wait_with_output().unwrap().status.success());
    assert!(b.wait_with_output().unwrap().status.success());
    // The same slug: one is saved, the other refused under the lock.
    let runs: Vec<_> = (0..4).map(|_| spawn("same")).collect();
    let codes: Vec<i32> = runs
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "{codes:?}");
    let text = std::fs::read_to_string(&ws).unwrap();
    for slug in ["one", "two", "same"] {
        assert_eq!(
            text.matches(&format!("slug = \"{slug}\"")).count(),
            1,
            "{slug}:\n{text}"
        );
    }
    let check = run(bin().args(c(&ws)).arg("check"));
    assert_eq!(check.code, 0, "{}", check.all());
}
