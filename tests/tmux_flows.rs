//! One scenario per TUI flow: the real binary in tmux on a real, commented workspace file;
//! each test reads the file on disk afterwards (and, for sign-ins, talks to the loopback stub).
#![cfg(unix)] // Unix by nature: tmux drives the real binary in a pty.

mod common;
mod signin_stub;

use std::path::PathBuf;
use std::process::Command;

use common::tmux::Tmux;
use common::*;

const WORKSPACE: &str = r#"# my CI connections
version = 1
you = "trusted@example.com"

[[api_keys]]
# the release key
name = "CI key"   # shown in the TUI
key_id = "ABCDE12345"
issuer_id = "57246542-96fe-1a63-e053-0824d011072a"  # from App Store Connect
enterprise = false  # not an Enterprise Program key
private_key = { path = "ci.p8" }

[[apple_ids]]
apple_id = "trusted@example.com"
password = { env = "STUB_PW" }
session = { path = "session.json" }

[[apps]]
slug = "shop-ios"  # the store app

[[apps.steps]]
id = "deploy-to-itunesconnect-deliver"

[[apps.steps]]
id = "fastlane"
"#;

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    ws: PathBuf,
    done: PathBuf,
}

fn setup() -> Option<Setup> {
    if !require(have("tmux"), "tmux") || !require(have("openssl"), "openssl") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let ws = path.join("workspace.toml");
    write(&ws, WORKSPACE);
    let key = openssl_p256(&path, "ci.p8");
    assert!(key.exists());
    Some(Setup {
        done: path.join("done"),
        dir: path,
        ws,
        _dir: dir,
    })
}

/// The TUI on the setup's workspace; `env` goes before the command (e.g. `STUB_PW=…`).
fn open(s: &Setup, name: &str, env: &str, extra: &str) -> Tmux {
    let cmd = format!(
        "cd {} && {env} {} -c {} --no-color {extra}; touch {}",
        s.dir.display(),
        bin_path().display(),
        s.ws.display(),
        s.done.display()
    );
    let t = Tmux::start(name, &cmd, 120, 40);
    t.wait_for("1 Connections");
    t
}

/// The TUI inside its own D-Bus session with a fresh, unlocked gnome-keyring (as cli_secrets does);
/// `after` runs in the same session once the TUI quits (the keyring is gone after that).
fn open_with_keyring(s: &Setup, name: &str, extra: &str, after: &str) -> Option<Tmux> {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon"),
        "a Secret Service (dbus + gnome-keyring)",
    ) {
        return None;
    }
    let bin = bin_path();
    let cmd = format!(
        "cd {dir} && HOME={dir} XDG_DATA_HOME={dir}/data dbus-run-session -- bash -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done; {bin} -c {ws} --no-color {extra}; {after}; touch {done}'",
        dir = s.dir.display(),
        bin = bin.display(),
        ws = s.ws.display(),
        done = s.done.display()
    );
    let t = Tmux::start(name, &cmd, 120, 40);
    t.wait_for("1 Connections");
    Some(t)
}

/// The file as saved, without the `workspace_id` line the first save adds (random; checked once).
fn on_disk(s: &Setup) -> String {
    let text = std::fs::read_to_string(&s.ws).unwrap();
    let ids = text
        .lines()
        .filter(|l| l.starts_with("workspace_id = "))
        .count();
    assert!(ids <= 1, "{text}");
    text.lines()
        .filter(|l| !l.starts_with("workspace_id = "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The text inside the form's border, its wrapped lines joined again.
fn form_text(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| {
            let start = l.find('┃')?;
            let rest = &l[start + '┃'.len_utf8()..];
            let end = rest.rfind('┃')?;
            Some(rest[..end].trim().to_string())
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Store defaulted to reference with the keyring message in full: its start and both ways out.
fn assert_whole_no_keyring_notice(screen: &str) {
    let text = form_text(screen);
    for part in [
        "Store is reference: no OS keyring is reachable",
        "Either start apple-conn inside a Secret Service session",
        "or choose Store: reference and write where each secret is (env:VAR or file:PATH)",
    ] {
        assert!(text.contains(part), "{part:?} in the form:\n{screen}");
    }
    // The TUI names its own fields, not the CLI's flags.
    assert!(!text.contains("--store"), "{screen}");
}

#[test]
fn add_a_key_as_a_file_reference() {
    let Some(s) = setup() else { return };
    let p8 = openssl_p256(&s.dir, "AuthKey_RELEASE123.p8");
    let t = open(&s, "addref", "", "");
    t.keys(&["a"]);
    t.wait_for("Add API key");
    t.literal("Release");
    t.keys(&["Tab"]);
    t.literal("57246542-96fe-1a63-e053-0824d011072a");
    t.keys(&["Tab"]);
    t.literal("RELEASE123");
    t.keys(&["Tab", "Tab", "Tab"]);
    t.literal(p8.to_str().unwrap());
    // No keyring in this session: Store is reference already (▶ stops there), and the form
    // says why, whole.
    t.keys(&["Down", "Right"]);
    let form = t.wait_for("◀ reference ▶");
    assert_whole_no_keyring_notice(&form);
    t.keys(&["Enter"]);
    let screen = t.wait_for("added API key Release (RELEASE123)");
    t.quit(&s.done);
    let text = on_disk(&s);
    // The .p8 is in the workspace's folder: saved relative to it (the file stays portable).
    assert!(
        text.contains("private_key = { path = \"AuthKey_RELEASE123.p8\" }"),
        "{text}"
    );
    let fp = text
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint = \""))
        .map(|f| f.trim_end_matches('"').to_string())
        .expect("the fingerprint is recorded");
    assert!(
        screen.contains(&fp[..16]),
        "the message showed the recorded fingerprint"
    );
    for line in WORKSPACE.lines() {
        assert!(
            text.lines().any(|l| l == line),
            "{line:?} stays as it was:\n{text}"
        );
    }
}

#[test]
fn add_a_key_to_the_real_keyring() {
    let Some(s) = setup() else { return };
    let p8 = openssl_p256(&s.dir, "AuthKey_KEYRING123.p8");
    let token = s.dir.join("token.txt");
    let after = format!(
        "{} -c {} token \"Ring key\" > {} 2>&1",
        bin_path().display(),
        s.ws.display(),
        token.display()
    );
    let Some(t) = open_with_keyring(&s, "addkeyring", "", &after) else {
        return;
    };
    t.keys(&["a"]);
    t.wait_for("Add API key");
    t.literal("Ring key");
    t.keys(&["Tab"]);
    t.literal("57246542-96fe-1a63-e053-0824d011072a");
    t.keys(&["Tab"]);
    t.literal("KEYRING123");
    t.keys(&["Tab", "Tab", "Tab"]);
    t.literal(p8.to_str().unwrap());
    t.keys(&["Enter"]);
    t.wait_for("added API key Ring key (KEYRING123)");
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(text.contains("name = \"Ring key\""), "{text}");
    assert!(text.contains("private_key = { keyring = true }"), "{text}");
    // The key is in the keyring for real: the CLI signed a token with it in the same session.
    let jwt = std::fs::read_to_string(&token).unwrap();
    assert_eq!(jwt.trim().matches('.').count(), 2, "{jwt}");
}

#[test]
fn rename_a_key_keeping_comments_and_default_lines() {
    let Some(s) = setup() else { return };
    let t = open(&s, "rename", "", "");
    t.keys(&["2", "s", "Enter"]);
    t.wait_for("shop-ios: api_key = CI key");
    t.keys(&["1", "e"]);
    t.wait_for("Edit API key");
    t.keys(&["C-u"]);
    t.literal("Store key");
    t.keys(&["Enter"]);
    t.wait_for("saved API key Store key");
    t.quit(&s.done);
    let text = on_disk(&s);
    let expected = WORKSPACE
        .replace(
            "name = \"CI key\"   # shown in the TUI",
            "name = \"Store key\"   # shown in the TUI",
        )
        .replace(
            "slug = \"shop-ios\"  # the store app\n",
            "slug = \"shop-ios\"  # the store app\napi_key = \"Store key\"\n",
        );
    assert_eq!(text, expected);
}

#[test]
fn assign_and_unassign_both_kinds() {
    let Some(s) = setup() else { return };
    let t = open(&s, "assign", "", "");
    t.keys(&["2", "s", "Enter"]);
    t.wait_for("shop-ios: api_key = CI key");
    t.keys(&["s", "s"]);
    t.wait_for("Apple ID for shop-ios");
    t.keys(&["Enter"]);
    t.wait_for("shop-ios: apple_id = trusted@example.com");
    let both = on_disk(&s);
    assert!(
        both.contains("api_key = \"CI key\"")
            && both.contains("apple_id = \"trusted@example.com\"\n\n[[apps.steps]]"),
        "{both}"
    );
    // Clear both: the last option of each chooser.
    t.keys(&["s", "Down", "Down", "Enter"]);
    t.wait_for("shop-ios: api_key cleared");
    t.keys(&["s", "s", "Down", "Enter"]);
    t.wait_for("shop-ios: apple_id cleared");
    t.quit(&s.done);
    assert_eq!(on_disk(&s), WORKSPACE);
    // The TUI's first save gave the older file its keyring scope, as a root key.
    let raw = std::fs::read_to_string(&s.ws).unwrap();
    assert!(
        raw.contains("you = \"trusted@example.com\"\nworkspace_id = \""),
        "{raw}"
    );
}

#[test]
fn remove_a_key_and_an_apple_id() {
    let Some(s) = setup() else { return };
    let t = open(&s, "remove", "", "");
    t.keys(&["d"]);
    t.wait_for("Remove");
    t.keys(&["y"]);
    t.wait_for("removed CI key");
    t.keys(&["d", "y"]);
    t.wait_for("removed trusted@example.com");
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(
        !text.contains("[[api_keys]]") && !text.contains("[[apple_ids]]"),
        "{text}"
    );
    assert!(
        text.starts_with("# my CI connections\nversion = 1\n"),
        "{text}"
    );
    assert!(
        text.contains("slug = \"shop-ios\"  # the store app"),
        "{text}"
    );
}

#[test]
fn set_a_step_input() {
    let Some(s) = setup() else { return };
    let t = open(&s, "inputs", "", "");
    t.keys(&["4", "i"]);
    t.wait_for("Inputs · shop-ios · #0 deploy-to-itunesconnect-deliver");
    t.literal("api_key");
    t.keys(&["Enter"]);
    t.wait_for("connection = api_key");
    t.quit(&s.done);
    let text = on_disk(&s);
    let expected = WORKSPACE.replace(
        "id = \"deploy-to-itunesconnect-deliver\"\n",
        "id = \"deploy-to-itunesconnect-deliver\"\n\n[apps.steps.inputs]\nconnection = \"api_key\"\n",
    );
    assert_eq!(text, expected);
}

#[test]
fn re_authenticate_against_the_stub() {
    let Some(s) = setup() else { return };
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    let t = open(
        &s,
        "reauth",
        "STUB_PW=pw-trusted",
        &format!("--apple-auth-url {}", stub.url),
    );
    t.keys(&["Down", "r"]);
    t.wait_for("Two-factor code");
    t.literal("123456");
    t.keys(&["Enter"]);
    t.wait_for("re-authenticated");
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(text.contains("authenticated_at = 20"), "{text}");
    assert!(text.contains("session_expires_at = 20"), "{text}");
    assert!(
        text.contains("name = \"Acme Ltd\""),
        "teams recorded: {text}"
    );
    let session = std::fs::read_to_string(s.dir.join("session.json")).unwrap();
    assert!(
        session.contains("DES"),
        "the trust cookie is kept: {session}"
    );
    assert!(text.starts_with("# my CI connections\n"), "{text}");
}

#[test]
fn add_an_apple_id_against_the_stub() {
    let Some(s) = setup() else { return };
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    // No Apple ID in this workspace yet: the first one is added through the `a` chooser.
    write(
        &s.ws,
        "version = 1\nyou = \"trusted@example.com\"\n\n[[apps]]\nslug = \"shop-ios\"\n",
    );
    let Some(t) = open_with_keyring(
        &s,
        "addaid",
        &format!("--apple-auth-url {}", stub.url),
        "true",
    ) else {
        return;
    };
    t.keys(&["a"]);
    t.wait_for("Add a connection");
    t.keys(&["Down", "Enter"]);
    t.wait_for("Add Apple ID");
    t.literal("trusted@example.com");
    t.keys(&["Tab"]);
    t.literal("pw-trusted");
    t.keys(&["Enter"]);
    t.wait_for("Two-factor code");
    t.literal("123456");
    t.keys(&["Enter"]);
    t.wait_for("App-specific password");
    // Esc keeps the session that was just made.
    t.keys(&["Escape"]);
    let screen = t.wait_for("added Apple ID trusted@example.com");
    assert!(!screen.contains("pw-trusted"));
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(
        text.contains("apple_id = \"trusted@example.com\""),
        "{text}"
    );
    assert!(text.contains("authenticated_at = 20"), "{text}");
    assert!(
        text.contains("name = \"Acme Ltd\""),
        "teams recorded: {text}"
    );
    assert!(!text.contains("pw-trusted"), "{text}");
}

fn line_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(key)).unwrap_or("")
}

#[test]
fn re_authenticate_with_a_live_trust_cookie_posts_no_code() {
    let Some(s) = setup() else { return };
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    let t = open(
        &s,
        "refresh",
        "STUB_PW=pw-trusted",
        &format!("--apple-auth-url {}", stub.url),
    );
    // No session yet: `r` says why it needs a code, then signs in with one.
    t.keys(&["Down", "r"]);
    t.wait_for("Two-factor code");
    t.literal("123456");
    t.keys(&["Enter"]);
    t.wait_for("re-authenticated");
    let first = on_disk(&s);
    let authenticated = line_of(&first, "authenticated_at = 20").to_string();
    assert!(!authenticated.is_empty(), "{first}");
    assert_eq!(
        signin_stub::stats(&stub)["codes"].as_array().unwrap().len(),
        1
    );
    let session_before = std::fs::read_to_string(s.dir.join("session.json")).unwrap();
    // The trust cookie now lives: `r` refreshes with it, no code form.
    t.keys(&["r"]);
    t.wait_for("refreshed with the trust cookie (no code); the session expires 20");
    t.quit(&s.done);
    let stats = signin_stub::stats(&stub);
    assert_eq!(
        stats["codes"].as_array().unwrap().len(),
        1,
        "the refresh posted no code: {stats}"
    );
    assert_eq!(stats["complete"]["trusted@example.com"], 2, "{stats}");
    let text = on_disk(&s);
    // No new code: authenticated_at stays; the expiry is recorded; the comments stay.
    assert_eq!(
        line_of(&text, "authenticated_at = 20"),
        authenticated,
        "{text}"
    );
    assert!(text.contains("session_expires_at = 20"), "{text}");
    assert!(text.starts_with("# my CI connections\n"), "{text}");
    let session = std::fs::read_to_string(s.dir.join("session.json")).unwrap();
    assert!(
        session.contains("DES"),
        "the trust cookie is kept: {session}"
    );
    assert_ne!(session, session_before, "a new session is stored");
}

#[test]
fn add_an_apple_id_by_reference_without_a_keyring() {
    let Some(s) = setup() else { return };
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    write(
        &s.ws,
        "version = 1\nyou = \"trusted@example.com\"\n\n[[apps]]\nslug = \"shop-ios\"\n",
    );
    // No D-Bus in this session: no keyring, so the passwords stay where they are.
    let t = open(
        &s,
        "addaidref",
        "STUB_PW=pw-trusted STUB_ASP=abcd-efgh-ijkl-mnop",
        &format!("--apple-auth-url {}", stub.url),
    );
    t.keys(&["a"]);
    t.wait_for("Add a connection");
    t.keys(&["Down", "Enter"]);
    t.wait_for("Add Apple ID");
    let form = t.wait_for("◀ reference ▶");
    assert!(form.contains("Password from"), "{form}");
    assert_whole_no_keyring_notice(&form);
    t.literal("trusted@example.com");
    t.keys(&["Tab"]);
    t.literal("env:STUB_PW");
    t.keys(&["Enter"]);
    t.wait_for("Two-factor code");
    t.literal("123456");
    t.keys(&["Enter"]);
    t.wait_for("App-specific password from");
    t.literal("env:STUB_ASP");
    t.keys(&["Enter"]);
    let screen = t.wait_for("added Apple ID trusted@example.com");
    assert!(!screen.contains("pw-trusted"), "{screen}");
    t.quit(&s.done);
    let text = on_disk(&s);
    for line in [
        "apple_id = \"trusted@example.com\"",
        "password = { env = \"STUB_PW\" }",
        "app_specific_password = { env = \"STUB_ASP\" }",
        "session = { path = \"trusted@example.com.session.json\" }",
        "name = \"Acme Ltd\"",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    assert!(text.contains("authenticated_at = 20"), "{text}");
    assert!(!text.contains("keyring"), "nothing in a keyring: {text}");
    assert!(
        !text.contains("pw-trusted") && !text.contains("abcd-efgh"),
        "{text}"
    );
    // The session went to the file next to the workspace, and the CLI reads it from there.
    let session = std::fs::read_to_string(s.dir.join("trusted@example.com.session.json")).unwrap();
    assert!(
        session.contains("DES"),
        "the trust cookie is kept: {session}"
    );
    let export = Command::new(bin_path())
        .args([
            "-c",
            s.ws.to_str().unwrap(),
            "session",
            "export",
            "trusted@example.com",
        ])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    assert!(
        export.status.success() && !export.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
}
