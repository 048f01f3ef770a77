//! Issue 24's TUI findings, each driven as it was found: the real binary (`--demo`) in tmux at
//! 80×24, the screen read back as text.
#![cfg(unix)] // Unix by nature: tmux drives the real binary in a pty.

mod common;

use std::time::Duration;

use common::tmux::Tmux;
use common::*;

fn demo(name: &str, extra: &str) -> Option<(Tmux, tempfile::TempDir)> {
    if !require(have("tmux"), "tmux") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} --demo --no-color {extra}; touch {}",
        bin_path().display(),
        dir.path().join("done").display()
    );
    let t = Tmux::start(name, &cmd, 80, 24);
    t.wait_for("1 Connections");
    Some((t, dir))
}

fn last_line(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

#[test]
fn the_help_scrolls_to_its_end_with_a_position_mark() {
    let Some((t, _d)) = demo("help", "") else {
        return;
    };
    t.keys(&["?"]);
    let first = t.wait_for("Keys (from the keymap");
    assert!(first.contains("1–"), "a position mark:\n{first}");
    t.keys(&["End"]);
    // The legends come after the keys: every matrix column is explained.
    let end = t.wait_for("C-AID+S");
    for text in ["connection Apple ID with session", "I-API", "/53 "] {
        assert!(end.contains(text), "{text} missing at the end:\n{end}");
    }
    // At the end the mark's last row is the total (`32–51/51`): nothing is left below.
    let mark = end
        .split_whitespace()
        .find(|w| w.contains('–') && w.contains('/'))
        .expect("a position mark at the end");
    let (shown, total) = mark.split_once('/').unwrap();
    assert_eq!(
        shown.split('–').nth(1),
        Some(total.trim_end_matches('┛')),
        "{mark}"
    );
    t.keys(&["Home"]);
    t.wait_for("next pane");
}

#[test]
fn the_doctor_shows_the_whole_finding_and_enter_lands_on_the_step() {
    let Some((t, _d)) = demo("doctor", "") else {
        return;
    };
    t.keys(&["D"]);
    let s = t.wait_for("Doctor");
    // bob's expired session: the advice ends with the command to run, not cut.
    assert!(
        s.contains("reauth") && s.contains("bob@example.com` now"),
        "{s}"
    );
    // The first step finding: Enter selects that step in the Preview.
    let line = s
        .lines()
        .find(|l| l.contains("step ") && l.contains("` fails"))
        .expect("a step finding")
        .to_string();
    let step: String = line
        .split("step ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let pos = s
        .lines()
        .filter(|l| l.contains("┃ CRITICAL ") || l.contains("┃ WARNING "))
        .position(|l| l == line)
        .unwrap();
    for _ in 0..pos {
        t.keys(&["j"]);
    }
    t.keys(&["Enter", "Enter"]);
    let detail = t.wait_for("The walk");
    assert!(detail.contains(&format!("#{step} ")), "{line}\n{detail}");
}

#[test]
fn the_step_detail_scrolls() {
    let Some((t, _d)) = demo("detail", "") else {
        return;
    };
    // legacy-ipad's failing step: a long walk and log.
    t.keys(&["2", "j", "4", "j", "Enter"]);
    let s = t.wait_for("The walk");
    t.keys(&["End"]);
    let end = t.wait_for("What the real step prints");
    if s.contains('–') {
        assert_ne!(s, end, "End moved the view");
    }
    t.keys(&["Escape"]);
}

#[test]
fn read_only_offers_no_inputs_form() {
    let Some((t, _d)) = demo("readonly", "--read-only") else {
        return;
    };
    t.keys(&["2"]);
    let s = t.wait_for("enter open");
    assert!(!last_line(&s).contains("edit inputs"), "{}", last_line(&s));
    assert!(!last_line(&s).contains("assign"), "{}", last_line(&s));
    t.keys(&["i"]);
    let s = t.wait_for("read-only");
    assert!(!s.contains("Inputs ·"), "{s}");
}

#[test]
fn the_token_is_whole_its_countdown_ticks_and_c_says_where_it_went() {
    let Some((t, _d)) = demo("token", "") else {
        return;
    };
    t.keys(&["t"]);
    let first = t.wait_for("expires in");
    let countdown = |s: &str| {
        s.lines()
            .find(|l| l.contains("expires in"))
            .unwrap_or_default()
            .to_string()
    };
    std::thread::sleep(Duration::from_millis(2200));
    let later = t.screen();
    assert_ne!(
        countdown(&first),
        countdown(&later),
        "no key pressed, the clock moved"
    );
    // The token's rows between the countdown and the copy line, borders stripped.
    let rows: Vec<&str> = later
        .lines()
        .skip_while(|l| !l.contains("expires in"))
        .skip(1)
        .take_while(|l| !l.contains("clipboard"))
        .collect();
    let token: String = rows
        .iter()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == '┃' || c == ' ' || c == '┌' || c == '└'))
        .map(|l| l.trim_matches(|c: char| c == '│' || c == '┃' || c == ' '))
        .collect();
    assert!(!token.contains('…'), "cut: {token}");
    assert_eq!(
        token.matches('.').count(),
        2,
        "three parts: {token}\n{later}"
    );
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    assert!(String::from_utf8(header).unwrap().contains("ES256"));
    t.keys(&["c"]);
    let s = t.wait_for("OSC 52");
    assert!(!s.contains("copied"), "{s}");
    assert!(s.contains("set-clipboard"), "{s}");
}

#[test]
fn selection_survives_a_cleared_filter() {
    let Some((t, _d)) = demo("filter", "") else {
        return;
    };
    t.keys(&["j", "j", "/"]);
    t.literal("solo");
    t.keys(&["Enter", "/", "Escape", "Enter"]);
    let s = t.wait_for("API key · Solo key");
    assert!(s.contains("DEMOSOLO12"), "{s}");
}

#[test]
fn connection_details_on_enter() {
    let Some((t, _d)) = demo("conn", "") else {
        return;
    };
    t.keys(&["Enter"]);
    let s = t.wait_for("API key · CI key");
    for text in [
        "57246542-96fe-1a63-e053-0824d011072a",
        "fingerprint",
        "Used by 2 app(s)",
        "shop-ios",
    ] {
        assert!(s.contains(text), "{text}:\n{s}");
    }
    t.keys(&["Escape", "j", "j", "j", "Enter"]);
    let s = t.wait_for("Apple ID · alice@example.com");
    assert!(s.contains("2FA session"), "{s}");
}

#[test]
fn columns_have_headers_and_the_matrix_a_legend_at_80x24() {
    let Some((t, _d)) = demo("legend", "") else {
        return;
    };
    let s = t.screen();
    assert!(s.contains("key ID") && s.contains("owner"), "{s}");
    t.keys(&["2"]);
    let s = t.wait_for("health");
    assert!(s.contains("API key") && s.contains("Apple ID"), "{s}");
    t.keys(&["3"]);
    let s = t.wait_for("C-AID+S");
    assert!(
        s.contains("C- connection") && s.contains("1,2… order tried"),
        "{s}"
    );
    // The header is whole: the last column is named.
    assert!(
        s.lines()
            .any(|l| l.contains("value") && l.contains("I-AID")),
        "{s}"
    );
}

#[test]
fn add_apple_id_is_not_offered_to_a_member_who_has_one() {
    let Some((t, _d)) = demo("oneaid", "") else {
        return;
    };
    // alice (you) has an Apple ID: on the Apple ID rows `a` is not offered, and says why.
    t.keys(&["j", "j", "j"]);
    let s = t.wait_for("re-authenticate");
    assert!(!last_line(&s).contains("a add"), "{}", last_line(&s));
    t.keys(&["a"]);
    let s = t.wait_for("already have an Apple ID");
    assert!(!s.contains("Add Apple ID"), "{s}");
}

#[test]
fn enter_does_not_confirm_a_removal() {
    let Some((t, _d)) = demo("confirm", "") else {
        return;
    };
    t.keys(&["d"]);
    t.wait_for("Remove API key `CI key`?");
    t.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(200));
    let s = t.screen();
    assert!(s.contains("Remove API key `CI key`?"), "still asking:\n{s}");
    t.keys(&["n"]);
    std::thread::sleep(Duration::from_millis(200));
    let s = t.screen();
    assert!(s.contains("CI key") && !s.contains("removed"), "{s}");
}

#[test]
fn the_inputs_form_lists_every_input_and_opens_on_the_matrix_row() {
    let Some((t, _d)) = demo("inputs", "") else {
        return;
    };
    // The deliver step in shop-ios's Preview: its checks name bundle_id, app_id, ipa_path.
    t.keys(&["4", "j", "j", "i"]);
    let s = t.wait_for("Inputs · shop-ios · #2 deploy-to-itunesconnect-deliver");
    assert!(
        s.contains("connection") && s.contains("api_key_path"),
        "auth inputs first:\n{s}"
    );
    let mut all = s.clone();
    for _ in 0..40 {
        t.keys(&["Tab"]);
        all.push_str(&t.screen());
    }
    for name in [
        "bundle_id",
        "app_id",
        "ipa_path",
        "pkg_path",
        "platform",
        "skip_metadata",
    ] {
        assert!(all.contains(name), "{name} missing from the form:\n{all}");
    }
    // Allowed values and defaults are shown as hints.
    assert!(all.contains("; default automatic"), "{all}");
    t.keys(&["Escape"]);
    // On the Step matrix, `i` edits the row's step in the selected app, not the Preview's.
    t.keys(&["3", "j", "j", "i"]);
    let s = t.wait_for("Inputs · shop-ios · #3 fastlane");
    assert!(s.contains("lane"), "{s}");
}

#[test]
fn first_run_offers_to_create_the_workspace() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("new.toml");
    let cmd = format!(
        "{} -c {} --no-color; touch {}",
        bin_path().display(),
        ws.display(),
        dir.path().join("done").display()
    );
    let t = Tmux::start("firstrun", &cmd, 80, 24);
    let s = t.wait_for("first run");
    assert!(s.contains("apple-conn init --you EMAIL"), "{s}");
    // Not an email: said in the form, nothing written.
    t.literal("not-an-email");
    t.keys(&["Enter"]);
    t.wait_for("you:");
    assert!(!ws.exists());
    for _ in 0.."not-an-email".len() {
        t.keys(&["BSpace"]);
    }
    t.literal("me@example.com");
    t.keys(&["Enter"]);
    t.wait_for("1 Connections");
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(text.contains("you = \"me@example.com\""), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&ws).unwrap().permissions().mode() & 0o777,
        0o600
    );
    t.quit(&dir.path().join("done"));
    // Esc leaves without writing anything.
    let other = dir.path().join("other.toml");
    let cmd = format!("{} -c {} --no-color", bin_path().display(), other.display());
    let t = Tmux::start("firstrun-esc", &cmd, 80, 24);
    t.wait_for("first run");
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!other.exists());
}
