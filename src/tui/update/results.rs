//! Messages from the effects: saves, failures, the sign-in's steps, tokens, files read.

use super::super::action::Action;
use super::super::keymap::Context;
use super::super::state::*;
use super::forms;
use super::messages::{Effect, Msg};
use super::navigation::clamp_selections;

pub fn on_result(s: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            s.spinner = s.spinner.wrapping_add(1);
            s.ticked = now;
            // Session states and token countdowns move with the clock; recompute once a minute.
            if (now - s.now).num_seconds().abs() >= 60 {
                s.now = now;
                s.refresh_all();
            }
        }
        Msg::Saved(loaded, message) => {
            // A connection or app this save added becomes the selected row.
            let ws = &s.loaded.workspace;
            let keys: Vec<String> = ws.api_keys.iter().map(|k| k.name.clone()).collect();
            let aids: Vec<String> = ws.apple_ids.iter().map(|a| a.apple_id.clone()).collect();
            let apps: Vec<String> = ws.apps.iter().map(|a| a.slug.clone()).collect();
            s.loaded = *loaded;
            let ws = &s.loaded.workspace;
            let new_conn = ws
                .api_keys
                .iter()
                .position(|k| !keys.contains(&k.name))
                .map(ConnRow::ApiKey)
                .or_else(|| {
                    ws.apple_ids
                        .iter()
                        .position(|a| !aids.contains(&a.apple_id))
                        .map(ConnRow::AppleId)
                });
            let new_app = ws.apps.iter().position(|a| !apps.contains(&a.slug));
            s.disk_changed = false;
            let steps = s.loaded.catalog.steps.len();
            s.matrix_value.resize(steps, 0);
            clamp_selections(s);
            if let Some(row) = new_conn {
                s.filters[Pane::Connections.index()].clear();
                s.conn_sel = s.conn_rows().iter().position(|r| *r == row).unwrap_or(0);
            }
            if let Some(i) = new_app {
                s.filters[Pane::Apps.index()].clear();
                s.app_sel = s.app_rows().iter().position(|r| *r == i).unwrap_or(0);
            }
            s.refresh_all();
            // A finished form closes; a finished sign-in too.
            if matches!(
                s.top(),
                Some(Layer::Form(_)) | Some(Layer::Confirm { .. }) | Some(Layer::Chooser(_))
            ) {
                s.layers.pop();
            }
            s.signin = None;
            s.set_status(StatusKind::Ok, message);
        }
        Msg::Failed(text) => {
            if let Some(Layer::Form(form)) = s.layers.last_mut() {
                form.busy = None;
                form.error = Some(text.clone());
                // "Workflows: the file offers …": what is typed next goes into Workflows.
                if let FormBody::AddApp(f) = &mut form.body
                    && text.starts_with("Workflows:")
                {
                    f.focus = super::super::form::AddAppFocus::Runs;
                }
            }
            if matches!(s.top(), Some(Layer::Confirm { .. })) {
                s.layers.pop();
            }
            s.set_status(StatusKind::Error, text);
        }
        Msg::SignInProgress(text) => {
            if let Some(Layer::Form(form)) = s.layers.last_mut() {
                form.busy = Some(text);
            }
        }
        Msg::NeedCode(request) => {
            let apple_id = s
                .signin
                .as_ref()
                .map(|x| x.apple_id.clone())
                .unwrap_or_default();
            let form = forms::sign_in::two_factor_form(&apple_id, &request);
            if let Some(si) = s.signin.as_mut() {
                si.request = Some(request);
            }
            replace_or_push(s, form);
        }
        Msg::SignedIn {
            apple_id,
            reauth,
            expires,
        } => {
            if reauth {
                // The effects save the renewed session right away.
                if let Some(Layer::Form(f)) = s.layers.last_mut() {
                    f.busy = Some(format!("Signed in; session expires {expires}. Saving…"));
                }
            } else {
                let by_reference = s.signin.as_ref().is_some_and(|si| si.store.is_some());
                let form =
                    forms::sign_in::app_specific_password_form(&apple_id, &expires, by_reference);
                replace_or_push(s, form);
            }
        }
        Msg::SignInFailed(text) => sign_in_failed(s, text),
        Msg::Minted(view) => {
            s.status = None;
            s.layers.push(Layer::Token(view));
        }
        Msg::Completed {
            field,
            value,
            candidates,
        } => {
            let mut said = None;
            if let Some(Layer::Form(form)) = s.layers.last_mut() {
                let n = form.body.fields().len();
                if let Some(f) = form.body.field_at_mut(field) {
                    if f.value() != value {
                        f.set(value);
                    } else if candidates.len() > 1 {
                        // bash's second Tab: the candidates, and the focus stays to type more.
                        said = Some(format!(
                            "{} match: {}",
                            candidates.len(),
                            candidates.join("  ")
                        ));
                    } else {
                        let next = (form.body.focus_index() + 1) % n.max(1);
                        form.body.set_focus_index(next);
                    }
                }
            }
            if let Some(text) = said {
                s.set_status(StatusKind::Info, text);
            }
        }
        Msg::RunsListed { read_for, result } => forms::add_app::runs_listed(s, read_for, result),
        Msg::Status(kind, text) => s.set_status(kind, text),
        Msg::OwnBitriseFile(path, file) => {
            // Its own write is no news; a file that does not load still says why.
            let broken = file.yml.as_ref().err().cloned();
            s.files.insert(path, file);
            s.refresh_all();
            if let Some(e) = broken {
                s.set_status(StatusKind::Error, e);
            }
        }
        Msg::BitriseFile(path, file) => {
            let name = path.display().to_string();
            let reread = s.files.contains_key(&path);
            let status = match &file.yml {
                Ok(_) if reread => Some((
                    StatusKind::Info,
                    format!("{name} changed on disk: read it again"),
                )),
                Ok(_) => None,
                Err(e) => Some((StatusKind::Error, e.clone())),
            };
            s.files.insert(path, file);
            s.refresh_all();
            if let Some((kind, text)) = status {
                s.set_status(kind, text);
            }
        }
        Msg::DiskChanged => {
            if !s.disk_changed {
                s.disk_changed = true;
                s.set_status(StatusKind::Info, "the workspace file changed on disk: press ctrl-r to reload (your next save is refused until you do)");
            }
        }
        Msg::Trusted => s.trust_resolved(),
        Msg::Keyring(result) => forms::store::probed(s, result),
        Msg::BitriseProgress { done, total } => {
            if let Some(p) = &mut s.pull {
                p.done = done;
                p.total = total.or(p.total);
            }
        }
        Msg::BitrisePulled {
            loaded,
            kind,
            message,
        } => {
            s.pull = None;
            // Whatever else is open (a form, a modal) stays open: the pull ran beside it.
            if let Some(loaded) = loaded {
                s.loaded = *loaded;
                s.disk_changed = false;
                let steps = s.loaded.catalog.steps.len();
                s.matrix_value.resize(steps, 0);
                clamp_selections(s);
                s.refresh_all();
            }
            s.set_status(kind, message);
        }
        Msg::BitrisePushPlanned(result) => return super::bitrise::push_planned(s, result),

        Msg::Signing(result) => super::super::signing::show(s, result),
        Msg::BitriseKeys(rows) => {
            s.on_bitrise = Some(
                rows.into_iter()
                    .filter(|r| r.local_name.is_some())
                    .map(|r| (r.key_id, r.status))
                    .collect(),
            );
        }
        // Keys, pastes and resizes are routed before this.
        Msg::Key(_) | Msg::Paste(_) | Msg::Resize => {}
    }
    Vec::new()
}

fn replace_or_push(s: &mut AppState, form: Form) {
    match s.layers.last_mut() {
        Some(Layer::Form(f)) => *f = form,
        _ => s.layers.push(Layer::Form(form)),
    }
}

/// The request is over: no code field may stay waiting for an answer nobody reads.
fn sign_in_failed(s: &mut AppState, text: String) {
    let signin = s.signin.take();
    let adding = signin.as_ref().is_some_and(|si| !si.reauth);
    let code_step = matches!(
        s.top(),
        Some(Layer::Form(Form {
            body: FormBody::TwoFactor(_) | FormBody::AppSpecificPassword(_),
            ..
        }))
    );
    let first_step = match &signin {
        Some(si) if adding && code_step => Some(forms::add_apple_id::again(s, si)),
        _ => None,
    };
    if let Some(Layer::Form(form)) = s.layers.last_mut() {
        if adding {
            // Back to the first step: Enter there starts again (the retry); Esc leaves.
            if let Some(first) = first_step {
                *form = first;
            }
            form.error = Some(format!("{text} · {}", retry_advice(&text)));
            form.busy = None;
        } else if code_step || form.busy.is_some() {
            s.layers.pop();
        } else {
            form.busy = None;
            form.error = Some(text.clone());
        }
    }
    let retry = match (&signin, s.keymap.key_for(Context::Main, Action::Reauth)) {
        (Some(si), Some(k)) if si.reauth => format!(" · {k}: try again"),
        _ => String::new(),
    };
    s.set_status(StatusKind::Error, format!("{text}{retry}"));
}

/// What to do after a failed sign-in: Enter retries, except where retrying cannot help (a
/// variable this process was started without stays unset until apple-conn starts again).
fn retry_advice(text: &str) -> String {
    let unset = text.contains("is not set") || text.contains("is empty");
    match text
        .split("environment variable ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .filter(|_| unset)
    {
        Some(var) => format!(
            "apple-conn cannot see a variable set after it started: quit, `export {var}=…`, start it again (or write file:PATH in Password from)"
        ),
        None => "enter: try again".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unset_variable_is_not_offered_a_retry() {
        let a = super::retry_advice("Password from: environment variable APPLE_PW is not set");
        assert!(
            a.contains("export APPLE_PW=") && !a.contains("try again"),
            "{a}"
        );
        assert_eq!(super::retry_advice("wrong password"), "enter: try again");
    }
}
