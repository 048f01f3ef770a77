//! Real sign-in against a loopback stub whose SRP server is PyPI `srp` (an implementation
//! nobody here wrote), for every account scenario of apple-id-signin.md §10.

mod common;
mod signin_stub;

use std::io::Write;
use std::process::Stdio;

use common::*;
use signin_stub::*;

#[test]
fn trusted_device_code_signs_in_and_keeps_the_session() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = add(
        &stub,
        &ws,
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("Apple sent a code to your trusted devices"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("signed in as trusted@example.com; the session expires "),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("authenticated_at = 20") && text.contains("session_expires_at = 20"),
        "{text}"
    );
    assert!(
        text.contains("{ id = \"7\", name = \"Acme Ltd\" }"),
        "teams recorded: {text}"
    );
    let session_file = dir.path().join("session.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&session_file)
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }

    let w = ws.to_str().unwrap();
    let export = run(bin().args(["-c", w, "session", "export", "trusted@example.com"]));
    assert_eq!(export.code, 0, "{}", export.all());
    assert_eq!(export.stdout.lines().count(), 1, "single line");
    assert!(
        export
            .stdout
            .starts_with("---\\n- !ruby/object:HTTP::Cookie\\n"),
        "{}",
        export.stdout
    );
    assert!(export.stdout.contains("name: DES") && export.stdout.contains("name: myacinfo"));
    let raw = run(bin().args(["-c", w, "session", "export", "trusted@example.com", "--raw"]));
    assert!(raw.stdout.lines().count() > 10);

    let check = run(bin().args([
        "-c",
        w,
        "session",
        "check",
        "trusted@example.com",
        "--apple-auth-url",
        &stub.url,
    ]));
    assert_eq!(check.code, 0, "{}", check.all());
    assert!(
        check.stdout.contains("valid") && check.stdout.contains("Shop Inc (118)"),
        "{}",
        check.stdout
    );

    // The preview now sees a session that expires in 30 days.
    let preview = run(bin().args(["-c", w, "check"]));
    assert_eq!(preview.code, 0, "{}", preview.all());

    let session_text = std::fs::read_to_string(&session_file).unwrap();
    let cookie_value = serde_json::from_str::<serde_json::Value>(&session_text).unwrap()["cookies"]
        [0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_no_secrets(
        &[&text, &r.stdout, &r.stderr, &check.stdout, &check.stderr],
        &["pw-trusted", "abcd-efgh-ijkl-mnop", &cookie_value],
    );
}

#[test]
fn s2k_fo_accounts_and_the_widget_key_fallback() {
    let Some(stub) = stub(&["--config-404"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = add(&stub, &ws, "fo@example.com", "pw-fo", &["--code", "123456"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn one_sms_number_uses_the_code_apple_already_sent() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let mut cmd = bin();
    cmd.env("TEST_PW", "pw-sms1")
        .args([
            "-c",
            ws.to_str().unwrap(),
            "add",
            "apple-id",
            "--apple-id",
            "sms1@example.com",
            "--password-from",
            "env:TEST_PW",
            "--store",
            "reference",
        ])
        .args([
            "--session-file",
            dir.path().join("s.json").to_str().unwrap(),
            "--apple-auth-url",
            &stub.url,
            "--code-from",
            "stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"654321\n123456\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Apple sent a code by SMS to +1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("wrong"),
        "the wrong code was reported and a new one read: {stderr}"
    );
    let s = stats(&stub);
    assert_eq!(
        s["verify_phone"].as_array().unwrap().len(),
        0,
        "no second SMS was requested"
    );
    let codes = s["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(
        codes[1]["path"],
        "/appleauth/auth/verify/phone/securitycode"
    );
    assert_eq!(codes[1]["phone"], 1);
}

#[test]
fn two_numbers_need_a_choice_and_voice_is_honoured() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = add(
        &stub,
        &ws,
        "sms2@example.com",
        "pw-sms2",
        &["--code", "123456"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--sms ID"), "{}", r.stderr);
    assert!(
        r.stderr.contains("2  +44") && r.stderr.contains("(voice)"),
        "numbers and ids are listed: {}",
        r.stderr
    );
    let r = add(
        &stub,
        &ws,
        "sms2@example.com",
        "pw-sms2",
        &["--code", "123456", "--sms", "2"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("Apple is calling +44"), "{}", r.stderr);
    let s = stats(&stub);
    assert_eq!(s["verify_phone"][0]["id"], 2);
    assert_eq!(s["verify_phone"][0]["mode"], "voice");
}

#[test]
fn failures_are_told_apart_and_nothing_is_marked_authenticated() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let original = std::fs::read_to_string(&ws).unwrap();
    let cases = [
        (
            "trusted@example.com",
            "wrong-password",
            "rejected the Apple ID or password (-20101)",
        ),
        (
            "nobody@example.com",
            "x",
            "rejected the Apple ID or password (-20101)",
        ),
        (
            "locked@example.com",
            "pw-locked",
            "locked for security reasons",
        ),
        ("privacy@example.com", "pw-privacy", "appleid.apple.com"),
        ("down@example.com", "pw-down", "unavailable (503)"),
        (
            "limited@example.com",
            "pw-limited",
            "rate-limiting sign-ins (429), retry after 60 s",
        ),
    ];
    for (account, password, expected) in cases {
        let r = add(&stub, &ws, account, password, &["--code", "123456"]);
        assert_eq!(r.code, 1, "{account}: {}", r.all());
        let text = r.stderr.to_lowercase();
        assert!(
            text.contains(&expected.to_lowercase()) || r.stderr.contains(expected),
            "{account}: expected {expected:?} in {}",
            r.stderr
        );
        assert_eq!(
            std::fs::read_to_string(&ws).unwrap(),
            original,
            "{account}: nothing saved"
        );
        assert!(!r.all().contains(password) || password == "x");
    }
    let s = stats(&stub);
    assert_eq!(
        s["complete"]["locked@example.com"], 1,
        "a 403 is tried exactly once"
    );
    assert_eq!(
        s["complete"]["trusted@example.com"], 1,
        "a 401 is tried exactly once"
    );

    // A wrong --code ends the sign-in; nothing is recorded.
    let r = add(
        &stub,
        &ws,
        "trusted@example.com",
        "pw-trusted",
        &["--code", "000000"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("verification code is wrong"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), original);

    // No code source and no terminal: the flags are named.
    let r = add(&stub, &ws, "trusted@example.com", "pw-trusted", &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("--code CODE") && r.stderr.contains("--code-from"),
        "{}",
        r.stderr
    );
}

#[test]
fn reauth_renews_and_session_import_accepts_spaceauth_output() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    assert_eq!(
        add(
            &stub,
            &ws,
            "trusted@example.com",
            "pw-trusted",
            &["--code", "123456"]
        )
        .code,
        0
    );
    let w = ws.to_str().unwrap();
    let before = std::fs::read_to_string(&ws).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = run(bin().env("TEST_PW", "pw-trusted").args([
        "-c",
        w,
        "reauth",
        "trusted@example.com",
        "--code",
        "123456",
        "--apple-auth-url",
        &stub.url,
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let after = std::fs::read_to_string(&ws).unwrap();
    let line = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("authenticated_at"))
            .unwrap()
            .to_string()
    };
    assert_ne!(line(&before), line(&after), "authenticated_at renewed");

    let exported = run(bin().args(["-c", w, "session", "export", "trusted@example.com"]));
    let spaceauth_output = format!(
        "Pass the following via the FASTLANE_SESSION environment variable:\nexport FASTLANE_SESSION='{}'\n",
        exported.stdout.trim()
    );
    let file = dir.path().join("spaceauth.txt");
    write(&file, spaceauth_output.lines().nth(1).unwrap());
    let r = run(bin().args([
        "-c",
        w,
        "session",
        "import",
        "trusted@example.com",
        "--from",
        &format!("file:{}", file.display()),
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("imported a session of"), "{}", r.stderr);
    let check = run(bin().args([
        "-c",
        w,
        "session",
        "check",
        "trusted@example.com",
        "--apple-auth-url",
        &stub.url,
    ]));
    assert_eq!(check.code, 0, "{}", check.all());
    let bad = dir.path().join("bad.txt");
    write(&bad, "not a session");
    let r = run(bin().args([
        "-c",
        w,
        "session",
        "import",
        "trusted@example.com",
        "--from",
        &format!("file:{}", bad.display()),
    ]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("FASTLANE_SESSION"), "{}", r.stderr);
}

#[test]
fn a_stored_trust_cookie_skips_the_code() {
    let Some(stub) = stub(&[]) else { return };
    use apple_conn::apple::signin::{
        self, CodeAnswer, CodeRequest, CodeSource, Endpoints, SignInError,
    };
    use apple_conn::secrets::SecretValue;
    struct Once(Vec<String>);
    impl CodeSource for Once {
        fn answer(&mut self, _r: &CodeRequest) -> Result<CodeAnswer, SignInError> {
            self.0
                .pop()
                .map(CodeAnswer::Code)
                .ok_or(SignInError::Cancelled)
        }
    }
    let ep = Endpoints::new(Some(&stub.url)).unwrap();
    let pw = SecretValue::new("pw-trusted".into());
    let mut quiet = |_: &str| {};
    let first = signin::sign_in(
        &ep,
        "trusted@example.com",
        &pw,
        None,
        signin::Ask {
            sms: None,
            codes: &mut Once(vec!["123456".into()]),
            progress: &mut quiet,
            now: chrono::Utc::now(),
        },
    )
    .unwrap();
    assert!(first.expires_at.is_some());
    // No code this time: the DES cookie (sent quoted) makes Apple answer 200.
    let second = signin::sign_in(
        &ep,
        "trusted@example.com",
        &pw,
        Some(&first.session),
        signin::Ask {
            sms: None,
            codes: &mut Once(vec![]),
            progress: &mut quiet,
            now: chrono::Utc::now(),
        },
    );
    assert!(second.is_ok(), "{second:?}");
}

#[test]
fn plain_http_is_only_for_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let r = run(bin().env("TEST_PW", "x").args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "apple-id",
        "--apple-id",
        "a@example.com",
        "--password-from",
        "env:TEST_PW",
        "--code",
        "123456",
        "--apple-auth-url",
        "http://example.com",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("only loopback addresses"), "{}", r.stderr);
    let r = run(bin().env("TEST_PW", "x").args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "apple-id",
        "--apple-id",
        "a@example.com",
        "--password-from",
        "env:TEST_PW",
        "--code",
        "12345",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("six digits"), "{}", r.stderr);
}
