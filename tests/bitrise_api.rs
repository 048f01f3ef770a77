//! Your Bitrise account through its REST API, against a stand-in Bitrise (tests/stubs/bitrise_stub.py)
//! whose every request and answer is checked with openapi-core against Bitrise's own OpenAPI
//! document. Each test asserts what apple-conn sent, what it printed and what it left on disk.

mod bitrise_stub;
mod common;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use bitrise_stub::*;
use common::*;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn assert_no_token(texts: &[&str]) {
    for t in texts {
        assert!(!t.contains(TOKEN), "the token leaked:\n{t}");
    }
}

#[test]
fn login_checks_the_token_with_me_and_saves_who_and_where_only() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "# mine\nversion = 1\nyou = \"me@example.com\"\n");
    let r = run(bin()
        .env("MY_PAT", TOKEN)
        .args([
            "-c",
            ws.to_str().unwrap(),
            "bitrise",
            "login",
            "--token-from",
            "env:MY_PAT",
        ])
        .args(["--store", "reference", "--api-url", &stub.url]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout, "signed in to Bitrise as alice\n");
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(text.starts_with("# mine\n"), "{text}");
    assert!(
        text.contains("[settings.bitrise]\nuser = \"u-alice01\"\ntoken = { env = \"MY_PAT\" }\n"),
        "{text}"
    );
    assert!(
        !text.contains("api_url") && !text.contains("127.0.0.1"),
        "login saves no URL: {text}"
    );
    assert_eq!(stub.paths(), ["/v0.1/me"]);
    stub.assert_all_valid();
    assert_no_token(&[&r.all(), &text]);

    // A file reference is kept as given (made absolute only by the user).
    let pat = dir.path().join("pat.txt");
    write(&pat, &format!("{TOKEN}\n"));
    let r = run(bin()
        .args(["-c", ws.to_str().unwrap(), "bitrise", "login"])
        .args([
            "--token-from",
            &format!("file:{}", pat.display()),
            "--store",
            "reference",
        ])
        .env("APPLE_CONN_BITRISE_API_URL", &stub.url));
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains(&format!("token = {{ path = \"{}\" }}", pat.display())),
        "{text}"
    );
    assert_eq!(text.matches("[settings.bitrise]").count(), 1, "{text}");
}

#[test]
fn login_with_a_revoked_token_says_where_to_make_a_new_one_and_saves_nothing() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let before = std::fs::read_to_string(&ws).unwrap();
    let r = run(bin()
        .env("MY_PAT", "revoked-token-0000")
        .args([
            "-c",
            ws.to_str().unwrap(),
            "bitrise",
            "login",
            "--token-from",
            "env:MY_PAT",
        ])
        .args(["--store", "reference", "--api-url", &stub.url]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    assert!(r.stderr.contains("revoked or has expired"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Account settings → Security"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("apple-conn bitrise login"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("revoked-token-0000"));
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), before);
    assert_eq!(stub.paths(), ["/v0.1/me"]);
    stub.assert_all_valid();
    // stdin cannot be kept as a reference: refused before anything is read or sent.
    let r = run(bin()
        .args([
            "-c",
            ws.to_str().unwrap(),
            "bitrise",
            "login",
            "--token-from",
            "stdin",
        ])
        .args(["--store", "reference", "--api-url", &stub.url]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert_eq!(stub.paths().len(), 1);
}

#[test]
fn apps_follows_paging_next_one_request_per_page_with_limit_50() {
    let Some(s) = scene(&["--page-size", "2"]) else {
        return;
    };
    let r = s.run(&["bitrise", "apps", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let doc = json(&r.stdout);
    let apps = doc["apps"].as_array().unwrap();
    let slugs: Vec<&str> = apps.iter().map(|a| a["slug"].as_str().unwrap()).collect();
    assert_eq!(
        slugs,
        [
            "ios-shop",
            "ios-pipes",
            "repo-app",
            "oss-app",
            "droid",
            "flaky-app"
        ]
    );
    assert_eq!(
        apps[0],
        serde_json::json!({"slug": "ios-shop", "title": "Shop iOS", "project_type": "ios", "is_public": false,
            "owner": {"slug": "org-acme", "name": "Acme Ltd", "account_type": "organization"},
            "repo_url": "https://github.com/acme/ios-shop.git"})
    );
    assert_eq!(apps[3]["is_public"], true);
    let sent: Vec<serde_json::Value> = s
        .stub
        .requests()
        .iter()
        .map(|r| r["query"].clone())
        .collect();
    assert_eq!(
        sent,
        [
            serde_json::json!({"limit": "50"}),
            serde_json::json!({"limit": "50", "next": "repo-app"}),
            serde_json::json!({"limit": "50", "next": "droid"}),
        ]
    );
    s.stub.assert_all_valid();

    let r = s.run(&["bitrise", "apps", "--org", "org-acme"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("ios-shop") && !r.stdout.contains("ios-pipes"),
        "{}",
        r.stdout
    );
    assert!(
        s.stub
            .paths()
            .contains(&"/v0.1/organizations/org-acme/apps".to_string())
    );
    s.stub.assert_all_valid();
}

const EXISTING: &str = "\n[[apps]]\nslug = \"ios-shop\"  # our store app\nowner = \"boss@example.com\"\napi_key = \"CI key\"  # chosen by hand\nadmins = [\"ann@example.com\"]\n\n[[apps]]\nslug = \"repo-app\"\n\n[apps.bitrise_yml]\npath = \"checkout/bitrise.yml\"  # my checkout\nworkflows = [\"ci\"]\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { env = \"NOPE\" }\n";

#[test]
fn pull_writes_the_files_and_updates_the_entries_in_place() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = signed_in_workspace(dir.path(), EXISTING);
    std::fs::create_dir(dir.path().join("checkout")).unwrap();
    write(
        &dir.path().join("checkout/bitrise.yml"),
        "format_version: \"13\"\nworkflows:\n  ci: {}\n",
    );
    let r = run(&mut cmd(
        &stub,
        &ws,
        &[
            "bitrise",
            "pull",
            "--jobs",
            "3",
            "--now",
            "2026-12-01T10:00:00Z",
            "--format",
            "json",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.all());
    let report = json(&r.stdout);
    let pulled: Vec<&str> = report["pulled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        pulled,
        ["ios-shop", "ios-pipes", "repo-app", "oss-app", "flaky-app"]
    );
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(report["skipped"][0]["slug"], "droid");

    // The files: 0600 under bitrise/, byte for byte what Bitrise served.
    let shop = dir.path().join("bitrise/ios-shop.yml");
    let served = std::fs::read_to_string(&shop).unwrap();
    assert!(
        served.starts_with("format_version: \"13\"\n") && served.contains("trigger_map:"),
        "{served}"
    );
    #[cfg(unix)]
    for f in files_under(&dir.path().join("bitrise")) {
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
    let mut names: Vec<String> = files_under(dir.path())
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bitrise/flaky-app.yml",
            "bitrise/ios-pipes.yml",
            "bitrise/ios-shop.yml",
            "bitrise/oss-app.yml",
            "checkout/bitrise.yml",
            "workspace.toml",
            "workspace.toml.bak",
            "workspace.toml.lock"
        ],
        "nothing else written, no temporary left"
    );

    // The workspace: local choices and comments kept, Bitrise's facts written.
    let text = std::fs::read_to_string(&ws).unwrap();
    for kept in [
        "# my CI connections\n",
        "slug = \"ios-shop\"  # our store app\nowner = \"boss@example.com\"\napi_key = \"CI key\"  # chosen by hand\nadmins = [\"ann@example.com\"]\n",
        "path = \"checkout/bitrise.yml\"  # my checkout\nworkflows = [\"ci\"]\n",
    ] {
        assert!(text.contains(kept), "lost {kept:?}:\n{text}");
    }
    let parsed: toml::Table = text.parse().unwrap();
    let apps = parsed["apps"].as_array().unwrap();
    let app = |slug: &str| {
        apps.iter()
            .find(|a| a["slug"].as_str() == Some(slug))
            .unwrap()
            .clone()
    };
    let shop_entry = app("ios-shop");
    assert_eq!(shop_entry["title"].as_str(), Some("Shop iOS"));
    assert_eq!(shop_entry["bitrise"]["owner"].as_str(), Some("org-acme"));
    assert_eq!(
        shop_entry["bitrise"]["owner_name"].as_str(),
        Some("Acme Ltd")
    );
    assert_eq!(shop_entry["bitrise"]["public"].as_bool(), Some(false));
    assert_eq!(
        shop_entry["bitrise"]["repo_url"].as_str(),
        Some("https://github.com/acme/ios-shop.git")
    );
    assert_eq!(
        shop_entry["bitrise"]["pulled_at"].to_string(),
        "2026-12-01T10:00:00Z"
    );
    assert_eq!(
        shop_entry["bitrise_yml"]["path"].as_str(),
        Some("bitrise/ios-shop.yml")
    );
    assert_eq!(
        shop_entry["bitrise_yml"]["workflows"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let pipes = app("ios-pipes");
    assert_eq!(
        pipes["owner"].as_str(),
        Some("me@example.com"),
        "a new entry is yours"
    );
    assert_eq!(
        pipes["bitrise_yml"]["pipelines"],
        toml::Value::Array(vec!["release".into()])
    );
    assert_eq!(app("oss-app")["bitrise"]["public"].as_bool(), Some(true));
    assert!(apps.iter().all(|a| a["slug"].as_str() != Some("droid")));

    // What was sent: the listing, then per app its details, config and (kept on bitrise.io) file.
    let paths = stub.paths();
    assert_eq!(
        stub.count("/v0.1/apps/flaky-app"),
        2,
        "the 429 was waited out once: {paths:?}"
    );
    assert_eq!(
        stub.count("/v0.1/apps/repo-app/bitrise.yml"),
        0,
        "a repository app's copy is not fetched"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/v0.1/apps/droid")),
        "{paths:?}"
    );
    for slug in ["ios-shop", "ios-pipes", "oss-app", "flaky-app"] {
        assert_eq!(stub.count(&format!("/v0.1/apps/{slug}/bitrise.yml")), 1);
        assert_eq!(
            stub.count(&format!("/v0.1/apps/{slug}/bitrise.yml/config")),
            1
        );
    }
    stub.assert_all_valid();
    assert_no_token(&[&r.all(), &text, &served]);

    // The pulled apps preview from their files (the file passes `check`); a public app says so.
    let c = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(c.code, 0, "{}", c.all());
    let p = run(bin().args(["-c", ws.to_str().unwrap(), "preview", "--app", "oss-app"]));
    assert!(
        p.stdout
            .contains("pull-request builds of forks get no Apple connection"),
        "{}",
        p.all()
    );

    // Pulling again changes nothing but the time.
    let r2 = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "pull", "--now", "2026-12-02T10:00:00Z"],
    ));
    assert_eq!(r2.code, 0, "{}", r2.all());
    assert_eq!(
        std::fs::read_to_string(&ws).unwrap(),
        text.replace("2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z")
    );
}

#[test]
fn pull_names_each_failing_app_and_keeps_what_it_had() {
    let Some(stub) = start(&["--scenario", "faults"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let old = "\n[[apps]]\nslug = \"gone-app\"  # still here\ntitle = \"Old title\"\n";
    let ws = signed_in_workspace(dir.path(), old);
    let started = Instant::now();
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "pull", "--now", "2026-12-01T10:00:00Z"],
    ));
    assert_eq!(r.code, 1, "{}", r.all());
    for (slug, why) in [
        ("gone-app", "404"),
        ("not-admin", "403"),
        ("not-admin", "not an admin of this app"),
        ("big-yml", "over 1 MiB"),
        ("bad-yml", "not valid YAML"),
        ("odd-json", "not the JSON its API describes"),
        ("down-app", "503"),
        ("../escape", "nothing requested for it"),
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("failed {slug}:")))
            .unwrap_or_else(|| panic!("{slug} not named:\n{}", r.stdout));
        assert!(line.contains(why), "{line}");
    }
    assert!(
        r.stdout
            .contains("pulled Shop iOS (ios-shop) -> bitrise/ios-shop.yml"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("pulled A 502 once (blip-app)"),
        "a 502 is asked once more: {}",
        r.stdout
    );
    assert!(started.elapsed() < Duration::from_secs(20));

    // Only the good apps' files; nothing outside bitrise/; the failed app keeps its entry.
    let mut written: Vec<String> = files_under(&dir.path().join("bitrise"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["blip-app.yml", "ios-shop.yml"]);
    assert!(!dir.path().parent().unwrap().join("escape.yml").exists());
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("slug = \"gone-app\"  # still here\ntitle = \"Old title\"\n"),
        "{text}"
    );
    assert!(
        !text.contains("not-admin") && !text.contains("big-yml"),
        "{text}"
    );

    // What was sent: no retry of a 404 or 403, one more try for a 5xx, nothing for the bad slug.
    assert_eq!(stub.count("/v0.1/apps/gone-app"), 1);
    assert_eq!(stub.count("/v0.1/apps/not-admin/bitrise.yml/config"), 1);
    assert_eq!(stub.count("/v0.1/apps/blip-app/bitrise.yml/config"), 2);
    assert_eq!(stub.count("/v0.1/apps/down-app"), 2);
    assert!(
        !stub.paths().iter().any(|p| p.contains("escape")),
        "{:?}",
        stub.paths()
    );
    stub.assert_all_valid();
}

#[test]
fn bad_slugs_and_jobs_are_refused_before_any_request() {
    let Some(s) = scene(&[]) else {
        return;
    };
    for args in [
        vec!["bitrise", "pull", "--app", "../../etc"],
        vec!["bitrise", "pull", "--app", "a/b"],
        vec!["bitrise", "pull", "--jobs", "0"],
        vec!["bitrise", "apps", "--org", "../x"],
    ] {
        let r = run(&mut s.cmd(&args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.all());
        assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    }
    assert!(s.stub.paths().is_empty(), "{:?}", s.stub.paths());
    assert!(!s.dir.path().join("bitrise").exists());
    // --app pulls exactly that app, even an Android one.
    let r = s.run(&["bitrise", "pull", "--app", "droid"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        s.stub.paths(),
        [
            "/v0.1/apps/droid",
            "/v0.1/apps/droid/bitrise.yml/config",
            "/v0.1/apps/droid/bitrise.yml"
        ]
    );
}

#[test]
fn keys_reports_drift_by_key_id_and_issuer() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey.p8");
    let keys = "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { env = \"NOPE\" }\n\n[[api_keys]]\nname = \"Release\"\nkey_id = \"BBBBBBBBBB\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { env = \"NOPE\" }\n\n[[api_keys]]\nname = \"Mine\"\nkey_id = \"DDDDDDDDDD\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nprivate_key = { env = \"NOPE\" }\n".replace("{ env = \"NOPE\" }", &format!("{{ path = \"{}\" }}", p8.display()));
    let ws = signed_in_workspace(dir.path(), &keys);
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "--format", "json"],
    ));
    assert_eq!(r.code, 1, "drift is exit 1: {}", r.all());
    let iss = "57246542-96fe-1a63-e053-0824d011072a";
    let v = json(&r.stdout);
    assert_eq!(v["schema_version"], 1);
    let rows: Vec<(String, String, String)> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["key_id"].as_str().unwrap().to_string(),
                k["status"].as_str().unwrap().to_string(),
                k["issuer_id"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let row = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    // Local keys first, then the workspaces' (Acme, Beta), then the user's own: one row per key ID.
    assert_eq!(
        rows,
        [
            row("AAAAAAAAAA", "both", iss),
            row("BBBBBBBBBB", "differs", iss),
            row("DDDDDDDDDD", "local_only", iss),
            row("GGGGGGGGGG", "bitrise_only", iss),
            row(
                "EEEEEEEEEE",
                "bitrise_only",
                "11111111-2222-3333-4444-555555555555"
            ),
            row("CCCCCCCCCC", "bitrise_only", iss),
        ]
    );
    assert_eq!(v["keys"][1]["differences"], serde_json::json!(["name"]));
    assert_eq!(v["keys"][1]["bitrise_name"], "Release on Bitrise");
    assert_eq!(v["keys"][2]["bitrise_name"], serde_json::Value::Null);
    assert_eq!(
        stub.paths(),
        [
            "/v0.1/organizations",
            "/v0.1/organizations/org-acme/apple-api-credentials",
            "/v0.1/organizations/org-beta/apple-api-credentials",
            "/v0.1/users/u-alice01/apple-api-credentials"
        ]
    );
    let t = run(&mut cmd(&stub, &ws, &["bitrise", "keys"]));
    assert_eq!(t.code, 1);
    assert!(
        t.stdout.contains("never uploaded to Bitrise"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("5 of 6 key(s) drifted"), "{}", t.stdout);

    // doctor --bitrise: the drift as WARNING lines; unreachable is UNKNOWN.
    let d = run(&mut cmd(&stub, &ws, &["doctor", "--bitrise"]));
    assert_eq!(d.code, 1, "{}", d.all());
    let warnings: Vec<&str> = d
        .stdout
        .lines()
        .filter(|l| l.starts_with("WARNING Bitrise: "))
        .collect();
    assert_eq!(warnings.len(), 5, "{}", d.stdout);
    let dj = run(&mut cmd(
        &stub,
        &ws,
        &["doctor", "--bitrise", "--format", "json"],
    ));
    assert_eq!(
        json(&dj.stdout)["bitrise"]["keys"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let mut down = bin();
    down.env("BITRISE_TEST_TOKEN", TOKEN).args([
        "-c",
        ws.to_str().unwrap(),
        "doctor",
        "--bitrise",
        "--api-url",
        "http://127.0.0.1:9/v0.1",
    ]);
    let u = run(&mut down);
    assert_eq!(u.code, 3, "{}", u.all());
    assert!(
        u.stdout.contains("UNKNOWN Bitrise: cannot compare"),
        "{}",
        u.stdout
    );
    stub.assert_all_valid();
    assert_no_token(&[&r.all(), &t.all(), &d.all(), &u.all()]);
}

#[test]
fn an_untrusted_api_url_in_the_file_is_refused_before_any_request() {
    let Some(s) = scene(&[]) else {
        return;
    };
    let text = std::fs::read_to_string(&s.ws).unwrap().replace(
        "[settings.bitrise]\n",
        &format!("[settings.bitrise]\napi_url = \"{}\"\n", s.stub.url),
    );
    write(&s.ws, &text);
    for args in [
        vec!["bitrise", "apps"],
        vec!["bitrise", "keys"],
        vec!["bitrise", "pull"],
    ] {
        let r = run(bin()
            .env("BITRISE_TEST_TOKEN", TOKEN)
            .arg("-c")
            .arg(&s.ws)
            .args(&args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.all());
        assert!(
            r.stderr.contains("settings.bitrise.api_url"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("apple-conn trust"), "{}", r.stderr);
    }
    let r = run(bin().env("MY_PAT", TOKEN).arg("-c").arg(&s.ws).args([
        "bitrise",
        "login",
        "--token-from",
        "env:MY_PAT",
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(s.stub.paths().is_empty(), "{:?}", s.stub.paths());
    // The user's own choice on this host (flag or environment) is taken.
    let r = run(bin()
        .env("BITRISE_TEST_TOKEN", TOKEN)
        .env("APPLE_CONN_BITRISE_API_URL", &s.stub.url)
        .arg("-c")
        .arg(&s.ws)
        .args(["bitrise", "apps"]));
    assert_eq!(r.code, 0, "{}", r.all());
    // A plain-http URL to another host is refused even from the flag.
    let r = run(bin()
        .env("BITRISE_TEST_TOKEN", TOKEN)
        .arg("-c")
        .arg(&s.ws)
        .args(["bitrise", "apps", "--api-url", "http://example.com/v0.1"]));
    assert_eq!(r.code, 2, "{}", r.all());
}

#[test]
fn a_rate_limit_is_waited_out_at_most_three_times_then_named() {
    let Some(s) = scene(&["--scenario", "rate-limited"]) else {
        return;
    };
    let started = Instant::now();
    let r = s.run_within(
        &["bitrise", "apps"],
        Duration::from_secs(30),
        "a rate-limited listing",
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("rate limit (429)") && r.stderr.contains("3 wait(s) of 3 s"),
        "{}",
        r.stderr
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(
        s.stub.count("/v0.1/apps"),
        4,
        "one request and three retries"
    );
    s.stub.assert_all_valid();
}

#[test]
fn a_retry_after_beyond_60_seconds_is_not_waited() {
    let Some(s) = scene(&["--scenario", "rate-long"]) else {
        return;
    };
    let r = s.run_within(
        &["bitrise", "keys"],
        Duration::from_secs(10),
        "a long Retry-After",
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("429") && r.stderr.contains("61 s"),
        "{}",
        r.stderr
    );
    assert_eq!(s.stub.paths().len(), 1);
}

#[test]
fn paging_that_repeats_or_never_ends_stops_with_an_error() {
    let Some(stub) = start(&["--scenario", "paging-loop"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = signed_in_workspace(dir.path(), "");
    let r = run_within(
        &mut cmd(&stub, &ws, &["bitrise", "apps"]),
        Duration::from_secs(20),
        "a paging loop",
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("came back a second time"), "{}", r.stderr);
    assert_eq!(stub.count("/v0.1/apps"), 2);
    stub.assert_all_valid();

    let Some(stub) = start(&["--scenario", "paging-endless", "--no-validate"]) else {
        return;
    };
    let r = run_within(
        &mut cmd(&stub, &ws, &["bitrise", "apps"]),
        Duration::from_secs(120),
        "endless paging",
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("more than 1000 pages"), "{}", r.stderr);
    assert_eq!(stub.count("/v0.1/apps"), 1000);
}

#[test]
fn a_timeout_is_asked_once_more_then_named() {
    let Some(stub) = start(&["--scenario", "timeout-once"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let login = |stub: &Stub| {
        run_within(
            bin()
                .env("MY_PAT", TOKEN)
                .env("APPLE_CONN_BITRISE_TIMEOUT", "1")
                .args([
                    "-c",
                    ws.to_str().unwrap(),
                    "bitrise",
                    "login",
                    "--token-from",
                    "env:MY_PAT",
                ])
                .args(["--store", "reference", "--api-url", &stub.url]),
            Duration::from_secs(20),
            "login against a slow Bitrise",
        )
    };
    let r = login(&stub);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(stub.count("/v0.1/me"), 2);
    let Some(stub) = start(&["--scenario", "timeout-always"]) else {
        return;
    };
    let r = login(&stub);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("did not answer") && r.stderr.contains("also when asked again"),
        "{}",
        r.stderr
    );
    assert_eq!(stub.count("/v0.1/me"), 2);
}

#[test]
fn an_answer_off_the_spec_is_refused() {
    let Some(stub) = start(&["--scenario", "odd-me"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let r = run(bin()
        .env("MY_PAT", TOKEN)
        .args([
            "-c",
            ws.to_str().unwrap(),
            "bitrise",
            "login",
            "--token-from",
            "env:MY_PAT",
        ])
        .args(["--store", "reference", "--api-url", &stub.url]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("GET /me is not the JSON its API describes"),
        "{}",
        r.stderr
    );
    assert!(!std::fs::read_to_string(&ws).unwrap().contains("bitrise"));
    // The stub's off-spec answer is one the validator itself rejects.
    stub.assert_all_valid();
}

#[test]
fn not_signed_in_says_how_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    for args in [
        ["bitrise", "apps"],
        ["bitrise", "keys"],
        ["bitrise", "pull"],
    ] {
        let r = run(bin()
            .arg("-c")
            .arg(&ws)
            .args(args)
            .args(["--api-url", "http://127.0.0.1:9/v0.1"]));
        assert_eq!(r.code, 2, "{}", r.all());
        assert!(
            r.stderr.contains("apple-conn bitrise login --token-from"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn the_token_stays_in_the_authorization_header() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let mut outputs = Vec::new();
    let login = run(bin()
        .env("MY_PAT", TOKEN)
        .args([
            "-c",
            ws.to_str().unwrap(),
            "bitrise",
            "login",
            "--token-from",
            "env:MY_PAT",
        ])
        .args(["--store", "reference", "--api-url", &stub.url]));
    assert_eq!(login.code, 0, "{}", login.all());
    outputs.push(login.all());
    for args in [
        vec!["bitrise", "apps"],
        vec!["bitrise", "apps", "--format", "json"],
        vec!["bitrise", "pull"],
        vec!["bitrise", "pull", "--format", "json"],
        vec!["bitrise", "keys"],
        vec!["bitrise", "keys", "--format", "json"],
        vec!["doctor", "--bitrise"],
        vec!["doctor", "--bitrise", "--format", "json"],
    ] {
        let r = run(bin()
            .env("MY_PAT", TOKEN)
            .arg("-c")
            .arg(&ws)
            .args(&args)
            .args(["--api-url", &stub.url]));
        outputs.push(r.all());
    }
    // A refused token: the error names no token either.
    let r = run(bin()
        .env("MY_PAT", "revoked-token-0000")
        .arg("-c")
        .arg(&ws)
        .args(["bitrise", "apps", "--api-url", &stub.url]));
    assert_eq!(r.code, 1);
    assert!(!r.all().contains("revoked-token-0000"), "{}", r.all());
    outputs.push(r.all());
    for o in &outputs {
        assert_no_token(&[o]);
    }
    for f in files_under(dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "{} holds the token",
            f.display()
        );
    }
    // Sent only as the Authorization header, as it is; never in a path or a query.
    for r in stub.requests() {
        assert_eq!(
            r["authorization"]
                .as_str()
                .map(|a| a != TOKEN && a != "revoked-token-0000"),
            Some(false),
            "{r}"
        );
        assert!(
            !r["path"].as_str().unwrap().contains(TOKEN) && !r["query"].to_string().contains(TOKEN)
        );
    }
}

#[test]
#[cfg(unix)] // a planted symbolic link
fn a_planted_link_for_the_bitrise_folder_is_never_followed() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let ws = signed_in_workspace(dir.path(), "");
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("bitrise")).unwrap();
    let before = std::fs::read_to_string(&ws).unwrap();
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "pull", "--app", "ios-shop"],
    ));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("symbolic link"), "{}", r.stdout);
    assert!(
        std::fs::read_dir(elsewhere.path())
            .unwrap()
            .next()
            .is_none(),
        "nothing written through the link"
    );
    let after = std::fs::read_to_string(&ws).unwrap();
    for line in before.lines() {
        assert!(after.contains(line), "lost {line:?}: {after}");
    }
    assert!(
        !after.contains("[[apps]]"),
        "the failed app is not added: {after}"
    );
}

#[test]
fn login_keeps_a_copy_in_the_real_secret_service_under_the_scoped_name() {
    if !require(
        have("dbus-run-session") && have("gnome-keyring-daemon") && have("secret-tool"),
        "a Secret Service (dbus + gnome-keyring + secret-tool)",
    ) {
        return;
    }
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(&ws, "version = 1\nyou = \"me@example.com\"\n");
    let script = format!(
        r#"set -e
printf 'test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; for _ in $(seq 50); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done
B='{bin}'; W='{ws}'
"$B" -c "$W" bitrise login --token-from env:MY_PAT --api-url '{url}'
unset MY_PAT
ID=$(sed -n 's/^workspace_id = "\(.*\)"$/\1/p' "$W")
echo "--- secret-tool"
secret-tool lookup service apple-conn username "$ID/bitrise/token"
echo
echo "--- apps"
"$B" -c "$W" bitrise apps --format json --api-url '{url}'
"#,
        bin = bin_path().display(),
        ws = ws.display(),
        url = stub.url
    );
    let out = std::process::Command::new("dbus-run-session")
        .args(["--", "bash", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("APPLE_CONN_KEYRING")
        .env("MY_PAT", TOKEN)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let stored = stdout
        .split("--- secret-tool\n")
        .nth(1)
        .unwrap()
        .split("\n--- apps")
        .next()
        .unwrap();
    assert_eq!(
        stored.trim(),
        TOKEN,
        "secret-tool reads back the token apple-conn stored"
    );
    assert!(stdout.contains("\"slug\":\"ios-shop\""), "{stdout}");
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(text.contains("token = { keyring = true }"), "{text}");
    assert!(!text.contains(TOKEN) && !stderr.contains(TOKEN));
    stub.assert_all_valid();
}
