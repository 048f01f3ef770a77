//! The workspace rules: limits, uniqueness, shapes, assignment, step inputs. Pure.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use indexmap::IndexMap;

use super::catalog::{Catalog, StepDef, step_consistency};
use super::fields;
use super::problem::{DocPath, Problem, Severity};
use super::rules::{KeyField, KeyRefusal, api_key_shape};
use super::workspace::{MAX_API_KEYS, SessionState, Workspace};

pub const SUPPORTED_VERSION: u32 = 1;

/// Every problem of a parsed workspace, errors and warnings, in document order.
pub fn check_workspace(ws: &Workspace, catalog: &Catalog, now: DateTime<Utc>) -> Vec<Problem> {
    let mut out = Vec::new();
    let root = DocPath::root();
    if ws.version != SUPPORTED_VERSION {
        out.push(Problem::error(
            root.key("version"),
            format!(
                "version = {} is not supported: this apple-conn reads version = {SUPPORTED_VERSION}",
                ws.version
            ),
        ));
    }
    if let Err(e) = fields::apple_id(&ws.you) {
        out.push(Problem::error(
            root.key("you"),
            format!("`you` is the signed-in member's email: {e}"),
        ));
    }
    for (i, step) in ws.steps.iter().enumerate() {
        if let Err(e) = step_consistency(step) {
            out.push(Problem::error(
                root.key("steps").index(i),
                format!("step `{}`: {e}", step.id),
            ));
        }
    }
    check_shell_names(ws, &mut out);
    check_api_keys(ws, &mut out);
    check_apple_ids(ws, now, &mut out);
    check_apps(ws, catalog, now, &mut out);
    super::secret_inputs::check(ws, &mut out);
    out
}

/// Issue 33: a `[[steps]]` name the shell output would export that the shell or the loader reads
/// (an error), or that the built-in steps never read (exported only from a trusted file).
fn check_shell_names(ws: &Workspace, out: &mut Vec<Problem>) {
    use super::shell_env::{Verdict, declared, denied_reason, needs_trust_reason};
    for (i, step) in ws.steps.iter().enumerate() {
        let at = DocPath::root().key("steps").index(i).key("receives");
        for (name, verdict) in declared(step) {
            out.push(match verdict {
                Verdict::Denied => Problem::error(
                    at.clone(),
                    format!("step `{}`: {}", step.id, denied_reason(&name)),
                ),
                _ => Problem::warning(
                    at.clone(),
                    format!("step `{}`: {}", step.id, needs_trust_reason(&name)),
                ),
            });
        }
    }
}

fn check_api_keys(ws: &Workspace, out: &mut Vec<Problem>) {
    let base = DocPath::root().key("api_keys");
    if ws.api_keys.len() > MAX_API_KEYS {
        out.push(Problem::error(
            base.index(MAX_API_KEYS),
            format!(
                "{} API keys: a workspace holds at most {MAX_API_KEYS} (Bitrise's limit); remove {} of them",
                ws.api_keys.len(),
                ws.api_keys.len() - MAX_API_KEYS
            ),
        ));
    }
    let mut names = HashSet::new();
    let mut key_ids = HashMap::new();
    for (i, key) in ws.api_keys.iter().enumerate() {
        let at = base.index(i);
        let shape = api_key_shape(key);
        let bad = |f: KeyField| shape.iter().any(|r| r.field() == Some(f));
        for refusal in &shape {
            out.push(Problem::error(
                at.key(toml_key(refusal)),
                toml_words(refusal, &key.name),
            ));
        }
        if !bad(KeyField::Name) && !names.insert(key.name.as_str()) {
            out.push(Problem::error(
                at.key("name"),
                format!(
                    "two API keys are named `{}`: names must be unique, rename one",
                    key.name
                ),
            ));
        }
        if !bad(KeyField::KeyId)
            && let Some(first) = key_ids.insert(key.key_id.as_str(), key.name.as_str())
        {
            out.push(Problem::error(
                at.key("key_id"),
                format!(
                    "key ID {} is already used by `{first}`: one key, one connection; remove the duplicate",
                    key.key_id
                ),
            ));
        }
        if let Some(owner) = &key.owner
            && let Err(e) = fields::apple_id(owner)
        {
            out.push(Problem::error(at.key("owner"), format!("owner: {e}")));
        }
    }
}

/// The TOML key a shape refusal points at (the team-key-without-issuer case points at `kind`, as before).
fn toml_key(r: &KeyRefusal) -> &'static str {
    match r {
        KeyRefusal::IssuerMissing => "kind",
        other => match other.field() {
            Some(KeyField::Name) => "name",
            Some(KeyField::KeyId) => "key_id",
            Some(KeyField::IssuerId) => "issuer_id",
            Some(KeyField::Kind) => "kind",
            Some(KeyField::Enterprise) => "enterprise",
            None => "name",
        },
    }
}

/// A refusal in the words of the workspace file.
fn toml_words(r: &KeyRefusal, name: &str) -> String {
    match r {
        KeyRefusal::Shape(_, e) => e.clone(),
        KeyRefusal::IssuerMissing => format!(
            "team key `{name}` has no issuer_id: add issuer_id = \"<UUID from App Store Connect>\", or write kind = \"individual\""
        ),
        KeyRefusal::IssuerOnIndividual => format!(
            "individual key `{name}` has an issuer_id: individual keys have none (their tokens carry sub = \"user\"); remove it, or write kind = \"team\""
        ),
        KeyRefusal::EnterpriseIndividual => format!(
            "individual key `{name}` is marked enterprise: Enterprise Program keys are team keys; write kind = \"team\" with its issuer_id"
        ),
        KeyRefusal::TooMany => {
            format!("a workspace holds at most {MAX_API_KEYS} API keys (Bitrise's limit)")
        }
        KeyRefusal::NameTaken(n) => {
            format!("two API keys are named `{n}`: names must be unique, rename one")
        }
        KeyRefusal::KeyIdTaken { key_id, by } => format!(
            "key ID {key_id} is already used by `{by}`: one key, one connection; remove the duplicate"
        ),
    }
}

fn check_apple_ids(ws: &Workspace, now: DateTime<Utc>, out: &mut Vec<Problem>) {
    let base = DocPath::root().key("apple_ids");
    let mut seen = HashSet::new();
    let mut owners: HashMap<&str, &str> = HashMap::new();
    for (i, aid) in ws.apple_ids.iter().enumerate() {
        let at = base.index(i);
        if let Err(e) = fields::apple_id(&aid.apple_id) {
            out.push(Problem::error(at.key("apple_id"), e));
        } else if !seen.insert(aid.apple_id.as_str()) {
            out.push(Problem::error(
                at.key("apple_id"),
                format!("Apple ID {} is listed twice: keep one entry", aid.apple_id),
            ));
        }
        let owner = aid.owner(ws);
        if let Some(first) = owners.insert(owner, aid.apple_id.as_str()) {
            out.push(Problem::error(
                at.key("owner"),
                format!(
                    "{owner} already has an Apple ID connection ({first}): one Apple ID per member, as on Bitrise; remove one, or set owner to another member"
                ),
            ));
        }
        if let Some(at_time) = aid.authenticated_at
            && at_time > now
        {
            out.push(Problem::warning(
                at.key("authenticated_at"),
                format!(
                    "authenticated_at {} is in the future: check this machine's clock",
                    at_time.to_rfc3339()
                ),
            ));
        }
        let used_by = ws.apps_using_apple_id(&aid.apple_id);
        if !used_by.is_empty() {
            match aid.session_state(now) {
                SessionState::Expired { .. } => out.push(Problem::warning(
                    at.key("apple_id"),
                    format!(
                        "the 2FA session of {} {}: builds of {} that use it will fail; run `apple-conn reauth {}`",
                        aid.apple_id,
                        aid.session_state(now).describe(now),
                        used_by.join(", "),
                        aid.apple_id
                    ),
                )),
                SessionState::ExpiringSoon { .. } => out.push(Problem::warning(
                    at.key("apple_id"),
                    format!(
                        "the 2FA session of {} {}: re-authenticate before it ends (`apple-conn reauth {}`)",
                        aid.apple_id,
                        aid.session_state(now).describe(now),
                        aid.apple_id
                    ),
                )),
                SessionState::NeverAuthenticated => out.push(Problem::warning(
                    at.key("apple_id"),
                    format!(
                        "{} was never authenticated with a 2FA code: steps get no session; run `apple-conn reauth {}`",
                        aid.apple_id, aid.apple_id
                    ),
                )),
                SessionState::Valid { .. } => {}
            }
        }
    }
}

fn check_apps(ws: &Workspace, catalog: &Catalog, _now: DateTime<Utc>, out: &mut Vec<Problem>) {
    let base = DocPath::root().key("apps");
    let mut slugs = HashSet::new();
    for (i, app) in ws.apps.iter().enumerate() {
        let at = base.index(i);
        if let Err(e) = fields::app_slug(&app.slug) {
            out.push(Problem::error(at.key("slug"), e));
        } else if !slugs.insert(app.slug.as_str()) {
            out.push(Problem::error(
                at.key("slug"),
                format!(
                    "two apps have the slug `{}`: slugs must be unique",
                    app.slug
                ),
            ));
        }
        if let Some(name) = &app.api_key
            && ws.api_key(name).is_none()
        {
            out.push(Problem::error(
                    at.key("api_key"),
                    format!(
                        "app `{}` uses API key `{name}`, which is not in [[api_keys]]: add it, or fix the name{}",
                        app.slug,
                        suggest(name, ws.api_keys.iter().map(|k| k.name.as_str()))
                    ),
                ));
        }
        if let Some(apple_id) = &app.apple_id {
            match ws.apple_id(apple_id) {
                None => out.push(Problem::error(
                    at.key("apple_id"),
                    format!(
                        "app `{}` uses Apple ID {apple_id}, which is not in [[apple_ids]]: add it, or fix the address{}",
                        app.slug,
                        suggest(apple_id, ws.apple_ids.iter().map(|a| a.apple_id.as_str()))
                    ),
                )),
                Some(aid) => {
                    let owner = aid.owner(ws);
                    if !app.may_use_apple_id_of(ws, owner) {
                        out.push(Problem::error(
                            at.key("apple_id"),
                            format!(
                                "app `{}` uses the Apple ID of {owner}, who is neither its owner ({}) nor an admin: add {owner} to admins, or assign the owner's or an admin's Apple ID",
                                app.slug,
                                app.owner(ws)
                            ),
                        ));
                    }
                }
            }
        }
        if app.bitrise_yml.is_some() && !app.steps.is_empty() {
            out.push(Problem::error(
                at.key("bitrise_yml"),
                format!(
                    "app `{}` has both [[apps.steps]] and [apps.bitrise_yml]: keep one source of steps",
                    app.slug
                ),
            ));
        }
        if let Some(byml) = &app.bitrise_yml
            && byml.workflows.is_empty()
            && byml.all_pipelines().is_empty()
        {
            out.push(Problem::error(
                at.key("bitrise_yml"),
                "[apps.bitrise_yml] names nothing to run: add workflows = [\"...\"] or pipelines = [\"...\"]",
            ));
        }
        for (j, step_use) in app.steps.iter().enumerate() {
            let sat = at.key("steps").index(j);
            let (id, version) = step_use.step_ref();
            // certificate-and-profile-installer uses no Apple auth but signs: `signing` judges it.
            if id == "certificate-and-profile-installer" {
                continue;
            }
            let Some((step, version_note)) = catalog.step_at(id, version) else {
                out.push(Problem::error(
                    sat.key("id"),
                    format!(
                        "unknown step `{id}`: use one of {}{}, or describe it in a [[steps]] table",
                        catalog.ids().collect::<Vec<_>>().join(", "),
                        suggest(id, catalog.ids())
                    ),
                ));
                continue;
            };
            if let Some(note) = version_note {
                out.push(Problem::warning(sat.key("version"), note));
            }
            for (name, severity, message) in input_problems(step, &step_use.inputs) {
                let iat = sat.key("inputs").key(name);
                out.push(Problem {
                    severity,
                    at: iat,
                    message,
                });
            }
        }
    }
}

/// What is wrong with the inputs a step is given: an input it does not declare (a warning: the
/// step never reads it) or a value it does not accept (an error: the step stops).
pub fn input_problems<'a>(
    step: &StepDef,
    inputs: &'a IndexMap<String, String>,
) -> Vec<(&'a str, Severity, String)> {
    let mut out = Vec::new();
    for (name, value) in inputs {
        if !step.declares_input(name) {
            let known = step
                .inputs
                .iter()
                .map(String::as_str)
                .chain(step.auth_inputs.keys().map(String::as_str));
            let at = step
                .version
                .as_deref()
                .map(|v| format!(" at {v}"))
                .unwrap_or_default();
            let why = match step.rename_hint(name) {
                Some(hint) => format!(": {hint}"),
                None => format!(": not one of its inputs{at}{}", suggest(name, known)),
            };
            out.push((
                name.as_str(),
                Severity::Warning,
                format!("{} ignores `{name}`{why}", step.id),
            ));
            continue;
        }
        if let Some(spec) = step.input_specs.get(name)
            && !step.auth_inputs.contains_key(name)
            && !spec.values.is_empty()
            && !value.contains('$')
            && !spec.values.iter().any(|v| v == value)
        {
            let values: Vec<String> = spec.values.iter().map(|v| format!("\"{v}\"")).collect();
            let hint = match value.as_str() {
                "false" | "true" => {
                    " (an unquoted off/on/yes/no in bitrise.yml arrives as false/true: quote it)"
                }
                _ => "",
            };
            out.push((
                name.as_str(),
                Severity::Error,
                format!(
                    "{} does not accept {name} = \"{value}\": write one of {}{hint}",
                    step.id,
                    values.join(", ")
                ),
            ));
            continue;
        }
        let Some(input) = step.auth_inputs.get(name) else {
            continue;
        };
        if input.values.is_empty() || value.trim_start().starts_with('$') {
            continue;
        }
        if step.canonical_value(input, value).is_none() {
            let hint = match value.as_str() {
                "false" | "true" => {
                    " (an unquoted off/on/yes/no in bitrise.yml arrives as false/true: quote it)"
                }
                _ => "",
            };
            let values: Vec<String> = input.values.iter().map(|v| format!("\"{v}\"")).collect();
            out.push((
                name.as_str(),
                Severity::Error,
                format!(
                    "{} does not accept {name} = \"{value}\": write one of {}{hint}",
                    step.id,
                    values.join(", ")
                ),
            ));
        }
    }
    out
}

/// " (did you mean `x`?)" when one candidate is close.
pub fn suggest<'a>(wrong: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let best = candidates
        .map(|c| (edit_distance(wrong, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d > 0)
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
