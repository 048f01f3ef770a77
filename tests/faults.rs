//! Faults: a save failing at every step, SIGKILL during a loop of saves, two writers, and
//! a keyring failing mid-operation. Never a torn workspace, never a lost change.

mod common;

use std::process::Command;
use std::time::Duration;

use apple_conn::store::save::{Step, bak_path, save_with_backup_with};
use common::*;

const OLD: &str = "version = 1\nyou = \"a@example.com\"\n# old\n";
const NEW: &str = "version = 1\nyou = \"a@example.com\"\n# new\n";
const BAK: &str = "version = 1\nyou = \"a@example.com\"\n# older\n";

#[test]
fn a_failure_at_any_step_leaves_old_or_new_and_an_intact_bak() {
    let steps = [Step::CreateTemp, Step::Write, Step::Sync, Step::Rename];
    for backup in [true, false] {
        for fail_at in steps {
            for kind in [libc::ENOSPC, libc::EACCES] {
                let dir = tempfile::tempdir().unwrap();
                let ws = dir.path().join("workspace.toml");
                std::fs::write(&ws, OLD).unwrap();
                std::fs::write(bak_path(&ws), BAK).unwrap();
                let err = save_with_backup_with(&ws, NEW, &|is_bak, step| {
                    if is_bak == backup && step == fail_at {
                        Err(std::io::Error::from_raw_os_error(kind))
                    } else {
                        Ok(())
                    }
                })
                .expect_err("the injected failure is reported");
                let text = err.to_string();
                assert!(text.contains("the workspace file is unchanged"), "{text}");
                assert!(
                    text.contains(if kind == libc::ENOSPC {
                        "disk is full"
                    } else {
                        "permission denied"
                    }),
                    "{text}"
                );
                let now = std::fs::read_to_string(&ws).unwrap();
                assert_eq!(
                    now, OLD,
                    "backup={backup} {fail_at:?}: the workspace is untouched"
                );
                let bak = std::fs::read_to_string(bak_path(&ws)).unwrap();
                assert!(
                    bak == BAK || bak == OLD,
                    "the .bak is a whole version: {bak}"
                );
                let leftovers: Vec<_> = std::fs::read_dir(dir.path())
                    .unwrap()
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
                    .collect();
                assert!(leftovers.is_empty(), "no temp file left behind");
            }
        }
    }
}

#[test]
fn sigkill_during_a_loop_of_saves_never_tears_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"k\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { env = \"K\" }\n\n[[apps]]\nslug = \"app\"\n",
    );
    let exe = bin_path();
    for round in 0..6 {
        let script = format!(
            "while true; do '{b}' -c '{w}' assign app --api-key k 2>/dev/null; '{b}' -c '{w}' assign app --none-api-key 2>/dev/null; done",
            b = exe.display(),
            w = ws.display()
        );
        let mut child = Command::new("bash").args(["-c", &script]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(150 + round * 37));
        // Kill the loop and whatever apple-conn it is running, mid-save if it is.
        let _ = Command::new("pkill")
            .args(["-KILL", "-P", &child.id().to_string()])
            .status();
        let _ = child.kill();
        let _ = child.wait();
        for file in [ws.clone(), bak_path(&ws)] {
            if !file.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let parsed = apple_conn::store::parse(&file, text.clone());
            assert!(
                parsed.is_ok(),
                "round {round}: {} is torn:\n{text}",
                file.display()
            );
        }
    }
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn a_second_writer_never_loses_the_first_writers_change() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        "version = 1\nyou = \"a@example.com\"\n\n[[apps]]\nslug = \"a\"\n\n[[apps]]\nslug = \"b\"\n\n[[api_keys]]\nname = \"k\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { env = \"K\" }\n",
    );
    let w = ws.to_str().unwrap().to_string();
    let handles: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|slug| {
            let w = w.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let r = run(bin().args(["-c", &w, "assign", slug, "--api-key", "k"]));
                    assert_eq!(r.code, 0, "{}", r.all());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let text = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(
        text.matches("api_key = \"k\"").count(),
        2,
        "both writers' changes are there:\n{text}"
    );
}

#[test]
fn the_tui_refuses_to_overwrite_a_file_changed_on_disk() {
    use apple_conn::tui::effects::Service;
    use apple_conn::tui::testing::Harness;
    use apple_conn::tui::update::Msg;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"k\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n\n[[apps]]\nslug = \"a\"\n",
    );
    let loaded = apple_conn::store::load(&ws).unwrap();
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        Service::Demo,
        true,
        "2026-11-25T12:00:00Z".parse().unwrap(),
        false,
    );
    // Another instance changes the file.
    let mut other = std::fs::read_to_string(&ws).unwrap();
    other.push_str("\n[[apps]]\nslug = \"from-the-other-instance\"\n");
    std::fs::write(&ws, &other).unwrap();
    h.send(Msg::DiskChanged);
    assert!(h.render(120, 40).contains("changed on disk"));
    // The next change is refused by the store's lock-and-reread too: the disk version wins.
    h.keys("2 s enter");
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("from-the-other-instance"),
        "the other instance's change is kept:\n{text}"
    );
    h.keys("ctrl-r");
    assert!(
        h.state
            .loaded
            .workspace
            .app("from-the-other-instance")
            .is_some()
    );
}

const ASSIGNABLE: &str = "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"k\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n\n[[apps]]\nslug = \"a\"\n";

/// A tmpfs of a few KiB, unmounted on drop; None where this process may not mount (not root).
struct TinyDisk(tempfile::TempDir);

impl TinyDisk {
    fn mount() -> Option<TinyDisk> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TinyDisk(dir))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_real_full_disk_leaves_the_workspace_untouched_and_says_so() {
    let Some(disk) = TinyDisk::mount() else {
        eprintln!(
            "skipped: cannot mount a tmpfs here (needs root); the injected-error test covers the path"
        );
        return;
    };
    let ws = disk.0.path().join("workspace.toml");
    std::fs::write(&ws, ASSIGNABLE).unwrap();
    // Fill the disk to the last block.
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=1k", "count=1000"])
        .arg(format!("of={}", disk.0.path().join("filler").display()))
        .stderr(std::process::Stdio::null())
        .status();
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "assign", "a", "--api-key", "k"]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("the disk is full"), "{}", r.stderr);
    assert!(r.stderr.contains("unchanged"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), ASSIGNABLE);
    let leftovers: Vec<_> = std::fs::read_dir(disk.0.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temp file left: {leftovers:?}");
    // Free the space: the same command now saves.
    std::fs::remove_file(disk.0.path().join("filler")).unwrap();
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "assign", "a", "--api-key", "k"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        std::fs::read_to_string(&ws)
            .unwrap()
            .contains("api_key = \"k\"")
    );
}

#[test]
#[cfg(unix)] // file modes, runuser
fn a_real_permission_denied_leaves_the_workspace_untouched_and_says_so() {
    // Root ignores file modes: run the binary as `nobody` on root's read-only folder.
    let as_nobody = Command::new("runuser")
        .args(["-u", "nobody", "--", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !as_nobody {
        eprintln!("skipped: cannot run as another user here (needs root and runuser)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let ws = folder.join("workspace.toml");
    std::fs::write(&ws, ASSIGNABLE).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&ws, std::fs::Permissions::from_mode(0o644)).unwrap();
    // The binary must be reachable by nobody: copy it next to the workspace.
    let exe = dir.path().join("apple-conn");
    std::fs::copy(bin_path(), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&exe)
        .args(["-c", ws.to_str().unwrap(), "assign", "a", "--api-key", "k"])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("permission denied"), "{stderr}");
    assert!(stderr.contains("unchanged"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), ASSIGNABLE);
}

/// Runs a script in its own D-Bus session with a real gnome-keyring (the script starts it).
/// Output goes to files: a keyring daemon D-Bus starts may outlive the session and hold pipes.
fn in_keyring_session(dir: &std::path::Path, script: &str) -> (String, String) {
    let (out, err) = (dir.join("script.out"), dir.join("script.err"));
    let wrapped = format!(
        "exec >'{}' 2>'{}'; {script}; kill $(jobs -p) 2>/dev/null; true",
        out.display(),
        err.display()
    );
    let _ = Command::new("timeout")
        .args(["60", "dbus-run-session", "--", "bash", "-c", &wrapped])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    (
        std::fs::read_to_string(out).unwrap_or_default(),
        std::fs::read_to_string(err).unwrap_or_default(),
    )
}

#[test]
fn a_locked_keyring_saves_nothing_and_a_keyring_gone_mid_way_is_reported() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon"),
        "a Secret Service (dbus + gnome-keyring)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let before = std::fs::read_to_string(&ws).unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let add = format!(
        "timeout 20 '{}' -c '{}' add api-key --name 'CI key' --key-id ABCDE12345 --issuer-id 57246542-96fe-1a63-e053-0824d011072a --p8 '{}'; echo \"rc=$?\"",
        bin_path().display(),
        ws.display(),
        p8.display()
    );
    // Locked: the daemon runs but nobody unlocked it (over SSH there is no prompt to answer).
    let (stdout, stderr) = in_keyring_session(
        dir.path(),
        &format!(
            "gnome-keyring-daemon --foreground --components=secrets 2>/dev/null & sleep 0.5; {add}"
        ),
    );
    assert!(stdout.contains("rc=1"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("could not store the private key"),
        "{stderr}"
    );
    assert!(stderr.contains("unlock it"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&ws).unwrap(),
        before,
        "nothing saved without its secret"
    );

    // Gone mid-way: the key is stored, then the daemon dies before `remove`; D-Bus starts a new,
    // locked one. The connection leaves the workspace and the orphaned secret is named.
    let remove = format!(
        "kill $KEYRING; sleep 0.5; timeout 20 '{}' -c '{}' remove api-key 'CI key'; echo \"rc=$?\"",
        bin_path().display(),
        ws.display()
    );
    let (stdout, stderr) = in_keyring_session(
        dir.path(),
        &format!(
            "printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets 2>/dev/null & KEYRING=$!; sleep 0.5; {add}; {remove}"
        ),
    );
    assert!(
        stdout.contains("rc=0\n"),
        "the add worked: {stdout}\n{stderr}"
    );
    assert!(stdout.ends_with("rc=1\n"), "{stdout}\n{stderr}");
    // The entry is named as the keyring holds it: scoped by the id the add gave the workspace.
    let text = std::fs::read_to_string(&ws).unwrap();
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("workspace_id = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("the add gave the workspace its id");
    assert!(
        stderr.contains(&format!("removed from the workspace, but its secrets could not be deleted; delete them by hand: apple-conn/{id}/api-key/ABCDE12345")),
        "{stderr}"
    );
    assert!(!std::fs::read_to_string(&ws).unwrap().contains("ABCDE12345"));
    assert!(!stderr.contains("BEGIN PRIVATE KEY"));
}
