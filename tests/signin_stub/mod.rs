//! The loopback Apple stub (tests/stubs/apple_stub.py) and the CLI calls the sign-in tests share.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::*;

pub struct Stub {
    pub url: String,
    child: Child,
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn stub(extra: &[&str]) -> Option<Stub> {
    let py = python();
    if !require(py.is_some(), "Python with PyPI srp (CI's .venv)") {
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs/apple_stub.py");
    let mut child = Command::new(py.unwrap())
        .arg(script)
        .args(extra)
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

pub fn stats(stub: &Stub) -> serde_json::Value {
    get(stub, "/stats")
}

/// A GET on the stub's own paths (`/stats`, `/_test/...`), its JSON answer.
pub fn get(stub: &Stub, path: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-s", &format!("{}{path}", stub.url)])
        .output();
    match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_default(),
        _ => {
            // Without curl, ask through Python's urllib.
            let o = Command::new(python().unwrap())
                .args(["-c", &format!("import urllib.request;print(urllib.request.urlopen('{}{path}').read().decode())", stub.url)])
                .output()
                .unwrap();
            serde_json::from_slice(&o.stdout).unwrap()
        }
    }
}

pub fn workspace(dir: &Path) -> std::path::PathBuf {
    let ws = dir.join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    ws
}

pub fn add(stub: &Stub, ws: &Path, apple_id: &str, password: &str, extra: &[&str]) -> Run {
    let dir = ws.parent().unwrap();
    let mut cmd = bin();
    cmd.env("TEST_PW", password)
        .env("TEST_ASP", "abcd-efgh-ijkl-mnop")
        .args([
            "-c",
            ws.to_str().unwrap(),
            "add",
            "apple-id",
            "--apple-id",
            apple_id,
        ])
        .args([
            "--password-from",
            "env:TEST_PW",
            "--app-specific-password-from",
            "env:TEST_ASP",
            "--store",
            "reference",
        ])
        .args(["--session-file", dir.join("session.json").to_str().unwrap()])
        .args(["--apple-auth-url", &stub.url])
        .args(extra);
    run(&mut cmd)
}

pub fn assert_no_secrets(texts: &[&str], secrets: &[&str]) {
    for t in texts {
        for s in secrets {
            assert!(!t.contains(s), "a secret leaked: {s} in\n{t}");
        }
    }
}

/// A fresh workspace in `dir` with `apple_id` added through the stub (the run must succeed).
pub fn signed_in(
    stub: &Stub,
    dir: &Path,
    apple_id: &str,
    password: &str,
    extra: &[&str],
) -> (std::path::PathBuf, Run) {
    let ws = workspace(dir);
    let r = add(stub, &ws, apple_id, password, extra);
    assert_eq!(r.code, 0, "{}", r.all());
    (ws, r)
}
