//! Issue 25 hole 12: a process SIGKILLed at the fsync or the rename of an atomic write leaves a
//! `.NAME.tmp-*` file (a private key, cookies, a workspace). strace's fault injection kills the
//! real binary at exactly that syscall; the next command in the folder must remove the leftover.
#![cfg(unix)] // Unix by nature: strace kills the binary at a chosen syscall.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// `args` run under strace, SIGKILLed at the first of `syscalls`; true when it was killed.
fn killed_at(syscalls: &str, ws: &Path, args: &[&str]) -> bool {
    let status = Command::new("strace")
        .args(["-f", "-o", "/dev/null", "-e"])
        .arg(format!("trace={syscalls}"))
        .arg("-e")
        .arg(format!("inject={syscalls}:signal=KILL"))
        .arg(bin_path())
        .arg("-c")
        .arg(ws)
        .args(args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_CONFIG_HOME", ws.parent().unwrap())
        .output()
        .unwrap()
        .status;
    !status.success()
}

#[test]
fn the_next_command_removes_what_a_kill_at_fsync_or_rename_left() {
    if !require(have("strace"), "strace (fault injection)") {
        return;
    }
    for syscalls in ["fsync,fdatasync", "rename,renameat,renameat2"] {
        let dir = tempfile::tempdir().unwrap();
        let ws = base_workspace(dir.path());
        let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
        let w = ws.to_str().unwrap();
        let r = run(bin().args([
            "-c",
            w,
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
        let out = dir.path().join("api_key.json");
        write(&out, "{}");
        // 1. The key JSON replacing an existing file: killed before its rename lands.
        assert!(
            killed_at(
                syscalls,
                &ws,
                &["export", "fastlane", "CI key", "-o", out.to_str().unwrap()]
            ),
            "{syscalls}: not killed"
        );
        let left = temps(dir.path());
        assert_eq!(left.len(), 1, "{syscalls}: {left:?}");
        let copy = std::fs::read_to_string(dir.path().join(&left[0])).unwrap_or_default();
        assert!(
            copy.contains("PRIVATE KEY"),
            "{syscalls}: the leftover holds the key: {copy}"
        );
        // 2. A workspace save killed the same way (the .bak first, then the file).
        assert!(killed_at(
            syscalls,
            &ws,
            &["assign", "shop-ios", "--api-key", "CI key"]
        ));
        // Its load already swept the key's leftover; now the save's own is left.
        let left = temps(dir.path());
        assert!(
            left.len() == 1 && left[0].starts_with(".workspace.toml"),
            "{syscalls}: {left:?}"
        );
        // The next command in that folder, even a read-only one, cleans up.
        let r = run(bin().args(["-c", w, "check"]));
        assert!(r.code <= 1, "{}", r.all());
        assert_eq!(
            temps(dir.path()),
            Vec::<String>::new(),
            "{syscalls}: left after `check`"
        );
        // The file itself is whole: the old one (the kill came before the rename).
        assert!(
            std::fs::read_to_string(&ws)
                .unwrap()
                .contains("[[api_keys]]"),
            "{syscalls}"
        );
    }
}

/// A temp file of a live apple-conn (another command saving right now) is never removed.
#[test]
fn a_live_writers_temp_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = sleeper.id();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let start: u64 = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let live = dir.path().join(format!(
        ".workspace.toml.tmp-{pid}-{start}-0123456789abcdef"
    ));
    write(&live, "in progress");
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert!(r.code <= 1, "{}", r.all());
    assert!(live.exists(), "a live writer's temp file was removed");
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert!(r.code <= 1, "{}", r.all());
    assert!(!live.exists(), "a dead writer's temp file stayed");
}
