//! Expansion as the CLI runs it: before_run → workflow → after_run (no de-duplication), bundles
//! inlined with their inputs as envs, `with` groups flattened, pipelines workflow by workflow;
//! `$VAR` resolved in the CLI's env order (a name the config declares later reads empty), a name
//! the config never declares kept as `$VAR` (set at build time); `run_if` and `is_template`
//! evaluated with the CLI's template functions.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use indexmap::IndexMap;

use super::load::{
    BitriseYml, Env, Item, OPT_EXPAND, OPT_SKIP_IF_EMPTY, OPT_TEMPLATE, Pipeline, PipelineWorkflow,
    YmlError,
};
use super::run_if::{self, Given, RunIf};
use super::stepref::{self, StepRef};
use super::template;

#[derive(Debug, Clone, PartialEq)]
pub struct Expanded {
    /// The workflow the step comes from.
    pub workflow: String,
    /// The step reference as written.
    pub reference: String,
    pub line: usize,
    /// The file the step is written in (an included file for a modular config).
    pub file: Arc<str>,
    pub step: StepRef,
    /// Inputs as the step receives them (YAML 1.1 strings, `$VAR`s resolved where the file defines them).
    pub inputs: IndexMap<String, String>,
    pub duplicated: Vec<String>,
    pub bundle: Option<String>,
    /// The `run_if` that decides whether the CLI runs the step (none: no run_if applies).
    pub run_if: Option<RunIf>,
    /// Inputs whose value keeps a `$` as text (`is_expand: false`): the step receives the text.
    pub literal: Vec<String>,
    /// Inputs only the build can tell (a template reading a value set at build time).
    pub build_time: Vec<String>,
    /// Why the CLI fails the step before it runs (an input template it cannot evaluate).
    pub prepare_error: Option<String>,
    /// A `path::` step's own step.yml decided its inputs.
    pub step_yml: bool,
    /// In a pipeline: the stage's and the pipeline workflow's `run_if` (the Bitrise backend's
    /// decision to run the workflow at all), combined; already part of `run_if`.
    pub pipeline_run_if: Option<RunIf>,
}

/// One declared variable: its value (none: unset), and whether it holds a `$VAR` only the build
/// can fill.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub name: String,
    pub value: Option<String>,
    pub build_time: bool,
}

type Envs = Vec<Var>;

/// What every expansion reads besides the env list: the config's declared names, the run.
struct Scope<'a> {
    declared: &'a BTreeSet<String>,
    given: &'a Given,
    yml: &'a BitriseYml,
}

impl Expanded {
    /// Where the step is written: `ci/shared.yml:14`.
    pub fn source(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

fn file_name(yml: &BitriseYml, file: u32) -> Arc<str> {
    yml.files
        .get(file as usize)
        .cloned()
        .unwrap_or_else(|| Arc::from(yml.file.as_str()))
}

fn err(yml: &BitriseYml, (line, file): (usize, u32), message: String) -> YmlError {
    YmlError {
        file: file_name(yml, file).to_string(),
        line,
        col: 1,
        message,
    }
}

/// Go's os.Expand (envman env/expand.go:177 expands every declaration with it): `$NAME`,
/// `${NAME}`, the one-character shell names (`$1`, `$$`, `$-`…), bad syntax (`${`, `${}`) eaten.
/// A known name is replaced; an unset one (`opts: unset`) reads empty, and so does one the config
/// declares only later (the CLI has not declared it yet); a name the config never declares stays
/// as written (a secret, `BITRISEIO_*`, set at build time) when it can be an environment variable
/// at all, and reads empty otherwise (`$1`, `${BASH_REMATCH[1]}`). Also says whether a value set
/// at build time is in the result.
pub fn expand_vars(value: &str, envs: &Envs, declared: &BTreeSet<String>) -> (String, bool) {
    let s = value.as_bytes();
    if !s.contains(&b'$') {
        return (value.to_string(), false);
    }
    let mut build_time = false;
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    let mut j = 0;
    while j < s.len() {
        if s[j] == b'$' && j + 1 < s.len() {
            out.push_str(&value[i..j]);
            let (name, w) = shell_name(&value[j + 1..]);
            if name.is_empty() && w > 0 {
                // Invalid syntax: eaten (os.Expand).
            } else if name.is_empty() {
                out.push('$');
            } else {
                match envs.iter().rev().find(|v| v.name == name) {
                    Some(v) => {
                        out.push_str(v.value.as_deref().unwrap_or_default());
                        build_time |= v.build_time;
                    }
                    None if is_env_name(name) && !declared.contains(name) => {
                        out.push_str(&value[j..j + 1 + w]);
                        build_time = true;
                    }
                    None => {}
                }
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    out.push_str(&value[i.min(value.len())..]);
    (out, build_time)
}

/// os.Expand's getShellName: (name, bytes consumed after the `$`).
fn shell_name(s: &str) -> (&str, usize) {
    let b = s.as_bytes();
    let special = |c: u8| {
        matches!(
            c,
            b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-' | b'0'..=b'9'
        )
    };
    if b[0] == b'{' {
        if b.len() > 2 && special(b[1]) && b[2] == b'}' {
            return (&s[1..2], 3);
        }
        for (i, c) in b.iter().enumerate().skip(1) {
            if *c == b'}' {
                if i == 1 {
                    return ("", 2);
                }
                return (&s[1..i], i + 1);
            }
        }
        return ("", 1);
    }
    if special(b[0]) {
        return (&s[..1], 1);
    }
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    (&s[..n], n)
}

/// A name a process environment can hold (and so a build can set).
fn is_env_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// One envman declaration (env/expand.go getDeclarationCommand): unset, skipped when empty as
/// written, else set to its value, expanded unless `is_expand: false`.
fn declare(envs: &mut Envs, e: &Env, declared: &BTreeSet<String>) {
    if e.unset {
        envs.push(Var {
            name: e.name.clone(),
            value: None,
            build_time: false,
        });
        return;
    }
    if e.skip_if_empty && e.value.is_empty() {
        return;
    }
    let (v, build_time) = if e.is_expand {
        expand_vars(&e.value, envs, declared)
    } else {
        (e.value.clone(), false)
    };
    envs.push(Var {
        name: e.name.clone(),
        value: Some(v),
        build_time,
    });
}

fn push_envs(envs: &mut Envs, list: &[Env], declared: &BTreeSet<String>) {
    for e in list {
        declare(envs, e, declared);
    }
}

/// How a run_if or template reads a variable in `envs` (template_util.go:26 getEnv: the env
/// list, else the process env): None when only the build knows it.
/// An input's `is_template` text evaluated as the step's preparation does: on the envs before
/// the inputs, in the run's CI/PR modes, before any step has failed.
fn input_template(envs: &Envs, sc: &Scope, text: &str) -> Result<template::Output, String> {
    let (ci, pr) = (sc.given.ci.unwrap_or(true), sc.given.pr.unwrap_or(false));
    let read = |name: &str| read_var(envs, sc, name, ci, pr, false);
    let facts = template::Facts {
        ci,
        pr,
        build_failed: false,
        env: &read,
    };
    template::evaluate(text, &facts)
}

fn read_var(
    envs: &Envs,
    sc: &Scope,
    name: &str,
    ci: bool,
    pr: bool,
    failed: bool,
) -> Option<String> {
    // bitrise.BuildStatusEnvs(true) is declared after a failed step (cli/run_util.go:154).
    if failed && matches!(name, "BITRISE_BUILD_STATUS" | "STEPLIB_BUILD_STATUS") {
        return Some("1".into());
    }
    match envs.iter().rev().find(|v| v.name == name) {
        Some(v) if v.build_time => None,
        Some(v) => Some(v.value.clone().unwrap_or_default()),
        // cli/run.go registerRunModes puts the run modes in the process env.
        None if name == "CI" => Some(ci.to_string()),
        None if name == "PR" => Some(pr.to_string()),
        None if sc.declared.contains(name) => Some(String::new()),
        None => None,
    }
}

/// The workflows of one run, in order (recursively, diamonds repeated, cycles refused).
pub fn run_order(yml: &BitriseYml, id: &str) -> Result<Vec<String>, YmlError> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    walk(yml, id, (0, 0), &mut stack, &mut out, true)?;
    Ok(out)
}

fn walk(
    yml: &BitriseYml,
    id: &str,
    (line, file): (usize, u32),
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
    before: bool,
) -> Result<(), YmlError> {
    let Some(wf) = yml.workflows.get(id) else {
        let w = if before { "workflow" } else { "Workflow" };
        return Err(err(
            yml,
            (line.max(1), file),
            format!("{w} does not exist with name {id}"),
        ));
    };
    if stack.iter().any(|s| s == id) {
        let mut chain = stack.clone();
        chain.push(id.to_string());
        let start = chain.iter().position(|s| s == id).unwrap_or(0);
        return Err(err(
            yml,
            (line.max(1), file),
            format!(
                "workflow reference cycle found: {}",
                chain[start..].join(" -> ")
            ),
        ));
    }
    stack.push(id.to_string());
    for (b, l, f) in &wf.before_run {
        walk(yml, b, (*l, *f), stack, out, true)?;
    }
    out.push(id.to_string());
    for (a, l, f) in &wf.after_run {
        walk(yml, a, (*l, *f), stack, out, false)?;
    }
    stack.pop();
    Ok(())
}

/// Every step of a run of `id`, in order, as the CLI would run them on bitrise.io.
pub fn expand_workflow(yml: &BitriseYml, id: &str) -> Result<Vec<Expanded>, YmlError> {
    expand_workflow_with(yml, id, &Given::bitrise())
}

/// `expand_workflow` with the run's modes and the values given (`--set`, `-i`).
pub fn expand_workflow_with(
    yml: &BitriseYml,
    id: &str,
    given: &Given,
) -> Result<Vec<Expanded>, YmlError> {
    let order = run_order(yml, id)?;
    let sc = Scope {
        declared: &yml.declared,
        given,
        yml,
    };
    // cli/run.go: the process env the CLI sets before the first step (registerRunModes and the
    // triggered workflow), then the secrets (`-i`, `--set`), the app envs, then
    // bitrise.BuildStatusEnvs(false) (bitrise/util.go:186).
    let title = yml
        .workflows
        .get(id)
        .and_then(|w| w.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.to_string());
    let known = |name: &str, value: String| Var {
        name: name.to_string(),
        value: Some(value),
        build_time: false,
    };
    let mut envs: Envs = vec![
        known("BITRISE_TRIGGERED_WORKFLOW_ID", id.to_string()),
        known("BITRISE_TRIGGERED_WORKFLOW_TITLE", title),
    ];
    // Secrets are declared without expansion (envman reads them as given).
    for (k, v) in &given.envs {
        envs.push(known(k, v.clone()));
    }
    push_envs(&mut envs, &yml.app_envs, sc.declared);
    envs.push(known("STEPLIB_BUILD_STATUS", "0".into()));
    envs.push(known("BITRISE_BUILD_STATUS", "0".into()));
    // The triggered workflow's envs are added up front, so before_run workflows see them.
    if let Some(wf) = yml.workflows.get(id) {
        push_envs(&mut envs, &wf.envs, sc.declared);
    }
    let mut out = Vec::new();
    let mut filled = BTreeSet::new();
    for wid in order {
        let Some(wf) = yml.workflows.get(&wid) else {
            continue;
        };
        push_envs(&mut envs, &wf.envs, sc.declared);
        // cli/run_util.go:84: each bundle's run_if is decided once, on entering it.
        let mut cache = HashMap::new();
        let mut ctx = Walk {
            sc: &sc,
            bundle_stack: Vec::new(),
            cache: &mut cache,
            next_bundle: 0,
            filled: &mut filled,
        };
        ctx.items(&wid, &wf.steps, &envs, None, &mut out)?;
    }
    Ok(out)
}

/// An enclosing bundle: its id, the keys it declared, its run_if and its instance.
struct Open {
    id: String,
    keys: Vec<String>,
    run_if: String,
    instance: usize,
    /// The envs before the bundle, and its declarations (definition envs, use-site envs,
    /// definition inputs, use-site inputs) in order.
    outer: Envs,
    items: Vec<Env>,
}

/// A bundle declaration by where it is written: the config's own map, shared by every use.
type EnvId = (u32, usize, String);

struct Walk<'a, 's> {
    sc: &'a Scope<'s>,
    bundle_stack: Vec<Open>,
    cache: &'a mut HashMap<usize, RunIf>,
    next_bundle: usize,
    /// Bundle declarations already given their default options by a step's preparation.
    filled: &'a mut BTreeSet<EnvId>,
}

/// A step as written: reference, inputs, duplicated keys, run_if, is_always_run, line, file.
type StepItem<'i> = (
    &'i str,
    &'i [Env],
    &'i [String],
    Option<&'i String>,
    Option<bool>,
    usize,
    u32,
);

impl Walk<'_, '_> {
    /// The env a run_if reads in a bundle while some of its declarations are not yet filled.
    fn run_if_envs(&self) -> Option<Envs> {
        let id = |e: &Env| (e.file, e.line, e.name.clone());
        let unfilled = |e: &Env| e.set_opts & OPT_EXPAND == 0 && !self.filled.contains(&id(e));
        let first = self.bundle_stack.first()?;
        if !self
            .bundle_stack
            .iter()
            .any(|o| o.items.iter().any(&unfilled))
        {
            return None;
        }
        let mut envs = first.outer.clone();
        for o in &self.bundle_stack {
            for e in &o.items {
                let mut e = e.clone();
                e.is_expand &= !unfilled(&e);
                declare(&mut envs, &e, self.sc.declared);
            }
        }
        Some(envs)
    }

    /// cli/step_environment.go:27: preparing a step fills the options of every env it is given.
    fn fill_open(&mut self) {
        for o in &self.bundle_stack {
            for e in &o.items {
                self.filled.insert((e.file, e.line, e.name.clone()));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        wid: &str,
        envs: &Envs,
        bundle: Option<&str>,
        (reference, inputs, duplicated, run_if, always_run, line, file): StepItem,
    ) -> Expanded {
        let sc = self.sc;
        let yml = sc.yml;
        let step = stepref::parse(reference);
        // cli/run_util.go activateStep + models.MergeStepWith (models_methods.go:1526): a step
        // with a step.yml takes the step.yml's inputs, each with the first bitrise.yml value of
        // its key (getInputByKey, :1498); run_if and is_always_run written in bitrise.yml win.
        let spec = yml.step_ymls.get(reference);
        // Inputs the CLI evaluates as templates but no step reads (a duplicated key's later values).
        let mut shadowed: Vec<Env> = Vec::new();
        let (list, run_if, always_run): (Vec<Env>, Option<String>, bool) = match spec {
            Some(spec) => (
                spec.inputs
                    .iter()
                    .map(|d| match inputs.iter().find(|i| i.name == d.name) {
                        Some(i) => merge_input(d, i),
                        None => d.clone(),
                    })
                    .collect(),
                run_if.cloned().or_else(|| spec.run_if.clone()),
                always_run.or(spec.always_run).unwrap_or(false),
            ),
            None => {
                // A StepLib or git:: step always has a step.yml for the CLI: the first value
                // of a duplicated key wins there too.
                let first_wins = step.kind != stepref::RefKind::Path;
                let mut seen = BTreeSet::new();
                let (list, dropped): (Vec<Env>, Vec<Env>) = inputs
                    .iter()
                    .cloned()
                    .partition(|i| !first_wins || seen.insert(i.name.clone()));
                // cli/step_environment.go:54: every listed input's template is evaluated.
                shadowed = dropped.into_iter().filter(|i| i.is_template).collect();
                (list, run_if.cloned(), always_run.unwrap_or(false))
            }
        };
        // Bundle envs get no default options from the config (models_methods.go:1281 fills app
        // and workflow envs only): an unwritten is_expand is nil, so envman does not expand them
        // (envman env/expand.go:176) until a step's preparation fills them in place
        // (cli/step_environment.go:27); a run_if before that reads them as written.
        let run_if_envs = self.run_if_envs();
        let envs_for_run_if = run_if_envs.as_ref().unwrap_or(envs);
        // run_if: the enclosing bundles' (outermost first, each decided once), then the step's.
        let mut decisions = Vec::new();
        for i in 0..self.bundle_stack.len() {
            let open = &self.bundle_stack[i];
            if open.run_if.is_empty() {
                continue;
            }
            let key = open.instance;
            let from = format!("bundle {}", open.id);
            let expr = open.run_if.clone();
            let d = self
                .cache
                .entry(key)
                .or_insert_with(|| decide(sc, envs_for_run_if, &expr, &from, always_run))
                .clone();
            decisions.push(d);
        }
        if let Some(r) = run_if.as_deref().filter(|r| !r.is_empty()) {
            decisions.push(decide(sc, envs_for_run_if, r, "step", always_run));
        }
        let run_if = run_if::combine(decisions);
        // cli/step_environment.go:35: templates first, on the env before the inputs; then the
        // inputs are declared in order and the step reads each from the result (:78).
        let mut step_envs = envs.clone();
        let mut resolved = IndexMap::new();
        let (mut literal, mut build_time, mut prepare_error) = (Vec::new(), Vec::new(), None);
        for e in &list {
            let mut e = e.clone();
            // An empty or null value fails too (template_util.go:66; nil prints as `<nil>`).
            if e.is_template {
                match input_template(envs, sc, &e.value) {
                    Ok(template::Output::Text(t)) => e.value = t,
                    Ok(template::Output::Unknown(names)) => {
                        build_time.push(e.name.clone());
                        e.value = names
                            .iter()
                            .map(|n| format!("${n}"))
                            .collect::<Vec<_>>()
                            .join(" ");
                    }
                    Err(m) if m.starts_with(template::UNSUPPORTED) => {
                        build_time.push(e.name.clone())
                    }
                    Err(m) => {
                        prepare_error.get_or_insert(format!(
                            "input {}: failed to evaluate template: {m}",
                            e.name
                        ));
                    }
                }
            }
            declare(&mut step_envs, &e, sc.declared);
            let (v, _) = expand_vars(&format!("${{{}}}", e.name), &step_envs, sc.declared);
            if !e.is_expand && v.contains('$') {
                literal.push(e.name.clone());
            }
            resolved.insert(e.name.clone(), v);
        }
        // cli/step_environment.go:54: a shadowed input's template fails the step as well.
        for e in &shadowed {
            if prepare_error.is_some() {
                break;
            }
            if let Err(m) = input_template(envs, sc, &e.value)
                && !m.starts_with(template::UNSUPPORTED)
            {
                prepare_error = Some(format!(
                    "input {}: failed to evaluate template: {m}",
                    e.name
                ));
            }
        }
        self.fill_open();
        Expanded {
            workflow: wid.to_string(),
            reference: reference.to_string(),
            line,
            file: file_name(yml, file),
            step,
            inputs: resolved,
            duplicated: duplicated.to_vec(),
            bundle: bundle.map(str::to_string),
            run_if,
            literal,
            build_time,
            prepare_error,
            step_yml: spec.is_some(),
            pipeline_run_if: None,
        }
    }

    fn items(
        &mut self,
        wid: &str,
        list: &[Item],
        envs: &Envs,
        bundle: Option<&str>,
        out: &mut Vec<Expanded>,
    ) -> Result<(), YmlError> {
        let yml = self.sc.yml;
        for item in list {
            match item {
                Item::Step {
                    reference,
                    inputs,
                    duplicated,
                    run_if,
                    always_run,
                    line,
                    file,
                } => {
                    let e = self.step(
                        wid,
                        envs,
                        bundle,
                        (
                            reference,
                            inputs,
                            duplicated,
                            run_if.as_ref(),
                            *always_run,
                            *line,
                            *file,
                        ),
                    );
                    out.push(e);
                }
                Item::With { steps, .. } => self.items(wid, steps, envs, bundle, out)?,
                Item::Bundle {
                    id,
                    inputs,
                    envs: ref_envs,
                    run_if,
                    line,
                    file,
                    ..
                } => {
                    let open: Vec<&str> = self.bundle_stack.iter().map(|o| o.id.as_str()).collect();
                    let def = bundle_use(
                        yml,
                        wid,
                        bundle.is_some(),
                        &open,
                        (id, inputs),
                        (*line, *file),
                    )?;
                    // models/workflow_run_plan.go:505 gatherBundleEnvs: definition envs, use-site
                    // envs, definition inputs, use-site inputs; a definition input is left out when
                    // an enclosing bundle declared the key and this use site sets it (:535).
                    let stack = &self.bundle_stack;
                    let overridden = |name: &str| {
                        inputs.iter().any(|i| i.name == name)
                            && stack.iter().any(|o| o.keys.iter().any(|k| k == name))
                    };
                    let def_inputs: Vec<Env> = def
                        .inputs
                        .iter()
                        .filter(|d| !overridden(&d.name))
                        .cloned()
                        .collect();
                    let mut inner = envs.clone();
                    let mut keys = Vec::new();
                    for list in [&def.envs, ref_envs, &def_inputs, inputs] {
                        push_envs(&mut inner, list, self.sc.declared);
                        keys.extend(list.iter().map(|e| e.name.clone()));
                    }
                    // models/workflow_run_plan.go:357: the use site's run_if replaces the definition's.
                    let run_if = run_if.clone().unwrap_or_else(|| def.run_if.clone());
                    self.next_bundle += 1;
                    let items = [&def.envs, ref_envs, &def_inputs, inputs]
                        .into_iter()
                        .flat_map(|l| l.iter().cloned())
                        .collect();
                    self.bundle_stack.push(Open {
                        id: id.clone(),
                        keys,
                        run_if,
                        instance: self.next_bundle,
                        outer: envs.clone(),
                        items,
                    });
                    let r = self.items(wid, &def.steps, &inner, Some(id), out);
                    self.bundle_stack.pop();
                    r?;
                }
            }
        }
        Ok(())
    }
}

/// models_methods.go:1431 MergeEnvironmentWith: the bitrise.yml value, and the options it writes.
fn merge_input(spec: &Env, given: &Env) -> Env {
    let mut e = spec.clone();
    e.value = given.value.clone();
    e.line = given.line;
    e.file = given.file;
    for (bit, from, to) in [
        (OPT_EXPAND, given.is_expand, &mut e.is_expand),
        (OPT_SKIP_IF_EMPTY, given.skip_if_empty, &mut e.skip_if_empty),
        // `unset` is not merged (the oracle: a bitrise.yml `unset` over a step.yml input is ignored).
        (OPT_TEMPLATE, given.is_template, &mut e.is_template),
    ] {
        if given.set_opts & bit != 0 {
            *to = from;
        }
    }
    e.set_opts |= given.set_opts;
    e
}

fn decide(sc: &Scope, envs: &Envs, expr: &str, from: &str, always_run: bool) -> RunIf {
    let lookup =
        |name: &str, ci: bool, pr: bool, failed: bool| read_var(envs, sc, name, ci, pr, failed);
    run_if::decide(expr, from, sc.given, always_run, &lookup)
}

/// A pipeline's workflows, each expanded as its own run; utility workflows are refused.
pub fn expand_pipeline(yml: &BitriseYml, id: &str) -> Result<Vec<Expanded>, YmlError> {
    expand_pipeline_with(yml, id, &Given::bitrise())
}

/// `expand_pipeline` with the run's modes and the values given.
pub fn expand_pipeline_with(
    yml: &BitriseYml,
    id: &str,
    given: &Given,
) -> Result<Vec<Expanded>, YmlError> {
    let Some(p) = yml.pipelines.get(id) else {
        let known: Vec<&str> = yml.pipelines.keys().map(String::as_str).collect();
        return Err(err(
            yml,
            (1, 0),
            format!(
                "pipeline ({id}) is not defined; pipelines: {}",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ),
        ));
    };
    let mut out = Vec::new();
    for run in pipeline_runs(yml, id, p)? {
        let gate = pipeline_decisions(yml, &run, given);
        let steps = expand_workflow_with(yml, &run.workflow, given)?;
        out.extend(steps.into_iter().map(|s| gated(s, &gate)));
    }
    Ok(out)
}

/// One workflow run of a pipeline and what decides whether the backend starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRun {
    /// The key it is listed under (a graph variant's name for `uses:`).
    pub key: String,
    /// The workflow it runs.
    pub workflow: String,
    /// A staged pipeline's stage: its id and `run_if`.
    pub stage: Option<(String, Option<String>)>,
    /// The pipeline workflow's own `run_if` expression.
    pub run_if: Option<String>,
    /// It runs after an earlier workflow failed (`should_always_run`).
    pub always_run: bool,
    pub line: usize,
    pub file: u32,
}

/// The pipeline-level run_ifs of a run (the stage's, then the workflow's), decided with the
/// same template functions as a step's. The Bitrise backend decides them before the workflow's
/// build starts (the CLI only prints them), so they read the values given and the app envs, not
/// the workflow's own envs; a name nothing declares is the build's value.
pub fn pipeline_decisions(yml: &BitriseYml, run: &PipelineRun, given: &Given) -> Vec<RunIf> {
    let stage = run
        .stage
        .as_ref()
        .and_then(|(id, r)| Some((format!("stage {id}"), r.as_ref()?)));
    let own = run
        .run_if
        .as_ref()
        .map(|r| (format!("pipeline workflow {}", run.key), r));
    let list: Vec<(String, &String)> = stage.into_iter().chain(own).collect();
    if list.is_empty() {
        return Vec::new();
    }
    let sc = Scope {
        declared: &yml.declared,
        given,
        yml,
    };
    let known = |name: &str, value: &str| Var {
        name: name.to_string(),
        value: Some(value.to_string()),
        build_time: false,
    };
    let mut envs: Envs = given.envs.iter().map(|(k, v)| known(k, v)).collect();
    push_envs(&mut envs, &yml.app_envs, sc.declared);
    envs.push(known("STEPLIB_BUILD_STATUS", "0"));
    envs.push(known("BITRISE_BUILD_STATUS", "0"));
    list.into_iter()
        .map(|(from, expr)| decide(&sc, &envs, expr, &from, run.always_run))
        .collect()
}

/// A step of a pipeline workflow, with the pipeline's run_ifs put before its own (a workflow
/// the backend does not start runs none of its steps).
pub fn gated(mut step: Expanded, gate: &[RunIf]) -> Expanded {
    if gate.is_empty() {
        return step;
    }
    step.pipeline_run_if = run_if::combine(gate.to_vec());
    let mut list = gate.to_vec();
    list.extend(step.run_if.take());
    step.run_if = run_if::combine(list);
    step
}

/// The workflows a pipeline runs, in file order, each checked as the CLI checks them.
pub fn pipeline_workflows(
    yml: &BitriseYml,
    id: &str,
    p: &(Pipeline, usize, u32),
) -> Result<Vec<(String, usize, u32)>, YmlError> {
    Ok(pipeline_runs(yml, id, p)?
        .into_iter()
        .map(|r| (r.workflow, r.line, r.file))
        .collect())
}

/// The runs of a pipeline, in file order, with their stages and run_ifs, each checked as the
/// CLI checks them.
pub fn pipeline_runs(
    yml: &BitriseYml,
    id: &str,
    (pipeline, line, _): &(Pipeline, usize, u32),
) -> Result<Vec<PipelineRun>, YmlError> {
    let run = |w: &PipelineWorkflow, stage: Option<(String, Option<String>)>| PipelineRun {
        key: w.key.clone(),
        workflow: w.workflow.clone(),
        stage,
        run_if: w.run_if.clone(),
        always_run: w.always_run,
        line: w.line,
        file: w.file,
    };
    let runs: Vec<PipelineRun> = match pipeline {
        Pipeline::Graph(list) => list.iter().map(|w| run(w, None)).collect(),
        Pipeline::Staged(stages) => {
            let mut v = Vec::new();
            for (s, l, f) in stages {
                let Some(stage) = yml.stages.get(s) else {
                    return Err(err(
                        yml,
                        (*l, *f),
                        format!("stage ({s}) defined in pipeline ({id}) does not exist"),
                    ));
                };
                if stage.workflows.is_empty() {
                    return Err(err(
                        yml,
                        (*l, *f),
                        format!("stage ({s}) should have at least 1 workflow"),
                    ));
                }
                v.extend(
                    stage
                        .workflows
                        .iter()
                        .map(|w| run(w, Some((s.clone(), stage.run_if.clone())))),
                );
            }
            v
        }
    };
    for r in &runs {
        let (w, l, f) = (&r.workflow, r.line, r.file);
        if !yml.workflows.contains_key(w) {
            return Err(err(
                yml,
                (l.max(*line), f),
                format!(
                    "workflow ({w}) defined in pipeline ({id}) is not found in the workflow definitions"
                ),
            ));
        }
        if w.starts_with('_') {
            return Err(err(
                yml,
                (l, f),
                format!("workflow ({w}) defined in pipeline ({id}) is a utility workflow"),
            ));
        }
    }
    Ok(runs)
}

/// Checks the whole file as `bitrise run` does: every chain (cycles, missing names), every bundle
/// reference; linear in the file's size (no workflow is expanded twice).
pub fn validate(yml: &BitriseYml) -> Result<(), YmlError> {
    let mut done = std::collections::HashSet::new();
    for id in yml.workflows.keys() {
        check_chain(yml, id, (0, 0), &mut Vec::new(), &mut done, true)?;
        if let Some(wf) = yml.workflows.get(id) {
            check_items(yml, id, &wf.steps, None, &mut Vec::new())?;
        }
    }
    validate_containers(yml)?;
    // models/models_methods.go:826 validateStepBundles: every definition, in id order, even one
    // no workflow uses.
    let mut ids: Vec<&String> = yml.bundles.keys().collect();
    ids.sort();
    for bid in ids {
        for item in &yml.bundles[bid].steps {
            let Item::Bundle {
                id,
                inputs,
                line,
                file,
                ..
            } = item
            else {
                continue;
            };
            let Some(def) = yml.bundles.get(id) else {
                return Err(err(
                    yml,
                    (*line, *file),
                    format!(
                        "step bundle ({bid}) has config issue: referenced step bundle not defined: {id}"
                    ),
                ));
            };
            if let Some(i) = inputs
                .iter()
                .find(|i| !def.inputs.iter().any(|d| d.name == i.name))
            {
                return Err(err(
                    yml,
                    (i.line, i.file),
                    format!(
                        "step bundle ({bid}) has config issue: input ({}) is not defined in the step bundle definition",
                        i.name
                    ),
                ));
            }
        }
    }
    // Pipelines are checked only when one is run (models/models_methods.go:657: `bitrise run`
    // validates them only in full validation): see `pipeline_workflows`.
    Ok(())
}

/// A step bundle's use checked as the CLI checks it: defined, not already open (a cycle), and
/// given only inputs its definition declares. `open` lists the bundles it sits in, outermost first.
fn bundle_use<'y>(
    yml: &'y BitriseYml,
    wid: &str,
    in_bundle: bool,
    open: &[&str],
    (id, inputs): (&str, &[Env]),
    at: (usize, u32),
) -> Result<&'y crate::bitrise::load::Bundle, YmlError> {
    let Some(def) = yml.bundles.get(id) else {
        let message = if in_bundle {
            format!("referenced step bundle not defined: {id}")
        } else {
            format!(
                "step bundle ({id}) referenced in workflow ({wid}), but this step-bundle is not defined"
            )
        };
        return Err(err(yml, at, message));
    };
    if open.contains(&id) {
        let mut chain = open.to_vec();
        chain.push(id);
        return Err(err(
            yml,
            at,
            format!("step bundle reference cycle found: {}", chain.join(" -> ")),
        ));
    }
    if let Some(i) = inputs
        .iter()
        .find(|i| !def.inputs.iter().any(|d| d.name == i.name))
    {
        return Err(err(
            yml,
            (i.line, i.file),
            format!(
                "step bundle ({id}) referenced in workflow ({wid}) has config issue: input ({}) is not defined in the step bundle definition",
                i.name
            ),
        ));
    }
    Ok(def)
}

/// The bundle references of a step list, checked as the expansion checks them (without
/// expanding anything: linear in the file).
fn check_items(
    yml: &BitriseYml,
    wid: &str,
    list: &[Item],
    bundle: Option<&str>,
    stack: &mut Vec<String>,
) -> Result<(), YmlError> {
    for item in list {
        match item {
            Item::Step { .. } => {}
            Item::With { steps, .. } => check_items(yml, wid, steps, bundle, stack)?,
            Item::Bundle {
                id,
                inputs,
                line,
                file,
                ..
            } => {
                let open: Vec<&str> = stack.iter().map(String::as_str).collect();
                let def = bundle_use(
                    yml,
                    wid,
                    bundle.is_some(),
                    &open,
                    (id, inputs),
                    (*line, *file),
                )?;
                stack.push(id.clone());
                let r = check_items(yml, wid, &def.steps, Some(id), stack);
                stack.pop();
                r?;
            }
        }
    }
    Ok(())
}

/// models/models_methods.go:789 validateContainers.
fn validate_containers(yml: &BitriseYml) -> Result<(), YmlError> {
    let with_groups = yml
        .workflows
        .values()
        .any(|w| w.steps.iter().any(|i| matches!(i, Item::With { .. })));
    let typed = yml.containers.iter().any(|c| !c.2.is_empty());
    if with_groups && (typed || yml.step_containers) {
        return Err(err(
            yml,
            (1, 0),
            "mixing legacy with-group and step-based containerisation is not allowed".into(),
        ));
    }
    for (id, image, kind, line, file) in &yml.containers {
        if image.trim().is_empty() {
            return Err(err(
                yml,
                (*line, *file),
                format!("container ({id}) has no image defined"),
            ));
        }
        if !with_groups && kind.is_empty() {
            return Err(err(
                yml,
                (*line, *file),
                format!(
                    "container ({id}) has no type defined (must be \"execution\" or \"service\")"
                ),
            ));
        }
    }
    for (id, image, line, file) in &yml.services {
        if image.trim().is_empty() {
            return Err(err(
                yml,
                (*line, *file),
                format!("service ({id}) has no image defined"),
            ));
        }
    }
    Ok(())
}

fn check_chain(
    yml: &BitriseYml,
    id: &str,
    (line, file): (usize, u32),
    stack: &mut Vec<String>,
    done: &mut std::collections::HashSet<String>,
    before: bool,
) -> Result<(), YmlError> {
    if done.contains(id) {
        return Ok(());
    }
    let Some(wf) = yml.workflows.get(id) else {
        let w = if before { "workflow" } else { "Workflow" };
        return Err(err(
            yml,
            (line.max(1), file),
            format!("{w} does not exist with name {id}"),
        ));
    };
    if let Some(start) = stack.iter().position(|s| s == id) {
        let mut chain = stack[start..].to_vec();
        chain.push(id.to_string());
        return Err(err(
            yml,
            (line.max(1), file),
            format!("workflow reference cycle found: {}", chain.join(" -> ")),
        ));
    }
    stack.push(id.to_string());
    for (b, l, f) in &wf.before_run {
        check_chain(yml, b, (*l, *f), stack, done, true)?;
    }
    for (a, l, f) in &wf.after_run {
        check_chain(yml, a, (*l, *f), stack, done, false)?;
    }
    stack.pop();
    done.insert(id.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, value: Option<&str>) -> Var {
        Var {
            name: name.into(),
            value: value.map(str::to_string),
            build_time: false,
        }
    }

    fn expand_vars(value: &str, envs: &Envs) -> String {
        super::expand_vars(value, envs, &BTreeSet::from(["LATER".to_string()])).0
    }

    #[test]
    fn vars_expand_like_os_expand() {
        let envs: Envs = vec![var("A", Some("1")), var("B", Some("x$A"))];
        // A name the config declares later reads empty at this point.
        assert_eq!(expand_vars("$LATER/AuthKey.p8", &envs), "/AuthKey.p8");
        assert_eq!(expand_vars("$A-${A}-$B", &envs), "1-1-x$A");
        assert_eq!(
            expand_vars("$SECRET and ${OTHER}", &envs),
            "$SECRET and ${OTHER}"
        );
        assert_eq!(expand_vars("cost $ 5 $", &envs), "cost $ 5 $");
        // Go's os.Expand corner cases, as the Bitrise CLI oracle printed them.
        for (input, out) in [
            ("$$", ""),
            ("$1x", "x"),
            ("${", ""),
            ("${}", ""),
            ("a$-b", "ab"),
            ("x$", "x$"),
            ("${BASH_REMATCH[1]}!", "!"),
            ("${A}${A", "1A"),
            ("$A$B", "1x$A"),
        ] {
            assert_eq!(expand_vars(input, &envs), out, "{input}");
        }
        let unset: Envs = vec![var("A", Some("1")), var("A", None)];
        assert_eq!(expand_vars("[$A]", &unset), "[]");
    }
}
