//! The loopback Bitrise API (tests/stubs/bitrise_stub.py): start one per test, read what it was
//! sent, and check that everything it saw and answered matched Bitrise's OpenAPI document.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::*;

/// The stub's valid personal access token.
pub const TOKEN: &str = "stub-bitrise-pat-7f3a9c2e";

pub struct Stub {
    pub url: String,
    pub root: String,
    child: Child,
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python with openapi-core (CI's venv), looked for once (the import takes seconds).
pub fn python() -> Option<String> {
    static FOUND: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_python).clone()
}

fn find_python() -> Option<String> {
    let candidates = [
        std::env::var("APPLE_CONN_TEST_PYTHON").ok(),
        Some(format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR"))),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import openapi_core, werkzeug"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

pub fn start(args: &[&str]) -> Option<Stub> {
    let py = python();
    if !require(py.is_some(), "Python with PyPI openapi-core (CI's .venv)") {
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs/bitrise_stub.py");
    let mut child = Command::new(py.unwrap())
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("stub port");
    let root = format!("http://127.0.0.1:{port}");
    Some(Stub {
        url: format!("{root}/v0.1"),
        root,
        child,
    })
}

impl Stub {
    /// `GET /_stats`, over a plain socket (HTTP/1.0: the answer ends when the stub closes).
    pub fn stats(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.root.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET /_stats HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {raw}"))
    }

    /// Every request the stub was sent: (path, query).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.stats()["requests"].as_array().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| r["path"].as_str().unwrap().to_string())
            .collect()
    }

    /// Every request as `METHOD /path`.
    pub fn calls(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap_or("GET"),
                    r["path"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// The requests sent as `METHOD` (`PATCH`, `POST`, …), bodies included.
    pub fn sent(&self, method: &str) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] == method)
            .collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.paths().iter().filter(|p| *p == path).count()
    }

    /// Every request and answer passed Bitrise's OpenAPI document (openapi-core), and every
    /// request carried the token as it is in `Authorization`.
    pub fn assert_all_valid(&self) {
        let stats = self.stats();
        let errors = stats["validation_errors"].as_array().unwrap();
        assert!(
            errors.is_empty(),
            "not what Bitrise's spec describes: {errors:#?}"
        );
        for r in stats["requests"].as_array().unwrap() {
            let auth = r["authorization"].as_str().unwrap_or("");
            assert!(
                auth == TOKEN || auth == "revoked-token-0000",
                "Authorization must be the token as it is (no Bearer): {r}"
            );
        }
    }
}

/// A workspace signed in to the stub with an env reference to the token.
pub fn signed_in_workspace(dir: &Path, extra: &str) -> PathBuf {
    let ws = dir.join("workspace.toml");
    write(
        &ws,
        &format!(
            "# my CI connections\nversion = 1\nyou = \"me@example.com\"\n\n[settings.bitrise]\nuser = \"u-alice01\"\ntoken = {{ env = \"BITRISE_TEST_TOKEN\" }}\n{extra}"
        ),
    );
    ws
}

/// `apple-conn -c WS ARGS... --api-url STUB` with the token in the environment (never argv).
pub fn cmd(stub: &Stub, ws: &Path, args: &[&str]) -> Command {
    let mut c = bin();
    c.env("BITRISE_TEST_TOKEN", TOKEN)
        .env_remove("APPLE_CONN_BITRISE_API_URL")
        .arg("-c")
        .arg(ws)
        .args(args)
        .args(["--api-url", &stub.url]);
    c
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A signed-in workspace: "Team key" (not on Bitrise yet) and "CI key" (already in Acme's
/// workspace), Bob's Apple ID, and apps pulled from Acme's workspace.
pub fn team(dir: &std::path::Path, apps: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let p8 = openssl_p256(dir, "AuthKey_TTTTTTTTTT.p8");
    let ci = openssl_p256(dir, "AuthKey_AAAAAAAAAA.p8");
    let ws = signed_in_workspace(
        dir,
        &format!(
            "\n[[api_keys]]\nname = \"Team key\"\nkey_id = \"TTTTTTTTTT\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n\n[[apple_ids]]\napple_id = \"bob@icloud.example\"\nowner = \"bob@example.com\"\npassword = {{ env = \"BOB_PW\" }}\n{apps}",
            p8.display(),
            ci.display()
        ),
    );
    (ws, p8)
}

pub fn pulled(slug: &str, title: &str, extra: &str) -> String {
    format!(
        "\n[[apps]]\nslug = \"{slug}\"\ntitle = \"{title}\"\nowner = \"me@example.com\"\nadmins = [\"bob@example.com\"]\n{extra}\n[apps.bitrise]\nowner = \"org-acme\"\nowner_name = \"Acme Ltd\"\npulled_at = 2026-12-01T10:00:00Z\n"
    )
}

/// A stand-in started with `args` and a signed-in workspace (no keys, no apps) in a fresh folder:
/// the setup most tests against the stand-in begin with.
pub struct Scene {
    pub stub: Stub,
    pub dir: tempfile::TempDir,
    pub ws: PathBuf,
}

/// None when the stand-in cannot start here (no Python with openapi-core, outside CI).
pub fn scene(args: &[&str]) -> Option<Scene> {
    let stub = start(args)?;
    let dir = tempfile::tempdir().unwrap();
    let ws = signed_in_workspace(dir.path(), "");
    Some(Scene { stub, dir, ws })
}

impl Scene {
    /// `apple-conn -c WS ARGS… --api-url STUB`, to be run.
    pub fn cmd(&self, args: &[&str]) -> Command {
        cmd(&self.stub, &self.ws, args)
    }

    /// The command run to its end.
    pub fn run(&self, args: &[&str]) -> Run {
        run(&mut self.cmd(args))
    }

    /// The command run, the test failing ("{what} hangs") when it is still running after `limit`.
    pub fn run_within(&self, args: &[&str], limit: std::time::Duration, what: &str) -> Run {
        run_within(&mut self.cmd(args), limit, what)
    }
}
