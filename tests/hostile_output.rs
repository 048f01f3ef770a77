//! Issue 25 hole 8: `doctor` text, `secrets move` messages and a server's error details in
//! `doctor --live` reach the terminal escaped (ESC, OSC 52, C1 controls, bidi overrides), like
//! every other human-readable line. JSON stays JSON.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::*;

const HOSTILE: &str = "\u{1b}]52;c;cHduZWQ=\u{07}\u{1b}[2J\u{9b}31m\u{202e}";

fn assert_escaped(what: &str, text: &str) {
    for c in ['\u{1b}', '\u{07}', '\u{9b}', '\u{202e}'] {
        assert!(
            !text.contains(c),
            "{what} printed {c:?} raw:\n{}",
            text.escape_debug()
        );
    }
}

/// A TOML basic string on one line with every control character escaped.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An App Store Connect that refuses every token with a hostile error detail.
fn hostile_asc() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let body = serde_json::json!({"errors": [{"status": "401", "code": HOSTILE, "title": HOSTILE, "detail": HOSTILE}]})
                .to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 401 X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn doctor_and_secrets_move_escape_what_the_file_and_servers_say() {
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let asc = hostile_asc();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            r#"version = 1
you = "alice@example.com"

[settings]
api_base_url = "{asc}"

[[api_keys]]
name = {name}
key_id = "ABCDE12345"
issuer_id = "{ISSUER}"
private_key = {{ path = {p8} }}

[[apple_ids]]
apple_id = "alice@example.com"
password = {{ path = {var} }}
session_expires_at = 2026-11-28T12:00:00Z
teams = [{{ id = {team}, name = {team} }}]

[[apps]]
slug = {slug}
api_key = {name}
apple_id = "alice@example.com"

[[apps.steps]]
id = "xcode-archive"
[apps.steps.inputs]
automatic_code_signing = "apple-id"
export_development_team = {team}
"#,
            name = toml_str(&format!("key{HOSTILE}")),
            p8 = toml_str(p8.to_str().unwrap()),
            var = toml_str(&format!("PW{HOSTILE}")),
            team = toml_str(&format!("T{HOSTILE}")),
            slug = toml_str(&format!("app{HOSTILE}")),
        ),
    );
    let w = ws.to_str().unwrap();
    let mut runs = Vec::new();
    for args in [
        vec!["doctor", "--now", "2026-11-25T12:00:00Z"],
        vec!["doctor", "--now", "2026-11-25T12:00:00Z", "--live"],
        vec!["check", "--secrets"],
        vec!["secrets", "move", "--to", "keyring"],
    ] {
        // The host's own variable names the same loopback server: no trust needed for it.
        let mut c = bin();
        c.env("APPLE_CONN_API_BASE_URL", &asc)
            .args(["-c", w])
            .args(&args);
        let r = run(&mut c);
        assert_escaped(&args.join(" "), &r.all());
        runs.push((args.join(" "), r));
    }
    let live = &runs[1].1;
    assert!(
        live.stdout.contains("key\\x1b]52") && live.stdout.contains("(401)"),
        "doctor --live names the key (escaped) and the server's answer: {}",
        live.all()
    );
    let moved = &runs[3].1;
    assert!(moved.stderr.contains("left alone"), "{}", moved.all());
    // JSON is still JSON, with the text in it.
    let mut c = bin();
    c.env("APPLE_CONN_API_BASE_URL", &asc).args([
        "-c",
        w,
        "doctor",
        "--now",
        "2026-11-25T12:00:00Z",
        "--format",
        "json",
    ]);
    let r = run(&mut c);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.to_string().contains("key\\u001b]52"), "{v}");
}
