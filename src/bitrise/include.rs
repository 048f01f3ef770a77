//! `include:` as the Bitrise CLI merges a modular config (github.com/bitrise-io/bitrise at
//! 73c81497, `configmerge/configmerge.go`, `configmerge/reference.go`,
//! `models/config_file_tree.go`): every file read and checked first, then merged depth-first
//! (includes in list order, then the including file); maps merge deeply, lists append, the later
//! scalar wins. Paths resolve against the repository root, not the including file. Another
//! repository's files come from a local checkout the user maps (nothing is fetched).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::load::YmlError;
use super::yaml::{self, Kind, Node};

// configmerge/configmerge.go:15-20
pub const MAX_INCLUDE_COUNT_PER_FILE: usize = 35;
pub const MAX_FILES_COUNT_TOTAL: usize = 35;
/// The top-level file is depth 1 (root + 4 levels of includes).
pub const MAX_INCLUDE_DEPTH: usize = 5;
pub const MAX_FILE_SIZE_BYTES: usize = 1024 * 1024;

/// Where the files of a modular config are.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The repository root local `include:` paths resolve against (default: the folder of the
    /// top-level file, as the CLI runs from the repository root).
    pub root: Option<PathBuf>,
    /// `repository:` (as written, or its URL) -> a local checkout of it.
    pub repositories: Vec<(String, PathBuf)>,
}

/// Why a config could not be read: a file is missing or unmapped (exit 2), or refused (exit 1).
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    Unreadable(String),
    Invalid(String),
}

/// The config as one tree, with the files it came from.
#[derive(Debug, Clone)]
pub struct Merged {
    pub root: Node,
    /// Display names, indexed by `Node::file` (the top-level file first).
    pub files: Vec<Arc<str>>,
    /// Every file read, in the order read (the top-level file first).
    pub sources: Vec<PathBuf>,
    /// The top-level file has a non-empty `include:` list.
    pub modular: bool,
}

/// One `include:` item (configmerge/reference.go ConfigReference).
#[derive(Debug, Clone, Default)]
struct Reference {
    repository: String,
    branch: String,
    commit: String,
    tag: String,
    path: String,
    /// Where the item is written: (file index, line, column).
    at: (u32, usize, usize),
}

impl Reference {
    /// configmerge/reference.go:15 Key(): what cycles are detected by.
    fn key(&self) -> String {
        let mut key = self.path.clone();
        if !self.repository.is_empty() {
            key = format!("repo:{},{}", self.repository, self.path);
        }
        if !self.commit.is_empty() {
            key += &format!("@commit:{}", self.commit);
        } else if !self.tag.is_empty() {
            key += &format!("@tag:{}", self.tag);
        } else if !self.branch.is_empty() {
            key += &format!("@branch:{}", self.branch);
        }
        key
    }

    /// configmerge/reference.go:49 Validate(), messages verbatim.
    fn validate(&self) -> Result<(), String> {
        let key = self.key();
        if self.path.is_empty() {
            return Err(format!("missing YML path in reference: {key}"));
        }
        // filepath.Ext: the suffix from the last dot of the last element, case-sensitive.
        let base = self.path.rsplit('/').next().unwrap_or("");
        let ext = base.rfind('.').map(|i| &base[i..]).unwrap_or("");
        if ext != ".yml" && ext != ".yaml" {
            return Err(format!(
                "invalid YML path in reference ({key}): {} is not a yaml file",
                self.path
            ));
        }
        let n = self.commit.len();
        // A short (6 to 8) or full (40) hash; any other length is refused.
        let valid = self.commit.is_empty() || (6..=8).contains(&n) || n == 40;
        if !valid {
            return Err(format!(
                "invalid commit hash in reference ({key}): {}",
                self.commit
            ));
        }
        if !self.repository.is_empty()
            && self.branch.is_empty()
            && self.tag.is_empty()
            && self.commit.is_empty()
        {
            return Err(format!(
                "incomplete reference ({key}): repository specified without branch, tag or commit"
            ));
        }
        Ok(())
    }

    fn state(&self) -> String {
        if !self.tag.is_empty() {
            format!("tag {}", self.tag)
        } else if !self.commit.is_empty() {
            format!("commit {}", self.commit)
        } else {
            format!("branch {}", self.branch)
        }
    }
}

struct Merger<'a> {
    opts: &'a Options,
    root_dir: PathBuf,
    files: Vec<Arc<str>>,
    sources: Vec<PathBuf>,
    files_count: usize,
    /// YAML nodes parsed so far, over every file.
    nodes: usize,
    merged: Vec<(Node, Node)>,
}

/// Reads a bitrise.yml from disk and merges what it includes, as `bitrise run` does.
pub fn read(path: &Path, opts: &Options) -> Result<Merged, ReadError> {
    let display: Arc<str> = Arc::from(path.display().to_string());
    let text = read_file(path, "bitrise.yml").map_err(|e| {
        ReadError::Unreadable(format!("{display}: cannot read the bitrise.yml: {e}"))
    })?;
    // bitrise/util.go:319: a `.json` config is read by encoding/json.
    let root = if path.extension().is_some_and(|e| e == "json") {
        yaml::parse_json(&text).map_err(|(line, col, message)| {
            ReadError::Invalid(
                YmlError {
                    file: display.to_string(),
                    line,
                    col,
                    message: format!("json: {message}"),
                }
                .to_string(),
            )
        })?
    } else {
        parse(&display, &text, 0)?
    };
    let includes = include_items(&root, &display)?;
    if includes.is_empty() {
        // cli/run_util.go:953 IsModularConfig: without includes the file is read as it is.
        return Ok(Merged {
            root,
            files: vec![display],
            sources: vec![path.to_path_buf()],
            modular: false,
        });
    }
    let root_dir = match &opts.root {
        Some(r) => r.clone(),
        None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    // The CLI names the top-level file as `bitrise run` is given it, from the repository root.
    let top_key = std::path::absolute(path)
        .ok()
        .zip(std::path::absolute(&root_dir).ok())
        .and_then(|(p, r)| p.strip_prefix(r).ok().map(|k| k.display().to_string()))
        .unwrap_or_else(|| path.display().to_string());
    let mut m = Merger {
        opts,
        root_dir,
        files: vec![display],
        sources: vec![path.to_path_buf()],
        files_count: 0,
        nodes: yaml::node_count(&root),
        merged: Vec::new(),
    };
    let top = Reference {
        path: top_key,
        at: (0, 1, 1),
        ..Default::default()
    };
    m.build(root, text.len(), &top, 1, &mut Vec::new())?;
    // models/config_file_tree.go:41: the include list is not part of the result.
    m.merged.retain(|(k, _)| key_id(k) != "include");
    let mut root = Node {
        kind: Kind::Map(m.merged),
        line: 1,
        col: 1,
        file: 0,
    };
    yaml::remarshal(&mut root);
    Ok(Merged {
        root,
        files: m.files,
        sources: m.sources,
        modular: true,
    })
}

fn read_file(path: &Path, what: &str) -> std::io::Result<String> {
    crate::store::files::read_text_capped(path, crate::store::files::BITRISE_YML_CAP, what)
}

fn parse(name: &str, text: &str, file: u32) -> Result<Node, ReadError> {
    yaml::parse_in(text, file).map_err(|(line, col, message)| {
        ReadError::Invalid(
            YmlError {
                file: name.to_string(),
                line,
                col,
                message: format!("yaml: {message}"),
            }
            .to_string(),
        )
    })
}

fn invalid(
    files: &[Arc<str>],
    (file, line, col): (u32, usize, usize),
    message: String,
) -> ReadError {
    ReadError::Invalid(
        YmlError {
            file: files
                .get(file as usize)
                .map(|f| f.to_string())
                .unwrap_or_default(),
            line,
            col,
            message,
        }
        .to_string(),
    )
}

/// The `include:` list as configmerge.ConfigModule reads it (yaml.v2 into a struct: unknown keys
/// ignored, any scalar's text taken as a string).
fn include_items(root: &Node, name: &str) -> Result<Vec<Reference>, ReadError> {
    let Some(list) = root.get("include") else {
        return Ok(Vec::new());
    };
    if list.is_null() {
        return Ok(Vec::new());
    }
    let unmarshal = |n: &Node, what: &str, into: &str| {
        ReadError::Invalid(
            YmlError {
                file: name.to_string(),
                line: n.line,
                col: n.col,
                message: format!(
                    "yaml: unmarshal errors:\n  line {}: cannot unmarshal {what} into {into}",
                    n.line
                ),
            }
            .to_string(),
        )
    };
    let Some(items) = list.as_seq() else {
        let what = tag(list);
        return Err(unmarshal(list, &what, "[]configmerge.ConfigReference"));
    };
    let mut out = Vec::new();
    for item in items {
        if item.is_null() {
            out.push(Reference {
                at: (item.file, item.line, item.col),
                ..Default::default()
            });
            continue;
        }
        if item.as_map().is_none() {
            return Err(unmarshal(item, &tag(item), "configmerge.ConfigReference"));
        }
        let field = |k: &str| -> Result<String, ReadError> {
            match item.get(k) {
                None => Ok(String::new()),
                Some(v) if v.is_null() => Ok(String::new()),
                Some(v) => match v.as_str() {
                    Some(s) => Ok(s.to_string()),
                    None => Err(unmarshal(v, &tag(v), "string")),
                },
            }
        };
        out.push(Reference {
            repository: field("repository")?,
            branch: field("branch")?,
            commit: field("commit")?,
            tag: field("tag")?,
            path: field("path")?,
            at: (item.file, item.line, item.col),
        });
    }
    Ok(out)
}

fn tag(n: &Node) -> String {
    match &n.kind {
        Kind::Map(_) => "!!map".into(),
        Kind::Seq(_) => "!!seq".into(),
        Kind::Scalar { text, .. } => format!("!!str `{text}`"),
    }
}

impl Merger<'_> {
    /// configmerge/configmerge.go:97 buildConfigTree, with the merge of models/config_file_tree.go
    /// done on the way back (included files first, depth-first, then this file).
    fn build(
        &mut self,
        node: Node,
        size: usize,
        reference: &Reference,
        depth: usize,
        keys: &mut Vec<String>,
    ) -> Result<(), ReadError> {
        keys.push(reference.key());
        self.files_count += 1;
        let name = self.files[node.file as usize].clone();
        let mut includes = include_items(&node, &name)?;
        // configmerge.go:108: an include without `repository:` inherits its parent's repository.
        for inc in &mut includes {
            if inc.repository.is_empty() {
                inc.repository = reference.repository.clone();
                inc.branch = reference.branch.clone();
                inc.commit = reference.commit.clone();
                inc.tag = reference.tag.clone();
            }
        }
        self.validate(reference, size, &node, &includes, depth, keys)?;
        for inc in &includes {
            let (path, display) = self.locate(inc)?;
            let text = read_file(&path, "included bitrise.yml").map_err(|e| {
                ReadError::Unreadable(
                    YmlError {
                        file: self.files[inc.at.0 as usize].to_string(),
                        line: inc.at.1,
                        col: inc.at.2,
                        message: format!("cannot read the included file {}: {e}", path.display()),
                    }
                    .to_string(),
                )
            })?;
            let index = self.files.len() as u32;
            self.files.push(Arc::from(display.as_str()));
            self.sources.push(path);
            let child = parse(&display, &text, index)?;
            // One budget for all files together: 35 alias bombs just under the per-file cap
            // would still fill the memory.
            self.nodes += yaml::node_count(&child);
            if self.nodes > yaml::NODE_BUDGET {
                return Err(invalid(
                    &self.files,
                    inc.at,
                    format!(
                        "the included files expand to more than {} YAML nodes together (aliases repeated): remove nested aliases or split less",
                        yaml::NODE_BUDGET
                    ),
                ));
            }
            self.build(child, text.len(), inc, depth + 1, keys)?;
        }
        keys.pop();
        merge_into(&mut self.merged, node);
        Ok(())
    }

    /// configmerge/configmerge.go:145 validateReference: the same checks in the same order.
    fn validate(
        &self,
        reference: &Reference,
        size: usize,
        node: &Node,
        includes: &[Reference],
        depth: usize,
        keys: &[String],
    ) -> Result<(), ReadError> {
        let key = reference.key();
        let at = reference.at;
        // The `include:` key of this file, for the limits on its list.
        let list_at = node
            .as_map()
            .and_then(|m| m.iter().rev().find(|(k, _)| k.as_str() == Some("include")))
            .map(|(k, _)| (k.file, k.line, k.col))
            .unwrap_or((node.file, 1, 1));
        let fail = |at, m: String| Err(invalid(&self.files, at, m));
        if size > MAX_FILE_SIZE_BYTES {
            return fail(
                at,
                format!("max file size ({MAX_FILE_SIZE_BYTES} bytes) exceeded in file {key}"),
            );
        }
        if depth > MAX_INCLUDE_DEPTH {
            return fail(
                at,
                format!("max include depth ({MAX_INCLUDE_DEPTH}) exceeded"),
            );
        }
        if self.files_count > MAX_FILES_COUNT_TOTAL {
            return fail(
                at,
                format!("max include count ({MAX_FILES_COUNT_TOTAL}) exceeded"),
            );
        }
        if includes.len() > MAX_INCLUDE_COUNT_PER_FILE {
            return fail(
                list_at,
                format!("max include count ({MAX_INCLUDE_COUNT_PER_FILE}) exceeded"),
            );
        }
        if self.files_count + includes.len() > MAX_FILES_COUNT_TOTAL {
            return fail(
                list_at,
                format!("max file count ({MAX_FILES_COUNT_TOTAL}) exceeded"),
            );
        }
        for inc in includes {
            inc.validate().or_else(|m| fail(inc.at, m))?;
            let k = inc.key();
            if keys.contains(&k) {
                return fail(
                    inc.at,
                    format!("circular reference detected: {} -> {k}", keys.join(" -> ")),
                );
            }
        }
        Ok(())
    }

    /// The file an include names: against the repository root (configmerge/config_reader.go:43
    /// reads a local path from the working directory), or in the mapped checkout of its repository.
    fn locate(&self, inc: &Reference) -> Result<(PathBuf, String), ReadError> {
        if inc.repository.is_empty() {
            let p = Path::new(&inc.path);
            let path = if p.is_absolute() {
                p.to_path_buf()
            } else {
                self.root_dir.join(p)
            };
            // Named as the top-level file is: a path from where apple-conn runs.
            let display = path.display().to_string();
            return Ok((path, display));
        }
        let Some(dir) = repository_dir(&self.opts.repositories, &inc.repository) else {
            let repo = &inc.repository;
            let short = repo
                .trim_end_matches('/')
                .trim_end_matches(".git")
                .rsplit(['/', ':'])
                .next()
                .unwrap_or(repo);
            return Err(ReadError::Unreadable(
                YmlError {
                    file: self.files[inc.at.0 as usize].to_string(),
                    line: inc.at.1,
                    col: inc.at.2,
                    message: format!(
                        "`{}` is included from repository `{repo}` ({}), which apple-conn does not fetch: map it to a local checkout with [apps.bitrise_yml.repositories] \"{repo}\" = \"../{short}\" in the workspace, or --repo-map {repo}=DIR",
                        inc.path,
                        inc.state()
                    ),
                }
                .to_string(),
            ));
        };
        // config_reader.go:86 filepath.Join(repoDir, ref.Path): an absolute path stays inside.
        let path = dir.join(inc.path.trim_start_matches('/'));
        let display = path.display().to_string();
        Ok((path, display))
    }
}

/// The checkout mapped to a repository: the key as written, or the same repository by URL
/// (`https://github.com/org/shared-ci.git` maps `repository: shared-ci`).
pub fn repository_dir<'a>(map: &'a [(String, PathBuf)], repository: &str) -> Option<&'a PathBuf> {
    fn norm(s: &str) -> &str {
        s.trim_end_matches('/').trim_end_matches(".git")
    }
    let want = norm(repository);
    map.iter()
        .find(|(k, _)| k == repository)
        .or_else(|| map.iter().find(|(k, _)| norm(k) == want))
        .or_else(|| {
            map.iter().find(|(k, _)| {
                let k = norm(k);
                k.ends_with(want) && k[..k.len() - want.len()].ends_with(['/', ':'])
            })
        })
        .map(|(_, d)| d)
}

/// How yaml.v2 reads a key into `map[interface{}]interface{}`: by its value.
fn key_id(k: &Node) -> String {
    yaml::value_string(k)
}

/// models/config_file_tree.go:72 mergeMap over this file's (de-duplicated) top-level map.
fn merge_into(acc: &mut Vec<(Node, Node)>, node: Node) {
    if let Kind::Map(entries) = node.kind {
        merge_map(acc, dedup(entries));
    }
}

/// yaml.v2 into a Go map keeps the last of a repeated key (only this map's level: deeper
/// repeats are read last-wins by `Node::get` and merged into the last one).
fn dedup(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if entries.len() < 2 {
        return entries;
    }
    let mut last: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for (i, (k, _)) in entries.iter().enumerate() {
        last.insert(key_id(k), i);
    }
    if last.len() == entries.len() {
        return entries;
    }
    entries
        .into_iter()
        .enumerate()
        .filter(|(i, (k, _))| last.get(&key_id(k)) == Some(i))
        .map(|(_, e)| e)
        .collect()
}

fn merge_map(existing: &mut Vec<(Node, Node)>, new: Vec<(Node, Node)>) {
    if existing.len() < 16 {
        for (k, v) in new {
            let id = key_id(&k);
            // The last of a repeated key is the one read (Node::get), so merge into that one.
            match existing.iter().rposition(|(ek, _)| key_id(ek) == id) {
                Some(i) => merge_value(&mut existing[i].1, v),
                None => existing.push((k, v)),
            }
        }
        return;
    }
    let mut index: HashMap<String, usize> = existing
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (key_id(k), i))
        .collect();
    for (k, v) in new {
        let id = key_id(&k);
        match index.get(&id) {
            Some(&i) => merge_value(&mut existing[i].1, v),
            None => {
                index.insert(id, existing.len());
                existing.push((k, v));
            }
        }
    }
}

/// models/config_file_tree.go:49 mergeValue: map into map, list appended to list, else replaced.
fn merge_value(existing: &mut Node, new: Node) {
    match new.kind {
        Kind::Map(entries) => {
            let entries = dedup(entries);
            match &mut existing.kind {
                Kind::Map(old) => merge_map(old, entries),
                _ => {
                    *existing = Node {
                        kind: Kind::Map(entries),
                        ..new
                    }
                }
            }
        }
        Kind::Seq(items) => match &mut existing.kind {
            Kind::Seq(old) => old.extend(items),
            _ => {
                *existing = Node {
                    kind: Kind::Seq(items),
                    ..new
                }
            }
        },
        Kind::Scalar { .. } => *existing = new,
    }
}
