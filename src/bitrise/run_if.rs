//! Whether the CLI runs a step: its enclosing bundles' `run_if`s (outermost first), then its
//! own (cli/run_util.go:201-247 activateAndRunStep at bitrise-io/bitrise@73c81497), each a
//! template evaluated on the step's environment, read by goinp.ParseBool. A fact only the build
//! knows (pull-request or not, an earlier step failing, a secret not given) is tried both ways:
//! the verdict is a fact only when every way agrees.

use std::collections::BTreeSet;

use serde::Serialize;

use super::template::{self, Facts, Output};

/// What the preview knows of the run: its modes and the values given with `--set`/`-i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Given {
    /// `.IsCI` (`bitrise run --ci`, or CI=true on bitrise.io); none: either.
    pub ci: Option<bool>,
    /// `.IsPR` (a pull-request build); none: either.
    pub pr: Option<bool>,
    /// `--set NAME=VALUE` and `-i .bitrise.secrets.yml`: declared before the app envs, as
    /// the CLI declares secrets (cli/run.go runWorkflows: `append(Secrets, App.Environments…)`).
    pub envs: Vec<(String, String)>,
}

impl Given {
    /// A build on bitrise.io: CI mode on (the VM sets CI=true), pull request or not unknown.
    pub fn bitrise() -> Given {
        Given {
            ci: Some(true),
            pr: None,
            envs: Vec::new(),
        }
    }

    /// The modes of a preview environment; `CI`/`PR` given with `--set` win.
    pub fn for_environment(env: crate::domain::resolution::Environment) -> Given {
        use crate::domain::resolution::Environment as E;
        let (ci, pr) = match env {
            E::Bitrise => (Some(true), None),
            E::PublicPr => (Some(true), Some(true)),
            E::Local => (Some(false), Some(false)),
        };
        Given {
            ci,
            pr,
            envs: Vec::new(),
        }
    }

    /// Adds `--set`/`-i` values; `CI` and `PR` set the run modes as the CLI reads them
    /// (cli/run.go registerRunModes: CI=true / PR=true).
    pub fn with_envs(mut self, envs: Vec<(String, String)>) -> Given {
        for (k, v) in &envs {
            match k.as_str() {
                "CI" => self.ci = Some(v == "true"),
                "PR" => self.pr = Some(v == "true"),
                _ => {}
            }
        }
        self.envs = envs;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Verdict {
    /// The step runs (as far as run_if goes).
    #[serde(rename = "true")]
    True,
    /// The CLI skips it: outcome `skipped`.
    #[serde(rename = "false")]
    False,
    /// It depends on what only the build knows: see `branches` / `decided_by`.
    #[serde(rename = "undecided")]
    Undecided,
    /// The CLI fails the step before running it (a template or ParseBool error).
    #[serde(rename = "error")]
    Error,
}

/// One way the build can go, and what the CLI does then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Branch {
    /// `PR=true`, `an earlier step failed`, …
    pub when: String,
    /// `runs`, `skipped`, `fails: …`, `decided by $NAME`.
    pub then: String,
}

/// The `run_if` that decides a step, its verdict and the values that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RunIf {
    /// The expression as written.
    pub expression: String,
    /// `step`, or `bundle <id>` for an enclosing bundle's.
    pub from: String,
    pub verdict: Verdict,
    /// The values it read (`NAME=value`, `.IsCI=true`), as the build sees them.
    pub values: Vec<String>,
    /// For `undecided`: each way the build can go.
    pub branches: Vec<Branch>,
    /// For `undecided`: the values only the build knows that decide it.
    pub decided_by: Vec<String>,
    /// For `error`: the CLI's message.
    pub error: Option<String>,
    /// The verdict when no earlier step failed (the run modes as given): what the CLI's
    /// evaluator answers before the build has any outcome.
    #[serde(skip)]
    pub when_ok: Verdict,
}

impl RunIf {
    /// One line for people: why the step is skipped, fails, or may not run.
    pub fn reason(&self) -> String {
        let values = if self.values.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.values.join(", "))
        };
        let what = if self.from == "step" {
            "run_if".to_string()
        } else {
            format!("{} run_if", self.from)
        };
        match self.verdict {
            Verdict::True => format!("{what} `{}` is true{values}", self.expression),
            Verdict::False => format!("skipped: {what} `{}` is false{values}", self.expression),
            Verdict::Error => format!(
                "the CLI fails this step: {what} `{}`: {}",
                self.expression,
                self.error.as_deref().unwrap_or("")
            ),
            Verdict::Undecided => {
                let ways: Vec<String> = self
                    .branches
                    .iter()
                    .map(|b| format!("{}: {}", b.when, b.then))
                    .collect();
                let by = if self.decided_by.is_empty() {
                    String::new()
                } else {
                    format!("; decided by {}", self.decided_by.join(", "))
                };
                format!(
                    "{what} `{}` depends on the build: {}{by}",
                    self.expression,
                    ways.join("; ")
                )
            }
        }
    }
}

/// What one evaluation gave.
#[derive(Debug, Clone, PartialEq)]
enum Res {
    Run,
    Skip,
    Fail(String),
    Unknown(BTreeSet<String>),
}

impl Res {
    fn then(&self) -> String {
        match self {
            Res::Run => "runs".into(),
            Res::Skip => "skipped".into(),
            Res::Fail(e) => format!("fails: {e}"),
            Res::Unknown(n) => format!(
                "decided by {}",
                n.iter()
                    .map(|n| format!("${n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// How a run_if reads one variable, given (CI, PR, an earlier step failed): Some(value), or
/// None when only the build knows it.
pub type Lookup<'a> = &'a dyn Fn(&str, bool, bool, bool) -> Option<String>;

/// The verdict on one expression. `lookup` reads the step's environment;
/// `always_run` is the step's `is_always_run` (after a failed step only those run:
/// cli/run_util.go:290).
pub fn decide(expr: &str, from: &str, given: &Given, always_run: bool, lookup: Lookup) -> RunIf {
    let cis: Vec<bool> = given.ci.map(|c| vec![c]).unwrap_or(vec![true, false]);
    let prs: Vec<bool> = given.pr.map(|c| vec![c]).unwrap_or(vec![false, true]);
    // A failed earlier step matters only to a step that runs after one.
    let failed: Vec<bool> = if always_run {
        vec![false, true]
    } else {
        vec![false]
    };
    let mut cases: Vec<((bool, bool, bool), Res)> = Vec::new();
    // The values read before any step failed, and whether each read the same in every run mode
    // tried (a value that differs by mode is no fact).
    let mut reads: std::collections::BTreeMap<String, Option<Option<String>>> = Default::default();
    for &ci in &cis {
        for &pr in &prs {
            for &build_failed in &failed {
                let read: std::cell::RefCell<Vec<(String, Option<String>)>> = Default::default();
                let env = |name: &str| {
                    let v = lookup(name, ci, pr, build_failed);
                    read.borrow_mut().push((name.to_string(), v.clone()));
                    v
                };
                let facts = Facts {
                    ci,
                    pr,
                    build_failed,
                    env: &env,
                };
                let res = match template::evaluate(expr, &facts) {
                    Ok(Output::Text(t)) => match template::parse_bool(&t) {
                        Ok(true) => Res::Run,
                        Ok(false) => Res::Skip,
                        Err(e) => Res::Fail(e),
                    },
                    Ok(Output::Unknown(n)) => Res::Unknown(n),
                    Err(e) if e.starts_with(template::UNSUPPORTED) => {
                        Res::Unknown(BTreeSet::from([e]))
                    }
                    Err(e) => Res::Fail(e),
                };
                if !build_failed {
                    for (n, v) in read.borrow().iter() {
                        reads
                            .entry(n.clone())
                            .and_modify(|seen| {
                                if seen.as_ref() != Some(v) {
                                    *seen = None;
                                }
                            })
                            .or_insert_with(|| Some(v.clone()));
                    }
                }
                cases.push(((ci, pr, build_failed), res));
            }
        }
    }
    let mut values: BTreeSet<String> = reads
        .into_iter()
        .filter_map(|(n, v)| match v? {
            Some(v) => Some(format!("{n}={v}")),
            None => Some(format!("{n}=(set at build time)")),
        })
        .collect();
    let uses = |f: &str| expr.contains(f);
    if given.ci.is_some() && uses(".IsCI") {
        values.insert(format!(".IsCI={}", given.ci == Some(true)));
    }
    if given.pr.is_some() && uses(".IsPR") {
        values.insert(format!(".IsPR={}", given.pr == Some(true)));
    }
    if uses(".IsBuildOK") || uses(".IsBuildFailed") {
        values.insert(".IsBuildOK=true (no earlier step failed)".into());
    }
    let mut out = RunIf {
        expression: expr.to_string(),
        from: from.to_string(),
        verdict: Verdict::True,
        values: values.into_iter().collect(),
        branches: Vec::new(),
        decided_by: Vec::new(),
        error: None,
        when_ok: Verdict::Undecided,
    };
    if cis.len() == 1 && prs.len() == 1 {
        out.when_ok = match &cases[0].1 {
            Res::Run => Verdict::True,
            Res::Skip => Verdict::False,
            Res::Fail(_) => Verdict::Error,
            Res::Unknown(_) => Verdict::Undecided,
        };
    }
    let first = cases[0].1.clone();
    if cases.iter().all(|(_, r)| *r == first) {
        match first {
            Res::Run => out.verdict = Verdict::True,
            Res::Skip => out.verdict = Verdict::False,
            Res::Fail(e) => {
                out.verdict = Verdict::Error;
                out.error = Some(e);
            }
            Res::Unknown(n) => {
                out.verdict = Verdict::Undecided;
                out.decided_by = n.iter().map(|n| decider(n)).collect();
                out.branches = vec![
                    Branch {
                        when: "the build's value makes it true".into(),
                        then: "runs".into(),
                    },
                    Branch {
                        when: "otherwise".into(),
                        then: "skipped".into(),
                    },
                ];
            }
        }
        return out;
    }
    out.verdict = Verdict::Undecided;
    let mut deciders = BTreeSet::new();
    if cis.len() > 1 && differs(&cases, |k| k.0) {
        deciders.insert("CI (run mode)".to_string());
    }
    if prs.len() > 1 && differs(&cases, |k| k.1) {
        deciders.insert("PR (a pull-request build or not)".to_string());
    }
    if failed.len() > 1 && differs(&cases, |k| k.2) {
        deciders.insert("an earlier step's outcome".to_string());
    }
    for (_, r) in &cases {
        if let Res::Unknown(n) = r {
            deciders.extend(n.iter().map(|n| decider(n)));
        }
    }
    out.decided_by = deciders.into_iter().collect();
    for ((ci, pr, f), r) in &cases {
        let mut when = Vec::new();
        if cis.len() > 1 {
            when.push(format!("CI={ci}"));
        }
        if prs.len() > 1 {
            when.push(format!("PR={pr}"));
        }
        if failed.len() > 1 {
            when.push(if *f {
                "an earlier step failed".to_string()
            } else {
                "no earlier step failed".to_string()
            });
        }
        out.branches.push(Branch {
            when: when.join(", "),
            then: r.then(),
        });
    }
    out
}

fn differs(cases: &[((bool, bool, bool), Res)], key: impl Fn(&(bool, bool, bool)) -> bool) -> bool {
    cases
        .iter()
        .any(|(k, r)| cases.iter().any(|(k2, r2)| key(k) != key(k2) && r != r2))
}

fn decider(name: &str) -> String {
    if name.starts_with(template::UNSUPPORTED) {
        name.to_string()
    } else {
        format!("${name} (set at build time: give it with --set {name}=VALUE)")
    }
}

/// The run_ifs of a step in the order the CLI evaluates them (enclosing bundles outermost
/// first, then the step's own: cli/run_util.go:206; a pipeline's before all): the first that is
/// not true stops the step. An undecided one stops it or not by what only the build knows, so a
/// false or failing one after it is only one of its branches (when it errors, its error wins).
pub fn combine(list: Vec<RunIf>) -> Option<RunIf> {
    // What the CLI answers before the build has any outcome: the first not-true answer.
    let when_ok = list
        .iter()
        .map(|r| r.when_ok)
        .find(|v| *v != Verdict::True)
        .unwrap_or(Verdict::True);
    let mut open: Option<RunIf> = None;
    let mut last = None;
    for r in list {
        match (&mut open, r.verdict) {
            (None, Verdict::False | Verdict::Error) => {
                last = Some(r);
                break;
            }
            (None, Verdict::Undecided) => open = Some(r),
            (None, Verdict::True) => last = Some(r),
            (Some(_), Verdict::True) => {}
            (Some(first), _) => {
                // Where the earlier one lets the step go on, this one decides.
                let then = r.reason();
                for b in first.branches.iter_mut().filter(|b| b.then == "runs") {
                    b.then = format!("then {then}");
                }
                for d in r.decided_by {
                    if !first.decided_by.contains(&d) {
                        first.decided_by.push(d);
                    }
                }
                if r.verdict != Verdict::Undecided {
                    break;
                }
            }
        }
    }
    let mut out = open.or(last)?;
    out.when_ok = when_ok;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str, _ci: bool, _pr: bool, failed: bool) -> Option<String> {
        match name {
            "FLAG" => Some("true".into()),
            "EMPTY" => Some(String::new()),
            "BITRISE_BUILD_STATUS" => Some(if failed { "1" } else { "0" }.into()),
            _ => None,
        }
    }

    fn verdict(expr: &str, given: &Given) -> Verdict {
        decide(expr, "step", given, false, &env).verdict
    }

    #[test]
    fn verdicts_as_the_cli_gives_them() {
        let ci = Given {
            ci: Some(true),
            pr: Some(false),
            envs: vec![],
        };
        for (expr, want) in [
            ("false", Verdict::False),
            ("true", Verdict::True),
            ("1", Verdict::True),
            ("no", Verdict::Error),
            (".IsCI", Verdict::True),
            (".IsPR", Verdict::False),
            ("not .IsPR", Verdict::True),
            ("and .IsCI (not .IsPR)", Verdict::True),
            ("or .IsPR .IsCI", Verdict::True),
            ("{{enveq \"FLAG\" \"true\"}}", Verdict::True),
            ("eq (getenv \"FLAG\") \"x\" \"true\" \"y\"", Verdict::True),
            ("eq .IsCI \"true\"", Verdict::Error),
            ("{{if .IsCI}}yes{{else}}no{{end}}", Verdict::True),
            ("or (getenv \"EMPTY\") \"0\"", Verdict::False),
            ("{{ .IsBuildOK }} ", Verdict::True),
            (".IsBuildFailed", Verdict::False),
            (".PullRequestID", Verdict::Error),
            ("$FLAG", Verdict::Error),
            ("ne 1 2", Verdict::True),
            ("getenv \"SECRET\"", Verdict::Undecided),
            ("enveq \"SECRET\" \"x\"", Verdict::Undecided),
            ("{{- .IsCI -}}", Verdict::True),
            ("envcontain \"FLAG\" \"ru\"", Verdict::True),
            ("{{/* c */}}true", Verdict::True),
            ("{{.IsCI | not}}", Verdict::False),
        ] {
            assert_eq!(verdict(expr, &ci), want, "{expr}");
        }
    }

    fn decided(expr: &str, from: &str, given: &Given) -> RunIf {
        let lookup = |name: &str, _: bool, _: bool, _: bool| match name {
            // `A: "$CONN"`: a bundle input holding a secret only the build has.
            "A" => None,
            _ => env(name, false, false, false),
        };
        decide(expr, from, given, false, &lookup)
    }

    #[test]
    fn an_undecided_bundle_run_if_is_evaluated_before_a_false_step_run_if() {
        // The CLI evaluates the bundle's run_if first (cli/run_util.go:206): with A unknown it
        // may fail there (`$CONN` is no bool), skip, or go on to the step's `false`.
        let given = Given {
            ci: Some(true),
            pr: Some(false),
            envs: vec![],
        };
        let bundle = decided("getenv \"A\"", "bundle b", &given);
        let step = decided("false", "step", &given);
        assert_eq!(bundle.verdict, Verdict::Undecided);
        assert_eq!(step.verdict, Verdict::False);
        let r = combine(vec![bundle.clone(), step.clone()]).unwrap();
        assert_eq!(r.verdict, Verdict::Undecided, "{}", r.reason());
        assert_eq!(r.from, "bundle b");
        assert_eq!(r.when_ok, Verdict::Undecided);
        assert!(
            r.reason().contains("then skipped: run_if `false` is false"),
            "{}",
            r.reason()
        );
        // Decided bundles keep the CLI's order: a false bundle wins over a failing step.
        let no = decided("false", "bundle b", &given);
        let bad = decided("no", "step", &given);
        let r = combine(vec![no.clone(), bad.clone()]).unwrap();
        assert_eq!((r.verdict, r.from.as_str()), (Verdict::False, "bundle b"));
        let r = combine(vec![bad, no]).unwrap();
        assert_eq!((r.verdict, r.from.as_str()), (Verdict::Error, "step"));
        // A true step after an undecided bundle: the bundle decides.
        let yes = decided("true", "step", &given);
        let r = combine(vec![bundle.clone(), yes.clone()]).unwrap();
        assert_eq!(r.verdict, Verdict::Undecided);
        assert!(r.reason().contains("runs"), "{}", r.reason());
        assert_eq!(combine(vec![yes.clone()]).unwrap().verdict, Verdict::True);
        assert_eq!(combine(vec![]), None);
        // A false step whose earlier run_ifs are all true: false.
        assert_eq!(combine(vec![yes, step]).unwrap().verdict, Verdict::False);
    }

    #[test]
    fn what_only_the_build_knows_gives_both_branches() {
        let r = decide(".IsPR", "step", &Given::bitrise(), false, &env);
        assert_eq!(r.verdict, Verdict::Undecided);
        assert_eq!(r.branches.len(), 2);
        assert!(r.reason().contains("PR=true: runs"), "{}", r.reason());
        // After a failed step only an always-run step runs: then .IsBuildFailed decides.
        let r = decide(".IsBuildFailed", "step", &Given::bitrise(), true, &env);
        assert_eq!(r.verdict, Verdict::Undecided);
        assert!(
            r.reason().contains("an earlier step failed: runs"),
            "{}",
            r.reason()
        );
        let r = decide(
            "enveq \"BITRISE_BUILD_STATUS\" \"0\"",
            "step",
            &Given::bitrise(),
            false,
            &env,
        );
        assert_eq!(r.verdict, Verdict::True);
        let r = decide("getenv \"SECRET\"", "step", &Given::bitrise(), false, &env);
        assert!(r.reason().contains("$SECRET"), "{}", r.reason());
    }
}
