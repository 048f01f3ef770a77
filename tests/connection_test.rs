//! `apple-conn test` against a loopback App Store Connect that verifies the bearer token's ES256
//! signature with the key's public key, and answers 200, 401, 403, slowly, or not at all.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

#[derive(Clone, Copy)]
enum Mode {
    Verify,
    Forbidden,
    SkewedUnauthorized,
    Slow,
    Close,
}

/// Serves until the test ends; counts requests so "no retries" can be checked.
fn server(mode: Mode, public_pem: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap_or(0);
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line
                    .strip_prefix("Authorization: Bearer ")
                    .or_else(|| line.strip_prefix("authorization: Bearer "))
                {
                    auth = v.trim().to_string();
                }
            }
            let mut stream = stream;
            let date = chrono::Utc::now()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            let (status, date) = match mode {
                Mode::Close => continue,
                Mode::Slow => {
                    std::thread::sleep(std::time::Duration::from_secs(3));
                    (200, date)
                }
                Mode::Forbidden => (403, date),
                Mode::SkewedUnauthorized => (401, "Mon, 01 Jan 2024 00:00:00 GMT".to_string()),
                Mode::Verify => {
                    let key =
                        jsonwebtoken::DecodingKey::from_ec_pem(public_pem.as_bytes()).unwrap();
                    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
                    v.set_audience(&["appstoreconnect-v1"]);
                    let ok = request_line.starts_with("GET /v1/apps?limit=1 ")
                        && jsonwebtoken::decode::<serde_json::Value>(&auth, &key, &v).is_ok();
                    (if ok { 200 } else { 401 }, date)
                }
            };
            let body = if status == 200 {
                r#"{"data":[]}"#
            } else {
                r#"{"errors":[{"status":"401","detail":"Provide a properly configured and signed bearer token"}]}"#
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nDate: {date}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.flush();
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        }
    });
    (url, hits)
}

fn setup(dir: &Path) -> (std::path::PathBuf, String, std::path::PathBuf) {
    let p8 = openssl_p256(dir, "AuthKey_ABCDE12345.p8");
    let public =
        String::from_utf8(openssl(&["pkey", "-in", p8.to_str().unwrap(), "-pubout"])).unwrap();
    let ws = base_workspace(dir);
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "api-key",
        "--name",
        "CI key",
        "--key-id",
        "ABCDE12345",
        "--issuer-id",
        ISSUER,
        "--p8",
        p8.to_str().unwrap(),
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    (ws, public, p8)
}

fn test_cmd(ws: &Path, url: &str, extra: &[&str]) -> Run {
    run(bin()
        .args([
            "-c",
            ws.to_str().unwrap(),
            "test",
            "CI key",
            "--base-url",
            url,
        ])
        .args(extra))
}

#[test]
fn a_working_key_is_reported_working() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, public, _) = setup(dir.path());
    let (url, hits) = server(Mode::Verify, public);
    let r = test_cmd(&ws, &url, &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("working"), "{}", r.stdout);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_key_signed_by_another_p8_is_rejected_with_causes_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _, _) = setup(dir.path());
    let other = openssl_p256(dir.path(), "other.p8");
    let other_public = String::from_utf8(openssl(&[
        "pkey",
        "-in",
        other.to_str().unwrap(),
        "-pubout",
    ]))
    .unwrap();
    let (url, hits) = server(Mode::Verify, other_public);
    let r = test_cmd(&ws, &url, &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("Apple rejected the token (401)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("wrong issuer ID") && r.stdout.contains("revoked"),
        "{}",
        r.stdout
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "a 401 is never retried");
}

#[test]
fn clock_skew_is_named_from_the_date_header() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, public, _) = setup(dir.path());
    let (url, _) = server(Mode::SkewedUnauthorized, public);
    let r = test_cmd(&ws, &url, &["--format", "json"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["result"], "rejected");
    assert!(
        v["messages"].to_string().contains("clock skew"),
        "{}",
        r.stdout
    );
}

#[test]
fn forbidden_slow_and_closed_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, public, _) = setup(dir.path());
    let (url, _) = server(Mode::Forbidden, public.clone());
    let r = test_cmd(&ws, &url, &[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("lacks access (403)"), "{}", r.stdout);
    let (url, _) = server(Mode::Slow, public.clone());
    let r = test_cmd(&ws, &url, &["--timeout", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did not answer within 1 s"),
        "{}",
        r.stderr
    );
    let (url, _) = server(Mode::Close, public);
    let r = test_cmd(&ws, &url, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("could not reach App Store Connect"),
        "{}",
        r.stderr
    );
    let r = test_cmd(&ws, "http://192.0.2.1", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("only loopback"), "{}", r.stderr);
}

#[test]
fn an_apple_id_reports_its_session_state() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        "version = 1\nyou = \"a@example.com\"\n\n[[apple_ids]]\napple_id = \"a@example.com\"\nauthenticated_at = 2020-01-01T00:00:00Z\n",
    );
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "test", "a@example.com"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("expired") && r.stdout.contains("apple-conn reauth a@example.com"),
        "{}",
        r.stdout
    );
}

/// A TLS server whose self-signed certificate nobody trusts (openssl s_server); stopped on drop.
struct UntrustedTls(std::process::Child, String);

impl Drop for UntrustedTls {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn untrusted_tls(dir: &Path) -> UntrustedTls {
    let (cert, key) = (dir.join("self.pem"), dir.join("self.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-days",
        "2",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept", &port.to_string()])
        .args([
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed().as_secs() < 10,
            "openssl s_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    UntrustedTls(child, format!("https://127.0.0.1:{port}"))
}

#[test]
fn a_certificate_nobody_trusts_is_named_as_such_not_as_an_unreachable_host() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _, _) = setup(dir.path());
    let server = untrusted_tls(dir.path());
    let r = test_cmd(&ws, &server.1, &[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("its certificate is signed by a CA this machine does not trust")
            && r.stderr.contains("a proxy may be intercepting HTTPS"),
        "{}",
        r.stderr
    );
}
