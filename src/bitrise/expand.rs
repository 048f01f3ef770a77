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

/// `$NAME` / `${NAME}` with Go's os.Expand: known values replace, unknown ones stay as `$NAME`.
pub fn expand_vars(value: &str, envs: &Envs) -> String {
    let lookup = |name: &str| {
        envs.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' || i + 1 >= chars.len() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (name, end, braced) = if chars[i + 1] == '{' {
            match chars[i + 2..].iter().position(|c| *c == '}') {
                Some(p) => (
                    chars[i + 2..i + 2 + p].iter().collect::<String>(),
                    i + 3 + p,
                    true,
                ),
                None => {
                    out.push('$');
                    i += 1;
                    continue;
                }
            }
        } else {
            let len = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            if len == 0 {
                out.push('$');
                i += 1;
                continue;
            }
            (
                chars[i + 1..i + 1 + len].iter().collect::<String>(),
                i + 1 + len,
                false,
            )
        };
        match lookup(&name) {
            Some(Some(v)) => out.push_str(&v),
            // Defined nowhere in the file (a secret, BITRISEIO_*, an earlier step's output).
            _ => out.push_str(&if braced {
                format!("${{{name}}}")
            } else {
                format!("${name}")
            }),
        }
        i = end;
    }
    out
}

fn push_envs(envs: &mut Envs, list: &[Env]) {
    for e in list {
        let v = if e.is_expand {
            expand_vars(&e.value, envs)
        } else {
            e.value.clone()
        };
        // A value still holding an unknown $VAR is only known at build time.
        envs.push((e.name.clone(), Some(v)));
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
    let mut envs: Envs = Vec::new();
    push_envs(&mut envs, &yml.app_envs);
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
    bundle_stack: &mut Vec<String>,
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
                    let v = if e.is_expand {
                        expand_vars(&e.value, &step_envs)
                    } else {
                        e.value.clone()
                    };
                    // Inputs become env vars in list order: a later input may use an earlier one.
                    step_envs.push((e.name.clone(), Some(v.clone())));
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
                if bundle_stack.iter().any(|b| b == id) {
                    let mut chain = bundle_stack.clone();
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
                let mut inner = envs.clone();
                push_envs(&mut inner, &def.envs);
                push_envs(&mut inner, ref_envs);
                push_envs(&mut inner, &def.inputs);
                push_envs(&mut inner, inputs);
                bundle_stack.push(id.clone());
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

/// Checks the whole file as the CLI does: every chain (cycles, missing names), every bundle
/// reference, every pipeline; linear in the file's size (no workflow is expanded twice).
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
    for (id, p) in &yml.pipelines {
        pipeline_workflows(yml, id, p)?;
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
    }
}
