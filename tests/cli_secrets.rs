//! Scripted edits, exports and the keyring, through the real binary.

mod common;

use std::path::Path;

use common::*;

fn ws_arg(ws: &Path) -> Vec<String> {
    vec!["-c".into(), ws.to_str().unwrap().into()]
}

fn add_key(ws: &Path, name: &str, key_id: &str, p8: &Path, extra: &[&str]) -> Run {
    let mut args = ws_arg(ws);
    args.extend(
        [
            "add",
            "api-key",
            "--name",
            name,
            "--key-id",
            key_id,
            "--p8",
            p8.to_str().unwrap(),
        ]
        .map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    run(bin().args(args))
}

/// `add api-key` of "CI key" (ABCDE12345, a team key) by reference to `p8`.
fn add_ci_key(ws: &Path, p8: &Path) -> Run {
    add_key(
        ws,
        "CI key",
        "ABCDE12345",
        p8,
        &["--issuer-id", ISSUER, "--store", "reference"],
    )
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn add_api_key_by_reference_keeps_comments_and_writes_safely() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let before = std::fs::read_to_string(&ws).unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let r = add_ci_key(&ws, &p8);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("added API key `CI key` (ABCDE12345), fingerprint "),
        "{}",
        r.stderr
    );
    let after = std::fs::read_to_string(&ws).unwrap();
    assert!(
        after.contains("# my CI connections") && after.contains("# the store app"),
        "comments kept:\n{after}"
    );
    assert!(after.contains("private_key = { path = "), "{after}");
    assert!(!after.contains("BEGIN"), "no key material in the workspace");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("workspace.toml.bak")).unwrap(),
        before
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&ws), 0o600);
        assert_eq!(mode(&dir.path().join("workspace.toml.bak")), 0o600);
    }
    let check = run(bin().args(ws_arg(&ws)).args(["check", "--secrets"]));
    assert_eq!(check.code, 0, "{}", check.all());
}

#[test]
fn add_api_key_validates_before_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let original = std::fs::read_to_string(&ws).unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let rsa = dir.path().join("rsa.p8");
    std::fs::write(
        &rsa,
        openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
        ]),
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &Path, &str)> = vec![
        (vec![], &p8, "a team key needs --issuer-id"),
        (
            vec!["--issuer-id", ISSUER, "--individual"],
            &p8,
            "an individual key has no issuer ID",
        ),
        (vec!["--issuer-id", "nope"], &p8, "must be a UUID"),
        (vec!["--issuer-id", ISSUER], &rsa, "RSA key"),
    ];
    for (extra, key, expected) in cases {
        let mut args = extra.clone();
        args.extend(["--store", "reference"]);
        let r = add_key(&ws, "CI key", "ABCDE12345", key, &args);
        assert_ne!(r.code, 0, "{expected}");
        assert!(r.stderr.contains(expected), "{expected}: {}", r.stderr);
        assert!(!r.all().contains("panicked"));
    }
    let r = add_key(&ws, "CI key", "abc", &p8, &["--issuer-id", ISSUER]);
    assert!(r.stderr.contains("must be 10 characters"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&ws).unwrap(),
        original,
        "nothing saved"
    );
    assert!(!dir.path().join("workspace.toml.bak").exists());
}

#[test]
fn no_keyring_over_ssh_says_what_to_do_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let original = std::fs::read_to_string(&ws).unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    // Asked for by name (without --store a file is kept as a reference: tests/daily_cli.rs).
    let r = add_key(
        &ws,
        "CI key",
        "ABCDE12345",
        &p8,
        &["--issuer-id", ISSUER, "--store", "keyring"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no OS keyring is reachable"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("dbus-run-session") && r.stderr.contains("--store reference"),
        "both ways out: {}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), original);
}

#[test]
#[cfg(unix)] // loose modes are Unix's
fn warnings_for_loose_modes_and_mismatched_names() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ZZZZZ99999.p8");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p8, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = add_ci_key(&ws, &p8);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("named for key ZZZZZ99999"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("readable by group or others (mode 644)"),
        "{}",
        r.stderr
    );
    let check = run(bin().args(ws_arg(&ws)).arg("check"));
    assert!(
        check.stdout.contains("readable by group or others"),
        "{}",
        check.stdout
    );
}

#[test]
fn the_fifty_key_limit_and_unique_names() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    let mut text = String::from("version = 1\nyou = \"alice@example.com\"\n");
    for i in 0..50 {
        text.push_str(&format!(
            "\n[[api_keys]]\nname = \"key {i}\"\nkey_id = \"KEY{i:07}\"\nissuer_id = \"{ISSUER}\"\n"
        ));
    }
    write(&ws, &text);
    let p8 = openssl_p256(dir.path(), "k.p8");
    let r = add_key(
        &ws,
        "one more",
        "ABCDE12345",
        &p8,
        &["--issuer-id", ISSUER, "--store", "reference"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("already has 50 API keys"), "{}", r.stderr);
    let r = add_key(
        &ws,
        "key 3",
        "ABCDE12345",
        &p8,
        &["--issuer-id", ISSUER, "--store", "reference"],
    );
    assert!(
        r.stderr.contains("already has 50") || r.stderr.contains("already exists"),
        "{}",
        r.stderr
    );
}

#[test]
fn assign_follows_the_team_tab_rules() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            r#"version = 1
you = "alice@example.com"

[[api_keys]]
name = "mine"
key_id = "ABCDE12345"
issuer_id = "{ISSUER}"
private_key = {{ env = "K" }}

[[api_keys]]
name = "bobs"
key_id = "BOBBO12345"
issuer_id = "{ISSUER}"
owner = "bob@example.com"
private_key = {{ env = "K" }}

[[apple_ids]]
apple_id = "alice@example.com"
password = {{ env = "P" }}

[[apple_ids]]
apple_id = "carol@example.com"
owner = "carol@example.com"

[[apps]]
slug = "shop-ios"
owner = "bob@example.com"
admins = ["alice@example.com"]

[[apps.steps]]
id = "deploy-to-itunesconnect-deliver"
[apps.steps.inputs]
bundle_id = "io.example.shop"
"#
        ),
    );
    let w = ws.to_str().unwrap();
    let r = run(bin().args(["-c", w, "assign", "shop-ios", "--api-key", "mine"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let preview = run(bin().args(["-c", w, "preview", "--format", "json"]));
    assert!(
        preview
            .stdout
            .contains("\"identity\":\"mine (ABCDE12345)\""),
        "{}",
        preview.stdout
    );
    let r = run(bin().args(["-c", w, "assign", "shop-ios", "--api-key", "bobs"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("you can assign only your own API keys"),
        "{}",
        r.stderr
    );
    let r = run(bin().args([
        "-c",
        w,
        "assign",
        "shop-ios",
        "--apple-id",
        "carol@example.com",
    ]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("neither the owner of shop-ios"),
        "{}",
        r.stderr
    );
    let r = run(bin().args([
        "-c",
        w,
        "assign",
        "shop-ios",
        "--apple-id",
        "alice@example.com",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(bin().args(["-c", w, "assign", "shop-ios", "--none-api-key"]));
    assert_eq!(r.code, 0);
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        !text.contains("api_key = \"mine\"") && text.contains("apple_id = \"alice@example.com\"\n"),
        "{text}"
    );
    let r = run(bin().args(["-c", w, "assign", "nope", "--none-api-key"]));
    assert!(r.stderr.contains("no app `nope`"), "{}", r.stderr);
    let r = run(bin().args(["-c", w, "assign", "shop-ios"]));
    assert_eq!(r.code, 2, "one of the four flags is required");

    // Removing a connection clears it from the apps that use it.
    let r = run(bin().args(["-c", w, "remove", "apple-id", "alice@example.com"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("cleared from: shop-ios"), "{}", r.stderr);
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        !text.contains("alice@example.com\"\n\n[[apple_ids]]")
            && !text.contains("apple_id = \"alice@example.com\"\n\n[[apps"),
        "{text}"
    );
    let r = run(bin().args(["-c", w, "check"]));
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn exports_and_env_hand_over_what_the_steps_receive() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, body) = key_workspace(dir.path());
    let w = ws.to_str().unwrap();

    let out = dir.path().join("api_key.json");
    let r = run(bin().args([
        "-c",
        w,
        "export",
        "fastlane",
        "CI key",
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["key_id"], "ABCDE12345");
    assert_eq!(v["issuer_id"], ISSUER);
    assert_eq!(v["in_house"], false);
    assert_eq!(v["duration"], 1200);
    assert!(
        v["key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );

    let r = run(bin().args([
        "-c",
        w,
        "env",
        "--app",
        "shop-ios",
        "--step",
        "deploy-to-itunesconnect-deliver",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("# argument: --api_key_path <api_key.json>"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("unset FASTLANE_PASSWORD"), "{}", r.stdout);
    let r = run(bin().args([
        "-c", w, "env", "--app", "shop-ios", "--step", "fastlane", "--format", "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["receives"]["APP_STORE_CONNECT_API_KEY_PATH"],
        "<api_key.json>"
    );
    assert!(!r.all().contains(&body));
    let r = run(bin().args([
        "-c",
        w,
        "env",
        "--app",
        "shop-ios",
        "--step",
        "xcode-archive",
    ]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("its steps are deploy-to-itunesconnect-deliver, fastlane"),
        "{}",
        r.stderr
    );
}

#[test]
fn env_reveal_gives_the_real_values_and_nothing_leaks_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        r#"version = 1
you = "alice@example.com"

[[apple_ids]]
apple_id = "alice@example.com"
password = { env = "TEST_APPLE_PASSWORD" }
app_specific_password = { env = "TEST_APPLE_ASP" }

[[apps]]
slug = "shop-ios"
apple_id = "alice@example.com"

[[apps.steps]]
id = "deploy-to-itunesconnect-application-loader"
"#,
    );
    let w = ws.to_str().unwrap();
    let secret = "correct-horse-battery-9";
    let asp = "abcd-efgh-ijkl-mnop";
    let env = |cmd: &mut std::process::Command| {
        cmd.env("TEST_APPLE_PASSWORD", secret)
            .env("TEST_APPLE_ASP", asp);
    };
    let mut c = bin();
    env(&mut c);
    let r = run(c.args([
        "-c",
        w,
        "env",
        "--app",
        "shop-ios",
        "--step",
        "deploy-to-itunesconnect-application-loader",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("# argument: --password ***"),
        "{}",
        r.stdout
    );
    assert!(!r.all().contains(secret) && !r.all().contains(asp));
    let mut c = bin();
    env(&mut c);
    let r = run(c.args([
        "-c",
        w,
        "env",
        "--app",
        "shop-ios",
        "--step",
        "deploy-to-itunesconnect-application-loader",
        "--reveal",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["receives"]["--password"], asp,
        "altool gets the app-specific password"
    );
    let mut c = bin();
    env(&mut c);
    let r = run(c.args(["-c", w, "check", "--secrets"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains(secret));
    let r = run(bin().args(["-c", w, "check", "--secrets"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("environment variable TEST_APPLE_PASSWORD is not set"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_real_secret_service_stores_what_secret_tool_reads() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let script = format!(
        r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'
"$B" -c "$W" add api-key --name "CI key" --key-id ABCDE12345 --issuer-id {ISSUER} --p8 '{p8}'
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
echo "--- secret-tool"
secret-tool lookup service apple-conn username "$ID/api-key/ABCDE12345"
echo "--- token"
"$B" -c "$W" token "CI key" | cut -d. -f1
"$B" -c "$W" check --secrets
"$B" -c "$W" remove api-key "CI key"
if secret-tool lookup service apple-conn username "$ID/api-key/ABCDE12345" >/dev/null; then echo "STILL THERE"; else echo "--- gone"; fi
"#,
        bin = bin_path().display(),
        ws = ws.display(),
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
    let pem = std::fs::read_to_string(&p8).unwrap();
    let stored = stdout
        .split("--- secret-tool\n")
        .nth(1)
        .unwrap()
        .split("--- token")
        .next()
        .unwrap();
    assert_eq!(
        apple_conn::asc::p8::import(stored.as_bytes(), None, None)
            .unwrap()
            .fingerprint,
        apple_conn::asc::p8::import(pem.as_bytes(), None, None)
            .unwrap()
            .fingerprint,
        "secret-tool reads back the key apple-conn stored"
    );
    assert!(
        stdout.contains("eyJ"),
        "a token was minted from the keyring: {stdout}"
    );
    assert!(
        stdout.contains("--- gone"),
        "remove deleted the keyring entry: {stdout}"
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("workspace_id = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("the add gave the workspace its id");
    assert!(
        stderr.contains(&format!(
            "private key in the OS keyring (Secret Service) as apple-conn/{id}/api-key/ABCDE12345"
        )),
        "{stderr}"
    );
    assert!(!text.contains("PRIVATE"));
}

/// A workspace whose app's deliver and fastlane steps get the connection's API key.
fn key_workspace(dir: &Path) -> (std::path::PathBuf, String) {
    let ws = base_workspace(dir);
    let p8 = openssl_p256(dir, "AuthKey_ABCDE12345.p8");
    let r = add_ci_key(&ws, &p8);
    assert_eq!(r.code, 0, "{}", r.all());
    let w = ws.to_str().unwrap().to_string();
    let r = run(bin().args(["-c", &w, "assign", "shop-ios", "--api-key", "CI key"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let pem = std::fs::read_to_string(&p8).unwrap();
    (ws, pem.lines().nth(1).unwrap().to_string())
}

#[cfg(unix)]
#[test]
fn env_reveal_writes_the_api_key_json_to_a_private_file_and_prints_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, body) = key_workspace(dir.path());
    let w = ws.to_str().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let env = |extra: &[&str]| {
        let mut c = bin();
        c.env("TMPDIR", &tmp)
            .args(["-c", w, "env", "--app", "shop-ios", "--step", "fastlane"])
            .args(extra);
        run(&mut c)
    };

    // Without --reveal: the placeholder, and nothing written.
    let r = env(&["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["receives"]["APP_STORE_CONNECT_API_KEY_PATH"],
        "<api_key.json>"
    );
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);

    // With it: one file, in a new 0700 folder in TMPDIR, named by all three variables.
    let r = env(&["--format", "json", "--reveal"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains(&body), "no key text on stdout or stderr");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let path = v["receives"]["APP_STORE_CONNECT_API_KEY_PATH"]
        .as_str()
        .unwrap()
        .to_string();
    for var in ["DELIVER_API_KEY_PATH", "PILOT_API_KEY_PATH"] {
        assert_eq!(v["receives"][var], path.as_str(), "{var}");
    }
    let file = std::path::PathBuf::from(&path);
    assert!(file.is_absolute() && file.starts_with(&tmp), "{path}");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    // Where it is and who removes it, on stderr.
    assert!(
        r.stderr.contains(&format!("wrote {path}"))
            && r.stderr.contains("apple-conn does not remove it")
            && r.stderr
                .contains(&format!("rm -r {}", file.parent().unwrap().display())),
        "{}",
        r.stderr
    );
    // The same document `export fastlane` writes.
    let exported = dir.path().join("exported.json");
    let r = run(bin()
        .args(["-c", w, "export", "fastlane", "CI key", "-o"])
        .arg(&exported));
    assert_eq!(r.code, 0, "{}", r.all());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert_eq!(written, expected);
    assert_eq!(written["key_id"], "ABCDE12345");

    // The shell form exports the path; deliver's argument names it.
    let r = env(&["--reveal"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains(&body));
    assert!(
        r.stdout.contains("export APP_STORE_CONNECT_API_KEY_PATH=")
            && !r.stdout.contains("<api_key.json>"),
        "{}",
        r.stdout
    );

    // --key-dir: made 0700 when missing; one open to others is refused, nothing written.
    let keys = dir.path().join("keys");
    let r = env(&[
        "--format",
        "json",
        "--reveal",
        "--key-dir",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["receives"]["APP_STORE_CONNECT_API_KEY_PATH"],
        keys.join("api_key_ABCDE12345.json").to_str().unwrap()
    );
    assert_eq!(mode(&keys), 0o700);
    assert!(r.stderr.contains("rm "), "{}", r.stderr);
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = env(&["--reveal", "--key-dir", open.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("chmod 700"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0);
    // --key-dir means nothing without --reveal.
    let r = env(&["--key-dir", keys.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.all());
}

#[cfg(unix)]
#[test]
fn env_reveal_writes_the_p8_xcodebuild_reads_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, body) = key_workspace(dir.path());
    let mut text = std::fs::read_to_string(&ws).unwrap();
    text.push_str(
        "\n[[apps.steps]]\nid = \"xcode-archive\"\n[apps.steps.inputs]\nautomatic_code_signing = \"api-key\"\n",
    );
    write(&ws, &text);
    let env = |extra: &[&str]| {
        let mut c = bin();
        c.env("TMPDIR", dir.path())
            .arg("-c")
            .arg(&ws)
            .args(["env", "--app", "shop-ios", "--step", "xcode-archive"])
            .args(["--format", "json"])
            .args(extra);
        run(&mut c)
    };
    let r = env(&[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["receives"]["-authenticationKeyPath"],
        "<tmp AuthKey_ABCDE12345_*.p8>"
    );
    let r = env(&["--reveal"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains(&body));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let path = std::path::PathBuf::from(v["receives"]["-authenticationKeyPath"].as_str().unwrap());
    assert!(
        path.ends_with("AuthKey_ABCDE12345.p8"),
        "{}",
        path.display()
    );
    assert_eq!(mode(&path), 0o600);
    // openssl reads it as the same key the workspace names.
    let written = openssl(&["pkey", "-in", path.to_str().unwrap(), "-pubout"]);
    let original = openssl(&[
        "pkey",
        "-in",
        dir.path().join("AuthKey_ABCDE12345.p8").to_str().unwrap(),
        "-pubout",
    ]);
    assert_eq!(written, original);
}
