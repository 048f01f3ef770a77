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
            for kind in [28, 13] {
                // 28 = disk full, 13 = permission denied
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
                    text.contains(if kind == 28 {
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
