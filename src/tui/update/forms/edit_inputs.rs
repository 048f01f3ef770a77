//! The step-inputs form: every input of the step's version (StepLib data), saved one change each.

use super::super::super::form::EditInputs;
use super::super::super::state::*;
use super::super::messages::{Change, Effect};
use super::super::routing::refuse_read_only;
use super::refuse;

/// Every input of the version the step names: its auth inputs, then the inputs its own checks
/// name (bundle_id, app_id, ipa_path, lane…), then the rest in step.yml order; each with its
/// default and allowed values.
pub fn input_fields(
    step: &crate::domain::catalog::StepDef,
    step_use: &crate::domain::workspace::StepUse,
) -> Vec<Field> {
    let mut names: Vec<&str> = step.auth_inputs.keys().map(String::as_str).collect();
    for p in &step.preconditions {
        names.extend(p.required.as_deref());
        names.extend(p.one_of.iter().map(String::as_str));
        names.extend(p.exactly_one_of.iter().map(String::as_str));
    }
    names.extend(step.input_specs.keys().map(String::as_str));
    // Inputs the workspace sets that this version does not declare stay editable (and visible).
    names.extend(step_use.inputs.keys().map(String::as_str));
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(*n));
    names
        .into_iter()
        .map(|name| {
            let current = step_use.inputs.get(name).cloned().unwrap_or_default();
            let auth = step.auth_inputs.get(name);
            let spec = step.input_specs.get(name);
            let kind = if auth.is_some_and(|a| a.secret) {
                FieldKind::Secret
            } else {
                FieldKind::Text
            };
            let (default, values) = match (auth, spec) {
                (Some(a), _) => (a.default.clone(), a.values.clone()),
                (None, Some(sp)) => (sp.default.clone(), sp.values.clone()),
                (None, None) => (String::new(), Vec::new()),
            };
            let mut f = Field::new(name, kind, Check::InputValue).with_value(&current);
            f.hint = match (values.is_empty(), spec.is_some_and(|sp| sp.required)) {
                (true, req) => format!(
                    "default \"{default}\"{}",
                    if req { " · required" } else { "" }
                ),
                (false, _) => format!("{}; default {default}", values.join("|")),
            };
            if spec.is_none() && auth.is_none() {
                f.hint = "not an input of this version".into();
            }
            f.values = values;
            f
        })
        .collect()
}

pub fn open(s: &mut AppState) {
    if refuse_read_only(s) {
        return;
    }
    let Some(app) = s.selected_app() else {
        return;
    };
    // The step the focused pane shows: a matrix row is that step in the selected app; the
    // Apps and Preview panes show the Preview's selected step.
    let step_index = if s.focus == Pane::Matrix {
        let Some(&row) = s.matrix_rows().get(s.matrix_sel) else {
            return;
        };
        let id = s.loaded.catalog.steps[row].id.clone();
        match s.preview.iter().position(|p| p.step_id == id) {
            Some(i) => Some(i),
            None => {
                let text = format!(
                    "{} does not use {id}: its steps are listed in the Preview (4)",
                    app.slug
                );
                s.set_status(StatusKind::Info, text);
                return;
            }
        }
    } else {
        s.preview_rows().get(s.preview_sel).copied().or(Some(0))
    };
    if let Some(o) = step_index
        .and_then(|i| s.preview.get(i))
        .and_then(|p| p.origin.as_ref())
    {
        let text = format!(
            "{}'s inputs come from its bitrise.yml (`{}` at {}:{}): edit the file; apple-conn reads it again when it changes",
            app.slug, o.reference, o.file, o.line
        );
        s.set_status(StatusKind::Info, text);
        return;
    }
    if app.bitrise_yml.is_some() {
        let text = format!(
            "{}'s steps come from its bitrise.yml: edit the file",
            app.slug
        );
        s.set_status(StatusKind::Info, text);
        return;
    }
    let Some(step_use) = step_index.and_then(|i| app.steps.get(i)) else {
        s.set_status(StatusKind::Info, "this app has no steps to edit");
        return;
    };
    let step_index = step_index.unwrap_or(0);
    // The version the step names (`deliver@2.19`, `version = …`) decides its inputs.
    let (step_id, reference) = step_use.step_ref();
    let Some((step, _)) = s.loaded.catalog.step_at(step_id, reference) else {
        return;
    };
    let inputs = input_fields(step, step_use);
    let body = EditInputs {
        slug: app.slug.clone(),
        step_index,
        step_id: step_use.id.clone(),
        inputs,
        focus: 0,
    };
    let form = Form::new(
        format!("Inputs · {} · #{step_index} {}", app.slug, step_use.id),
        FormBody::EditInputs(body),
        vec![
            "Empty means the step's default. $VAR values are set at build time. Auth inputs first, then the ones the step's checks name, then the rest of this version's step.yml.".into(),
        ],
    );
    s.layers.push(Layer::Form(form));
}

pub fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(Form {
        body: FormBody::EditInputs(f),
        ..
    })) = s.top()
    else {
        return Vec::new();
    };
    let f = f.clone();
    // A literal secret is refused here, never saved and never shown back.
    if let Some(e) = f
        .inputs
        .iter()
        .find_map(|i| crate::domain::secret_inputs::refusal(&f.step_id, &i.label, i.value()))
    {
        return refuse(s, e);
    }
    let app = s.loaded.workspace.app(&f.slug);
    let mut effects = Vec::new();
    // The label is the input's name: the form's fields are the step's inputs.
    for i in &f.inputs {
        let current = app
            .and_then(|a| a.steps.get(f.step_index))
            .and_then(|st| st.inputs.get(&i.label))
            .cloned()
            .unwrap_or_default();
        if current != i.value() {
            effects.push(Effect::Apply(Change::SetInput {
                slug: f.slug.clone(),
                step_index: f.step_index,
                input: i.label.clone(),
                value: (!i.value().is_empty()).then(|| i.value().to_string()),
            }));
        }
    }
    if effects.is_empty() {
        s.layers.pop();
        s.set_status(StatusKind::Info, "no input changed");
    }
    effects
}
