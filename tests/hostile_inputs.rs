//! Attacks from hostile inputs against the built binary: a shared workspace file, a planted
//! bitrise.yml, token or link, a server that stalls. Each asserts the refusal, the message,
//! and that nothing was sent or written.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;

/// A workspace with one API key kept as a reference to an openssl-made .p8.
fn with_key(dir: &Path) -> PathBuf {
    let p8 = openssl_p256(dir, "AuthKey_ABCDE12345.p8");
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
    ws
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A listener on every interface, reached through this machine's first non-loopback address:
/// a "remote" host whose log we can read. None when the machine has no such address.
fn remote_listener() -> Option<(TcpListener, String)> {
    let out = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .ok()?;
    let ip = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|a| {
            a.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| !ip.is_loopback())
        })?
        .to_string();
    let listener = TcpListener::bind("0.0.0.0:0").ok()?;
    listener.set_nonblocking(true).ok()?;
    let port = listener.local_addr().ok()?.port();
    Some((listener, format!("https://{ip}:{port}")))
}

fn nothing_arrived(listener: &TcpListener) -> bool {
    matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[test]
fn a_workspace_file_cannot_send_the_bearer_token_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let ws = with_key(dir.path());
    let (listener, url) = remote_listener().unwrap_or_else(|| {
        let l = TcpListener::bind("0.0.0.0:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        (l, format!("https://attacker.invalid:{port}"))
    });
    append(&ws, &format!("\n[settings]\napi_base_url = \"{url}\"\n"));
    let before = std::fs::read_to_string(&ws).unwrap();
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "test",
        "CI key",
        "--timeout",
        "2",
    ]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("settings.api_base_url"), "{}", r.stderr);
    assert!(r.stderr.contains("apple-conn trust -c"), "{}", r.stderr);
    assert!(r.stderr.contains("--base-url"), "{}", r.stderr);
    assert!(r.stderr.contains("APPLE_CONN_API_BASE_URL"), "{}", r.stderr);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        nothing_arrived(&listener),
        "a request reached the file's host"
    );
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), before);
}

#[test]
fn a_workspace_file_cannot_redirect_an_apple_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let (listener, url) = match remote_listener() {
        Some(x) => x,
        None => {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.set_nonblocking(true).unwrap();
            (l, "https://idmsa.apple.com.attacker.invalid".to_string())
        }
    };
    append(&ws, &format!("\n[settings]\napple_auth_url = \"{url}\"\n"));
    let before = std::fs::read_to_string(&ws).unwrap();
    let r = run(bin().env("PW", "correct horse").args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "apple-id",
        "--apple-id",
        "alice@example.com",
        "--password-from",
        "env:PW",
        "--code",
        "123456",
    ]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("settings.apple_auth_url"), "{}", r.stderr);
    assert!(r.stderr.contains("apple-conn trust -c"), "{}", r.stderr);
    assert!(r.stderr.contains("--apple-auth-url"), "{}", r.stderr);
    assert!(
        r.stderr.contains("APPLE_CONN_APPLE_AUTH_URL"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("correct horse"));
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        nothing_arrived(&listener),
        "the sign-in reached the file's host"
    );
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), before);
}

#[test]
fn a_url_from_the_environment_is_the_users_choice_and_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let ws = with_key(dir.path());
    // Plain http to a remote host is refused wherever it comes from, naming the variable.
    let r = run(bin()
        .env("APPLE_CONN_API_BASE_URL", "http://192.0.2.1")
        .args(["-c", ws.to_str().unwrap(), "test", "CI key"]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("APPLE_CONN_API_BASE_URL"), "{}", r.stderr);
    assert!(r.stderr.contains("plain http"), "{}", r.stderr);
}

/// Answers 200 with a Content-Length it never sends: the body stalls.
fn stalling_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"data\":",
            );
            let _ = stream.flush();
            std::thread::sleep(Duration::from_secs(30));
        }
    });
    url
}

#[test]
fn a_200_whose_body_stalls_is_a_timeout_not_working() {
    let dir = tempfile::tempdir().unwrap();
    let ws = with_key(dir.path());
    let url = stalling_server();
    let started = Instant::now();
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "test",
        "CI key",
        "--base-url",
        &url,
        "--timeout",
        "1",
    ]));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains("working"), "{}", r.stdout);
    assert!(r.stderr.contains("did not answer within"), "{}", r.stderr);
}

#[test]
fn text_from_files_and_tokens_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let text = std::fs::read_to_string(&ws).unwrap().replace(
        "owner = \"alice@example.com\"",
        "owner = \"alice@example.com\"\ntitle = \"Shop\\u001b]52;c;cHduZWQ=\\u0007\\u001b[2J\"",
    );
    write(&ws, &text);
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "preview"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !r.stdout.contains('\x1b') && !r.stdout.contains('\x07'),
        "{:?}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Shop\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J"),
        "{}",
        r.stdout
    );
    // JSON stays exact: the title round-trips.
    let j = run(bin().args(["-c", ws.to_str().unwrap(), "preview", "--format", "json"]));
    assert!(!j.stdout.contains('\x1b'));

    let yml = dir.path().join("bitrise.yml");
    write(
        &yml,
        "format_version: \"13\"\nworkflows:\n  \"evil\\e[2J\\e]0;pwned\\a\":\n    steps:\n    - script@1: {}\n",
    );
    let r = run(bin().args(["bitrise", "workflows", yml.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !r.stdout.contains('\x1b') && !r.stdout.contains('\x07'),
        "{:?}",
        r.stdout
    );
    assert!(r.stdout.contains("evil\\x1b[2J"), "{}", r.stdout);

    use base64::Engine;
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let token = format!(
        "{}.{}.c2ln",
        b64("{\"alg\":\"\\u001b[2JHS256\",\"typ\":\"\\u001b]52;c;eA==\\u0007\"}"),
        b64("{\"aud\":\"\\u001b[31mevil\",\"iat\":1,\"exp\":2}")
    );
    let o = bin()
        .args(["jwt", "inspect", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map(|mut c| {
            c.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
            c
        })
        .unwrap()
        .wait_with_output()
        .unwrap();
    let r = Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    };
    assert!(r.all().contains("\\x1b"), "{}", r.all());
    assert!(
        !r.all().contains('\x1b') && !r.all().contains('\x07'),
        "{:?}",
        r.all()
    );
}

#[cfg(unix)]
#[test]
fn export_and_saves_never_write_through_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let ws = with_key(dir.path());
    let victim = dir.path().join("victim.txt");
    write(&victim, "precious\n");
    let link = dir.path().join("out.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "export",
        "fastlane",
        "CI key",
        "-o",
        link.to_str().unwrap(),
    ]));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(!r.all().contains("BEGIN PRIVATE KEY"));

    // The lock file: a planted link is refused and its target left alone.
    let lock = dir.path().join("workspace.toml.lock");
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let before = std::fs::read_to_string(&ws).unwrap();
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "remove", "api-key", "CI key"]));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), before);
}

const SESSION: &str = "---\n- !ruby/object:HTTP::Cookie\n  name: myacinfo\n  value: SECRETCOOKIEVALUE\n  domain: apple.com\n  for_domain: true\n  path: \"/\"\n";

#[test]
fn a_session_path_never_overwrites_a_file_that_is_not_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    append(
        &ws,
        "\n[[apple_ids]]\napple_id = \"alice@example.com\"\npassword = { env = \"PW\" }\nsession = { path = \"notes.txt\" }\n",
    );
    let notes = dir.path().join("notes.txt");
    write(&notes, "my own notes\n");
    let from = dir.path().join("session.yml");
    write(&from, SESSION);
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "session",
        "import",
        "alice@example.com",
        "--from",
        &format!("file:{}", from.display()),
    ]));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("not an apple-conn session"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("SECRETCOOKIEVALUE"));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my own notes\n");
}

#[cfg(unix)]
#[test]
fn fifos_devices_and_huge_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let fifo = dir.path().join("AuthKey_ABCDE12345.p8");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    append(
        &ws,
        &format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"AuthKey_ABCDE12345.p8\" }}\n"
        ),
    );
    let r = run_within(
        bin().args(["-c", ws.to_str().unwrap(), "token", "CI key"]),
        Duration::from_secs(10),
        "`token` on a FIFO key path",
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("named pipe"), "{}", r.stderr);

    let r = run(bin().args(["bitrise", "workflows", "/dev/zero"]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("device"), "{}", r.stderr);

    let big = dir.path().join("big.p8");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap();
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "api-key",
        "--name",
        "Big",
        "--key-id",
        "ZZZZZ12345",
        "--issuer-id",
        ISSUER,
        "--p8",
        big.to_str().unwrap(),
        "--store",
        "reference",
    ]));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("64 KiB"), "{}", r.stderr);
}

/// A shared file's `ca_cert` naming a FIFO must not hang the command (it opened without a writer).
#[cfg(unix)]
#[test]
fn a_fifo_planted_as_the_vault_ca_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let fifo = dir.path().join("vault-ca.pem");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let text = std::fs::read_to_string(&ws).unwrap().replacen(
        "you = \"alice@example.com\"\n",
        "you = \"alice@example.com\"\n\n[settings.vault]\naddress = \"https://127.0.0.1:9\"\nca_cert = \"vault-ca.pem\"\n",
        1,
    );
    write(&ws, &text);
    append(
        &ws,
        &format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ vault = true }}\n"
        ),
    );
    // The file's CA applies only to the file's own address, once this host trusts the file.
    let state = dir.path().join("state");
    trusted_in(&state, &ws);
    let r = run_within(
        bin_with_state(&state)
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .env("VAULT_TOKEN", "s.not-a-real-token")
            .args(["-c", ws.to_str().unwrap(), "token", "CI key"]),
        Duration::from_secs(10),
        "`token` on a FIFO planted as the vault CA",
    );
    assert_ne!(r.code, 0);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("vault CA certificate") && r.stderr.contains("named pipe"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s.not-a-real-token"), "{}", r.stderr);
}

#[test]
fn a_yaml_alias_bomb_stops_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let yml = dir.path().join("bitrise.yml");
    let mut text = String::from("format_version: \"13\"\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("workflows:\n  ci:\n    steps:\n    - script@1: {}\n");
    write(&yml, &text);
    let started = Instant::now();
    let r = run(bin().args(["bitrise", "workflows", yml.to_str().unwrap()]));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("alias"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_is_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let ws = with_key(dir.path());
    let mut text = std::fs::read_to_string(&ws).unwrap();
    for i in 0..2000 {
        text.push_str(&format!(
            "\n[[apps]]\nslug = \"app-{i}\"\nowner = \"alice@example.com\"\n\n[[apps.steps]]\nid = \"fastlane\"\n"
        ));
    }
    write(&ws, &text);
    // `| head -1`: the reader closes after one line while apple-conn is still writing.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' -c '{}' preview 2>'{}/err' | head -1 >/dev/null",
            bin_path().display(),
            ws.display(),
            dir.path().display()
        ))
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .status()
        .unwrap();
    assert!(out.success());
    let err = std::fs::read_to_string(dir.path().join("err")).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn a_token_as_an_argument_still_works_but_warns() {
    let r = run(bin().args(["jwt", "inspect", "a.b.c"]));
    assert!(
        r.stderr.contains("warning: a token given as an argument"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("apple-conn jwt inspect"), "{}", r.stderr);
    let r = run(bin().args(["jwt", "inspect"]));
    assert!(!r.stderr.contains("warning: a token"), "{}", r.stderr);
}

#[test]
fn a_code_as_an_argument_still_works_but_warns() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run(bin().env("PW", "pw").args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "apple-id",
        "--apple-id",
        "alice@example.com",
        "--password-from",
        "env:PW",
        "--code",
        "123456",
        "--apple-auth-url",
        &format!("http://127.0.0.1:{port}"),
    ]));
    assert!(r.stderr.contains("warning: --code"), "{}", r.stderr);
    assert!(r.stderr.contains("--code-from stdin"), "{}", r.stderr);
}
