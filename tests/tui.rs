//! The TUI driven by keys: scenarios asserting what the screen shows, and snapshots of every
//! pane, form, modal and the help overlay (mono theme, 80×24 and 120×40).

use apple_conn::tui::state::{Layer, Pane};
use apple_conn::tui::testing::Harness;
use chrono::{DateTime, Utc};

fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn p8_file(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let path = dir.join(name);
    std::fs::write(&path, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    path
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(h: &Harness, name: &str) {
    // The demo sign-in stamps the real clock: filter that volatile text, as gitui does.
    insta::with_settings!({filters => vec![(r"expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "expires [date]")]}, {
        for (w, ht) in SIZES {
            insta::assert_snapshot!(format!("{name}_{w}x{ht}"), h.render(w, ht));
        }
    });
}

#[test]
fn snapshots_of_the_panes_and_help() {
    let mut h = Harness::demo(now());
    snap(&h, "connections");
    h.keys("2");
    snap(&h, "apps");
    h.keys("3 down down right");
    snap(&h, "matrix");
    h.keys("4");
    snap(&h, "preview");
    h.keys("enter");
    snap(&h, "preview_detail");
    h.keys("esc ?");
    snap(&h, "help");
}

#[test]
fn snapshots_of_forms_and_modals() {
    let mut h = Harness::demo(now());
    h.keys("a");
    h.type_text("Release key");
    h.keys("tab");
    h.type_text("not-a-uuid");
    snap(&h, "add_api_key_form");
    h.keys("esc");
    h.keys("d");
    snap(&h, "remove_confirmation");
    h.keys("n 2 s");
    snap(&h, "api_key_chooser");
    h.keys("s");
    snap(&h, "apple_id_chooser");
    h.keys("esc 4 down down i");
    snap(&h, "edit_inputs_form");
}

#[test]
fn snapshots_of_the_sign_in_steps() {
    let mut h = Harness::demo(now());
    // Alice already has an Apple ID: remove it, then add it again through the demo service.
    h.keys("down down down d y");
    h.keys("down a");
    assert!(
        matches!(h.state.layers.last(), Some(Layer::Form(_))),
        "{}",
        h.render(120, 40)
    );
    h.type_text("alice@example.com");
    h.keys("tab");
    h.type_text("secret-demo-password");
    snap(&h, "add_apple_id_form");
    let screen = h.render(120, 40);
    assert!(
        !screen.contains("secret-demo-password"),
        "the password is masked"
    );
    h.keys("enter");
    snap(&h, "two_factor_step");
    h.type_text("000000");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("wrong"),
        "a wrong code can be typed again:\n{screen}"
    );
    h.type_text("123456");
    h.keys("enter");
    snap(&h, "app_specific_password_step");
    h.type_text("abcd-efgh-ijkl-mnop");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("added Apple ID alice@example.com"),
        "{screen}"
    );
    assert!(screen.contains("expires in 30 days"), "{screen}");
    assert!(!screen.contains("abcd-efgh-ijkl-mnop"));
}

#[test]
fn add_key_then_assign_then_the_preview_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let p8 = p8_file(dir.path(), "AuthKey_RELEASE123.p8");
    let mut h = Harness::demo(now());
    h.keys("a");
    h.type_text("Release key");
    h.keys("tab");
    h.type_text("57246542-96fe-1a63-e053-0824d011072a");
    h.keys("tab");
    h.type_text("RELEASE123");
    h.keys("tab tab tab");
    h.type_text(p8.to_str().unwrap());
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("added API key Release key (RELEASE123)"),
        "{screen}"
    );
    assert!(screen.contains("API keys 4/50"), "{screen}");
    // watch-companion has no API key: assign the new one.
    h.keys("2 down down s");
    let Some(Layer::Chooser(ch)) = h.state.layers.last() else {
        panic!("chooser expected")
    };
    let pos = ch
        .options
        .iter()
        .position(|(v, _)| v.as_deref() == Some("Release key"))
        .unwrap();
    assert!(
        ch.options
            .iter()
            .all(|(v, _)| v.as_deref() != Some("Bob's key")),
        "only your own keys"
    );
    for _ in 0..pos {
        h.keys("down");
    }
    h.keys("enter");
    h.keys("4");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("Release key (RELEASE123)"),
        "the preview uses the new key:\n{screen}"
    );
}

#[test]
fn an_expired_session_shows_as_a_failure() {
    let mut h = Harness::demo(now());
    h.keys("2 down 4 down");
    let screen = h.render(120, 40);
    assert!(screen.contains("✗ FAIL"), "{screen}");
    h.keys("enter");
    let detail = h.render(120, 40);
    assert!(
        detail.contains("2FA session saved in Bitrise Developer Connection is expired"),
        "{detail}"
    );
    assert!(detail.contains("stopped"), "{detail}");
}

#[test]
fn removal_confirmation_lists_the_apps_and_clears_them() {
    let mut h = Harness::demo(now());
    h.keys("d");
    let screen = h.render(100, 30);
    assert!(
        screen.contains("Remove API key `CI key`?") && screen.contains("• shop-ios"),
        "{screen}"
    );
    h.keys("y");
    assert!(h.state.loaded.workspace.api_key("CI key").is_none());
    assert_eq!(
        h.state.loaded.workspace.app("shop-ios").unwrap().api_key,
        None
    );
    assert!(h.render(100, 30).contains("removed CI key"));
}

#[test]
fn reauth_renews_the_session() {
    let mut h = Harness::demo(now());
    // bob's session expired; re-authenticate it through the demo service.
    h.keys("down down down down r");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("Apple sent a code to your trusted devices"),
        "{screen}"
    );
    h.type_text("123456");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("re-authenticated"), "{screen}");
    let bob = h
        .state
        .loaded
        .workspace
        .apple_id("bob@example.com")
        .unwrap();
    assert!(bob.session_expires_at.is_some());
}

#[test]
fn environment_filter_and_limits() {
    let mut h = Harness::demo(now());
    h.keys("v");
    assert!(h.render(120, 40).contains("env: local"));
    h.keys("v");
    assert!(h.render(120, 40).contains("env: public-pr"));
    h.keys("2 /");
    h.type_text("legacy");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("legacy-ipad") && !screen.contains("shop-ios  "),
        "{screen}"
    );
    // One Apple ID per member: alice already has one.
    let mut h = Harness::demo(now());
    h.keys("down down down a");
    h.type_text("alice.two@example.com");
    h.keys("tab");
    h.type_text("pw");
    h.keys("enter");
    assert!(h.render(120, 40).contains("one Apple ID per member"));
    // Focus and selection stay visible in mono: the focused pane has a thick border.
    let h = Harness::demo(now());
    assert_eq!(h.state.focus, Pane::Connections);
    assert!(h.render(120, 40).contains("┏"));
}

#[test]
fn tiny_and_narrow_terminals_do_not_panic() {
    let mut h = Harness::demo(now());
    for (w, ht) in [(20, 5), (1, 1), (30, 8), (80, 24), (60, 40), (200, 10)] {
        let _ = h.render(w, ht);
    }
    h.keys("a");
    for (w, ht) in [(20, 5), (40, 10)] {
        let _ = h.render(w, ht);
    }
    assert!(h.render(19, 4).contains("enlarge"));
    h.keys("esc");
    news_ios(&mut h);
    h.keys("4 w");
    for (w, ht) in [(20, 5), (1, 1), (30, 8), (60, 40), (200, 10)] {
        let _ = h.render(w, ht);
    }
    h.keys("enter enter");
    for (w, ht) in [(20, 5), (30, 8), (200, 10)] {
        let _ = h.render(w, ht);
    }
}

/// The demo's app whose steps come from its bitrise.yml.
fn news_ios(h: &mut Harness) {
    h.keys("2");
    while h.state.selected_app().map(|a| a.slug.as_str()) != Some("news-ios") {
        let before = h.state.app_sel;
        h.keys("down");
        assert_ne!(before, h.state.app_sel, "news-ios is in the demo");
    }
}

#[test]
fn snapshots_of_a_bitrise_yml_app() {
    let mut h = Harness::demo(now());
    news_ios(&mut h);
    h.keys("4");
    snap(&h, "bitrise_preview");
    h.keys("w");
    snap(&h, "workflow_chooser");
    h.keys("down down down enter");
    snap(&h, "bitrise_preview_switched");
}

fn file_workspace(dir: &std::path::Path, yml: &str) -> Harness {
    use apple_conn::tui::effects::Service;
    let ws = dir.join("apple-conn.toml");
    std::fs::write(
        &ws,
        "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"k\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n\n[[apps]]\nslug = \"ios\"\napi_key = \"k\"\n\n[apps.bitrise_yml]\npath = \"ci/bitrise.yml\"\nworkflows = [\"release\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::write(dir.join("ci/bitrise.yml"), yml).unwrap();
    let loaded = apple_conn::store::load(&ws).unwrap();
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        Service::Demo,
        true,
        now(),
        false,
    );
    h.keys("2 4");
    h
}

const RELEASE: &str = "format_version: '13'\nworkflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: api_key\n        - bundle_id: com.example.app\n";

#[test]
fn a_bitrise_yml_app_is_read_again_when_its_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = file_workspace(dir.path(), RELEASE);
    let screen = h.render(120, 40);
    assert!(
        screen.contains("ci/bitrise.yml › workflow release"),
        "{screen}"
    );
    assert!(
        screen.contains("deploy-to-itunesconnect-deliver@2"),
        "{screen}"
    );
    assert!(screen.contains("✓ ok"), "{screen}");
    assert_eq!(
        h.state.health,
        vec![apple_conn::domain::resolution::Outcome::Ok]
    );

    // The file changes under the running TUI: an unquoted off reaches the step as "false".
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        dir.path().join("ci/bitrise.yml"),
        RELEASE.replace("connection: api_key", "connection: off"),
    )
    .unwrap();
    h.check_files();
    let screen = h.render(120, 40);
    assert!(
        screen.contains("changed on disk: read it again"),
        "{screen}"
    );
    assert!(screen.contains("✗ FAIL"), "{screen}");
    assert_eq!(
        h.state.health,
        vec![apple_conn::domain::resolution::Outcome::Fail]
    );

    // A broken file shows the CLI's message instead of steps; fixing it brings them back.
    std::fs::write(dir.path().join("ci/bitrise.yml"), "workflows: {}\n").unwrap();
    h.check_files();
    let screen = h.render(120, 40);
    assert!(screen.contains("missing format_version"), "{screen}");
    assert!(screen.contains("fix the file"), "{screen}");
    std::fs::write(dir.path().join("ci/bitrise.yml"), RELEASE).unwrap();
    h.check_files();
    assert!(h.state.preview_error.is_none());
    assert_eq!(h.state.preview.len(), 1);
    // Nothing changed: nothing is read again.
    h.state.status = None;
    h.check_files();
    assert!(h.state.status.is_none());
}

#[test]
fn switching_workflow_is_a_view_and_inputs_stay_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let yml = format!(
        "{RELEASE}  _prep:\n    steps:\n    - git-clone@8: {{}}\n  beta:\n    before_run: [_prep]\n    steps:\n    - fastlane@3:\n        inputs:\n        - lane: beta\n        - conection: apple_id\n"
    );
    let mut h = file_workspace(dir.path(), &yml);
    let text = std::fs::read_to_string(dir.path().join("apple-conn.toml")).unwrap();
    h.keys("w");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("as in the workspace: workflow release"),
        "{screen}"
    );
    assert!(screen.contains("workflow beta"), "{screen}");
    assert!(
        !screen.contains("workflow _prep"),
        "utility workflows are not offered: {screen}"
    );
    h.keys("down down enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("▾ _prep"), "grouped by workflow: {screen}");
    assert!(screen.contains("▾ beta"), "{screen}");
    assert!(
        screen.contains("viewing; the workspace runs workflow release"),
        "{screen}"
    );
    assert_eq!(
        h.state
            .preview
            .iter()
            .map(|p| p.step_id.as_str())
            .collect::<Vec<_>>(),
        ["git-clone", "fastlane"]
    );
    // The misspelt input is reported, not silently dropped.
    h.keys("down enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("fastlane ignores `conection`"), "{screen}");
    assert!(screen.contains("from workflow beta"), "{screen}");
    // Inputs of a file step are edited in the file, not in the workspace.
    h.keys("esc i");
    assert!(h.state.layers.is_empty());
    let status = h.state.status.clone().unwrap().text;
    assert!(status.contains("edit the file"), "{status}");
    // Back to the configured run (the chooser opens on the run being viewed); nothing was written.
    h.keys("w up up up enter");
    assert_eq!(h.state.preview.len(), 1);
    assert!(h.state.workflow_view.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("apple-conn.toml")).unwrap(),
        text
    );
}

#[test]
fn help_shows_every_key_at_80x24() {
    let mut h = Harness::demo(now());
    h.keys("?");
    let screen = h.render(80, 24);
    for label in [
        "next pane",
        "page down",
        "assign",
        "switch workflow",
        "quit",
        "cancel",
    ] {
        assert!(
            screen.contains(label),
            "{label} missing at 80×24:\n{screen}"
        );
    }
}
