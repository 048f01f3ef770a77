//! The connection on Bitrise itself (issue 29): workspace keys read, a key uploaded, each app's
//! assignment pushed as a plan then applied, against the Bitrise stand-in built from the 2026-08
//! document (tests/stubs/bitrise_stub.py, every request and answer checked by openapi-core).
//! Each test asserts what apple-conn sent, what it printed and what it left on disk.

mod bitrise_stub;
mod common;

use std::time::{Duration, Instant};

use bitrise_stub::*;
use common::*;

const NOW: &str = "2026-12-07T10:00:00Z";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// SHA-256 (hex) of the public half of a PEM key, by openssl.
fn public_sha256(p8: &std::path::Path) -> String {
    let der = openssl(&[
        "pkey",
        "-in",
        p8.to_str().unwrap(),
        "-pubout",
        "-outform",
        "DER",
    ]);
    use sha2::Digest;
    sha2::Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn writes(stub: &Stub) -> Vec<String> {
    stub.calls()
        .into_iter()
        .filter(|c| !c.starts_with("GET "))
        .collect()
}

#[test]
fn plan_then_apply_uploads_once_assigns_each_app_and_a_second_run_sends_nothing() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let apps = [
        pulled(
            "ios-shop",
            "Shop iOS",
            "api_key = \"Team key\"\napple_id = \"bob@icloud.example\"",
        ),
        pulled("oss-app", "Open source", "api_key = \"CI key\""),
        pulled("repo-app", "Kept in its repository", ""),
        "\n[[apps]]\nslug = \"local-only\"\napi_key = \"CI key\"\n".to_string(),
    ]
    .concat();
    let (ws, p8) = team(dir.path(), &apps);
    let before = std::fs::read_to_string(&ws).unwrap();

    // The plan: reads only, nothing that changes Bitrise.
    let d = run(&mut cmd(
        &stub,
        &ws,
        &[
            "bitrise",
            "push",
            "--dry-run",
            "--format",
            "json",
            "--now",
            NOW,
        ],
    ));
    assert_eq!(d.code, 0, "{}", d.all());
    let plan = json(&d.stdout);
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(
        plan["unchanged"], 1,
        "repo-app: nothing assigned, nothing pushed"
    );
    let rows: Vec<(String, String, String, String, String)> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap_or("-").to_string();
            (s("action"), s("app"), s("key"), s("org"), s("member"))
        })
        .collect();
    let row = |a: &str, b: &str, c: &str, d: &str, e: &str| {
        (a.into(), b.into(), c.into(), d.into(), e.into())
    };
    assert_eq!(
        rows,
        [
            row("upload_key", "-", "Team key", "org-acme", "-"),
            row("assign_api_key", "ios-shop", "Team key", "org-acme", "-"),
            row(
                "assign_apple_id_user",
                "ios-shop",
                "-",
                "org-acme",
                "bob@example.com"
            ),
            row("assign_api_key", "oss-app", "CI key", "org-acme", "-"),
        ]
    );
    for i in plan["plan"].as_array().unwrap() {
        for field in ["action", "app", "title", "key", "org", "member"] {
            assert!(i.get(field).is_some(), "{field} in every item: {i}");
        }
    }
    assert_eq!(plan["plan"][1]["title"], "Shop iOS");
    assert_eq!(plan["plan"][2]["member_slug"], "u-bob02");
    assert!(
        writes(&stub).is_empty(),
        "a dry run sends no write: {:?}",
        stub.calls()
    );
    let text = run(&mut cmd(&stub, &ws, &["bitrise", "push", "--dry-run"]));
    assert_eq!(text.code, 0, "{}", text.all());
    for want in [
        "+ upload API key \"Team key\" (TTTTTTTTTT) to workspace org-acme",
        "~ app \"Shop iOS\" (ios-shop): API key → \"Team key\"",
        "~ app \"Shop iOS\" (ios-shop): Apple ID user → bob@example.com (member slug u-bob02)",
        "plan: 1 upload(s), 2 app(s) to change, 1 unchanged",
    ] {
        assert!(text.stdout.contains(want), "{want} in:\n{}", text.stdout);
    }
    assert!(
        !text.stdout.contains("repo-app"),
        "unchanged apps are counted, not listed"
    );

    // No terminal and no --yes: a refusal, exit 2, nothing sent, nothing saved.
    let r = run(&mut cmd(&stub, &ws, &["bitrise", "push"]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(writes(&stub).is_empty());
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), before);

    // Applied: one upload (the real key), one PATCH per app, recorded as pushed.
    let a = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--yes", "--format", "json", "--now", NOW],
    ));
    assert_eq!(a.code, 0, "{}", a.all());
    let done = json(&a.stdout);
    assert!(
        done["plan"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "applied"),
        "{done}"
    );
    assert_eq!(
        writes(&stub),
        [
            "POST /v0.1/organizations/org-acme/apple-api-credentials",
            "PATCH /v0.1/apps/ios-shop",
            "PATCH /v0.1/apps/oss-app",
        ]
    );
    let post = &stub.sent("POST")[0]["body"];
    assert_eq!(post["name"], "Team key");
    assert_eq!(post["key_id"], "TTTTTTTTTT");
    assert_eq!(post["issuer_id"], ISSUER);
    assert_eq!(post["is_enterprise_account"], false);
    assert_eq!(
        post["private_key"]["public_key_sha256"],
        public_sha256(&p8),
        "the .p8 sent is the workspace's key"
    );
    let patches = stub.sent("PATCH");
    assert_eq!(
        patches[0]["body"],
        serde_json::json!({"apple_api_credential_slug": "wcred-org-acme-1", "apple_credential_user_slug": "u-bob02"})
    );
    assert_eq!(
        patches[1]["body"],
        serde_json::json!({"apple_api_credential_slug": "wcred-acme-ci"})
    );
    assert_eq!(
        stub.stats()["assignments"]["ios-shop"],
        serde_json::json!({"apple_api_credential_slug": "wcred-org-acme-1", "apple_credential_user_slug": "u-bob02"})
    );
    let saved = std::fs::read_to_string(&ws).unwrap();
    for want in [
        "[api_keys.bitrise]\norg = \"org-acme\"\nslug = \"wcred-org-acme-1\"\nuploaded_at = 2026-12-07T10:00:00Z",
        "pushed_api_key = \"Team key\"\npushed_apple_id_user = \"bob@example.com\"\npushed_at = 2026-12-07T10:00:00Z",
        "pushed_api_key = \"CI key\"",
    ] {
        assert!(saved.contains(want), "{want} in:\n{saved}");
    }
    let pem = std::fs::read_to_string(&p8).unwrap();
    let body = pem.lines().nth(1).unwrap();
    for text in [&a.stdout, &a.stderr, &saved] {
        assert!(
            !text.contains(body),
            "the key's text never leaves in output or files"
        );
    }

    // Again: nothing differs from what was pushed, so nothing at all is asked.
    let n = stub.calls().len();
    let again = run(&mut cmd(&stub, &ws, &["bitrise", "push", "--yes"]));
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("nothing to push: 3 app(s)"),
        "{}",
        again.stdout
    );
    assert!(
        again.stdout.contains("Bitrise does not report it"),
        "{}",
        again.stdout
    );
    assert_eq!(stub.calls().len(), n, "a second run sends nothing");

    // `list` and `bitrise keys` show titles and where the uploaded key lives.
    let l = run(bin().arg("-c").arg(&ws).args(["list", "apps"]));
    assert!(l.stdout.contains("Shop iOS"), "{}", l.all());
    let k = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "--format", "json"],
    ));
    let keys = json(&k.stdout);
    let team_row = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key_id"] == "TTTTTTTTTT")
        .unwrap()
        .clone();
    assert_eq!(team_row["status"], "both", "{team_row}");
    assert_eq!(team_row["locations"][0]["where"], "workspace");
    assert_eq!(team_row["locations"][0]["org"], "org-acme");
    stub.assert_all_valid();
}

#[test]
fn an_owner_who_is_not_a_member_is_refused_naming_the_members() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = team(
        dir.path(),
        &format!(
            "\n[[apple_ids]]\napple_id = \"dave@icloud.example\"\nowner = \"dave@example.com\"\npassword = {{ env = \"DAVE_PW\" }}\n{}",
            pulled(
                "ios-shop",
                "Shop iOS",
                "apple_id = \"dave@icloud.example\"\nadmins = [\"dave@example.com\"]"
            )
            .replace("admins = [\"bob@example.com\"]\n", "")
        ),
    );
    let r = run(&mut cmd(&stub, &ws, &["bitrise", "push", "--yes"]));
    assert_eq!(r.code, 2, "{}", r.all());
    for want in [
        "dave@example.com is not a member of Bitrise workspace Acme Ltd (org-acme)",
        "alice@example.com, bob@example.com, Carol@Example.com",
    ] {
        assert!(r.all().contains(want), "{want} in:\n{}", r.all());
    }
    assert!(writes(&stub).is_empty(), "{:?}", stub.calls());
    // An app never pulled, or not in the workspace: exit 2 before any request.
    let u = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--app", "nope", "--yes"],
    ));
    assert_eq!(u.code, 2, "{}", u.all());
    assert!(u.stderr.contains("no such app"), "{}", u.stderr);
    stub.assert_all_valid();
}

#[test]
fn each_app_fails_on_its_own_with_bitrises_message_and_keeps_its_record() {
    let Some(stub) = start(&[
        "--fault",
        "PATCH /apps/ios-shop=403",
        "--fault",
        "PATCH /apps/oss-app=400",
        "--fault",
        "PATCH /apps/repo-app=422",
        "--fault",
        "PATCH /apps/flaky-app=429",
        "--fault",
        "PATCH /apps/ios-pipes=502",
        "--fault",
        "PATCH /apps/droid=503,503",
    ]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut apps: String = [
        "ios-shop",
        "oss-app",
        "repo-app",
        "flaky-app",
        "droid",
        "gone-app",
    ]
    .iter()
    .map(|s| pulled(s, &format!("App {s}"), "api_key = \"CI key\""))
    .collect();
    // Alice's own app: her own keys are its keys (CI key is cred0 there).
    apps.push_str(
        &pulled("ios-pipes", "Pipes", "api_key = \"CI key\"").replace(
            "owner = \"org-acme\"\nowner_name = \"Acme Ltd\"",
            "owner = \"u-alice01\"\nowner_name = \"alice\"",
        ),
    );
    let (ws, _) = team(dir.path(), &apps);
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--yes", "--format", "json", "--now", NOW],
    ));
    assert_eq!(r.code, 1, "some failed: {}", r.all());
    let v = json(&r.stdout);
    let by_app = |slug: &str| {
        v["plan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["app"] == slug)
            .unwrap_or_else(|| panic!("{slug} in {v}"))
            .clone()
    };
    for (slug, status, said) in [
        ("ios-shop", "failed", "Forbidden: admin rights required"),
        ("ios-shop", "failed", "not an admin"),
        ("oss-app", "failed", "400"),
        (
            "oss-app",
            "failed",
            "apple_api_credential_slug is not valid for this app",
        ),
        ("repo-app", "failed", "422"),
        (
            "repo-app",
            "failed",
            "the credential cannot be used by this app",
        ),
        ("gone-app", "failed", "404"),
        ("droid", "failed", "503"),
        ("flaky-app", "applied", ""),
        ("ios-pipes", "applied", ""),
    ] {
        let item = by_app(slug);
        assert_eq!(item["status"], status, "{slug}: {item}");
        let error = item["error"].as_str().unwrap_or("");
        assert!(error.contains(said), "{slug}: {said} in {error}");
    }
    assert_eq!(by_app("ios-pipes")["org"], "u-alice01");
    assert_eq!(
        stub.sent("PATCH")
            .iter()
            .find(|p| p["path"] == "/v0.1/apps/ios-pipes")
            .unwrap()["body"],
        serde_json::json!({"apple_api_credential_slug": "cred0"})
    );
    // 429 waited out and 502 asked again (PATCH is idempotent); 503 twice is given up.
    let count = |path: &str| stub.calls().iter().filter(|c| *c == path).count();
    assert_eq!(count("PATCH /v0.1/apps/flaky-app"), 2);
    assert_eq!(count("PATCH /v0.1/apps/ios-pipes"), 2);
    assert_eq!(count("PATCH /v0.1/apps/droid"), 2);
    assert_eq!(count("PATCH /v0.1/apps/ios-shop"), 1);
    let saved = std::fs::read_to_string(&ws).unwrap();
    assert_eq!(
        saved.matches("pushed_api_key = \"CI key\"").count(),
        2,
        "only the applied apps are recorded:\n{saved}"
    );
    // The second run sends only what failed.
    let again = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--dry-run", "--format", "json"],
    ));
    let apps: Vec<&str> = json(&again.stdout)["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["app"].as_str().unwrap().to_string())
        .map(|s| Box::leak(s.into_boxed_str()) as &str)
        .collect();
    assert_eq!(
        apps,
        ["ios-shop", "oss-app", "repo-app", "droid", "gone-app"]
    );
    stub.assert_all_valid();
}

#[test]
fn a_refused_token_stops_the_push_and_says_where_to_make_a_new_one() {
    let Some(stub) = start(&["--fault", "PATCH /apps/ios-shop=401"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let apps: String = ["ios-shop", "oss-app"]
        .iter()
        .map(|s| pulled(s, s, "api_key = \"CI key\""))
        .collect();
    let (ws, _) = team(dir.path(), &apps);
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--yes", "--jobs", "1"],
    ));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("401") && r.stderr.contains("personal access token"),
        "{}",
        r.stderr
    );
    assert_eq!(
        writes(&stub),
        ["PATCH /v0.1/apps/ios-shop"],
        "no other app is asked"
    );
    assert!(!std::fs::read_to_string(&ws).unwrap().contains("pushed_"));
    stub.assert_all_valid();
}

#[test]
fn a_kill_between_the_upload_and_the_patch_converges_without_a_second_upload() {
    let Some(stub) = start(&["--fault", "PATCH /apps/ios-shop=hang"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = team(
        dir.path(),
        &pulled("ios-shop", "Shop iOS", "api_key = \"Team key\""),
    );
    let mut child = cmd(&stub, &ws, &["bitrise", "push", "--yes", "--now", NOW])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !stub
        .calls()
        .iter()
        .any(|c| c == "PATCH /v0.1/apps/ios-shop")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            stub.calls()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(stub.stats()["uploads"], 1);
    let half = std::fs::read_to_string(&ws).unwrap();
    assert!(half.contains("slug = \"wcred-org-acme-1\""), "{half}");
    assert!(!half.contains("pushed_api_key"), "{half}");
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--yes", "--now", NOW],
    ));
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(stub.stats()["uploads"], 1, "no second upload");
    assert_eq!(stub.sent("POST").len(), 1);
    assert_eq!(
        stub.stats()["assignments"]["ios-shop"]["apple_api_credential_slug"],
        "wcred-org-acme-1"
    );
    assert!(
        std::fs::read_to_string(&ws)
            .unwrap()
            .contains("pushed_api_key = \"Team key\"")
    );
}

#[test]
fn upload_asks_names_workspace_and_host_and_never_sends_a_key_id_twice() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ws, p8) = team(dir.path(), "");
    // Two workspaces: which one must be said.
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "upload", "Team key", "--yes"],
    ));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("--org") && r.stderr.contains("Beta Studio (org-beta)"),
        "{}",
        r.stderr
    );
    // No terminal, no --yes: refused.
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "upload", "Team key", "--org", "org-beta"],
    ));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("no terminal"), "{}", r.stderr);
    assert!(writes(&stub).is_empty());
    let u = run(&mut cmd(
        &stub,
        &ws,
        &[
            "bitrise", "keys", "upload", "Team key", "--org", "org-beta", "--yes", "--now", NOW,
        ],
    ));
    assert_eq!(u.code, 0, "{}", u.all());
    assert!(
        u.stdout.contains(
            "uploaded API key Team key (TTTTTTTTTT) to Bitrise workspace Beta Studio (org-beta)"
        ),
        "{}",
        u.stdout
    );
    assert_eq!(
        stub.sent("POST")[0]["body"]["private_key"]["public_key_sha256"],
        public_sha256(&p8)
    );
    let again = run(&mut cmd(
        &stub,
        &ws,
        &[
            "bitrise", "keys", "upload", "Team key", "--org", "org-beta", "--yes",
        ],
    ));
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("already in"), "{}", again.stdout);
    assert_eq!(
        stub.sent("POST").len(),
        1,
        "an existing key ID is not sent again"
    );
    // A key already in Acme's workspace: its slug recorded, nothing sent.
    let found = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "upload", "CI key", "--org", "org-acme"],
    ));
    assert_eq!(
        found.code,
        0,
        "no question when nothing is sent: {}",
        found.all()
    );
    assert_eq!(stub.sent("POST").len(), 1);
    let saved = std::fs::read_to_string(&ws).unwrap();
    assert!(
        saved.contains(
            "org = \"org-beta\"\nslug = \"wcred-org-beta-1\"\nuploaded_at = 2026-12-07T10:00:00Z"
        ),
        "{saved}"
    );
    assert!(
        saved.contains("org = \"org-acme\"\nslug = \"wcred-acme-ci\"\n"),
        "{saved}"
    );
    // Unknown key or workspace: exit 2 before anything is read.
    let k = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "upload", "Nope", "--yes"],
    ));
    assert_eq!(k.code, 2);
    assert!(
        k.stderr.contains("it has: Team key, CI key"),
        "{}",
        k.stderr
    );
    let o = run(&mut cmd(
        &stub,
        &ws,
        &[
            "bitrise", "keys", "upload", "Team key", "--org", "org-zzz", "--yes",
        ],
    ));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("not in that Bitrise workspace"),
        "{}",
        o.stderr
    );
    // At a terminal: the question names the workspace and the host; "n" sends nothing.
    if have("script") {
        let up = run(&mut cmd(
            &stub,
            &ws,
            &["bitrise", "keys", "upload", "Team key", "--org", "org-acme"],
        ));
        let _ = up;
        let line = format!(
            "printf 'n\\n' | script -qec \"BITRISE_TEST_TOKEN={TOKEN} '{}' -c '{}' bitrise keys upload 'Team key' --org org-acme --api-url {}\" /dev/null",
            bin_path().display(),
            ws.display(),
            stub.url
        );
        let t = run(std::process::Command::new("sh").args(["-c", &line]));
        assert!(
            t.stdout
                .contains("to Bitrise workspace Acme Ltd (org-acme) at 127.0.0.1:"),
            "{}",
            t.all()
        );
        assert!(t.stdout.contains("nothing was sent"), "{}", t.all());
        assert_eq!(stub.sent("POST").len(), 1);
    }
    stub.assert_all_valid();
}

#[test]
fn keys_reads_every_workspace_beside_the_user_and_flags_an_issuer_mismatch() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "k.p8");
    let ws = signed_in_workspace(
        dir.path(),
        &format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{0}\" }}\n\n[[api_keys]]\nname = \"Beta's own\"\nkey_id = \"EEEEEEEEEE\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{0}\" }}\n",
            p8.display()
        ),
    );
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "--format", "json"],
    ));
    assert_eq!(r.code, 1, "{}", r.all());
    let v = json(&r.stdout);
    let rows = v["keys"].as_array().unwrap();
    assert_eq!(rows[0]["key_id"], "AAAAAAAAAA");
    assert_eq!(rows[0]["status"], "both");
    let places: Vec<String> = rows[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}:{}",
                l["where"].as_str().unwrap(),
                l["org"].as_str().or(l["user"].as_str()).unwrap()
            )
        })
        .collect();
    assert_eq!(places, ["workspace:org-acme", "user:u-alice01"]);
    assert_eq!(rows[1]["status"], "differs");
    assert_eq!(rows[1]["differences"], serde_json::json!(["issuer_id"]));
    let t = run(&mut cmd(&stub, &ws, &["bitrise", "keys"]));
    assert!(t.stdout.contains("has issuer ID 57246542-96fe-1a63-e053-0824d011072a here but 11111111-2222-3333-4444-555555555555 in workspace Beta Studio (org-beta)"), "{}", t.stdout);
    assert!(
        t.stdout
            .contains("workspace Acme Ltd (org-acme), user u-alice01"),
        "{}",
        t.stdout
    );
    // A workspace-only key says where in the web UI to delete it (the API names no key to delete).
    assert!(
        t.stdout.contains("Workspace settings → Integrations"),
        "{}",
        t.stdout
    );
    // --org: that workspace only, beside the user's own.
    let o = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "keys", "--org", "org-beta", "--format", "json"],
    ));
    assert!(
        !stub
            .calls()
            .iter()
            .rev()
            .take(3)
            .any(|c| c.contains("org-acme")),
        "{:?}",
        stub.calls()
    );
    assert!(
        json(&o.stdout)["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["key_id"] != "DDDDDDDDDD")
    );
    let d = run(&mut cmd(&stub, &ws, &["doctor", "--bitrise"]));
    assert!(
        d.stdout
            .contains("WARNING Bitrise: API key Beta's own (EEEEEEEEEE) has issuer ID"),
        "{}",
        d.stdout
    );
    stub.assert_all_valid();
}

#[test]
fn a_pulled_app_previews_a_warning_for_a_key_never_uploaded_until_push_uploads_it() {
    let Some(stub) = start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = team(dir.path(), "");
    let w = ws.to_str().unwrap();
    let r = run(&mut cmd(&stub, &ws, &["bitrise", "pull", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.all());
    // "Team key" is the workspace's, never uploaded; assigned here to a pulled app.
    let r = run(bin().args(["-c", w, "assign", "ios-shop", "--api-key", "Team key"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let preview = |extra: &[&str]| {
        let r = run(bin()
            .args(["-c", w, "preview", "--app", "ios-shop", "--now", NOW])
            .args(extra));
        assert!(r.code == 0 || r.code == 1, "{}", r.all());
        r
    };
    let r = preview(&["--format", "json"]);
    let v = json(&r.stdout);
    let warnings = v["apps"][0]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{v}");
    let said = warnings[0].as_str().unwrap();
    assert!(
        said.contains("'Team key' (TTTTTTTTTT)")
            && said.contains("the build on Bitrise will not have that key")
            && said.contains("apple-conn bitrise push"),
        "{said}"
    );
    let table = preview(&[]);
    assert!(
        table
            .stdout
            .contains("warning: API key 'Team key' (TTTTTTTTTT)"),
        "{}",
        table.stdout
    );
    // A local run uses no connection: nothing to warn of.
    let v = json(&preview(&["--format", "json", "--env", "local"]).stdout);
    assert_eq!(v["apps"][0]["warnings"], serde_json::json!([]));

    // The fix it names: push uploads the key and records it; the warning is gone.
    let r = run(&mut cmd(
        &stub,
        &ws,
        &["bitrise", "push", "--yes", "--now", NOW],
    ));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        stub.calls()
            .contains(&"POST /v0.1/organizations/org-acme/apple-api-credentials".to_string()),
        "{:?}",
        stub.calls()
    );
    let v = json(&preview(&["--format", "json"]).stdout);
    assert_eq!(v["apps"][0]["warnings"], serde_json::json!([]), "{v}");
    stub.assert_all_valid();
}
