//! Leftovers: removing a connection removes the session file apple-conn wrote for it, and a
//! failed `add apple-id --session-file` leaves no file behind (against the Apple stub).

mod common;
mod signin_stub;

use std::path::Path;
use std::process::Command;

use common::*;
use signin_stub::Stub;
use signin_stub::stub;

fn add(stub: &Stub, ws: &Path, session: &Path) -> Run {
    run(bin()
        .env("TEST_PW", "pw-trusted")
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args(["--apple-id", "trusted@example.com"])
        .args(["--password-from", "env:TEST_PW", "--store", "reference"])
        .args(["--session-file", session.to_str().unwrap()])
        .args(["--apple-auth-url", &stub.url])
        .args(["--code-from", "env:TEST_CODE"])
        .env("TEST_CODE", "123456"))
}

#[test]
fn removing_an_apple_id_removes_the_session_file_apple_conn_wrote() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let session = dir.path().join("session.json");
    let r = add(&stub, &ws, &session);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(session.exists());
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "remove",
        "apple-id",
        "trusted@example.com",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !session.exists(),
        "the session file outlived its connection"
    );
}

#[cfg(unix)]
#[test]
fn a_failed_add_leaves_no_session_file() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    // The save fails after the sign-in: a planted link as the lock file is refused.
    let elsewhere = dir.path().join("elsewhere");
    write(&elsewhere, "x");
    std::os::unix::fs::symlink(&elsewhere, dir.path().join("ws.toml.lock")).unwrap();
    let session = dir.path().join("session.json");
    let r = add(&stub, &ws, &session);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(!session.exists(), "a failed add left its session file");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "x");
    assert!(!r.all().contains("pw-trusted"));
}

#[test]
fn reauth_moving_the_session_to_a_file_leaves_no_keyring_entry() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    ) {
        return;
    }
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let session = dir.path().join("session.json");
    let script = format!(
        r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'
"$B" -c "$W" add apple-id --apple-id trusted@example.com --password-from env:TEST_PW --store reference --apple-auth-url '{url}' --code-from env:TEST_CODE
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
if secret-tool lookup service apple-conn username "$ID/apple-id/trusted@example.com/session" >/dev/null; then echo "--- in keyring"; fi
"$B" -c "$W" reauth trusted@example.com --session-file '{session}' --apple-auth-url '{url}' --code-from env:TEST_CODE
if secret-tool lookup service apple-conn username "$ID/apple-id/trusted@example.com/session" >/dev/null; then echo "STILL THERE"; else echo "--- gone"; fi
"#,
        bin = bin_path().display(),
        ws = ws.display(),
        url = stub.url,
        session = session.display()
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("HOME", dir.path())
        .env("TEST_PW", "pw-trusted")
        .env("TEST_CODE", "123456")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("--- in keyring"), "{stdout}\n{stderr}");
    assert!(stdout.contains("--- gone"), "{stdout}\n{stderr}");
    assert!(session.exists());
    assert!(!stderr.contains("pw-trusted"));
}
