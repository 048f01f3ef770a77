//! Input at the speed of typing, in the real binary at 80×24 (issue 24, finding 1): a burst of
//! keys is acted on at once, a paste lands in one frame, and `q` after a burst quits at once.
//! (Before: one key per 100 ms, 50 keys took 4.9 s; the loop waited on the descriptor while
//! crossterm already held the rest of the burst.)
#![cfg(unix)] // Unix by nature: tmux drives the real binary in a pty.

mod common;

use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::*;

fn demo(name: &str, done: &std::path::Path) -> Tmux {
    let cmd = format!(
        "{} --demo --no-color; touch {}",
        bin_path().display(),
        done.display()
    );
    let t = Tmux::start(name, &cmd, 80, 24);
    t.wait_for("1 Connections");
    t
}

#[test]
fn fifty_keys_sent_at_once_are_acted_on_within_150_ms() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = demo("burst", &dir.path().join("done"));
    // `/` and 49 letters: the filter line shows every one of them once all are handled.
    let letters: String = "abcdefghijklmnopqrstuvwxy"
        .repeat(2)
        .chars()
        .take(49)
        .collect();
    let mut keys = vec!["/".to_string()];
    keys.extend(letters.chars().map(|c| c.to_string()));
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_eq!(keys.len(), 50);
    t.burst(&keys);
    let want = format!("filter Connections: {letters}_");
    let (took, seen) = t.time_until(Duration::from_secs(10), |s| s.contains(&want));
    assert!(
        seen.last().unwrap().contains(&want),
        "the burst was not acted on:\n{}",
        seen.last().unwrap()
    );
    eprintln!(
        "50 keys acted on {} ms after the last was sent",
        took.as_millis()
    );
    assert!(
        took <= Duration::from_millis(150),
        "50 keys took {} ms after the last was sent (target 150 ms)",
        took.as_millis()
    );
}

#[test]
fn a_36_character_issuer_id_lands_in_one_frame() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = demo("paste", &dir.path().join("done"));
    const ISSUER: &str = "57246542-96fe-1a63-e053-0824d011072a";
    for (how, typed) in [("typed at once", true), ("pasted (bracketed)", false)] {
        t.keys(&["a"]);
        t.wait_for("Add API key");
        t.keys(&["Tab"]);
        if typed {
            t.literal_now(ISSUER);
        } else {
            t.paste(ISSUER);
        }
        let (took, seen) = t.time_until(Duration::from_secs(10), |s| s.contains(ISSUER));
        assert!(
            seen.last().unwrap().contains(ISSUER),
            "{how}:\n{}",
            seen.last().unwrap()
        );
        // No screen in between showed part of it: the whole ID arrived in one frame.
        for s in &seen {
            let partial = s.contains(&ISSUER[..4]) && !s.contains(ISSUER);
            assert!(
                !partial,
                "{how}: a frame showed part of the issuer ID:\n{s}"
            );
        }
        eprintln!("{how}: on screen {} ms after it was sent", took.as_millis());
        assert!(
            took <= Duration::from_millis(150),
            "{how}: {} ms",
            took.as_millis()
        );
        t.keys(&["Escape"]);
    }
}

#[test]
fn q_after_a_burst_quits_at_once() {
    if !require(have("tmux"), "tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("done");
    let t = demo("quit", &done);
    let mut keys: Vec<&str> = ["j", "k"].repeat(25);
    keys.push("q");
    let start = Instant::now();
    t.burst(&keys);
    while !done.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(3));
    }
    let took = start.elapsed();
    assert!(done.exists(), "did not quit:\n{}", t.screen());
    eprintln!("quit {} ms after a 50-key burst and q", took.as_millis());
    assert!(
        took <= Duration::from_millis(300),
        "quit took {} ms",
        took.as_millis()
    );
}
