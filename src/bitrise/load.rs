//! bitrise.yml (or .json) -> the parts the CLI runs: workflows, bundles, pipelines, envs.
//! Errors use the CLI's own messages, with file, line and column.

use std::sync::Arc;

use indexmap::IndexMap;

use super::yaml::{self, Kind, Node};

#[derive(Debug, Clone, PartialEq)]
pub struct Env {
    pub name: String,
    pub value: String,
    pub is_expand: bool,
    /// envman skips the declaration when the value as written is empty.
    pub skip_if_empty: bool,
    /// envman removes the variable instead of setting it.
    pub unset: bool,
    /// `opts: is_template`: the CLI evaluates the value as a template first
    /// (cli/step_environment.go:53).
    pub is_template: bool,
    /// Which options are written (OPT_*), for merging over a step.yml's (models_methods.go:1449).
    pub set_opts: u8,
    pub line: usize,
    /// Index into `BitriseYml::files`.
    pub file: u32,
}

pub const OPT_EXPAND: u8 = 1;
pub const OPT_SKIP_IF_EMPTY: u8 = 2;
pub const OPT_UNSET: u8 = 4;
pub const OPT_TEMPLATE: u8 = 8;

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Step {
        reference: String,
        inputs: Vec<Env>,
        duplicated: Vec<String>,
        /// `run_if` as written (yaml.v2 gives a string field the scalar's text); `""` is set.
        run_if: Option<String>,
        /// `is_always_run`, when written.
        always_run: Option<bool>,
        line: usize,
        file: u32,
    },
    Bundle {
        id: String,
        inputs: Vec<Env>,
        envs: Vec<Env>,
        /// The use site's `run_if`: it replaces the definition's, `""` clears it
        /// (models/workflow_run_plan.go:357).
        run_if: Option<String>,
        line: usize,
        col: usize,
        file: u32,
    },
    With {
        steps: Vec<Item>,
        line: usize,
        file: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workflow {
    pub steps: Vec<Item>,
    /// (workflow, line, file) as written.
    pub before_run: Vec<(String, usize, u32)>,
    pub after_run: Vec<(String, usize, u32)>,
    pub envs: Vec<Env>,
    /// `title:` (the CLI's BITRISE_TRIGGERED_WORKFLOW_TITLE), the id when none.
    pub title: Option<String>,
    pub line: usize,
    pub file: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bundle {
    pub steps: Vec<Item>,
    pub inputs: Vec<Env>,
    pub envs: Vec<Env>,
    pub run_if: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pipeline {
    /// `workflows` map, in file order.
    Graph(Vec<PipelineWorkflow>),
    /// `stages` list of stage ids: (id, line, file).
    Staged(Vec<(String, usize, u32)>),
}

/// One workflow a pipeline runs: a graph pipeline's `workflows` entry or a stage's.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineWorkflow {
    /// The key it is listed under (a variant name for `uses:`).
    pub key: String,
    /// The workflow it runs (`uses:`, else the key).
    pub workflow: String,
    /// `run_if: { expression: … }` (a stage's workflow: `run_if: …`); the Bitrise backend
    /// decides it, not the CLI (models/models.go GraphPipelineRunIfModel, StageWorkflowModel).
    pub run_if: Option<String>,
    /// `should_always_run: workflow` (graph) or the stage's `should_always_run: true`: it runs
    /// after an earlier workflow failed.
    pub always_run: bool,
    pub line: usize,
    pub file: u32,
}

/// A `stages:` entry: its `run_if` and its workflows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stage {
    pub run_if: Option<String>,
    pub workflows: Vec<PipelineWorkflow>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BitriseYml {
    /// The top-level file, as the user named it.
    pub file: String,
    /// Every file merged into this config (`include:`), the top-level one first: what a node's
    /// `file` index names in messages (`ci/shared.yml:14`).
    pub files: Vec<Arc<str>>,
    /// The files read from disk (to watch for changes), the top-level one first.
    pub sources: Vec<std::path::PathBuf>,
    pub format_version: String,
    pub app_envs: Vec<Env>,
    pub workflows: IndexMap<String, Workflow>,
    pub bundles: IndexMap<String, Bundle>,
    /// (pipeline, line, file) by id.
    pub pipelines: IndexMap<String, (Pipeline, usize, u32)>,
    pub stages: IndexMap<String, Stage>,
    /// The config merged included files (`include:`).
    pub includes: bool,
    /// `containers:` as (id, image, type, line, file), `services:` as (id, image, line, file):
    /// only to refuse what the CLI refuses (models/models_methods.go:789 validateContainers).
    pub containers: Vec<(String, String, String, usize, u32)>,
    pub services: Vec<(String, String, usize, u32)>,
    /// A step or bundle reference names an `execution_container`/`service_containers`.
    pub step_containers: bool,
    pub warnings: Vec<String>,
    /// Every name the config declares (app, workflow and bundle envs, bundle and step inputs):
    /// such a name read before its declaration is empty, not a value set at build time.
    pub declared: std::collections::BTreeSet<String>,
    /// The step.yml of each `path::` step found beside the config (by reference as written):
    /// the CLI merges it under the step (cli/run_util.go activateStep).
    pub step_ymls: std::collections::BTreeMap<String, StepYml>,
}

/// What the CLI takes from a step's own step.yml.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepYml {
    pub inputs: Vec<Env>,
    pub run_if: Option<String>,
    pub always_run: Option<bool>,
}

/// An env file (`.bitrise.secrets.yml`): its `envs:` list.
pub fn env_file(file: &str, text: &str) -> Result<Vec<Env>, YmlError> {
    let root = yaml::parse(text).map_err(|(line, col, message)| YmlError {
        file: file.into(),
        line,
        col,
        message: format!("yaml: {message}"),
    })?;
    let files = [Arc::from(file)];
    let cx = Ctx { files: &files };
    match root.get("envs") {
        Some(e) => env_list(&cx, e, "envs"),
        None if root.as_map().is_some() => Ok(Vec::new()),
        None => Err(cx.err(&root, "the file must be a map with `envs:`")),
    }
}

/// Reads a step.yml as bitrise.ReadSpecStep does (bitrise/util.go): inputs with their options,
/// `run_if`, `is_always_run`.
pub fn step_yml(file: &str, text: &str) -> Result<StepYml, YmlError> {
    let root = yaml::parse(text).map_err(|(line, col, message)| YmlError {
        file: file.into(),
        line,
        col,
        message: format!("yaml: {message}"),
    })?;
    let files = [Arc::from(file)];
    let cx = Ctx { files: &files };
    let mut out = StepYml::default();
    if root.as_map().is_none() {
        return Ok(out);
    }
    if let Some(i) = root.get("inputs") {
        out.inputs = env_list(&cx, i, "step.yml")?;
        for e in &mut out.inputs {
            // The step.yml's own options are its defaults, not written in bitrise.yml.
            e.set_opts = 0;
        }
    }
    out.run_if = run_if(&cx, &root)?;
    out.always_run = root
        .get("is_always_run")
        .map(yaml::value_string)
        .and_then(|t| t.parse().ok());
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct YmlError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

struct Ctx<'a> {
    files: &'a [Arc<str>],
}

impl Ctx<'_> {
    fn name(&self, file: u32) -> &str {
        self.files.get(file as usize).map(|f| &**f).unwrap_or("")
    }

    fn err(&self, node: &Node, message: impl Into<String>) -> YmlError {
        YmlError {
            file: self.name(node.file).to_string(),
            line: node.line,
            col: node.col,
            message: message.into(),
        }
    }
}

/// Loads one file (no `include:` merge: `super::include::read` does that from disk).
pub fn load(file: &str, text: &str) -> Result<BitriseYml, YmlError> {
    let root = yaml::parse(text).map_err(|(line, col, message)| YmlError {
        file: file.into(),
        line,
        col,
        message: format!("yaml: {message}"),
    })?;
    load_tree(vec![Arc::from(file)], &root)
}

/// Loads a parsed (possibly merged) tree; `files[node.file]` names each node's file.
pub fn load_tree(files: Vec<Arc<str>>, root: &Node) -> Result<BitriseYml, YmlError> {
    let file: &str = files.first().map(|f| &**f).unwrap_or("");
    let cx = Ctx { files: &files };
    if root.as_map().is_none() {
        return Err(cx.err(
            root,
            "the bitrise.yml must be a map of top-level keys (format_version, workflows, …)",
        ));
    }
    let mut out = BitriseYml {
        file: file.into(),
        files: files.clone(),
        ..Default::default()
    };
    match root.get("format_version") {
        Some(v) if !v.is_null() => out.format_version = v.as_str().unwrap_or_default().to_string(),
        _ => return Err(cx.err(root, "missing format_version")),
    }
    if let Some(major) = out
        .format_version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok())
        && major > 26
    {
        return Err(cx.err(root, format!("the bitrise.yml has a higher format version ({}) than the bitrise CLI supported format version (26)", out.format_version)));
    }
    if let Some(inc) = root.get("include")
        && inc.as_seq().is_some_and(|s| !s.is_empty())
    {
        out.includes = true;
        out.warnings.push(format!(
            "{}:{}: `include:` merges other files first; this text was read alone, so steps from included files are missing: open the file from disk to merge them",
            cx.name(inc.file),
            inc.line
        ));
    }
    for (key, services) in [("containers", false), ("services", true)] {
        for (k, v) in root.get(key).and_then(Node::as_map).unwrap_or_default() {
            let id = k.as_str().unwrap_or_default().to_string();
            let field = |f: &str| {
                v.get(f)
                    .filter(|n| !n.is_null())
                    .map(yaml::value_string)
                    .unwrap_or_default()
            };
            if services {
                out.services.push((id, field("image"), k.line, k.file));
            } else {
                out.containers
                    .push((id, field("image"), field("type"), k.line, k.file));
            }
        }
    }
    out.step_containers = uses_step_containers(root);
    if let Some(app) = root.get("app")
        && let Some(envs) = app.get("envs")
    {
        out.app_envs = env_list(&cx, envs, "app")?;
    }
    if let Some(wfs) = root.get("workflows") {
        let entries = wfs
            .as_map()
            .ok_or_else(|| cx.err(wfs, "`workflows` must be a map of workflow id -> workflow"))?;
        for (k, v) in entries {
            let id = k.as_str().unwrap_or_default().to_string();
            if id.is_empty() {
                return Err(cx.err(k, "invalid workflow ID (): empty"));
            }
            if !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                out.warnings.push(format!(
                    "{}:{}: invalid workflow ID ({id}): doesn't conform to: [A-Za-z0-9-_.]",
                    cx.name(k.file),
                    k.line
                ));
            }
            let wf = workflow(&cx, v, &id)?;
            out.workflows.insert(id, wf);
        }
    }
    if let Some(bundles) = root.get("step_bundles") {
        let entries = bundles
            .as_map()
            .ok_or_else(|| cx.err(bundles, "`step_bundles` must be a map"))?;
        for (k, v) in entries {
            let id = k.as_str().unwrap_or_default().to_string();
            if id.is_empty() {
                return Err(cx.err(k, "step bundle has empty ID defined"));
            }
            let mut b = Bundle::default();
            if !v.is_null() {
                if let Some(steps) = v.get("steps") {
                    b.steps = step_list(&cx, steps, &id, true)?;
                }
                if let Some(i) = v.get("inputs") {
                    b.inputs = env_list(&cx, i, &id)?;
                }
                if let Some(e) = v.get("envs") {
                    b.envs = env_list(&cx, e, &id)?;
                }
                b.run_if = run_if(&cx, v)?.unwrap_or_default();
            }
            out.bundles.insert(id, b);
        }
    }
    if let Some(stages) = root.get("stages")
        && let Some(entries) = stages.as_map()
    {
        for (k, v) in entries {
            let id = k.as_str().unwrap_or_default().to_string();
            // models/models.go StageModel: `should_always_run` and `run_if` of the stage.
            let always_run = v
                .get("should_always_run")
                .map(yaml::value_string)
                .is_some_and(|t| t == "true");
            let mut stage = Stage {
                run_if: run_if(&cx, v)?.filter(|r| !r.is_empty()),
                workflows: Vec::new(),
            };
            if let Some(list) = v.get("workflows").and_then(Node::as_seq) {
                for item in list {
                    let key = single_key(&cx, item)?;
                    let name = key.as_str().unwrap_or_default().to_string();
                    let value = item.get(&name);
                    // StageWorkflowModel: `run_if` is a string here.
                    let run_if = match value {
                        Some(w) => run_if(&cx, w)?.filter(|r| !r.is_empty()),
                        None => None,
                    };
                    stage.workflows.push(PipelineWorkflow {
                        key: name.clone(),
                        workflow: name,
                        run_if,
                        always_run,
                        line: key.line,
                        file: key.file,
                    });
                }
            }
            out.stages.insert(id, stage);
        }
    }
    if let Some(pipes) = root.get("pipelines")
        && let Some(entries) = pipes.as_map()
    {
        for (k, v) in entries {
            let id = k.as_str().unwrap_or_default().to_string();
            let p = match (v.get("workflows"), v.get("stages")) {
                (Some(_), Some(_)) => {
                    return Err(cx.err(k, format!("pipeline ({id}) has both stages and workflows")));
                }
                (Some(w), None) => {
                    let mut list = Vec::new();
                    for (wk, wv) in w.as_map().unwrap_or_default() {
                        let key = wk.as_str().unwrap_or_default().to_string();
                        let uses = wv.get("uses").and_then(Node::as_str).map(str::to_string);
                        list.push(PipelineWorkflow {
                            workflow: uses.unwrap_or(key.clone()),
                            key,
                            run_if: graph_run_if(&cx, wv)?,
                            always_run: wv.get("should_always_run").and_then(Node::as_str)
                                == Some("workflow"),
                            line: wk.line,
                            file: wk.file,
                        });
                    }
                    Pipeline::Graph(list)
                }
                (None, Some(s)) => {
                    let mut list = Vec::new();
                    for item in s.as_seq().unwrap_or_default() {
                        let key = single_key(&cx, item)?;
                        list.push((
                            key.as_str().unwrap_or_default().to_string(),
                            key.line,
                            key.file,
                        ));
                    }
                    Pipeline::Staged(list)
                }
                (None, None) => {
                    out.warnings.push(format!(
                        "{}:{}: pipeline ({id}) has no stages or workflows",
                        cx.name(k.file),
                        k.line
                    ));
                    Pipeline::Graph(Vec::new())
                }
            };
            out.pipelines.insert(id, (p, k.line, k.file));
        }
    }
    out.declared = declared_names(&out);
    Ok(out)
}

fn declared_names(y: &BitriseYml) -> std::collections::BTreeSet<String> {
    fn items(list: &[Item], out: &mut std::collections::BTreeSet<String>) {
        for i in list {
            match i {
                Item::Step { inputs, .. } => out.extend(inputs.iter().map(|e| e.name.clone())),
                Item::Bundle { inputs, envs, .. } => {
                    out.extend(inputs.iter().chain(envs).map(|e| e.name.clone()))
                }
                Item::With { steps, .. } => items(steps, out),
            }
        }
    }
    let mut out: std::collections::BTreeSet<String> =
        y.app_envs.iter().map(|e| e.name.clone()).collect();
    for w in y.workflows.values() {
        out.extend(w.envs.iter().map(|e| e.name.clone()));
        items(&w.steps, &mut out);
    }
    for b in y.bundles.values() {
        out.extend(b.envs.iter().chain(&b.inputs).map(|e| e.name.clone()));
        items(&b.steps, &mut out);
    }
    out
}

/// A `run_if` as yaml.v2 decodes it into a *string: null is none, a scalar is its text.
fn run_if(cx: &Ctx, node: &Node) -> Result<Option<String>, YmlError> {
    match node.get("run_if") {
        None => Ok(None),
        Some(r) if r.is_null() => Ok(None),
        Some(r) => match r.as_str() {
            Some(t) => Ok(Some(t.to_string())),
            None => Err(cx.err(r, "yaml: unmarshal errors: run_if must be a string")),
        },
    }
}

/// A graph pipeline workflow's `run_if: { expression: … }` (models/models.go
/// GraphPipelineRunIfModel): a map, else yaml.v2 refuses the whole config; an empty
/// expression is none.
fn graph_run_if(cx: &Ctx, node: &Node) -> Result<Option<String>, YmlError> {
    let Some(r) = node.get("run_if").filter(|r| !r.is_null()) else {
        return Ok(None);
    };
    if r.as_map().is_none() {
        let (tag, text) = match r.as_str() {
            Some(t) => ("!!str", format!(" `{t}`")),
            None => ("!!seq", String::new()),
        };
        return Err(cx.err(
            r,
            format!(
                "yaml: unmarshal errors: cannot unmarshal {tag}{text} into models.GraphPipelineRunIfModel (write `run_if: {{ expression: '…' }}`)"
            ),
        ));
    }
    match r.get("expression") {
        None => Ok(None),
        Some(e) if e.is_null() => Ok(None),
        Some(e) => match e.as_str() {
            Some(t) => Ok(Some(t.to_string()).filter(|t| !t.is_empty())),
            None => Err(cx.err(
                e,
                "yaml: unmarshal errors: run_if expression must be a string",
            )),
        },
    }
}

/// configUsesNewContainerisation (models/models_methods.go:710): a step or bundle reference of a
/// workflow or bundle with `execution_container` or `service_containers`.
fn uses_step_containers(root: &Node) -> bool {
    let lists = ["workflows", "step_bundles"]
        .into_iter()
        .filter_map(|k| root.get(k).and_then(Node::as_map))
        .flat_map(|m| {
            m.iter()
                .filter_map(|(_, v)| v.get("steps").and_then(Node::as_seq))
        });
    for list in lists {
        for item in list {
            if let Some([(_, v)]) = item.as_map()
                && (v.get("execution_container").is_some_and(|n| !n.is_null())
                    || v.get("service_containers")
                        .and_then(Node::as_seq)
                        .is_some_and(|s| !s.is_empty()))
            {
                return true;
            }
        }
    }
    false
}

fn single_key<'n>(cx: &Ctx, item: &'n Node) -> Result<&'n Node, YmlError> {
    match item.as_map() {
        Some([(k, _)]) => Ok(k),
        Some([]) => Err(cx.err(item, "StepListItem does not contain a key-value pair")),
        Some(_) => Err(cx.err(item, "StepListItem contains more than 1 key-value pair")),
        None => Err(cx.err(
            item,
            "a list item here must be a single-key map (`- id: {}`)",
        )),
    }
}

fn workflow(cx: &Ctx, node: &Node, id: &str) -> Result<Workflow, YmlError> {
    let mut wf = Workflow {
        line: node.line,
        file: node.file,
        ..Default::default()
    };
    if node.is_null() {
        return Ok(wf);
    }
    if node.as_map().is_none() {
        return Err(cx.err(
            node,
            format!("workflow ({id}) must be a map (steps, before_run, after_run, envs)"),
        ));
    }
    for (key, field) in [
        ("before_run", &mut wf.before_run),
        ("after_run", &mut wf.after_run),
    ] {
        if let Some(list) = node.get(key) {
            if list.is_null() {
                continue;
            }
            let items = list.as_seq().ok_or_else(|| {
                cx.err(list, format!("yaml: unmarshal errors:\n  line {}: cannot unmarshal !!str `{}` into []string", list.line, list.as_str().unwrap_or("")))
            })?;
            for n in items {
                field.push((n.as_str().unwrap_or_default().to_string(), n.line, n.file));
            }
        }
    }
    if let Some(steps) = node.get("steps") {
        wf.steps = step_list(cx, steps, id, false)?;
    }
    if let Some(envs) = node.get("envs") {
        wf.envs = env_list(cx, envs, id)?;
    }
    wf.title = node
        .get("title")
        .filter(|t| !t.is_null())
        .map(yaml::value_string);
    Ok(wf)
}

fn step_list(cx: &Ctx, node: &Node, owner: &str, in_bundle: bool) -> Result<Vec<Item>, YmlError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    let items = node
        .as_seq()
        .ok_or_else(|| cx.err(node, "`steps` must be a list of `- step_id: {…}` items"))?;
    let mut out = Vec::new();
    for item in items {
        let key = single_key(cx, item)?;
        let value = item.as_map().and_then(|m| m.first()).map(|(_, v)| v);
        let name = key.as_str().unwrap_or_default().to_string();
        if name == "with" {
            if in_bundle {
                return Err(cx.err(key, format!("step bundle ({owner}) has config issue: 'with group' is not allowed in a step bundle")));
            }
            let steps = match value.and_then(|v| v.get("steps")) {
                Some(s) => step_list(cx, s, owner, false)?,
                None => Vec::new(),
            };
            if steps.iter().any(|s| matches!(s, Item::With { .. })) {
                return Err(cx.err(
                    key,
                    "'with group' is not allowed in a 'with group''s step list",
                ));
            }
            if steps.iter().any(|s| matches!(s, Item::Bundle { .. })) {
                return Err(cx.err(
                    key,
                    "step bundle is not allowed in a 'with group''s step list",
                ));
            }
            out.push(Item::With {
                steps,
                line: key.line,
                file: key.file,
            });
        } else if let Some(id) = name.strip_prefix("bundle::") {
            if id.is_empty() {
                return Err(cx.err(key, "step bundle has empty ID defined"));
            }
            let (mut inputs, mut envs, mut bundle_run_if) = (Vec::new(), Vec::new(), None);
            if let Some(v) = value.filter(|v| !v.is_null()) {
                if let Some(i) = v.get("inputs") {
                    inputs = env_list(cx, i, id)?;
                }
                if let Some(e) = v.get("envs") {
                    envs = env_list(cx, e, id)?;
                }
                bundle_run_if = run_if(cx, v)?;
            }
            out.push(Item::Bundle {
                id: id.to_string(),
                inputs,
                envs,
                run_if: bundle_run_if,
                line: key.line,
                col: key.col,
                file: key.file,
            });
        } else {
            let (mut inputs, mut step_run_if, mut always_run) = (Vec::new(), None, None);
            if let Some(v) = value.filter(|v| !v.is_null()) {
                if let Some(i) = v.get("inputs") {
                    inputs = env_list(cx, i, &name)?;
                }
                step_run_if = run_if(cx, v)?;
                always_run = v
                    .get("is_always_run")
                    .map(yaml::value_string)
                    .and_then(|t| match t.as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    });
            }
            let mut seen = std::collections::HashSet::new();
            let duplicated: Vec<String> = inputs
                .iter()
                .filter(|e| !seen.insert(e.name.clone()))
                .map(|e| e.name.clone())
                .collect();
            out.push(Item::Step {
                reference: name,
                inputs,
                duplicated,
                run_if: step_run_if,
                always_run,
                line: key.line,
                file: key.file,
            });
        }
    }
    Ok(out)
}

/// An env list (`envs`, `inputs`): items of one key, plus an optional `opts`.
fn env_list(cx: &Ctx, node: &Node, owner: &str) -> Result<Vec<Env>, YmlError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    let items = node.as_seq().ok_or_else(|| {
        cx.err(
            node,
            format!("({owner}) envs/inputs must be a list of `- KEY: value` items"),
        )
    })?;
    let mut out = Vec::new();
    for item in items {
        let entries = item
            .as_map()
            .ok_or_else(|| cx.err(item, format!("({owner}) no environment key specified")))?;
        if entries.is_empty() {
            return Err(cx.err(item, format!("({owner}) no environment key specified")));
        }
        if entries.len() > 2 {
            let keys: Vec<&str> = entries.iter().filter_map(|(k, _)| k.as_str()).collect();
            return Err(cx.err(
                item,
                format!("({owner}) more than 2 keys specified: [{}]", keys.join(" ")),
            ));
        }
        let opts = entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("opts"))
            .map(|(_, v)| v);
        let keys: Vec<&(Node, Node)> = entries
            .iter()
            .filter(|(k, _)| k.as_str() != Some("opts"))
            .collect();
        let (k, v) = match keys.as_slice() {
            [one] => (&one.0, &one.1),
            [] => {
                return Err(cx.err(
                    item,
                    format!("({owner}) no environment key found, keys: [opts]"),
                ));
            }
            _ => {
                let names: Vec<&str> = keys.iter().filter_map(|(k, _)| k.as_str()).collect();
                return Err(cx.err(
                    item,
                    format!(
                        "({owner}) more than 1 environment key specified: [{}]",
                        names.join(" ")
                    ),
                ));
            }
        };
        let (mut is_expand, mut skip_if_empty, mut unset, mut is_template) =
            (true, false, false, false);
        let mut set_opts = 0;
        if let Some(o) = opts {
            if o.as_map().is_none() && !o.is_null() {
                return Err(cx.err(o, format!("({owner}) opts is not a map")));
            }
            // envman models EnvironmentItemOptionsModel: the options that change what is declared.
            for (key, field, bit) in [
                ("is_expand", &mut is_expand, OPT_EXPAND),
                ("skip_if_empty", &mut skip_if_empty, OPT_SKIP_IF_EMPTY),
                ("unset", &mut unset, OPT_UNSET),
                ("is_template", &mut is_template, OPT_TEMPLATE),
            ] {
                if let Some(e) = o.get(key).filter(|e| !e.is_null()) {
                    set_opts |= bit;
                    let t = yaml::value_string(e).to_lowercase();
                    *field = match t.as_str() {
                        "true" | "t" | "1" | "yes" | "y" => true,
                        "false" | "f" | "0" | "no" | "n" => false,
                        _ => {
                            return Err(cx.err(
                                e,
                                format!(
                                    "({owner}) failed to parse bool value ({t}) for key ({key})"
                                ),
                            ));
                        }
                    };
                }
            }
        }
        if let Kind::Map(_) | Kind::Seq(_) = v.kind {
            // Go prints maps and lists with %v; nobody should rely on it, but it is what the step gets.
        }
        out.push(Env {
            name: k.as_str().unwrap_or_default().to_string(),
            value: yaml::value_string(v),
            is_expand,
            skip_if_empty,
            unset,
            is_template,
            set_opts,
            line: k.line,
            file: k.file,
        });
    }
    Ok(out)
}
