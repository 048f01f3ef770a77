//! `B` in the real TUI (tmux) against the validated Bitrise stand-in: the gauge, the screen still
//! usable while it runs, Esc cancelling, then the workspace and the pulled files read on disk.

mod bitrise_stub;
mod common;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use bitrise_stub::*;
use common::tmux::Tmux;
use common::*;

const KEYS: &str = "\n[[api_keys]]\nname = \"CI key\"  # uploaded\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { path = \"ci.p8\" }\n\n[[api_keys]]\nname = \"Mine\"\nkey_id = \"DDDDDDDDDD\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { path = \"ci.p8\" }\n\n[[apps]]\nslug = \"ios-shop\"  # our store app\napi_key = \"CI key\"\n";

fn open(dir: &Path, ws: &Path, stub: &Stub, name: &str) -> Tmux {
    let cmd = format!(
        "cd {} && BITRISE_TEST_TOKEN={TOKEN} APPLE_CONN_BITRISE_API_URL={} {} -c {} --no-color --now 2026-12-01T10:00:00Z; touch {}",
        dir.display(),
        stub.url,
        bin_path().display(),
        ws.display(),
        dir.join("done").display()
    );
    let t = Tmux::start(name, &cmd, 140, 40);
    t.wait_for("1 Connections");
    t
}

/// What the TUI tests against the stand-in begin with: tmux and openssl here, the stand-in started
/// with `args`, a signed-in workspace holding `extra` (its keys `ci.p8` and `team.p8` made by
/// openssl), and the TUI open on it. None where a part is missing (outside CI).
fn tui_on_stub(
    args: &[&str],
    extra: &str,
    name: &str,
) -> Option<(Stub, tempfile::TempDir, PathBuf, Tmux)> {
    if !require(have("tmux"), "tmux") || !require(have("openssl"), "openssl") {
        return None;
    }
    let stub = start(args)?;
    let dir = tempfile::tempdir().unwrap();
    openssl_p256(dir.path(), "ci.p8");
    openssl_p256(dir.path(), "team.p8");
    let ws = signed_in_workspace(dir.path(), extra);
    let t = open(dir.path(), &ws, &stub, name);
    Some((stub, dir, ws, t))
}

#[test]
fn pull_from_the_tui_with_a_gauge_then_read_the_disk() {
    let Some((stub, dir, ws, t)) = tui_on_stub(&["--delay-ms", "250"], KEYS, "bitrise-pull") else {
        return;
    };
    t.keys(&["B"]);
    let during = t.wait_for("/5 · esc cancels");
    assert!(during.contains("pulled "), "{during}");
    // The rest of the screen answers while the pull runs: help opens and closes.
    t.keys(&["?"]);
    let help = t.wait_for("Keys (from the keymap");
    assert!(help.contains("pull from Bitrise"), "{help}");
    t.keys(&["Escape"]);
    let after = t.wait_for("pulled 5 app(s) from Bitrise");
    assert!(!after.contains("esc cancels"), "the gauge is gone: {after}");
    // Titles with the slug beside them; ⇣ pulled with nothing assigned, ≠ assigned but never pushed.
    assert!(
        after.contains("⇣Pipes (ios-pipes)") && after.contains("Shop iOS (ios-shop)"),
        "{after}"
    );
    assert!(
        after.contains("⇣ Bitrise 2026-12-01 10:00"),
        "the selected app's pull time: {after}"
    );
    let marked = t.wait_for("not uploaded");
    let ci = marked.lines().find(|l| l.contains("AAAAAAAAAA")).unwrap();
    assert!(ci.contains("on Bitrise"), "{marked}");
    let mine = marked.lines().find(|l| l.contains("DDDDDDDDDD")).unwrap();
    assert!(mine.contains("not uploaded"), "{marked}");
    t.quit(&dir.path().join("done"));

    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("slug = \"ios-shop\"  # our store app\napi_key = \"CI key\"\n"),
        "{text}"
    );
    assert!(text.contains("name = \"CI key\"  # uploaded"), "{text}");
    assert!(text.contains("pulled_at = 2026-12-01T10:00:00Z"), "{text}");
    assert!(text.contains("path = \"bitrise/ios-shop.yml\""), "{text}");
    let file = dir.path().join("bitrise/ios-shop.yml");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("trigger_map:")
    );
    #[cfg(unix)]
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!text.contains(TOKEN));
    stub.assert_all_valid();
}

#[test]
fn esc_cancels_a_pull_and_keeps_the_workspace_whole() {
    let Some((stub, dir, ws, t)) = tui_on_stub(&["--delay-ms", "1500"], KEYS, "bitrise-cancel")
    else {
        return;
    };
    t.keys(&["B"]);
    t.wait_for("esc cancels");
    t.keys(&["Escape"]);
    let s = t.wait_for("before the pull was cancelled");
    assert!(!s.contains("esc cancels"), "{s}");
    t.quit(&dir.path().join("done"));
    let text = std::fs::read_to_string(&ws).unwrap();
    // Whatever was complete is saved whole; the file still loads.
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 0, "{}\n{text}", r.all());
    assert!(
        stub.requests().len() < 12,
        "the pull stopped early: {:?}",
        stub.paths()
    );
}

const PUSH_WS: &str = "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { path = \"ci.p8\" }\n\n[[api_keys]]\nname = \"Team key\"\nkey_id = \"TTTTTTTTTT\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { path = \"team.p8\" }\n\n[[apps]]\nslug = \"ios-shop\"\ntitle = \"Shop iOS\"\napi_key = \"Team key\"\n[apps.bitrise]\nowner = \"org-acme\"\nowner_name = \"Acme Ltd\"\npulled_at = 2026-12-01T09:00:00Z\n\n[[apps]]\nslug = \"oss-app\"\ntitle = \"Open source\"\napi_key = \"CI key\"\n[apps.bitrise]\nowner = \"org-acme\"\nowner_name = \"Acme Ltd\"\npulled_at = 2026-12-01T09:00:00Z\n";

#[test]
fn p_shows_the_plan_applies_it_with_a_gauge_and_marks_what_was_pushed() {
    let Some((stub, dir, ws, t)) = tui_on_stub(&["--delay-ms", "400"], PUSH_WS, "bitrise-push")
    else {
        return;
    };
    let before = t.wait_for("Open source");
    // ! their keys are not known to be on Bitrise (no `B` yet, no upload recorded).
    assert!(before.contains("!Shop iOS (ios-shop)"), "{before}");
    assert!(before.contains("!Open source"), "{before}");
    t.keys(&["P"]);
    // The overlay's last line: the whole plan is drawn by then.
    let plan = t.wait_for("keeps everything as it is");
    assert!(plan.contains("Push to Bitrise?"), "{plan}");
    for want in [
        "+ upload API key \"Team key\" (TTTTTTTTTT)",
        "API key → \"CI key\"",
        "y applies it",
    ] {
        assert!(plan.contains(want), "{want} in:\n{plan}");
    }
    assert!(
        !stub.calls().iter().any(|c| !c.starts_with("GET ")),
        "the plan sends no write: {:?}",
        stub.calls()
    );
    t.keys(&["y"]);
    let during = t.wait_for("· esc cancels");
    assert!(during.contains("pushed "), "{during}");
    let after = t.wait_for("3 of 3 change(s) applied");
    assert!(!after.contains("esc cancels"), "the gauge is gone: {after}");
    assert!(
        after.contains("⇡Shop iOS") && after.contains("⇡Open source"),
        "{after}"
    );
    assert!(
        after.contains("recorded as pushed by apple-conn (Bitrise does not report it)"),
        "the status: {after}"
    );
    assert!(
        after.contains("⇡ as pushed by apple-conn at 2026-12-01 10:00; Bitrise does not"),
        "the selected app's border: {after}"
    );
    // Again: nothing to do, nothing sent.
    let n = stub.calls().len();
    t.keys(&["P"]);
    t.wait_for("nothing to do");
    assert_eq!(stub.calls().len(), n);
    t.keys(&["Escape"]);
    t.quit(&dir.path().join("done"));
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(text.contains("slug = \"wcred-org-acme-1\""), "{text}");
    assert_eq!(text.matches("pushed_api_key").count(), 2, "{text}");
    assert_eq!(stub.sent("POST").len(), 1);
    assert_eq!(stub.sent("PATCH").len(), 2);
    stub.assert_all_valid();
}

#[test]
fn esc_cancels_a_push_between_requests_and_records_what_was_sent() {
    let mut apps = PUSH_WS.replace("Team key\"\n[apps", "CI key\"\n[apps");
    for slug in ["repo-app", "droid", "flaky-app"] {
        apps.push_str(&format!("\n[[apps]]\nslug = \"{slug}\"\napi_key = \"CI key\"\n[apps.bitrise]\nowner = \"org-acme\"\n"));
    }
    let Some((stub, dir, ws, t)) =
        tui_on_stub(&["--delay-ms", "1500"], &apps, "bitrise-push-cancel")
    else {
        return;
    };
    t.keys(&["P"]);
    t.wait_for("Push to Bitrise?");
    t.keys(&["y"]);
    t.wait_for("· esc cancels");
    t.keys(&["Escape"]);
    let s = t.wait_for("push cancelled between requests");
    assert!(!s.contains("esc cancels"), "{s}");
    t.quit(&dir.path().join("done"));
    let patches = stub.sent("PATCH").len();
    assert!(patches < 5, "stopped between requests: {:?}", stub.calls());
    let text = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(text.matches("pushed_api_key").count(), patches, "{text}");
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 0, "{}", r.all());
}

/// The screen as one line of words: a long status message wraps over rows, a phrase may break.
fn words(screen: &str) -> String {
    screen.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn wait_for_words(t: &Tmux, text: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let s = words(&t.screen());
        if s.contains(text) || std::time::Instant::now() > deadline {
            assert!(
                s.contains(text),
                "waited for {text:?}, screen:\n{}",
                t.screen()
            );
            return s;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_trust_refusal_leaves_the_status_line_once_trust_runs_elsewhere_and_the_log_marks_it() {
    if !require(have("tmux"), "tmux") || !require(have("openssl"), "openssl") {
        return;
    }
    let Some(stub) = start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    openssl_p256(dir.path(), "ci.p8");
    // The file, not this host, names the Bitrise API: a shared file's choice needs `trust`.
    let ws = signed_in_workspace(dir.path(), &format!("api_url = \"{}\"\n{KEYS}", stub.url));
    let cmd = format!(
        "cd {} && env -u APPLE_CONN_BITRISE_API_URL BITRISE_TEST_TOKEN={TOKEN} XDG_STATE_HOME={} {} -c {} --no-color --now 2026-12-01T10:00:00Z; touch {}",
        dir.path().display(),
        state.display(),
        bin_path().display(),
        ws.display(),
        dir.path().join("done").display()
    );
    let t = Tmux::start("trust-clears", &cmd, 140, 40);
    t.wait_for("1 Connections");
    t.keys(&["B"]);
    wait_for_words(&t, "which this host has not trusted");
    assert!(stub.requests().is_empty(), "nothing was sent before trust");

    // `apple-conn trust` in another terminal, while the TUI keeps running and nobody types.
    trusted_in(&state, &ws);
    let after = wait_for_words(&t, "the refusal no longer applies");
    assert!(!after.contains("has not trusted"), "{}", t.screen());

    // The log keeps the refusal, marked resolved.
    t.keys(&["M"]);
    let log = t.wait_for("· resolved");
    assert!(
        log.contains("which this host has not") && log.contains("this host trusts the file now"),
        "{log}"
    );
    t.keys(&["Escape"]);
    // And the refused action now works.
    t.keys(&["B"]);
    t.wait_for("pulled 5 app(s) from Bitrise");
    t.quit(&dir.path().join("done"));
    stub.assert_all_valid();
}

#[test]
fn the_preview_pane_warns_of_a_pulled_apps_key_that_bitrise_lacks() {
    // Pulled once already; "Mine" is assigned here and was never uploaded.
    let keys = KEYS.replace(
        "api_key = \"CI key\"\n",
        "api_key = \"Mine\"\n[apps.bitrise]\nowner = \"org-acme\"\npulled_at = 2026-12-01T09:00:00Z\n",
    );
    let Some((_stub, dir, _ws, t)) = tui_on_stub(&[], &keys, "bitrise-unuploaded") else {
        return;
    };
    let s = wait_for_words(&t, "the build on Bitrise will not have that key");
    assert!(
        s.contains("API key Mine (DDDDDDDDDD) is assigned to ios-shop here but was never uploaded")
            && s.contains("apple-conn bitrise push"),
        "{}",
        t.screen()
    );
    // After a pull the live comparison says it plainly.
    t.keys(&["B"]);
    t.wait_for("pulled 5 app(s) from Bitrise");
    wait_for_words(
        &t,
        "Mine (DDDDDDDDDD) is assigned to ios-shop here but is not on Bitrise",
    );
    t.quit(&dir.path().join("done"));
}
