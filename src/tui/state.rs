//! AppState: everything the screen shows. Render reads it; only `update` changes it.

use std::collections::HashMap;

use super::bitrise_files::Files;
use crate::bitrise::run::{self, Target};
use crate::domain::resolution::{Environment, Outcome, Resolution};
use crate::domain::resolve::resolve;
use crate::domain::workspace::{App, SessionState};
use crate::ops::sign_in::CodeRequest;
use crate::store::Loaded;
use chrono::{DateTime, Utc};
use indexmap::IndexMap;

use super::keymap::Keymap;
pub use super::scroll::Scroll;
// The forms are types of their own; state holds them in its layers.
pub use super::form::{Check, Field, FieldKind, Form, FormBody, KeyStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Connections,
    Apps,
    Matrix,
    Preview,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Connections, Pane::Apps, Pane::Matrix, Pane::Preview];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Connections => "Connections",
            Pane::Apps => "Apps",
            Pane::Matrix => "Step matrix",
            Pane::Preview => "Preview",
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// A row of the Connections pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnRow {
    ApiKey(usize),
    AppleId(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    RemoveApiKey(String),
    RemoveAppleId(String),
    RemoveApp(String),
    Reload,
    /// `P`: apply the plan kept in `AppState::push_plan`.
    Push,
}

#[derive(Debug, Clone)]
pub struct TokenView {
    pub key_name: String,
    pub token: String,
    pub header: String,
    pub claims: Vec<(String, String)>,
    /// The clock's instant at signing and the token's own `exp`: the view counts between them.
    pub issued_at: i64,
    pub expires_at: i64,
    pub scroll: Scroll,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChooserKind {
    ApiKey {
        slug: String,
    },
    AppleId {
        slug: String,
    },
    /// `a` while the workspace has no Apple ID: which kind of connection to add.
    NewConnection,
    /// Which runs of the app's bitrise.yml the preview shows; one target per option.
    Workflow {
        slug: String,
        targets: Vec<Option<Target>>,
    },
}

#[derive(Debug, Clone)]
pub struct Chooser {
    pub kind: ChooserKind,
    pub title: String,
    /// (value, label); None clears the assignment.
    pub options: Vec<(Option<String>, String)>,
    pub selected: usize,
}

#[derive(Debug, Clone)]
pub enum Layer {
    Help(Scroll),
    /// `M`: every status message so far, newest last, whole (the status line shows one, cut).
    Messages(Scroll),
    /// `o` (ctrl-o in a form): the whole of the texts the screen cuts, wrapped.
    Text {
        title: String,
        lines: Vec<String>,
        scroll: Scroll,
    },
    Confirm {
        title: String,
        lines: Vec<String>,
        pending: Pending,
        scroll: Scroll,
    },
    Form(Form),
    Detail {
        step: usize,
        scroll: Scroll,
    },
    /// Enter on a connection: what it is, where its secret is, which apps use it.
    ConnDetail {
        row: ConnRow,
        scroll: Scroll,
    },
    Token(TokenView),
    Chooser(Chooser),
    Doctor(super::doctor::DoctorView),
    Signing(super::signing::SigningView),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// One status message as it was said, kept in the log `M` opens.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub kind: StatusKind,
    pub text: String,
    pub at: DateTime<Utc>,
    /// A trust refusal (`store::trust::is_refusal`): it no longer applies once the host trusts the file.
    pub trust_refusal: bool,
    /// When it stopped applying (the file trusted since): the log keeps it, marked.
    pub resolved: Option<DateTime<Utc>>,
}

/// The log keeps this many messages (the oldest go first).
pub const LOG_CAP: usize = 1000;

/// Where a running sign-in is, for the 2FA form.
#[derive(Debug, Clone)]
pub struct SignInUi {
    pub apple_id: String,
    pub reauth: bool,
    pub request: Option<CodeRequest>,
    /// Adding with Store: reference: where the password, app-specific password and session go.
    pub store: Option<super::update::AppleIdStore>,
}

/// Where a step of the preview comes from in the app's bitrise.yml.
#[derive(Debug, Clone)]
pub struct FileOrigin {
    pub workflow: String,
    /// The step reference as written.
    pub reference: String,
    pub line: usize,
    /// The file it is written in: the app's bitrise.yml or a file it includes.
    pub file: String,
}

/// One row of the Preview: the step as used, where it comes from, and what it receives.
#[derive(Debug, Clone)]
pub struct PreviewStep {
    pub step_id: String,
    pub inputs: IndexMap<String, String>,
    /// None: a `[[apps.steps]]` entry (its index is the row's index).
    pub origin: Option<FileOrigin>,
    pub resolution: Resolution,
}

pub struct AppState {
    pub loaded: Loaded,
    pub keymap: Keymap,
    pub demo: bool,
    pub read_only: bool,
    pub now: DateTime<Utc>,
    /// The clock at the last tick (every 200 ms): countdowns move with it, `now` once a minute.
    pub ticked: DateTime<Utc>,
    pub env: Environment,
    pub focus: Pane,
    pub conn_sel: usize,
    pub app_sel: usize,
    pub matrix_sel: usize,
    /// Per catalog step: which connection-input value the matrix shows.
    pub matrix_value: Vec<usize>,
    pub preview_sel: usize,
    /// Per pane filter text; `filtering` is the pane whose filter is being typed.
    pub filters: [String; 4],
    pub filtering: Option<Pane>,
    pub layers: Vec<Layer>,
    pub status: Option<Status>,
    /// Every status message so far, oldest first.
    pub log: Vec<LogEntry>,
    pub quit: bool,
    pub spinner: usize,
    pub signin: Option<SignInUi>,
    /// The workspace file changed on disk since it was loaded.
    pub disk_changed: bool,
    /// The keyring probe's answer (None until the first secret-writing form asks for it).
    pub keyring: Option<Result<(), crate::secrets::SecretError>>,
    /// The bitrise.yml files of the apps, as last read (see `bitrise_files`).
    pub files: Files,
    /// Per app slug: the runs of its bitrise.yml the user chose to preview instead of the configured ones.
    pub workflow_view: HashMap<String, Vec<Target>>,
    // Derived, recomputed by `refresh` whenever the workspace, environment or clock changes.
    pub health: Vec<Outcome>,
    pub preview: Vec<PreviewStep>,
    /// The selected app's steps could not be read (its bitrise.yml is missing or invalid).
    pub preview_error: Option<String>,
    /// `B`: a pull from Bitrise under way (the gauge), None when none runs.
    pub pull: Option<PullUi>,
    /// Each API key's state on Bitrise by key ID, once Bitrise was asked (the Connections marks).
    pub on_bitrise: Option<HashMap<String, crate::domain::bitrise_keys::KeyStatus>>,
    /// `P`: the plan shown for confirmation (applied on `y`).
    pub push_plan: Option<crate::ops::bitrise::PushPlan>,
}

/// The pull's gauge: apps done of how many (None while Bitrise lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PullUi {
    pub done: usize,
    pub total: Option<usize>,
    pub cancelling: bool,
    /// A push (`P`) rather than a pull (`B`): the gauge says `pushed`.
    pub pushing: bool,
}

impl AppState {
    pub fn new(
        loaded: Loaded,
        keymap: Keymap,
        now: DateTime<Utc>,
        demo: bool,
        read_only: bool,
    ) -> AppState {
        let steps = loaded.catalog.steps.len();
        let mut s = AppState {
            loaded,
            keymap,
            demo,
            read_only,
            now,
            ticked: now,
            env: Environment::Bitrise,
            focus: Pane::Connections,
            conn_sel: 0,
            app_sel: 0,
            matrix_sel: 0,
            matrix_value: vec![0; steps],
            preview_sel: 0,
            filters: Default::default(),
            filtering: None,
            layers: Vec::new(),
            status: None,
            log: Vec::new(),
            quit: false,
            spinner: 0,
            signin: None,
            disk_changed: false,
            keyring: None,
            files: Files::new(),
            workflow_view: HashMap::new(),
            health: Vec::new(),
            preview: Vec::new(),
            preview_error: None,
            pull: None,
            push_plan: None,
            on_bitrise: None,
        };
        // The per-app health marks follow right after the first frame (see `refresh_all`).
        s.refresh_preview();
        s
    }

    pub fn filter(&self, pane: Pane) -> &str {
        &self.filters[pane.index()]
    }

    /// Connection rows after the filter: API keys, then Apple IDs.
    pub fn conn_rows(&self) -> Vec<ConnRow> {
        let ws = &self.loaded.workspace;
        let f = self.filter(Pane::Connections).to_lowercase();
        let keys = ws.api_keys.iter().enumerate().filter(|(_, k)| {
            f.is_empty()
                || k.name.to_lowercase().contains(&f)
                || k.key_id.to_lowercase().contains(&f)
        });
        let aids = ws
            .apple_ids
            .iter()
            .enumerate()
            .filter(|(_, a)| f.is_empty() || a.apple_id.to_lowercase().contains(&f));
        keys.map(|(i, _)| ConnRow::ApiKey(i))
            .chain(aids.map(|(i, _)| ConnRow::AppleId(i)))
            .collect()
    }

    /// Indices of apps after the filter.
    pub fn app_rows(&self) -> Vec<usize> {
        let f = self.filter(Pane::Apps).to_lowercase();
        self.loaded
            .workspace
            .apps
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                f.is_empty()
                    || a.slug.to_lowercase().contains(&f)
                    || a.title.as_deref().unwrap_or("").to_lowercase().contains(&f)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Indices of catalog steps after the filter.
    pub fn matrix_rows(&self) -> Vec<usize> {
        let f = self.filter(Pane::Matrix).to_lowercase();
        self.loaded
            .catalog
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                f.is_empty() || s.id.contains(&f) || s.name.to_lowercase().contains(&f)
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn preview_rows(&self) -> Vec<usize> {
        let f = self.filter(Pane::Preview).to_lowercase();
        self.preview
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                f.is_empty()
                    || p.step_id.contains(&f)
                    || p.origin.as_ref().is_some_and(|o| {
                        o.reference.to_lowercase().contains(&f)
                            || o.workflow.to_lowercase().contains(&f)
                    })
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The runs the preview shows for a file app: the user's choice, else the workspace's.
    pub fn targets(&self, app: &App) -> Vec<Target> {
        match (self.workflow_view.get(&app.slug), &app.bitrise_yml) {
            (Some(t), _) => t.clone(),
            (None, Some(b)) => run::configured(b),
            (None, None) => Vec::new(),
        }
    }

    /// An app's steps, resolved: its `[[apps.steps]]`, or the given runs of its bitrise.yml.
    pub fn steps_of(&self, app: &App, targets: &[Target]) -> Result<Vec<PreviewStep>, String> {
        let ws = &self.loaded.workspace;
        let catalog = &self.loaded.catalog;
        let Some(b) = &app.bitrise_yml else {
            return Ok(app
                .steps
                .iter()
                .map(|s| PreviewStep {
                    step_id: s.id.clone(),
                    inputs: s.inputs.clone(),
                    origin: None,
                    resolution: resolve(ws, catalog, app, s, self.env, self.now),
                })
                .collect());
        };
        let path = run::file_path(&self.loaded.path, b);
        let yml = match self.files.get(&path).map(|f| &f.yml) {
            Some(Ok(yml)) => yml,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(format!("{}: not read yet", path.display())),
        };
        let steps = run::resolve_targets(ws, catalog, app, yml, targets, self.env, self.now)?;
        Ok(steps
            .into_iter()
            .map(|(p, r)| PreviewStep {
                step_id: p.step_use.id,
                inputs: p.step_use.inputs,
                origin: Some(FileOrigin {
                    workflow: p.expanded.workflow,
                    reference: p.expanded.reference,
                    line: p.expanded.line,
                    file: p.expanded.file.to_string(),
                }),
                resolution: r,
            })
            .collect())
    }

    pub fn selected_app_index(&self) -> Option<usize> {
        self.app_rows().get(self.app_sel).copied()
    }

    pub fn selected_app(&self) -> Option<&App> {
        self.selected_app_index()
            .and_then(|i| self.loaded.workspace.apps.get(i))
    }

    /// The Apple ID `you` own, if any (one per member, as on Bitrise).
    pub fn your_apple_id(&self) -> Option<&str> {
        let ws = &self.loaded.workspace;
        ws.apple_ids
            .iter()
            .find(|a| a.owner(ws) == ws.you)
            .map(|a| a.apple_id.as_str())
    }

    pub fn selected_conn(&self) -> Option<ConnRow> {
        self.conn_rows().get(self.conn_sel).copied()
    }

    pub fn session_state(&self, i: usize) -> Option<SessionState> {
        self.loaded
            .workspace
            .apple_ids
            .get(i)
            .map(|a| a.session_state(self.now))
    }

    /// Recomputes the per-app health marks and the preview (workspace, env or clock changed).
    pub fn refresh_all(&mut self) {
        let ws = &self.loaded.workspace;
        self.health = ws
            .apps
            .iter()
            .map(|app| {
                let outcomes: Vec<Outcome> = match &app.bitrise_yml {
                    Some(b) => match self.steps_of(app, &run::configured(b)) {
                        Ok(steps) => steps.iter().map(|p| p.resolution.outcome).collect(),
                        Err(_) => return Outcome::Fail,
                    },
                    // The common case, a thousand times at start: no copies of the steps.
                    None => app
                        .steps
                        .iter()
                        .map(|st| {
                            resolve(ws, &self.loaded.catalog, app, st, self.env, self.now).outcome
                        })
                        .collect(),
                };
                outcomes
                    .into_iter()
                    .filter(|o| *o != Outcome::Skipped)
                    .max()
                    .unwrap_or(Outcome::Skipped)
            })
            .collect();
        self.refresh_preview();
    }

    /// Recomputes only the selected app's preview (selection changed).
    pub fn refresh_preview(&mut self) {
        let result = match self.selected_app() {
            Some(app) => self.steps_of(app, &self.targets(app)),
            None => Ok(Vec::new()),
        };
        (self.preview, self.preview_error) = match result {
            Ok(steps) => (steps, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let rows = self.preview_rows().len();
        if self.preview_sel >= rows {
            self.preview_sel = rows.saturating_sub(1);
        }
    }

    /// The files the apps read, as loaded by `bitrise_files` (at start, or re-read on a change).
    pub fn set_files(&mut self, files: Files) {
        self.files = files;
        self.refresh_all();
    }

    pub fn top(&self) -> Option<&Layer> {
        self.layers.last()
    }

    /// The status line's message, also kept in the log (`M`).
    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        let text = text.into();
        if self.log.len() >= LOG_CAP {
            self.log.remove(0);
        }
        self.log.push(LogEntry {
            kind,
            trust_refusal: crate::store::trust::is_refusal(&text),
            text: text.clone(),
            at: self.ticked,
            resolved: None,
        });
        self.status = Some(Status { kind, text });
    }

    /// Whether a trust refusal still stands in the log (the loop then watches this host's trust).
    pub fn awaits_trust(&self) -> bool {
        self.log
            .iter()
            .any(|e| e.trust_refusal && e.resolved.is_none())
    }

    /// This host trusts the workspace now (`apple-conn trust` ran): every trust refusal is marked
    /// resolved in the log, and one still in the status line gives way to saying so.
    pub fn trust_resolved(&mut self) {
        let mut any = false;
        for e in self.log.iter_mut().filter(|e| e.trust_refusal) {
            any |= e.resolved.is_none();
            e.resolved.get_or_insert(self.ticked);
        }
        // An open form that was refused the same way forgets it too (Enter tries again).
        for layer in &mut self.layers {
            if let Layer::Form(f) = layer
                && f.error
                    .as_deref()
                    .is_some_and(crate::store::trust::is_refusal)
            {
                f.error = None;
            }
        }
        let shown = self
            .status
            .as_ref()
            .is_some_and(|st| crate::store::trust::is_refusal(&st.text));
        if any && shown {
            let file = crate::terminal_text::clean_line(&self.loaded.path.display().to_string());
            self.set_status(
                StatusKind::Ok,
                format!("this host trusts {file} now: the refusal no longer applies (M keeps it, marked resolved)"),
            );
        }
    }
}
