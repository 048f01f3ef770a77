//! The real binary in tmux: type a scenario, read the screen, check the saved file, and check
//! the terminal is restored after quit, SIGTERM and SIGHUP.
#![cfg(unix)] // Unix by nature: tmux drives the real binary in a pty.

mod common;

use std::process::Command;
use std::time::Duration;

use common::tmux::{Tmux, wait_file};
use common::*;

#[test]
fn type_a_scenario_in_the_real_binary() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        "version = 1\nyou = \"alice@example.com\"\n\n[[apps]]\nslug = \"shop-ios\"\n\n[[apps.steps]]\nid = \"deploy-to-itunesconnect-deliver\"\n[apps.steps.inputs]\nbundle_id = \"io.example.shop\"\n",
    );
    let p8 = openssl_p256(dir.path(), "AuthKey_TMUXKEY123.p8");
    let done = dir.path().join("done");
    // No keyring in this session: adding a key shows the keyring message and keeps running.
    let cmd = format!(
        "{} -c {} --no-color; touch {}",
        bin_path().display(),
        ws.display(),
        done.display()
    );
    let t = Tmux::start("scenario", &cmd, 120, 40);
    t.wait_for("1 Connections");
    // No connection yet: `a` asks which kind.
    t.keys(&["a"]);
    t.wait_for("Add a connection");
    t.keys(&["Enter"]);
    t.wait_for("Add API key");
    t.literal("Release key");
    t.keys(&["Tab"]);
    t.literal("57246542-96fe-1a63-e053-0824d011072a");
    t.keys(&["Tab"]);
    t.literal("TMUXKEY123");
    t.keys(&["Tab", "Tab", "Tab"]);
    t.literal(p8.to_str().unwrap());
    // Store starts at reference here (no keyring); choosing keyring anyway fails whole.
    t.keys(&["Down", "Left", "Enter"]);
    let screen = t.wait_for("could not store the private key in the keyring");
    assert!(
        screen.contains("Add API key") && screen.contains("choose Store: reference"),
        "the form stays open with the whole message:\n{screen}"
    );
    t.keys(&["Escape", "2", "v"]);
    t.wait_for("env: local");
    t.keys(&["4", "Enter"]);
    t.wait_for("The walk");
    t.keys(&["Escape", "?"]);
    t.wait_for("Keys (from the keymap");
    t.keys(&["Escape", "q"]);
    wait_file(&done);
    assert!(
        !std::fs::read_to_string(&ws)
            .unwrap()
            .contains("Release key"),
        "nothing saved without its secret"
    );
}

fn terminal_restored_after(signal: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let stty = dir.path().join("stty.txt");
    let pidfile = dir.path().join("pid");
    let cmd = format!(
        "bash -c '{} --demo --no-color & echo $! > {}; wait; stty -a > {}'",
        bin_path().display(),
        pidfile.display(),
        stty.display()
    );
    let label = signal
        .unwrap_or("quit")
        .trim_start_matches('-')
        .to_lowercase();
    let t = Tmux::start(&label, &cmd, 100, 30);
    let _ = wait_file(&pidfile);
    std::thread::sleep(Duration::from_millis(200));
    // A background job doesn't own the tty: run it in the foreground instead for key input.
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    match signal {
        Some(sig) => {
            Command::new("kill").args([sig, &pid]).status().unwrap();
        }
        None => {
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        }
    }
    let text = wait_file(&stty);
    drop(t);
    assert!(
        text.contains(" icanon") && text.contains(" echo"),
        "terminal left in raw mode after {label}:\n{text}"
    );
}

#[test]
fn the_terminal_is_restored_after_sigterm_and_sighup() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    terminal_restored_after(Some("-TERM"));
    terminal_restored_after(Some("-HUP"));
}

#[test]
fn the_terminal_is_restored_after_quit() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stty = dir.path().join("stty.txt");
    let cmd = format!(
        "{} --demo --no-color; stty -a > {}",
        bin_path().display(),
        stty.display()
    );
    let t = Tmux::start("quit", &cmd, 100, 30);
    t.wait_for("1 Connections");
    t.keys(&["q"]);
    let text = wait_file(&stty);
    assert!(text.contains(" icanon") && text.contains(" echo"), "{text}");
}

#[test]
fn the_real_binary_reads_a_bitrise_yml_again_when_it_changes() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        "version = 1\nyou = \"alice@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n\n[[apps]]\nslug = \"shop-ios\"\napi_key = \"CI key\"\n\n[apps.bitrise_yml]\npath = \"bitrise.yml\"\nworkflows = [\"deploy\"]\n",
    );
    let yml = dir.path().join("bitrise.yml");
    let deploy = "format_version: '13'\nworkflows:\n  deploy:\n    steps:\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: api_key\n  nightly:\n    steps:\n    - fastlane@3: {}\n";
    write(&yml, deploy);
    let cmd = format!("{} -c {} --no-color", bin_path().display(), ws.display());
    let t = Tmux::start("bitrise", &cmd, 120, 40);
    t.wait_for("1 Connections");
    t.keys(&["2", "4"]);
    let screen = t.wait_for("bitrise.yml › workflow deploy");
    assert!(
        screen.contains("deploy-to-itunesconnect-deliver@2"),
        "{screen}"
    );
    // Another editor saves the file: the running TUI reads it again within a second or two.
    write(
        &yml,
        &deploy.replace("connection: api_key", "connection: off"),
    );
    let screen = t.wait_for("changed on disk: read it again");
    assert!(screen.contains("FAIL"), "{screen}");
    t.keys(&["w"]);
    t.wait_for("workflow nightly");
    t.keys(&["Down", "Down", "Enter"]);
    t.wait_for("fastlane@3");
    t.keys(&["q"]);
    assert_eq!(
        std::fs::read_to_string(&ws)
            .unwrap()
            .matches("deploy")
            .count(),
        1
    );
}
