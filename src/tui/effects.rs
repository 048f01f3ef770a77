//! Effects: the I/O the TUI asks for (keyring, saving, Apple's sign-in, tokens, clipboard).
//! Results come back as Msgs on a channel, so the UI never blocks.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::state::{StatusKind, TokenView};
use super::update::{AppleIdEdit, AppleIdStore, Change, Effect, KeyStore, Msg};
use crate::asc::jwt;
use crate::domain::secret_ref::SecretRef;
use crate::ops::edits;
use crate::ops::keys::{self, AddKeyError, Storage};
use crate::ops::save::Target;
use crate::ops::session::StoredSession;
use crate::ops::sign_in::{self, Fallback, KeepError, NewAppleId, SignInOpError};
use crate::ops::sign_in::{CodeAnswer, CodeRequest, CodeSource, SignInError, SignedIn};
use crate::ops::{self, Clock, remove};
use crate::secrets::{EntryName, SecretStore, SecretValue};
use crate::store::{self, Loaded};

pub use crate::ops::sign_in::Service;

pub struct Runner {
    pub keyring: Box<dyn SecretStore + Send + Sync>,
    pub service: Service,
    /// The real binary: each sign-in judges the workspace's `apple_auth_url` (trust included) under
    /// `--apple-auth-url` (this flag) and the environment. Off: `service` is used as given (tests).
    pub auth_from_workspace: bool,
    pub apple_auth_flag: Option<String>,
    /// Demo and read-only keep every change in memory.
    pub persist: bool,
    /// Every clock read of an effect (the harness fixes it; `--demo` sessions are stamped with it).
    pub clock: Clock,
    pub tx: Sender<Msg>,
    answers: Option<Sender<CodeAnswer>>,
    signed: Option<(String, SecretValue, SignedIn)>,
    signin_rx: Option<Receiver<SignInEvent>>,
    /// The Apple ID, password and kind of the running sign-in.
    pending: Option<(String, SecretValue, bool)>,
    /// Set to stop the running pull from Bitrise (Esc).
    bitrise_cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

enum SignInEvent {
    Progress(String),
    NeedCode(CodeRequest),
    /// Why the trusted refresh gave way to a code (kept in the status bar).
    Why(String),
    /// The session, and whether the trust cookie won it (no code).
    Done(Result<(SignedIn, bool), String>),
}

impl Runner {
    pub fn new(
        keyring: Box<dyn SecretStore + Send + Sync>,
        service: Service,
        persist: bool,
        clock: Clock,
        tx: Sender<Msg>,
    ) -> Runner {
        Runner {
            keyring,
            service,
            auth_from_workspace: false,
            apple_auth_flag: None,
            persist,
            clock,
            tx,
            answers: None,
            signed: None,
            signin_rx: None,
            pending: None,
            bitrise_cancel: None,
        }
    }

    fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg);
    }

    /// Where changes go: the file (under its lock), or memory for `--demo` and `--read-only`.
    fn target<'a>(&self, loaded: &'a Loaded) -> Target<'a> {
        if self.persist {
            Target::Disk(&loaded.path)
        } else {
            Target::Memory(loaded)
        }
    }

    /// Applies a change to the workspace (through `ops::edits`, the one path) and reports it.
    fn apply(&self, loaded: &Loaded, message: String, change: &Change) -> bool {
        match edits::apply(self.target(loaded), change) {
            Ok(l) => {
                self.send(Msg::Saved(Box::new(l), message));
                true
            }
            Err(e) => {
                self.send(Msg::Failed(e.to_string()));
                false
            }
        }
    }

    pub fn run(&mut self, loaded: &Loaded, effect: Effect) {
        match effect {
            Effect::AddApiKey { key, p8, store } => {
                let (bytes, file_name, reference) = match key_source(p8.expose(), &loaded.path) {
                    Ok(x) => x,
                    Err(e) => return self.send(Msg::Failed(e)),
                };
                let storage = match (store, reference) {
                    // "Keyring" means the workspace's own store: its vault when it has [settings.vault].
                    (KeyStore::Keyring, _) if loaded.workspace.settings.vault.is_some() => {
                        Storage::Vault
                    }
                    (KeyStore::Keyring, _) => Storage::Keyring,
                    (KeyStore::Reference, Some(r)) => Storage::Reference(r),
                    (KeyStore::Reference, None) => {
                        // Without a keyring "choose keyring" would send the user in a circle.
                        let text = if self.keyring.reachable().is_ok() {
                            "a pasted key cannot be referenced: give the .p8 file's path or env:VAR, or choose Store: keyring".to_string()
                        } else {
                            "a pasted key cannot be referenced, and no keyring is reachable to keep it: save it as a .p8 file (chmod 600, outside git) and give that path, or export it in a variable before starting apple-conn and write env:VAR".to_string()
                        };
                        return self.send(Msg::Failed(text));
                    }
                };
                let added = keys::add_api_key(
                    self.target(loaded),
                    self.keyring.as_ref(),
                    &loaded.workspace,
                    key,
                    &bytes,
                    file_name.as_deref(),
                    storage,
                );
                match added {
                    Ok(a) => {
                        let mut message = format!(
                            "added API key {} ({}), fingerprint {}",
                            a.key.name,
                            a.key.key_id,
                            &a.fingerprint[..16.min(a.fingerprint.len())]
                        );
                        if let Some(w) = a.warnings.first() {
                            message = format!("{message}; warning: {w}");
                        }
                        if let Some(SecretRef::Path(p)) = &a
                            .loaded
                            .workspace
                            .api_key(&a.key.name)
                            .map(|k| k.private_key.clone())
                            && Path::new(p).is_absolute()
                        {
                            message = format!(
                                "{message}; warning: {p} is outside the workspace's folder: the workspace names it by its absolute path and no longer works when moved or cloned elsewhere"
                            );
                        }
                        self.send(Msg::Saved(Box::new(a.loaded), message));
                    }
                    Err(e) => self.send(Msg::Failed(add_key_error(&e))),
                }
            }
            Effect::EditAppleId(e) => self.edit_apple_id(loaded, e),
            Effect::StartSignIn {
                apple_id,
                password,
                reauth,
            } => {
                // The file's apple_auth_url is judged now (it may have changed since start-up).
                let service = match self.service_for(loaded) {
                    Ok(s) => s,
                    Err(e) => return self.send(Msg::SignInFailed(e)),
                };
                let password = match password {
                    Some(p) => p,
                    None => {
                        match sign_in::stored_password(loaded, self.keyring.as_ref(), &apple_id) {
                            Ok(p) => p,
                            Err(e) => {
                                return self.send(Msg::SignInFailed(sign_in_error(&apple_id, &e)));
                            }
                        }
                    }
                };
                let trusted = if reauth {
                    self.trusted_session(loaded, &apple_id)
                } else {
                    Err(String::new())
                };
                self.start_signin(service, apple_id, password, reauth, trusted);
            }
            Effect::Answer(answer) => {
                let sent = self
                    .answers
                    .as_ref()
                    .is_some_and(|tx| tx.send(answer).is_ok());
                if !sent {
                    self.answers = None;
                    self.send(Msg::SignInFailed("the sign-in is over".into()));
                }
            }
            Effect::CancelSignIn => {
                if let Some(tx) = self.answers.take() {
                    let _ = tx.send(CodeAnswer::Cancel);
                }
                self.signin_rx = None;
                self.signed = None;
            }
            Effect::FinishAppleId {
                apple_id,
                asp,
                store,
            } => self.finish_apple_id(loaded, &apple_id, asp, store),
            Effect::SignInFrom { apple_id, from } => {
                match sign_in::password_from(self.keyring.as_ref(), &loaded.path, &apple_id, &from)
                {
                    Ok(password) => self.run(
                        loaded,
                        Effect::StartSignIn {
                            apple_id,
                            password: Some(password),
                            reauth: false,
                        },
                    ),
                    Err(e) => self.send(Msg::SignInFailed(format!("Password from: {e}"))),
                }
            }
            Effect::ProbeKeyring => self.send(Msg::Keyring(self.keyring.reachable())),
            Effect::BitrisePull => self.bitrise_pull(loaded),
            Effect::BitrisePushPlan => self.bitrise_push_plan(loaded),
            Effect::BitrisePushApply(plan) => self.bitrise_push_apply(loaded, *plan),
            Effect::CancelBitrisePull => {
                if let Some(c) = &self.bitrise_cancel {
                    c.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
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
                    Change::SetInput { input, value, .. } => match value {
                        // A secret-carrying input is never echoed, even as a reference.
                        Some(_)
                            if input.contains("pass")
                                || input.contains("token")
                                || input.starts_with("api_key") =>
                        {
                            format!("{input} set")
                        }
                        Some(v) => format!("{input} = {v}"),
                        None => format!("{input} = (default)"),
                    },
                    Change::EditApiKey { new_name, .. } => format!("saved API key {new_name}"),
                    Change::AppleIdRefs { apple_id, .. } => format!("saved Apple ID {apple_id}"),
                    Change::PointSecretsAt { fields, .. } => {
                        format!("moved {} secret(s)", fields.len())
                    }
                };
                self.apply(loaded, message, &change);
            }
            Effect::AddApp(new) => {
                let slug = new.slug.clone();
                match crate::ops::apps::add_app(self.target(loaded), &loaded.workspace, new) {
                    Ok(a) => {
                        let mut message = format!("added app {slug}");
                        if let Some(w) = a.warnings.first() {
                            message = format!("{message}; warning: {w}");
                        }
                        self.send(Msg::Saved(Box::new(a.loaded), message));
                    }
                    Err(crate::ops::apps::AddAppError::ChooseRun { file, runs }) => {
                        let names: Vec<String> = runs
                            .iter()
                            .map(|r| match r {
                                crate::bitrise::run::Target::Workflow(w) => w.clone(),
                                crate::bitrise::run::Target::Pipeline(p) => format!("pipeline:{p}"),
                            })
                            .collect();
                        self.send(Msg::Failed(if names.is_empty() {
                            format!("{file} has no workflow or pipeline a build can start")
                        } else {
                            format!(
                                "Workflows: {file} offers {}: type the ones to preview",
                                names.join(", ")
                            )
                        }))
                    }
                    Err(e) => self.send(Msg::Failed(e.to_string())),
                }
            }
            Effect::RemoveApp(slug) => {
                match crate::ops::apps::remove_app(self.target(loaded), &slug) {
                    Ok(r) => self.send(Msg::Saved(
                        Box::new(r.loaded),
                        format!("removed app {slug}"),
                    )),
                    Err(e) => self.send(Msg::Failed(e.to_string())),
                }
            }
            Effect::Remove { kind, id } => {
                match remove::remove(
                    self.target(loaded),
                    self.keyring.as_ref(),
                    &loaded.workspace,
                    kind,
                    &id,
                ) {
                    Ok(r) => {
                        let gone = if r.leftovers.is_empty() && r.kept.is_empty() {
                            format!("removed {id}")
                        } else if r.leftovers.is_empty() {
                            format!(
                                "removed {id}; not this workspace's, kept: {}",
                                r.kept.join("; ")
                            )
                        } else {
                            let left: Vec<String> = r
                                .leftovers
                                .iter()
                                .map(|(why, entries)| format!("{} ({why})", entries.join(", ")))
                                .collect();
                            format!(
                                "removed {id}, but could not delete {}: delete it by hand",
                                left.join("; ")
                            )
                        };
                        let failed = !r.leftovers.is_empty();
                        self.send(Msg::Saved(Box::new(r.loaded), gone.clone()));
                        if failed {
                            self.send(Msg::Failed(gone));
                        }
                    }
                    Err(remove::RemoveError::NotFound) => {
                        self.send(Msg::Failed(format!("no connection {id}")))
                    }
                    Err(remove::RemoveError::Save(e)) => self.send(Msg::Failed(e.to_string())),
                }
            }
            Effect::MintToken(name) => self.mint(loaded, &name),
            Effect::TestConnection(name) => self.test_connection(loaded, &name),
            Effect::Signing(slug) => self.signing(loaded, &slug),
            Effect::Copy(text) => osc52(&text),
            Effect::CompletePath { field, value } => {
                let completed = complete_path(&value);
                self.send(Msg::Completed {
                    field,
                    value: completed,
                    candidates: path_candidates(&value),
                });
            }
            Effect::ListRuns {
                read_for,
                path,
                options,
            } => self.send(Msg::RunsListed {
                read_for,
                result: crate::ops::apps::runs_in(&path, &options),
            }),
            Effect::Reload => match store::load(&loaded.path) {
                Ok(l) => self.send(Msg::Saved(Box::new(l), "reloaded from disk".into())),
                Err(e) => self.send(Msg::Failed(e.to_string())),
            },
        }
    }

    /// Records where an Apple ID's secrets are; a new app-specific password goes to the keyring first.
    fn edit_apple_id(&self, loaded: &Loaded, e: AppleIdEdit) {
        let entry = EntryName::app_specific_password(&e.apple_id);
        if let Some(v) = &e.new_app_specific_password
            && let Err(err) = self.keyring.set(&entry, v)
        {
            return self.send(Msg::Failed(format!(
                "could not keep the app-specific password in the keyring ({err}): write env:VAR or file:PATH in App-specific password instead"
            )));
        }
        let id = e.apple_id.clone();
        let change = Change::AppleIdRefs {
            apple_id: id.clone(),
            password: e.password.clone(),
            app_specific_password: e.app_specific_password.clone(),
        };
        let saved = self.apply(loaded, format!("saved Apple ID {id}"), &change);
        // Undo only what this edit wrote: the entry must still hold the bytes written.
        if !saved
            && let Some(v) = &e.new_app_specific_password
            && self.keyring.get(&entry).ok().as_ref() == Some(v)
            && let Err(err) = self.keyring.delete(&entry)
        {
            self.send(Msg::Failed(format!(
                "nothing was saved, and {} could not be removed from the keyring again ({err}): delete it by hand",
                self.keyring.label(&entry)
            )));
        }
    }

    fn mint(&self, loaded: &Loaded, name: &str) {
        let Some(key) = loaded.workspace.api_key(name) else {
            return self.send(Msg::Failed(format!("no API key {name}")));
        };
        match keys::mint(
            &loaded.path,
            self.keyring.as_ref(),
            key,
            self.clock,
            jwt::DEFAULT_TTL,
            &[],
        ) {
            Ok(minted) => {
                let decoded = jwt::decode_untrusted(&minted.token).ok();
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
                    issued_at: minted.issued_at,
                    expires_at: minted.expires_at,
                    token: minted.token,
                    scroll: Default::default(),
                }));
            }
            Err(e) => self.send(Msg::Failed(e)),
        }
    }

    /// `B`: the token is read here (the keyring stays on this thread); the requests run beside
    /// the UI, reporting each app done, then the API keys on Bitrise are compared.
    fn bitrise_pull(&mut self, loaded: &Loaded) {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let cancel = Arc::new(AtomicBool::new(false));
        self.bitrise_cancel = Some(cancel.clone());
        let conn = match ops::bitrise::connect(loaded, self.keyring.as_ref(), None) {
            Ok(c) => c.with_cancel(cancel.clone()),
            Err(e) => {
                return self.send(Msg::BitrisePulled {
                    loaded: None,
                    kind: StatusKind::Error,
                    message: e.to_string(),
                });
            }
        };
        let path = loaded.path.clone();
        let tx = self.tx.clone();
        let now = self.clock.now();
        std::thread::spawn(move || {
            let progress = |p: ops::bitrise::Progress| {
                let (done, total) = match p {
                    ops::bitrise::Progress::Listed { total } => (0, total),
                    ops::bitrise::Progress::Done { done, total, .. } => (done, total),
                };
                let _ = tx.send(Msg::BitriseProgress {
                    done,
                    total: Some(total),
                });
            };
            let options = ops::bitrise::PullOptions {
                apps: Vec::new(),
                org: None,
                jobs: 4,
            };
            let report = match ops::bitrise::pull(&path, &conn, &options, now, &cancel, &progress) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Msg::BitrisePulled {
                        loaded: None,
                        kind: StatusKind::Error,
                        message: format!("pull from Bitrise: {e}"),
                    });
                    return;
                }
            };
            let saved = store::load(&path).ok();
            let _ = tx.send(Msg::BitrisePulled {
                loaded: saved.clone().map(Box::new),
                kind: if report.all_pulled() {
                    StatusKind::Ok
                } else {
                    StatusKind::Error
                },
                message: pull_summary(&report),
            });
            if let (Some(saved), false) = (saved, report.cancelled)
                && let Ok(rows) = ops::bitrise::keys(&saved, &conn)
            {
                let _ = tx.send(Msg::BitriseKeys(rows));
            }
        });
    }

    /// `P`: the plan's reads run beside the UI; the token is read here.
    fn bitrise_push_plan(&mut self, loaded: &Loaded) {
        let conn = match ops::bitrise::connect(loaded, self.keyring.as_ref(), None) {
            Ok(c) => c,
            Err(e) => return self.send(Msg::BitrisePushPlanned(Err(e.to_string()))),
        };
        let loaded = loaded.clone();
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let options = ops::bitrise::PushOptions {
                apps: Vec::new(),
                jobs: 4,
            };
            let result = ops::bitrise::plan(&loaded, &conn, &options)
                .map(Box::new)
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::BitrisePushPlanned(result));
        });
    }

    /// `y` on the plan: the private keys it uploads are read here (the keyring stays on this
    /// thread), then the requests run beside the UI, Esc cancelling between them.
    fn bitrise_push_apply(&mut self, loaded: &Loaded, plan: ops::bitrise::PushPlan) {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let fail = |e: String| Msg::BitrisePulled {
            loaded: None,
            kind: StatusKind::Error,
            message: format!("push to Bitrise: {e}"),
        };
        let keys = match ops::bitrise::read_keys(loaded, self.keyring.as_ref(), &plan) {
            Ok(k) => k,
            Err(e) => return self.send(fail(e.to_string())),
        };
        let cancel = Arc::new(AtomicBool::new(false));
        self.bitrise_cancel = Some(cancel.clone());
        let conn = match ops::bitrise::connect(loaded, self.keyring.as_ref(), None) {
            Ok(c) => c.with_cancel(cancel.clone()),
            Err(e) => return self.send(fail(e.to_string())),
        };
        let path = loaded.path.clone();
        let tx = self.tx.clone();
        let now = self.clock.now();
        std::thread::spawn(move || {
            let progress = |p: ops::bitrise::PushProgress| {
                let _ = tx.send(Msg::BitriseProgress {
                    done: p.done,
                    total: Some(p.total),
                });
            };
            let done = match ops::bitrise::apply(&path, &keys, &conn, plan, now, &cancel, &progress)
            {
                Ok(d) => d,
                Err(e) => {
                    let _ = tx.send(fail(e.to_string()));
                    return;
                }
            };
            let failed = done.failed();
            let mut message = done.outcome_lines().last().cloned().unwrap_or_default();
            if done.cancelled {
                message = format!("push cancelled between requests: {message}");
            }
            if let Some(first) = done.plan.iter().find_map(|i| i.error.clone()) {
                message.push_str(&format!("; first failure: {first}"));
            }
            let _ = tx.send(Msg::BitrisePulled {
                loaded: store::load(&path).ok().map(Box::new),
                kind: if failed == 0 && !done.cancelled {
                    StatusKind::Ok
                } else {
                    StatusKind::Error
                },
                message,
            });
        });
    }

    /// `S`: the app's local files, read here (passwords may be in the keyring); nothing is sent.
    fn signing(&self, loaded: &Loaded, slug: &str) {
        let opts = ops::signing::Options {
            only_app: Some(slug),
            jobs: 1,
            ..Default::default()
        };
        let now = self.clock.now();
        let report = ops::signing::look(loaded, self.keyring.as_ref(), &opts, now, self.clock);
        self.send(Msg::Signing(report));
    }

    fn test_connection(&self, loaded: &Loaded, name: &str) {
        let Some(key) = loaded.workspace.api_key(name).cloned() else {
            return;
        };
        let prepared =
            match ops::test::prepare(loaded, self.keyring.as_ref(), &key, None, self.clock) {
                Ok(p) => p,
                // Refused before anything is sent (URL policy, key): said at once, no thread.
                Err(e) => return self.send(test_message(&key.name, Err(e))),
            };
        let tx = self.tx.clone();
        // The request may take up to the timeout: it runs beside the UI.
        std::thread::spawn(move || {
            let result = prepared.send(std::time::Duration::from_secs(10));
            let _ = tx.send(test_message(&key.name, result));
        });
    }

    /// The stored session when its trust cookie is alive by `self.clock` (a refresh needs no
    /// code), else why a code is needed.
    fn trusted_session(&self, loaded: &Loaded, apple_id: &str) -> Result<StoredSession, String> {
        sign_in::trusted_session(loaded, self.keyring.as_ref(), apple_id, self.clock)
            .map_err(|e| e.to_string())
    }

    /// Apple, or the host's override, or the workspace's `apple_auth_url` once this host trusts it.
    fn service_for(&self, loaded: &Loaded) -> Result<Service, String> {
        match &self.service {
            Service::Apple(_) if !self.auth_from_workspace => Ok(self.service.clone()),
            Service::Demo => Ok(Service::Demo),
            Service::Apple(_) => sign_in::endpoints(self.apple_auth_flag.as_deref(), Some(loaded))
                .map(Service::Apple)
                .map_err(|e| format!("apple auth URL: {e}")),
        }
    }

    fn start_signin(
        &mut self,
        service: Service,
        apple_id: String,
        password: SecretValue,
        reauth: bool,
        trusted: Result<StoredSession, String>,
    ) {
        let (ev_tx, ev_rx) = channel::<SignInEvent>();
        let (ans_tx, ans_rx) = channel::<CodeAnswer>();
        self.answers = Some(ans_tx);
        self.signin_rx = Some(ev_rx);
        let pw = password.clone();
        let id = apple_id.clone();
        let clock = self.clock;
        std::thread::spawn(move || {
            let mut codes = ChannelCodes {
                events: ev_tx.clone(),
                answers: ans_rx,
            };
            let progress_tx = ev_tx.clone();
            let mut progress = move |t: &str| {
                let _ = progress_tx.send(SignInEvent::Progress(t.to_string()));
            };
            let why = match trusted {
                Ok(stored) => {
                    match sign_in::try_refresh(&service, &id, &pw, &stored, clock, &mut progress) {
                        Ok(signed) => {
                            let _ = ev_tx.send(SignInEvent::Done(Ok((signed, true))));
                            return;
                        }
                        Err(Fallback::Code(why)) => Some(why),
                        Err(Fallback::Failed(e)) => {
                            let _ = ev_tx.send(SignInEvent::Done(Err(format!(
                                "could not refresh the session of {id}: {e}"
                            ))));
                            return;
                        }
                    }
                }
                Err(why) if reauth && !why.is_empty() => Some(why),
                Err(_) => None,
            };
            if let Some(why) = why {
                let _ = ev_tx.send(SignInEvent::Why(format!(
                    "{why}: signing in with a code instead"
                )));
            }
            let job = sign_in::Job {
                service: &service,
                sms: None,
                clock,
                codes: &mut codes,
                progress: &mut progress,
            };
            let result = sign_in::sign_in(&id, &pw, job);
            let _ = ev_tx.send(SignInEvent::Done(
                result.map(|s| (s, false)).map_err(|e| e.to_string()),
            ));
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
                SignInEvent::Why(t) => {
                    self.send(Msg::SignInProgress(format!("{t}…")));
                    self.send(Msg::Status(StatusKind::Info, t));
                }
                SignInEvent::Done(Err(e)) => {
                    self.signin_rx = None;
                    self.answers = None;
                    self.pending = None;
                    self.send(Msg::SignInFailed(e));
                }
                SignInEvent::Done(Ok((signed, refreshed))) => {
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
                        if refreshed {
                            self.save_refreshed(loaded, &apple_id, &signed);
                        } else {
                            self.save_reauth(loaded, &apple_id, signed);
                        }
                    } else {
                        self.signed = Some((apple_id, password, signed));
                    }
                }
            }
        }
    }

    /// Keeps a session the trust cookie won, as `session refresh` does (authenticated_at stays).
    fn save_refreshed(&self, loaded: &Loaded, apple_id: &str, signed: &SignedIn) {
        let Some(aid) = loaded.workspace.apple_id(apple_id) else {
            return;
        };
        let place = aid.session.clone().unwrap_or_default();
        match ops::refresh::keep(
            self.target(loaded),
            self.keyring.as_ref(),
            loaded,
            apple_id,
            &place,
            signed,
        ) {
            Ok(kept) if kept.superseded.is_some() => self.send(Msg::Failed(format!(
                "{apple_id}: refreshed, but not kept: {}",
                kept.superseded.unwrap_or_default()
            ))),
            Ok(kept) => {
                let expires = kept
                    .expires_at
                    .map(crate::ops::session::rfc3339)
                    .unwrap_or_else(|| "at an unknown time (Apple gave no expiry)".into());
                let message = with_warnings(
                    format!(
                        "{apple_id}: refreshed with the trust cookie (no code); the session expires {expires}"
                    ),
                    &kept.warnings,
                );
                self.send(Msg::Saved(Box::new(kept.loaded), message));
            }
            Err(e) => self.send(Msg::Failed(e.to_string())),
        }
    }

    /// Keeps a session won with a new code (authenticated now, by the runner's clock).
    fn save_reauth(&self, loaded: &Loaded, apple_id: &str, signed: SignedIn) {
        let Some(aid) = loaded.workspace.apple_id(apple_id) else {
            return;
        };
        let place = aid.session.clone().unwrap_or_default();
        match sign_in::keep_reauth(
            self.target(loaded),
            self.keyring.as_ref(),
            loaded,
            self.clock,
            apple_id,
            &place,
            &signed,
        ) {
            Ok(kept) if kept.superseded.is_some() => self.send(Msg::Failed(format!(
                "{apple_id} signed in, but not kept: {}",
                kept.superseded.unwrap_or_default()
            ))),
            Ok(kept) => {
                let message = with_warnings(
                    format!("{apple_id} re-authenticated; the session is renewed"),
                    &kept.warnings,
                );
                self.send(Msg::Saved(Box::new(kept.loaded), message));
            }
            Err(KeepError::Secret(e)) => self.send(Msg::Failed(format!(
                "signed in, but the session could not be kept: {e}"
            ))),
            Err(e) => self.send(Msg::Failed(e.to_string())),
        }
    }

    /// Keeps the Apple ID that just signed in, with the app-specific password typed after the code.
    fn finish_apple_id(
        &mut self,
        loaded: &Loaded,
        apple_id: &str,
        asp: Option<SecretValue>,
        store: AppleIdStore,
    ) {
        let Some((id, password, signed)) = self.signed.take() else {
            return self.send(Msg::Failed("the sign-in is over: start again".into()));
        };
        if id != apple_id {
            return self.send(Msg::Failed("the sign-in changed: start again".into()));
        }
        let own = crate::secrets::default_ref(&loaded.workspace);
        // Store: reference records where the passwords are; only the session is written (its file).
        let new = match store {
            AppleIdStore::Own => NewAppleId {
                apple_id: id.clone(),
                password,
                password_at: own.clone(),
                app_specific_password: asp.map(|v| (Some(v), own.clone())),
                session_at: own,
            },
            AppleIdStore::Reference {
                password: password_at,
                app_specific_password,
                session,
            } => NewAppleId {
                apple_id: id.clone(),
                password,
                password_at,
                app_specific_password: app_specific_password.map(|at| (None, at)),
                session_at: session,
            },
        };
        match sign_in::keep_new(
            self.target(loaded),
            self.keyring.as_ref(),
            self.clock,
            &new,
            &signed,
        ) {
            Ok(added) => {
                let until = added
                    .apple_id
                    .session_expires_at
                    .map(|e| e.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "in 30 days".into());
                let message = with_warnings(
                    format!("added Apple ID {id}; session until {until}"),
                    &added.warnings,
                );
                self.send(Msg::Saved(Box::new(added.loaded), message));
            }
            Err(e) => self.send(Msg::Failed(sign_in_error(&id, &e))),
        }
    }
}

/// A sign-in operation that failed, in the TUI's words (fields, not flags).
fn sign_in_error(apple_id: &str, e: &SignInOpError) -> String {
    let left = |leftovers: &[sign_in::Leftover]| {
        if leftovers.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = leftovers
                .iter()
                .map(|l| format!("{} ({})", l.entry, l.error))
                .collect();
            format!(
                "; could not remove {} again: delete it by hand",
                names.join(", ")
            )
        }
    };
    match e {
        SignInOpError::Refused(r) => super::words::apple_id_refusal(r),
        SignInOpError::NoAppleId(id) => format!("no Apple ID connection {id}"),
        SignInOpError::Password(e) => format!(
            "the password of {apple_id}: {}",
            super::words::secret_error(e)
        ),
        SignInOpError::SignIn(e) => e.to_string(),
        SignInOpError::NotASession(e) => e.clone(),
        SignInOpError::Secret { error, leftovers } => format!(
            "signed in, but the secrets could not be kept: {}{}",
            super::words::secret_error(error),
            left(leftovers)
        ),
        SignInOpError::Save { error, leftovers } => format!("{error}{}", left(leftovers)),
        SignInOpError::Keep(e) => e.to_string(),
    }
}

/// A status line with the sign-in's warnings after it (cleaned: they come from a server).
fn with_warnings(message: String, warnings: &[String]) -> String {
    warnings.iter().fold(message, |m, w| {
        format!("{m}; warning: {}", crate::terminal_text::clean(w))
    })
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

/// The key field: a pasted key, `env:VAR`, or a path; with the reference the workspace may record instead.
/// The key's bytes, its file name (for the importer's checks) and the reference that reads it again.
type KeySource = (Vec<u8>, Option<String>, Option<SecretRef>);

/// The key's bytes, its file name, and the reference to record: a path inside the workspace's
/// folder relative to it (the file stays portable), else absolute.
fn key_source(text: &str, workspace_file: &Path) -> Result<KeySource, String> {
    if text.contains("-----BEGIN")
        || !text.contains(['/', '.', ':']) && text.len() > 100
        || crate::domain::secret_inputs::is_key_material(text)
    {
        return Ok((text.as_bytes().to_vec(), None, None));
    }
    if let Some(var) = text.trim().strip_prefix("env:") {
        let value = std::env::var(var)
            .map_err(|_| format!("env:{var}: the variable is not set in this terminal"))?;
        return Ok((
            value.into_bytes(),
            None,
            Some(SecretRef::Env(var.to_string())),
        ));
    }
    let path = expand_home(text.trim());
    let bytes =
        crate::store::files::read_capped(Path::new(&path), crate::store::files::KEY_CAP, "key")
            .map_err(|e| format!("cannot read {path}: {e}"))?;
    let written = crate::store::portable_path(workspace_file, Path::new(&path)).written;
    let name = Path::new(&path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    Ok((bytes, name, Some(SecretRef::Path(written))))
}

/// An add that failed, in the TUI's words.
fn add_key_error(e: &AddKeyError) -> String {
    match e {
        AddKeyError::Refused(r) => super::words::key_refusal(r),
        AddKeyError::Import(e) => format!("the private key: {e}"),
        AddKeyError::Keyring(crate::secrets::SecretError::NoKeyring(why)) => format!(
            "could not store the private key in the keyring (no OS keyring is reachable: {why}): choose Store: reference to record the .p8 path or env:VAR instead, or start apple-conn inside a Secret Service session (over SSH: `dbus-run-session` with gnome-keyring unlocked)"
        ),
        AddKeyError::Keyring(e) => format!(
            "could not store the private key in the keyring ({}): choose Store: reference to record the .p8 path or env:VAR instead",
            super::words::secret_error(e)
        ),
        AddKeyError::Workspace(error) => error.to_string(),
        AddKeyError::Save {
            error,
            leftover: None,
        } => error.to_string(),
        AddKeyError::Save {
            error,
            leftover: Some((entry, why)),
        } => format!(
            "{error}; the key was stored as {entry} but could not be removed again ({why}): delete that keyring entry by hand"
        ),
    }
}

/// `~/…` (and `~\…` on Windows) under the home folder the platform names (HOME is often unset on Windows).
pub fn expand_home(p: &str) -> String {
    let rest = p.strip_prefix("~/").or_else(|| {
        p.strip_prefix('~')
            .filter(|_| cfg!(windows))
            .and_then(|r| r.strip_prefix('\\'))
    });
    match (rest, home_text()) {
        (Some(rest), Some(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}

/// The home folder as text, without a trailing separator.
fn home_text() -> Option<String> {
    let home = crate::store::home_dir()?;
    Some(
        home.to_string_lossy()
            .trim_end_matches(['/', '\\'])
            .to_string(),
    )
}

/// The entries of the typed path's folder its last part starts with (folders end in `/`), sorted.
pub fn path_candidates(value: &str) -> Vec<String> {
    let expanded = expand_home(value);
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("./", expanded.as_str()),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let slash = if e.file_type().is_ok_and(|t| t.is_dir()) {
                "/"
            } else {
                ""
            };
            name.starts_with(prefix).then(|| format!("{name}{slash}"))
        })
        .collect();
    names.sort();
    names
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
        && let Some(home) = home_text()
        && let Some(rest) = out.strip_prefix(&format!("{home}/"))
    {
        return format!("~/{rest}");
    }
    out
}

/// OSC 52: the terminal (also over SSH) puts the text on the local clipboard.
fn osc52(text: &str) {
    use base64ct::Encoding;
    use std::io::Write;
    // The text is a token: its base64 is constant-time and wiped once written.
    let b64 = zeroize::Zeroizing::new(base64ct::Base64::encode_string(text.as_bytes()));
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{}\x07", b64.as_str());
    let _ = out.flush();
}

/// What a pull did, in one status line.
fn pull_summary(r: &ops::bitrise::PullReport) -> String {
    let mut text = format!("pulled {} app(s) from Bitrise", r.pulled.len());
    if r.cancelled {
        text.push_str(" before the pull was cancelled");
    }
    if !r.kept_in_repository.is_empty() {
        let kept: Vec<String> = r
            .kept_in_repository
            .iter()
            .map(|k| format!("{} {}", k.slug, k.message))
            .collect();
        text.push_str(&format!("; {}", kept.join("; ")));
    }
    if !r.failed.is_empty() {
        let failed: Vec<String> = r
            .failed
            .iter()
            .map(|f| format!("{}: {}", f.slug, f.reason))
            .collect();
        text.push_str(&format!(
            "; {} failed: {}",
            r.failed.len(),
            failed.join("; ")
        ));
    }
    if !r.unassigned.is_empty() {
        text.push_str(&format!(
            "; {} pulled app(s) have no connection assigned: select one and press the assign key",
            r.unassigned.len()
        ));
    }
    text
}

/// A connection test's outcome as a status message.
fn test_message(
    key_name: &str,
    result: Result<crate::ops::test::TestReport, ops::test::TestError>,
) -> Msg {
    use super::state::StatusKind;
    use crate::ops::test::Verdict;
    match result {
        Ok(r) => match r.verdict {
            Verdict::Working => Msg::Status(StatusKind::Ok, format!("{}: working", key_name)),
            Verdict::Rejected { causes } => Msg::Status(
                StatusKind::Error,
                format!(
                    "{}: Apple rejected the token (401); likely: {}",
                    key_name,
                    causes.first().cloned().unwrap_or_default()
                ),
            ),
            Verdict::Forbidden(refusal) => Msg::Status(
                StatusKind::Error,
                format!("{}: {}", key_name, refusal.advice("call this endpoint")),
            ),
            Verdict::Other { status, .. } => Msg::Status(
                StatusKind::Error,
                format!("{}: App Store Connect answered {status}", key_name),
            ),
        },
        Err(ops::test::TestError::BaseUrl(e)) => {
            Msg::Status(StatusKind::Error, format!("App Store Connect API URL: {e}"))
        }
        Err(ops::test::TestError::Key(e)) => Msg::Status(StatusKind::Error, e),
        Err(ops::test::TestError::Network(e)) => Msg::Status(
            StatusKind::Error,
            format!("{}: could not reach App Store Connect: {e}", key_name),
        ),
    }
}
