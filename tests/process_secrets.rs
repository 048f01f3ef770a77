#![cfg(target_os = "linux")] // core dumps, /proc/PID/mem, setpriv and prlimit: Linux by nature (issue 33)
//! Holes 12-15 of issue 33: a process that keeps its secrets. The real binary, the loopback Apple
//! stand-in (PyPI srp), a pty: no core file and no same-user ptrace (`/proc/PID/mem` owned by
//! root for an unprivileged run), nothing secret in the memory of a finished command, and a
//! Ctrl-C at a hidden prompt that leaves the terminal as it found it.

mod common;
mod signin_stub;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use signin_stub::*;

const PTY_CTRL_C: &str = r#"
import fcntl, os, select, subprocess, sys, termios, time
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
sent = False
status = None
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        out += os.read(master, 4096)
    if not sent and b"password: " in out:
        time.sleep(0.3)
        os.write(master, b"\x03")
        sent = True
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        break
if status is None:
    os.kill(pid, 9)
    status = "hung"
elif os.WIFSIGNALED(status):
    status = "signal %d" % os.WTERMSIG(status)
else:
    status = "exit %d" % os.WEXITSTATUS(status)
stty = subprocess.run(["stty", "-a"], stdin=slave, capture_output=True, text=True).stdout
sys.stdout.write(repr(out) + "\n" + status + "\n" + stty)
"#;

/// The hole as found: rpassword raised SIGINT before restoring, leaving `-echo -icanon -isig`.
#[test]
fn ctrl_c_at_a_hidden_prompt_leaves_the_terminal_as_it_was() {
    if !require(have("python3") && have("stty"), "python3 and stty") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    // A store that can keep the result: the password is asked only then (issue 31); nothing
    // is written, the command ends at the prompt or while it waits.
    let text = on_a_pty(
        PTY_CTRL_C,
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
            "--apple-auth-url",
            "http://127.0.0.1:9",
        ],
        dir.path(),
    );
    let mut lines = text.lines();
    let screen = lines.next().unwrap_or_default();
    let status = lines.next().unwrap_or_default();
    let stty: Vec<&str> = lines.flat_map(|l| l.split([' ', ';'])).collect();
    assert!(screen.contains("password: "), "{text}");
    // Ctrl-C still interrupts: the process ends by SIGINT, as a shell expects.
    assert_eq!(status, "signal 2", "{text}");
    for flag in ["echo", "icanon", "isig"] {
        assert!(stty.contains(&flag), "{flag} not restored:\n{text}");
        assert!(!stty.contains(&format!("-{flag}").as_str()), "{text}");
    }
}

const PTY_AFTER_PROMPT: &str = r#"
import fcntl, os, select, signal, sys, termios, time
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
stage = 0
status = None
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        out += os.read(master, 4096)
    if stage == 0 and b"password: " in out:
        os.write(master, b"typed-password\r")
        stage, at = 1, time.time()
    if stage == 1 and time.time() - at > 1.0:
        os.kill(pid, signal.SIGINT)
        stage, at = 2, time.time()
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        break
if status is None:
    os.kill(pid, 9)
    status = "hung"
elif os.WIFSIGNALED(status):
    status = "signal %d after %.1f s" % (os.WTERMSIG(status), time.time() - at)
else:
    status = "exit %d" % os.WEXITSTATUS(status)
sys.stdout.write(repr(out) + "\n" + status + "\n")
"#;

/// After the prompt, SIGINT is back to its default: a sign-in waiting on a silent server ends at
/// once (signal-hook's registry would have left SIGINT ignored).
#[test]
fn after_a_hidden_prompt_ctrl_c_still_ends_the_command() {
    if !require(have("python3"), "python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    // Connections are queued by the kernel and never answered: the sign-in waits its 10 s.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    // A store that can keep the result: the password is asked only then (issue 31); nothing
    // is written, the command ends at the prompt or while it waits.
    let text = on_a_pty(
        PTY_AFTER_PROMPT,
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
    let status = text.lines().nth(1).unwrap_or_default();
    assert!(status.starts_with("signal 2 after 0."), "{text}");
    drop(silent);
}

/// The sign-in of `trusted@example.com` against the stand-in, stopped at the code question
/// (stdin held open): the SRP exchange is done, the password read.
fn sign_in_waiting_for_the_code(stub: &Stub, dir: &Path, as_user: Option<u32>) -> Child {
    let ws = workspace(dir);
    let pw = dir.join("pw");
    write(&pw, "pw-trusted\n");
    let mut cmd = match as_user {
        Some(uid) => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={uid}"),
                &format!("--regid={uid}"),
                "--clear-groups",
                "--",
            ]);
            c.arg(bin_path());
            c
        }
        None => Command::new(bin_path()),
    };
    cmd.current_dir(dir)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        // A store that can keep the result: the password is asked only then (issue 31); nothing
        // is written, the command ends at the prompt or while it waits.
        .env("APPLE_CONN_KEYRING", "keyutils")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args(["--apple-id", "trusted@example.com"])
        .args(["--password-from", &format!("file:{}", pw.display())])
        .args(["--code-from", "stdin", "--store", "reference"])
        .args(["--session-file", dir.join("session.json").to_str().unwrap()])
        .args(["--apple-auth-url", &stub.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.spawn().unwrap()
}

/// Waits until the stand-in has answered the SRP proof (the 409 that asks for a code).
fn wait_for_the_code_question(stub: &Stub) {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        let done = stats(stub)["requests"].as_array().is_some_and(|r| {
            r.iter().any(|q| {
                q["path"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("/signin/complete")
            })
        });
        if done {
            std::thread::sleep(Duration::from_millis(700));
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the sign-in never reached signin/complete");
}

fn owner_of(path: &str) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().uid()
}

/// `Max core file size` in /proc/PID/limits: "0 0" whatever core_pattern says.
fn core_limit(pid: u32) -> String {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| {
            l.split_whitespace()
                .skip(4)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

#[test]
fn killed_with_sigabrt_during_a_sign_in_it_leaves_no_core_and_refuses_ptrace() {
    let Some(stub) = stub(&[]) else { return };
    let root = unsafe { libc::geteuid() } == 0;
    if root && !require(have("setpriv"), "setpriv (util-linux), to run as nobody") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // `ulimit -c unlimited` for the child: only its own setrlimit can take it back.
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &unlimited) };
    let nobody = 65534;
    let mut child = sign_in_waiting_for_the_code(&stub, dir.path(), root.then_some(nobody));
    wait_for_the_code_question(&stub);
    let pid = child.id();
    // setpriv execs the binary in place: the same pid.
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "apple-conn");
    assert_eq!(core_limit(pid), "0 0", "RLIMIT_CORE was not set to 0");
    // proc(5): an undumpable process's /proc/PID files belong to root, not to its user.
    let me = if root {
        nobody
    } else {
        unsafe { libc::geteuid() }
    };
    assert_ne!(me, 0);
    assert_eq!(owner_of(&format!("/proc/{pid}/mem")), 0, "still dumpable");
    let status = unsafe { libc::kill(pid as i32, libc::SIGABRT) };
    assert_eq!(status, 0);
    let st = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(libc::SIGABRT), "{st:?}");
    assert!(!st.core_dumped(), "a core was dumped");
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with("core"), "a core file: {name}");
    }
}

/// Searches the writable memory of stopped process `pid` (heap, stacks, anonymous maps,
/// .data/.bss) for each needle; Python's bytes.find, as a debug build of Rust is slow at it.
const SEARCH: &str = r#"
import sys
pid, needles = sys.argv[1], [bytes.fromhex(h) for h in sys.argv[2:]]
found = [False] * len(needles)
total = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        parts = line.split()
        if not parts[1].startswith("rw") or (len(parts) > 5 and parts[5] in ("[vvar]", "[vsyscall]")):
            continue
        a, b = (int(x, 16) for x in parts[0].split("-"))
        try:
            mem.seek(a)
            data = mem.read(b - a)
        except OSError:
            continue
        total += len(data)
        for i, n in enumerate(needles):
            if not found[i] and data.find(n) >= 0:
                found[i] = True
print(total)
print(" ".join("1" if f else "0" for f in found))
"#;

/// Which of `needles` are in the memory of stopped process `pid`.
fn found_in_memory(pid: u32, needles: &[Vec<u8>]) -> Vec<bool> {
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(SEARCH).arg(pid.to_string());
    for n in needles {
        cmd.arg(hex::encode(n));
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let total: u64 = lines.next().unwrap_or("0").parse().unwrap_or(0);
    assert!(
        total > 1024 * 1024,
        "read too little memory: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines
        .next()
        .unwrap_or_default()
        .split(' ')
        .map(|f| f == "1")
        .collect()
}

/// Runs `cmd` with the pause-at-exit hook, stops it when it is done, and says which of `needles`
/// its memory still holds (after a control: the hook's own path, in its environment, is found).
fn left_in_memory(
    mut cmd: Command,
    dir: &Path,
    needles: impl FnOnce() -> Vec<(&'static str, Vec<u8>)>,
) -> Vec<&'static str> {
    let marker = dir.join("paused");
    let mut child = cmd
        .env("APPLE_CONN_TEST_PAUSE_AT_EXIT", &marker)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while !marker.exists() {
        assert!(Instant::now() < until, "the command never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = child.id();
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    std::thread::sleep(Duration::from_millis(100));
    let needles = needles();
    let mut all = vec![marker.to_str().unwrap().as_bytes().to_vec()];
    all.extend(needles.iter().map(|(_, n)| n.clone()));
    let found = found_in_memory(pid, &all);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        found.first(),
        Some(&true),
        "the reader misses what is in memory"
    );
    needles
        .iter()
        .zip(&found[1..])
        .filter(|(_, f)| **f)
        .map(|((what, _), _)| *what)
        .collect()
}

fn reversed(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().rev().copied().collect()
}

#[test]
fn after_a_token_mint_and_a_sign_in_no_secret_is_left_in_memory() {
    if unsafe { libc::geteuid() } != 0 {
        // Reading another process's memory once it is undumpable needs CAP_SYS_PTRACE.
        let _ = require(
            false,
            "root (CI), to read /proc/PID/mem of an undumpable process",
        );
        return;
    }
    if !require(have("openssl"), "openssl") {
        return;
    }
    let Some(stub) = stub(&[]) else { return };

    // A token mint: the PEM's body, its DER and the private scalar must be gone.
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let pem = std::fs::read_to_string(&p8).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        p8.to_str().unwrap(),
        "-outform",
        "DER",
    ]);
    let scalar = der[36..68].to_vec();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"me@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n",
            p8.display()
        ),
    );
    let mut cmd = bin();
    cmd.args(["-c", ws.to_str().unwrap(), "token", "CI key"]);
    let left = left_in_memory(cmd, dir.path(), || {
        vec![
            ("the PEM's first body line", body.as_bytes()[..64].to_vec()),
            ("the PKCS#8 DER", der[..68].to_vec()),
            ("the private scalar", scalar.clone()),
            ("the private scalar, little-endian", reversed(&scalar)),
        ]
    });
    assert!(left.is_empty(), "still in memory after a mint: {left:?}");

    // A sign-in: the password, SRP's `a` and base·R must be gone.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("srp-values");
    let ws = workspace(dir.path());
    let pw = dir.path().join("pw");
    write(&pw, "pw-trusted\n");
    let mut cmd = bin();
    cmd.env("APPLE_CONN_TEST_SRP_DUMP", &dump)
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args(["--apple-id", "trusted@example.com"])
        .args(["--password-from", &format!("file:{}", pw.display())])
        .args(["--code", CODE_FOR_TESTS, "--store", "reference"])
        .args([
            "--session-file",
            dir.path().join("session.json").to_str().unwrap(),
        ])
        .args(["--apple-auth-url", &stub.url]);
    let left = left_in_memory(cmd, dir.path(), || {
        let values = std::fs::read_to_string(&dump).unwrap();
        let value = |name: &str| -> Vec<u8> {
            let line = values
                .lines()
                .find(|l| l.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("the hook wrote no {name}: {values}"));
            hex::decode(line.split_once(' ').unwrap().1).unwrap()
        };
        let (a, base_r) = (value("a"), value("base_r"));
        vec![
            ("the password", b"pw-trusted".to_vec()),
            ("a", a.clone()),
            ("a, as little-endian limbs", reversed(&a)),
            ("base·R (its first 64 bytes)", base_r[..64].to_vec()),
            ("base·R (its last 64 bytes)", base_r[192..].to_vec()),
        ]
    });
    assert!(
        dir.path().join("session.json").exists(),
        "the sign-in did not finish"
    );
    assert!(left.is_empty(), "still in memory after a sign-in: {left:?}");
}

/// The stand-in's code (apple_stub.py CODE).
const CODE_FOR_TESTS: &str = "123456";

/// A password typed into the TUI's add-Apple-ID form, key by key as a person types it (long
/// enough that its buffer grows twice), then the form cancelled: no piece of it is left in the
/// TUI's memory, while the workspace path it still holds is found (the reader works).
#[test]
fn a_password_typed_into_a_tui_form_is_gone_once_the_form_is() {
    if unsafe { libc::geteuid() } != 0 {
        let _ = require(
            false,
            "root (CI), to read /proc/PID/mem of an undumpable process",
        );
        return;
    }
    if !require(
        have("tmux") && have("dbus-run-session") && have("gnome-keyring-daemon"),
        "tmux and a Secret Service (dbus + gnome-keyring)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("typed-secret-workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let pid_file = dir.path().join("pid");
    // The keyring makes the form ask for the password itself (reference mode asks where it is).
    let cmd = format!(
        "cd {d} && HOME={d} XDG_DATA_HOME={d}/data dbus-run-session -- bash -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done; echo $$ > {pid}; exec {bin} -c {ws} --no-color'",
        d = dir.path().display(),
        pid = pid_file.display(),
        bin = bin_path().display(),
        ws = ws.display(),
    );
    let t = common::tmux::Tmux::start("typedpw", &cmd, 120, 40);
    t.wait_for("1 Connections");
    t.keys(&["a"]);
    t.wait_for("Add a connection");
    t.keys(&["Down", "Enter"]);
    t.wait_for("Add Apple ID");
    t.literal("typed@example.com");
    t.keys(&["Tab"]);
    // 130 characters: the buffer starts at 64 bytes and grows to 128, then 256.
    let password: String = (0..130)
        .map(|i| (b"Qz7#kP2m"[i % 8] + (i / 8) as u8 % 3) as char)
        .collect();
    let keys: Vec<String> = password.chars().map(|c| c.to_string()).collect();
    for k in &keys {
        t.literal(k);
    }
    let screen = t.wait_for(&"•".repeat(20));
    assert!(!screen.contains(&password[..10]), "{screen}");
    // A few edits in the middle, then the form goes.
    t.keys(&["Left", "Left", "BSpace", "Escape"]);
    t.wait_for("1 Connections");
    let pid: u32 = common::tmux::wait_file(&pid_file).trim().parse().unwrap();
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    std::thread::sleep(Duration::from_millis(100));
    let p = password.as_bytes();
    let needles = vec![
        ws.to_str().unwrap().as_bytes().to_vec(),
        p[..12].to_vec(),
        p[60..72].to_vec(),
        p[118..].to_vec(),
    ];
    let found = found_in_memory(pid, &needles);
    unsafe { libc::kill(pid as i32, libc::SIGCONT) };
    assert!(found[0], "the reader misses what is in memory");
    assert_eq!(
        &found[1..],
        &[false, false, false],
        "pieces of the typed password (start, middle, end) left in the TUI's memory"
    );
}
