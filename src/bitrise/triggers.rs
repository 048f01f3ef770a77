//! What a bitrise.yml's triggers start: the `trigger_map` items (`workflow:` / `pipeline:`) and
//! the newer per-workflow and per-pipeline `triggers:` (`push`, `pull_request`, `tag` lists).
//! `bitrise pull` records these as the app's `[apps.bitrise_yml] workflows` and `pipelines`.

use super::yaml::{self, Node};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Started {
    pub workflows: Vec<String>,
    pub pipelines: Vec<String>,
}

/// The runs the file's triggers start, in the file's order; when nothing is triggered, every
/// workflow that can be run directly (not a `_utility` one). `Err`: the text is not YAML.
pub fn started(text: &str) -> Result<Started, String> {
    let root = yaml::parse(text).map_err(|(line, col, m)| format!("{line}:{col}: {m}"))?;
    let mut out = Started::default();
    let add = |list: &mut Vec<String>, id: &str| {
        if !id.is_empty() && !list.iter().any(|x| x == id) {
            list.push(id.to_string());
        }
    };
    for item in root
        .get("trigger_map")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if item.get("enabled").and_then(Node::as_str) == Some("false") {
            continue;
        }
        if let Some(w) = item.get("workflow").and_then(Node::as_str) {
            add(&mut out.workflows, w);
        }
        if let Some(p) = item.get("pipeline").and_then(Node::as_str) {
            add(&mut out.pipelines, p);
        }
    }
    for (section, list) in [("workflows", 0), ("pipelines", 1)] {
        for (id, body) in root.get(section).and_then(Node::as_map).unwrap_or_default() {
            if let Some(id) = id.as_str()
                && body.get("triggers").is_some_and(triggers_something)
            {
                add(
                    if list == 0 {
                        &mut out.workflows
                    } else {
                        &mut out.pipelines
                    },
                    id,
                );
            }
        }
    }
    if out.workflows.is_empty() && out.pipelines.is_empty() {
        for (id, _) in root
            .get("workflows")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let Some(id) = id.as_str().filter(|i| !i.starts_with('_')) {
                add(&mut out.workflows, id);
            }
        }
    }
    Ok(out)
}

/// A `triggers:` map that is not switched off and lists at least one event.
fn triggers_something(t: &Node) -> bool {
    if t.get("enabled").and_then(Node::as_str) == Some("false") {
        return false;
    }
    ["push", "pull_request", "tag"].iter().any(|k| {
        t.get(k)
            .and_then(Node::as_seq)
            .is_some_and(|s| !s.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trigger_map_and_triggers_name_the_runs() {
        let text = "format_version: '13'\ntrigger_map:\n- push_branch: main\n  workflow: primary\n- pull_request_source_branch: '*'\n  pipeline: pr\n- tag: '*'\n  workflow: primary\nworkflows:\n  primary: {}\n  deploy:\n    triggers:\n      tag:\n      - name: v*\n  off:\n    triggers:\n      enabled: false\n      push:\n      - branch: x\n  _setup: {}\npipelines:\n  pr:\n    workflows: {primary: {}}\n  nightly:\n    triggers:\n      push:\n      - branch: nightly\n    workflows: {deploy: {}}\n";
        let s = started(text).unwrap();
        assert_eq!(s.workflows, ["primary", "deploy"]);
        assert_eq!(s.pipelines, ["pr", "nightly"]);
    }

    #[test]
    fn nothing_triggered_means_every_runnable_workflow() {
        let s = started("workflows:\n  a: {}\n  _u: {}\n  b: {}\n").unwrap();
        assert_eq!(s.workflows, ["a", "b"]);
        assert!(s.pipelines.is_empty());
        assert!(started("workflows: [").is_err());
    }
}
