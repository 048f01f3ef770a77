//! The JSON contract. docs/schemas/ is what the output types generate (`UPDATE_SCHEMAS=1 cargo
//! test --test json_schemas` rewrites it), and the real binary's `--format json` output for every
//! fixture and sample validates against its schema with Python's `jsonschema`, an independent
//! validator. Outputs broken on purpose (a renamed field, `source` holding `file:line`, a missing
//! `schema_version`, an unknown outcome) must fail it: the schemas are strict enough to notice.

mod bitrise_stub;
mod common;
mod signing_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const NOW: &str = "2026-11-24T12:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_dir() -> PathBuf {
    root().join("docs/schemas")
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    let dir = schema_dir();
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let registry = apple_conn::headless::schemas::registry();
    let mut stale = Vec::new();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (name, schema) in &registry {
        let path = dir.join(format!("{name}.schema.json"));
        let fresh = apple_conn::headless::schemas::render(schema);
        if update {
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(name.to_string());
        }
    }
    // A schema whose output is no longer registered is stale too.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(name) = file.strip_suffix(".schema.json") else {
            continue;
        };
        if !registry.iter().any(|(n, _)| *n == name) {
            if update {
                std::fs::remove_file(&path).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/schemas/ differs from the output types for {stale:?}: run `UPDATE_SCHEMAS=1 cargo test --test json_schemas` and review the diff"
    );
}

#[test]
fn every_schema_pins_schema_version_and_closes_its_objects() {
    for (name, schema) in apple_conn::headless::schemas::registry() {
        let v = schema.as_value();
        let text = v.to_string();
        assert!(
            text.contains("\"schema_version\""),
            "{name}: no schema_version"
        );
        assert!(
            text.contains("\"additionalProperties\":false"),
            "{name}: objects are open"
        );
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
    }
}

/// The Python with `jsonschema` (CI's venv).
fn python() -> Option<String> {
    let candidates = [
        std::env::var("APPLE_CONN_TEST_PYTHON").ok(),
        Some(format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR"))),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import jsonschema"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

/// Outputs to validate: (schema name, label, JSON text).
#[derive(Default)]
struct Outputs(Vec<(String, String, String)>);

impl Outputs {
    /// Runs `cmd`, which must exit with one of `codes` and print JSON on stdout.
    fn take(&mut self, schema: &str, label: &str, cmd: &mut Command, codes: &[i32]) -> Value {
        let r = run(cmd);
        assert!(
            codes.contains(&r.code),
            "{label}: exit {} not in {codes:?}\n{}",
            r.code,
            r.all()
        );
        let doc: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{label}: not JSON ({e}):\n{}", r.all()));
        self.0
            .push((schema.to_string(), label.to_string(), r.stdout.clone()));
        doc
    }

    /// `take`, but a file that cannot be read at all (exit 2) prints a message and no JSON.
    fn take_readable(&mut self, schema: &str, label: &str, cmd: &mut Command) -> Option<Value> {
        let r = run(cmd);
        if r.code == 2 && r.stdout.is_empty() {
            assert!(r.stderr.starts_with("error: "), "{label}: {}", r.all());
            return None;
        }
        assert!(
            [0, 1].contains(&r.code),
            "{label}: exit {}\n{}",
            r.code,
            r.all()
        );
        let doc: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{label}: not JSON ({e}):\n{}", r.all()));
        self.0
            .push((schema.to_string(), label.to_string(), r.stdout.clone()));
        Some(doc)
    }

    fn push(&mut self, schema: &str, label: &str, doc: &Value) {
        self.0
            .push((schema.to_string(), label.to_string(), doc.to_string()));
    }

    /// Runs the validator over them: its stdout lists the outputs it judged wrongly.
    fn validate(&self, py: &str, dir: &Path, expect_invalid: bool) -> (bool, String) {
        let manifest = dir.join(if expect_invalid {
            "broken.tsv"
        } else {
            "manifest.tsv"
        });
        let mut lines = String::new();
        for (i, (schema, label, text)) in self.0.iter().enumerate() {
            let file = dir.join(format!("{}-{i}.json", u8::from(expect_invalid)));
            std::fs::write(&file, text).unwrap();
            lines.push_str(&format!("{schema}\t{}\t{label}\n", file.display()));
        }
        std::fs::write(&manifest, lines).unwrap();
        let mut cmd = Command::new(py);
        cmd.arg(root().join("tests/json_schemas/validate.py"))
            .arg(schema_dir())
            .arg(&manifest);
        if expect_invalid {
            cmd.arg("--expect-invalid");
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

fn c(ws: &Path) -> Command {
    let mut cmd = bin();
    cmd.arg("-c").arg(ws);
    cmd
}

fn samples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let shared = root().join("../shared/reference/bitrise-yml-samples");
    if let Ok(dir) = std::fs::read_dir(&shared) {
        files.extend(
            dir.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "yml")),
        );
    }
    for f in [
        "bundles.yml",
        "chains.yml",
        "pipelines.yml",
        "pipeline_run_if.yml",
        "modular/bitrise.yml",
    ] {
        files.push(root().join("tests/fixtures/bitrise").join(f));
    }
    files.sort();
    files
}

/// The non-utility workflows and the pipelines of a file, from `bitrise workflows`' own JSON.
fn runnable(doc: &Value) -> (Vec<String>, Vec<String>) {
    let keys = |k: &str| -> Vec<String> {
        doc[k]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let workflows = keys("workflows")
        .into_iter()
        .filter(|w| !w.starts_with('_'))
        .collect();
    (workflows, keys("pipelines"))
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

#[test]
fn every_json_output_validates_against_its_schema() {
    let Some(py) = python() else {
        require(false, "Python with PyPI jsonschema (CI's .venv)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut outs = Outputs::default();

    // The embedded demo workspace.
    for (schema, args) in [
        ("preview", vec!["preview"]),
        ("check", vec!["check"]),
        ("doctor", vec!["doctor"]),
        ("list", vec!["list"]),
        ("list", vec!["list", "apps"]),
        ("list", vec!["list", "connections"]),
    ] {
        let mut cmd = bin();
        cmd.arg("--demo").args(&args).args(["--format", "json"]);
        if schema != "list" {
            cmd.args(["--now", NOW]);
        }
        outs.take(
            schema,
            &format!("--demo {}", args.join(" ")),
            &mut cmd,
            &[0, 1, 2, 3],
        );
    }

    // The workspace fixtures, valid and invalid.
    let mut fixtures: Vec<PathBuf> = ["valid", "invalid"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join("tests/fixtures").join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    for ws in &fixtures {
        let name = ws.file_name().unwrap().to_string_lossy().to_string();
        let checked = outs.take_readable(
            "check",
            &format!("check {name}"),
            c(ws).args(["check", "--format", "json", "--now", NOW]),
        );
        outs.take(
            "doctor",
            &format!("doctor {name}"),
            c(ws).args(["doctor", "--format", "json", "--now", NOW]),
            &[0, 1, 2, 3],
        );
        let r = run(c(ws).args(["list", "--format", "json"]));
        if r.code == 0 {
            outs.take(
                "list",
                &format!("list {name}"),
                c(ws).args(["list", "--format", "json"]),
                &[0],
            );
        }
        // `preview` refuses a workspace with errors (a message, no JSON).
        if checked.is_some_and(|c| c["errors"] == 0) {
            for env in ["bitrise", "local", "public-pr"] {
                outs.take(
                    "preview",
                    &format!("preview {name} --env {env}"),
                    c(ws).args(["preview", "--format", "json", "--now", NOW, "--env", env]),
                    &[0, 1],
                );
            }
        }
    }
    let shop = root().join("tests/fixtures/valid/shop.toml");
    for step in [
        "deploy-to-itunesconnect-deliver",
        "fastlane",
        "xcode-build-for-test",
    ] {
        outs.take(
            "env",
            &format!("env shop {step}"),
            c(&shop)
                .args([
                    "env", "--app", "shop-ios", "--step", step, "--format", "json",
                ])
                .args(["--now", NOW]),
            &[0],
        );
    }
    outs.take(
        "test",
        "test alice@example.com",
        c(&shop).args([
            "test",
            "alice@example.com",
            "--format",
            "json",
            "--now",
            NOW,
        ]),
        &[0, 1],
    );
    outs.take(
        "doctor",
        "doctor with a bad --now (unknown)",
        c(&shop).args(["doctor", "--format", "json", "--now", "yesterday"]),
        &[3],
    );

    // Every bitrise.yml sample and fixture: `bitrise workflows`, `preview --bitrise-yml` of each
    // run, and one workspace whose apps take their steps from them (plus two broken apps).
    let mut apps = String::new();
    for (i, file) in samples().iter().enumerate() {
        let label = file.file_name().unwrap().to_string_lossy().to_string();
        let doc = outs.take(
            "bitrise-workflows",
            &format!("bitrise workflows {label}"),
            bin()
                .args(["bitrise", "workflows"])
                .arg(file)
                .args(["--format", "json"]),
            &[0],
        );
        let (workflows, pipelines) = runnable(&doc);
        apps.push_str(&format!(
            "\n[[apps]]\nslug = \"app-{i}\"\napi_key = \"CI key\"\napple_id = \"alice@example.com\"\n[apps.bitrise_yml]\npath = {:?}\nworkflows = {}\n",
            file.display().to_string(),
            toml_list(&workflows)
        ));
        if let Some(p) = pipelines.first() {
            apps.push_str(&format!("pipeline = {p:?}\n"));
        }
        let _ = (&workflows, &pipelines);
    }
    let key = openssl_p256(dir.path(), "AuthKey_2X9R4HXF34.p8");
    let head = format!(
        "version = 1\nyou = \"alice@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"2X9R4HXF34\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = {:?} }}\n\n[[apple_ids]]\napple_id = \"alice@example.com\"\npassword = {{ env = \"APPLE_PASSWORD\" }}\nauthenticated_at = 2026-11-01T09:30:00Z\n",
        key.display().to_string()
    );
    let files_ws = dir.path().join("files.toml");
    write(&files_ws, &format!("{head}{apps}"));
    let doc = outs.take(
        "preview",
        "preview of every sample as apps",
        c(&files_ws).args(["preview", "--format", "json", "--now", NOW]),
        &[0],
    );
    // Each step of each file: `env` of the first occurrence, and the runs one by one.
    for app in doc["apps"].as_array().unwrap() {
        let slug = app["slug"].as_str().unwrap();
        let Some(step) = app["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["outcome"] != "skipped")
        else {
            continue;
        };
        outs.take(
            "env",
            &format!("env {slug} {}", step["step"]),
            c(&files_ws)
                .args([
                    "env",
                    "--app",
                    slug,
                    "--step",
                    step["step"].as_str().unwrap(),
                ])
                .args(["--format", "json", "--now", NOW]),
            &[0],
        );
    }
    for (i, file) in samples().iter().enumerate() {
        let r = run(bin()
            .args(["bitrise", "workflows"])
            .arg(file)
            .args(["--format", "json"]));
        let (workflows, pipelines) = runnable(&serde_json::from_str(&r.stdout).unwrap());
        let runs = workflows
            .iter()
            .map(|w| ("--workflow", w))
            .chain(pipelines.iter().map(|p| ("--pipeline", p)));
        for (flag, id) in runs {
            outs.take(
                "preview",
                &format!("preview --bitrise-yml {} {flag} {id}", file.display()),
                c(&files_ws)
                    .args(["preview", "--app", &format!("app-{i}"), "--bitrise-yml"])
                    .arg(file)
                    .args([flag, id, "--format", "json", "--now", NOW]),
                &[0],
            );
        }
    }
    outs.take(
        "check",
        "check of every sample as apps",
        c(&files_ws).args(["check", "--format", "json", "--now", NOW]),
        &[0, 1],
    );
    outs.take(
        "doctor",
        "doctor of every sample as apps",
        c(&files_ws).args(["doctor", "--format", "json", "--now", NOW]),
        &[0, 1, 2, 3],
    );
    // Two broken apps among good ones: each carries its `error`, the rest are previewed.
    let broken_yml = dir.path().join("broken.yml");
    write(
        &broken_yml,
        "format_version: \"13\"\nworkflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2: {\n",
    );
    let broken = dir.path().join("broken.toml");
    write(
        &broken,
        &format!(
            "{head}{apps}\n[[apps]]\nslug = \"missing\"\n[apps.bitrise_yml]\npath = \"nowhere/bitrise.yml\"\nworkflows = [\"release\"]\n\n[[apps]]\nslug = \"bad-yaml\"\n[apps.bitrise_yml]\npath = {:?}\nworkflows = [\"release\"]\n",
            broken_yml.display().to_string()
        ),
    );
    let doc = outs.take(
        "preview",
        "preview with two broken apps",
        c(&broken).args(["preview", "--format", "json", "--now", NOW]),
        &[1],
    );
    let errors: Vec<&Value> = doc["apps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("error").is_some())
        .collect();
    assert_eq!(errors.len(), 2, "{doc:#}");

    // A token minted by `apple-conn token`, inspected with and without its key.
    let token = run(c(&files_ws).args(["token", "CI key", "--now", NOW]));
    assert_eq!(token.code, 0, "{}", token.all());
    for (label, extra) in [
        ("jwt inspect --key", vec!["--key", "CI key"]),
        ("jwt inspect", vec![]),
    ] {
        let mut cmd = c(&files_ws);
        cmd.args(["jwt", "inspect", "--format", "json", "--now", NOW])
            .args(&extra)
            .arg(token.stdout.trim());
        outs.take("jwt-inspect", label, &mut cmd, &[0, 1]);
    }
    outs.take(
        "jwt-inspect",
        "jwt inspect of an expired token",
        c(&files_ws)
            .args([
                "jwt",
                "inspect",
                "--format",
                "json",
                "--now",
                "2026-12-24T12:00:00Z",
            ])
            .arg(token.stdout.trim()),
        &[1],
    );

    // The Bitrise account commands, against the loopback stand-in.
    if let Some(stub) = bitrise_stub::start(&[]) {
        let keys = format!(
            "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"AAAAAAAAAA\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = {:?} }}\n",
            key.display().to_string()
        );
        let ws = bitrise_stub::signed_in_workspace(dir.path(), &keys);
        let stub_cmd = |args: &[&str]| bitrise_stub::cmd(&stub, &ws, args);
        outs.take(
            "bitrise-apps",
            "bitrise apps",
            &mut stub_cmd(&["bitrise", "apps", "--format", "json"]),
            &[0],
        );
        outs.take(
            "bitrise-keys",
            "bitrise keys",
            &mut stub_cmd(&["bitrise", "keys", "--format", "json"]),
            &[0, 1],
        );
        outs.take(
            "bitrise-pull",
            "bitrise pull",
            &mut stub_cmd(&["bitrise", "pull", "--format", "json", "--now", NOW]),
            &[0, 1],
        );
    }

    signing_outputs(&mut outs, dir.path());
    push_outputs(&mut outs, dir.path());

    // Every schema in docs/schemas/ is met by at least one real output.
    let unexercised: Vec<&str> = apple_conn::headless::schemas::registry()
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !outs.0.iter().any(|(schema, _, _)| schema == name))
        // Signing files are made by openssl: on a laptop without it (never in CI) none are.
        .filter(|name| *name != "signing" || have("openssl"))
        .collect();
    assert!(
        unexercised.is_empty(),
        "no real output validated against {unexercised:?}: add one to this test"
    );

    let (ok, said) = outs.validate(&py, dir.path(), false);
    assert!(ok, "outputs that do not match their schema:\n{said}");
    eprintln!("{said}");

    // The same schemas refuse outputs broken on purpose.
    let mut broken = Outputs::default();
    let preview: Value = serde_json::from_str(
        &outs
            .0
            .iter()
            .find(|(_, l, _)| l == "preview of every sample as apps")
            .unwrap()
            .2,
    )
    .unwrap();
    let mutate = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut d = preview.clone();
        let app = d["apps"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|a| !a["steps"].as_array().unwrap().is_empty())
            .unwrap();
        f(app["steps"][0].as_object_mut().unwrap());
        d
    };
    let renamed = mutate(&|s| {
        let v = s.remove("source").unwrap();
        s.insert("auth_source".into(), v);
    });
    broken.push("preview", "`source` renamed", &renamed);
    broken.push(
        "preview",
        "`source` holding file:line",
        &mutate(&|s| {
            s.insert("source".into(), "ci/shared.yml:14".into());
        }),
    );
    broken.push(
        "preview",
        "`outcome` unknown",
        &mutate(&|s| {
            s.insert("outcome".into(), "maybe".into());
        }),
    );
    broken.push(
        "preview",
        "`file` dropped from a bitrise.yml step",
        &mutate(&|s| {
            s.remove("file");
        }),
    );
    let mut no_version = preview.clone();
    no_version.as_object_mut().unwrap().remove("schema_version");
    broken.push("preview", "no schema_version", &no_version);
    let mut version_2 = preview.clone();
    version_2["schema_version"] = 2.into();
    broken.push("preview", "schema_version 2", &version_2);
    broken_signing_and_push(&outs, &mut broken);
    let (ok, said) = broken.validate(&py, dir.path(), true);
    assert!(ok, "the schemas accept broken outputs:\n{said}");
}

/// `signing --format json` as it really runs: local files fine and expired, an unknown app, and
/// the uploads on the Bitrise stand-in held against the App Store Connect stand-in (fine, and
/// Apple rate-limiting); `doctor --signing` beside them.
fn signing_outputs(outs: &mut Outputs, dir: &Path) {
    use signing_support::setup::*;
    if !require(have("openssl"), "openssl") {
        return;
    }
    let now = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    let local = dir.join("signing-local");
    std::fs::create_dir(&local).unwrap();
    let ws = local_workspace(&local, 200, "");
    for (label, days, codes) in [
        ("signing of local files", 0, &[0][..]),
        ("signing of local files, expired", 400, &[2][..]),
    ] {
        outs.take(
            "signing",
            label,
            c(&ws)
                .args(["signing", "--format", "json", "--now", &now(days)])
                .env("DIST_P12_PW", "dist-pw-77"),
            codes,
        );
    }
    outs.take(
        "doctor",
        "doctor --signing of expired local files",
        c(&ws)
            .args([
                "doctor",
                "--signing",
                "--format",
                "json",
                "--now",
                &now(400),
            ])
            .env("DIST_P12_PW", "dist-pw-77"),
        &[2],
    );
    outs.take(
        "signing",
        "signing of an unknown app",
        c(&ws).args(["signing", "--app", "nope", "--format", "json"]),
        &[3],
    );
    for (mode, code) in [("ok", 2), ("429", 3)] {
        let live = dir.join(format!("signing-live-{mode}"));
        std::fs::create_dir(&live).unwrap();
        let (ws, bitrise_manifest, asc_manifest) = live_setup(&live, mode);
        let Some(bitrise) = signing_support::stubs::start(
            "bitrise_signing.py",
            &[bitrise_manifest.to_str().unwrap()],
        ) else {
            return;
        };
        let Some(asc) =
            signing_support::stubs::start("asc_stub.py", &[asc_manifest.to_str().unwrap()])
        else {
            return;
        };
        let r = signing_live(&ws, &bitrise, &asc, &[]);
        assert_eq!(
            r.code,
            code,
            "signing --bitrise --apple ({mode}): {}",
            r.all()
        );
        let doc: Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
        outs.push(
            "signing",
            &format!("signing --bitrise --apple (Apple: {mode})"),
            &doc,
        );
        bitrise.assert_all_valid();
        asc.assert_all_valid();
    }
}

/// `bitrise push --format json` against the Bitrise stand-in: the plan, the plan applied (one app
/// failing with Bitrise's message), the run after it, and a plan refused before any request.
fn push_outputs(outs: &mut Outputs, dir: &Path) {
    use bitrise_stub::{cmd, pulled, team};
    let Some(stub) = bitrise_stub::start(&["--fault", "PATCH /apps/oss-app=400"]) else {
        return;
    };
    let push = dir.join("push");
    std::fs::create_dir(&push).unwrap();
    let apps = [
        pulled(
            "ios-shop",
            "Shop iOS",
            "api_key = \"Team key\"\napple_id = \"bob@icloud.example\"",
        ),
        pulled("oss-app", "Open source", "api_key = \"CI key\""),
        pulled("repo-app", "Kept in its repository", ""),
    ]
    .concat();
    let (ws, _) = team(&push, &apps);
    for (label, args, codes) in [
        ("bitrise push --dry-run", vec!["--dry-run"], &[0][..]),
        (
            "bitrise push --yes (one app fails)",
            vec!["--yes"],
            &[1][..],
        ),
        (
            "bitrise push --dry-run after it",
            vec!["--dry-run"],
            &[0][..],
        ),
    ] {
        let mut c = cmd(
            &stub,
            &ws,
            &["bitrise", "push", "--format", "json", "--now", NOW],
        );
        c.args(&args);
        outs.take("bitrise-push", label, &mut c, codes);
    }
    // An Apple ID whose owner is no member of the Bitrise workspace: refused, nothing sent.
    let refused_dir = dir.join("push-refused");
    std::fs::create_dir(&refused_dir).unwrap();
    let (refused, _) = team(
        &refused_dir,
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
    let doc = outs.take(
        "bitrise-push",
        "bitrise push --dry-run refused",
        &mut cmd(
            &stub,
            &refused,
            &[
                "bitrise",
                "push",
                "--dry-run",
                "--format",
                "json",
                "--now",
                NOW,
            ],
        ),
        &[2],
    );
    assert!(!doc["refusals"].as_array().unwrap().is_empty(), "{doc}");
    stub.assert_all_valid();
}

/// A document of each of these outputs broken the way a careless change would break it.
fn broken_signing_and_push(outs: &Outputs, broken: &mut Outputs) {
    let real = |schema: &str, pick: &dyn Fn(&Value) -> bool| -> Option<Value> {
        outs.0
            .iter()
            .filter(|(s, _, _)| s == schema)
            .map(|(_, _, text)| serde_json::from_str::<Value>(text).unwrap())
            .find(|d| pick(d))
    };
    let with_finding = |d: &Value| {
        d["apps"][0]["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
            && d["apps"][0]["files"]
                .as_array()
                .is_some_and(|f| !f.is_empty())
    };
    if let Some(signing) = real("signing", &with_finding) {
        let mut d = signing.clone();
        let f = d["apps"][0]["findings"][0].as_object_mut().unwrap();
        let code = f.remove("code").unwrap();
        f.insert("kind".into(), code);
        broken.push("signing", "a finding's `code` renamed", &d);
        let mut d = signing.clone();
        d["apps"][0]["files"][0]["from"] = "icloud".into();
        broken.push("signing", "a file `from` nowhere known", &d);
        let mut d = signing.clone();
        d["status"] = "fine".into();
        broken.push("signing", "`status` unknown", &d);
        let mut d = signing;
        d.as_object_mut().unwrap().remove("schema_version");
        broken.push("signing", "signing without schema_version", &d);
    }
    let with_plan = |d: &Value| d["plan"].as_array().is_some_and(|p| !p.is_empty());
    if let Some(push) = real("bitrise-push", &with_plan) {
        let mut d = push.clone();
        let item = d["plan"][0].as_object_mut().unwrap();
        let action = item.remove("action").unwrap();
        item.insert("kind".into(), action);
        broken.push("bitrise-push", "a plan item's `action` renamed", &d);
        let mut d = push.clone();
        d["plan"][0]["action"] = "delete_key".into();
        broken.push("bitrise-push", "an `action` unknown", &d);
        let mut d = push.clone();
        d["unchanged"] = "none".into();
        broken.push("bitrise-push", "`unchanged` not a count", &d);
        let mut d = push;
        d.as_object_mut().unwrap().remove("refusals");
        broken.push("bitrise-push", "`refusals` dropped", &d);
    }
    for schema in ["signing", "bitrise-push"] {
        if schema == "signing" && !have("openssl") {
            continue;
        }
        assert!(
            broken.0.iter().any(|(s, _, _)| s == schema),
            "no broken {schema} document: its real outputs were missing"
        );
    }
}
