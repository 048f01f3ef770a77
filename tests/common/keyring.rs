//! A real gnome-keyring for shell scripts that drive the binary and `secret-tool` side by side.

use std::path::Path;
use std::process::Command;

use super::{bin_path, have, require};

/// A Secret Service can be started here (skipped without one, required under CI).
pub fn secret_service() -> bool {
    require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    )
}

/// Runs `script` in `dir`, in its own D-Bus session with an unlocked gnome-keyring (`$B` is the
/// binary); (ok, stdout, stderr). Waits until the daemon owns the bus name, so no call activates
/// a second one on a half-written keyring.
pub fn in_keyring(dir: &Path, script: &str) -> (bool, String, String) {
    let script = format!(
        "set -e\nprintf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done\nB='{}'\n{script}",
        bin_path().display()
    );
    let out = Command::new("dbus-run-session")
        .current_dir(dir)
        .args(["--", "bash", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("APPLE_CONN_KEYRING")
        .env("XDG_CONFIG_HOME", dir)
        .env("HOME", dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The lines a script printed after `--- MARKER` and before the next marker.
pub fn section<'a>(stdout: &'a str, marker: &str) -> &'a str {
    stdout
        .split(&format!("--- {marker}\n"))
        .nth(1)
        .unwrap_or("")
        .split("--- ")
        .next()
        .unwrap_or("")
}

/// A PEM key's public fingerprint, as apple-conn records it.
pub fn fingerprint(pem: &str) -> String {
    apple_conn::asc::p8::import(pem.as_bytes(), None, None)
        .unwrap()
        .fingerprint
}
