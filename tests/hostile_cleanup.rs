//! Leftovers: removing a connection removes the session file apple-conn wrote for it, and a
//! failed `add apple-id --session-file` leaves no file behind (against the Apple stub).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;

struct Stub {
    child: Child,
    url: String,
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stub() -> Option<Stub> {
    let py = python();
    if !require(py.is_some(), "Python with PyPI srp (CI's .venv)") {
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs/apple_stub.py");
    let mut child = Command::new(py.unwrap())
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("stub port");
    Some(Stub {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

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
    let Some(stub) = stub() else { return };
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
    let Some(stub) = stub() else { return };
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
