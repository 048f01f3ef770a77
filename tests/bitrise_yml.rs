//! bitrise.yml: expansion rules on hand-written fixtures, the CLI's error messages, the 15 real
//! samples, the preview of a workflow with the app's connections, and the portal-data export.

mod common;

use std::path::Path;

use apple_conn::bitrise::expand::{expand_pipeline, expand_workflow};
use apple_conn::bitrise::load::load;
use common::*;

fn refs(yml: &str, workflow: &str) -> Vec<String> {
    let y = load("t.yml", yml).unwrap();
    expand_workflow(&y, workflow)
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.workflow, e.reference))
        .collect()
}

fn error(yml: &str, workflow: &str) -> String {
    match load("t.yml", yml) {
        Err(e) => e.to_string(),
        Ok(y) => match expand_workflow(&y, workflow) {
            Err(e) => e.to_string(),
            Ok(_) => match apple_conn::bitrise::expand::validate(&y) {
                Err(e) => e.to_string(),
                Ok(()) => String::new(),
            },
        },
    }
}

const CHAINS: &str = r#"
format_version: "13"
workflows:
  main:
    before_run: [setup, lint]
    steps:
    - deploy-to-itunesconnect-deliver@2: {}
    after_run: [notify]
  setup:
    steps:
    - git-clone: {}
  lint:
    before_run: [setup]
    steps:
    - script: {}
  notify:
  _util:
    steps:
    - script@1: {}
"#;

#[test]
fn chains_run_before_self_after_without_dedup() {
    assert_eq!(
        refs(CHAINS, "main"),
        [
            "setup:git-clone",
            "setup:git-clone",
            "lint:script",
            "main:deploy-to-itunesconnect-deliver@2"
        ],
        "the diamond runs setup twice"
    );
}

#[test]
fn the_clis_own_error_messages() {
    let cases = [
        ("workflows: {a: {}}", "a", "missing format_version"),
        (
            "format_version: 11\nworkflows:\n  a:\n    before_run: [b]\n  b:\n    before_run: [a]\n",
            "a",
            "workflow reference cycle found: a -> b -> a",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    before_run: [nope]\n",
            "a",
            "workflow does not exist with name nope",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    after_run: [nope]\n",
            "a",
            "Workflow does not exist with name nope",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    steps:\n    - script:\n      inputs:\n      - content: x\n",
            "a",
            "StepListItem contains more than 1 key-value pair",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    steps:\n    - {}\n",
            "a",
            "StepListItem does not contain a key-value pair",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    steps:\n    - bundle::missing: {}\n",
            "a",
            "step bundle (missing) referenced in workflow (a), but this step-bundle is not defined",
        ),
        (
            "format_version: 11\nstep_bundles:\n  b:\n    steps:\n    - with:\n        steps: []\nworkflows:\n  a: {}\n",
            "a",
            "'with group' is not allowed in a step bundle",
        ),
        (
            "format_version: 11\nstep_bundles:\n  b:\n    inputs:\n    - x: 1\nworkflows:\n  a:\n    steps:\n    - bundle::b:\n        inputs:\n        - y: 2\n",
            "a",
            "input (y) is not defined in the step bundle definition",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    before_run: b\n",
            "a",
            "cannot unmarshal !!str `b` into []string",
        ),
        (
            "format_version: 11\nworkflows:\n  a:\n    steps:\n    - script:\n        inputs:\n        - a: 1\n          b: 2\n",
            "a",
            "more than 1 environment key specified: [a b]",
        ),
        (
            "format_version: 99\nworkflows: {}\n",
            "a",
            "higher format version",
        ),
    ];
    for (yml, wf, expected) in cases {
        let e = error(yml, wf);
        assert!(e.contains(expected), "expected {expected:?}, got {e:?}");
        assert!(e.starts_with("t.yml:"), "file and line: {e}");
    }
    // Positions point at the offending line.
    let e = error(
        "format_version: 11\nworkflows:\n  a:\n    steps:\n    - {}\n",
        "a",
    );
    assert!(e.starts_with("t.yml:5:"), "{e}");
}

#[test]
fn bundles_with_groups_envs_and_yaml_1_1_values() {
    let yml = r#"
format_version: "13"
app:
  envs:
  - CONN: api_key
  - ISSUER: app-issuer
step_bundles:
  upload:
    inputs:
    - mode: automatic
    steps:
    - deploy-to-itunesconnect-deliver@2:
        inputs:
        - connection: $mode
        - api_issuer: $ISSUER
workflows:
  release:
    envs:
    - ISSUER: workflow-issuer
    steps:
    - with:
        container: x
        steps:
        - fastlane:
            inputs:
            - connection: off
            - conection: api_key
            - api_key_path: $BITRISEIO_KEY_URL
    - bundle::upload:
        inputs:
        - mode: "off"
    - bundle::upload: {}
"#;
    let y = load("t.yml", yml).unwrap();
    let steps = expand_workflow(&y, "release").unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[0].inputs["connection"], "false",
        "unquoted off is a boolean"
    );
    assert_eq!(
        steps[0].inputs["api_key_path"], "$BITRISEIO_KEY_URL",
        "unknown vars are set at build time"
    );
    assert_eq!(
        steps[1].inputs["connection"], "off",
        "bundle input override"
    );
    assert_eq!(
        steps[1].inputs["api_issuer"], "workflow-issuer",
        "the workflow's env wins over the app's"
    );
    assert_eq!(steps[2].inputs["connection"], "automatic", "bundle default");
    assert_eq!(steps[1].bundle.as_deref(), Some("upload"));
}

#[test]
fn both_pipeline_kinds_expand_workflow_by_workflow() {
    let yml = r#"
format_version: "13"
workflows:
  build:
    steps:
    - xcode-archive@6: {}
  deploy:
    steps:
    - deploy-to-itunesconnect-deliver@2: {}
  _helper:
    steps:
    - script: {}
pipelines:
  graph:
    workflows:
      build: {}
      deploy_eu: { uses: deploy, depends_on: [build] }
  staged:
    stages:
    - s1: {}
  bad:
    workflows:
      _helper: {}
stages:
  s1:
    workflows:
    - deploy: {}
"#;
    let y = load("t.yml", yml).unwrap();
    let g: Vec<String> = expand_pipeline(&y, "graph")
        .unwrap()
        .into_iter()
        .map(|e| e.reference)
        .collect();
    assert_eq!(g, ["xcode-archive@6", "deploy-to-itunesconnect-deliver@2"]);
    let s: Vec<String> = expand_pipeline(&y, "staged")
        .unwrap()
        .into_iter()
        .map(|e| e.workflow)
        .collect();
    assert_eq!(s, ["deploy"]);
    assert!(
        expand_pipeline(&y, "bad")
            .unwrap_err()
            .to_string()
            .contains("is a utility workflow")
    );
}

/// The 15 real files: every workflow loads; selected workflows expand to the steps read by hand.
#[test]
fn the_real_samples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/bitrise-yml-samples");
    if !dir.exists() {
        // The samples sit beside the repository (in CI too); a bare clone elsewhere has none.
        eprintln!("skipped: {} does not exist", dir.display());
        return;
    }
    let expected: &[(&str, &str, &[&str])] = &[
        (
            "10-netguru-picguard-swift.yml",
            "internal",
            &[
                "carthage",
                "xcode-test",
                "xcode-test-mac",
                "deploy-to-bitrise-io",
                "git::git@github.com:netguru/bitrise-step-slack.git@master",
            ],
        ),
        (
            "10-netguru-picguard-swift.yml",
            "external",
            &[
                "carthage",
                "xcode-test",
                "xcode-test-mac",
                "deploy-to-bitrise-io",
            ],
        ),
        (
            "09-tramlinehq-ueno.yml",
            "deploy",
            &[
                "activate-ssh-key@4",
                "git-clone@7",
                "certificate-and-profile-installer@1",
                "flutter-installer@0",
                "cache-pull@2",
                "manage-ios-code-signing@1",
                "flutter-build@0",
                "cache-push@2",
                "xcode-archive@4",
                "deploy-to-itunesconnect-deliver@2",
                "deploy-to-bitrise-io@2",
            ],
        ),
        (
            "12-bitrise-io-bitrise-step-bundles.yml",
            "test_step_bundle_inputs",
            &["script"],
        ),
        ("14-bitrise-io-bitrise-stages.yml", "code_push", &[]),
    ];
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let y = load(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"));
        apple_conn::bitrise::expand::validate(&y).unwrap_or_else(|e| panic!("{e}"));
        let r = run(bin().args([
            "bitrise",
            "workflows",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]));
        assert_eq!(r.code, 0, "{}", r.all());
    }
    assert_eq!(files, 15);
    for (file, wf, steps) in expected {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let y = load(file, &text).unwrap();
        let got: Vec<String> = expand_workflow(&y, wf)
            .unwrap()
            .into_iter()
            .map(|e| e.reference)
            .collect();
        assert_eq!(got, *steps, "{file} {wf}");
    }
    let text = std::fs::read_to_string(dir.join("12-bitrise-io-bitrise-step-bundles.yml")).unwrap();
    let y = load("12", &text).unwrap();
    assert_eq!(
        expand_workflow(&y, "test_step_bundle_inputs").unwrap()[0].inputs["content"],
        "echo \"Hello Bitrise!\""
    );
}

fn preview_workspace(dir: &Path) -> std::path::PathBuf {
    let ws = dir.join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ env = \"K\" }}\n\n[[apps]]\nslug = \"app\"\napi_key = \"CI key\"\n"
        ),
    );
    ws
}

#[test]
fn preview_a_workflow_with_the_apps_connections() {
    let dir = tempfile::tempdir().unwrap();
    let ws = preview_workspace(dir.path());
    let yml = dir.path().join("bitrise.yml");
    write(
        &yml,
        "format_version: \"13\"\nworkflows:\n  release:\n    steps:\n    - git-clone@8: {}\n    - path::./: {}\n    - fastlane@3:\n        inputs:\n        - connection: off\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - bundle_id: com.example.app\n        - conection: api_key\n    - xcode-archive@4:\n        inputs:\n        - automatic_code_signing: api-key\n",
    );
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "preview",
        "--app",
        "app",
        "--bitrise-yml",
        yml.to_str().unwrap(),
        "--workflow",
        "release",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let steps = v["apps"][0]["steps"].as_array().unwrap();
    assert_eq!(
        steps.len(),
        5,
        "every step of the run appears, so indices match the build"
    );
    assert_eq!(steps[0]["outcome"], "skipped");
    assert_eq!(steps[0]["workflow"], "release");
    assert_eq!(steps[0]["ref"], "git-clone@8");
    assert_eq!(steps[0]["line"], 5);
    assert_eq!(steps[1]["outcome"], "skipped");
    assert!(
        steps[1]["messages"][0]
            .as_str()
            .unwrap()
            .contains("map it in the workspace"),
        "{}",
        steps[1]
    );
    assert_eq!(
        steps[2]["outcome"], "fail",
        "unquoted off reaches fastlane as false"
    );
    assert!(steps[2]["messages"].to_string().contains("quote it"));
    assert_eq!(steps[3]["outcome"], "warning");
    assert!(
        steps[3]["messages"]
            .to_string()
            .contains("deploy-to-itunesconnect-deliver ignores `conection`: not one of its inputs"),
        "{}",
        steps[3]
    );
    assert_eq!(steps[3]["identity"], "CI key (ABCDE12345)");
    // xcode-archive@4 runs 4.8.1, the newest 4.x the StepLib publishes: no version warning.
    assert!(
        !steps[4]["messages"].to_string().contains("newer than"),
        "{}",
        steps[4]
    );
    let bad = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "preview",
        "--app",
        "app",
        "--bitrise-yml",
        yml.to_str().unwrap(),
        "--workflow",
        "nope",
    ]));
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("use one of release"), "{}", bad.stderr);
}

#[test]
fn portal_data_has_the_steps_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n\n[[apple_ids]]\napple_id = \"a@example.com\"\npassword = {{ env = \"PD_PW\" }}\n\n[[apps]]\nslug = \"app\"\napi_key = \"CI key\"\napple_id = \"a@example.com\"\n",
            p8.display()
        ),
    );
    let out = dir.path().join("portal.json");
    let r = run(bin().env("PD_PW", "pw").args([
        "-c",
        ws.to_str().unwrap(),
        "export",
        "bitrise-portal-data",
        "--app",
        "app",
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("BITRISE_BUILD_URL=file://"),
        "{}",
        r.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for field in [
        "apple_id",
        "password",
        "app_specific_password",
        "connection_expiry_date",
        "session_cookies",
        "key_id",
        "issuer_id",
        "private_key",
        "is_enterprise_account",
        "test_devices",
    ] {
        assert!(v.get(field).is_some(), "{field} missing: {v}");
    }
    assert!(
        v["session_cookies"]
            .get("https://idmsa.apple.com")
            .is_some()
    );
    assert!(
        v["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
}

#[test]
fn an_app_can_take_its_steps_from_a_bitrise_yml() {
    let dir = tempfile::tempdir().unwrap();
    let ws = preview_workspace(dir.path());
    write(
        &dir.path().join("bitrise.yml"),
        "format_version: \"13\"\nworkflows:\n  release:\n    before_run: [_setup]\n    steps:\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - bundle_id: com.example.app\n  _setup:\n    steps:\n    - git::https://github.com/org/steps-deliver.git@main:\n        inputs:\n        - bundle_id: com.example.app\n",
    );
    let mut text = std::fs::read_to_string(&ws).unwrap();
    text.push_str("\n[apps.bitrise_yml]\npath = \"bitrise.yml\"\nworkflows = [\"release\"]\n[apps.bitrise_yml.map]\n\"git::https://github.com/org/steps-deliver.git@main\" = \"deploy-to-itunesconnect-deliver\"\n");
    write(&ws, &text);
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "preview", "--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let steps = v["apps"][0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["workflow"], "_setup");
    assert_eq!(
        steps[0]["step"], "deploy-to-itunesconnect-deliver",
        "the map names the git step"
    );
    assert_eq!(steps[0]["outcome"], "ok");
    assert_eq!(steps[1]["ref"], "deploy-to-itunesconnect-deliver@2");
    // A workflow that is not in the file is a check error.
    write(
        &ws,
        &text.replace("workflows = [\"release\"]", "workflows = [\"nope\"]"),
    );
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("does not exist with name nope") || r.stdout.contains("nope"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_reads_the_steps_of_a_bitrise_yml_like_workspace_steps() {
    let dir = tempfile::tempdir().unwrap();
    let ws = preview_workspace(dir.path());
    // Reached twice (release runs _deliver before and after): reported once, at the step's line.
    write(
        &dir.path().join("bitrise.yml"),
        "format_version: \"13\"\nworkflows:\n  release:\n    before_run: [_deliver]\n    after_run: [_deliver]\n  _deliver:\n    steps:\n    - deploy-to-itunesconnect-deliver@3:\n        inputs:\n        - connection: off\n        - conection: api_key\n",
    );
    let mut text = std::fs::read_to_string(&ws).unwrap();
    text.push_str("\n[apps.bitrise_yml]\npath = \"bitrise.yml\"\nworkflows = [\"release\"]\n");
    write(&ws, &text);
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 1, "{}", r.all());
    let yml = dir.path().join("bitrise.yml").display().to_string();
    let lines: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with(&yml)).collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines.iter().all(|l| l.starts_with(&format!("{yml}:8: "))),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("error: app `app`: deploy-to-itunesconnect-deliver does not accept connection = \"false\""), "{}", r.stdout);
    assert!(r.stdout.contains("warning: app `app`: deploy-to-itunesconnect-deliver ignores `conection`: not one of its inputs at 2.23.0 (did you mean `connection`?)"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("deploy-to-itunesconnect-deliver@3 is newer than the newest version apple-conn knows (2.23.0)"),
        "{}",
        r.stdout
    );
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["severity"] == "error")
        .unwrap()
        .clone();
    assert_eq!(p["file"], yml.as_str());
    assert_eq!(p["line"], 8);
    assert_eq!(p["path"], "apps[0].bitrise_yml");
}

/// The catalog's input lists, checked against every input the 15 real files pass to a modelled
/// step: each one is declared, except the pre-v4 xcode-archive names the current step ignores.
#[test]
fn the_catalog_declares_every_input_the_real_samples_use() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/bitrise-yml-samples");
    if !dir.exists() {
        eprintln!("skipped: {} does not exist", dir.display());
        return;
    }
    let catalog = apple_conn::domain::catalog::Catalog::builtin().unwrap();
    let mut undeclared = std::collections::BTreeSet::new();
    let mut checked = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
    {
        let y = load(
            &path.display().to_string(),
            &std::fs::read_to_string(path).unwrap(),
        )
        .unwrap();
        for id in y.workflows.keys() {
            for e in expand_workflow(&y, id).unwrap() {
                let Some(step) = e.step.step_id().and_then(|s| catalog.step(s)) else {
                    continue;
                };
                for k in e.inputs.keys() {
                    checked += 1;
                    if !step.declares_input(k) {
                        undeclared.insert(format!("{}.{k}", step.id));
                    }
                }
            }
        }
    }
    assert!(
        checked > 40,
        "only {checked} inputs of modelled steps in the samples"
    );
    // xcode-archive 4.0 renamed these (export_method → distribution_method, output_tool →
    // log_formatter, …); the samples that pass them run an unpinned, current xcode-archive.
    let renamed_in_v4 = [
        "xcode-archive.custom_export_options_plist_content",
        "xcode-archive.export_method",
        "xcode-archive.force_team_id",
        "xcode-archive.output_tool",
        "xcode-archive.team_id",
    ];
    assert_eq!(
        undeclared.iter().map(String::as_str).collect::<Vec<_>>(),
        renamed_in_v4,
        "inputs the real files use that the catalog does not declare"
    );
}
