//! The terminal as an attack surface: a typed password is never echoed, and a TUI whose
//! terminal goes away (tmux server killed) ends instead of spinning as an orphan.
#![cfg(unix)] // Unix by nature: ptys, hang-ups and termios.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const PTY_DRIVER: &str = r#"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
sent = False
deadline = time.time() + 20
status = None
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            break
        out += data
    if not sent and b"password: " in out:
        os.write(fd, b"Hunter2Typed\r")
        sent = True
done = 0
end = time.time() + 5
while done == 0 and time.time() < end:
    done, status = os.waitpid(pid, os.WNOHANG)
    time.sleep(0.05)
if done == 0:
    os.kill(pid, 9)
    status = "hung"
sys.stdout.write(repr(out) + "\n" + str(status) + "\n")
"#;

#[test]
fn a_password_typed_at_a_terminal_is_not_echoed_and_ends_at_enter() {
    if !require(have("python3"), "python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    // A closed loopback port: the sign-in fails at once after the password is read.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A keyring that can keep the result (the kernel's): without one the command refuses
    // before it reads the password (tests/daily_cli.rs). The sign-in fails: nothing is kept.
    let text = on_a_pty(
        PTY_DRIVER,
        &[],
        &[
            "-c",
            ws.to_str().unwrap(),
            "add",
            "apple-id",
            "--apple-id",
            "alice@example.com",
            "--password-from",
            "stdin",
            "--code",
            "123456",
            "--apple-auth-url",
            &format!("http://127.0.0.1:{port}"),
        ],
        dir.path(),
    );
    assert!(text.contains("password: "), "{text}");
    assert!(
        !text.contains("Hunter2Typed"),
        "the password was echoed: {text}"
    );
    // Enter ended the read (no Ctrl-D): the command went on to the (refused) connection.
    assert!(!text.contains("hung"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
}

/// Drives the binary in a pty: when `prompt` shows, pastes argv[2] (lines ending in Enter, as a
/// terminal sends them) in one write, then Ctrl-D on the empty line after it.
const PTY_PASTE: &str = r#"
import os, pty, select, sys, time
paste = open(sys.argv[1]).read()
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
stage = 0
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            break
        out += data
    if stage == 0 and b"Ctrl-D): " in out:
        os.write(fd, paste.replace("\n", "\r").encode())
        stage, pasted = 1, time.time()
    if stage == 1 and time.time() - pasted > 0.5:
        os.write(fd, b"\x04")
        stage = 2
done = 0
end = time.time() + 5
while done == 0 and time.time() < end:
    done, status = os.waitpid(pid, os.WNOHANG)
    time.sleep(0.05)
if done == 0:
    os.kill(pid, 9)
    status = "hung"
sys.stdout.write(repr(out) + "\n" + str(status) + "\n")
"#;

#[test]
fn a_key_pasted_at_a_terminal_is_not_echoed_and_ends_at_ctrl_d() {
    if !require(have("python3") && have("openssl"), "python3 and openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let pem = std::fs::read_to_string(&p8).unwrap();
    // A keyring that can keep it (the kernel's): without one the key is not read at all.
    let text = on_a_pty(
        PTY_PASTE,
        &[&p8],
        &[
            "-c",
            ws.to_str().unwrap(),
            "add",
            "api-key",
            "--name",
            "Pasted",
            "--key-id",
            "ABCDE12345",
            "--issuer-id",
            "57246542-96fe-1a63-e053-0824d011072a",
            "--p8",
            "stdin",
        ],
        dir.path(),
    );
    assert!(text.contains("(end with Ctrl-D): "), "{text}");
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(line), "a line of the key was echoed: {text}");
    }
    assert!(
        !text.contains("hung"),
        "Ctrl-D did not end the paste: {text}"
    );
    // The whole key was read and imported: what stops it is the missing keyring, not the input.
    assert!(!text.contains("cannot read the terminal"), "{text}");
    assert!(
        !text.contains("not a PEM") && !text.contains("truncated"),
        "{text}"
    );
    assert!(
        text.contains("added API key") || text.contains("could not store the private key"),
        "{text}"
    );
    // The kernel keyring's copy goes again.
    let _ = run(bin().env("APPLE_CONN_KEYRING", "keyutils").args([
        "-c",
        ws.to_str().unwrap(),
        "remove",
        "api-key",
        "Pasted",
        "--yes",
    ]));
}

fn tmux_socket(name: &str) -> String {
    format!("apple-conn-{name}-{}", std::process::id())
}

fn alive(pid: i32) -> bool {
    // Alive and not a zombie waiting to be reaped (/proc: these tmux tests run on Linux CI only).
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn start_tui(socket: &str, pid_file: &std::path::Path) -> i32 {
    let command = format!(
        "echo $$ > '{}'; exec '{}' --demo",
        pid_file.display(),
        bin_path().display()
    );
    let status = Command::new("tmux")
        .args([
            "-L",
            socket,
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            &command,
        ])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Ok(t) = std::fs::read_to_string(pid_file)
            && let Ok(pid) = t.trim().parse::<i32>()
        {
            std::thread::sleep(Duration::from_millis(1500));
            return pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the TUI did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn gone_within(pid: i32, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    !alive(pid)
}

#[test]
fn the_tui_ends_when_its_terminal_goes_away() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Its own tmux server (-L): killing it touches no other session on this machine.
    let socket = tmux_socket("lost");
    let pid = start_tui(&socket, &dir.path().join("pid"));
    assert!(alive(pid));
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .stderr(std::process::Stdio::null())
        .status();
    let gone = gone_within(pid, Duration::from_secs(2));
    if !gone {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    assert!(gone, "the TUI kept running after its terminal was gone");
}

#[test]
fn sigterm_always_ends_the_tui() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = tmux_socket("term");
    let pid = start_tui(&socket, &dir.path().join("pid"));
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let gone = gone_within(pid, Duration::from_secs(2));
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .stderr(std::process::Stdio::null())
        .status();
    if !gone {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    assert!(gone, "SIGTERM did not end the TUI");
}

#[test]
fn a_literal_secret_in_a_step_input_is_refused_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let text = std::fs::read_to_string(&ws).unwrap().replace(
        "lane = \"ios beta\"\n",
        "lane = \"ios beta\"\npassword = \"Hunter2Literal\"\n",
    );
    write(&ws, &text);
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("input `password`: write a $VAR reference"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("not a literal secret"), "{}", r.stdout);
    assert!(!r.all().contains("Hunter2Literal"), "{}", r.all());
    // A reference is what Bitrise secrets are for: accepted.
    write(&ws, &text.replace("Hunter2Literal", "$FASTLANE_PASSWORD"));
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn the_tui_refuses_a_literal_secret_in_the_input_form_and_never_shows_it() {
    use apple_conn::tui::testing::Harness;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut h = Harness::demo(now);
    h.keys("4 down down i");
    h.keys("tab tab tab tab");
    h.type_text("Hunter2Literal");
    h.keys("enter");
    h.pump();
    let screen = h.render(120, 40);
    assert!(!screen.contains("Hunter2Literal"), "{screen}");
    assert!(screen.contains("`password`: write a $VAR"), "{screen}");
    assert!(!h.state.loaded.text.contains("Hunter2Literal"));
}

#[test]
fn a_key_body_pasted_on_one_line_is_masked() {
    use apple_conn::tui::testing::Harness;
    use apple_conn::tui::update::Msg;
    use p256::pkcs8::EncodePrivateKey;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let secret = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
    let der = secret.to_pkcs8_der().unwrap();
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
    let mut h = Harness::demo(now);
    h.keys("a");
    h.keys("tab tab tab tab tab");
    h.send(Msg::Paste(body.clone()));
    let screen = h.render(120, 40);
    assert!(!screen.contains(&body[..24]), "{screen}");
    assert!(screen.contains("(pasted key, hidden)"), "{screen}");
}

#[test]
fn the_tuis_test_key_follows_the_same_url_policy() {
    use apple_conn::tui::testing::Harness;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let ws = dir.path().join("workspace.toml");
    let text = format!(
        "version = 1\nyou = \"alice@example.com\"\n\n[settings]\napi_base_url = \"https://192.0.2.2:{port}\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n",
        p8.display()
    );
    write(&ws, &text);
    let loaded = apple_conn::store::load(&ws).unwrap();
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        apple_conn::tui::effects::Service::Demo,
        false,
        now,
        false,
    );
    h.keys("1 T");
    h.pump();
    let status = h
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("APPLE_CONN_API_BASE_URL"), "{status}");
    assert!(status.contains("--base-url"), "{status}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the TUI sent a request to the file's host"
    );
}
