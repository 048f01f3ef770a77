//! update(state, msg) -> effects. Changes state only; every read of disk, keyring, clock or
//! network is an Effect whose result comes back as a Msg.

use chrono::{DateTime, Utc};
use tui_input::InputRequest;

use super::action::Action;
use super::event::{Code, Key};
use super::keymap::Context;
use super::state::*;
use crate::apple::signin::{CodeAnswer, CodeRequest, Delivery, Retry};
use crate::bitrise::run;
use crate::domain::catalog::InputRole;
use crate::domain::fields;
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::{ApiKey, KeyKind};
use crate::secrets::SecretValue;
use crate::store::Loaded;
use crate::store::edit::ConnectionKind;

/// A change to the workspace, applied by the effects under the file lock (or in memory for --demo).
#[derive(Debug, Clone)]
pub enum Change {
    Assign {
        slug: String,
        field: &'static str,
        to: Option<String>,
    },
    SetInput {
        slug: String,
        step_index: usize,
        input: String,
        value: Option<String>,
    },
    EditApiKey {
        name: String,
        new_name: String,
        issuer_id: Option<String>,
        enterprise: bool,
    },
}

/// The Apple ID edit form's result: references, and a new app-specific password for the keyring.
#[derive(Debug)]
pub struct AppleIdEdit {
    pub apple_id: String,
    pub password: SecretRef,
    pub app_specific_password: Option<SecretRef>,
    pub new_app_specific_password: Option<SecretValue>,
}

/// The form's Store choice: the OS keyring, or a reference to the file / env var the key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStore {
    Keyring,
    Reference,
}

#[derive(Debug)]
pub enum Effect {
    EditAppleId(AppleIdEdit),
    AddApiKey {
        key: ApiKey,
        /// A path, `env:VAR`, or the pasted key itself: a secret either way, never in Debug output.
        p8: SecretValue,
        store: KeyStore,
    },
    StartSignIn {
        apple_id: String,
        password: Option<SecretValue>,
        reauth: bool,
    },
    Answer(CodeAnswer),
    CancelSignIn,
    FinishAppleId {
        apple_id: String,
        asp: Option<SecretValue>,
    },
    Apply(Change),
    Remove {
        kind: ConnectionKind,
        id: String,
    },
    MintToken(String),
    TestConnection(String),
    Copy(String),
    CompletePath {
        field: usize,
        value: String,
    },
    Reload,
}

#[derive(Debug)]
pub enum Msg {
    Key(Key),
    Paste(String),
    Tick(DateTime<Utc>),
    Resize,
    /// A save (or in-memory change) succeeded: the new workspace.
    Saved(Box<Loaded>, String),
    Failed(String),
    SignInProgress(String),
    NeedCode(CodeRequest),
    SignedIn {
        apple_id: String,
        reauth: bool,
        expires: String,
    },
    SignInFailed(String),
    Minted(TokenView),
    Completed {
        field: usize,
        value: String,
    },
    DiskChanged,
    /// An app's bitrise.yml was read (first time, or again because it changed on disk).
    BitriseFile(std::path::PathBuf, super::bitrise_files::BitriseFile),
    /// A line for the status bar from a background job (the connection test).
    Status(StatusKind, String),
}

pub fn update(s: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(s, key),
        Msg::Paste(text) => on_paste(s, &text),
        Msg::Tick(now) => {
            s.spinner = s.spinner.wrapping_add(1);
            // Session states and token countdowns move with the clock; recompute once a minute.
            if (now - s.now).num_seconds().abs() >= 60 {
                s.now = now;
                s.refresh_all();
            }
            Vec::new()
        }
        Msg::Resize => Vec::new(),
        Msg::Saved(loaded, message) => {
            s.loaded = *loaded;
            s.disk_changed = false;
            let steps = s.loaded.catalog.steps.len();
            s.matrix_value.resize(steps, 0);
            clamp_selections(s);
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
            Vec::new()
        }
        Msg::Failed(text) => {
            if let Some(Layer::Form(form)) = s.layers.last_mut() {
                form.busy = None;
                form.error = Some(text.clone());
            }
            if matches!(s.top(), Some(Layer::Confirm { .. })) {
                s.layers.pop();
            }
            s.set_status(StatusKind::Error, text);
            Vec::new()
        }
        Msg::SignInProgress(text) => {
            if let Some(Layer::Form(form)) = s.layers.last_mut() {
                form.busy = Some(text);
            }
            Vec::new()
        }
        Msg::NeedCode(request) => {
            let apple_id = s
                .signin
                .as_ref()
                .map(|x| x.apple_id.clone())
                .unwrap_or_default();
            let form = two_factor_form(&apple_id, &request);
            if let Some(si) = s.signin.as_mut() {
                si.request = Some(request);
            }
            match s.layers.last_mut() {
                Some(Layer::Form(f)) => *f = form,
                _ => s.layers.push(Layer::Form(form)),
            }
            Vec::new()
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
                Vec::new()
            } else {
                let mut form = Form {
                    kind: FormKind::AppSpecificPassword { apple_id: apple_id.clone() },
                    title: format!("Add Apple ID · {apple_id} · app-specific password"),
                    fields: vec![Field::new("App-specific password", FieldKind::Secret, Check::AppSpecificPasswordOptional)],
                    focus: 0,
                    error: None,
                    notes: vec![
                        format!("Signed in. The session expires {expires}."),
                        "Uploads of a 2FA account need an app-specific password (appleid.apple.com › App-Specific Passwords).".into(),
                        "Leave it empty to add it later.".into(),
                    ],
                    busy: None,
                    phones: Vec::new(),
                };
                form.fields[0].hint = "xxxx-xxxx-xxxx-xxxx".into();
                match s.layers.last_mut() {
                    Some(Layer::Form(f)) => *f = form,
                    _ => s.layers.push(Layer::Form(form)),
                }
                Vec::new()
            }
        }
        Msg::SignInFailed(text) => {
            // The request is over: no code field may stay waiting for an answer nobody reads.
            let signin = s.signin.take();
            let adding = signin.as_ref().is_some_and(|si| !si.reauth);
            let code_step = matches!(
                s.top(),
                Some(Layer::Form(Form {
                    kind: FormKind::TwoFactor { .. } | FormKind::AppSpecificPassword { .. },
                    ..
                }))
            );
            if let Some(Layer::Form(form)) = s.layers.last_mut() {
                if adding {
                    // Back to the first step: Enter there starts again (the retry); Esc leaves.
                    if code_step {
                        *form = add_apple_id_form();
                        if let Some(si) = &signin
                            && let Some(f) = form.fields.first_mut()
                        {
                            f.input = tui_input::Input::new(si.apple_id.clone());
                        }
                        form.focus = 1;
                    }
                    form.error = Some(format!("{text} · enter: try again"));
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
            Vec::new()
        }
        Msg::Minted(view) => {
            s.layers.push(Layer::Token(view));
            Vec::new()
        }
        Msg::Completed { field, value } => {
            if let Some(Layer::Form(form)) = s.layers.last_mut()
                && let Some(f) = form.fields.get_mut(field)
            {
                if f.value() == value {
                    form.focus = (form.focus + 1) % form.fields.len();
                } else {
                    f.input = tui_input::Input::new(value);
                }
            }
            Vec::new()
        }
        Msg::Status(kind, text) => {
            s.set_status(kind, text);
            Vec::new()
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
            Vec::new()
        }
        Msg::DiskChanged => {
            if !s.disk_changed {
                s.disk_changed = true;
                s.set_status(StatusKind::Info, "the workspace file changed on disk: press ctrl-r to reload (your next save is refused until you do)");
            }
            Vec::new()
        }
    }
}

fn clamp_selections(s: &mut AppState) {
    let c = s.conn_rows().len();
    s.conn_sel = s.conn_sel.min(c.saturating_sub(1));
    let a = s.app_rows().len();
    s.app_sel = s.app_sel.min(a.saturating_sub(1));
}

fn on_paste(s: &mut AppState, text: &str) -> Vec<Effect> {
    if let Some(pane) = s.filtering {
        s.filters[pane.index()].push_str(text.trim());
        return Vec::new();
    }
    if let Some(Layer::Form(form)) = s.layers.last_mut()
        && let Some(field) = form.fields.get_mut(form.focus)
    {
        // Pasted key content keeps its newlines; other fields take one line.
        // Terminals send pasted line ends as CR: a PEM needs LF to parse (and to be masked).
        let text = if field.kind == FieldKind::Path {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text.trim().to_string()
        };
        let mut v = field.value().to_string();
        v.push_str(&text);
        field.input = tui_input::Input::new(v);
        form.error = None;
    }
    Vec::new()
}

fn on_key(s: &mut AppState, key: Key) -> Vec<Effect> {
    if let Some(pane) = s.filtering {
        let f = &mut s.filters[pane.index()];
        match key.code {
            Code::Esc => {
                f.clear();
                s.filtering = None;
            }
            Code::Enter => s.filtering = None,
            Code::Backspace => {
                f.pop();
            }
            Code::Char(c) if !key.ctrl && !key.alt => f.push(c),
            _ => {}
        }
        reset_selection(s, pane);
        return Vec::new();
    }
    match s.layers.last() {
        Some(Layer::Form(_)) => form_key(s, key),
        Some(_) => layer_key(s, key),
        None => match s.keymap.action(Context::Main, key) {
            Some(action) => main_action(s, action),
            None => Vec::new(),
        },
    }
}

fn reset_selection(s: &mut AppState, pane: Pane) {
    match pane {
        Pane::Connections => s.conn_sel = 0,
        Pane::Apps => {
            s.app_sel = 0;
            s.refresh_preview();
        }
        Pane::Matrix => s.matrix_sel = 0,
        Pane::Preview => s.preview_sel = 0,
    }
}

fn layer_key(s: &mut AppState, key: Key) -> Vec<Effect> {
    let action = s.keymap.action(Context::Main, key);
    let Some(layer) = s.layers.last_mut() else {
        return Vec::new();
    };
    match layer {
        Layer::Help => {
            if matches!(
                action,
                Some(Action::Close | Action::Help | Action::Quit | Action::Open)
            ) {
                s.layers.pop();
            }
            Vec::new()
        }
        Layer::Confirm { pending, .. } => {
            let pending = pending.clone();
            match key.code {
                Code::Char('y') | Code::Char('Y') | Code::Enter => {
                    let effect = match pending {
                        Pending::RemoveApiKey(name) => Effect::Remove {
                            kind: ConnectionKind::ApiKey,
                            id: name,
                        },
                        Pending::RemoveAppleId(id) => Effect::Remove {
                            kind: ConnectionKind::AppleId,
                            id,
                        },
                        Pending::Reload => {
                            s.layers.pop();
                            Effect::Reload
                        }
                    };
                    vec![effect]
                }
                Code::Char('n') | Code::Char('N') | Code::Esc => {
                    s.layers.pop();
                    Vec::new()
                }
                _ => Vec::new(),
            }
        }
        Layer::Detail { .. } => {
            if matches!(action, Some(Action::Close | Action::Open | Action::Quit)) {
                s.layers.pop();
            }
            Vec::new()
        }
        Layer::Token(view) => match action {
            Some(Action::Copy) => {
                let token = view.token.clone();
                s.set_status(StatusKind::Ok, "token copied to the clipboard (OSC 52)");
                vec![Effect::Copy(token)]
            }
            Some(Action::Close | Action::Quit | Action::Open) => {
                s.layers.pop();
                Vec::new()
            }
            _ => Vec::new(),
        },
        Layer::Chooser(ch) => match action {
            // `s` inside a connection chooser switches between API keys and Apple IDs.
            Some(Action::Assign)
                if matches!(
                    ch.kind,
                    ChooserKind::ApiKey { .. } | ChooserKind::AppleId { .. }
                ) =>
            {
                assign(s)
            }
            Some(Action::Up) => {
                ch.selected = ch.selected.saturating_sub(1);
                Vec::new()
            }
            Some(Action::Down) => {
                ch.selected = (ch.selected + 1).min(ch.options.len().saturating_sub(1));
                Vec::new()
            }
            Some(Action::Open) => {
                let Some((value, _)) = ch.options.get(ch.selected).cloned() else {
                    return Vec::new();
                };
                let (slug, field) = match &ch.kind {
                    ChooserKind::ApiKey { slug } => (slug.clone(), "api_key"),
                    ChooserKind::AppleId { slug } => (slug.clone(), "apple_id"),
                    ChooserKind::NewConnection => {
                        s.layers.pop();
                        let form = match value.as_deref() {
                            Some("apple_id") => add_apple_id_form(),
                            _ => add_api_key_form(),
                        };
                        s.layers.push(Layer::Form(form));
                        return Vec::new();
                    }
                    ChooserKind::Workflow { slug, targets } => {
                        let (slug, target) =
                            (slug.clone(), targets.get(ch.selected).cloned().flatten());
                        s.layers.pop();
                        view_workflow(s, slug, target);
                        return Vec::new();
                    }
                };
                vec![Effect::Apply(Change::Assign {
                    slug,
                    field,
                    to: value,
                })]
            }
            Some(Action::Close | Action::Quit) => {
                s.layers.pop();
                Vec::new()
            }
            _ => Vec::new(),
        },
        Layer::Doctor(_) => {
            super::doctor::key(s, action);
            Vec::new()
        }
        Layer::Form(_) => Vec::new(),
    }
}

fn move_sel(sel: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *sel = 0;
        return;
    }
    let next = (*sel as isize + delta).clamp(0, len as isize - 1);
    *sel = next as usize;
}

fn main_action(s: &mut AppState, action: Action) -> Vec<Effect> {
    s.status = None;
    match action {
        Action::Quit => {
            s.quit = true;
            Vec::new()
        }
        Action::Help => {
            s.layers.push(Layer::Help);
            Vec::new()
        }
        Action::NextPane => {
            s.focus = Pane::ALL[(s.focus.index() + 1) % 4];
            Vec::new()
        }
        Action::PrevPane => {
            s.focus = Pane::ALL[(s.focus.index() + 3) % 4];
            Vec::new()
        }
        Action::Pane1 | Action::Pane2 | Action::Pane3 | Action::Pane4 => {
            s.focus = match action {
                Action::Pane1 => Pane::Connections,
                Action::Pane2 => Pane::Apps,
                Action::Pane3 => Pane::Matrix,
                _ => Pane::Preview,
            };
            Vec::new()
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            let delta = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -10,
                _ => 10,
            };
            match s.focus {
                Pane::Connections => {
                    let n = s.conn_rows().len();
                    move_sel(&mut s.conn_sel, n, delta);
                }
                Pane::Apps => {
                    let n = s.app_rows().len();
                    let before = s.app_sel;
                    move_sel(&mut s.app_sel, n, delta);
                    if before != s.app_sel {
                        s.preview_sel = 0;
                        s.refresh_preview();
                    }
                }
                Pane::Matrix => {
                    let n = s.matrix_rows().len();
                    move_sel(&mut s.matrix_sel, n, delta);
                }
                Pane::Preview => {
                    let n = s.preview_rows().len();
                    move_sel(&mut s.preview_sel, n, delta);
                }
            }
            Vec::new()
        }
        Action::Left | Action::Right => {
            if s.focus == Pane::Matrix
                && let Some(&step_index) = s.matrix_rows().get(s.matrix_sel)
            {
                let n = s.loaded.catalog.steps[step_index]
                    .connection_values()
                    .len()
                    .max(1);
                let v = &mut s.matrix_value[step_index];
                *v = if action == Action::Right {
                    (*v + 1) % n
                } else {
                    (*v + n - 1) % n
                };
            }
            Vec::new()
        }
        Action::CycleEnv => {
            s.env = s.env.next();
            s.refresh_all();
            s.set_status(StatusKind::Info, format!("environment: {}", s.env.as_str()));
            Vec::new()
        }
        Action::Filter => {
            s.filtering = Some(s.focus);
            Vec::new()
        }
        Action::Open => {
            match s.focus {
                Pane::Preview => {
                    if let Some(&i) = s.preview_rows().get(s.preview_sel) {
                        s.layers.push(Layer::Detail { step: i });
                    }
                }
                Pane::Apps => {
                    s.focus = Pane::Preview;
                }
                _ => {}
            }
            Vec::new()
        }
        Action::Add => add(s),
        Action::Edit => edit(s),
        Action::Delete => delete(s),
        Action::Reauth => reauth(s),
        Action::Token => token(s),
        Action::Assign => assign(s),
        Action::EditInputs => edit_inputs(s),
        Action::Workflow => choose_workflow(s),
        Action::Doctor => {
            super::doctor::open(s);
            Vec::new()
        }
        Action::Reload => {
            if s.demo {
                s.set_status(StatusKind::Info, "demo: nothing to reload");
                Vec::new()
            } else {
                vec![Effect::Reload]
            }
        }
        Action::Test => match (s.focus, s.selected_conn()) {
            (Pane::Connections, Some(ConnRow::ApiKey(i))) => {
                let name = s.loaded.workspace.api_keys[i].name.clone();
                s.set_status(
                    StatusKind::Info,
                    format!("testing {name} against App Store Connect…"),
                );
                vec![Effect::TestConnection(name)]
            }
            (Pane::Connections, Some(ConnRow::AppleId(i))) => {
                let a = &s.loaded.workspace.apple_ids[i];
                let text = format!(
                    "{}: the 2FA session {}",
                    a.apple_id,
                    a.session_state(s.now).describe(s.now)
                );
                s.set_status(StatusKind::Info, text);
                Vec::new()
            }
            _ => {
                s.set_status(StatusKind::Info, "select a connection to test it");
                Vec::new()
            }
        },
        _ => Vec::new(),
    }
}

fn refuse_read_only(s: &mut AppState) -> bool {
    if s.read_only {
        s.set_status(
            StatusKind::Error,
            "read-only: opened with --read-only, nothing can be changed",
        );
        true
    } else {
        false
    }
}

fn add(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    match s.focus {
        Pane::Connections => {
            // `a` on an Apple ID row adds an Apple ID; anywhere else an API key.
            let form = match s.selected_conn() {
                Some(ConnRow::AppleId(_)) => add_apple_id_form(),
                // No Apple ID row to stand on yet: ask which kind, so the first Apple ID can be added.
                _ if s.loaded.workspace.apple_ids.is_empty() => {
                    s.layers.push(Layer::Chooser(Chooser {
                        kind: ChooserKind::NewConnection,
                        title: "Add a connection".into(),
                        options: vec![
                            (
                                Some("api_key".into()),
                                "API key (App Store Connect API)".into(),
                            ),
                            (
                                Some("apple_id".into()),
                                "Apple ID (sign in with a 2FA code)".into(),
                            ),
                        ],
                        selected: 0,
                    }));
                    return Vec::new();
                }
                _ => add_api_key_form(),
            };
            s.layers.push(Layer::Form(form));
        }
        _ => s.set_status(
            StatusKind::Info,
            "add connections in the Connections pane (1)",
        ),
    }
    Vec::new()
}

pub fn add_api_key_form() -> Form {
    let mut fields = vec![
        Field::new("Name", FieldKind::Text, Check::Name),
        Field::new("Issuer ID", FieldKind::Text, Check::IssuerOptional),
        Field::new("Key ID", FieldKind::Text, Check::KeyId),
        Field::new(
            "Kind",
            FieldKind::Choice(&["team", "individual"]),
            Check::None,
        )
        .with_value("team"),
        Field::new("Enterprise", FieldKind::Choice(&["no", "yes"]), Check::None).with_value("no"),
        Field::new("Private key (.p8)", FieldKind::Path, Check::NonEmpty),
        Field::new(
            "Store",
            FieldKind::Choice(&["keyring", "reference"]),
            Check::None,
        )
        .with_value("keyring"),
    ];
    fields[1].hint = "UUID; empty for an individual key".into();
    fields[2].hint = "10 characters, A-Z 0-9".into();
    fields[5].hint = "path (Tab completes), env:VAR, or paste the key".into();
    fields[6].hint =
        "no keyring (SSH)? reference: the workspace records the path or env:VAR".into();
    Form {
        kind: FormKind::AddApiKey,
        title: "Add API key".into(),
        fields,
        focus: 0,
        error: None,
        notes: vec!["A team key with the Admin role works with every step.".into()],
        busy: None,
        phones: Vec::new(),
    }
}

pub fn add_apple_id_form() -> Form {
    Form {
        kind: FormKind::AddAppleId,
        title: "Add Apple ID".into(),
        fields: vec![
            Field::new("Apple ID", FieldKind::Text, Check::AppleId),
            Field::new("Password", FieldKind::Secret, Check::NonEmpty),
        ],
        focus: 0,
        error: None,
        notes: vec![
            "Enter signs in to Apple for real; Apple then sends a six-digit code.".into(),
            "One Apple ID per member, as on Bitrise.".into(),
        ],
        busy: None,
        phones: Vec::new(),
    }
}

fn two_factor_form(apple_id: &str, request: &CodeRequest) -> Form {
    let mut notes = vec![request.delivery.describe() + "."];
    if let Some(r) = &request.retry {
        notes.push(r.message(request.length));
    }
    if !request.phones.is_empty() && matches!(request.delivery, Delivery::TrustedDevices) {
        notes.push("No code? Type `sms N` to get it by SMS (or voice) on a trusted number:".into());
    }
    for p in &request.phones {
        notes.push(format!("  {}  {} ({})", p.id, p.number, p.push_mode));
    }
    let mut code = Field::new("Verification code", FieldKind::Text, Check::Code);
    code.hint = format!("{} digits, or sms N", request.length);
    Form {
        kind: FormKind::TwoFactor {
            apple_id: apple_id.to_string(),
        },
        title: format!("Two-factor code · {apple_id}"),
        fields: vec![code],
        focus: 0,
        error: (request.retry == Some(Retry::WrongCode)).then(|| Retry::WrongCode.message(6)),
        notes,
        busy: None,
        phones: request.phones.clone(),
    }
}

fn edit(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    match (s.focus, s.selected_conn()) {
        (Pane::Connections, Some(ConnRow::ApiKey(i))) => {
            let k = &s.loaded.workspace.api_keys[i];
            let form = Form {
                kind: FormKind::EditApiKey {
                    name: k.name.clone(),
                },
                title: format!("Edit API key · {}", k.key_id),
                fields: vec![
                    Field::new("Name", FieldKind::Text, Check::Name).with_value(&k.name),
                    Field::new("Issuer ID", FieldKind::Text, Check::IssuerOptional)
                        .with_value(k.issuer_id.as_deref().unwrap_or("")),
                    Field::new("Enterprise", FieldKind::Choice(&["no", "yes"]), Check::None)
                        .with_value(if k.enterprise { "yes" } else { "no" }),
                ],
                focus: 0,
                error: None,
                notes: vec!["A new .p8 means a new key: add it and remove this one.".into()],
                busy: None,
                phones: Vec::new(),
            };
            s.layers.push(Layer::Form(form));
            Vec::new()
        }
        (Pane::Connections, Some(ConnRow::AppleId(i))) => {
            let a = &s.loaded.workspace.apple_ids[i];
            let mut fields = vec![
                Field::new("Password", FieldKind::Text, Check::NonEmpty)
                    .with_value(&ref_text(&a.password)),
                Field::new("App-specific password", FieldKind::Text, Check::None).with_value(
                    &a.app_specific_password
                        .as_ref()
                        .map(ref_text)
                        .unwrap_or_default(),
                ),
                Field::new(
                    "New app-specific password",
                    FieldKind::Secret,
                    Check::AppSpecificPasswordOptional,
                ),
            ];
            fields[0].hint = "keyring, env:VAR or file:PATH".into();
            fields[1].hint = "empty (none), keyring, env:VAR or file:PATH".into();
            fields[2].hint = "xxxx-xxxx-xxxx-xxxx: kept in the keyring".into();
            let form = Form {
                kind: FormKind::EditAppleId {
                    apple_id: a.apple_id.clone(),
                },
                title: format!("Edit Apple ID · {}", a.apple_id),
                fields,
                focus: 0,
                error: None,
                notes: vec![
                    "Where its secrets are read from; nothing is sent to Apple.".into(),
                    "To renew the 2FA session, press r on the Apple ID instead.".into(),
                ],
                busy: None,
                phones: Vec::new(),
            };
            s.layers.push(Layer::Form(form));
            Vec::new()
        }
        (Pane::Apps | Pane::Preview, _) => edit_inputs(s),
        _ => Vec::new(),
    }
}

/// A reference as the edit form shows it: `keyring`, `vault`, `env:VAR`, `file:PATH`, `vault:PATH#FIELD`.
fn ref_text(r: &SecretRef) -> String {
    use crate::domain::secret_ref::TomlScalar;
    match r.toml_key_value() {
        (k, TomlScalar::Bool(_)) => k.into(),
        ("path", TomlScalar::Str(v)) => format!("file:{v}"),
        (k, TomlScalar::Str(v)) => format!("{k}:{v}"),
        (k, TomlScalar::Owned(v)) => format!("{k}:{v}"),
    }
}

/// The reverse of `ref_text`; a bare path is a file.
fn parse_ref(text: &str) -> Result<SecretRef, String> {
    let t = text.trim();
    match t {
        "keyring" => Ok(SecretRef::Keyring),
        "vault" => Ok(SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry)),
        _ => match t.split_once(':') {
            Some(("env", var)) if !var.is_empty() => Ok(SecretRef::Env(var.to_string())),
            Some(("vault", path)) if !path.is_empty() => {
                crate::domain::secret_ref::VaultRef::parse(path).map(SecretRef::Vault)
            }
            Some(("file", path)) if !path.is_empty() => Ok(SecretRef::Path(path.to_string())),
            _ if t.contains('/') => Ok(SecretRef::Path(t.to_string())),
            _ => Err(format!(
                "`{t}` is not a place for a secret: write keyring, vault, env:VAR, file:PATH or vault:PATH#FIELD"
            )),
        },
    }
}

fn edit_inputs(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    let Some(app) = s.selected_app() else {
        return Vec::new();
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
            "{}'s inputs come from its bitrise.yml (`{}` at line {}): edit the file; apple-conn reads it again when it changes",
            app.slug, o.reference, o.line
        );
        s.set_status(StatusKind::Info, text);
        return Vec::new();
    }
    if app.bitrise_yml.is_some() {
        let text = format!(
            "{}'s steps come from its bitrise.yml: edit the file",
            app.slug
        );
        s.set_status(StatusKind::Info, text);
        return Vec::new();
    }
    let Some(step_index) = step_index else {
        s.set_status(StatusKind::Info, "this app has no steps to edit");
        return Vec::new();
    };
    let Some(step_use) = app.steps.get(step_index) else {
        s.set_status(StatusKind::Info, "this app has no steps to edit");
        return Vec::new();
    };
    // The version the step names (`deliver@2.19`, `version = …`) decides its inputs.
    let (step_id, reference) = step_use.step_ref();
    let Some((step, _)) = s.loaded.catalog.step_at(step_id, reference) else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    for (name, input) in &step.auth_inputs {
        if matches!(input.role, InputRole::Team | InputRole::MinProfileValidity)
            && input.values.is_empty()
            && !step_use.inputs.contains_key(name)
        {
            // Rarely set; still editable when the workspace has them.
        }
        let current = step_use.inputs.get(name).cloned().unwrap_or_default();
        let mut f = Field::new(
            name,
            if input.secret {
                FieldKind::Secret
            } else {
                FieldKind::Text
            },
            Check::InputValue,
        )
        .with_value(&current);
        f.values = input.values.clone();
        f.hint = if input.values.is_empty() {
            format!("default \"{}\"", input.default)
        } else {
            format!("{} (default {})", input.values.join(" | "), input.default)
        };
        fields.push(f);
    }
    let form = Form {
        kind: FormKind::EditInputs {
            slug: app.slug.clone(),
            step_index,
            step_id: step_use.id.clone(),
        },
        title: format!("Inputs · {} · #{step_index} {}", app.slug, step_use.id),
        fields,
        focus: 0,
        error: None,
        notes: vec!["Empty means the step's default. $VAR values are set at build time.".into()],
        busy: None,
        phones: Vec::new(),
    };
    s.layers.push(Layer::Form(form));
    Vec::new()
}

fn delete(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) || s.focus != Pane::Connections {
        return Vec::new();
    }
    let ws = &s.loaded.workspace;
    let (title, users, pending) = match s.selected_conn() {
        Some(ConnRow::ApiKey(i)) => {
            let k = &ws.api_keys[i];
            (
                format!("Remove API key `{}`?", k.name),
                ws.apps_using_api_key(&k.name),
                Pending::RemoveApiKey(k.name.clone()),
            )
        }
        Some(ConnRow::AppleId(i)) => {
            let a = &ws.apple_ids[i];
            (
                format!("Remove Apple ID {}?", a.apple_id),
                ws.apps_using_apple_id(&a.apple_id),
                Pending::RemoveAppleId(a.apple_id.clone()),
            )
        }
        None => return Vec::new(),
    };
    let mut lines = Vec::new();
    if users.is_empty() {
        lines.push("No app uses it.".to_string());
    } else {
        lines.push(format!("{} app(s) use it and will lose it:", users.len()));
        lines.extend(users.iter().map(|u| format!("  • {u}")));
    }
    // Say what happens to each secret: keyring entries go, the user's own files and env vars stay.
    let kind = match pending {
        Pending::RemoveApiKey(_) => Some(ConnectionKind::ApiKey),
        Pending::RemoveAppleId(_) => Some(ConnectionKind::AppleId),
        Pending::Reload => None,
    };
    let id = match &pending {
        Pending::RemoveApiKey(x) | Pending::RemoveAppleId(x) => x.as_str(),
        Pending::Reload => "",
    };
    let refs = kind
        .and_then(|k| crate::secrets::connection_secrets(ws, k, id))
        .unwrap_or_default();
    let in_keyring = refs
        .iter()
        .filter(|(r, _)| matches!(r, SecretRef::Keyring))
        .count();
    let kept: Vec<String> = refs
        .iter()
        .filter(|(r, _)| !matches!(r, SecretRef::Keyring))
        .map(|(r, _)| r.describe())
        .collect();
    if in_keyring > 0 {
        lines.push(format!(
            "Its keyring entr{} deleted.",
            if in_keyring == 1 { "y is" } else { "ies are" }
        ));
    }
    if !kept.is_empty() {
        lines.push(format!("Kept (yours): {}.", kept.join(", ")));
    }
    lines.push(String::new());
    lines.push("y remove · n keep".into());
    s.layers.push(Layer::Confirm {
        title,
        lines,
        pending,
    });
    Vec::new()
}

fn reauth(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    let Some(ConnRow::AppleId(i)) = (if s.focus == Pane::Connections {
        s.selected_conn()
    } else {
        None
    }) else {
        s.set_status(
            StatusKind::Info,
            "select an Apple ID in the Connections pane to re-authenticate it",
        );
        return Vec::new();
    };
    let apple_id = s.loaded.workspace.apple_ids[i].apple_id.clone();
    s.signin = Some(SignInUi {
        apple_id: apple_id.clone(),
        reauth: true,
        request: None,
    });
    let form = Form {
        kind: FormKind::TwoFactor {
            apple_id: apple_id.clone(),
        },
        title: format!("Re-authenticate · {apple_id}"),
        fields: vec![Field::new(
            "Verification code",
            FieldKind::Text,
            Check::Code,
        )],
        focus: 0,
        error: None,
        notes: vec!["Signing in with the stored password: without a code while the trust cookie lives, else Apple sends one.".into()],
        busy: Some("Contacting Apple…".into()),
        phones: Vec::new(),
    };
    s.layers.push(Layer::Form(form));
    vec![Effect::StartSignIn {
        apple_id,
        password: None,
        reauth: true,
    }]
}

fn token(s: &mut AppState) -> Vec<Effect> {
    match (s.focus, s.selected_conn()) {
        (Pane::Connections, Some(ConnRow::ApiKey(i))) => {
            let name = s.loaded.workspace.api_keys[i].name.clone();
            s.set_status(StatusKind::Info, format!("minting a token for {name}…"));
            vec![Effect::MintToken(name)]
        }
        _ => {
            s.set_status(
                StatusKind::Info,
                "select an API key in the Connections pane to mint a token",
            );
            Vec::new()
        }
    }
}

fn assign(s: &mut AppState) -> Vec<Effect> {
    if refuse_read_only(s) {
        return Vec::new();
    }
    let Some(app) = s.selected_app() else {
        s.set_status(StatusKind::Info, "select an app first (2)");
        return Vec::new();
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
    Vec::new()
}

/// `w`: pick which run of the app's bitrise.yml the preview shows (a view; the workspace is unchanged).
fn choose_workflow(s: &mut AppState) -> Vec<Effect> {
    let Some(app) = s.selected_app() else {
        s.set_status(StatusKind::Info, "select an app first (2)");
        return Vec::new();
    };
    let Some(b) = &app.bitrise_yml else {
        let text = format!(
            "{} lists its steps in the workspace; give it [apps.bitrise_yml] to preview the workflows of a bitrise.yml",
            app.slug
        );
        s.set_status(StatusKind::Info, text);
        return Vec::new();
    };
    let path = run::file_path(&s.loaded.path, b);
    let yml = match s.files.get(&path).map(|f| &f.yml) {
        Some(Ok(yml)) => yml.clone(),
        Some(Err(e)) => {
            let text = e.clone();
            s.set_status(StatusKind::Error, text);
            return Vec::new();
        }
        None => return Vec::new(),
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
    Vec::new()
}

fn view_workflow(s: &mut AppState, slug: String, target: Option<run::Target>) {
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

/// Inline validation, the same validators as the headless commands.
pub fn field_error(field: &Field) -> Option<String> {
    let v = field.value();
    let r = match field.check {
        Check::None => Ok(()),
        Check::Name => fields::connection_name(v),
        Check::KeyId => fields::key_id(v),
        Check::IssuerOptional if v.is_empty() => Ok(()),
        Check::IssuerOptional => fields::issuer_id(v),
        Check::AppleId => fields::apple_id(v),
        Check::Code if v.trim().starts_with("sms") => Ok(()),
        Check::Code => fields::two_factor_code(v.trim()),
        Check::AppSpecificPasswordOptional if v.is_empty() => Ok(()),
        Check::AppSpecificPasswordOptional => fields::app_specific_password(v),
        Check::NonEmpty if v.trim().is_empty() => Err(format!("{} is required", field.label)),
        Check::NonEmpty => Ok(()),
        Check::InputValue => {
            if v.is_empty()
                || v.starts_with('$')
                || field.values.is_empty()
                || field.values.iter().any(|x| x == v)
            {
                Ok(())
            } else {
                Err(format!(
                    "{} accepts {}",
                    field.label,
                    field.values.join(", ")
                ))
            }
        }
    };
    r.err()
}

fn form_key(s: &mut AppState, key: Key) -> Vec<Effect> {
    let action = s.keymap.action(Context::Form, key);
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return Vec::new();
    };
    if form.busy.is_some() {
        // Only Esc while a job runs: it cancels the sign-in.
        if action == Some(Action::Cancel) {
            s.layers.pop();
            if s.signin.take().is_some() {
                s.set_status(StatusKind::Info, "sign-in cancelled");
                return vec![Effect::CancelSignIn];
            }
        }
        return Vec::new();
    }
    let n = form.fields.len();
    let focus = form.focus;
    let kind = form.fields.get(focus).map(|f| f.kind);
    match action {
        // The sign-in already succeeded: Esc adds the Apple ID without the optional password.
        Some(Action::Cancel) if matches!(form.kind, FormKind::AppSpecificPassword { .. }) => {
            let FormKind::AppSpecificPassword { apple_id } = form.kind.clone() else {
                return Vec::new();
            };
            form.busy = Some("Saving without an app-specific password…".into());
            vec![Effect::FinishAppleId {
                apple_id,
                asp: None,
            }]
        }
        Some(Action::Cancel) => {
            let was_signin = matches!(form.kind, FormKind::TwoFactor { .. });
            s.layers.pop();
            if was_signin && s.signin.take().is_some() {
                s.set_status(StatusKind::Info, "sign-in cancelled: nothing was saved");
                return vec![Effect::CancelSignIn];
            }
            Vec::new()
        }
        Some(Action::NextField) if key.code == Code::Tab && kind == Some(FieldKind::Path) => {
            let value = form.fields[focus].value().to_string();
            if value.is_empty() || value.contains('\n') {
                form.focus = (focus + 1) % n.max(1);
                Vec::new()
            } else {
                vec![Effect::CompletePath {
                    field: focus,
                    value,
                }]
            }
        }
        Some(Action::NextField) => {
            form.focus = (focus + 1) % n.max(1);
            Vec::new()
        }
        Some(Action::PrevField) => {
            form.focus = (focus + n.max(1) - 1) % n.max(1);
            Vec::new()
        }
        Some(Action::Submit) => submit(s),
        _ => {
            let field = &mut form.fields[focus];
            form.error = None;
            if let FieldKind::Choice(options) = field.kind {
                if matches!(key.code, Code::Left | Code::Right | Code::Char(' ')) {
                    let i = options
                        .iter()
                        .position(|o| *o == field.value())
                        .unwrap_or(0);
                    let next = if key.code == Code::Left {
                        (i + options.len() - 1) % options.len()
                    } else {
                        (i + 1) % options.len()
                    };
                    field.input = tui_input::Input::new(options[next].to_string());
                }
                return Vec::new();
            }
            let req = match key.code {
                Code::Char(c) if !key.ctrl && !key.alt => Some(InputRequest::InsertChar(c)),
                Code::Char('u') if key.ctrl => Some(InputRequest::DeleteLine),
                Code::Char('w') if key.ctrl => Some(InputRequest::DeletePrevWord),
                Code::Backspace => Some(InputRequest::DeletePrevChar),
                Code::Delete => Some(InputRequest::DeleteNextChar),
                Code::Left => Some(InputRequest::GoToPrevChar),
                Code::Right => Some(InputRequest::GoToNextChar),
                Code::Home => Some(InputRequest::GoToStart),
                Code::End => Some(InputRequest::GoToEnd),
                _ => None,
            };
            if let Some(req) = req {
                field.input.handle(req);
            }
            Vec::new()
        }
    }
}

fn submit(s: &mut AppState) -> Vec<Effect> {
    let Some(Layer::Form(form)) = s.layers.last_mut() else {
        return Vec::new();
    };
    if let Some((i, e)) = form
        .fields
        .iter()
        .enumerate()
        .find_map(|(i, f)| field_error(f).map(|e| (i, e)))
    {
        form.focus = i;
        form.error = Some(e);
        return Vec::new();
    }
    match form.kind.clone() {
        FormKind::AddApiKey => {
            let kind = if form.field("Kind") == "individual" {
                KeyKind::Individual
            } else {
                KeyKind::Team
            };
            let issuer = form.field("Issuer ID").trim().to_string();
            let key = ApiKey {
                name: form.field("Name").to_string(),
                key_id: form.field("Key ID").to_string(),
                issuer_id: (!issuer.is_empty()).then_some(issuer),
                kind,
                enterprise: form.field("Enterprise") == "yes",
                owner: None,
                private_key: SecretRef::Keyring,
                fingerprint: None,
            };
            if let Err(r) = s.loaded.workspace.may_add_api_key(&key) {
                form.error = Some(super::words::key_refusal(&r));
                return Vec::new();
            }
            let p8 = SecretValue::new(form.field("Private key (.p8)").to_string());
            let store = if form.field("Store") == "reference" {
                KeyStore::Reference
            } else {
                KeyStore::Keyring
            };
            form.busy = Some("Checking the key and saving…".into());
            vec![Effect::AddApiKey { key, p8, store }]
        }
        FormKind::AddAppleId => {
            let apple_id = form.field("Apple ID").trim().to_string();
            let candidate = crate::domain::workspace::AppleId {
                apple_id: apple_id.clone(),
                owner: None,
                password: SecretRef::Keyring,
                app_specific_password: None,
                authenticated_at: None,
                session_expires_at: None,
                session: None,
                teams: Vec::new(),
            };
            if let Err(r) = s.loaded.workspace.may_add_apple_id(&candidate) {
                form.error = Some(super::words::apple_id_refusal(&r));
                return Vec::new();
            }
            let password = SecretValue::new(form.field("Password").to_string());
            form.busy = Some("Contacting Apple…".into());
            s.signin = Some(SignInUi {
                apple_id: apple_id.clone(),
                reauth: false,
                request: None,
            });
            vec![Effect::StartSignIn {
                apple_id,
                password: Some(password),
                reauth: false,
            }]
        }
        FormKind::TwoFactor { .. } => {
            let code = form.field("Verification code").trim().to_string();
            form.busy = Some("Verifying the code…".into());
            let answer = match code
                .strip_prefix("sms")
                .map(str::trim)
                .and_then(|n| n.parse::<i64>().ok())
            {
                Some(id) => CodeAnswer::SendToPhone(id),
                None => CodeAnswer::Code(code),
            };
            form.fields[0].input = tui_input::Input::default();
            vec![Effect::Answer(answer)]
        }
        FormKind::AppSpecificPassword { apple_id } => {
            let v = form.field("App-specific password").to_string();
            form.busy = Some("Saving…".into());
            vec![Effect::FinishAppleId {
                apple_id,
                asp: (!v.is_empty()).then(|| SecretValue::new(v)),
            }]
        }
        FormKind::EditApiKey { name } => {
            let issuer = form.field("Issuer ID").trim().to_string();
            vec![Effect::Apply(Change::EditApiKey {
                name,
                new_name: form.field("Name").to_string(),
                issuer_id: (!issuer.is_empty()).then_some(issuer),
                enterprise: form.field("Enterprise") == "yes",
            })]
        }
        FormKind::EditAppleId { apple_id } => {
            let password = match parse_ref(form.field("Password")) {
                Ok(r) => r,
                Err(e) => {
                    form.focus = 0;
                    form.error = Some(format!("Password: {e}"));
                    return Vec::new();
                }
            };
            let new_asp = form.field("New app-specific password").to_string();
            let asp_text = form.field("App-specific password").trim().to_string();
            let app_specific_password = if !new_asp.is_empty() {
                Some(SecretRef::Keyring)
            } else if asp_text.is_empty() {
                None
            } else {
                match parse_ref(&asp_text) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        form.focus = 1;
                        form.error = Some(format!("App-specific password: {e}"));
                        return Vec::new();
                    }
                }
            };
            form.busy = Some("Saving…".into());
            vec![Effect::EditAppleId(AppleIdEdit {
                apple_id,
                password,
                app_specific_password,
                new_app_specific_password: (!new_asp.is_empty()).then(|| SecretValue::new(new_asp)),
            })]
        }
        FormKind::EditInputs {
            slug,
            step_index,
            step_id,
        } => {
            // A literal secret is refused here, never saved and never shown back.
            if let Some(e) = form
                .fields
                .iter()
                .find_map(|f| crate::domain::secret_inputs::refusal(&step_id, &f.label, f.value()))
            {
                form.error = Some(e);
                return Vec::new();
            }
            let app = s.loaded.workspace.app(&slug);
            let mut effects = Vec::new();
            for f in &form.fields {
                let current = app
                    .and_then(|a| a.steps.get(step_index))
                    .and_then(|st| st.inputs.get(&f.label))
                    .cloned()
                    .unwrap_or_default();
                if current != f.value() {
                    effects.push(Effect::Apply(Change::SetInput {
                        slug: slug.clone(),
                        step_index,
                        input: f.label.clone(),
                        value: (!f.value().is_empty()).then(|| f.value().to_string()),
                    }));
                }
            }
            if effects.is_empty() {
                s.layers.pop();
                s.set_status(StatusKind::Info, "no input changed");
            }
            effects
        }
    }
}
