//! `apple-conn doctor`, the real binary: status word and exit code (0/1/2/3) over fixtures at a
//! fixed `--now`, the JSON contract, `--notify` against a loopback receiver, and `--live` /
//! `--refresh` against the Apple stub (PyPI srp) and a loopback App Store Connect.

mod common;
mod signin_stub;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::*;
use signin_stub::Stub;

const NOW: &str = "2026-11-25T12:00:00Z";

/// One API key (a real .p8 behind a path reference), one Apple ID whose session ends on
/// 2026-11-28 12:00 (3 days after NOW), and an app whose deliver step uses the Apple ID.
fn fixture(dir: &Path) -> (PathBuf, String) {
    let p8 = openssl_p256(dir, "AuthKey_ABCDE12345.p8");
    let pem = std::fs::read_to_string(&p8).unwrap();
    let ws = dir.join("workspace.toml");
    write(
        &ws,
        &format!(
            r#"version = 1
you = "alice@example.com"

[[api_keys]]
name = "CI key"
key_id = "ABCDE12345"
issuer_id = "{ISSUER}"
private_key = {{ path = "AuthKey_ABCDE12345.p8" }}

[[apple_ids]]
apple_id = "alice@example.com"
app_specific_password = {{ env = "DOCTOR_TEST_ASP" }}
session_expires_at = 2026-11-28T12:00:00Z

[[apps]]
slug = "shop-ios"
api_key = "CI key"
apple_id = "alice@example.com"

[[apps.steps]]
id = "deploy-to-itunesconnect-deliver"
[apps.steps.inputs]
connection = "apple_id"
bundle_id = "io.example.shop"

[[apps.steps]]
id = "xcode-archive"
[apps.steps.inputs]
automatic_code_signing = "api-key"

[[apps]]
slug = "tools"
api_key = "CI key"

[[apps.steps]]
id = "xcode-archive"
[apps.steps.inputs]
automatic_code_signing = "api-key"
"#
        ),
    );
    (ws, pem)
}

/// `--wide`: these tests read whole findings (the default wraps them at 80 columns, tests/cli_apps.rs).
fn doctor(ws: &Path, extra: &[&str]) -> Run {
    run(bin_with_state(&state_of(ws))
        .args(["-c", ws.to_str().unwrap(), "doctor", "--wide"])
        .args(extra))
}

/// This test's trust record, beside its workspace (never the real user's).
fn state_of(ws: &Path) -> PathBuf {
    ws.parent().unwrap().join("state")
}

#[test]
fn a_session_three_days_from_expiry_is_a_warning_unless_warn_days_is_smaller() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = fixture(dir.path());
    let r = doctor(&ws, &["--now", NOW]);
    assert_eq!(r.code, 1, "{}", r.all());
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("WARNING"), "{first}");
    assert!(
        r.stdout
            .contains("run `apple-conn reauth alice@example.com` within 3 days"),
        "{}",
        r.stdout
    );
    let r = doctor(&ws, &["--now", NOW, "--warn-days", "2"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.starts_with("OK"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
}

#[test]
fn an_expired_session_is_critical_and_so_is_the_app_whose_step_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = fixture(dir.path());
    let r = doctor(&ws, &["--now", "2026-11-30T12:00:00Z"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.starts_with("CRITICAL"), "{}", r.stdout);
    let app_line = r
        .stdout
        .lines()
        .find(|l| l.contains("app shop-ios"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(app_line.starts_with("CRITICAL"), "{app_line}");
    assert!(
        app_line.contains("deploy-to-itunesconnect-deliver"),
        "{app_line}"
    );
    let j = doctor(&ws, &["--now", "2026-11-30T12:00:00Z", "--format", "json"]);
    assert_eq!(j.code, 2);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let shop = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "shop-ios")
        .unwrap();
    assert_eq!(shop["status"], "critical");
    assert_eq!(shop["steps"][0]["step"], "deploy-to-itunesconnect-deliver");
    assert_eq!(shop["steps"][0]["outcome"], "fail");
    assert_eq!(shop["steps"][0]["index"], 0);
    let tools = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "tools")
        .unwrap();
    assert_eq!(tools["status"], "ok");
    // --app narrows to one app and the connections it uses.
    let r = doctor(&ws, &["--now", "2026-11-30T12:00:00Z", "--app", "tools"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains("alice@example.com"), "{}", r.stdout);
}

#[test]
fn the_json_report_has_the_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, pem) = fixture(dir.path());
    let r = doctor(&ws, &["--now", NOW, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["schema_version", "now", "status", "connections", "apps"]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["now"], NOW);
    assert_eq!(v["status"], "warning");
    let conns = v["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 2);
    for c in conns {
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "kind",
                "name",
                "status",
                "expires_at",
                "days_left",
                "apps",
                "detail"
            ]
        );
    }
    assert_eq!(conns[0]["kind"], "api_key");
    assert_eq!(conns[0]["name"], "CI key");
    assert_eq!(conns[0]["status"], "ok");
    assert_eq!(conns[0]["apps"], serde_json::json!(["shop-ios", "tools"]));
    assert_eq!(conns[1]["kind"], "apple_id");
    assert_eq!(conns[1]["name"], "alice@example.com");
    assert_eq!(conns[1]["status"], "warning");
    assert_eq!(conns[1]["expires_at"], "2026-11-28T12:00:00Z");
    assert_eq!(conns[1]["days_left"], 3);
    assert_eq!(conns[1]["apps"], serde_json::json!(["shop-ios"]));
    for a in v["apps"].as_array().unwrap() {
        let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["slug", "status", "steps"]);
    }
    assert!(!r.stdout.contains(pem.lines().nth(1).unwrap()));
}

#[test]
fn an_unreadable_key_reference_is_critical_and_an_unreachable_keyring_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = fixture(dir.path());
    std::fs::remove_file(dir.path().join("AuthKey_ABCDE12345.p8")).unwrap();
    let r = doctor(&ws, &["--now", NOW, "--warn-days", "2"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.starts_with("CRITICAL"), "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("CRITICAL API key CI key: cannot read the private key")),
        "{}",
        r.stdout
    );
    // Not a .p8 at all: as broken as a missing file.
    write(&dir.path().join("AuthKey_ABCDE12345.p8"), "hello");
    assert_eq!(doctor(&ws, &["--now", NOW, "--warn-days", "2"]).code, 2);
    // A key kept in the keyring, with no keyring reachable: it could not look.
    let text = std::fs::read_to_string(&ws)
        .unwrap()
        .replace("private_key = { path = \"AuthKey_ABCDE12345.p8\" }\n", "");
    write(&ws, &text);
    let r = run(bin()
        .env("APPLE_CONN_KEYRING", "no-such-keyring")
        .args(["-c", ws.to_str().unwrap(), "doctor", "--now", NOW])
        .args(["--warn-days", "2"]));
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.starts_with("UNKNOWN"), "{}", r.stdout);
}

#[test]
fn bad_flags_and_unreadable_files_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = fixture(dir.path());
    for extra in [
        &["--warn-days", "soon"][..],
        &["--no-such-flag"],
        &["--format", "xml"],
    ] {
        let r = doctor(&ws, extra);
        assert_eq!(r.code, 3, "{extra:?}: {}", r.all());
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    let r = doctor(&ws, &["--now", "tomorrow"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.starts_with("UNKNOWN: --now"), "{}", r.stdout);
    let r = doctor(&ws, &["--app", "nope"]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("shop-ios, tools"), "{}", r.stdout);
    let r = doctor(&dir.path().join("missing.toml"), &[]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.starts_with("UNKNOWN"), "{}", r.stdout);
    let broken = dir.path().join("broken.toml");
    write(&broken, "version = \n");
    let r = doctor(&broken, &["--format", "json"]);
    assert_eq!(r.code, 3, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "unknown");
    // Other subcommands keep clap's usual exit code.
    assert_eq!(run(bin().args(["preview", "--bogus"])).code, 2);
}

/// Every request the receiver got: (request line, body).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A loopback webhook receiver: records every request (request line, body) and answers 200.
fn receiver() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/doctor", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap_or(0);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap_or(());
            log.lock().unwrap().push((
                request_line.trim().to_string(),
                String::from_utf8_lossy(&body).into_owned(),
            ));
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
            let _ = stream.flush();
        }
    });
    (url, seen)
}

#[test]
fn notify_posts_once_when_not_ok_and_never_when_ok() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, pem) = fixture(dir.path());
    let (url, seen) = receiver();
    let r = doctor(&ws, &["--now", NOW, "--notify", &url]);
    assert_eq!(r.code, 1, "{}", r.all());
    {
        let got = seen.lock().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        let (line, body) = &got[0];
        assert!(line.starts_with("POST /hooks/doctor "), "{line}");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], "warning");
        assert_eq!(v["now"], NOW);
        assert_eq!(v["text"].as_str().unwrap(), r.stdout);
        assert!(v["text"].as_str().unwrap().starts_with("WARNING"));
        assert_eq!(v["connections"][1]["name"], "alice@example.com");
        for secret_line in pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!body.contains(secret_line), "the key leaked: {body}");
        }
    }
    let r = doctor(&ws, &["--now", NOW, "--warn-days", "2", "--notify", &url]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(seen.lock().unwrap().len(), 1, "nothing is sent when OK");
}

#[test]
fn a_plain_http_public_notify_url_is_refused_before_anything_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    // Not even a workspace: the URL is refused first.
    let r = doctor(
        &dir.path().join("missing.toml"),
        &["--notify", "http://hooks.example.com/doctor"],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.starts_with("UNKNOWN: --notify"), "{}", r.stdout);
    assert!(r.stdout.contains("use https"), "{}", r.stdout);
    let r = doctor(&dir.path().join("missing.toml"), &["--notify", "ftp://x"]);
    assert_eq!(r.code, 3);
}

// ---- --live and --refresh ----

/// The shared Apple stub (tests/signin_stub), as this file names it.
fn apple_stub() -> Option<Stub> {
    signin_stub::stub(&[])
}

/// A loopback App Store Connect: 200 when the bearer token verifies with `public_pem`, else 401.
fn asc_stub(public_pem: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap_or(0);
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("authorization")
                {
                    auth = v.trim().trim_start_matches("Bearer ").to_string();
                }
            }
            let key = jsonwebtoken::DecodingKey::from_ec_pem(public_pem.as_bytes()).unwrap();
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
            v.set_audience(&["appstoreconnect-v1"]);
            let ok = request_line.starts_with("GET /v1/apps?limit=1 ")
                && jsonwebtoken::decode::<serde_json::Value>(&auth, &key, &v).is_ok();
            let (status, body) = if ok {
                (200, r#"{"data":[]}"#)
            } else {
                (
                    401,
                    r#"{"errors":[{"status":"401","detail":"Provide a properly configured and signed bearer token"}]}"#,
                )
            };
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.flush();
        }
    });
    url
}

fn with_api_base(ws: &Path, url: &str) {
    let text = std::fs::read_to_string(ws).unwrap().replacen(
        "you = \"alice@example.com\"\n",
        &format!("you = \"alice@example.com\"\n\n[settings]\napi_base_url = \"{url}\"\n"),
        1,
    );
    write(ws, &text);
    // The stub's loopback URL comes from the file: it takes effect only once this host trusts it.
    trusted_in(&state_of(ws), ws);
}

#[test]
fn live_runs_the_connection_test_of_every_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = fixture(dir.path());
    let p8 = dir.path().join("AuthKey_ABCDE12345.p8");
    let public =
        String::from_utf8(openssl(&["pkey", "-in", p8.to_str().unwrap(), "-pubout"])).unwrap();
    let good = asc_stub(public);
    with_api_base(&ws, &good);
    let r = doctor(&ws, &["--app", "tools", "--live", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["connections"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("accepted"),
        "{v}"
    );
    // Another key's public half: App Store Connect rejects our token.
    let other = openssl_p256(dir.path(), "other.p8");
    let other_public = String::from_utf8(openssl(&[
        "pkey",
        "-in",
        other.to_str().unwrap(),
        "-pubout",
    ]))
    .unwrap();
    let text = std::fs::read_to_string(&ws)
        .unwrap()
        .replace(&good, &asc_stub(other_public));
    write(&ws, &text);
    trusted_in(&state_of(&ws), &ws);
    let r = doctor(&ws, &["--app", "tools", "--live"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stdout.contains("rejected the token (401)"),
        "{}",
        r.stdout
    );
    // Nobody answers: it could not look.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let text = std::fs::read_to_string(&ws)
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("api_base_url") {
                format!("api_base_url = \"{dead}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(&ws, &text);
    trusted_in(&state_of(&ws), &ws);
    let r = doctor(&ws, &["--app", "tools", "--live"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.contains("could not reach"), "{}", r.stdout);
}

#[test]
fn live_checks_sessions_with_apple_and_refresh_reports_what_it_could_do() {
    let Some(stub) = apple_stub() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let session_file = dir.path().join("session.json");
    let r = run(bin()
        .env("TEST_PW", "pw-trusted")
        .env("TEST_ASP", "abcd-efgh-ijkl-mnop")
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args(["--apple-id", "trusted@example.com"])
        .args(["--password-from", "env:TEST_PW"])
        .args(["--app-specific-password-from", "env:TEST_ASP"])
        .args(["--store", "reference", "--code", "123456"])
        .args(["--session-file", session_file.to_str().unwrap()])
        .args(["--apple-auth-url", &stub.url]));
    assert_eq!(r.code, 0, "{}", r.all());
    let live = |url: &str, extra: &[&str]| {
        run(bin()
            .env("APPLE_CONN_APPLE_AUTH_URL", url)
            .args(["-c", ws.to_str().unwrap(), "doctor", "--live", "--wide"])
            .args(extra))
    };
    let r = live(&stub.url, &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.starts_with("OK"), "{}", r.stdout);
    let cookies = std::fs::read_to_string(&session_file).unwrap();
    let session: serde_json::Value = serde_json::from_str(&cookies).unwrap_or_default();
    // A new stub knows none of the old cookies: Apple has ended the session.
    drop(stub);
    let Some(fresh) = apple_stub() else { return };
    let r = live(&fresh.url, &["--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["connections"][0]["status"], "critical");
    let detail = v["connections"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("no longer accepts"), "{detail}");
    assert!(detail.contains("--refresh"), "{detail}");
    // The trust cookie lives: --refresh tries the trusted refresh and says how it went.
    let r = live(&fresh.url, &["--refresh"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.contains("refresh"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("run `apple-conn reauth trusted@example.com`"),
        "{}",
        r.stdout
    );
    // No cookie value in the report.
    for c in session["cookies"].as_array().into_iter().flatten() {
        let value = c["value"].as_str().unwrap_or_default();
        if value.len() > 8 {
            assert!(!r.stdout.contains(value), "a cookie leaked: {}", r.stdout);
        }
    }
    // Apple cannot be reached: it could not look.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = live(&dead, &[]);
    assert_eq!(r.code, 3, "{}", r.all());
}

#[test]
fn refresh_renews_a_session_apple_ended_while_its_trust_cookie_lives() {
    let Some(stub) = apple_stub() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let session_file = dir.path().join("session.json");
    let r = run(bin()
        .env("TEST_PW", "pw-trusted")
        .env("TEST_ASP", "abcd-efgh-ijkl-mnop")
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args(["--apple-id", "trusted@example.com"])
        .args(["--password-from", "env:TEST_PW"])
        .args(["--app-specific-password-from", "env:TEST_ASP"])
        .args(["--store", "reference", "--code", "123456"])
        .args(["--session-file", session_file.to_str().unwrap()])
        .args(["--apple-auth-url", &stub.url]));
    assert_eq!(r.code, 0, "{}", r.all());
    let doctor = |extra: &[&str]| {
        run(bin()
            .env("TEST_PW", "pw-trusted")
            .env("APPLE_CONN_APPLE_AUTH_URL", &stub.url)
            .args(["-c", ws.to_str().unwrap(), "doctor", "--format", "json"])
            .args(extra))
    };
    let myacinfo = |text: &str| {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "myacinfo")
            .map(|c| c["value"].as_str().unwrap().to_string())
            .unwrap()
    };
    let before = std::fs::read_to_string(&session_file).unwrap();
    // Apple ends the session but still honours the trust cookie it handed out.
    signin_stub::get(&stub, "/_test/end-sessions");
    let r = doctor(&["--live"]);
    assert_eq!(r.code, 2, "{}", r.all());
    let r = doctor(&["--refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "ok", "{v}");
    let detail = v["connections"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("refreshed with the trust cookie and Apple accepts it again"),
        "{detail}"
    );
    // The new session is where the workspace says it is, and it is not the old one.
    let after = std::fs::read_to_string(&session_file).unwrap();
    assert_ne!(myacinfo(&before), myacinfo(&after));
    assert!(!r.stdout.contains(&myacinfo(&after)), "a cookie leaked");
    // The refresh asked for no code.
    let stats = signin_stub::stats(&stub);
    assert_eq!(stats["codes"].as_array().map(Vec::len), Some(1), "{stats}");
    // Apple accepts it without another refresh.
    let r = doctor(&["--live"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("Apple accepts the session"),
        "{}",
        r.stdout
    );
}

// ---- the TUI's Doctor view ----

mod tui_view {
    use apple_conn::tui::state::{Layer, Pane};
    use apple_conn::tui::testing::Harness;

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_doctor_view_lists_findings_worst_first_and_enter_jumps_there() {
        let mut h = Harness::demo(now());
        h.keys("D");
        let Some(Layer::Doctor(view)) = h.state.layers.last() else {
            panic!("no Doctor view:\n{}", h.render(120, 40));
        };
        assert!(!view.lines.is_empty());
        let statuses: Vec<_> = view.lines.iter().map(|l| l.status).collect();
        let mut sorted = statuses.clone();
        sorted.sort_by_key(|s| std::cmp::Reverse(*s));
        assert_eq!(statuses, sorted, "worst first");
        for (w, ht) in [(80, 24), (120, 40)] {
            insta::assert_snapshot!(format!("doctor_view_{w}x{ht}"), h.render(w, ht));
        }
        // The help lists the key the keymap binds.
        h.keys("esc ?");
        assert!(
            h.render(120, 40).contains("doctor"),
            "{}",
            h.render(120, 40)
        );
        h.keys("esc D");
        let target = match h.state.layers.last() {
            Some(Layer::Doctor(v)) => v.lines[0].target.clone(),
            _ => unreachable!(),
        };
        h.keys("enter");
        assert!(h.state.layers.is_empty());
        use apple_conn::domain::doctor::Target;
        match target {
            Target::App(slug) => {
                assert_eq!(h.state.focus, Pane::Apps);
                assert_eq!(h.state.selected_app().unwrap().slug, slug);
            }
            // A step's finding lands on that step in the Preview, not just on its app.
            Target::Step { slug, index } => {
                assert_eq!(h.state.focus, Pane::Preview);
                assert_eq!(h.state.selected_app().unwrap().slug, slug);
                let rows = h.state.preview_rows();
                assert_eq!(rows[h.state.preview_sel], index);
            }
            Target::ApiKey(_) | Target::AppleId(_) => {
                assert_eq!(h.state.focus, Pane::Connections)
            }
        }
    }
}

#[test]
fn an_app_with_a_bitrise_yml_is_rated_from_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = fixture(dir.path());
    write(
        &dir.path().join("bitrise.yml"),
        "format_version: \"13\"\nworkflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: apple_id\n        - bundle_id: io.example.shop\n",
    );
    let text = std::fs::read_to_string(&ws).unwrap()
        + "\n[[apps]]\nslug = \"file-app\"\napple_id = \"alice@example.com\"\n\n[apps.bitrise_yml]\npath = \"bitrise.yml\"\nworkflows = [\"release\"]\n";
    write(&ws, &text);
    let r = doctor(
        &ws,
        &[
            "--now",
            "2026-11-30T12:00:00Z",
            "--app",
            "file-app",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["apps"][0]["slug"], "file-app");
    assert_eq!(v["apps"][0]["status"], "critical");
    assert_eq!(
        v["apps"][0]["steps"][0]["step"],
        "deploy-to-itunesconnect-deliver"
    );
    // Only the Apple ID this app uses.
    assert_eq!(v["connections"].as_array().unwrap().len(), 1);
    std::fs::remove_file(dir.path().join("bitrise.yml")).unwrap();
    let r = doctor(
        &ws,
        &["--now", NOW, "--warn-days", "2", "--app", "file-app"],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.starts_with("UNKNOWN"), "{}", r.stdout);
    assert!(r.stdout.contains("bitrise.yml"), "{}", r.stdout);
}
