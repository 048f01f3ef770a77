//! Issue 31's TUI items through the real binary in tmux at 80×24 and 120×40: Ctrl-C quits with
//! the terminal restored, an idle TUI writes nothing, the message log keeps every message.

mod common;

use std::time::Duration;

use common::tmux::{Tmux, wait_file};
use common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn demo(name: &str, w: u16, h: u16) -> Option<(Tmux, tempfile::TempDir)> {
    if !require(have("tmux"), "tmux") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} --demo --no-color; echo $? > {}; stty -a > {}; sleep 30",
        bin_path().display(),
        dir.path().join("done").display(),
        dir.path().join("stty").display()
    );
    let t = Tmux::start(&format!("{name}-{w}"), &cmd, w, h);
    t.wait_for("1 Connections");
    Some((t, dir))
}

#[test]
fn ctrl_c_quits_from_the_panes_and_from_a_form_restoring_the_terminal() {
    for (w, h) in SIZES {
        for open in [&[][..], &["a"][..]] {
            let Some((t, dir)) = demo("ctrlc", w, h) else {
                return;
            };
            t.keys(open);
            t.keys(&["C-c"]);
            let code = wait_file(&dir.path().join("done"));
            assert_eq!(code.trim(), "0", "{w}x{h} {open:?}: {}", t.screen());
            // The shell after it has its terminal back: echo and canonical mode on again.
            let stty = wait_file(&dir.path().join("stty"));
            assert!(
                stty.contains(" echo ") && stty.contains(" icanon "),
                "{stty}"
            );
        }
    }
}

#[test]
fn an_idle_tui_writes_nothing_to_the_terminal() {
    for (w, h) in SIZES {
        let Some((t, dir)) = demo("idle", w, h) else {
            return;
        };
        // Settled first (the first frames and the demo's checks), then 2 s of nothing.
        std::thread::sleep(Duration::from_millis(1500));
        let log = dir.path().join("pane.log");
        let pipe = |args: &[&str]| {
            t.cmd()
                .args(["pipe-pane", "-t", &t.session])
                .args(args)
                .status()
                .unwrap()
        };
        assert!(pipe(&["-o", &format!("cat > {}", log.display())]).success());
        std::thread::sleep(Duration::from_secs(2));
        pipe(&[]);
        std::thread::sleep(Duration::from_millis(200));
        let idle = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        assert_eq!(idle, 0, "{w}x{h}: {idle} bytes written while idle");
        // A key still draws at once.
        assert!(pipe(&["-o", &format!("cat > {}", log.display())]).success());
        t.keys(&["j"]);
        std::thread::sleep(Duration::from_millis(300));
        pipe(&[]);
        std::thread::sleep(Duration::from_millis(200));
        let drawn = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        assert!(drawn > 0, "{w}x{h}: a key drew nothing");
    }
}

#[test]
fn the_message_log_keeps_every_message_the_status_line_replaced() {
    for (w, h) in SIZES {
        let Some((t, _dir)) = demo("log", w, h) else {
            return;
        };
        // Two removals in the demo (nothing is saved): the second replaces the first in the
        // status line; `M` shows both, whole, newest last.
        t.keys(&["d", "y"]);
        t.wait_for("removed CI key");
        t.keys(&["d", "y"]);
        let screen = t.wait_for("removed Bob's key");
        assert!(!screen.contains("removed CI key"), "{screen}");
        t.keys(&["M"]);
        let log = t.wait_for("Messages (2)");
        let first = log.find("removed CI key").expect(&log);
        let second = log.find("removed Bob's key").expect(&log);
        assert!(first < second, "oldest first:\n{log}");
        // The key is in the help, from the keymap that dispatches it.
        t.keys(&["Escape", "?"]);
        t.wait_for("Keys (from the keymap");
        let mut seen = t.screen();
        for _ in 0..4 {
            if seen.contains("message log") {
                break;
            }
            t.keys(&["PageDown"]);
            seen = t.screen();
        }
        assert!(seen.contains("M           message log"), "{seen}");
        t.keys(&["Escape"]);
    }
}

#[test]
fn the_add_app_form_takes_a_repo_map_for_a_modular_bitrise_yml() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    for (w, h) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("workspace.toml");
        write(&ws, "version = 1\nyou = \"me@example.com\"\n");
        for (file, text) in [
            (
                "app/bitrise.yml",
                "format_version: \"13\"\ninclude:\n- path: ci/deploy.yml\n  repository: shared-ci\n  branch: main\nworkflows:\n  release:\n    steps:\n    - script@1: {}\n",
            ),
            (
                "shared-ci/ci/deploy.yml",
                "workflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2: {}\n",
            ),
        ] {
            let p = dir.path().join(file);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            write(&p, text);
        }
        let done = dir.path().join("done");
        let cmd = format!(
            "cd {} && {} -c {} --no-color; touch {}",
            dir.path().display(),
            bin_path().display(),
            ws.display(),
            done.display()
        );
        let t = Tmux::start(&format!("repomap-{w}"), &cmd, w, h);
        t.wait_for("Connections");
        t.keys(&["2", "a"]);
        t.wait_for("Add app");
        t.literal("modular");
        t.keys(&["Tab", "Tab", "Tab", "Tab"]);
        t.literal("app/bitrise.yml");
        t.keys(&["Down"]);
        t.wait_for("Repo map");
        t.keys(&["Down"]);
        t.literal("shared-ci=shared-ci");
        // The list is read with the map: the included file's workflow is there.
        t.keys(&["Down"]);
        t.wait_for("[ ] release");
        t.keys(&["Space", "Enter"]);
        t.wait_for("added app modular");
        t.quit(&done);
        let text = std::fs::read_to_string(&ws).unwrap();
        assert!(
            text.contains("repositories = { shared-ci = \"shared-ci\" }"),
            "{w}x{h}:\n{text}"
        );
    }
}

#[test]
fn a_second_tab_on_an_ambiguous_path_lists_the_candidates_and_stays() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    for (w, h) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("workspace.toml");
        write(&ws, "version = 1\nyou = \"me@example.com\"\n");
        std::fs::create_dir_all(dir.path().join("ci")).unwrap();
        for f in ["ci/bitrise.yml", "ci/bitrise-beta.yml"] {
            write(
                &dir.path().join(f),
                "format_version: \"13\"\nworkflows:\n  deploy:\n    steps:\n    - script@1: {}\n",
            );
        }
        let done = dir.path().join("done");
        let cmd = format!(
            "cd {} && {} -c {} --no-color; touch {}",
            dir.path().display(),
            bin_path().display(),
            ws.display(),
            done.display()
        );
        let t = Tmux::start(&format!("tabs-{w}"), &cmd, w, h);
        t.wait_for("Connections");
        t.keys(&["2", "a"]);
        t.wait_for("Add app");
        t.literal("news");
        t.keys(&["Tab", "Tab", "Tab", "Tab"]);
        t.literal("ci/bit");
        t.keys(&["Tab"]);
        t.wait_for("ci/bitrise");
        t.keys(&["Tab"]);
        let screen = t.wait_for("2 match:");
        assert!(
            screen.contains("bitrise-beta.yml") && screen.contains("bitrise.yml"),
            "{screen}"
        );
        // The focus stayed: what is typed next lands in the path.
        t.literal(".yml");
        t.wait_for("ci/bitrise.yml");
        // Enter from the path: the focus moves to the file's workflows, a list, so the name
        // typed next filters it and is not appended to the path.
        t.keys(&["Enter"]);
        t.wait_for("[ ] deploy");
        t.literal("dep");
        t.keys(&["Space"]);
        t.wait_for("[x] deploy");
        t.keys(&["Enter"]);
        t.wait_for("added app news");
        t.quit(&done);
        let text = std::fs::read_to_string(&ws).unwrap();
        assert!(
            text.contains("path = \"ci/bitrise.yml\"\nworkflows = [\"deploy\"]"),
            "{w}x{h}:\n{text}"
        );
    }
}

#[test]
fn the_add_key_form_offers_paste_only_where_the_key_can_be_kept() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    for (w, h) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("workspace.toml");
        write(&ws, "version = 1\nyou = \"me@example.com\"\n");
        let done = dir.path().join("done");
        // No keyring here (tmux sessions start without D-Bus): Store turns to reference.
        let cmd = format!(
            "cd {} && {} -c {} --no-color; touch {}",
            dir.path().display(),
            bin_path().display(),
            ws.display(),
            done.display()
        );
        let t = Tmux::start(&format!("paste-{w}"), &cmd, w, h);
        t.wait_for("Connections");
        t.keys(&["a"]);
        t.wait_for("Add a connection");
        t.keys(&["Enter"]);
        let form = t.wait_for("◀ reference ▶");
        assert!(
            form.contains("path (Tab completes) or env:VAR") && !form.contains("paste the key"),
            "{w}x{h}:\n{form}"
        );
        t.keys(&["Escape"]);
        t.quit(&done);
    }
}

#[test]
fn the_workflows_step_chooses_two_workflows_from_the_files_list() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    for (w, h) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("workspace.toml");
        write(&ws, "version = 1\nyou = \"me@example.com\"\n");
        std::fs::create_dir_all(dir.path().join("ci")).unwrap();
        write(
            &dir.path().join("ci/bitrise.yml"),
            "format_version: \"13\"\nworkflows:\n  _setup:\n    steps:\n    - script@1: {}\n  test:\n    steps:\n    - script@1: {}\n  deploy:\n    steps:\n    - deploy-to-itunesconnect-deliver@2: {}\n  jobs-nightly:\n    steps:\n    - script@1: {}\npipelines:\n  release:\n    workflows:\n      test: {}\n",
        );
        let done = dir.path().join("done");
        let cmd = format!(
            "cd {} && {} -c {} --no-color; touch {}",
            dir.path().display(),
            bin_path().display(),
            ws.display(),
            done.display()
        );
        let t = Tmux::start(&format!("pick-{w}"), &cmd, w, h);
        t.wait_for("Connections");
        t.keys(&["2", "a"]);
        t.wait_for("Add app");
        t.literal("nightly");
        t.keys(&["Tab", "Tab", "Tab", "Tab"]);
        t.literal("ci/bitrise.yml");
        t.keys(&["Down", "Down", "Down"]);
        let list = t.wait_for("[ ] jobs-nightly");
        for row in [
            "[ ] test",
            "[ ] deploy",
            "[ ] pipeline:release",
            "pipeline (graph)",
            "[-] _setup",
        ] {
            assert!(list.contains(row), "{w}x{h} {row}:\n{list}");
        }
        // The keys come from the keymap: the list's own hints.
        assert!(list.contains("space choose / unchoose"), "{w}x{h}:\n{list}");
        // j moves, space chooses; typing filters (j and k too, once a filter is typed).
        t.keys(&["j", "Space"]);
        t.wait_for("[x] deploy");
        t.literal("jobs");
        let filtered = t.wait_for("[ ] jobs-nightly");
        assert!(!filtered.contains("[x] deploy"), "{w}x{h}:\n{filtered}");
        t.keys(&["Space"]);
        t.wait_for("[x] jobs-nightly");
        t.keys(&["Enter"]);
        t.wait_for("added app nightly");
        t.quit(&done);
        let text = std::fs::read_to_string(&ws).unwrap();
        assert!(
            text.contains("[apps.bitrise_yml]\npath = \"ci/bitrise.yml\"\nworkflows = [\"deploy\", \"jobs-nightly\"]\n"),
            "{w}x{h}:\n{text}"
        );
    }
}

#[test]
fn a_cut_text_is_read_to_its_end_once_opened_at_80x24() {
    let Some((t, _dir)) = demo("whole", 80, 24) else {
        return;
    };
    // The title is cut from its left at 80 columns; `o` opens it whole.
    let screen = t.screen();
    assert!(screen.contains("…space (nothing is saved)"), "{screen}");
    t.keys(&["o"]);
    let open = t.wait_for("Whole text · Connections");
    assert!(
        open.contains("apple-conn demo workspace (nothing is saved)  [demo service: code"),
        "{open}"
    );
    t.keys(&["Escape"]);
    // The add-key form's key-ID error, cut under its field: ctrl-o shows its end.
    t.keys(&["a"]);
    t.wait_for("Add API key");
    t.literal("Release key");
    t.keys(&["Tab", "Tab"]);
    t.literal("abc");
    let form = t.wait_for("must be 10 characters");
    assert!(!form.contains("e.g. 2X9R4HXF34)"), "{form}");
    t.keys(&["C-o"]);
    let whole = t.wait_for("Whole text · Add API key");
    // Wrapped in the box: the error's last words, on their row.
    assert!(whole.contains("shows it, e.g. 2X9R4HXF34)"), "{whole}");
    t.keys(&["Escape"]);
    t.wait_for("Add API key");
}
