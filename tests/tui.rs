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
    let key = <p256::SecretKey as p256::elliptic_curve::Generate>::generate();
    let path = dir.join(name);
    std::fs::write(&path, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    path
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(h: &Harness, name: &str) {
    // The harness's clock is fixed and every effect reads it; only a temporary folder's random
    // name varies, and its stand-in has the same length so the layout stays as rendered.
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\.tmp[A-Za-z0-9]{6}", ".tmpXXXXXX");
    settings.bind(|| {
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
    // Alice's Apple ID: `e` edits its references, it does not sign in.
    h.keys("esc 1 down down down e");
    assert!(h.render(120, 40).contains("Edit Apple ID"));
    snap(&h, "edit_apple_id_form");
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
    // Refused before the form (issue 24): no form to fill in only to be told so after it.
    h.keys("down down down a");
    assert!(h.state.layers.is_empty());
    assert!(h.render(120, 40).contains("one per member"));
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
    // The main keys fit the first screen; the form keys (the last rows) one page down.
    for label in [
        "next pane",
        "page down",
        "assign",
        "switch workflow",
        "push to Bitrise",
        "signing files",
        "message log",
        "quit",
    ] {
        assert!(
            screen.contains(label),
            "{label} missing at 80×24:\n{screen}"
        );
    }
    h.keys("pagedown");
    let next = h.render(80, 24);
    assert!(
        next.contains("cancel"),
        "cancel missing a page down:\n{next}"
    );
}

#[test]
fn an_apple_id_is_assigned_from_the_apps_pane() {
    let mut h = Harness::demo(now());
    h.keys("2 s s");
    let screen = h.render(120, 40);
    assert!(screen.contains("Apple ID for shop-ios"), "{screen}");
    // The chooser lists the Apple IDs with their session state; the last row clears.
    h.keys("down down enter");
    let app = h.state.loaded.workspace.app("shop-ios").unwrap();
    assert_eq!(app.apple_id, None, "{}", h.render(120, 40));
    h.keys("s s enter");
    let app = h.state.loaded.workspace.app("shop-ios").unwrap();
    assert_eq!(app.apple_id.as_deref(), Some("alice@example.com"));
    // `s` again goes back to the API keys.
    h.keys("s s s");
    assert!(h.render(120, 40).contains("API key for shop-ios"));
}

#[test]
fn the_first_apple_id_can_be_added() {
    let mut h = Harness::demo(now());
    // Remove both Apple IDs: no Apple ID row is left to stand on.
    h.keys("down down down d y");
    h.keys("down down down d y");
    assert!(
        h.state.loaded.workspace.apple_ids.is_empty(),
        "{}",
        h.render(120, 40)
    );
    h.keys("a");
    let screen = h.render(120, 40);
    assert!(screen.contains("Add a connection"), "{screen}");
    h.keys("down enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("Add Apple ID"), "{screen}");
    h.type_text("carol@example.com");
    h.keys("tab");
    h.type_text("pw");
    h.keys("enter");
    h.type_text("123456");
    h.keys("enter enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("added Apple ID carol@example.com"),
        "{screen}"
    );
    // The session is stamped with the harness's clock: 30 days from it.
    let aid = h
        .state
        .loaded
        .workspace
        .apple_id("carol@example.com")
        .unwrap();
    assert_eq!(aid.authenticated_at, Some(now()));
    assert_eq!(
        aid.session_expires_at,
        Some(now() + chrono::Duration::days(30))
    );
}

#[test]
fn hints_offer_only_what_works() {
    let mut h = Harness::demo(now());
    let bar = |h: &Harness| {
        h.render(120, 40)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    assert!(bar(&h).contains("t token") && !bar(&h).contains("re-authenticate"));
    h.keys("down down down");
    assert!(
        bar(&h).contains("re-authenticate") && !bar(&h).contains("t token"),
        "{}",
        bar(&h)
    );
    h.state.read_only = true;
    for small in [
        bar(&h),
        h.render(80, 24)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string(),
    ] {
        assert!(
            !small.contains("a add") && !small.contains("d delete"),
            "{small}"
        );
        assert!(
            small.contains("? help") && small.contains("q quit"),
            "{small}"
        );
    }
}

#[test]
fn esc_after_a_good_code_keeps_the_session() {
    let mut h = Harness::demo(now());
    h.keys("down down down d y");
    h.keys("down a");
    h.type_text("alice@example.com");
    h.keys("tab");
    h.type_text("pw");
    h.keys("enter");
    h.type_text("123456");
    h.keys("enter esc");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("added Apple ID alice@example.com"),
        "{screen}"
    );
    let aid = h
        .state
        .loaded
        .workspace
        .apple_id("alice@example.com")
        .unwrap();
    assert_eq!(aid.app_specific_password, None);
    assert_eq!(aid.authenticated_at, Some(now()));
}

#[test]
fn a_failed_sign_in_ends_the_flow_with_a_way_to_retry() {
    use apple_conn::apple::signin::Endpoints;
    use apple_conn::tui::effects::Service;
    // Nothing listens on port 9 of localhost: the first request fails at once.
    let (loaded, memory) = apple_conn::tui::demo_workspace_seeded(Some(7)).unwrap();
    let service = Service::Apple(Endpoints::new(Some("http://127.0.0.1:9")).unwrap());
    let mut h = Harness::with(loaded, Box::new(memory), service, false, now(), true);
    // Re-authenticate alice: the request fails, no code field stays behind.
    h.keys("down down down r");
    let screen = h.render(120, 40);
    assert!(
        !matches!(h.state.layers.last(), Some(Layer::Form(_))),
        "{screen}"
    );
    assert!(screen.contains("r: try again"), "{screen}");
    // Adding (alice's own Apple ID removed first): the form stays, with the error and Enter to retry.
    h.keys("d y a");
    h.type_text("carol@example.com");
    h.keys("tab");
    h.type_text("pw");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("Connection refused"), "{screen}");
    let Some(Layer::Form(form)) = h.state.layers.last() else {
        panic!("the add form stays: {screen}")
    };
    assert!(form.busy.is_none());
    assert!(
        form.error
            .as_deref()
            .unwrap_or_default()
            .ends_with("enter: try again")
    );
}

#[test]
fn a_pasted_pem_with_cr_line_ends_is_accepted_and_masked() {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let key = <p256::SecretKey as p256::elliptic_curve::Generate>::generate();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let mut h = Harness::demo(now());
    h.keys("a");
    h.type_text("Pasted");
    h.keys("tab");
    h.type_text("57246542-96fe-1a63-e053-0824d011072a");
    h.keys("tab");
    h.type_text("PASTED1234");
    h.keys("tab tab tab");
    h.send(apple_conn::tui::update::Msg::Paste(pem.replace('\n', "\r")));
    let screen = h.render(120, 40);
    assert!(screen.contains("(pasted key,"), "{screen}");
    assert!(!screen.contains("PRIVATE KEY"), "{screen}");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("added API key Pasted (PASTED1234)"),
        "{screen}"
    );
}

#[test]
fn a_key_can_be_added_as_a_reference_without_a_keyring() {
    use apple_conn::tui::effects::Service;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("apple-conn.toml");
    std::fs::write(&ws, "version = 1\nyou = \"a@example.com\"\n").unwrap();
    let p8 = p8_file(dir.path(), "AuthKey_REFKEY1234.p8");
    let loaded = apple_conn::store::load(&ws).unwrap();
    // A keyring that is there but empty: the key must not land in it.
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        Service::Demo,
        true,
        now(),
        false,
    );
    h.keys("a enter");
    h.type_text("Ref key");
    h.keys("tab");
    h.type_text("57246542-96fe-1a63-e053-0824d011072a");
    h.keys("tab");
    h.type_text("REFKEY1234");
    h.keys("tab tab tab");
    h.type_text(p8.to_str().unwrap());
    h.keys("down right");
    let screen = h.render(120, 40);
    assert!(screen.contains("◀ reference ▶"), "{screen}");
    // ▶ stops at the last option: right again is still reference (as where it is the default).
    h.keys("right");
    assert!(h.render(120, 40).contains("◀ reference ▶"));
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("added API key Ref key (REFKEY1234)"),
        "{screen}"
    );
    let on_disk = std::fs::read_to_string(&ws).unwrap();
    // The .p8 sits beside the workspace: saved relative to its folder, as the README shows.
    assert!(p8.starts_with(dir.path()));
    assert!(
        on_disk.contains("private_key = { path = \"AuthKey_REFKEY1234.p8\" }"),
        "{on_disk}"
    );
    // The fingerprint the message showed is the one the workspace lists.
    let key = apple_conn::store::load(&ws).unwrap().workspace.api_keys[0].clone();
    let fp = key.fingerprint.unwrap();
    assert!(screen.contains(&fp[..16]), "{screen}");
    assert!(
        screen.contains(&fp[..8]),
        "the list shows the same fingerprint"
    );
}

#[test]
fn e_on_an_apple_id_edits_its_references_without_signing_in() {
    let mut h = Harness::demo(now());
    h.keys("down down down e");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("Edit Apple ID · alice@example.com"),
        "{screen}"
    );
    assert!(h.state.signin.is_none(), "no sign-in starts");
    // Password from an env var; a new app-specific password kept in the keyring.
    h.keys("ctrl-u");
    h.type_text("env:ALICE_PW");
    h.keys("tab tab");
    h.type_text("abcd-efgh-ijkl-mnop");
    let screen = h.render(120, 40);
    assert!(!screen.contains("abcd-efgh-ijkl-mnop"), "masked: {screen}");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("saved Apple ID alice@example.com"),
        "{screen}"
    );
    let aid = h
        .state
        .loaded
        .workspace
        .apple_id("alice@example.com")
        .unwrap();
    assert_eq!(
        aid.password,
        apple_conn::domain::secret_ref::SecretRef::Env("ALICE_PW".into())
    );
    assert_eq!(
        aid.app_specific_password,
        Some(apple_conn::domain::secret_ref::SecretRef::Keyring)
    );
    // A place that is not one is refused, naming the field.
    h.keys("e ctrl-u");
    h.type_text("nowhere");
    h.keys("enter");
    assert!(
        h.render(120, 40)
            .contains("Password: `nowhere` is not a place")
    );
}

#[test]
fn reauth_with_a_live_trust_cookie_refreshes_without_a_code() {
    let mut h = Harness::demo(now());
    // bob has no trust cookie yet: `r` says so and asks for a code.
    h.keys("down down down down r");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("Apple sent a code to your trusted devices"),
        "{screen}"
    );
    assert!(
        screen.contains("no trust cookie is recorded: signing in with a code instead"),
        "{screen}"
    );
    h.type_text("123456");
    h.keys("enter");
    let bob = h
        .state
        .loaded
        .workspace
        .apple_id("bob@example.com")
        .unwrap();
    let authenticated = bob.authenticated_at;
    let expires = bob
        .session_expires_at
        .expect("a session expiry after the code");
    assert!(expires > now());
    // Now the demo session's trust cookie lives: `r` refreshes with it and asks for no code.
    h.keys("r");
    let screen = h.render(120, 40);
    assert!(
        !screen.contains("Apple sent a code"),
        "a code was asked for: {screen}"
    );
    assert!(
        screen.contains("refreshed with the trust cookie (no code); the session expires"),
        "{screen}"
    );
    let bob = h
        .state
        .loaded
        .workspace
        .apple_id("bob@example.com")
        .unwrap();
    // No new code: authenticated_at stays; the expiry is recorded again.
    assert_eq!(bob.authenticated_at, authenticated);
    assert_eq!(bob.session_expires_at, Some(expires));
}

/// A keyring that cannot be reached (no Secret Service): every call fails as the real one does.
struct NoKeyring;

impl apple_conn::secrets::SecretStore for NoKeyring {
    fn get(
        &self,
        _: &apple_conn::secrets::EntryName,
    ) -> Result<apple_conn::secrets::SecretValue, apple_conn::secrets::SecretError> {
        Err(self.reachable().unwrap_err())
    }
    fn set(
        &self,
        _: &apple_conn::secrets::EntryName,
        _: &apple_conn::secrets::SecretValue,
    ) -> Result<(), apple_conn::secrets::SecretError> {
        Err(self.reachable().unwrap_err())
    }
    fn delete(
        &self,
        _: &apple_conn::secrets::EntryName,
    ) -> Result<(), apple_conn::secrets::SecretError> {
        Err(self.reachable().unwrap_err())
    }
    fn describe(&self) -> String {
        "no keyring".into()
    }
    fn reachable(&self) -> Result<(), apple_conn::secrets::SecretError> {
        Err(apple_conn::secrets::SecretError::NoKeyring(
            "no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set, as is usual over SSH".into(),
        ))
    }
}

/// The screen's text inside the top form's border, its wrapped lines joined again.
fn form_text(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| {
            let start = l.find('┃')?;
            let rest = &l[start + '┃'.len_utf8()..];
            let end = rest.rfind('┃')?;
            Some(rest[..end].trim().to_string())
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn without_a_keyring_store_defaults_to_reference_and_an_apple_id_is_added_by_reference() {
    use apple_conn::tui::effects::Service;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("apple-conn.toml");
    std::fs::write(&ws, "version = 1\nyou = \"a@example.com\"\n").unwrap();
    let pw = dir.path().join("pw.txt");
    std::fs::write(&pw, "the-password\n").unwrap();
    let loaded = apple_conn::store::load(&ws).unwrap();
    let mut h = Harness::with(
        loaded,
        Box::new(NoKeyring),
        Service::Demo,
        true,
        now(),
        false,
    );
    // Both secret-writing forms: Store is reference, and the whole message shows at 80×24.
    for (choice, title) in [("enter", "Add API key"), ("down enter", "Add Apple ID")] {
        h.keys("a");
        h.keys(choice);
        let screen = h.render(80, 24);
        assert!(screen.contains(title), "{screen}");
        assert!(screen.contains("◀ reference ▶"), "{screen}");
        let text = form_text(&screen);
        assert!(
            text.contains("Store is reference: no OS keyring is reachable")
                && text.ends_with(
                    "choose Store: reference and write where each secret is (env:VAR or file:PATH)"
                )
                && !text.contains("--store"),
            "the message is whole:\n{screen}"
        );
        h.keys("esc");
    }
    h.keys("a down enter");
    snap(&h, "add_apple_id_form_without_keyring");
    h.keys("esc");
    // Add an Apple ID whose password is read from a file; the session goes to a file too.
    h.keys("a down enter");
    h.type_text("a@example.com");
    h.keys("tab");
    h.type_text(&format!("file:{}", pw.display()));
    h.keys("tab tab");
    h.type_text("sessions.json");
    h.keys("enter");
    h.type_text("123456");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("App-specific password from"), "{screen}");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("added Apple ID a@example.com"), "{screen}");
    let on_disk = std::fs::read_to_string(&ws).unwrap();
    assert!(
        on_disk.contains(&format!("password = {{ path = \"{}\" }}", pw.display()))
            && on_disk.contains("session = { path = \"sessions.json\" }")
            && !on_disk.contains("app_specific_password"),
        "{on_disk}"
    );
    let session = std::fs::read_to_string(dir.path().join("sessions.json")).unwrap();
    assert!(session.contains("DESdemo"), "{session}");
    assert!(!on_disk.contains("the-password"), "{on_disk}");
    // Its edit form says where a new app-specific password can go without a keyring.
    h.keys("e");
    snap(&h, "edit_apple_id_form_without_keyring");
    let text = form_text(&h.render(80, 24));
    assert!(
        text.contains("New app-specific password needs a keyring")
            && text.ends_with("(over SSH: `dbus-run-session` with gnome-keyring unlocked)")
            && !text.contains("--store"),
        "{text}"
    );
}

#[test]
fn a_reference_that_is_not_env_or_file_is_refused_without_echoing_it() {
    use apple_conn::tui::effects::Service;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("apple-conn.toml");
    std::fs::write(&ws, "version = 1\nyou = \"a@example.com\"\n").unwrap();
    let loaded = apple_conn::store::load(&ws).unwrap();
    let mut h = Harness::with(
        loaded,
        Box::new(NoKeyring),
        Service::Demo,
        true,
        now(),
        false,
    );
    h.keys("a down enter");
    h.type_text("a@example.com");
    h.keys("tab");
    // A password typed where its place belongs: refused, and never shown back.
    h.type_text("hunter2hunter2");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("write env:VAR or file:PATH"), "{screen}");
    assert!(h.state.signin.is_none(), "no sign-in started");
    let Some(Layer::Form(form)) = h.state.layers.last() else {
        panic!("the form stays: {screen}")
    };
    assert!(!form.error.clone().unwrap_or_default().contains("hunter2"));
}

#[test]
fn choosing_the_keyring_without_one_shows_the_whole_message_at_80x24_and_saves_nothing() {
    use apple_conn::tui::effects::Service;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("apple-conn.toml");
    std::fs::write(&ws, "version = 1\nyou = \"a@example.com\"\n").unwrap();
    let p8 = p8_file(dir.path(), "AuthKey_NORING1234.p8");
    let loaded = apple_conn::store::load(&ws).unwrap();
    let mut h = Harness::with(
        loaded,
        Box::new(NoKeyring),
        Service::Demo,
        true,
        now(),
        false,
    );
    h.keys("a enter");
    h.type_text("No ring");
    h.keys("tab");
    h.type_text("57246542-96fe-1a63-e053-0824d011072a");
    h.keys("tab");
    h.type_text("NORING1234");
    h.keys("tab tab tab");
    h.type_text(p8.to_str().unwrap());
    h.keys("down left enter");
    let screen = h.render(80, 24);
    let text = form_text(&screen);
    assert!(
        text.contains("could not store the private key in the keyring (no OS keyring is reachable")
            && text.contains("choose Store: reference to record the .p8 path or env:VAR instead")
            && text.ends_with("(over SSH: `dbus-run-session` with gnome-keyring unlocked)")
            && !text.contains("--store"),
        "the error is whole:\n{screen}"
    );
    assert!(!std::fs::read_to_string(&ws).unwrap().contains("No ring"));
}

#[test]
fn doctor_enter_on_a_step_finding_selects_that_step() {
    let mut h = Harness::demo(now());
    h.keys("D");
    let Some(Layer::Doctor(view)) = h.state.layers.last() else {
        panic!("no Doctor view");
    };
    use apple_conn::domain::doctor::Target;
    let (n, slug, index) = view
        .lines
        .iter()
        .enumerate()
        .find_map(|(n, l)| match &l.target {
            Target::Step { slug, index } => Some((n, slug.clone(), *index)),
            _ => None,
        })
        .expect("a step finding in the demo");
    for _ in 0..n {
        h.keys("down");
    }
    h.keys("enter");
    assert_eq!(h.state.focus, Pane::Preview);
    assert_eq!(h.state.selected_app().unwrap().slug, slug);
    assert_eq!(h.state.preview_rows()[h.state.preview_sel], index);
    h.keys("enter");
    let screen = h.render(80, 24);
    let step = &h.state.preview[index].step_id;
    assert!(screen.contains(&format!("#{index} {step}")), "{screen}");
}

/// Each overlay at 80×24 with its longest real text, top and bottom (the position mark shows
/// what is out of view; End reaches the last row).
#[test]
fn snapshots_of_the_overlays_at_80x24_top_and_end() {
    let shot = |h: &Harness, name: &str| insta::assert_snapshot!(name, h.render(80, 24));
    let mut h = Harness::demo(now());
    // The longest step detail: legacy-ipad's failing deliver step.
    h.keys("2 down 4 down enter");
    shot(&h, "overlay_detail_top_80x24");
    h.keys("end");
    shot(&h, "overlay_detail_end_80x24");
    h.keys("esc 1 enter");
    shot(&h, "overlay_connection_details_80x24");
    h.keys("esc down down down enter");
    shot(&h, "overlay_apple_id_details_80x24");
    h.keys("esc ? end");
    shot(&h, "overlay_help_end_80x24");
    h.keys("esc D end");
    shot(&h, "overlay_doctor_last_finding_80x24");
    h.keys("esc 1 home t");
    let mut settings = insta::Settings::clone_current();
    // A token's signature differs on every signing: its text is replaced.
    settings.add_filter(r"[A-Za-z0-9_.-]{20,}", "[token-part]");
    settings.bind(|| shot(&h, "overlay_token_80x24"));
}

#[test]
fn an_added_key_becomes_the_selected_row_even_under_a_filter() {
    let dir = tempfile::tempdir().unwrap();
    let p8 = p8_file(dir.path(), "AuthKey_NEWKEY1234.p8");
    let mut h = Harness::demo(now());
    h.keys("/");
    h.type_text("bob");
    h.keys("enter a");
    h.type_text("Zed key");
    h.keys("tab");
    h.type_text("57246542-96fe-1a63-e053-0824d011072a");
    h.keys("tab");
    h.type_text("NEWKEY1234");
    h.keys("tab tab tab");
    h.type_text(p8.to_str().unwrap());
    h.keys("enter");
    let screen = h.render(80, 24);
    assert!(
        h.state.loaded.workspace.api_key("Zed key").is_some(),
        "{screen}"
    );
    h.keys("enter");
    assert!(
        h.render(80, 24).contains("API key · Zed key"),
        "{}",
        h.render(80, 24)
    );
}

#[test]
fn the_demo_tests_no_key_against_apple() {
    // The demo's keys are throwaway: `T` sends nothing (not even a DNS look-up of Apple's host).
    let mut h = Harness::demo(now());
    h.keys("1 T");
    h.pump();
    let status = h
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("not sent"), "{status}");
    assert!(status.contains("apple-conn test NAME"), "{status}");
}

/// A file with workflows, a utility workflow and a graph pipeline (the Workflows list's rows).
const RUNS: &str = "format_version: '13'\nworkflows:\n  _setup:\n    steps:\n    - script@1: {}\n  test:\n    before_run: [_setup]\n    steps:\n    - script@1: {}\n  deploy:\n    steps:\n    - deploy-to-itunesconnect-deliver@2: {}\n  beta:\n    steps:\n    - script@1: {}\npipelines:\n  release:\n    workflows:\n      test: {}\n      deploy:\n        depends_on: [test]\n";

/// `a` on Apps, a slug, then the path of a bitrise.yml (absolute: the harness has no folder of its own).
fn add_app_with_file(h: &mut Harness, slug: &str, path: &std::path::Path) {
    h.keys("2 a");
    h.type_text(slug);
    h.keys("tab tab tab tab");
    h.type_text(&path.display().to_string());
}

fn add_app_form(h: &Harness) -> &apple_conn::tui::form::AddApp {
    match h.state.layers.last() {
        Some(Layer::Form(apple_conn::tui::state::Form {
            body: apple_conn::tui::state::FormBody::AddApp(f),
            ..
        })) => f,
        other => panic!("no add-app form: {other:?}"),
    }
}

#[test]
fn the_workflows_step_is_a_list_of_the_files_runs_chosen_with_space() {
    use apple_conn::tui::form::AddAppFocus;
    let dir = tempfile::tempdir().unwrap();
    let mut h = file_workspace(dir.path(), RELEASE);
    let yml = dir.path().join("ci/runs.yml");
    std::fs::write(&yml, RUNS).unwrap();
    add_app_with_file(&mut h, "news", &yml);
    // Past the repo root and map: the list, read from the file.
    h.keys("down down down");
    assert_eq!(add_app_form(&h).focus, AddAppFocus::Runs);
    let screen = h.render(80, 24);
    for row in [
        "[ ] test",
        "[ ] deploy",
        "[ ] beta",
        "[ ] pipeline:release  pipeline (graph)",
        "[-] _setup  utility",
    ] {
        assert!(screen.contains(row), "{row}:\n{screen}");
    }
    assert!(screen.contains("space choose / unchoose"), "{screen}");
    snap(&h, "add_app_workflows_list");
    // A utility workflow is not chosen; j/k move, space chooses; typing filters.
    h.keys("end");
    h.keys("j j j j space");
    assert!(add_app_form(&h).pick.chosen.iter().all(|c| !c));
    assert!(
        h.render(120, 40)
            .contains("_setup: utility: runs only through")
    );
    // The list cuts its marks to its width: ctrl-o has them whole.
    h.keys("ctrl-o");
    assert!(
        whole_text(&h).contains("_setup: utility: runs only through before_run/after_run"),
        "{}",
        whole_text(&h)
    );
    h.keys("esc");
    h.keys("k k k k k space");
    h.type_text("bet");
    assert!(!h.render(80, 24).contains("[x] test"), "filtered out");
    h.keys("space");
    // A pipeline runs alone: choosing it unchooses the workflows, and a workflow unchooses it.
    h.keys("esc");
    assert_eq!(
        add_app_form(&h).runs.value(),
        "",
        "esc clears the filter, not the form"
    );
    h.type_text("release");
    h.keys("space");
    let chosen = |h: &Harness| -> Vec<String> {
        add_app_form(h)
            .pick
            .chosen_targets()
            .iter()
            .map(apple_conn::tui::form::label)
            .collect()
    };
    assert_eq!(chosen(&h), ["pipeline:release"]);
    assert!(
        h.render(120, 40)
            .contains("an app runs workflows or one pipeline: unchose test, beta")
    );
    h.keys("esc space");
    assert_eq!(chosen(&h), ["test"], "the cursor is back on the first row");
    h.keys("down down space");
    assert_eq!(chosen(&h), ["test", "beta"]);
    h.keys("enter");
    let text = std::fs::read_to_string(dir.path().join("apple-conn.toml")).unwrap();
    assert!(
        text.contains("slug = \"news\"")
            && text.contains("path = \"ci/runs.yml\"\nworkflows = [\"test\", \"beta\"]\n"),
        "{text}"
    );
}

#[test]
fn a_file_the_list_cannot_read_is_said_in_the_form_with_the_focus_on_its_path() {
    use apple_conn::tui::form::AddAppFocus;
    let dir = tempfile::tempdir().unwrap();
    let mut h = file_workspace(dir.path(), RELEASE);
    let missing = dir.path().join("ci/nope.yml");
    add_app_with_file(&mut h, "news", &missing);
    h.keys("down down down");
    let f = add_app_form(&h);
    assert_eq!(f.focus, AddAppFocus::BitriseYml);
    let error = match h.state.layers.last() {
        Some(Layer::Form(form)) => form.error.clone().unwrap_or_default(),
        _ => String::new(),
    };
    assert!(error.starts_with("From a bitrise.yml: "), "{error}");
    assert!(error.contains("nope.yml"), "{error}");
    // What is typed now fixes the path; nothing is added to it behind the user's back.
    h.keys("backspace backspace backspace backspace backspace backspace backspace backspace");
    h.type_text("runs.yml");
    std::fs::write(dir.path().join("ci/runs.yml"), RUNS).unwrap();
    assert!(
        add_app_form(&h)
            .bitrise_yml
            .value()
            .ends_with("ci/runs.yml")
    );
    // Enter with nothing chosen on a path: to the list, which is read now.
    h.keys("enter");
    assert_eq!(add_app_form(&h).focus, AddAppFocus::Runs);
    assert!(h.render(80, 24).contains("[ ] deploy"));
    // Enter on the list with nothing chosen takes the row under the cursor.
    h.keys("down enter");
    let text = std::fs::read_to_string(dir.path().join("apple-conn.toml")).unwrap();
    assert!(
        text.contains("path = \"ci/runs.yml\"\nworkflows = [\"deploy\"]\n"),
        "{text}"
    );
}

/// The text of the whole-text box on top, if one is open.
fn whole_text(h: &Harness) -> String {
    match h.state.layers.last() {
        Some(Layer::Text { lines, .. }) => lines.join("\n"),
        other => panic!("no whole-text box: {other:?}"),
    }
}

#[test]
fn every_cut_text_opens_whole_with_o_and_ctrl_o() {
    let mut h = Harness::demo(now());
    // The title is cut at 80 columns; `o` has it whole, with the selected connection.
    assert!(h.render(80, 24).contains("…space (nothing is saved)"));
    h.keys("o");
    let text = whole_text(&h);
    assert!(
        text.contains(
            "apple-conn demo workspace (nothing is saved)  [demo service: code 123456]  env: bitrise"
        ),
        "{text}"
    );
    assert!(text.contains("key ID: DEMO2X9R4H"), "{text}");
    let screen = h.render(80, 24);
    assert!(screen.contains("Whole text · Connections"), "{screen}");
    assert!(
        screen.contains("[demo service: code 123456]  env: bitrise"),
        "{screen}"
    );
    h.keys("esc");
    assert!(h.state.layers.is_empty());
    // An Apps row: slug and Apple ID whole, whatever the column width.
    h.keys("2 o");
    let text = whole_text(&h);
    assert!(
        text.contains("app: shop-ios") && text.contains("Apple ID: alice@example.com"),
        "{text}"
    );
    h.keys("o");
    assert!(h.state.layers.is_empty(), "o closes it again");
    // A long status message: the status rows end by naming the log's key; `o` has it too.
    let long = format!(
        "{} the end of it",
        "a long message that goes on ".repeat(20)
    );
    h.state
        .set_status(apple_conn::tui::state::StatusKind::Error, long.clone());
    let screen = h.render(80, 24);
    assert!(screen.contains("(M: the whole message)"), "{screen}");
    assert!(!screen.contains("the end of it"), "{screen}");
    h.keys("o");
    assert!(whole_text(&h).contains(&long));
    h.keys("esc");
    h.state.status = None;
    // The add-key form's key-ID error is cut under its field; ctrl-o has it whole.
    h.keys("1 a");
    h.type_text("Release key");
    h.keys("tab tab");
    h.type_text("abc");
    assert!(!h.render(80, 24).contains("e.g. 2X9R4HXF34)"));
    h.keys("ctrl-o");
    let text = whole_text(&h);
    assert!(
        text.contains("Key ID: key ID `abc` must be 10 characters, A-Z and 0-9 (as App Store Connect shows it, e.g. 2X9R4HXF34)"),
        "{text}"
    );
    assert!(h.render(80, 24).contains("e.g. 2X9R4HXF34)"));
    h.keys("esc");
    assert!(
        matches!(h.state.layers.last(), Some(Layer::Form(_))),
        "esc closes the box, the form stays"
    );
    h.keys("esc");
    // The Doctor's header lines and its selected finding.
    h.keys("D o");
    let text = whole_text(&h);
    assert!(
        text.contains("Offline, as `apple-conn doctor` without --live (keys are read by the CLI)"),
        "{text}"
    );
}

#[test]
fn the_previews_yaml_error_opens_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = file_workspace(dir.path(), RELEASE);
    std::fs::write(
        dir.path().join("ci/bitrise.yml"),
        "format_version: '13'\nworkflows:\n  release:\n    steps:\n    - script@1:\n        inputs: [ this is: not closed\n",
    )
    .unwrap();
    h.check_files();
    let error = h.state.preview_error.clone().expect("a YAML error");
    h.keys("o");
    let text = whole_text(&h);
    assert!(text.contains(&error), "{text}");
    assert!(h.render(80, 24).contains("Whole text · Preview"));
}

#[test]
fn an_included_repository_without_a_checkout_sends_the_focus_to_the_repo_map() {
    use apple_conn::tui::form::AddAppFocus;
    let dir = tempfile::tempdir().unwrap();
    let mut h = file_workspace(dir.path(), RELEASE);
    let yml = dir.path().join("ci/modular.yml");
    std::fs::write(
        &yml,
        "format_version: '13'\ninclude:\n- path: ci/deploy.yml\n  repository: shared-ci\n  branch: main\nworkflows:\n  release:\n    steps:\n    - script@1: {}\n",
    )
    .unwrap();
    add_app_with_file(&mut h, "modular", &yml);
    h.keys("down down down");
    assert_eq!(add_app_form(&h).focus, AddAppFocus::RepoMap);
    let error = match h.state.layers.last() {
        Some(Layer::Form(form)) => form.error.clone().unwrap_or_default(),
        _ => String::new(),
    };
    assert!(
        error.starts_with("Repo map: ") && error.contains("shared-ci"),
        "{error}"
    );
    // Mapped to a checkout, the list is read.
    std::fs::create_dir_all(dir.path().join("shared/ci")).unwrap();
    std::fs::write(
        dir.path().join("shared/ci/deploy.yml"),
        "workflows:\n  deploy:\n    steps:\n    - script@1: {}\n",
    )
    .unwrap();
    h.type_text(&format!(
        "shared-ci={}",
        dir.path().join("shared").display()
    ));
    h.keys("down");
    let screen = h.render(120, 40);
    assert!(
        screen.contains("[ ] deploy") && screen.contains("[ ] release"),
        "{screen}"
    );
}

#[test]
fn trust_clears_only_trust_refusals_and_the_log_keeps_them_marked() {
    use apple_conn::store::trust::{Untrusted, Why};
    use apple_conn::tui::state::StatusKind;
    let mut h = Harness::demo(now());
    let refusal = Untrusted {
        workspace: "/team/ws.toml".into(),
        settings: vec!["settings.bitrise.api_url".into()],
        why: Why::Changed,
    }
    .to_string();
    h.state.set_status(StatusKind::Info, "pulled 2 app(s)");
    h.state
        .set_status(StatusKind::Error, format!("pull: {refusal}"));
    assert!(h.state.awaits_trust());
    h.state.trust_resolved();
    let status = h.state.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Ok);
    assert!(
        status.text.contains("the refusal no longer applies"),
        "{}",
        status.text
    );
    assert!(!h.state.awaits_trust());
    let log = &h.state.log;
    assert!(log[0].resolved.is_none(), "not a refusal: untouched");
    assert!(log[1].resolved.is_some() && log[1].text.contains(&refusal));
    // Another message since: it stays, and a second resolve says nothing again.
    h.state.set_status(StatusKind::Info, "something else");
    h.state.trust_resolved();
    assert_eq!(h.state.status.as_ref().unwrap().text, "something else");
}
