//! The Apps pane: assigning connections to an app, and which workflow its preview shows.

use super::super::state::*;
use super::routing::refuse_read_only;
use crate::bitrise::run;

/// `s` on the Apps pane: the API key chooser; `s` inside it switches to the Apple IDs.
pub fn assign(s: &mut AppState) {
    if refuse_read_only(s) {
        return;
    }
    let Some(app) = s.selected_app() else {
        s.set_status(StatusKind::Info, "select an app first (2)");
        return;
    };
    let ws = &s.loaded.workspace;
    let slug = app.slug.clone();
    // `s` on the Apps pane: API key chooser; a second `s` inside switches to Apple IDs.
    let in_chooser = matches!(
        s.top(),
        Some(Layer::Chooser(Chooser {
            kind: ChooserKind::ApiKey { .. } | ChooserKind::AppleId { .. },
            ..
        }))
    );
    let apple = matches!(
        s.top(),
        Some(Layer::Chooser(Chooser {
            kind: ChooserKind::ApiKey { .. },
            ..
        }))
    );
    let chooser = if !apple {
        let mut options: Vec<(Option<String>, String)> = ws
            .assignable_api_keys()
            .iter()
            .map(|k| {
                (
                    Some(k.name.clone()),
                    format!("{} ({}, {})", k.name, k.key_id, k.kind.as_str()),
                )
            })
            .collect();
        options.push((None, "(no API key)".into()));
        Chooser {
            kind: ChooserKind::ApiKey { slug },
            title: format!(
                "API key for {} · only your own keys · s: Apple IDs",
                app.slug
            ),
            options,
            selected: 0,
        }
    } else {
        let mut options: Vec<(Option<String>, String)> = ws
            .assignable_apple_ids(app)
            .iter()
            .map(|a| {
                (
                    Some(a.apple_id.clone()),
                    format!(
                        "{} ({}, {})",
                        a.apple_id,
                        a.owner(ws),
                        a.session_state(s.now).describe(s.now)
                    ),
                )
            })
            .collect();
        options.push((None, "(no Apple ID)".into()));
        Chooser {
            kind: ChooserKind::AppleId { slug },
            title: format!(
                "Apple ID for {} · the owner's and admins' · s: API keys",
                app.slug
            ),
            options,
            selected: 0,
        }
    };
    if in_chooser {
        s.layers.pop();
    }
    s.layers.push(Layer::Chooser(chooser));
}

/// `w`: pick which run of the app's bitrise.yml the preview shows (a view; the workspace is unchanged).
pub fn choose_workflow(s: &mut AppState) {
    let Some(app) = s.selected_app() else {
        s.set_status(StatusKind::Info, "select an app first (2)");
        return;
    };
    let Some(b) = &app.bitrise_yml else {
        let text = format!(
            "{} lists its steps in the workspace; give it [apps.bitrise_yml] to preview the workflows of a bitrise.yml",
            app.slug
        );
        s.set_status(StatusKind::Info, text);
        return;
    };
    let path = run::file_path(&s.loaded.path, b);
    let yml = match s.files.get(&path).map(|f| &f.yml) {
        Some(Ok(yml)) => yml.clone(),
        Some(Err(e)) => {
            let text = e.clone();
            s.set_status(StatusKind::Error, text);
            return;
        }
        None => return,
    };
    let configured = run::describe(&run::configured(b));
    let mut options = vec![(None, format!("as in the workspace: {configured}"))];
    let mut targets = vec![None];
    for t in run::runnable(&yml) {
        let label = match &t {
            run::Target::Pipeline(p) => {
                format!("{} ({})", t.label(), run::pipeline_kind(&yml, p))
            }
            _ => t.label(),
        };
        options.push((Some(label.clone()), label));
        targets.push(Some(t));
    }
    let current = s
        .workflow_view
        .get(&app.slug)
        .and_then(|v| v.first())
        .cloned();
    let selected = targets
        .iter()
        .position(|t| t.is_some() && *t == current)
        .unwrap_or(0);
    let chooser = Chooser {
        kind: ChooserKind::Workflow {
            slug: app.slug.clone(),
            targets,
        },
        title: format!("Preview which run of {} · {}", b.path, app.slug),
        options,
        selected,
    };
    s.layers.push(Layer::Chooser(chooser));
}

pub fn view_workflow(s: &mut AppState, slug: String, target: Option<run::Target>) {
    let text = match &target {
        Some(t) => format!(
            "previewing {} of {slug} (the workspace is unchanged)",
            t.label()
        ),
        None => format!("previewing {slug} as the workspace runs it"),
    };
    match target {
        Some(t) => s.workflow_view.insert(slug, vec![t]),
        None => s.workflow_view.remove(&slug),
    };
    s.preview_sel = 0;
    s.refresh_preview();
    s.set_status(StatusKind::Info, text);
}

/// `d` on an app: the confirmation, saying what goes with it (the connections stay).
pub fn delete(s: &mut AppState) {
    if super::routing::refuse_read_only(s) {
        return;
    }
    let Some(app) = s.selected_app() else {
        return;
    };
    let slug = app.slug.clone();
    let loses = app.what_removal_loses();
    let mut lines = Vec::new();
    if loses.is_empty() {
        lines.push("Nothing else goes with it.".to_string());
    } else {
        lines.push("It goes with:".to_string());
        lines.extend(loses.iter().map(|l| format!("  • {l}")));
    }
    lines.push("The connections and their secrets stay.".into());
    lines.push(String::new());
    lines.push("y remove · n keep".into());
    s.layers.push(Layer::Confirm {
        title: format!("Remove app {slug}?"),
        lines,
        pending: Pending::RemoveApp(slug),
        scroll: Default::default(),
    });
}
