//! bitrise.yml: load (YAML 1.1 scalars, positions), expand (chains, bundles, `with`, pipelines)
//! into the domain's step uses; the portal-data export lives in `portal`.

pub mod api;
pub mod expand;
pub mod include;
pub mod load;
pub mod portal;
pub mod run;
pub mod run_if;
pub mod secrets_file;
pub mod step_yml;
pub mod stepref;
pub mod template;
pub mod triggers;
pub mod yaml;

use indexmap::IndexMap;

use crate::domain::catalog::Catalog;
use crate::domain::check::input_problems;
use crate::domain::problem::Severity;
use crate::domain::resolution::{Level, Note, Outcome, Resolution};
use crate::domain::workspace::StepUse;
use expand::Expanded;
use stepref::RefKind;

/// One step of a run, ready for the engine (or skipped, with why).
#[derive(Debug, Clone)]
pub struct Planned {
    pub expanded: Expanded,
    pub step_use: StepUse,
    pub notes: Vec<String>,
    pub skip: Option<String>,
}

/// Maps expanded steps to catalog steps: git::/path:: through `map`, undeclared inputs reported.
pub fn plan(steps: &[Expanded], catalog: &Catalog, map: &IndexMap<String, String>) -> Vec<Planned> {
    steps
        .iter()
        .map(|e| {
            let mut notes = Vec::new();
            let id = match e.step.kind {
                RefKind::StepLib => Some(e.step.id_or_uri.clone()),
                RefKind::Git | RefKind::Path => map.get(&e.reference).cloned(),
            };
            let skip = match (&id, e.step.kind.clone()) {
                (None, kind) => Some(format!(
                    "`{}` is a {} reference: bitrise.yml does not name its step; map it in the workspace, e.g. [apps.bitrise_yml.map] \"{}\" = \"deploy-to-itunesconnect-deliver\"",
                    e.reference,
                    if kind == RefKind::Git { "git::" } else { "path::" },
                    e.reference
                )),
                (Some(id), _) if catalog.step(id).is_none() => Some(format!("{id} uses no Apple auth apple-conn models: nothing to check")),
                _ => None,
            };
            let mut inputs = IndexMap::new();
            let reference = if e.step.kind == RefKind::StepLib { e.step.version.as_str() } else { "" };
            if let Some((step, version_note)) = id.as_deref().and_then(|i| catalog.step_at(i, reference)) {
                // An undeclared input is reported and dropped, as the step never reads it.
                for (_, severity, message) in input_problems(step, &e.inputs) {
                    if severity == Severity::Warning {
                        notes.push(message);
                    }
                }
                inputs.extend(
                    e.inputs
                        .iter()
                        .filter(|(k, _)| step.declares_input(k))
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                for d in &e.duplicated {
                    // models_methods.go:1603: the step.yml's input takes the first bitrise.yml value.
                    notes.push(format!("invalid step: duplicated input found: ({d}); the CLI uses the first one"));
                }
                notes.extend(version_note);
            }
            Planned {
                expanded: e.clone(),
                step_use: StepUse {
                    id: id.unwrap_or_else(|| e.reference.clone()),
                    inputs,
                    version: (e.step.kind == RefKind::StepLib && !e.step.version.is_empty()).then(|| e.step.version.clone()),
                    literal: e.literal.clone(),
                },
                notes,
                skip,
            }
        })
        .collect()
}

/// Folds the plan's notes into a resolution (a skipped step stays skipped, with its reason): a
/// step the CLI skips (run_if false) is `skipped` with no auth; one it fails before running (a
/// run_if or input template it cannot evaluate) is `fail`; an undecided run_if is said.
pub fn with_notes(mut r: Resolution, planned: &Planned) -> Resolution {
    let e = &planned.expanded;
    let stopped = match (&e.run_if, &e.prepare_error) {
        (Some(ri), _) if ri.verdict == run_if::Verdict::False => {
            Some((Outcome::Skipped, Level::Info, ri.reason()))
        }
        (Some(ri), _) if ri.verdict == run_if::Verdict::Error => {
            Some((Outcome::Fail, Level::Error, ri.reason()))
        }
        (_, Some(err)) => Some((
            Outcome::Fail,
            Level::Error,
            format!("the CLI fails this step: {err}"),
        )),
        _ => None,
    };
    if let Some((outcome, level, text)) = stopped {
        // The step never runs: no auth, nothing received.
        return Resolution {
            outcome,
            auth: None,
            origin: None,
            source: None,
            identity: None,
            session_expires_at: None,
            connection_value: None,
            receives: Vec::new(),
            walk: Vec::new(),
            log: Vec::new(),
            skipped_because: (outcome == Outcome::Skipped).then(|| text.clone()),
            signing: None,
            notes: vec![Note { level, text }],
        };
    }
    if let Some(ri) = e
        .run_if
        .as_ref()
        .filter(|ri| ri.verdict == run_if::Verdict::Undecided)
    {
        r.notes.push(Note {
            level: Level::Info,
            text: ri.reason(),
        });
    }
    if let Some(skip) = &planned.skip {
        r.outcome = Outcome::Skipped;
        r.notes = vec![Note {
            level: Level::Info,
            text: skip.clone(),
        }];
        return r;
    }
    for n in &planned.notes {
        r.notes.push(Note {
            level: Level::Warning,
            text: n.clone(),
        });
    }
    if !planned.notes.is_empty() && r.outcome == Outcome::Ok {
        r.outcome = Outcome::Warning;
    }
    r
}
