//! Expansion as the CLI runs it: before_run → workflow → after_run (no de-duplication), bundles
//! inlined with their inputs as envs, `with` groups flattened, pipelines workflow by workflow;
//! `$VAR` resolved in the CLI's env order, anything unknown kept as `$VAR` (set at build time).

use std::sync::Arc;

use indexmap::IndexMap;

use super::load::{BitriseYml, Env, Item, Pipeline, YmlError};
use super::stepref::{self, StepRef};

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
}

type Envs = Vec<(String, Option<String>)>;

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
/// A known name is replaced; an unset one (`opts: unset`) reads empty; a name the file never
/// defines stays as written (a secret, `BITRISEIO_*`, set at build time) when it can be an
/// environment variable at all, and reads empty otherwise (`$1`, `${BASH_REMATCH[1]}`).
pub fn expand_vars(value: &str, envs: &Envs) -> String {
    let s = value.as_bytes();
    if !s.contains(&b'$') {
        return value.to_string();
    }
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
                match envs.iter().rev().find(|(k, _)| k == name) {
                    Some((_, Some(v))) => out.push_str(v),
                    Some((_, None)) => {}
                    None if is_env_name(name) => out.push_str(&value[j..j + 1 + w]),
                    None => {}
                }
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    out.push_str(&value[i.min(value.len())..]);
    out
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
fn declare(envs: &mut Envs, e: &Env) {
    if e.unset {
        envs.push((e.name.clone(), None));
        return;
    }
    if e.skip_if_empty && e.value.is_empty() {
        return;
    }
    let v = if e.is_expand {
        expand_vars(&e.value, envs)
    } else {
        e.value.clone()
    };
    // A value still holding an unknown $VAR is only known at build time.
    envs.push((e.name.clone(), Some(v)));
}

fn push_envs(envs: &mut Envs, list: &[Env]) {
    for e in list {
        declare(envs, e);
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

/// Every step of a run of `id`, in order, as the CLI would run them.
pub fn expand_workflow(yml: &BitriseYml, id: &str) -> Result<Vec<Expanded>, YmlError> {
    let order = run_order(yml, id)?;
    // cli/run.go: the process env the CLI sets before the first step (registerRunModes and the
    // triggered workflow), then app envs, then bitrise.BuildStatusEnvs(false) (bitrise/util.go:186).
    let title = yml
        .workflows
        .get(id)
        .and_then(|w| w.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.to_string());
    let mut envs: Envs = vec![
        ("BITRISE_TRIGGERED_WORKFLOW_ID".into(), Some(id.to_string())),
        ("BITRISE_TRIGGERED_WORKFLOW_TITLE".into(), Some(title)),
    ];
    push_envs(&mut envs, &yml.app_envs);
    envs.push(("STEPLIB_BUILD_STATUS".into(), Some("0".into())));
    envs.push(("BITRISE_BUILD_STATUS".into(), Some("0".into())));
    // The triggered workflow's envs are added up front, so before_run workflows see them.
    if let Some(wf) = yml.workflows.get(id) {
        push_envs(&mut envs, &wf.envs);
    }
    let mut out = Vec::new();
    for wid in order {
        let Some(wf) = yml.workflows.get(&wid) else {
            continue;
        };
        push_envs(&mut envs, &wf.envs);
        items(yml, &wid, &wf.steps, &envs, None, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

fn items(
    yml: &BitriseYml,
    wid: &str,
    list: &[Item],
    envs: &Envs,
    bundle: Option<&str>,
    bundle_stack: &mut Vec<(String, Vec<String>)>,
    out: &mut Vec<Expanded>,
) -> Result<(), YmlError> {
    for item in list {
        match item {
            Item::Step {
                reference,
                inputs,
                duplicated,
                line,
                file,
            } => {
                let mut step_envs = envs.clone();
                let mut resolved = IndexMap::new();
                for e in inputs {
                    // Inputs are declared after the envs, in list order (a later input may use
                    // an earlier one); the step reads each from the resulting environment
                    // (cli/step_environment.go:78), so a skipped or unset input reads what is left.
                    declare(&mut step_envs, e);
                    let v = expand_vars(&format!("${{{}}}", e.name), &step_envs);
                    resolved.insert(e.name.clone(), v);
                }
                out.push(Expanded {
                    workflow: wid.to_string(),
                    reference: reference.clone(),
                    line: *line,
                    file: file_name(yml, *file),
                    step: stepref::parse(reference),
                    inputs: resolved,
                    duplicated: duplicated.clone(),
                    bundle: bundle.map(str::to_string),
                });
            }
            Item::With { steps, .. } => items(yml, wid, steps, envs, bundle, bundle_stack, out)?,
            Item::Bundle {
                id,
                inputs,
                envs: ref_envs,
                line,
                file,
                ..
            } => {
                let Some(def) = yml.bundles.get(id) else {
                    let message = match bundle {
                        Some(_) => format!("referenced step bundle not defined: {id}"),
                        None => format!(
                            "step bundle ({id}) referenced in workflow ({wid}), but this step-bundle is not defined"
                        ),
                    };
                    return Err(err(yml, (*line, *file), message));
                };
                if bundle_stack.iter().any(|(b, _)| b == id) {
                    let mut chain: Vec<String> =
                        bundle_stack.iter().map(|(b, _)| b.clone()).collect();
                    chain.push(id.clone());
                    return Err(err(
                        yml,
                        (*line, *file),
                        format!("step bundle reference cycle found: {}", chain.join(" -> ")),
                    ));
                }
                for i in inputs {
                    if !def.inputs.iter().any(|d| d.name == i.name) {
                        return Err(err(
                            yml,
                            (i.line, i.file),
                            format!(
                                "step bundle ({id}) referenced in workflow ({wid}) has config issue: input ({}) is not defined in the step bundle definition",
                                i.name
                            ),
                        ));
                    }
                }
                // models/workflow_run_plan.go:505 gatherBundleEnvs: definition envs, use-site
                // envs, definition inputs, use-site inputs; a definition input is left out when
                // an enclosing bundle declared the key and this use site sets it (:535).
                let overridden = |name: &str| {
                    inputs.iter().any(|i| i.name == name)
                        && bundle_stack
                            .iter()
                            .any(|(_, keys)| keys.iter().any(|k| k == name))
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
                    push_envs(&mut inner, list);
                    keys.extend(list.iter().map(|e| e.name.clone()));
                }
                bundle_stack.push((id.clone(), keys));
                items(yml, wid, &def.steps, &inner, Some(id), bundle_stack, out)?;
                bundle_stack.pop();
            }
        }
    }
    Ok(())
}

/// A pipeline's workflows, each expanded as its own run; utility workflows are refused.
pub fn expand_pipeline(yml: &BitriseYml, id: &str) -> Result<Vec<Expanded>, YmlError> {
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
    for (w, _, _) in pipeline_workflows(yml, id, p)? {
        out.extend(expand_workflow(yml, &w)?);
    }
    Ok(out)
}

/// The workflows a pipeline runs, in file order, each checked as the CLI checks them.
pub fn pipeline_workflows(
    yml: &BitriseYml,
    id: &str,
    (pipeline, line, _): &(Pipeline, usize, u32),
) -> Result<Vec<(String, usize, u32)>, YmlError> {
    let names: Vec<(String, usize, u32)> = match pipeline {
        Pipeline::Graph(list) => list
            .iter()
            .map(|(_, w, l, f)| (w.clone(), *l, *f))
            .collect(),
        Pipeline::Staged(stages) => {
            let mut v = Vec::new();
            for (s, l, f) in stages {
                let Some(wfs) = yml.stages.get(s) else {
                    return Err(err(
                        yml,
                        (*l, *f),
                        format!("stage ({s}) defined in pipeline ({id}) does not exist"),
                    ));
                };
                if wfs.is_empty() {
                    return Err(err(
                        yml,
                        (*l, *f),
                        format!("stage ({s}) should have at least 1 workflow"),
                    ));
                }
                v.extend(wfs.iter().cloned());
            }
            v
        }
    };
    for (w, l, f) in &names {
        if !yml.workflows.contains_key(w) {
            return Err(err(
                yml,
                ((*l).max(*line), *f),
                format!(
                    "workflow ({w}) defined in pipeline ({id}) is not found in the workflow definitions"
                ),
            ));
        }
        if w.starts_with('_') {
            return Err(err(
                yml,
                (*l, *f),
                format!("workflow ({w}) defined in pipeline ({id}) is a utility workflow"),
            ));
        }
    }
    Ok(names)
}

/// Checks the whole file as `bitrise run` does: every chain (cycles, missing names), every bundle
/// reference; linear in the file's size (no workflow is expanded twice).
pub fn validate(yml: &BitriseYml) -> Result<(), YmlError> {
    let mut done = std::collections::HashSet::new();
    for id in yml.workflows.keys() {
        check_chain(yml, id, (0, 0), &mut Vec::new(), &mut done, true)?;
        if let Some(wf) = yml.workflows.get(id) {
            items(
                yml,
                id,
                &wf.steps,
                &Vec::new(),
                None,
                &mut Vec::new(),
                &mut Vec::new(),
            )?;
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

    #[test]
    fn vars_expand_like_os_expand() {
        let envs: Envs = vec![
            ("A".into(), Some("1".into())),
            ("B".into(), Some("x$A".into())),
        ];
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
        let unset: Envs = vec![("A".into(), Some("1".into())), ("A".into(), None)];
        assert_eq!(expand_vars("[$A]", &unset), "[]");
    }
}
