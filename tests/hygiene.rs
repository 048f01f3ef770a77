//! Secret hygiene, proven: every output and file apple-conn writes is searched for the secret
//! values used here; command lines never carry them; written files are 0600.

mod common;

use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

use common::*;

const PASSWORD: &str = "Pa55-hygiene-Secret-7731";
const ASP: &str = "wxyz-abcd-efgh-ijkl";

fn key_body(p8: &Path) -> String {
    let pem = std::fs::read_to_string(p8).unwrap();
    pem.lines().nth(1).unwrap().to_string()
}

#[test]
fn nothing_apple_conn_writes_contains_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let body = key_body(&p8);
    let imported =
        apple_conn::asc::p8::import(std::fs::read_to_string(&p8).unwrap().as_bytes(), None, None)
            .unwrap();
    let canonical_body = imported.pem.expose().lines().nth(1).unwrap().to_string();
    let secrets = [PASSWORD, ASP, body.as_str(), canonical_body.as_str()];
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"alice@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n\n[[apple_ids]]\napple_id = \"alice@example.com\"\npassword = {{ env = \"HY_PW\" }}\napp_specific_password = {{ env = \"HY_ASP\" }}\nauthenticated_at = 2026-11-20T00:00:00Z\n\n[[apps]]\nslug = \"app\"\napi_key = \"CI key\"\napple_id = \"alice@example.com\"\n\n[[apps.steps]]\nid = \"fastlane\"\n[apps.steps.inputs]\nlane = \"ios beta\"\n\n[[apps.steps]]\nid = \"deploy-to-itunesconnect-application-loader\"\n[apps.steps.inputs]\nconnection = \"apple_id\"\n",
            p8.display()
        ),
    );
    let w = ws.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["check"],
        vec!["check", "--secrets"],
        vec!["check", "--format", "json", "--secrets"],
        vec!["preview"],
        vec!["preview", "--format", "json"],
        vec!["preview", "--env", "local"],
        vec!["env", "--app", "app", "--step", "fastlane"],
        vec![
            "env",
            "--app",
            "app",
            "--step",
            "deploy-to-itunesconnect-application-loader",
            "--format",
            "json",
        ],
        vec!["test", "alice@example.com"],
        vec!["assign", "app", "--none-apple-id"],
        vec!["assign", "app", "--apple-id", "alice@example.com"],
        vec!["session", "export", "alice@example.com"],
        vec!["jwt", "inspect", "a.b.c"],
        vec!["remove", "api-key", "nope"],
        vec![
            "add",
            "api-key",
            "--name",
            "x",
            "--key-id",
            "BAD",
            "--p8",
            p8.to_str().unwrap(),
        ],
    ];
    for args in &commands {
        let r = run(bin()
            .env("HY_PW", PASSWORD)
            .env("HY_ASP", ASP)
            .args(["-c", w])
            .args(args));
        for s in secrets {
            assert!(
                !r.all().contains(s),
                "`{}` printed a secret:\n{}",
                args.join(" "),
                r.all()
            );
        }
        assert!(!r.all().contains("panicked"), "{}", r.all());
    }
    for file in [ws.clone(), apple_conn::store::save::bak_path(&ws)] {
        let text = std::fs::read_to_string(&file).unwrap();
        for s in secrets {
            assert!(!text.contains(s), "{} holds a secret", file.display());
        }
        #[cfg(unix)]
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            file.display()
        );
    }
    // The one command whose job is to reveal does so only when asked.
    let r = run(bin().env("HY_PW", PASSWORD).env("HY_ASP", ASP).args([
        "-c",
        w,
        "env",
        "--app",
        "app",
        "--step",
        "deploy-to-itunesconnect-application-loader",
        "--reveal",
    ]));
    assert!(r.stdout.contains(ASP), "--reveal reveals: {}", r.stdout);
    // Debug output of secret types is redacted.
    let v = apple_conn::secrets::SecretValue::new(PASSWORD.into());
    assert_eq!(format!("{v:?} {v}"), "*** ***");
    assert!(!format!("{imported:?}").contains(&canonical_body));
}

#[test]
fn ps_never_shows_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let pem = std::fs::read_to_string(&p8).unwrap();
    // The key arrives on stdin; while the command waits for it, its argv is what ps shows.
    let mut child = bin()
        .args([
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
            "stdin",
            "--store",
            "keyring",
        ])
        // A keyring that can keep it (the kernel's): without one the command refuses before it
        // reads stdin, and there would be no wait to look at.
        .env("APPLE_CONN_KEYRING", "keyutils")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    // Linux's /proc shows another process's argv (CI runs Linux; on macOS this test fails).
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
    let environ = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!environ.contains(&key_body(&p8)), "argv: {environ}");
    assert!(environ.contains("--p8 stdin"), "argv was read: {environ}");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(&key_body(&p8)));
    // The kernel keyring's copy goes again.
    let _ = run(bin().env("APPLE_CONN_KEYRING", "keyutils").args([
        "-c",
        ws.to_str().unwrap(),
        "remove",
        "api-key",
        "CI key",
        "--yes",
    ]));
    // No flag takes a secret value: every secret flag names a source.
    for sub in [
        vec!["add", "api-key"],
        vec!["add", "apple-id"],
        vec!["reauth"],
        vec!["session", "import"],
    ] {
        let help = run(bin().args(&sub).arg("--help")).stdout;
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            let flag = line.split_whitespace().next().unwrap_or("");
            assert!(
                !matches!(
                    flag,
                    "--password" | "--app-specific-password" | "--key" | "--secret"
                ),
                "{flag} would put a secret on the command line"
            );
        }
    }
}
