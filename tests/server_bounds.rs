//! Holes 8, 10 and 11 of issue 33, attacked as found, through the real binary against the
//! loopback Bitrise stand-in (tests/stubs/bitrise_stub.py): an overflowing `Retry-After`, an
//! endless listing of full pages under a memory cap, a page larger than the `limit` asked for, and
//! line breaks in server-controlled titles and owners.

mod bitrise_stub;
mod common;

use std::time::{Duration, Instant};

use bitrise_stub::*;
use common::*;

#[test]
fn a_retry_after_of_u64_max_neither_wraps_nor_hangs() {
    let Some(s) = scene(&["--scenario", "rate-overflow"]) else {
        return;
    };
    let started = Instant::now();
    let r = s.run_within(
        &["bitrise", "keys"],
        Duration::from_secs(20),
        "Retry-After: 18446744073709551615",
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("429") && r.stderr.contains("18446744073709551615 s"),
        "{}",
        r.stderr
    );
    // One short wait (1 s), then the refusal: no sleep of u64::MAX seconds, no panic.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(s.stub.paths().len(), 2);
}

/// `bitrise apps` under an address-space cap: the listing stops at its budget with a message.
#[test]
fn an_endless_listing_of_full_pages_stops_at_the_budget_under_a_memory_cap() {
    if !require(have("prlimit"), "prlimit (util-linux)") {
        return;
    }
    let Some(s) = scene(&[
        "--scenario",
        "paging-endless-full",
        "--page-size",
        "50",
        "--no-validate",
    ]) else {
        return;
    };
    let inner = s.cmd(&["bitrise", "apps"]);
    // The same command under prlimit: 1 GiB of address space, as the hole was measured.
    let mut capped = std::process::Command::new("prlimit");
    capped
        .arg(format!("--as={}", 1024u64 * 1024 * 1024))
        .arg("--");
    capped.arg(inner.get_program()).args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => capped.env(k, v),
            None => capped.env_remove(k),
        };
    }
    capped.stdin(std::process::Stdio::null());
    let r = run_within(&mut capped, Duration::from_secs(180), "an endless listing");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("budget of 10000 apps and 32 MiB"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("memory allocation"), "{}", r.stderr);
    // Stopped by the bytes (8 KB titles): far fewer pages than the 1000-page backstop.
    let pages = s.stub.count("/v0.1/apps");
    assert!(pages < 200, "{pages} pages");
}

#[test]
fn a_page_larger_than_the_limit_asked_for_is_refused() {
    let Some(s) = scene(&["--scenario", "page-over-limit", "--no-validate"]) else {
        return;
    };
    let r = s.run_within(
        &["bitrise", "apps"],
        Duration::from_secs(20),
        "an oversized page",
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("a page held 55 apps, more than the limit=50"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_line_break_in_a_title_or_owner_forges_no_row() {
    let Some(s) = scene(&["--scenario", "forged-title"]) else {
        return;
    };
    let r = s.run(&["bitrise", "apps"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let lines: Vec<&str> = r.stdout.lines().collect();
    // Header, six apps, the count: one row per app, whatever its fields hold.
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    for line in &lines {
        assert!(!line.starts_with("forged"), "a forged row:\n{}", r.stdout);
    }
    assert!(lines[1].starts_with("ios-shop"), "{}", r.stdout);
    assert!(
        lines[1].contains("Shop iOS forged-app Forged title"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{2028}'), "{}", r.stdout);
    // JSON keeps one line per field too (the sanitizer runs where the answer enters).
    let j = s.run(&["bitrise", "apps", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let first = &doc["apps"][0];
    assert!(!first["title"].as_str().unwrap().contains('\n'), "{first}");
    assert!(
        !first["owner"]["name"]
            .as_str()
            .unwrap()
            .contains(['\r', '\n', '\u{2028}']),
        "{first}"
    );

    // Pulled into the workspace, the title heads one `preview` line.
    let p = s.run(&[
        "bitrise",
        "pull",
        "--app",
        "ios-shop",
        "--now",
        "2026-12-01T10:00:00Z",
    ]);
    assert_eq!(p.code, 0, "{}", p.all());
    let v = run(bin().args(["-c", s.ws.to_str().unwrap(), "preview", "--app", "ios-shop"]));
    for line in v.stdout.lines() {
        assert!(!line.starts_with("forged"), "a forged row:\n{}", v.stdout);
    }
    assert!(
        v.stdout
            .contains("ios-shop (Shop iOS forged-app Forged title"),
        "{}",
        v.all()
    );
    s.stub.assert_all_valid();
}
