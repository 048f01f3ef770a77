//! `include:` in bitrise.yml: the CLI's refusals with its own messages (checked against the
//! oracle when it is there), repository checkouts mapped by the workspace or `--repo-map`,
//! `--repo-root`, where each step comes from, and the TUI re-reading a changed included file.

mod common;
mod oracle_support;

use std::path::Path;

use apple_conn::bitrise::include::Options;
use apple_conn::bitrise::run::{self, OpenError};
use common::*;

fn files(dir: &Path, list: &[(&str, &str)]) {
    for (name, text) in list {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        write(&p, text);
    }
}

const WF: &str = "format_version: \"13\"\nworkflows:\n  ci:\n    steps:\n    - script@1: {}\n";

fn refusal(dir: &Path) -> String {
    match run::open(&dir.join("bitrise.yml")) {
        Ok(_) => panic!("{}: loaded, the CLI refuses it", dir.display()),
        Err(OpenError::Invalid(m)) | Err(OpenError::Unreadable(m)) => m,
    }
}

/// (case, files, where ours points, the CLI's message).
type Refusal = (
    &'static str,
    Vec<(String, String)>,
    &'static str,
    &'static str,
);

/// Each refusal: ours names the file and line and carries the CLI's message (configmerge at
/// 73c81497); with the oracle, the CLI's own run refuses with that message too.
#[test]
fn include_refusals_carry_the_clis_message_with_file_and_line() {
    let oracle = oracle_support::oracle();
    let mut cases: Vec<Refusal> = Vec::new();
    // Depth: bitrise.yml (1) -> d1 (2) -> … -> d5 (6).
    let mut depth = vec![(
        "bitrise.yml".to_string(),
        format!("include:\n- path: d1.yml\n{WF}"),
    )];
    for i in 1..=5 {
        depth.push((
            format!("d{i}.yml"),
            format!("include:\n- path: d{}.yml\n", i + 1),
        ));
    }
    depth.push(("d6.yml".into(), "app: {}\n".into()));
    cases.push((
        "depth",
        depth,
        "d4.yml:2:3: ",
        "max include depth (5) exceeded",
    ));
    let mut many = "include:\n".to_string();
    let mut list = Vec::new();
    for i in 0..35 {
        many += &format!("- path: m{i}.yml\n");
        list.push((format!("m{i}.yml"), "app: {}\n".to_string()));
    }
    list.push(("bitrise.yml".into(), format!("{many}{WF}")));
    cases.push((
        "files",
        list.clone(),
        "bitrise.yml:1:1: ",
        "max file count (35) exceeded",
    ));
    list.push(("m35.yml".into(), "app: {}\n".into()));
    list.retain(|(n, _)| n != "bitrise.yml");
    list.push(("bitrise.yml".into(), format!("{many}- path: m35.yml\n{WF}")));
    cases.push((
        "per file",
        list,
        "bitrise.yml:1:1: ",
        "max include count (35) exceeded",
    ));
    cases.push((
        "cycle",
        vec![
            (
                "bitrise.yml".into(),
                format!("include:\n- path: ci/a.yml\n{WF}"),
            ),
            ("ci/a.yml".into(), "include:\n- path: bitrise.yml\n".into()),
        ],
        "ci/a.yml:2:3: ",
        "circular reference detected: bitrise.yml -> ci/a.yml -> bitrise.yml",
    ));
    cases.push((
        "extension",
        vec![(
            "bitrise.yml".into(),
            format!("include:\n- path: ci/a.json\n{WF}"),
        )],
        "bitrise.yml:2:3: ",
        "invalid YML path in reference (ci/a.json): ci/a.json is not a yaml file",
    ));
    cases.push((
        "incomplete",
        vec![("bitrise.yml".into(), format!("include:\n- path: ci/a.yml\n  repository: shared\n{WF}"))],
        "bitrise.yml:2:3: ",
        "incomplete reference (repo:shared,ci/a.yml): repository specified without branch, tag or commit",
    ));
    cases.push((
        "commit",
        vec![(
            "bitrise.yml".into(),
            format!("include:\n- path: ci/a.yml\n  repository: shared\n  commit: abc\n{WF}"),
        )],
        "bitrise.yml:2:3: ",
        "invalid commit hash in reference (repo:shared,ci/a.yml@commit:abc): abc",
    ));
    cases.push((
        "size",
        vec![
            (
                "bitrise.yml".into(),
                format!("include:\n- path: big.yml\n{WF}"),
            ),
            (
                "big.yml".into(),
                format!("# {}\napp: {{}}\n", "x".repeat(1024 * 1024)),
            ),
        ],
        "bitrise.yml:2:3: ",
        "max file size (1048576 bytes) exceeded in file big.yml",
    ));
    cases.push((
        "missing path",
        vec![(
            "bitrise.yml".into(),
            format!("include:\n- repository: \"\"\n{WF}"),
        )],
        "bitrise.yml:2:3: ",
        "missing YML path in reference: ",
    ));
    for (name, list, at, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (f, t) in &list {
            files(dir.path(), &[(f.as_str(), t.as_str())]);
        }
        let ours = refusal(dir.path());
        assert!(ours.contains(message), "{name}: {ours}");
        let top = dir.path().display().to_string();
        let rel = ours.strip_prefix(&format!("{top}/")).unwrap_or(&ours);
        assert!(rel.starts_with(at), "{name}: where: {ours}");
        if let Some(o) = &oracle {
            let case = oracle_support::Case {
                label: name.into(),
                file: dir.path().join("bitrise.yml"),
                targets: vec!["ci".into()],
                opts: Options::default(),
                secrets: None,
                ci: true,
                pr: false,
            };
            let theirs = oracle_support::run_oracle(o, &case, &Default::default(), "ci")
                .expect_err("the CLI refuses too");
            assert!(
                theirs.contains(message.trim()),
                "{name}: the CLI says {theirs}"
            );
        }
    }
}

#[test]
fn merge_order_and_sources_match_the_cli() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bitrise/modular");
    let yml = run::open(&dir.join("bitrise.yml")).unwrap();
    let steps = run::expand_target(&yml, &run::Target::Workflow("release".into())).unwrap();
    let got: Vec<String> = steps
        .iter()
        .map(|s| {
            let file = s.file.rsplit("modular/").next().unwrap().to_string();
            format!(
                "{} {} {file}:{} {:?}",
                s.workflow,
                s.reference,
                s.line,
                s.inputs.values().collect::<Vec<_>>()
            )
        })
        .collect();
    // Included files first (depth-first, in list order), then the including file; the workflow
    // written in three files runs its steps in that order; the last app env wins.
    assert_eq!(
        got,
        [
            "_setup xcode-archive@5 ci/steps/archive.yml:5 [\"apple_id\"]",
            "_setup git-clone@8 ci/shared.yml:7 []",
            "release fastlane@3 ci/shared.yml:12 [\"apple_id\", \"beta\"]",
            "release deploy-to-itunesconnect-deliver@2 bitrise.yml:12 [\"apple_id\"]",
        ]
    );
    assert_eq!(
        yml.sources.len(),
        4,
        "every file read is watched: {:?}",
        yml.sources
    );
}

fn shared_repo(root: &Path) {
    files(
        root,
        &[
            (
                "app/bitrise.yml",
                "format_version: \"13\"\ninclude:\n- path: ci/deploy.yml\n  repository: shared-ci\n  branch: main\nworkflows:\n  release:\n    steps:\n    - script@1: {}\n",
            ),
            (
                "shared-ci/ci/deploy.yml",
                "include:\n- path: ci/auth.yml\nworkflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2:\n        inputs:\n        - connection: $CONN\n",
            ),
            (
                "shared-ci/ci/auth.yml",
                "app:\n  envs:\n  - CONN: api_key\n",
            ),
        ],
    );
}

#[test]
fn another_repository_comes_from_a_mapped_checkout_or_is_named_with_how_to_map_it() {
    let dir = tempfile::tempdir().unwrap();
    shared_repo(dir.path());
    let top = dir.path().join("app/bitrise.yml");
    let err = run::open(&top).unwrap_err().to_string();
    for part in [
        "app/bitrise.yml:3:3:",
        "`ci/deploy.yml` is included from repository `shared-ci` (branch main)",
        "[apps.bitrise_yml.repositories] \"shared-ci\" = \"../shared-ci\"",
        "--repo-map shared-ci=DIR",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    // Mapped by its URL: the nested include without `repository:` is read from the same checkout.
    let opts = Options {
        root: None,
        repositories: vec![(
            "https://github.com/org/shared-ci.git".into(),
            dir.path().join("shared-ci"),
        )],
    };
    let yml = run::open_with(&top, &opts).unwrap();
    let steps = run::expand_target(&yml, &run::Target::Workflow("release".into())).unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].inputs["connection"], "api_key");
    assert!(
        steps[0].source().ends_with("shared-ci/ci/deploy.yml:6"),
        "{}",
        steps[0].source()
    );

    // The binary: --repo-map on `bitrise workflows`, and the JSON names each step's source.
    let r = run(bin().args([
        "bitrise",
        "workflows",
        top.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 2, "unmapped: {}", r.all());
    assert!(
        r.stderr.contains("--repo-map shared-ci=DIR"),
        "{}",
        r.stderr
    );
    let map = format!("shared-ci={}", dir.path().join("shared-ci").display());
    let r = run(bin().args([
        "bitrise",
        "workflows",
        top.to_str().unwrap(),
        "--format",
        "json",
        "--repo-map",
        &map,
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let s = &v["workflows"]["release"][0];
    assert_eq!(s["ref"], "deploy-to-itunesconnect-deliver@2");
    assert!(
        s["file"]
            .as_str()
            .unwrap()
            .ends_with("shared-ci/ci/deploy.yml"),
        "{s}"
    );
    assert_eq!(s["line"], 6, "{s}");
    assert!(
        s.get("source").is_none(),
        "no auth here, so no `source`: {s}"
    );
    let r = run(bin().args([
        "bitrise",
        "workflows",
        top.to_str().unwrap(),
        "--repo-map",
        "nodir",
    ]));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("URL=DIR"), "{}", r.stderr);
}

#[test]
fn the_workspace_maps_root_and_repositories_and_preview_shows_sources() {
    let dir = tempfile::tempdir().unwrap();
    shared_repo(dir.path());
    // The top-level file lives in a sub-folder; includes resolve from the repository root.
    files(
        dir.path(),
        &[
            (
                "app/.bitrise/bitrise.yml",
                "format_version: \"13\"\ninclude:\n- path: ci/local.yml\n- path: ci/deploy.yml\n  repository: shared-ci\n  tag: v1\n",
            ),
            (
                "app/ci/local.yml",
                "workflows:\n  release:\n    steps:\n    - fastlane@3:\n        inputs:\n        - connection: $CONN\n",
            ),
        ],
    );
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ env = \"K\" }}\n\n[[apps]]\nslug = \"app\"\napi_key = \"CI key\"\n[apps.bitrise_yml]\npath = \"app/.bitrise/bitrise.yml\"\nroot = \"app\"\nworkflows = [\"release\"]\n[apps.bitrise_yml.repositories]\n\"shared-ci\" = \"shared-ci\"\n"
        ),
    );
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "preview", "--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let steps = v["apps"][0]["steps"].as_array().unwrap();
    let sources: Vec<String> = steps
        .iter()
        .map(|s| format!("{}:{}", s["file"].as_str().unwrap(), s["line"]))
        .collect();
    assert_eq!(steps.len(), 2, "{sources:?}");
    assert!(sources[0].ends_with("app/ci/local.yml:4"), "{sources:?}");
    assert!(
        sources[1].ends_with("shared-ci/ci/deploy.yml:6"),
        "{sources:?}"
    );
    // `source` stays the auth source (the README's contract), never a place in a file.
    for s in steps {
        assert!(
            s["source"].is_null() || s["source"] == "connection" || s["source"] == "step_inputs",
            "{s}"
        );
    }
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "check"]));
    assert_eq!(r.code, 0, "{}", r.all());
    // --repo-root on preview --bitrise-yml.
    let top = dir.path().join("app/.bitrise/bitrise.yml");
    let base = [
        "-c",
        ws.to_str().unwrap(),
        "preview",
        "--app",
        "app",
        "--bitrise-yml",
        top.to_str().unwrap(),
        "--workflow",
        "release",
    ];
    let r = run(bin().args(base));
    assert_eq!(
        r.code,
        2,
        "the include is not next to the file: {}",
        r.all()
    );
    let root = dir.path().join("app");
    let r = run(bin()
        .args(base)
        .args(["--repo-root", root.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("ci/local.yml:4"),
        "text output names the source: {}",
        r.stdout
    );
}

#[test]
fn the_tui_reads_the_config_again_when_an_included_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    files(
        dir.path(),
        &[
            (
                "bitrise.yml",
                "format_version: \"13\"\ninclude:\n- path: ci/shared.yml\n",
            ),
            (
                "ci/shared.yml",
                "workflows:\n  release:\n    steps:\n    - script@1: {}\n",
            ),
        ],
    );
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        "version = 1\nyou = \"a@example.com\"\n\n[[apps]]\nslug = \"app\"\n[apps.bitrise_yml]\npath = \"bitrise.yml\"\nworkflows = [\"release\"]\n",
    );
    let loaded = apple_conn::store::load(&ws).unwrap();
    let files_read = apple_conn::tui::bitrise_files::load_all(&loaded);
    assert!(apple_conn::tui::bitrise_files::changed(&loaded, &files_read).is_empty());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let shared = dir.path().join("ci/shared.yml");
    write(
        &shared,
        "workflows:\n  release:\n    steps:\n    - script@1: {}\n    - fastlane@3: {}\n",
    );
    // Make the change visible even on a file system with coarse modification times.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    std::fs::File::options()
        .write(true)
        .open(&shared)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let changed = apple_conn::tui::bitrise_files::changed(&loaded, &files_read);
    assert_eq!(changed.len(), 1, "the included file changed");
    let yml = changed[0].1.yml.as_ref().unwrap();
    assert_eq!(yml.workflows["release"].steps.len(), 2);
}
