//! Issue 31 through the real binary: storage settled before Apple is asked (the sign-in
//! stand-in counts requests), workspace discovery, `add app --repo-map`, completions driven in
//! bash and fish, help that fits the terminal, a manual without missing pages.

mod common;
mod signin_stub;

use std::path::Path;

use common::*;
use signin_stub::*;

/// Requests the stand-in received, its own `/stats` left out.
fn requests(stub: &Stub) -> usize {
    stats(stub)["requests"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|r| r["path"] != "/stats").count())
}

fn add_apple_id(stub: &Stub, ws: &Path, extra: &[&str]) -> Run {
    run(bin()
        .env("TEST_PW", "pw-trusted")
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args(["--apple-id", "trusted@example.com"])
        .args(["--apple-auth-url", &stub.url, "--code", "123456"])
        .args(extra))
}

#[test]
fn without_a_keyring_nothing_is_sent_to_apple_unless_the_result_can_be_kept() {
    let Some(stub) = stub(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let original = std::fs::read_to_string(&ws).unwrap();
    let session = dir.path().join("trusted.session");
    let session_arg = session.to_str().unwrap();
    let missing = dir.path().join("no/such/folder/s.session");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // The default store without a keyring, and a password that cannot be referenced.
        (
            vec!["--password-from", "stdin"],
            "Pass --password-from env:VAR|file:PATH",
        ),
        (
            vec!["--password-from", "env:TEST_PW", "--store", "keyring"],
            "no OS keyring is reachable",
        ),
        (
            vec![
                "--password-from",
                "stdin",
                "--store",
                "reference",
                "--session-file",
                session_arg,
            ],
            "give --password-from env:VAR or file:PATH",
        ),
        (
            vec![
                "--password-from",
                "env:TEST_PW",
                "--session-file",
                missing.to_str().unwrap(),
            ],
            "does not exist",
        ),
    ];
    for (args, says) in cases {
        let r = add_apple_id(&stub, &ws, &args);
        assert_ne!(r.code, 0, "{args:?}: {}", r.all());
        assert!(r.stderr.contains(says), "{args:?}: {says}: {}", r.stderr);
        assert_eq!(
            requests(&stub),
            0,
            "{args:?}: Apple was asked though nothing could be kept"
        );
        assert_eq!(std::fs::read_to_string(&ws).unwrap(), original);
    }

    // A wrong code from stdin is said once (it was said twice: before the end and as the error).
    let codes = dir.path().join("codes");
    write(&codes, "000000\n");
    let r = run(bin()
        .env("TEST_PW", "pw-trusted")
        .stdin(std::fs::File::open(&codes).unwrap())
        .args(["-c", ws.to_str().unwrap(), "add", "apple-id"])
        .args([
            "--apple-id",
            "trusted@example.com",
            "--password-from",
            "env:TEST_PW",
        ])
        .args(["--session-file", session_arg, "--code-from", "stdin"])
        .args(["--apple-auth-url", &stub.url]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert_eq!(
        r.stderr.matches("verification code is wrong").count(),
        1,
        "{}",
        r.stderr
    );

    // The TUI's choice: references, said in one line that names the files written; the
    // session next to the workspace, named by the Apple ID, as the TUI's empty field does.
    let r = add_apple_id(&stub, &ws, &["--password-from", "env:TEST_PW"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let warning = r
        .stderr
        .lines()
        .find(|l| l.starts_with("warning: no OS keyring is reachable, so --store reference"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    let file = "trusted@example.com.session.json";
    assert!(
        warning.contains("env:TEST_PW") && warning.contains(file),
        "{warning}"
    );
    assert!(dir.path().join(file).exists());
    assert!(!session.exists(), "the failed sign-ins wrote nothing");
    let text = std::fs::read_to_string(&ws).unwrap();
    // Relative to the workspace, as the TUI writes it.
    assert!(
        text.contains(&format!("session = {{ path = \"{file}\" }}")),
        "{text}"
    );
    assert!(text.contains("password = { env = \"TEST_PW\" }"), "{text}");
}

#[test]
fn add_api_key_and_bitrise_login_fall_back_or_refuse_before_reading_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let key = |extra: &[&str]| {
        run(bin()
            .args([
                "-c",
                ws.to_str().unwrap(),
                "add",
                "api-key",
                "--name",
                "CI key",
            ])
            .args(["--key-id", "ABCDE12345"])
            .args(["--issuer-id", "69a6de70-03db-47e3-e053-5b8c7c11a4d1"])
            .args(extra))
    };
    // Piped in and no keyring: refused before stdin is read, naming the flags that fix it.
    let r = key(&["--p8", "stdin"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("no OS keyring is reachable")
            && r.stderr.contains("--store reference with --p8 PATH"),
        "{}",
        r.stderr
    );
    // A file: kept as a reference, said in one line.
    let r = key(&["--p8", p8.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains(
            "warning: no OS keyring is reachable, so --store reference: the workspace keeps AuthKey_ABCDE12345.p8"
        ),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(
        text.contains("private_key = { path = \"AuthKey_ABCDE12345.p8\" }"),
        "{text}"
    );

    // bitrise login: the token is not read and Bitrise (a closed port here) is not asked.
    let r = run(bin()
        .args(["-c", ws.to_str().unwrap(), "bitrise", "login"])
        .args([
            "--token-from",
            "stdin",
            "--api-url",
            "http://127.0.0.1:9/v0.1",
        ]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("no OS keyring is reachable")
            && r.stderr.contains("--token-from env:VAR or file:PATH"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_workspace_is_found_as_git_finds_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("config");
    std::fs::create_dir_all(home.join("apple-conn")).unwrap();
    let default = home.join("apple-conn/workspace.toml");
    write(
        &default,
        "version = 1\nyou = \"me@example.com\"\n[[apps]]\nslug = \"from-default\"\n",
    );
    let project = dir.path().join("project");
    let deep = project.join("ios/App");
    std::fs::create_dir_all(&deep).unwrap();
    let list = |cwd: &Path, env: Option<&Path>, extra: &[&str]| {
        let mut cmd = bin();
        cmd.env("XDG_CONFIG_HOME", &home)
            .env_remove("APPLE_CONN_CONFIG")
            .current_dir(cwd)
            .args(extra)
            .args(["list", "apps", "--format", "json"]);
        if let Some(e) = env {
            cmd.env("APPLE_CONN_CONFIG", e);
        }
        run(&mut cmd)
    };
    // Only the default: used, nothing said.
    let r = list(&deep, None, &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("from-default"), "{}", r.stdout);
    assert_eq!(r.stderr, "");

    // `init --here` makes the project's file; from a subfolder it is the one used, and said.
    let r = run(bin()
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("APPLE_CONN_CONFIG")
        .current_dir(&project)
        .args(["init", "--here", "--you", "me@example.com"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let here = project.join("apple-conn.toml");
    assert!(here.exists(), "{}", r.all());
    run(bin()
        .args(["-c", here.to_str().unwrap(), "add", "app", "from-project"])
        .current_dir(&project));
    let r = list(&deep, None, &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("from-project") && !r.stdout.contains("from-default"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("using workspace")
            && r.stderr.contains(here.to_str().unwrap())
            && r.stderr.contains(default.to_str().unwrap()),
        "both candidates named: {}",
        r.stderr
    );

    // APPLE_CONN_CONFIG over the folder's file; -c over both, with nothing to say.
    let r = list(&deep, Some(&default), &[]);
    assert!(r.stdout.contains("from-default"), "{}", r.all());
    assert!(r.stderr.contains("from APPLE_CONN_CONFIG"), "{}", r.stderr);
    let r = list(&deep, Some(&default), &["-c", here.to_str().unwrap()]);
    assert!(r.stdout.contains("from-project"), "{}", r.all());
    assert_eq!(r.stderr, "");

    // The hidden spelling is found too; a second `init --here` refuses to overwrite.
    std::fs::rename(&here, project.join(".apple-conn.toml")).unwrap();
    let r = list(&deep, None, &[]);
    assert!(r.stdout.contains("from-project"), "{}", r.all());
    let r = run(bin()
        .env("XDG_CONFIG_HOME", &home)
        .current_dir(&deep)
        .args(["init", "--here", "--you", "me@example.com"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(deep.join("apple-conn.toml").exists());
    let again = run(bin()
        .env("XDG_CONFIG_HOME", &home)
        .current_dir(&deep)
        .args(["init", "--here", "--you", "me@example.com"]));
    assert_ne!(again.code, 0, "{}", again.all());
}

#[test]
fn add_app_takes_repo_map_and_repo_root_and_saves_them() {
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    for (file, text) in [
        (
            "app/bitrise.yml",
            "format_version: \"13\"\ninclude:\n- path: ci/deploy.yml\n  repository: shared-ci\n  branch: main\nworkflows:\n  release:\n    steps:\n    - script@1: {}\n",
        ),
        (
            "shared-ci/ci/deploy.yml",
            "workflows:\n  release:\n    steps:\n    - deploy-to-itunesconnect-deliver@2: {}\n",
        ),
    ] {
        let p = dir.path().join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        write(&p, text);
    }
    let add = |extra: &[&str]| {
        run(bin()
            .args(["-c", ws.to_str().unwrap(), "add", "app", "modular"])
            .args([
                "--bitrise-yml",
                dir.path().join("app/bitrise.yml").to_str().unwrap(),
            ])
            .args(["--workflow", "release"])
            .args(extra))
    };
    let r = add(&[]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("--repo-map shared-ci=DIR"),
        "{}",
        r.stderr
    );
    let map = format!("shared-ci={}", dir.path().join("shared-ci").display());
    let root = dir.path().join("app");
    let r = add(&["--repo-map", &map, "--repo-root", root.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(text.contains("root = \"app\""), "{text}");
    assert!(
        text.contains("repositories = { shared-ci = \"shared-ci\" }"),
        "{text}"
    );
    // The saved mapping is used: the preview reads the included step.
    let r = run(bin()
        .args(["-c", ws.to_str().unwrap(), "preview", "--app", "modular"])
        .args(["--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("deploy-to-itunesconnect-deliver"),
        "{}",
        r.stdout
    );

    let r = run(bin()
        .args(["-c", ws.to_str().unwrap(), "add", "app", "plain"])
        .args(["--repo-map", &map]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("add --bitrise-yml PATH"), "{}", r.stderr);
}

/// A workspace with names to complete, and the generated script for `shell`.
fn completion_setup(dir: &Path, shell: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let ws = dir.join("apple-conn.toml");
    write(
        &ws,
        "version = 1\nyou = \"me@example.com\"\n[[api_keys]]\nname = \"CI Key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"69a6de70-03db-47e3-e053-5b8c7c11a4d1\"\nprivate_key = { env = \"P8\" }\n[[apple_ids]]\napple_id = \"ann@example.com\"\npassword = { env = \"PW\" }\n[[apps]]\nslug = \"shop-ios\"\n[[apps]]\nslug = \"shop-watch\"\n[[apps]]\nslug = \"news\"\n",
    );
    let r = run(bin().args(["completions", shell]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let script = dir.join(format!("apple-conn.{shell}"));
    write(&script, &r.stdout);
    (ws, script)
}

/// What bash's completion offers for `line` (the last word may be empty), as a user's Tab would.
fn bash_complete(script: &Path, cwd: &Path, line: &str) -> Vec<String> {
    let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
    words[0] = bin_path().display().to_string();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let full = words.join(" ");
    let script = format!(
        ". '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{full}'\nCOMP_POINT={}\nf=$(complete -p apple-conn | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')\n$f '{}' '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        full.len(),
        words[0],
        words.last().unwrap(),
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &script])
        .current_dir(cwd)
        .env_remove("APPLE_CONN_CONFIG")
        .env("XDG_CONFIG_HOME", cwd.join("no-config"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_subcommands_flags_values_and_the_workspaces_names() {
    if !require(have("bash"), "bash") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_ws, script) = completion_setup(dir.path(), "bash");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        !text.contains("apple__subcmd__conn"),
        "the dead branches' spelling is gone"
    );
    let at = dir.path();
    let has = |line: &str, want: &[&str]| {
        let got = bash_complete(&script, at, line);
        for w in want {
            assert!(got.iter().any(|g| g == w), "`{line}` offers {w}: {got:?}");
        }
        got
    };
    has("apple-conn li", &["list"]);
    has("apple-conn add ", &["api-key", "apple-id", "app"]);
    has(
        "apple-conn add api-key --",
        &["--p8", "--store", "--from-fastlane-json"],
    );
    has(
        "apple-conn add api-key --store ",
        &["keyring", "reference", "vault"],
    );
    has(
        "apple-conn preview --env ",
        &["bitrise", "local", "public-pr"],
    );
    has("apple-conn doctor --format ", &["text", "json"]);
    has(
        "apple-conn session ",
        &["export", "import", "check", "refresh"],
    );
    // The workspace's own names, from the file found where the shell stands.
    let got = has("apple-conn assign shop", &["shop-ios", "shop-watch"]);
    assert!(!got.iter().any(|g| g == "news"), "{got:?}");
    has("apple-conn assign news --api-key ", &["CI Key"]);
    has("apple-conn assign news --apple-id ", &["ann@example.com"]);
    has("apple-conn preview --app n", &["news"]);
    has("apple-conn remove app ", &["shop-ios", "news"]);
    has("apple-conn test ", &["CI Key", "ann@example.com"]);
    has("apple-conn session export ", &["ann@example.com"]);
    let other = at.join("other");
    std::fs::create_dir_all(&other).unwrap();
    write(
        &other.join("w.toml"),
        "version = 1\nyou = \"me@example.com\"\n[[apps]]\nslug = \"elsewhere\"\n",
    );
    has("apple-conn -c other/w.toml token ", &[]);
    has("apple-conn -c other/w.toml assign ", &["elsewhere"]);
}

#[test]
fn fish_completes_the_same_through_complete_c() {
    if !require(have("fish"), "fish") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_ws, script) = completion_setup(dir.path(), "fish");
    let path = format!(
        "{}:{}",
        bin_path().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fish = |line: &str| -> Vec<String> {
        let out = std::process::Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!(
                "source '{}'; complete -C '{line}'",
                script.display()
            ))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env_remove("APPLE_CONN_CONFIG")
            .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect()
    };
    for (line, want) in [
        ("apple-conn ", vec!["preview", "list", "assign"]),
        ("apple-conn add api-key --st", vec!["--store"]),
        (
            "apple-conn preview --env ",
            vec!["bitrise", "local", "public-pr"],
        ),
        ("apple-conn assign ", vec!["shop-ios", "news"]),
        ("apple-conn assign news --api-key ", vec!["CI Key"]),
        ("apple-conn remove apple-id ", vec!["ann@example.com"]),
    ] {
        let got = fish(line);
        for w in want {
            assert!(got.iter().any(|g| g == w), "`{line}` offers {w}: {got:?}");
        }
    }
    if have("zsh") {
        let (_, z) = completion_setup(dir.path(), "zsh");
        let out = std::process::Command::new("zsh")
            .args(["-n", z.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "zsh reads its script: {out:?}");
    }
}

#[test]
fn help_fits_the_terminal_and_shows_the_options_that_apply() {
    for (cols, args) in [
        (80, vec!["--help"]),
        (80, vec!["add", "apple-id", "--help"]),
        (60, vec!["doctor", "--help"]),
        (100, vec!["preview", "--help"]),
    ] {
        let r = run(bin().env("COLUMNS", cols.to_string()).args(&args));
        assert_eq!(r.code, 0, "{}", r.all());
        let widest = r.stdout.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= cols, "{args:?} at {cols}: {widest}\n{}", r.stdout);
    }
    let help = |args: &[&str]| run(bin().env("COLUMNS", "200").args(args)).stdout;
    for sub in ["completions", "man"] {
        let h = help(&[sub, "--help"]);
        for absent in ["--demo", "--vault-addr", "--config"] {
            assert!(!h.contains(absent), "{sub} --help shows {absent}:\n{h}");
        }
    }
    assert!(help(&["preview", "--help"]).contains("--demo"));
    assert!(!help(&["add", "api-key", "--help"]).contains("--demo"));
    assert!(help(&["add", "api-key", "--help"]).contains("--config"));
    assert!(
        help(&["bitrise", "--help"])
            .lines()
            .next()
            .unwrap()
            .contains("pull")
    );
    // `-c` still works after the subcommand, where users type it.
    let dir = tempfile::tempdir().unwrap();
    let ws = base_workspace(dir.path());
    let r = run(bin().args(["list", "-c", ws.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.all());

    let man = run(bin().arg("man")).stdout;
    assert!(
        !man.contains("(1)"),
        "no references to pages that do not exist"
    );
    assert!(man.contains("APPLE\\-CONN ADD APP") && man.contains(".SH SUBCOMMANDS"));
}

#[test]
fn assign_suggests_the_name_meant_and_list_says_no_apps_once() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("w.toml");
    write(
        &ws,
        "version = 1\nyou = \"me@example.com\"\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"69a6de70-03db-47e3-e053-5b8c7c11a4d1\"\nprivate_key = { env = \"P8\" }\n",
    );
    let r = run(bin().args(["-c", ws.to_str().unwrap(), "list"]));
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        r.all().matches("apple-conn add app SLUG").count(),
        1,
        "{}",
        r.all()
    );
    run(bin().args(["-c", ws.to_str().unwrap(), "add", "app", "shop"]));
    let r = run(bin()
        .args(["-c", ws.to_str().unwrap(), "assign", "shop"])
        .args(["--api-key", "CI Key"]));
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("did you mean `CI key`?"), "{}", r.stderr);
}
