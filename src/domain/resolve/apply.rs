//! The last phase: the chosen credentials become auth, identity, notes and what the step
//! receives (§4.8); the team rule of the portal sign-in lives here too.

use super::*;

impl<'a> Walk<'a> {
    pub(super) fn note_individual_key(&mut self, conn: &Connection) {
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
    pub(super) fn apply_chosen(
        &mut self,
        step: &StepDef,
        source: SourceKind,
        chosen: Chosen<'a>,
        value: &str,
    ) {
        self.res.source = Some(source);
        let team = self.input_raw(InputRole::Team).trim().to_string();
        match chosen {
            Chosen::ConnectionKey(key) => self.apply_connection_key(step, key, value),
            Chosen::InputKey {
                key_id,
                issuer,
                path,
                enterprise,
            } => self.apply_input_key(step, key_id, issuer, path, enterprise),
            Chosen::ConnectionAppleId {
                aid,
                with_session,
                app_password_input,
            } => self.apply_connection_apple_id(step, aid, with_session, app_password_input, &team),
            Chosen::InputAppleId {
                username,
                password,
                app_password,
            } => self.apply_input_apple_id(step, username, password, app_password, &team),
        }
    }

    fn apply_connection_key(&mut self, step: &StepDef, key: &'a ApiKey, value: &str) {
        let mut vars: IndexMap<&'static str, Option<Received>> = IndexMap::new();
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

    fn apply_input_key(
        &mut self,
        step: &StepDef,
        key_id: KeyId,
        issuer: String,
        path: String,
        enterprise: bool,
    ) {
        let mut vars: IndexMap<&'static str, Option<Received>> = IndexMap::new();
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

    fn apply_connection_apple_id(
        &mut self,
        step: &StepDef,
        aid: &'a AppleId,
        with_session: bool,
        app_password_input: String,
        team: &str,
    ) {
        let mut vars: IndexMap<&'static str, Option<Received>> = IndexMap::new();
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
        vars.insert("team", Some(Received::Text(self.team_for(aid, team))));
        self.apple_id_notes(step, aid, with_session, has_asp, team);
        self.fill_receives(step, false, &vars);
    }

    fn apply_input_apple_id(
        &mut self,
        step: &StepDef,
        username: String,
        password: String,
        app_password: String,
        team: &str,
    ) {
        let mut vars: IndexMap<&'static str, Option<Received>> = IndexMap::new();
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
        vars.insert("team", Some(Received::Text(team.to_string())));
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

    pub(super) fn ws_key_for_id(&self, key_id: &str) -> Option<&'a ApiKey> {
        let ws: &'a Workspace = self.ws;
        ws.api_keys.iter().find(|k| k.key_id == key_id)
    }

    pub(super) fn team_for(&self, aid: &AppleId, team_input: &str) -> String {
        if !team_input.is_empty() {
            return team_input.to_string();
        }
        match aid.teams.as_slice() {
            [only] => only.id.clone(),
            _ => String::new(),
        }
    }

    pub(super) fn key_notes(
        &mut self,
        step: &StepDef,
        kind: KeyKind,
        enterprise: bool,
        name: &str,
    ) {
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

    pub(super) fn apple_id_notes(
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
    pub(super) fn team_rule(&mut self, step: &StepDef, aid: &AppleId, team_input: &str) {
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
    pub(super) fn fill_receives(
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

    pub(super) fn fill_receives_none(&mut self, step: &StepDef) {
        let vars = IndexMap::new();
        self.fill_receives(step, false, &vars);
    }
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
    // A file the step writes from a connection's key: `env --reveal` can write the same file.
    let format = if template == KEY_JSON {
        Some(KeyFileFormat::FastlaneJson)
    } else if template.starts_with("<tmp AuthKey_") && template.ends_with(".p8>") {
        Some(KeyFileFormat::P8)
    } else {
        None
    };
    if let Some(format) = format
        && let Some(Some(Received::Secret {
            what: SecretWhat::PrivateKey,
            of,
        })) = vars.get("private_key")
    {
        return Some(Received::KeyFile {
            of: of.clone(),
            format,
            shown: fill_text(template, vars)?,
        });
    }
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
