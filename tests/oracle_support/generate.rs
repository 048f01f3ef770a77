//! Random bitrise.yml configs from a seed (the same seed, the same files): chains with repeated
//! `before_run`, app and workflow envs that set auth inputs (`connection: $CONN`), `is_expand:
//! false`, `skip_if_empty`/`unset`, nested bundles with definition and use-site inputs, `with`
//! groups, `include:` (nested, same-named workflows in several files), pipelines in both forms,
//! version pins, YAML 1.1 scalars and os.Expand corner cases; and (issue 28) `run_if` of every
//! form (run modes, build status, `enveq`/`getenv`/`envcontain`, `not`/`and`/`or`, `eq` with
//! several values, `if`/`else`, bundle definition and use-site `run_if`, an empty `run_if: ""`,
//! errors), YAML 1.1 numbers (`0118567412`, `01234567`, `8437529E12`) and `!!str`, anchors and
//! merge keys, `is_template` inputs, forward references, `path::` steps with their own step.yml,
//! duplicated input keys, a `bitrise.json` config, a `.bitrise.secrets.yml` given with `-i`, and
//! `--ci`/`--pr` run modes.

use std::fmt::Write as _;
use std::path::Path;

use super::Case;

/// splitmix64: small, seedable, the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const STEPS: &[&str] = &[
    "deploy-to-itunesconnect-deliver@2",
    "deploy-to-itunesconnect-deliver@2.19",
    "deploy-to-itunesconnect-deliver@2.19.0",
    "xcode-archive@5",
    "xcode-archive",
    "script@1",
    "fastlane@3",
    "ios-auto-provision-appstoreconnect@2",
    "manage-ios-code-signing@2",
    "https://github.com/bitrise-io/bitrise-steplib.git::script@1",
    "::script@1.1",
    "git::https://github.com/bitrise-steplib/steps-fastlane.git@master",
    "git::git@github.com:org/step.git@main",
    "path::./steps/local",
    "script@",
];

const INPUTS: &[&str] = &[
    "connection",
    "api_key_path",
    "api_issuer",
    "verbose",
    "lane",
];

const ENV_NAMES: &[&str] = &["A", "B", "CONN", "connection", "API_KEY_URL", "I1", "LATER"];

/// YAML texts of values, as written in a file.
const VALUES: &[&str] = &[
    "$CONN",
    "\"$CONN\"",
    "api_key",
    "apple_id",
    "\"off\"",
    "off",
    "yes",
    "0755",
    "1.10",
    "\"1.10\"",
    "\"${CONN}-x\"",
    "\"$SECRET_KEY\"",
    "\"prefix-$A-$B\"",
    "\"$A$B\"",
    "\"$$\"",
    "\"$1x\"",
    "\"x$\"",
    "\"${\"",
    "\"${}\"",
    "\"$-\"",
    "\"\"",
    "~",
    "\"a b\"",
    "$API_KEY_URL",
    "\"$connection\"",
    "\"$I1\"",
    "\"$BITRISE_TRIGGERED_WORKFLOW_ID\"",
    "\"${BITRISE_TRIGGERED_WORKFLOW_TITLE}\"",
    "\"$BITRISE_BUILD_STATUS\"",
    "\"$STEPLIB_BUILD_STATUS\"",
    "\"café $A\"",
    "12",
    "true",
    "Y",
    "On",
    "0118567412",
    "01234567",
    "8437529E12",
    "!!str off",
    "!!str 0118567412",
    "1234567.0",
    "\"$LATER\"",
    "\"$LATER/AuthKey.p8\"",
    "\"$SECRET_KEY\"",
];

/// `run_if`s as users write them (and as the CLI refuses some).
const RUN_IFS: &[&str] = &[
    "'{{.IsCI}}'",
    ".IsCI",
    ".IsPR",
    "'not .IsPR'",
    "false",
    "true",
    "'\"\"'",
    "\"\"",
    ".IsBuildOK",
    ".IsBuildFailed",
    "'{{enveq \"A\" \"1\"}}'",
    "'{{enveq \"A\" \"true\"}}'",
    "'enveq \"CONN\" \"api_key\"'",
    "'getenv \"A\"'",
    "'envcontain \"B\" \"a\"'",
    "'and .IsCI (enveq \"A\" \"1\")'",
    "'or .IsPR (enveq \"I1\" \"yes\")'",
    "'eq (getenv \"A\") \"1\" \"true\" \"12\"'",
    "'ne (getenv \"B\") \"\"'",
    "'{{if .IsCI}}true{{else}}false{{end}}'",
    "'{{if enveq \"I1\" \"true\"}}yes{{else}}no{{end}}'",
    "'enveq \"BITRISE_TRIGGERED_WORKFLOW_ID\" \"w0\"'",
    "'enveq \"BITRISE_BUILD_STATUS\" \"0\"'",
    "'enveq \"I1\" \"1.1\"'",
    "'enveq \"connection\" \"api_key\"'",
    "'enveq \"LATER\" \"\"'",
    "'getenv \"SECRET_KEY\"'",
    "'{{- .IsCI -}}'",
    "no",
    "'$A'",
    "'eq .IsCI \"true\"'",
    "'not'",
];

struct Gen<'a> {
    r: &'a mut Rng,
    /// A `with` group was written (the CLI refuses containers nothing uses).
    with_used: bool,
    /// Step anchors written so far in the current file (`&s0`), for merge keys.
    anchors: Vec<String>,
    next_anchor: usize,
}

impl Gen<'_> {
    fn value(&mut self) -> String {
        if self.r.chance(8) {
            return self
                .r
                .pick(&[
                    "'{{getenv \"A\"}}'",
                    "'{{if .IsCI}}api_key{{else}}off{{end}}'",
                    "'{{.IsPR}}-{{getenv \"CONN\"}}'",
                    "'{{enveq \"B\" \"x\"}}'",
                ])
                .to_string();
        }
        self.r.pick(VALUES).to_string()
    }

    fn run_if(&mut self) -> String {
        self.r.pick(RUN_IFS).to_string()
    }

    fn opts(&mut self, value: &str, out: &mut String, indent: &str) {
        let _ = match self.r.below(14) {
            5 => writeln!(out, "{indent}  opts:\n{indent}    is_template: true"),
            0 | 1 => writeln!(out, "{indent}  opts:\n{indent}    is_expand: false"),
            2 if value == "\"\"" || value == "~" => {
                writeln!(out, "{indent}  opts:\n{indent}    skip_if_empty: true")
            }
            3 => writeln!(out, "{indent}  opts: {{is_expand: no}}"),
            4 => writeln!(out, "{indent}  opts:\n{indent}    unset: true"),
            _ => Ok(()),
        };
    }

    /// An env list (`envs`, `inputs`) at `indent`.
    fn env_list(&mut self, names: &[&str], n: usize, out: &mut String, indent: &str) {
        for _ in 0..n {
            let name = self.r.pick(names).to_string();
            let v = self.value();
            let _ = writeln!(out, "{indent}- {name}: {v}");
            self.opts(&v, out, indent);
        }
    }

    fn step(&mut self, out: &mut String, indent: &str) {
        let s = self.r.pick(STEPS).to_string();
        // yaml.v2 merge keys: an earlier step's map (run_if, inputs) under this one.
        if !self.anchors.is_empty() && self.r.chance(15) {
            let a = self.r.pick(&self.anchors).clone();
            let _ = writeln!(out, "{indent}- {s}:");
            if self.r.chance(50) {
                let _ = writeln!(out, "{indent}    <<: *{a}");
                if self.r.chance(50) {
                    let _ = writeln!(out, "{indent}    run_if: {}", self.run_if());
                }
            } else {
                let _ = writeln!(out, "{indent}    run_if: {}", self.run_if());
                let _ = writeln!(out, "{indent}    <<: *{a}");
            }
            return;
        }
        if self.r.chance(15) {
            let a = format!("s{}", self.next_anchor);
            self.next_anchor += 1;
            let _ = writeln!(out, "{indent}- {s}: &{a}");
            self.anchors.push(a);
        } else {
            let _ = writeln!(out, "{indent}- {s}:");
        }
        if self.r.chance(35) {
            let _ = writeln!(out, "{indent}    run_if: {}", self.run_if());
        }
        if self.r.chance(10) {
            let _ = writeln!(out, "{indent}    is_always_run: true");
        }
        let n = self.r.below(4);
        if n > 0 {
            let _ = writeln!(out, "{indent}    inputs:");
            self.env_list(INPUTS, n, out, &format!("{indent}    "));
        } else if self.r.chance(20) {
            // Always at least one key, so an anchor never names an empty value.
            let _ = writeln!(out, "{indent}    title: t");
        }
    }

    fn items(&mut self, bundles: &[String], allow_with: bool, out: &mut String, indent: &str) {
        for _ in 0..self.r.below(4) {
            match self.r.below(10) {
                0 | 1 if !bundles.is_empty() => {
                    let b = self.r.pick(bundles).clone();
                    let _ = writeln!(out, "{indent}- bundle::{b}:");
                    if self.r.chance(25) {
                        let _ = writeln!(out, "{indent}    run_if: {}", self.run_if());
                    }
                    if self.r.chance(60) {
                        let _ = writeln!(out, "{indent}    inputs:");
                        let n = 1 + self.r.below(2);
                        self.env_list(&["I1", "I2"], n, out, &format!("{indent}    "));
                    }
                    if self.r.chance(40) {
                        let _ = writeln!(out, "{indent}    envs:");
                        {
                            let n = 1 + self.r.below(2);
                            self.env_list(ENV_NAMES, n, out, &format!("{indent}    "));
                        }
                    }
                }
                2 if allow_with => {
                    self.with_used = true;
                    let _ = writeln!(
                        out,
                        "{indent}- with:\n{indent}    container: box\n{indent}    steps:"
                    );
                    for _ in 0..1 + self.r.below(2) {
                        self.step(out, &format!("{indent}    "));
                    }
                }
                _ => self.step(out, indent),
            }
        }
    }
}

/// Writes one random config under `dir` and says what to compare.
pub fn case(seed: u64, dir: &Path) -> Case {
    let mut r = Rng::new(seed);
    if r.chance(8) {
        return json_case(seed, &mut r, dir);
    }
    let mut g = Gen {
        r: &mut r,
        with_used: false,
        anchors: Vec::new(),
        next_anchor: 0,
    };
    let n_wf = 2 + g.r.below(5);
    let mut workflows: Vec<String> = (0..n_wf).map(|i| format!("w{i}")).collect();
    for i in 0..g.r.below(3) {
        workflows.push(format!("_u{i}"));
    }
    let bundles: Vec<String> = (0..g.r.below(3)).map(|i| format!("b{i}")).collect();
    let modular = g.r.chance(50);
    let files: Vec<&str> = if modular {
        vec![
            "bitrise.yml",
            "ci/shared.yml",
            "ci/more.yaml",
            "ci/nested/deep.yml",
        ]
    } else {
        vec!["bitrise.yml"]
    };
    let mut texts: Vec<String> = files.iter().map(|_| String::new()).collect();
    // Which file holds which part: workflows may be written in two files (steps concatenate).
    let mut parts: Vec<Vec<(String, String)>> = files.iter().map(|_| Vec::new()).collect();
    for (i, w) in workflows.iter().enumerate() {
        let homes = if modular && g.r.chance(30) { 2 } else { 1 };
        for _ in 0..homes {
            let f = g.r.below(files.len());
            // Anchors live in one document, and only earlier text may use them.
            g.anchors.clear();
            let mut body = String::new();
            let later: Vec<&String> = workflows[i + 1..].iter().collect();
            if !later.is_empty() && g.r.chance(60) {
                let list: Vec<String> = (0..1 + g.r.below(3))
                    .map(|_| g.r.pick(&later).to_string())
                    .collect();
                let _ = writeln!(
                    body,
                    "    before_run:\n{}",
                    list.iter()
                        .map(|w| format!("    - {w}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            if !later.is_empty() && g.r.chance(40) {
                let _ = writeln!(body, "    after_run:\n    - {}", g.r.pick(&later));
            }
            if g.r.chance(60) {
                body += "    envs:\n";
                let n = 1 + g.r.below(3);
                g.env_list(ENV_NAMES, n, &mut body, "    ");
            }
            if g.r.chance(20) {
                body += "    title: A title\n";
            }
            body += "    steps:\n";
            g.items(&bundles, true, &mut body, "    ");
            parts[f].push((w.clone(), body));
        }
    }
    for (fi, text) in texts.iter_mut().enumerate() {
        if fi == 0 || g.r.chance(30) {
            let _ = writeln!(
                text,
                "format_version: \"{}\"",
                g.r.pick(&["11", "13", "13.1"])
            );
        }
        if fi == 0 {
            text.push_str(
                "default_step_lib_source: https://github.com/bitrise-io/bitrise-steplib.git\n",
            );
        }
        if g.r.chance(50) {
            text.push_str("app:\n  envs:\n");
            let n = 1 + g.r.below(3);
            g.env_list(ENV_NAMES, n, text, "  ");
        }
        if !parts[fi].is_empty() {
            text.push_str("workflows:\n");
            for (w, body) in &parts[fi] {
                let _ = write!(text, "  {w}:\n{body}");
            }
        }
    }
    // Bundles: b0 may nest b1; definitions in any file (one `step_bundles:` map per file).
    let mut bundle_texts: Vec<String> = files.iter().map(|_| String::new()).collect();
    for (i, b) in bundles.iter().enumerate() {
        let f = g.r.below(files.len());
        g.anchors.clear();
        let mut body = format!("  {b}:\n");
        if g.r.chance(30) {
            let _ = writeln!(body, "    run_if: {}", g.run_if());
        }
        if g.r.chance(70) {
            body += "    inputs:\n";
            let n = 1 + g.r.below(2);
            g.env_list(&["I1", "I2"], n, &mut body, "    ");
        }
        if g.r.chance(40) {
            body += "    envs:\n";
            {
                let n = 1 + g.r.below(2);
                g.env_list(ENV_NAMES, n, &mut body, "    ");
            }
        }
        body += "    steps:\n";
        let inner: Vec<String> = bundles[i + 1..].to_vec();
        g.items(&inner, false, &mut body, "    ");
        bundle_texts[f].push_str(&body);
    }
    for (t, b) in texts.iter_mut().zip(&bundle_texts) {
        if !b.is_empty() {
            t.push_str("step_bundles:\n");
            t.push_str(b);
        }
    }
    let runnable: Vec<&String> = workflows.iter().filter(|w| !w.starts_with('_')).collect();
    let mut pipeline = None;
    // Pipeline run_ifs draw from their own stream, so a seed gives the same configs otherwise.
    let mut side = Rng::new(g.r.0 ^ 0x919e_11fe_5eed);
    let mut gate = |indent: &str, graph: bool| -> String {
        if !side.chance(40) {
            return String::new();
        }
        let r = side.pick(RUN_IFS);
        if graph {
            format!("{indent}run_if:\n{indent}  expression: {r}\n")
        } else {
            format!("{indent}run_if: {r}\n")
        }
    };
    if g.r.chance(35) {
        if g.r.chance(50) {
            let a = g.r.pick(&runnable).to_string();
            let b = g.r.pick(&runnable).to_string();
            let entry = |key: &str, body: String| {
                if body.is_empty() {
                    format!("      {key}: {{}}\n")
                } else {
                    format!("      {key}:\n{body}")
                }
            };
            let mut p = format!(
                "pipelines:\n  pg:\n    workflows:\n{}",
                entry(&a, gate("        ", true))
            );
            if a != b {
                let _ = write!(
                    p,
                    "      {b}:\n        depends_on: [{a}]\n{}",
                    gate("        ", true)
                );
            }
            if g.r.chance(50) {
                let _ = write!(
                    p,
                    "      variant:\n        uses: {a}\n{}",
                    gate("        ", true)
                );
            }
            texts[0].push_str(&p);
            pipeline = Some("pg".to_string());
        } else {
            let a = g.r.pick(&runnable).to_string();
            let b = g.r.pick(&runnable).to_string();
            let f = g.r.below(files.len());
            let item = |key: &str, body: String| {
                if body.is_empty() {
                    format!("    - {key}: {{}}\n")
                } else {
                    format!("    - {key}:\n{body}")
                }
            };
            let st0 = gate("    ", false);
            let wa = item(&a, gate("        ", false));
            let st1 = gate("    ", false);
            let wb = item(&b, gate("        ", false));
            let _ = write!(
                texts[f],
                "stages:\n  st0:\n{st0}    workflows:\n{wa}  st1:\n{st1}    workflows:\n{wb}"
            );
            texts[0].push_str("pipelines:\n  ps:\n    stages:\n    - st0: {}\n    - st1: {}\n");
            pipeline = Some("ps".to_string());
        }
    }
    if g.with_used {
        texts[0].push_str("containers:\n  box:\n    image: alpine:3\n");
    }
    if modular {
        // bitrise.yml includes shared (and maybe more); shared may include the nested file.
        let mut top = "include:\n- path: ci/shared.yml\n".to_string();
        if g.r.chance(50) {
            top += "- path: ./ci/more.yaml\n";
        }
        if g.r.chance(50) {
            texts[1] = format!("include:\n- path: ci/nested/deep.yml\n{}", texts[1]);
        } else {
            top += "- path: ci/nested/deep.yml\n";
        }
        texts[0] = top + &texts[0];
    }
    for (f, t) in files.iter().zip(&texts) {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, t).unwrap();
    }
    // The vendored path:: step's own step.yml (most of the time): it decides the inputs.
    if g.r.chance(70) {
        let mut spec = String::from("title: Local step\n");
        if g.r.chance(30) {
            let _ = writeln!(spec, "run_if: {}", g.run_if());
        }
        if g.r.chance(20) {
            spec += "is_always_run: true\n";
        }
        spec += "inputs:\n";
        let n = 1 + g.r.below(3);
        g.env_list(
            &["connection", "verbose", "api_key_path", "extra"],
            n,
            &mut spec,
            "",
        );
        let p = dir.join("steps/local/step.yml");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, spec).unwrap();
    }
    let secrets = g.r.chance(25).then(|| {
        let p = dir.join(".bitrise.secrets.yml");
        std::fs::write(
            &p,
            "envs:\n- SECRET_KEY: s3cr3t\n- A: \"1\"\n- CONN: api_key\n",
        )
        .unwrap();
        p
    });
    let (ci, pr) = (g.r.chance(60), g.r.chance(40));
    let target = match pipeline {
        Some(p) if g.r.chance(60) => p,
        _ => runnable[0].clone(),
    };
    Case {
        label: format!("seed {seed} ({})", dir.display()),
        file: dir.join("bitrise.yml"),
        targets: vec![target],
        opts: Default::default(),
        secrets,
        ci,
        pr,
    }
}

/// A `bitrise.json` config (encoding/json: every number a float64).
fn json_case(seed: u64, r: &mut Rng, dir: &Path) -> Case {
    let values = [
        "1234567",
        "12",
        "0.5",
        "true",
        "false",
        "null",
        "\"$CONN\"",
        "\"api_key\"",
        "\"off\"",
        "1e21",
        "\"$LATER\"",
    ];
    let run_ifs = [
        "\".IsCI\"",
        "\"false\"",
        "\"{{enveq \\\"A\\\" \\\"1\\\"}}\"",
        "\"{{enveq \\\"A\\\" \\\"1234567\\\"}}\"",
        "\"\"",
    ];
    let mut steps = Vec::new();
    for _ in 0..1 + r.below(4) {
        let step = r.pick(STEPS).to_string();
        let mut fields = Vec::new();
        if r.chance(40) {
            fields.push(format!("\"run_if\": {}", r.pick(&run_ifs)));
        }
        let inputs: Vec<String> = (0..r.below(3))
            .map(|_| format!("{{\"{}\": {}}}", r.pick(INPUTS), r.pick(&values)))
            .collect();
        if !inputs.is_empty() {
            fields.push(format!("\"inputs\": [{}]", inputs.join(", ")));
        }
        steps.push(format!("{{\"{step}\": {{{}}}}}", fields.join(", ")));
    }
    let envs: Vec<String> = (0..1 + r.below(3))
        .map(|_| format!("{{\"{}\": {}}}", r.pick(ENV_NAMES), r.pick(&values)))
        .collect();
    let text = format!(
        "{{\"format_version\": \"11\", \"default_step_lib_source\": \"https://github.com/bitrise-io/bitrise-steplib.git\", \"app\": {{\"envs\": [{}]}}, \"workflows\": {{\"w0\": {{\"steps\": [{}]}}}}}}\n",
        envs.join(", "),
        steps.join(", ")
    );
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("bitrise.json");
    std::fs::write(&file, text).unwrap();
    Case {
        label: format!("seed {seed} ({}, json)", dir.display()),
        file,
        targets: vec!["w0".into()],
        opts: Default::default(),
        secrets: None,
        ci: r.chance(50),
        pr: r.chance(50),
    }
}
