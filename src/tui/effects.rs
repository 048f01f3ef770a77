//! Effects: the I/O the TUI asks for (keyring, saving, Apple's sign-in, tokens, clipboard).
//! Results come back as Msgs on a channel, so the UI never blocks.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

use base64::Engine;
use chrono::Utc;

use super::state::TokenView;
use super::update::{Change, Effect, Msg};
use crate::apple::session::{StoredCookie, StoredSession};
use crate::apple::signin::{
    self, CodeAnswer, CodeRequest, CodeSource, Delivery, Endpoints, Phone, SignInError, SignedIn,
};
use crate::asc::{jwt, p8};
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::{AppleId, Team};
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets};
use crate::store::edit;
use crate::store::{self, Loaded};

pub enum Service {
    Apple(Endpoints),
    /// `--demo`: an in-process stand-in, labelled on screen; the code is 123456.
    Demo,
}

pub struct Runner {
    pub keyring: Box<dyn SecretStore + Send + Sync>,
    pub service: Service,
    /// Demo and read-only keep every change in memory.
    pub persist: bool,
    pub tx: Sender<Msg>,
    answers: Option<Sender<CodeAnswer>>,
    signed: Option<(String, SecretValue, SignedIn)>,
    signin_rx: Option<Receiver<SignInEvent>>,
    /// The Apple ID, password and kind of the running sign-in.
    pending: Option<(String, SecretValue, bool)>,
}

enum SignInEvent {
    Progress(String),
    NeedCode(CodeRequest),
    Done(Result<SignedIn, String>),
}

impl Runner {
    pub fn new(
        keyring: Box<dyn SecretStore + Send + Sync>,
        service: Service,
        persist: bool,
        tx: Sender<Msg>,
    ) -> Runner {
        Runner {
            keyring,
            service,
            persist,
            tx,
            answers: None,
            signed: None,
            signin_rx: None,
            pending: None,
        }
    }

    fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg);
    }

    /// Applies a change to the workspace: on disk under the lock, or in memory.
    fn apply(
        &self,
        loaded: &Loaded,
        message: String,
        change: impl FnOnce(&Loaded, &mut toml_edit::DocumentMut) -> Result<(), String>,
    ) -> bool {
        let result = if self.persist {
            store::update(&loaded.path, change)
                .map(|(_, l)| l)
                .map_err(|e| e.to_string())
        } else {
            in_memory(loaded, change)
        };
        match result {
            Ok(l) => {
                self.send(Msg::Saved(Box::new(l), message));
                true
            }
            Err(e) => {
                self.send(Msg::Failed(e));
                false
            }
        }
    }

    pub fn run(&mut self, loaded: &Loaded, effect: Effect) {
        match effect {
            Effect::AddApiKey { mut key, p8: text } => {
                let (bytes, file_name) = if text.contains("-----BEGIN")
                    || !text.contains(['/', '.']) && text.len() > 100
                {
                    (text.clone().into_bytes(), None)
                } else {
                    let path = expand_home(text.trim());
                    match std::fs::read(&path) {
                        Ok(b) => (
                            b,
                            Path::new(&path)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned()),
                        ),
                        Err(e) => {
                            return self.send(Msg::Failed(format!("cannot read {path}: {e}")));
                        }
                    }
                };
                let imported = match p8::import(&bytes, file_name.as_deref(), Some(&key.key_id)) {
                    Ok(k) => k,
                    Err(e) => return self.send(Msg::Failed(e.to_string())),
                };
                key.fingerprint = Some(imported.fingerprint.clone());
                let entry = EntryName::api_key(&key.key_id);
                if let Err(e) = self.keyring.set(&entry, &imported.pem) {
                    return self.send(Msg::Failed(e.to_string()));
                }
                let mut message = format!(
                    "added API key {} ({}), fingerprint {}",
                    key.name,
                    key.key_id,
                    &imported.fingerprint[..16]
                );
                if let Some(w) = imported.warnings.first() {
                    message = format!("{message}; warning: {w}");
                }
                let k = key.clone();
                let saved = self.apply(loaded, message, move |l, doc| {
                    crate::headless::connections::validate_new_api_key(&l.workspace, &k)?;
                    edit::add_api_key(doc, &k)
                });
                if !saved {
                    let _ = self.keyring.delete(&entry);
                }
            }
            Effect::StartSignIn {
                apple_id,
                password,
                reauth,
            } => {
                let password = match password {
                    Some(p) => p,
                    None => {
                        let Some(aid) = loaded.workspace.apple_id(&apple_id) else {
                            return self.send(Msg::SignInFailed(format!(
                                "no Apple ID connection {apple_id}"
                            )));
                        };
                        let secrets = Secrets {
                            keyring: self.keyring.as_ref(),
                            workspace_file: &loaded.path,
                        };
                        match secrets.get(&aid.password, &EntryName::password(&apple_id)) {
                            Ok(p) => p,
                            Err(e) => {
                                return self.send(Msg::SignInFailed(format!(
                                    "the password of {apple_id}: {e}"
                                )));
                            }
                        }
                    }
                };
                self.start_signin(apple_id, password, reauth);
            }
            Effect::Answer(answer) => {
                if let Some(tx) = &self.answers {
                    let _ = tx.send(answer);
                }
            }
            Effect::CancelSignIn => {
                if let Some(tx) = self.answers.take() {
                    let _ = tx.send(CodeAnswer::Cancel);
                }
                self.signin_rx = None;
                self.signed = None;
            }
            Effect::FinishAppleId { apple_id, asp } => self.finish_apple_id(loaded, &apple_id, asp),
            Effect::Apply(change) => {
                let message = match &change {
                    Change::Assign {
                        slug,
                        field,
                        to: Some(v),
                    } => format!("{slug}: {field} = {v}"),
                    Change::Assign {
                        slug,
                        field,
                        to: None,
                    } => format!("{slug}: {field} cleared"),
                    Change::SetInput { input, value, .. } => {
                        format!("{input} = {}", value.as_deref().unwrap_or("(default)"))
                    }
                    Change::EditApiKey { new_name, .. } => format!("saved API key {new_name}"),
                };
                self.apply(loaded, message, move |l, doc| apply_change(l, doc, &change));
            }
            Effect::Remove { kind, id } => {
                let refs = crate::secrets::connection_secrets(&loaded.workspace, kind, &id)
                    .unwrap_or_default();
                let message = format!("removed {id}");
                let removed = self.apply(loaded, message, |_, doc| {
                    edit::remove_connection(doc, kind, &id).map(|_| ())
                });
                if removed {
                    let secrets = Secrets {
                        keyring: self.keyring.as_ref(),
                        workspace_file: &loaded.path,
                    };
                    for (r, name) in refs {
                        if let Err(e) = secrets.delete(&r, &name) {
                            self.send(Msg::Failed(format!("{id} was removed, but {name} could not be deleted ({e}): delete it by hand")));
                        }
                    }
                }
            }
            Effect::MintToken(name) => self.mint(loaded, &name),
            Effect::TestConnection(name) => self.test_connection(loaded, &name),
            Effect::Copy(text) => osc52(&text),
            Effect::CompletePath { field, value } => {
                let completed = complete_path(&value);
                self.send(Msg::Completed {
                    field,
                    value: completed,
                });
            }
            Effect::Reload => match store::load(&loaded.path) {
                Ok(l) => self.send(Msg::Saved(Box::new(l), "reloaded from disk".into())),
                Err(e) => self.send(Msg::Failed(e.to_string())),
            },
        }
    }

    fn mint(&self, loaded: &Loaded, name: &str) {
        let Some(key) = loaded.workspace.api_key(name) else {
            return self.send(Msg::Failed(format!("no API key {name}")));
        };
        let pem = match crate::headless::connections::read_key_pem(
            &loaded.path,
            self.keyring.as_ref(),
            key,
        ) {
            Ok(p) => p,
            Err(f) => return self.send(Msg::Failed(f.message)),
        };
        let now = Utc::now().timestamp();
        match jwt::mint(key, &pem, now, jwt::DEFAULT_TTL, &[]) {
            Ok(token) => {
                let decoded = jwt::decode_untrusted(&token).ok();
                let claims = decoded
                    .as_ref()
                    .and_then(|d| d.payload.as_object().cloned())
                    .map(|o| {
                        o.into_iter()
                            .map(|(k, v)| (k, v.to_string().trim_matches('"').to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                self.send(Msg::Minted(TokenView {
                    key_name: name.to_string(),
                    header: decoded.map(|d| d.header.to_string()).unwrap_or_default(),
                    claims,
                    expires_at: now + jwt::DEFAULT_TTL,
                    token,
                }));
            }
            Err(e) => self.send(Msg::Failed(e.to_string())),
        }
    }

    fn test_connection(&self, loaded: &Loaded, name: &str) {
        use super::state::StatusKind;
        use crate::apple::connection_test::{self, DEFAULT_API_BASE, Verdict};
        let Some(key) = loaded.workspace.api_key(name).cloned() else {
            return;
        };
        let pem = match crate::headless::connections::read_key_pem(
            &loaded.path,
            self.keyring.as_ref(),
            &key,
        ) {
            Ok(p) => p,
            Err(f) => return self.send(Msg::Failed(f.message)),
        };
        let base = loaded
            .workspace
            .settings
            .api_base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_API_BASE.into());
        let tx = self.tx.clone();
        // The request may take up to the timeout: it runs beside the UI.
        std::thread::spawn(move || {
            let now = Utc::now();
            let msg = match jwt::mint(&key, &pem, now.timestamp(), jwt::DEFAULT_TTL, &[]) {
                Err(e) => Msg::Status(StatusKind::Error, e.to_string()),
                Ok(token) => match connection_test::test_api_key(
                    &base,
                    &key,
                    &token,
                    now,
                    std::time::Duration::from_secs(10),
                ) {
                    Ok(r) => match r.verdict {
                        Verdict::Working => {
                            Msg::Status(StatusKind::Ok, format!("{}: working", key.name))
                        }
                        Verdict::Rejected { causes } => Msg::Status(
                            StatusKind::Error,
                            format!(
                                "{}: Apple rejected the token (401); likely: {}",
                                key.name,
                                causes.first().cloned().unwrap_or_default()
                            ),
                        ),
                        Verdict::Forbidden => Msg::Status(
                            StatusKind::Error,
                            format!(
                                "{}: the key works but its role lacks access (403)",
                                key.name
                            ),
                        ),
                        Verdict::Other { status, .. } => Msg::Status(
                            StatusKind::Error,
                            format!("{}: App Store Connect answered {status}", key.name),
                        ),
                    },
                    Err(e) => Msg::Status(StatusKind::Error, format!("{}: {e}", key.name)),
                },
            };
            let _ = tx.send(msg);
        });
    }

    fn start_signin(&mut self, apple_id: String, password: SecretValue, reauth: bool) {
        let (ev_tx, ev_rx) = channel::<SignInEvent>();
        let (ans_tx, ans_rx) = channel::<CodeAnswer>();
        self.answers = Some(ans_tx);
        self.signin_rx = Some(ev_rx);
        let service = match &self.service {
            Service::Apple(ep) => Some(ep.clone()),
            Service::Demo => None,
        };
        let pw = password.clone();
        let id = apple_id.clone();
        std::thread::spawn(move || {
            let mut codes = ChannelCodes {
                events: ev_tx.clone(),
                answers: ans_rx,
            };
            let progress_tx = ev_tx.clone();
            let mut progress = move |t: &str| {
                let _ = progress_tx.send(SignInEvent::Progress(t.to_string()));
            };
            let result = match service {
                Some(ep) => signin::sign_in(&ep, &id, &pw, None, None, &mut codes, &mut progress),
                None => demo_sign_in(&id, &mut codes, &mut progress),
            };
            let _ = ev_tx.send(SignInEvent::Done(result.map_err(|e| e.to_string())));
        });
        self.signed = None;
        self.pending_identity(apple_id, password, reauth);
    }

    fn pending_identity(&mut self, apple_id: String, password: SecretValue, reauth: bool) {
        // Kept until the sign-in ends; the session is written only after success.
        self.signed = None;
        self.pending = Some((apple_id, password, reauth));
    }

    /// Moves sign-in events into Msgs; called by the event loop on every tick.
    pub fn poll(&mut self, loaded: &Loaded) {
        let Some(rx) = &self.signin_rx else { return };
        let mut events = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            events.push(ev);
        }
        for ev in events {
            match ev {
                SignInEvent::Progress(t) => self.send(Msg::SignInProgress(t)),
                SignInEvent::NeedCode(r) => self.send(Msg::NeedCode(r)),
                SignInEvent::Done(Err(e)) => {
                    self.signin_rx = None;
                    self.answers = None;
                    self.pending = None;
                    self.send(Msg::SignInFailed(e));
                }
                SignInEvent::Done(Ok(signed)) => {
                    self.signin_rx = None;
                    self.answers = None;
                    let Some((apple_id, password, reauth)) = self.pending.take() else {
                        continue;
                    };
                    let expires = signed
                        .expires_at
                        .map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_else(|| "in about 30 days".into());
                    self.send(Msg::SignedIn {
                        apple_id: apple_id.clone(),
                        reauth,
                        expires,
                    });
                    if reauth {
                        self.save_reauth(loaded, &apple_id, signed);
                    } else {
                        self.signed = Some((apple_id, password, signed));
                    }
                }
            }
        }
    }

    fn save_reauth(&self, loaded: &Loaded, apple_id: &str, signed: SignedIn) {
        let Some(aid) = loaded.workspace.apple_id(apple_id) else {
            return;
        };
        let place = aid.session.clone().unwrap_or_default();
        let secrets = Secrets {
            keyring: self.keyring.as_ref(),
            workspace_file: &loaded.path,
        };
        if let Err(e) = secrets.set(
            &place,
            &EntryName::session(apple_id),
            &signed.session.to_secret(),
        ) {
            return self.send(Msg::Failed(format!(
                "signed in, but the session could not be kept: {e}"
            )));
        }
        let id = apple_id.to_string();
        let teams = signed.teams.clone();
        let expires = signed.expires_at;
        self.apply(
            loaded,
            format!("{apple_id} re-authenticated; the session is renewed"),
            move |_, doc| edit::set_session_fields(doc, &id, Some(Utc::now()), expires, &teams),
        );
    }

    fn finish_apple_id(&mut self, loaded: &Loaded, apple_id: &str, asp: Option<SecretValue>) {
        let Some((id, password, signed)) = self.signed.take() else {
            return self.send(Msg::Failed("the sign-in is over: start again".into()));
        };
        if id != apple_id {
            return self.send(Msg::Failed("the sign-in changed: start again".into()));
        }
        let aid = AppleId {
            apple_id: id.clone(),
            owner: None,
            password: SecretRef::Keyring,
            app_specific_password: asp.as_ref().map(|_| SecretRef::Keyring),
            authenticated_at: Some(Utc::now()),
            session_expires_at: signed.expires_at,
            session: None,
            teams: signed.teams.clone(),
        };
        let mut written = Vec::new();
        let mut put = |name: EntryName, value: &SecretValue| -> Result<(), String> {
            self.keyring.set(&name, value).map_err(|e| e.to_string())?;
            written.push(name);
            Ok(())
        };
        let stored = put(EntryName::password(&id), &password)
            .and_then(|()| match &asp {
                Some(v) => put(EntryName::app_specific_password(&id), v),
                None => Ok(()),
            })
            .and_then(|()| put(EntryName::session(&id), &signed.session.to_secret()));
        if let Err(e) = stored {
            for name in &written {
                let _ = self.keyring.delete(name);
            }
            return self.send(Msg::Failed(format!(
                "signed in, but the secrets could not be kept: {e}"
            )));
        }
        let saved = self.apply(
            loaded,
            format!(
                "added Apple ID {id}; session until {}",
                signed
                    .expires_at
                    .map(|e| e.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "in 30 days".into())
            ),
            |l, doc| {
                crate::headless::apple_id::validate_new_apple_id(&l.workspace, &aid)?;
                edit::add_apple_id(doc, &aid)
            },
        );
        if !saved {
            for name in &written {
                let _ = self.keyring.delete(name);
            }
        }
    }
}

/// The sign-in thread's code source: asks the UI and waits for its answer.
struct ChannelCodes {
    events: Sender<SignInEvent>,
    answers: Receiver<CodeAnswer>,
}

impl CodeSource for ChannelCodes {
    fn answer(&mut self, request: &CodeRequest) -> Result<CodeAnswer, SignInError> {
        let _ = self.events.send(SignInEvent::NeedCode(request.clone()));
        self.answers.recv().map_err(|_| SignInError::Cancelled)
    }
}

/// The demo service: a trusted-device flow that accepts 123456 and offers two numbers.
fn demo_sign_in(
    apple_id: &str,
    codes: &mut dyn CodeSource,
    progress: &mut dyn signin::Progress,
) -> Result<SignedIn, SignInError> {
    progress.step("Signing in (demo service)…");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let phones = vec![
        Phone {
            id: 1,
            number: "+1 (•••) •••-••11".into(),
            push_mode: "sms".into(),
        },
        Phone {
            id: 2,
            number: "+44 •••• •••••22".into(),
            push_mode: "voice".into(),
        },
    ];
    let mut delivery = Delivery::TrustedDevices;
    let mut retry = None;
    loop {
        let request = CodeRequest {
            delivery: delivery.clone(),
            phones: phones.clone(),
            length: 6,
            retry: retry.take(),
        };
        match codes.answer(&request)? {
            CodeAnswer::Cancel => return Err(SignInError::Cancelled),
            CodeAnswer::SendToPhone(id) => {
                if let Some(p) = phones.iter().find(|p| p.id == id) {
                    delivery = Delivery::Phone(p.clone());
                }
            }
            CodeAnswer::Code(c) if c == "123456" => break,
            // The demo accepts 123456 only (see `--demo`).
            CodeAnswer::Code(_) => retry = Some(signin::Retry::WrongCode),
        }
    }
    progress.step("Trusting this session (demo)…");
    let now = Utc::now();
    let session = StoredSession {
        version: 1,
        created_at: now,
        cookies: vec![StoredCookie {
            name: "DESdemo".into(),
            value: "demo-trust".into(),
            domain: "idmsa.apple.com".into(),
            path: "/".into(),
            secure: true,
            httponly: true,
            for_domain: true,
            expires: None,
            max_age: Some(2_592_000),
        }],
    };
    let expires_at = session.trust_expires_at();
    Ok(SignedIn {
        session,
        teams: vec![Team {
            id: "DEMO123456".into(),
            name: "Demo Team".into(),
        }],
        account: apple_id.into(),
        expires_at,
        warnings: Vec::new(),
    })
}

fn apply_change(
    l: &Loaded,
    doc: &mut toml_edit::DocumentMut,
    change: &Change,
) -> Result<(), String> {
    let ws = &l.workspace;
    match change {
        Change::Assign { slug, field, to } => {
            ws.may_assign(slug, field, to.as_deref())?;
            edit::assign(doc, slug, field, to.as_deref())
        }
        Change::SetInput {
            slug,
            step_index,
            input,
            value,
        } => edit::set_step_input(doc, slug, *step_index, input, value.as_deref()),
        Change::EditApiKey {
            name,
            new_name,
            issuer_id,
            enterprise,
        } => {
            if new_name != name && ws.api_key(new_name).is_some() {
                return Err(format!("an API key named `{new_name}` already exists"));
            }
            let tables = doc
                .get_mut("api_keys")
                .and_then(toml_edit::Item::as_array_of_tables_mut)
                .ok_or("no [[api_keys]]")?;
            let t = tables
                .iter_mut()
                .find(|t| t.get("name").and_then(toml_edit::Item::as_str) == Some(name))
                .ok_or_else(|| format!("no API key {name}"))?;
            t.insert("name", toml_edit::value(new_name.as_str()));
            match issuer_id {
                Some(i) => t.insert("issuer_id", toml_edit::value(i.as_str())),
                None => t.remove("issuer_id"),
            };
            if *enterprise {
                t.insert("enterprise", toml_edit::value(true));
            } else {
                t.remove("enterprise");
            }
            if new_name != name {
                for app in doc
                    .get_mut("apps")
                    .and_then(toml_edit::Item::as_array_of_tables_mut)
                    .into_iter()
                    .flat_map(|a| a.iter_mut())
                {
                    if app.get("api_key").and_then(toml_edit::Item::as_str) == Some(name) {
                        app.insert("api_key", toml_edit::value(new_name.as_str()));
                    }
                }
            }
            Ok(())
        }
    }
}

/// The same edit and validation as a save, without touching the disk (--demo, --read-only).
fn in_memory(
    loaded: &Loaded,
    change: impl FnOnce(&Loaded, &mut toml_edit::DocumentMut) -> Result<(), String>,
) -> Result<Loaded, String> {
    let mut doc: toml_edit::DocumentMut = loaded
        .text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    change(loaded, &mut doc)?;
    store::parse(&loaded.path, doc.to_string()).map_err(|e| e.to_string())
}

fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}

/// Completes a path to the longest common prefix of the matching entries.
pub fn complete_path(value: &str) -> String {
    let expanded = expand_home(value);
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("./", expanded.as_str()),
    };
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return value.to_string();
    };
    let mut matches: Vec<(String, bool)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            name.starts_with(prefix).then_some((name, is_dir))
        })
        .collect();
    matches.sort();
    let Some((first, _)) = matches.first() else {
        return value.to_string();
    };
    let mut common = first.clone();
    for (m, _) in &matches[1..] {
        while !m.starts_with(&common) {
            common.pop();
        }
    }
    let mut out = if expanded.contains('/') {
        format!("{dir}{common}")
    } else {
        common
    };
    if matches.len() == 1 && matches[0].1 {
        out.push('/');
    }
    if value.starts_with("~/")
        && let Ok(home) = std::env::var("HOME")
        && let Some(rest) = out.strip_prefix(&format!("{home}/"))
    {
        return format!("~/{rest}");
    }
    out
}

/// OSC 52: the terminal (also over SSH) puts the text on the local clipboard.
fn osc52(text: &str) {
    use std::io::Write;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}
