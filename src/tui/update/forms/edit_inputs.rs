//! The step-inputs form: one field per auth input of the step's version, saved one change each.

use super::super::super::form::EditInputs;
use super::super::super::state::*;
use super::super::messages::{Change, Effect};
use super::super::routing::refuse_read_only;
use super::refuse;

pub fn open(s: &mut AppState) {
    if refuse_read_only(s) {
        return;
    }
    let Some(app) = s.selected_app() else {
        return;
    };
    let step_index = if s.focus == Pane::Preview {
        s.preview_rows().get(s.preview_sel).copied()
    } else {
        Some(0)
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
    let inputs = step
        .auth_inputs
        .iter()
        .map(|(name, input)| {
            let current = step_use.inputs.get(name).cloned().unwrap_or_default();
            let kind = if input.secret {
                FieldKind::Secret
            } else {
                FieldKind::Text
            };
            let mut f = Field::new(name, kind, Check::InputValue).with_value(&current);
            f.values = input.values.clone();
            f.hint = if input.values.is_empty() {
                format!("default \"{}\"", input.default)
            } else {
                format!("{} (default {})", input.values.join(" | "), input.default)
            };
            f
        })
        .collect();
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
        vec!["Empty means the step's default. $VAR values are set at build time.".into()],
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
