//! The clock rule: every command that stamps or judges time reads the one clock it is given
//! (`--now`), not the wall clock. Asserted on the workspace file on disk, the session file and the
//! token's own claims; the sign-ins go to the loopback stub (PyPI srp).

mod common;
mod signin_stub;

use base64::Engine;
use common::*;
use signin_stub::*;

fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no `{key}` in\n{text}"))
}

#[test]
fn add_apple_id_and_reauth_record_the_instant_of_now_and_an_expiry_30_days_later() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ws, r) = signed_in(
        &stub,
        dir.path(),
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456", "--now", "2026-01-01T00:00:00Z"],
    );
    assert!(
        r.stderr
            .contains("the session expires 2026-01-31T00:00:00Z"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(
        line(&text, "authenticated_at"),
        "authenticated_at = 2026-01-01T00:00:00Z"
    );
    assert_eq!(
        line(&text, "session_expires_at"),
        "session_expires_at = 2026-01-31T00:00:00Z"
    );
    // The stored session carries the same instant (export and the steps read it from there).
    let session: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("session.json")).unwrap())
            .unwrap();
    assert_eq!(session["created_at"], "2026-01-01T00:00:00Z", "{session}");

    let w = ws.to_str().unwrap();
    let r = run(bin().env("TEST_PW", "pw-trusted").args([
        "-c",
        w,
        "reauth",
        "trusted@example.com",
        "--password-from",
        "env:TEST_PW",
        "--code",
        "123456",
        "--apple-auth-url",
        &stub.url,
        "--now",
        "2026-02-10T12:00:00Z",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(
        line(&text, "authenticated_at"),
        "authenticated_at = 2026-02-10T12:00:00Z"
    );
    assert_eq!(
        line(&text, "session_expires_at"),
        "session_expires_at = 2026-03-12T12:00:00Z"
    );
}

#[test]
fn test_and_session_refresh_judge_the_session_at_now() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = signed_in(
        &stub,
        dir.path(),
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456", "--now", "2030-01-01T00:00:00Z"],
    );
    let w = ws.to_str().unwrap();
    let test = |now: &str| run(bin().args(["-c", w, "test", "trusted@example.com", "--now", now]));
    let valid = test("2030-01-10T00:00:00Z");
    assert_eq!(valid.code, 0, "{}", valid.all());
    let expired = test("2030-02-15T00:00:00Z");
    assert_eq!(expired.code, 1, "{}", expired.all());
    assert!(expired.stdout.contains("expired"), "{}", expired.stdout);

    // By the wall clock the trust cookie of 2030 lives; at --now it ended: no sign-in is sent.
    let before = stats(&stub)["complete"]["trusted@example.com"].clone();
    let r = run(bin().env("TEST_PW", "pw-trusted").args([
        "-c",
        w,
        "session",
        "refresh",
        "trusted@example.com",
        "--force",
        "--apple-auth-url",
        &stub.url,
        "--now",
        "2030-03-01T00:00:00Z",
    ]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("the trust cookie expired on 2030-01-31T00:00:00Z"),
        "{}",
        r.stderr
    );
    assert_eq!(stats(&stub)["complete"]["trusted@example.com"], before);
}

#[test]
fn session_import_judges_and_stamps_at_now() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = signed_in(
        &stub,
        dir.path(),
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456", "--now", "2026-01-01T00:00:00Z"],
    );
    let w = ws.to_str().unwrap();
    let export = run(bin().args(["-c", w, "session", "export", "trusted@example.com"]));
    assert_eq!(export.code, 0, "{}", export.all());
    let exported = dir.path().join("exported");
    write(&exported, &export.stdout);
    let import = |now: &str| {
        run(bin().args([
            "-c",
            w,
            "session",
            "import",
            "trusted@example.com",
            "--from",
            &format!("file:{}", exported.display()),
            "--now",
            now,
        ]))
    };
    let r = import("2026-01-05T00:00:00Z");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("it expires 2026-01-31T00:00:00Z"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(
        line(&text, "session_expires_at"),
        "session_expires_at = 2026-01-31T00:00:00Z"
    );
    // At an instant after every cookie ended, there is nothing left to import.
    let late = import("2027-01-01T00:00:00Z");
    assert_ne!(late.code, 0, "{}", late.all());
}

fn claims(token: &str) -> serde_json::Value {
    let payload = token.trim().split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn token_at_now_is_issued_at_that_instant() {
    if !require(have("openssl"), "openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key_path = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let ws = base_workspace(dir.path());
    let w = ws.to_str().unwrap();
    let r = run(bin().args([
        "-c",
        w,
        "add",
        "api-key",
        "--name",
        "CI key",
        "--key-id",
        "ABCDE12345",
        "--issuer-id",
        ISSUER,
        "--p8",
        key_path.to_str().unwrap(),
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let token = run(bin().args([
        "-c",
        w,
        "token",
        "CI key",
        "--ttl",
        "900",
        "--now",
        "2026-01-01T00:00:00Z",
    ]));
    assert_eq!(token.code, 0, "{}", token.all());
    let c = claims(&token.stdout);
    assert_eq!(c["iat"], 1_767_225_600, "{c}");
    assert_eq!(c["exp"], 1_767_225_600 + 900, "{c}");

    // A --now that is not an instant: exit 2, the flag named, no token.
    let bad = run(bin().args(["-c", w, "token", "CI key", "--now", "yesterday"]));
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stdout.is_empty(), "{}", bad.stdout);
    assert!(
        bad.stderr
            .contains("--now `yesterday` is not an RFC 3339 instant"),
        "{}",
        bad.stderr
    );
}
