//! The source walk: (workspace, app, step, environment, now) -> Resolution. Pure.
//! Mirrors bitrise-steps-auth.md §2 (appleauth), §3 (codesign) and §4.5 (ios-auto-provision).

use chrono::{DateTime, Utc};
use indexmap::IndexMap;

use super::catalog::{
    Catalog, ExpiredSession, Family, InputRole, LogLevel, OnFault, OnNothing, SourceKind, StepDef,
    Validates,
};
use super::key_file::key_id_from_file_name;
use super::resolution::*;
use super::workspace::{ApiKey, App, AppleId, KeyKind, SessionState, StepUse, Workspace};

mod connection;

/// Resolves one step of one app. `now` decides session expiry; nothing else reads a clock.
pub fn resolve(
    ws: &Workspace,
    catalog: &Catalog,
    app: &App,
    step_use: &StepUse,
    env: Environment,
    now: DateTime<Utc>,
) -> Resolution {
    let (id, version) = step_use.step_ref();
    let Some((step, version_note)) = catalog.step_at(id, version) else {
        let mut r = Walk::new(ws, catalog, app, step_use, env, now, None);
        r.note(
            Level::Info,
            format!("{id} is not a step apple-conn models: it uses no Apple auth"),
        );
        return r.finish_skipped();
    };
    let mut walk = Walk::new(ws, catalog, app, step_use, env, now, Some(step));
    walk.begin(step, version_note);
    if walk.res.outcome == Outcome::Fail {
        return walk.res;
    }
    match step.family {
        Family::Connection => walk.connection_family(step),
        Family::CodeSigning => walk.code_signing_family(step),
        Family::AppleIdOnly => walk.apple_id_only_family(step),
    }
}

/// The connection Bitrise would hand this app's build.
#[derive(Clone, Copy)]
struct Connection<'a> {
    api_key: Option<&'a ApiKey>,
    apple_id: Option<&'a AppleId>,
}

/// The key ID an input API key is used with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyId {
    /// From `AuthKey_<ID>.p8` in the file name, or the `api_key_id` input.
    Named(String),
    /// appleauth (go-xcode v1 key_helper.go): a file name without the pattern gives "Bitrise".
    Fallback,
}

impl KeyId {
    const FALLBACK: &'static str = "Bitrise";

    fn from_file_name(path: &str) -> KeyId {
        key_id_from_file_name(path).map_or(KeyId::Fallback, KeyId::Named)
    }

    fn as_str(&self) -> &str {
        match self {
            KeyId::Named(id) => id,
            KeyId::Fallback => KeyId::FALLBACK,
        }
    }
}

/// The chosen credentials, before they are turned into what the step receives.
enum Chosen<'a> {
    ConnectionKey(&'a ApiKey),
    InputKey {
        key_id: KeyId,
        issuer: String,
        path: String,
        enterprise: bool,
    },
    ConnectionAppleId {
        aid: &'a AppleId,
        with_session: bool,
        app_password_input: String,
    },
    InputAppleId {
        username: String,
        password: String,
        app_password: String,
    },
}

struct Walk<'a> {
    ws: &'a Workspace,
    catalog: &'a Catalog,
    app: &'a App,
    step_use: &'a StepUse,
    env: Environment,
    now: DateTime<Utc>,
    step: Option<&'a StepDef>,
    res: Resolution,
    /// A failure the step meets after the walk (portal sign-in): applied by `finish`.
    pending_fail: Option<String>,
}

fn is_build_time(value: &str) -> bool {
    value.contains('$')
}

impl<'a> Walk<'a> {
    fn new(
        ws: &'a Workspace,
        catalog: &'a Catalog,
        app: &'a App,
        step_use: &'a StepUse,
        env: Environment,
        now: DateTime<Utc>,
        step: Option<&'a StepDef>,
    ) -> Self {
        Walk {
            ws,
            catalog,
            app,
            step_use,
            env,
            now,
            step,
            res: Resolution {
                outcome: Outcome::Ok,
                auth: None,
                origin: None,
                source: None,
                identity: None,
                session_expires_at: None,
                connection_value: None,
                receives: Vec::new(),
                walk: Vec::new(),
                log: Vec::new(),
                notes: Vec::new(),
            },
            pending_fail: None,
        }
    }

    /// Phase 1: what the step prints before anything else (deprecation) and the version notes.
    fn begin(&mut self, step: &StepDef, version_note: Option<String>) {
        if let Some(note) = version_note {
            self.note(Level::Warning, note);
        }
        if let Some(note) = &step.version_note {
            self.note(Level::Info, note.clone());
        }
        if let Some(banner) = &step.deprecation_log {
            self.log(Level::Warning, banner.clone());
            let date = step.removal_date.as_deref().unwrap_or("an announced date");
            let instead = step
                .replaced_by
                .as_deref()
                .map(|r| format!("; replace it with {r}, or the automatic code signing of xcode-archive, export-xcarchive and xcode-build-for-test"))
                .unwrap_or_default();
            self.note(
                Level::Warning,
                format!(
                    "{} is deprecated: the StepLib lists it for removal on {date}{instead}",
                    step.id
                ),
            );
        }
    }

    /// Phase 2: the step's own checks before any auth; Err(()) after failing the resolution.
    fn preconditions(&mut self, step: &StepDef, value: &str) -> Result<(), ()> {
        let given = &self.step_use.inputs;
        let declared = |name: &String| {
            step.input_specs.is_empty()
                || step.input_specs.contains_key(name)
                || given.contains_key(name)
        };
        let filled = |name: &String| !step.input_value(given, name).trim().is_empty();
        let literal = |name: &String| {
            let v = step.input_value(given, name).trim();
            !v.is_empty() && !is_build_time(v)
        };
        for pre in &step.preconditions {
            if pre.unless.iter().any(|u| u == value) {
                continue;
            }
            let broken = if let Some(name) = &pre.required {
                declared(name) && !filled(name)
            } else if !pre.one_of.is_empty() {
                let members: Vec<&String> = pre.one_of.iter().filter(|n| declared(n)).collect();
                !members.is_empty() && !members.iter().any(|n| filled(n))
            } else {
                let members: Vec<&String> =
                    pre.exactly_one_of.iter().filter(|n| declared(n)).collect();
                let set = members.iter().filter(|n| filled(n)).count();
                let sure = members.iter().filter(|n| literal(n)).count();
                !members.is_empty() && (set == 0 || sure > 1)
            };
            if broken {
                self.note(
                    Level::Error,
                    "the step stops on its inputs before it looks at any Apple auth: an input set to \"\" stays empty, an absent one takes its step.yml default",
                );
                self.log(Level::Error, pre.message.clone());
                self.res.outcome = Outcome::Fail;
                return Err(());
            }
        }
        Ok(())
    }

    fn log(&mut self, level: Level, text: impl Into<String>) {
        self.res.log.push(LogLine {
            level,
            text: text.into(),
        });
    }

    fn note(&mut self, level: Level, text: impl Into<String>) {
        self.res.notes.push(Note {
            level,
            text: text.into(),
        });
    }

    fn walked(&mut self, source: SourceKind, verdict: Verdict, why: impl Into<String>) {
        self.res.walk.push(WalkEntry {
            source,
            verdict,
            why: why.into(),
        });
    }

    /// The raw input value as the step receives it: the workspace's, else the step default.
    fn input_raw(&self, role: InputRole) -> String {
        let Some(step) = self.step else {
            return String::new();
        };
        match step.input_with_role(role) {
            Some((name, def)) => self
                .step_use
                .inputs
                .get(name)
                .cloned()
                .unwrap_or_else(|| def.default.clone()),
            None => String::new(),
        }
    }

    fn input_name(&self, role: InputRole) -> String {
        self.step
            .and_then(|s| s.input_with_role(role))
            .map(|(n, _)| n.to_string())
            .unwrap_or_default()
    }

    fn app_connection(&self) -> Connection<'a> {
        let ws: &'a Workspace = self.ws;
        Connection {
            api_key: self.app.api_key.as_deref().and_then(|n| ws.api_key(n)),
            apple_id: self.app.apple_id.as_deref().and_then(|a| ws.apple_id(a)),
        }
    }

    fn fail(mut self, text: impl Into<String>) -> Resolution {
        self.failed(text);
        self.res
    }

    /// Fails the resolution in place: a phase that stops the step calls this and returns.
    fn failed(&mut self, text: impl Into<String>) {
        self.log(Level::Error, text);
        self.res.outcome = Outcome::Fail;
        self.res.auth = None;
        self.res.origin = None;
        self.res.source = None;
        self.res.identity = None;
        self.res.session_expires_at = None;
        self.res.receives.clear();
    }

    fn finish_skipped(mut self) -> Resolution {
        self.res.outcome = Outcome::Skipped;
        self.res
    }

    fn finish(mut self) -> Resolution {
        self.settle();
        self.res
    }

    /// The outcome from what was logged and noted (and a failure the step meets later).
    fn settle(&mut self) {
        if let Some(text) = self.pending_fail.take() {
            self.failed(text);
            return;
        }
        let warned = self.res.log.iter().any(|l| l.level >= Level::Warning)
            || self.res.notes.iter().any(|n| n.level >= Level::Warning);
        self.res.outcome = if warned {
            Outcome::Warning
        } else {
            Outcome::Ok
        };
    }

    fn mark_rest_not_tried(&mut self, rest: &[SourceKind]) {
        for s in rest {
            self.walked(
                *s,
                Verdict::NotTried,
                "not tried: an earlier source decided the walk",
            );
        }
    }

    /// The connection value both families start from; None once the resolution is settled.
    fn begin_value(&mut self, step: &StepDef) -> Option<String> {
        match self.connection_value(step) {
            Ok(v) => {
                self.res.connection_value = Some(v.clone());
                Some(v)
            }
            Err(()) => {
                if self.res.notes.iter().any(|n| n.level == Level::Error) {
                    let name = self.input_name(InputRole::Connection);
                    let raw = self.input_raw(InputRole::Connection);
                    self.failed(format!("Issue with input: invalid {name} value: {raw}"));
                } else {
                    self.settle();
                }
                None
            }
        }
    }

    /// The connection-input value, canonical; Err(resolution) when the step stops on it.
    fn connection_value(&mut self, step: &StepDef) -> Result<String, ()> {
        let Some((name, input)) = step.connection_input() else {
            return Ok("always".to_string());
        };
        let raw = self
            .step_use
            .inputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| input.default.clone());
        let trimmed = raw.trim();
        if is_build_time(trimmed) {
            self.note(
                Level::Warning,
                format!(
                    "{name} is `{trimmed}`, set at build time: apple-conn can't tell which sources the step tries; set a literal value to preview it"
                ),
            );
            return Err(());
        }
        match step.canonical_value(input, trimmed) {
            Some(v) => Ok(v.to_string()),
            None => {
                let hint = if matches!(trimmed, "false" | "true") {
                    " (an unquoted off/on/yes/no in bitrise.yml reaches the step as false/true: quote it)"
                } else {
                    ""
                };
                self.note(
                    Level::Error,
                    format!(
                        "{name} = \"{trimmed}\" is not one of {}{hint}",
                        input.values.join(", ")
                    ),
                );
                Err(())
            }
        }
    }

    fn note_individual_key(&mut self, conn: &Connection) {
        if let Some(key) = conn.api_key
            && key.kind == KeyKind::Individual
        {
            self.note(
                    Level::Error,
                    format!(
                        "API key `{}` is an individual key: Bitrise's connection needs an issuer ID, so the whole fetch fails; assign a team key",
                        key.name
                    ),
                );
        }
    }

    /// Fills auth, origin, identity and what the step receives for the chosen credentials.
    fn apply_chosen(
        &mut self,
        step: &StepDef,
        source: SourceKind,
        chosen: Chosen<'a>,
        value: &str,
    ) {
        self.res.source = Some(source);
        let mut vars: IndexMap<&'static str, Option<Received>> = IndexMap::new();
        let team = self.input_raw(InputRole::Team).trim().to_string();
        match chosen {
            Chosen::ConnectionKey(key) => {
                self.res.auth = Some(AuthKind::ApiKey);
                self.res.origin = Some(Origin::Connection);
                self.res.identity = Some(key.identity());
                vars.insert("key_id", Some(Received::Text(key.key_id.clone())));
                vars.insert(
                    "issuer_id",
                    Some(Received::Text(key.issuer_id.clone().unwrap_or_default())),
                );
                vars.insert(
                    "private_key",
                    Some(Received::Secret {
                        what: SecretWhat::PrivateKey,
                        of: SecretOwner::ApiKey(key.name.clone()),
                    }),
                );
                self.key_notes(step, key.kind, key.enterprise, &key.name);
                if value == "automatic"
                    && let Some(aid) = self.app_connection().apple_id
                    && self.env == Environment::Bitrise
                {
                    self.note(
                                Level::Info,
                                format!(
                                    "automatic tries the API key first: the Apple ID {} is not used by this step",
                                    aid.apple_id
                                ),
                            );
                }
                self.fill_receives(step, true, &vars);
            }
            Chosen::InputKey {
                key_id,
                issuer,
                path,
                enterprise,
            } => {
                self.res.auth = Some(AuthKind::ApiKey);
                self.res.origin = Some(Origin::StepInputs);
                let fallback = key_id == KeyId::Fallback;
                let identity = if is_build_time(&path) && fallback {
                    format!("key from {path} (set at build time)")
                } else {
                    key_id.as_str().to_string()
                };
                if fallback && !is_build_time(&path) && step.family == Family::Connection {
                    self.note(
                        Level::Warning,
                        format!(
                            "the key file `{path}` is not named AuthKey_<KEYID>.p8, so the step uses the key ID \"Bitrise\" and Apple rejects the token (401): rename the file"
                        ),
                    );
                } else if fallback && is_build_time(&path) && step.family == Family::Connection {
                    self.note(
                        Level::Info,
                        format!(
                            "the key ID comes from the file name behind {path} (AuthKey_<KEYID>.p8), else \"Bitrise\"; check that the uploaded file keeps its name"
                        ),
                    );
                }
                self.res.identity = Some(identity);
                vars.insert("key_id", Some(Received::Text(key_id.as_str().to_string())));
                vars.insert("issuer_id", Some(text_or_build_time(&issuer)));
                vars.insert(
                    "private_key",
                    Some(Received::Text(format!("<downloaded from {path}>"))),
                );
                if let Some(scope) = self.ws_key_for_id(key_id.as_str()) {
                    self.key_notes(
                        step,
                        scope.kind,
                        enterprise || scope.enterprise,
                        &scope.name,
                    );
                } else {
                    self.key_notes(step, KeyKind::Team, enterprise, "");
                }
                self.fill_receives(step, !enterprise, &vars);
            }
            Chosen::ConnectionAppleId {
                aid,
                with_session,
                app_password_input,
            } => {
                self.res.auth = Some(AuthKind::AppleId);
                self.res.origin = Some(Origin::Connection);
                self.res.identity = Some(aid.apple_id.clone());
                let owner = SecretOwner::AppleId(aid.apple_id.clone());
                vars.insert("apple_id", Some(Received::Text(aid.apple_id.clone())));
                vars.insert(
                    "password",
                    Some(Received::Secret {
                        what: SecretWhat::Password,
                        of: owner.clone(),
                    }),
                );
                // ASP: the connection's first, the app_password input as the fallback (§2.1).
                let asp = if aid.app_specific_password.is_some() {
                    Some(Received::Secret {
                        what: SecretWhat::AppSpecificPassword,
                        of: owner.clone(),
                    })
                } else if !app_password_input.is_empty() && step.family == Family::Connection {
                    Some(input_secret(
                        &app_password_input,
                        &self.input_name(InputRole::AppPassword),
                    ))
                } else {
                    None
                };
                let has_asp = asp.is_some();
                // altool gets the ASP when there is one, else the password (§4.2).
                let asp_or_password = asp.clone().unwrap_or(Received::Secret {
                    what: SecretWhat::Password,
                    of: owner.clone(),
                });
                vars.insert("app_specific_password", asp);
                vars.insert("app_specific_password_or_password", Some(asp_or_password));
                let state = aid.session_state(self.now);
                if with_session {
                    self.res.session_expires_at = state.expires_at();
                    if aid.has_session() {
                        vars.insert(
                            "session",
                            Some(Received::Secret {
                                what: SecretWhat::Session,
                                of: owner.clone(),
                            }),
                        );
                        vars.insert(
                            "session_all_cookies",
                            Some(Received::Secret {
                                what: SecretWhat::SessionAllCookies,
                                of: owner.clone(),
                            }),
                        );
                    }
                }
                vars.insert("team", Some(Received::Text(self.team_for(aid, &team))));
                self.apple_id_notes(step, aid, with_session, has_asp, &team);
                self.fill_receives(step, false, &vars);
            }
            Chosen::InputAppleId {
                username,
                password,
                app_password,
            } => {
                self.res.auth = Some(AuthKind::AppleId);
                self.res.origin = Some(Origin::StepInputs);
                self.res.identity = Some(if is_build_time(&username) {
                    format!("{username} (set at build time)")
                } else {
                    username.clone()
                });
                vars.insert("apple_id", Some(text_or_build_time(&username)));
                let pw_name = self.input_name(InputRole::Password);
                let asp_name = self.input_name(InputRole::AppPassword);
                vars.insert(
                    "password",
                    (!password.is_empty()).then(|| input_secret(&password, &pw_name)),
                );
                vars.insert(
                    "app_specific_password",
                    (!app_password.is_empty()).then(|| input_secret(&app_password, &asp_name)),
                );
                vars.insert(
                    "app_specific_password_or_password",
                    Some(if app_password.is_empty() {
                        input_secret(&password, &pw_name)
                    } else {
                        input_secret(&app_password, &asp_name)
                    }),
                );
                vars.insert("team", Some(Received::Text(team.clone())));
                self.note(
                    Level::Warning,
                    "an Apple ID from step inputs carries no 2FA session: a 2FA account can't sign in this way; use the Apple ID connection, or an API key",
                );
                if app_password.is_empty()
                    && let Some(w) = &step.no_asp_warning
                {
                    self.log(Level::Warning, w.clone());
                }
                self.fill_receives(step, false, &vars);
            }
        }
    }

    fn ws_key_for_id(&self, key_id: &str) -> Option<&'a ApiKey> {
        let ws: &'a Workspace = self.ws;
        ws.api_keys.iter().find(|k| k.key_id == key_id)
    }

    fn team_for(&self, aid: &AppleId, team_input: &str) -> String {
        if !team_input.is_empty() {
            return team_input.to_string();
        }
        match aid.teams.as_slice() {
            [only] => only.id.clone(),
            _ => String::new(),
        }
    }

    fn key_notes(&mut self, step: &StepDef, kind: KeyKind, enterprise: bool, name: &str) {
        let label = if name.is_empty() {
            "this key".to_string()
        } else {
            format!("API key `{name}`")
        };
        if kind == KeyKind::Individual && step.needs_provisioning {
            self.note(
                Level::Warning,
                format!(
                    "{label} is an individual key: {} manages provisioning, which needs a team key with the Admin role",
                    step.id
                ),
            );
        }
        if step.family == Family::CodeSigning && step.xcode_signing && enterprise {
            self.note(
                Level::Info,
                "an enterprise key never gets Xcode-managed signing: the step signs through the API",
            );
        }
    }

    fn apple_id_notes(
        &mut self,
        step: &StepDef,
        aid: &AppleId,
        with_session: bool,
        has_asp: bool,
        team_input: &str,
    ) {
        let state = aid.session_state(self.now);
        if !has_asp {
            if let Some(w) = &step.no_asp_warning {
                self.log(Level::Warning, w.clone());
            }
            if step.family == Family::Connection {
                self.note(
                    Level::Warning,
                    format!(
                        "{} has no app-specific password: uploads of a 2FA account fail; add one (appleid.apple.com › App-Specific Passwords)",
                        aid.apple_id
                    ),
                );
            }
        }
        if !with_session {
            self.note(
                Level::Info,
                format!(
                    "{} never receives the 2FA session: it signs in with the app-specific password",
                    step.id
                ),
            );
            return;
        }
        match state {
            SessionState::NeverAuthenticated => self.note(
                Level::Warning,
                format!(
                    "{} was never authenticated: the step gets no session and a 2FA account fails at sign-in; run `apple-conn reauth {}`",
                    aid.apple_id, aid.apple_id
                ),
            ),
            SessionState::ExpiringSoon { .. } => self.note(
                Level::Warning,
                format!(
                    "the 2FA session of {} {}: re-authenticate soon (`apple-conn reauth {}`)",
                    aid.apple_id,
                    state.describe(self.now),
                    aid.apple_id
                ),
            ),
            SessionState::Expired { .. } if step.expired_session == ExpiredSession::Unchecked => {
                self.note(
                    Level::Error,
                    format!(
                        "{} {} pins a go-xcode that does not check the 2FA session (the warning came with v2.0.0-alpha.38): spaceship's sign-in with the expired session of {} asks for a code and the step fails; run `apple-conn reauth {}`",
                        step.id,
                        step.version.as_deref().unwrap_or(""),
                        aid.apple_id,
                        aid.apple_id
                    ),
                );
                self.pending_fail = Some(format!(
                    "the 2FA session of {} {}: the portal sign-in fails",
                    aid.apple_id,
                    state.describe(self.now)
                ));
            }
            SessionState::Expired { expires_at } => match step.expired_session {
                ExpiredSession::Warn => {
                    if aid.has_session() {
                        let text = self
                            .catalog
                            .families
                            .code_signing
                            .expired
                            .replace("{expiry_minute}", &expires_at.format("%Y-%m-%d %H:%M").to_string());
                        self.log(Level::Warning, text);
                    }
                    self.note(
                        Level::Warning,
                        format!(
                            "the 2FA session of {} {}: the step only warns, then spaceship's sign-in will likely fail; run `apple-conn reauth {}`",
                            aid.apple_id,
                            state.describe(self.now),
                            aid.apple_id
                        ),
                    );
                }
                ExpiredSession::Ignore | ExpiredSession::Stop | ExpiredSession::Unchecked => self.note(
                    Level::Warning,
                    format!(
                        "the 2FA session of {} {}: the step does not check it, and spaceship's sign-in will ask for a code and fail; run `apple-conn reauth {}`",
                        aid.apple_id,
                        state.describe(self.now),
                        aid.apple_id
                    ),
                ),
            },
            SessionState::Valid { .. } => {}
        }
        self.team_rule(step, aid, team_input);
    }

    /// A step that signs in to the developer portal with an Apple ID needs one team: spaceship's
    /// portal/auth_client.rb (go-xcode/v2 and ios-auto-provision@2.0.3) raises with several.
    fn team_rule(&mut self, step: &StepDef, aid: &AppleId, team_input: &str) {
        if !step.needs_provisioning || aid.teams.is_empty() {
            return;
        }
        let name = self.input_name(InputRole::Team);
        if is_build_time(team_input) {
            self.note(
                Level::Info,
                format!("{name} is `{team_input}`, set at build time: it must name one of the teams of {}", aid.apple_id),
            );
            return;
        }
        let ids: Vec<&str> = aid.teams.iter().map(|t| t.id.as_str()).collect();
        if !team_input.is_empty() {
            if !ids.contains(&team_input) {
                self.pending_fail = Some(format!(
                    "team {team_input} ({name}) is not one of the teams of {} ({}): the portal sign-in fails",
                    aid.apple_id,
                    ids.join(", ")
                ));
            }
            return;
        }
        if ids.len() < 2 {
            return;
        }
        let text = "Your developer portal account belongs to multiple teams, please provide the team id to sign in";
        let fallback = step
            .input_value(
                &self.step_use.inputs,
                "fallback_provisioning_profile_url_list",
            )
            .trim()
            .to_string();
        let name = if name.is_empty() {
            "team".to_string()
        } else {
            name
        };
        if step.family == Family::CodeSigning && !fallback.is_empty() {
            // go-xcode/v2 codesign.go: with fallback profiles the failed sign-in is only a warning.
            self.log(Level::Warning, text);
            self.note(
                Level::Warning,
                format!(
                    "{} belongs to {} teams ({}): the sign-in fails and the step installs the fallback profiles; set {name} to use automatic provisioning",
                    aid.apple_id,
                    ids.len(),
                    ids.join(", ")
                ),
            );
            return;
        }
        self.note(
            Level::Error,
            format!(
                "{} belongs to {} teams ({}): set {name} to one of them",
                aid.apple_id,
                ids.len(),
                ids.join(", ")
            ),
        );
        self.pending_fail = Some(text.to_string());
    }

    /// §4.8: the step's env vars and arguments for the chosen auth.
    fn fill_receives(
        &mut self,
        step: &StepDef,
        xcode_eligible: bool,
        vars: &IndexMap<&'static str, Option<Received>>,
    ) {
        let table = match self.res.auth {
            Some(AuthKind::ApiKey) => {
                let min_validity = self.input_raw(InputRole::MinProfileValidity);
                let use_xcode = step.family == Family::CodeSigning
                    && step.xcode_signing
                    && xcode_eligible
                    // step.go: Bitrise-managed signing is forced only when MinDaysProfileValidity > 0.
                    && min_validity.trim().parse::<i64>().is_ok_and(|days| days <= 0)
                    && !step.receives.api_key_xcode.is_empty();
                if use_xcode {
                    self.note(
                        Level::Info,
                        "Xcode-managed signing (xcodebuild -allowProvisioningUpdates) if the project uses automatic signing and Xcode ≥ 13; otherwise Bitrise-managed signing through the App Store Connect API",
                    );
                    &step.receives.api_key_xcode
                } else {
                    &step.receives.api_key
                }
            }
            Some(AuthKind::AppleId) => &step.receives.apple_id,
            None => &step.receives.none,
        };
        let mut entries: Vec<(&String, &String)> = table.iter().collect();
        if self.res.auth.is_some() {
            entries.extend(step.receives.none.iter());
        }
        let mut out: Vec<(String, Received)> = Vec::new();
        for (name, template) in entries {
            let Some(name) = fill_text(name, vars) else {
                continue;
            };
            if out.iter().any(|(n, _)| *n == name) {
                continue;
            }
            if template == "<unset>" {
                out.push((name, Received::Unset));
                continue;
            }
            match fill_value(template, vars) {
                Some(value) => out.push((name, value)),
                None => continue,
            }
        }
        self.res.receives = out;
    }

    fn fill_receives_none(&mut self, step: &StepDef) {
        let vars = IndexMap::new();
        self.fill_receives(step, false, &vars);
    }

    // ---------------------------------------------------------------- §3
    fn code_signing_family(mut self, step: &'a StepDef) -> Resolution {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.code_signing;
        let value = match self.connection_value(step) {
            Ok(v) => v,
            Err(()) => {
                return if self.res.notes.iter().any(|n| n.level == Level::Error) {
                    let name = self.input_name(InputRole::Connection);
                    let raw = self.input_raw(InputRole::Connection);
                    self.fail(format!("Issue with input: invalid {name} value: {raw}"))
                } else {
                    self.finish()
                };
            }
        };
        self.res.connection_value = Some(value.clone());
        let sources: Vec<SourceKind> = step.sources_for(&value).unwrap_or(&[]).to_vec();
        if sources.is_empty() {
            self.log(Level::Info, text.disabled.clone());
            return self.finish_skipped();
        }
        if self.preconditions(step, &value).is_err() {
            return self.res;
        }

        // The override check reads the raw inputs; the parser trims afterwards (§8).
        let path_raw = self.input_raw(InputRole::ApiKeyPath);
        let id_raw = self.input_raw(InputRole::ApiKeyId);
        let issuer_raw = self.input_raw(InputRole::ApiIssuer);
        let enterprise_input = self.input_raw(InputRole::Enterprise).trim() == "yes";
        let filled: Vec<bool> = [&path_raw, &id_raw, &issuer_raw]
            .iter()
            .map(|v| !v.is_empty())
            .collect();
        let full_override = filled.iter().all(|f| *f);
        let partial_override = !full_override && filled.iter().any(|f| *f);

        let conn = match self.env {
            Environment::Bitrise => {
                self.log(Level::Info, text.fetching.clone());
                let app_conn = self.app_connection();
                if let Some(err) = fetch_error(&app_conn) {
                    // go-xcode/v2 autocodesign/devportalclient/devportalclient.go:56-60.
                    self.log(Level::Error, text.fetch_failed.clone());
                    self.log(Level::Warning, text.read_more.clone());
                    self.note_individual_key(&app_conn);
                    return self.fail(err);
                }
                app_conn
            }
            Environment::PublicPr => {
                // devportalclient.go:50: the 401 arrives wrapped, so the "Unauthorized" branch never runs.
                self.log(Level::Error, text.fetch_failed.clone());
                self.log(Level::Warning, text.read_more.clone());
                if full_override && value == "api-key" {
                    self.note(
                        Level::Error,
                        "the fetch fails before the override is looked at: code-signing steps fail on public-app PR builds even with the three override inputs",
                    );
                }
                return self.fail(text.status_401.clone());
            }
            Environment::Local => {
                if let Some(line) = &step.not_on_bitrise_log {
                    self.log(Level::Warning, line.clone());
                }
                Connection {
                    api_key: None,
                    apple_id: None,
                }
            }
        };
        let no_conn_why = match self.env {
            Environment::Local => "no connection outside bitrise.io".to_string(),
            _ => format!("app {} has no", self.app.slug),
        };

        if value == "apple-id" {
            if full_override || partial_override {
                self.note(
                    Level::Warning,
                    "the API key override inputs are ignored with apple-id: the step only uses the connection's Apple ID",
                );
            }
            let source = SourceKind::ConnectionAppleIdSession;
            return match conn.apple_id {
                Some(aid) => {
                    self.walked(
                        source,
                        Verdict::Chosen,
                        "chosen: apple-id uses the connection's Apple ID only",
                    );
                    self.log(Level::Info, text.using_apple_id.clone());
                    let chosen = Chosen::ConnectionAppleId {
                        aid,
                        with_session: true,
                        app_password_input: String::new(),
                    };
                    self.apply_chosen(step, source, chosen, &value);
                    self.finish()
                }
                None => {
                    self.walked(
                        source,
                        Verdict::NotConfigured,
                        missing_part(&no_conn_why, "Apple ID"),
                    );
                    self.log(Level::Warning, text.not_connected.clone());
                    self.fail(text.no_apple_id.clone())
                }
            };
        }

        // api-key: the full override, then the connection.
        let source = SourceKind::InputApiKey;
        if full_override {
            self.walked(
                source,
                Verdict::Chosen,
                "chosen: all three override inputs are set",
            );
            self.mark_rest_not_tried(&[SourceKind::ConnectionApiKey]);
            self.log(Level::Info, text.override_.clone());
            let key_id = id_raw.trim().to_string();
            if key_id.is_empty() {
                self.note(
                    Level::Warning,
                    "api_key_id is only spaces: it passes the override check but the key ID is empty, and Apple rejects the token",
                );
            }
            let chosen = Chosen::InputKey {
                key_id: KeyId::Named(key_id),
                issuer: issuer_raw.trim().to_string(),
                path: path_raw.trim().to_string(),
                enterprise: enterprise_input,
            };
            self.apply_chosen(step, source, chosen, &value);
            return self.finish();
        }
        if partial_override {
            let missing: Vec<String> = [
                (InputRole::ApiKeyPath, &path_raw),
                (InputRole::ApiKeyId, &id_raw),
                (InputRole::ApiIssuer, &issuer_raw),
            ]
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(r, _)| self.input_name(*r))
            .collect();
            self.walked(
                source,
                Verdict::NotConfigured,
                format!("partial override ignored: {} empty", missing.join(", ")),
            );
            self.note(
                Level::Warning,
                format!(
                    "the override is ignored without a word because {} is empty: the step uses the connection instead; fill all three inputs or none",
                    missing.join(" and ")
                ),
            );
        } else {
            self.walked(source, Verdict::NotConfigured, "no override inputs set");
        }
        let source = SourceKind::ConnectionApiKey;
        match conn.api_key {
            Some(key) => {
                self.walked(source, Verdict::Chosen, "chosen: the connection's API key");
                self.log(Level::Info, text.using_api_key.clone());
                self.apply_chosen(step, source, Chosen::ConnectionKey(key), &value);
                self.finish()
            }
            None => {
                self.walked(
                    source,
                    Verdict::NotConfigured,
                    missing_part(&no_conn_why, "API key"),
                );
                self.log(Level::Warning, text.not_connected.clone());
                self.fail(text.no_api_key.clone())
            }
        }
    }

    // ---------------------------------------------------------------- §4.5
    fn apple_id_only_family(mut self, step: &'a StepDef) -> Resolution {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.apple_id_only;
        self.res.connection_value = None;
        if self.preconditions(step, "always").is_err() {
            return self.res;
        }
        let source = SourceKind::ConnectionAppleIdSession;
        match self.env {
            Environment::Local => {
                self.walked(
                    source,
                    Verdict::NotConfigured,
                    "no connection outside bitrise.io",
                );
                return self.fail(text.not_on_bitrise.clone());
            }
            Environment::PublicPr => {
                self.walked(
                    source,
                    Verdict::NotConfigured,
                    "the connection fetch answered 401",
                );
                return self.fail(text.unauthorized.clone());
            }
            Environment::Bitrise => {}
        }
        // auth_data.rb:10-16 at 2.0.3 reads only apple_id, password, session_cookies and
        // test_devices: an API-key part, even an invalid one, never breaks this step.
        let conn = self.app_connection();
        match conn.apple_id {
            Some(aid) => {
                self.walked(
                    source,
                    Verdict::Chosen,
                    "chosen: the step uses only the connection's Apple ID",
                );
                let chosen = Chosen::ConnectionAppleId {
                    aid,
                    with_session: true,
                    app_password_input: String::new(),
                };
                self.apply_chosen(step, source, chosen, "always");
                self.finish()
            }
            None => {
                self.walked(
                    source,
                    Verdict::NotConfigured,
                    format!("app {} has no Apple ID connection", self.app.slug),
                );
                if conn.api_key.is_some() {
                    self.note(
                        Level::Error,
                        format!(
                            "{} never uses the API key: assign an Apple ID, or switch to manage-ios-code-signing",
                            step.id
                        ),
                    );
                }
                self.fail(text.no_apple_id.clone())
            }
        }
    }
}

/// go-xcode@v1.0.16 devportalservice.go:84-93: an API-key part with an empty field fails the
/// whole fetch, one message per field (the response itself is not repeated here: it holds the key).
fn fetch_error(conn: &Connection) -> Option<String> {
    let key = conn.api_key?;
    let field = if key.issuer_id.as_deref().unwrap_or("").is_empty() {
        "issuer_id"
    } else if key.key_id.is_empty() {
        "key_id"
    } else {
        return None;
    };
    Some(format!(
        "invalid authentication credentials, empty {field} in response (…)"
    ))
}

fn level_of(level: LogLevel) -> Level {
    match level {
        LogLevel::Warning => Level::Warning,
        LogLevel::Error => Level::Error,
    }
}

fn sources_have_session(step: &StepDef) -> bool {
    step.sources
        .values()
        .flatten()
        .any(|s| *s == SourceKind::ConnectionAppleIdSession)
}

fn missing_part(fetch_note: &str, what: &str) -> String {
    if fetch_note.is_empty() {
        format!("the connection has no {what}")
    } else if fetch_note.ends_with(" has no") {
        format!("{fetch_note} {what} connection")
    } else {
        fetch_note.to_string()
    }
}

fn text_or_build_time(value: &str) -> Received {
    if is_build_time(value) {
        Received::BuildTime(value.to_string())
    } else {
        Received::Text(value.to_string())
    }
}

fn input_secret(value: &str, input: &str) -> Received {
    if is_build_time(value) {
        Received::BuildTime(value.to_string())
    } else {
        Received::Secret {
            what: SecretWhat::Password,
            of: SecretOwner::Input(input.to_string()),
        }
    }
}

/// Go's default time format, as the steps print `valid until <date>`.
fn go_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
}

/// Substitutes `{name}` placeholders that hold text; None when one is missing or empty.
fn fill_text(template: &str, vars: &IndexMap<&'static str, Option<Received>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let key = &rest[start + 1..start + len];
        match vars.get(key) {
            Some(Some(Received::Text(t))) if !t.is_empty() => out.push_str(t),
            Some(Some(Received::BuildTime(v))) => out.push_str(v),
            _ => return None,
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A whole-value `{secret}` placeholder becomes that secret; otherwise text substitution.
fn fill_value(template: &str, vars: &IndexMap<&'static str, Option<Received>>) -> Option<Received> {
    if let Some(key) = template.strip_prefix('{').and_then(|t| t.strip_suffix('}'))
        && !key.contains('{')
    {
        return match vars.get(key) {
            Some(Some(Received::Text(t))) if t.is_empty() => None,
            Some(Some(value)) => Some(value.clone()),
            _ => None,
        };
    }
    fill_text(template, vars).map(Received::Text)
}
