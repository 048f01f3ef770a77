//! Shared test helpers: the real binary, throwaway keys made by openssl, optional real parts.
#![allow(dead_code)]

pub mod keyring;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_apple-conn"))
}

/// The binary with no keyring session and no user config.
pub fn bin() -> Command {
    let mut cmd = Command::new(bin_path());
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    cmd.env_remove("APPLE_CONN_KEYRING");
    cmd.env_remove("APPLE_CONN_APPLE_AUTH_URL");
    cmd.env_remove("APPLE_CONN_API_BASE_URL");
    cmd.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("apple-conn-tests-no-config"),
    );
    // Never the real user's trust record: a test that trusts a file passes its own (`trusted_in`).
    cmd.env(
        "XDG_STATE_HOME",
        std::env::temp_dir().join("apple-conn-tests-no-state"),
    );
    cmd.stdin(Stdio::null());
    cmd
}

/// `bin()` with this host's trust record in `state` (one per test, inside its temp dir).
pub fn bin_with_state(state: &Path) -> Command {
    let mut cmd = bin();
    cmd.env("XDG_STATE_HOME", state);
    cmd
}

/// `apple-conn trust -c WS` with the trust record in `state`; the file's guarded settings then
/// take effect for commands run with the same `state` (`bin_with_state`).
pub fn trusted_in(state: &Path, ws: &Path) {
    let r = run(bin_with_state(state).arg("trust").arg("-c").arg(ws));
    assert_eq!(r.code, 0, "apple-conn trust: {}", r.all());
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let out: Output = cmd.output().expect("run apple-conn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `run`, but a command still running after `limit` is killed and the test fails: "{what} hangs".
pub fn run_within(cmd: &mut Command, limit: std::time::Duration, what: &str) -> Run {
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run apple-conn");
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{what} hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Fails under CI (where every real part must be present), skips on a laptop without it.
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required under CI but is missing: .ci/run installs it");
    }
    eprintln!("skipped: {what} is not available on this machine");
    false
}

pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A fresh P-256 key in PKCS#8 PEM, made by openssl (a tool we did not write).
pub fn openssl_p256(dir: &Path, file: &str) -> PathBuf {
    let path = dir.join(file);
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&path)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

pub fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("openssl");
    assert!(out.status.success(), "openssl {args:?} failed");
    out.stdout
}

/// The Python of CI's venv with PyJWT, cryptography and srp, if any.
pub fn python() -> Option<String> {
    let candidates = [
        std::env::var("APPLE_CONN_TEST_PYTHON").ok(),
        Some(format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR"))),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import jwt, cryptography, srp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

pub const ISSUER: &str = "57246542-96fe-1a63-e053-0824d011072a";

/// A workspace with one app owned by you, ready for scripted edits.
pub fn base_workspace(dir: &Path) -> PathBuf {
    let ws = dir.join("workspace.toml");
    write(
        &ws,
        "# my CI connections\nversion = 1\nyou = \"alice@example.com\"\n\n[[apps]]\nslug = \"shop-ios\" # the store app\nowner = \"alice@example.com\"\n\n[[apps.steps]]\nid = \"deploy-to-itunesconnect-deliver\"\n[apps.steps.inputs]\nbundle_id = \"io.example.shop\"\n\n[[apps.steps]]\nid = \"fastlane\"\n[apps.steps.inputs]\nlane = \"ios beta\"\n",
    );
    ws
}

/// The binary on a terminal that a Python pty `driver` plays: the driver's argv is `lead`, then
/// the binary and `args`. A store that can keep the result is there (the kernel's keyring: a
/// secret is read from the terminal only then) and `home` is XDG_CONFIG_HOME. The driver's stdout.
pub fn on_a_pty(driver: &str, lead: &[&Path], args: &[&str], home: &Path) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(driver)
        .args(lead)
        .arg(bin_path())
        .args(args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("APPLE_CONN_KEYRING", "keyutils")
        .env("XDG_CONFIG_HOME", home)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
