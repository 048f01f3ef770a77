//! Random bitrise.yml configs from a seed (the same seed, the same files): chains with repeated
//! `before_run`, app and workflow envs that set auth inputs (`connection: $CONN`), `is_expand:
//! false`, `skip_if_empty`/`unset`, nested bundles with definition and use-site inputs, `with`
//! groups, `include:` (nested, same-named workflows in several files), pipelines in both forms,
//! version pins, `run_if`, YAML 1.1 scalars and os.Expand corner cases.

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

const ENV_NAMES: &[&str] = &["A", "B", "CONN", "connection", "API_KEY_URL", "I1"];

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
];

struct Gen<'a> {
    r: &'a mut Rng,
    /// A `with` group was written (the CLI refuses containers nothing uses).
    with_used: bool,
}

impl Gen<'_> {
    fn value(&mut self) -> String {
        self.r.pick(VALUES).to_string()
    }

    fn opts(&mut self, value: &str, out: &mut String, indent: &str) {
        let _ = match self.r.below(12) {
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
        let _ = writeln!(out, "{indent}- {s}:");
        if self.r.chance(20) {
            let _ = writeln!(
                out,
                "{indent}    run_if: {}",
                self.r
                    .pick(&["'{{.IsCI}}'", "false", "'{{enveq \"A\" \"1\"}}'"])
            );
        }
        let n = self.r.below(4);
        if n > 0 {
            let _ = writeln!(out, "{indent}    inputs:");
            self.env_list(INPUTS, n, out, &format!("{indent}    "));
        }
    }

    fn items(&mut self, bundles: &[String], allow_with: bool, out: &mut String, indent: &str) {
        for _ in 0..self.r.below(4) {
            match self.r.below(10) {
                0 | 1 if !bundles.is_empty() => {
                    let b = self.r.pick(bundles).clone();
                    let _ = writeln!(out, "{indent}- bundle::{b}:");
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
    let mut g = Gen {
        r: &mut r,
        with_used: false,
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
        let mut body = format!("  {b}:\n");
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
    if g.r.chance(35) {
        if g.r.chance(50) {
            let a = g.r.pick(&runnable).to_string();
            let b = g.r.pick(&runnable).to_string();
            let mut p = format!("pipelines:\n  pg:\n    workflows:\n      {a}: {{}}\n");
            if a != b {
                let _ = writeln!(p, "      {b}:\n        depends_on: [{a}]");
            }
            if g.r.chance(50) {
                let _ = writeln!(p, "      variant:\n        uses: {a}");
            }
            texts[0].push_str(&p);
            pipeline = Some("pg".to_string());
        } else {
            let a = g.r.pick(&runnable).to_string();
            let b = g.r.pick(&runnable).to_string();
            let f = g.r.below(files.len());
            let _ = write!(
                texts[f],
                "stages:\n  st0:\n    workflows:\n    - {a}: {{}}\n  st1:\n    workflows:\n    - {b}: {{}}\n"
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
    let target = match pipeline {
        Some(p) if g.r.chance(60) => p,
        _ => runnable[0].clone(),
    };
    Case {
        label: format!("seed {seed} ({})", dir.display()),
        file: dir.join("bitrise.yml"),
        targets: vec![target],
        opts: Default::default(),
    }
}
