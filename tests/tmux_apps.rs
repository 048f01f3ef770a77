//! Apps from the TUI at 80×24 (issue 24, finding 3): `a` on the Apps pane adds one by hand or
//! from a bitrise.yml (its path Tab-completed, then the workflows), `d` removes one after a
//! confirmation saying what goes with it. The real binary in tmux; the file read afterwards.
#![cfg(unix)] // Unix by nature: tmux drives the real binary in a pty.

mod common;

use std::path::{Path, PathBuf};

use common::tmux::Tmux;
use common::*;

const WORKSPACE: &str = r#"# team workspace
version = 1
you = "alice@example.com"

[[apps]]
slug = "shop-ios"  # the store app

[[apps.steps]]
id = "deploy-to-itunesconnect-deliver"
[apps.steps.inputs]
bundle_id = "io.example.shop"

[[apps.steps]]
id = "fastlane"
"#;

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    ws: PathBuf,
    done: PathBuf,
}

fn setup() -> Option<Setup> {
    if !require(have("tmux"), "tmux") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let ws = path.join("workspace.toml");
    write(&ws, WORKSPACE);
    std::fs::create_dir_all(path.join("ci")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/demo-bitrise.yml"),
        path.join("ci/bitrise.yml"),
    )
    .unwrap();
    Some(Setup {
        done: path.join("done"),
        dir: path,
        ws,
        _dir: dir,
    })
}

fn open(s: &Setup, name: &str) -> Tmux {
    let cmd = format!(
        "cd {} && {} -c {} --no-color; touch {}",
        s.dir.display(),
        bin_path().display(),
        s.ws.display(),
        s.done.display()
    );
    let t = Tmux::start(name, &cmd, 80, 24);
    t.wait_for("Connections");
    t
}

fn on_disk(s: &Setup) -> String {
    std::fs::read_to_string(&s.ws).unwrap()
}

#[test]
fn add_an_app_by_hand_from_the_apps_pane() {
    let Some(s) = setup() else { return };
    let t = open(&s, "addapp");
    t.keys(&["2", "a"]);
    let form = t.wait_for("Add app");
    assert!(form.contains("Slug") && form.contains("Owner"), "{form}");
    t.literal("shop android");
    t.keys(&["Enter"]);
    t.wait_for("must be letters, digits");
    t.keys(&["C-u"]);
    t.literal("shop-android");
    t.keys(&["Tab"]);
    t.literal("Shop Android");
    t.keys(&["Tab"]);
    t.literal("bob");
    t.keys(&["Enter"]);
    t.wait_for("must be an email address");
    t.keys(&["C-u"]);
    t.literal("bob@example.com");
    t.keys(&["Tab"]);
    t.literal("alice@example.com, carol@example.com");
    t.keys(&["Enter"]);
    t.wait_for("added app shop-android");
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(
        text.contains("[[apps]]\nslug = \"shop-android\"\ntitle = \"Shop Android\"\nowner = \"bob@example.com\"\nadmins = [\"alice@example.com\", \"carol@example.com\"]\n"),
        "{text}"
    );
    assert!(
        text.contains("slug = \"shop-ios\"  # the store app"),
        "{text}"
    );
}

#[test]
fn add_an_app_from_a_bitrise_yml_with_tab_completion_then_its_workflows() {
    let Some(s) = setup() else { return };
    let t = open(&s, "addyml");
    t.keys(&["2", "a"]);
    t.wait_for("Add app");
    t.literal("news-ios");
    t.keys(&["Tab", "Tab", "Tab", "Tab"]);
    t.literal("ci/bitr");
    // Tab completes the path; Enter with nothing chosen goes to the Workflows list, read from
    // the file: the runs to choose from, never a name typed into the path.
    t.keys(&["Tab"]);
    t.wait_for("bitrise.yml");
    t.keys(&["Enter"]);
    let screen = t.wait_for("choose what the app runs");
    for row in ["[ ] test", "[ ] deploy", "[ ] beta", "[ ] pipeline:release"] {
        assert!(screen.contains(row), "{row}:\n{screen}");
    }
    t.keys(&["j", "Space"]);
    t.wait_for("[x] deploy");
    t.keys(&["Enter"]);
    t.wait_for("added app news-ios");
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(
        text.contains("[apps.bitrise_yml]\npath = \"ci/bitrise.yml\"\nworkflows = [\"deploy\"]\n"),
        "saved relative to the workspace:\n{text}"
    );
}

#[test]
fn remove_an_app_after_a_confirmation_that_says_what_goes() {
    let Some(s) = setup() else { return };
    let t = open(&s, "rmapp");
    t.keys(&["2", "d"]);
    let confirm = t.wait_for("Remove app shop-ios?");
    assert!(
        confirm.contains("2 step(s) with 1 input(s)")
            && confirm.contains("connections and their secrets stay"),
        "{confirm}"
    );
    t.keys(&["n"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(on_disk(&s).contains("shop-ios"));
    t.keys(&["d"]);
    t.wait_for("Remove app shop-ios?");
    t.keys(&["y"]);
    t.wait_for("removed app shop-ios");
    t.wait_for("no apps: press a to add one");
    t.quit(&s.done);
    let text = on_disk(&s);
    assert!(
        !text.contains("shop-ios") && !text.contains("fastlane"),
        "{text}"
    );
    assert!(text.starts_with("# team workspace\n"), "{text}");
}
