//! `preview` of apps that take their steps from a bitrise.yml: one broken app does not hide the
//! others, and the table reads like the build log (a header per workflow, steps numbered within
//! it, steps without Apple auth folded unless --all), within 80 columns.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const NOW: &str = "2026-11-24T12:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bitrise")
        .join(name)
}

fn head() -> String {
    format!(
        "version = 1\nyou = \"alice@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"2X9R4HXF34\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ env = \"NO_KEY\" }}\n"
    )
}

fn file_app(slug: &str, path: &str, workflows: &str) -> String {
    format!(
        "\n[[apps]]\nslug = \"{slug}\"\napi_key = \"CI key\"\n[apps.bitrise_yml]\npath = {path:?}\nworkflows = {workflows}\n"
    )
}

#[test]
fn one_broken_app_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("bad.yml"),
        "format_version: \"13\"\nworkflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: [\n",
    );
    let chains = fixture("chains.yml").display().to_string();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            "{}{}{}{}{}",
            head(),
            file_app("first", &chains, "[\"main\"]"),
            file_app("gone", "nowhere/bitrise.yml", "[\"main\"]"),
            file_app("bad-yaml", "bad.yml", "[\"release\"]"),
            "\n[[apps]]\nslug = \"plain\"\napi_key = \"CI key\"\n[[apps.steps]]\nid = \"deploy-to-itunesconnect-deliver\"\n"
        ),
    );
    let c = || {
        let mut c = bin();
        c.arg("-c").arg(&ws).args(["preview", "--now", NOW]);
        c
    };
    let r = run(&mut c());
    assert_eq!(r.code, 1, "{}", r.all());
    // Every app is there, in order; the broken ones say why, with file and line.
    let at = |slug: &str| {
        r.stdout
            .find(&format!("\n{slug}\n"))
            .unwrap_or_else(|| panic!("{slug} missing:\n{}", r.stdout))
    };
    assert!(
        at("first") < at("gone") && at("gone") < at("bad-yaml") && at("bad-yaml") < at("plain")
    );
    assert!(r.stdout.contains("cannot preview:"), "{}", r.stdout);
    assert!(r.stdout.contains("bad.yml:8:"), "{}", r.stdout);
    assert!(r.stdout.contains("nowhere/bitrise.yml"), "{}", r.stdout);
    assert!(r.stderr.contains("error: app gone:"), "{}", r.stderr);
    assert!(r.stderr.contains("error: app bad-yaml:"), "{}", r.stderr);
    assert!(!r.stderr.contains("error: app first"), "{}", r.stderr);

    let r = run(c().args(["--format", "json"]));
    assert_eq!(r.code, 1, "{}", r.all());
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let apps = doc["apps"].as_array().unwrap();
    let slugs: Vec<&str> = apps.iter().map(|a| a["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["first", "gone", "bad-yaml", "plain"]);
    assert!(!apps[0]["steps"].as_array().unwrap().is_empty());
    assert!(apps[0].get("error").is_none());
    assert!(!apps[3]["steps"].as_array().unwrap().is_empty());
    let gone = &apps[1]["error"];
    assert!(
        gone["file"]
            .as_str()
            .unwrap()
            .ends_with("nowhere/bitrise.yml"),
        "{gone}"
    );
    assert!(gone["line"].is_null(), "{gone}");
    assert!(!gone["message"].as_str().unwrap().is_empty(), "{gone}");
    let bad = &apps[2]["error"];
    assert!(bad["file"].as_str().unwrap().ends_with("bad.yml"), "{bad}");
    assert_eq!(bad["line"], 8, "{bad}");
    assert!(
        bad["message"].as_str().unwrap().starts_with("yaml:"),
        "{bad}"
    );
    assert_eq!(apps[2]["steps"], serde_json::json!([]));
}

/// The table of the chains fixture: `main` runs setup, lint (which runs setup again), itself and
/// notify; git-clone and script use no Apple auth.
fn chains_table(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let chains = fixture("chains.yml").display().to_string();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!("{}{}", head(), file_app("shop-ios", &chains, "[\"main\"]")),
    );
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["preview", "--now", NOW])
        .args(extra));
    assert_eq!(r.code, 0, "{}", r.all());
    for l in r.stdout.lines() {
        assert!(l.chars().count() <= 80, "over 80 columns: {l}");
    }
    r.stdout
}

#[test]
fn the_table_reads_like_the_build_log() {
    let table = chains_table(&[]);
    // A header per workflow, in run order, numbered from 0 in each.
    let headers: Vec<&str> = table
        .lines()
        .filter(|l| l.trim_start().starts_with("workflow "))
        .map(str::trim)
        .collect();
    assert_eq!(
        headers,
        [
            "workflow setup",
            "workflow setup",
            "workflow lint",
            "workflow main"
        ],
        "{table}"
    );
    // setup: git-clone is folded (step 0), fastlane is step 1; lint: script folded as 0.
    assert_eq!(
        table.matches("  0 git-clone (no Apple auth)").count(),
        2,
        "{table}"
    );
    assert!(table.contains("  0 script (no Apple auth)"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with("1 ") && l.contains("fastlane")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with("0 ")
                && l.contains("deploy-to-itunesconnect-deliver")),
        "{table}"
    );
    insta::with_settings!({filters => vec![(env!("CARGO_MANIFEST_DIR"), "[repo]")]}, {
        insta::assert_snapshot!("preview_chains_table", table);
    });

    // --all: each step on its own row.
    let all = chains_table(&["--all"]);
    assert!(!all.contains("no Apple auth)"), "{all}");
    assert!(all.lines().any(|l| l.contains(" git-clone")), "{all}");
    insta::with_settings!({filters => vec![(env!("CARGO_MANIFEST_DIR"), "[repo]")]}, {
        insta::assert_snapshot!("preview_chains_table_all", all);
    });
}
