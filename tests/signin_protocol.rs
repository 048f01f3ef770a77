//! The sign-in paths fastlane walks beyond the plain code: refresh with the trust cookie, an
//! account on no team, 412 "upgrade later", legacy two-step, a 503 page in a 200, hashcash caps.
//! Each asserts the requests the loopback stub received, not only the exit code.

mod common;
mod signin_stub;

use common::*;
use serde_json::Value;
use signin_stub::*;

fn requests(stub: &Stub) -> Vec<Value> {
    stats(stub)["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn paths(stub: &Stub) -> Vec<String> {
    requests(stub)
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
}

fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(key)).unwrap_or("")
}

#[test]
fn refresh_signs_in_with_the_quoted_trust_cookie_and_no_code() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let w = ws.to_str().unwrap();
    let r = add(
        &stub,
        &ws,
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let before = std::fs::read_to_string(&ws).unwrap();
    let session_file = dir.path().join("session.json");
    let session_before = std::fs::read_to_string(&session_file).unwrap();
    let refresh = |extra: &[&str]| {
        run(bin()
            .env("TEST_PW", "pw-trusted")
            .args([
                "-c",
                w,
                "session",
                "refresh",
                "trusted@example.com",
                "--apple-auth-url",
                &stub.url,
            ])
            .args(extra))
    };

    // Still valid: said so, and no sign-in is sent (Apple rate-limits them).
    let r = refresh(&[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("still accepted by Apple; not signing in"),
        "{}",
        r.stdout
    );
    assert_eq!(stats(&stub)["complete"]["trusted@example.com"], 1);

    // --force: password + trust cookie, no code; a new session, the same trust expiry.
    let r = refresh(&["--force"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains(
            "refreshed: signed in as trusted@example.com with the trust cookie (no code)"
        ),
        "{}",
        r.stdout
    );
    let s = stats(&stub);
    assert_eq!(s["complete"]["trusted@example.com"], 2);
    assert_eq!(
        s["codes"].as_array().unwrap().len(),
        1,
        "only the add posted a code"
    );
    let complete = requests(&stub)
        .into_iter()
        .rfind(|r| r["path"] == "/appleauth/auth/signin/complete")
        .unwrap();
    let cookie = complete["headers"]["Cookie"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let des = cookie
        .split("; ")
        .find(|c| c.starts_with("DES"))
        .unwrap_or_else(|| panic!("no DES cookie sent: {cookie}"));
    let (_, value) = des.split_once('=').unwrap();
    assert!(
        value.starts_with("\"HSARM") && value.ends_with("SRVT\""),
        "DES sent quoted as fastlane does: {des}"
    );
    let after = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(
        line(&before, "session_expires_at"),
        line(&after, "session_expires_at"),
        "trust expiry kept"
    );
    assert_eq!(
        line(&before, "authenticated_at"),
        line(&after, "authenticated_at"),
        "no new code, no new authentication"
    );
    let session_after = std::fs::read_to_string(&session_file).unwrap();
    assert_ne!(session_before, session_after, "the new cookies are stored");
    let check = run(bin().args([
        "-c",
        w,
        "session",
        "check",
        "trusted@example.com",
        "--apple-auth-url",
        &stub.url,
    ]));
    assert_eq!(
        check.code,
        0,
        "the refreshed session works: {}",
        check.all()
    );
    assert_no_secrets(
        &[&r.stdout, &r.stderr, &after],
        &["pw-trusted", value.trim_matches('"')],
    );

    // A trust cookie Apple no longer knows: 409, exit 1 naming reauth, nothing stored.
    let mut json: Value = serde_json::from_str(&session_after).unwrap();
    for c in json["cookies"].as_array_mut().unwrap() {
        if c["name"].as_str().unwrap().starts_with("DES") {
            c["value"] = Value::String("HSARMTKNSRVTWrevoked==SRVT".into());
        }
    }
    write(&session_file, &json.to_string());
    let r = refresh(&["--force"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("(409)") && r.stderr.contains("apple-conn reauth trusted@example.com"),
        "{}",
        r.stderr
    );
    assert_eq!(
        stats(&stub)["codes"].as_array().unwrap().len(),
        1,
        "no code asked or posted"
    );
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), after);

    // No trust cookie at all: nothing is sent to the sign-in service.
    json["cookies"]
        .as_array_mut()
        .unwrap()
        .retain(|c| !c["name"].as_str().unwrap().starts_with("DES"));
    write(&session_file, &json.to_string());
    let sent = stats(&stub)["init"].as_i64().unwrap();
    let r = refresh(&["--force"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("no trust cookie")
            && r.stderr.contains("apple-conn reauth trusted@example.com"),
        "{}",
        r.stderr
    );
    assert_eq!(stats(&stub)["init"].as_i64().unwrap(), sent);
}

#[test]
fn an_account_on_no_team_keeps_its_session_with_a_warning() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = add(
        &stub,
        &ws,
        "noteam@example.com",
        "pw-noteam",
        &["--code", "123456"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("signed in, but this Apple ID is on no App Store Connect team"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Apple did not trust this session (HTTP 403)"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("apple_id = \"noteam@example.com\"")
            && text.contains("authenticated_at = 20"),
        "{text}"
    );
    let paths = paths(&stub);
    assert!(
        paths.contains(&"GET /appleauth/auth/2sv/trust".to_string()),
        "{paths:?}"
    );
    let session = std::fs::read_to_string(dir.path().join("session.json")).unwrap();
    assert!(
        session.contains("\"myacinfo\""),
        "the cookies are kept: {session}"
    );
}

#[test]
fn upgrade_later_walks_the_repair_flow_only_when_asked() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let original = std::fs::read_to_string(&ws).unwrap();
    let r = add(&stub, &ws, "upgrade@example.com", "pw-upgrade", &[]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("appleid.apple.com") && r.stderr.contains("412"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), original);
    assert!(
        !paths(&stub).iter().any(|p| p.contains("repair")),
        "no repair without SPACESHIP_SKIP_2FA_UPGRADE"
    );

    let mut cmd = bin();
    cmd.env("TEST_PW", "pw-upgrade")
        .env("SPACESHIP_SKIP_2FA_UPGRADE", "1")
        .args([
            "-c",
            ws.to_str().unwrap(),
            "add",
            "apple-id",
            "--apple-id",
            "upgrade@example.com",
            "--password-from",
            "env:TEST_PW",
            "--store",
            "reference",
            "--session-file",
            dir.path().join("session.json").to_str().unwrap(),
            "--apple-auth-url",
            &stub.url,
        ]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.all());
    let p = paths(&stub);
    let at = |x: &str| {
        p.iter()
            .position(|q| q == x)
            .unwrap_or_else(|| panic!("{x} not sent: {p:?}"))
    };
    let steps = [
        at("POST /appleauth/auth/signin/complete"),
        at("GET /widget/account/repair"),
        at("GET /account/manage/repair/options"),
        at("GET /account/security/upgrade/setuplater"),
        at("POST /appleauth/auth/repair/complete"),
        at("GET /olympus/v1/session"),
    ];
    assert!(
        steps.windows(2).all(|w| w[0] < w[1]),
        "in fastlane's order: {p:?}"
    );
    let complete = requests(&stub)
        .into_iter()
        .find(|r| r["path"] == "/appleauth/auth/repair/complete")
        .unwrap();
    assert!(
        complete["headers"]["X-Apple-Repair-Session-Token"]
            .as_str()
            .unwrap()
            .starts_with("options-token-"),
        "{complete}"
    );
    assert!(
        !p.iter().any(|q| q.contains("securitycode")),
        "no code was asked: {p:?}"
    );
}

#[test]
fn legacy_two_step_requests_the_code_on_the_device_before_posting_it() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    // Two devices and no choice: a clear message, and no code posted.
    let r = add(
        &stub,
        &ws,
        "twostep@example.com",
        "pw-twostep",
        &["--code", "1234"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("this account uses Apple's old two-step verification")
            && r.stderr.contains("11 Ann's iPhone"),
        "{}",
        r.stderr
    );
    assert_eq!(stats(&stub)["codes"].as_array().unwrap().len(), 0);

    let r = add(
        &stub,
        &ws,
        "twostep@example.com",
        "pw-twostep",
        &["--code", "1234", "--sms", "12"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("Apple sent a 4-digit code to Ann's iPad"),
        "{}",
        r.stderr
    );
    let p = paths(&stub);
    let put = p
        .iter()
        .position(|q| q == "PUT /appleauth/auth/verify/device/12/securitycode")
        .expect("code requested on the device");
    let post = p
        .iter()
        .position(|q| q == "POST /appleauth/auth/verify/phone/securitycode")
        .expect("code posted");
    assert!(put < post, "{p:?}");
    let s = stats(&stub);
    assert_eq!(s["unrequested_codes"], 0);
    assert_eq!(s["codes"][0]["phone"], "12");
    assert_eq!(s["codes"][0]["mode"], "sms");
}

#[test]
fn one_number_and_the_sms_flag_ask_for_no_second_sms() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = add(
        &stub,
        &ws,
        "sms1@example.com",
        "pw-sms1",
        &["--code", "123456", "--sms", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let s = stats(&stub);
    assert_eq!(
        s["verify_phone"].as_array().unwrap().len(),
        0,
        "Apple already texted the only number"
    );
    assert_eq!(
        s["codes"][0]["path"],
        "/appleauth/auth/verify/phone/securitycode"
    );
    assert!(!paths(&stub).contains(&"PUT /appleauth/auth/verify/phone".to_string()));
}

#[test]
fn a_503_page_inside_a_200_is_an_outage() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = add(
        &stub,
        &ws,
        "busy@example.com",
        "pw-busy",
        &["--code", "123456"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("unavailable (503)"), "{}", r.stderr);
    assert!(
        !paths(&stub)
            .iter()
            .any(|p| p.contains("olympus/v1/session")),
        "stopped at the 503 page"
    );
}

#[test]
fn hashcash_over_20_bits_is_refused_before_the_password_is_used() {
    let Some(stub) = stub(&["--hc-bits", "24"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let started = std::time::Instant::now();
    let r = add(
        &stub,
        &ws,
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("hashcash of 24 bits") && r.stderr.contains("at most 20"),
        "{}",
        r.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(stats(&stub)["init"], 0, "no SRP exchange was started");
}
