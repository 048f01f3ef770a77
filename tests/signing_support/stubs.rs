//! The two stand-ins of `signing --bitrise --apple`: Bitrise's signing routes with their download
//! host (tests/stubs/bitrise_signing.py) and App Store Connect (tests/stubs/asc_stub.py).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct Stub {
    pub ports: Vec<u16>,
    child: Child,
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python with openapi-core (CI's venv).
pub fn python() -> Option<String> {
    [
        std::env::var("APPLE_CONN_TEST_PYTHON").ok(),
        Some(format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR"))),
    ]
    .into_iter()
    .flatten()
    .find(|p| {
        Command::new(p)
            .args(["-c", "import openapi_core, werkzeug"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Starts `tests/stubs/<script> args…`; the first line of its output is its port(s).
pub fn start(script: &str, args: &[&str]) -> Option<Stub> {
    let py = python();
    if !crate::common::require(py.is_some(), "Python with PyPI openapi-core (CI's .venv)") {
        return None;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/stubs")
        .join(script);
    let mut child = Command::new(py.unwrap())
        .arg(path)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ports = line
        .split_whitespace()
        .map(|p| p.parse().expect("stub port"))
        .collect();
    Some(Stub { ports, child })
}

impl Stub {
    pub fn root(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[0])
    }

    /// `GET /_stats` (HTTP/1.0: the answer ends when the stub closes).
    pub fn stats(&self) -> serde_json::Value {
        let addr = format!("127.0.0.1:{}", self.ports[0]);
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET /_stats HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {raw}"))
    }

    /// Every request and answer passed the OpenAPI document, and some were checked.
    pub fn assert_all_valid(&self) {
        let stats = self.stats();
        let errors = stats["validation_errors"].as_array().unwrap();
        assert!(
            errors.is_empty(),
            "not what the document describes: {errors:#?}"
        );
        assert!(
            stats["validated"]["responses"].as_u64().unwrap() > 0,
            "{stats}"
        );
    }
}
