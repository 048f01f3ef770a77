//! §2, the `connection` input (deliver, loader, fastlane, auto-provision-ASC), in phases:
//! validate the auth inputs, fetch the connection, walk the sources, then apply or give up.

use super::*;

/// The auth inputs after the step's own trimming (appleauth Inputs.Validate).
struct AuthInputs {
    api_path: String,
    api_issuer: String,
    username: String,
    password: String,
    app_password: String,
}

/// What the fetch left for the walk.
struct Fetched<'a> {
    conn: Connection<'a>,
    /// Why connection sources come up empty ("no connection outside bitrise.io", …).
    note: String,
    /// The fetch answered, with neither an API key nor an Apple ID.
    empty: bool,
}

impl<'a> Walk<'a> {
    pub(super) fn connection_family(mut self, step: &'a StepDef) -> Resolution {
        let Some(value) = self.begin_value(step) else {
            return self.res;
        };
        if self.preconditions(step, &value).is_err() {
            return self.res;
        }
        let sources: Vec<SourceKind> = step.sources_for(&value).unwrap_or(&[]).to_vec();
        let Some(inputs) = self.validate_auth_inputs(step) else {
            return self.res;
        };
        let Some(fetched) = self.fetch_connection(step, &sources) else {
            return self.res;
        };
        let chosen = match self.walk_sources(step, &sources, &fetched, &inputs) {
            Ok(chosen) => chosen,
            Err(()) => return self.res,
        };
        match chosen {
            Some((source, chosen)) => {
                let line = self.selected_line(step, &chosen);
                self.log(Level::Info, line);
                self.apply_chosen(step, source, chosen, &value);
                self.finish()
            }
            None => self.on_nothing(step, &sources, &value, fetched.empty),
        }
    }

    /// §2.2: validated before any source is tried, whatever the connection value.
    fn validate_auth_inputs(&mut self, step: &StepDef) -> Option<AuthInputs> {
        let text = &self.catalog.families.connection;
        let inputs = AuthInputs {
            api_path: self.input_raw(InputRole::ApiKeyPath).trim().to_string(),
            api_issuer: self.input_raw(InputRole::ApiIssuer).trim().to_string(),
            username: self.input_raw(InputRole::Username).trim().to_string(),
            password: self.input_raw(InputRole::Password),
            app_password: self.input_raw(InputRole::AppPassword).trim().to_string(),
        };
        let api_any = !inputs.api_path.is_empty() || !inputs.api_issuer.is_empty();
        let aid_any = !inputs.app_password.is_empty()
            || !inputs.username.is_empty()
            || !inputs.password.is_empty();
        let prefix = &text.input_error_prefix;
        let problem = if step.validates == Validates::All && api_any && aid_any {
            self.log(Level::Warning, text.mixed_inputs_warning.clone());
            Some(&text.mixed_inputs)
        } else if step.validates == Validates::All
            && aid_any
            && inputs.app_password.is_empty()
            && inputs.username.is_empty()
        {
            Some(&text.missing_username)
        } else if step.validates == Validates::All
            && aid_any
            && inputs.app_password.is_empty()
            && inputs.password.is_empty()
        {
            Some(&text.missing_password)
        } else if api_any && inputs.api_issuer.is_empty() {
            Some(&text.missing_issuer)
        } else if api_any && inputs.api_path.is_empty() {
            Some(&text.missing_key_path)
        } else {
            None
        };
        match problem {
            Some(p) => {
                self.failed(format!("{prefix}{p}"));
                None
            }
            None => Some(inputs),
        }
    }

    /// The connection fetch: only when a connection source is on the list (`off` never fetches).
    fn fetch_connection(&mut self, step: &StepDef, sources: &[SourceKind]) -> Option<Fetched<'a>> {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.connection;
        let fetches = sources.iter().any(|s| s.is_connection());
        let mut fetched = Fetched {
            conn: Connection {
                api_key: None,
                apple_id: None,
            },
            note: String::new(),
            empty: false,
        };
        if self.env == Environment::Local && (fetches || step.not_on_bitrise_always) {
            // deliver@2.22.1 main.go:313-318: printed before the `connection != off` test.
            self.log(Level::Warning, text.not_on_bitrise.clone());
            if step.on_not_bitrise == OnFault::Fail {
                self.failed(text.not_on_bitrise.clone());
                return None;
            }
            fetched.note = "no connection outside bitrise.io".into();
        }
        if !fetches {
            return Some(fetched);
        }
        let failure = match self.env {
            Environment::Bitrise => {
                let app_conn = self.app_connection();
                match fetch_error(&app_conn) {
                    Some(err) => Some((err, app_conn)),
                    None => {
                        fetched.conn = app_conn;
                        if app_conn.api_key.is_none() && app_conn.apple_id.is_none() {
                            fetched.empty = true;
                            fetched.note =
                                format!("app {} has no connection assigned", self.app.slug);
                        }
                        None
                    }
                }
            }
            Environment::Local => None,
            Environment::PublicPr => Some((
                text.status_401.clone(),
                Connection {
                    api_key: None,
                    apple_id: None,
                },
            )),
        };
        if let Some((err, app_conn)) = failure {
            if step.on_fetch_error == OnFault::Fail {
                // ios-auto-provision-appstoreconnect@2.2.8 main.go:104-108: go-xcode/v2's factory.
                let cs = &catalog.families.code_signing;
                self.log(Level::Error, cs.fetch_failed.clone());
                self.log(Level::Warning, cs.read_more.clone());
                self.note_individual_key(&app_conn);
                self.failed(err);
                return None;
            }
            // go-xcode@v1.0.16 wraps the 401 (%v): handleSessionDataError's 401 branch is unreachable.
            self.log(
                level_of(step.fetch_error_level),
                text.fetch_failed.replace("{err}", &err),
            );
            self.log(Level::Warning, text.read_more.clone());
            self.note_individual_key(&app_conn);
            fetched.note = if self.env == Environment::PublicPr {
                "a public app's PR build gets no connection (401)".into()
            } else {
                "the connection fetch failed".into()
            };
        }
        if fetched.empty && !step.empty_connection_only_on_nothing && step.nothing_log.is_none() {
            self.log(
                level_of(step.empty_connection_level),
                text.empty_connection.clone(),
            );
        }
        Some(fetched)
    }

    /// §2.1: the first configured source wins; a source that errors stops the walk.
    fn walk_sources(
        &mut self,
        step: &StepDef,
        sources: &[SourceKind],
        fetched: &Fetched<'a>,
        inputs: &AuthInputs,
    ) -> Result<Option<(SourceKind, Chosen<'a>)>, ()> {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.connection;
        let conn = fetched.conn;
        let why_missing = |what: &str| missing_part(&fetched.note, what);
        for (i, &source) in sources.iter().enumerate() {
            let chosen = match source {
                SourceKind::ConnectionApiKey => conn.api_key.map(Chosen::ConnectionKey),
                SourceKind::ConnectionAppleId => {
                    conn.apple_id.map(|aid| Chosen::ConnectionAppleId {
                        aid,
                        with_session: false,
                        app_password_input: inputs.app_password.clone(),
                    })
                }
                SourceKind::ConnectionAppleIdSession => match conn.apple_id {
                    Some(aid) => {
                        let state = aid.session_state(self.now);
                        if state.is_expired() && step.expired_session == ExpiredSession::Stop {
                            let expiry = state.expires_at().map(go_time).unwrap_or_default();
                            let err = text.expired.replace("{expiry}", &expiry);
                            self.walked(
                                source,
                                Verdict::Stopped,
                                format!("the 2FA session of {} expired: the walk stops, later sources are never tried", aid.apple_id),
                            );
                            self.mark_rest_not_tried(&sources[i + 1..]);
                            self.note(
                                Level::Error,
                                format!(
                                    "re-authenticate {} (`apple-conn reauth {}`), or set {} to \"off\" to use the step inputs",
                                    aid.apple_id,
                                    aid.apple_id,
                                    self.input_name(InputRole::Connection)
                                ),
                            );
                            let prefix = self.select_prefix(step);
                            self.failed(format!("{prefix}{err}"));
                            return Err(());
                        }
                        Some(Chosen::ConnectionAppleId {
                            aid,
                            with_session: true,
                            app_password_input: inputs.app_password.clone(),
                        })
                    }
                    None => None,
                },
                SourceKind::InputApiKey => {
                    (!inputs.api_path.is_empty()).then(|| Chosen::InputKey {
                        key_id: KeyId::from_file_name(&inputs.api_path),
                        issuer: inputs.api_issuer.clone(),
                        path: inputs.api_path.clone(),
                        enterprise: false,
                    })
                }
                SourceKind::InputAppleId => {
                    (!inputs.username.is_empty()).then(|| Chosen::InputAppleId {
                        username: inputs.username.clone(),
                        password: inputs.password.clone(),
                        app_password: inputs.app_password.clone(),
                    })
                }
            };
            match chosen {
                Some(chosen) => {
                    self.walked(
                        source,
                        Verdict::Chosen,
                        "chosen: the first configured source wins",
                    );
                    self.mark_rest_not_tried(&sources[i + 1..]);
                    return Ok(Some((source, chosen)));
                }
                None => {
                    let why = match source {
                        SourceKind::ConnectionApiKey => why_missing("API key"),
                        SourceKind::ConnectionAppleId | SourceKind::ConnectionAppleIdSession => {
                            why_missing("Apple ID")
                        }
                        SourceKind::InputApiKey => {
                            format!("input {} is empty", self.input_name(InputRole::ApiKeyPath))
                        }
                        SourceKind::InputAppleId => {
                            format!("input {} is empty", self.input_name(InputRole::Username))
                        }
                    };
                    self.walked(source, Verdict::NotConfigured, why);
                }
            }
        }
        Ok(None)
    }

    fn select_prefix(&self, step: &StepDef) -> String {
        step.select_error_prefix
            .clone()
            .unwrap_or_else(|| self.catalog.families.connection.select_error_prefix.clone())
    }

    /// Nothing matched: fail ("no credentials provided"), or fastlane's warn-and-run.
    fn on_nothing(
        mut self,
        step: &StepDef,
        sources: &[SourceKind],
        value: &str,
        empty_connection: bool,
    ) -> Resolution {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.connection;
        let prefix = self.select_prefix(step);
        if sources.is_empty() {
            return self.fail(format!("{prefix}{}", text.nothing_found));
        }
        if let Some(line) = &step.nothing_log {
            self.log(Level::Warning, line.clone());
        }
        match step.on_nothing {
            OnNothing::Fail => self.fail(format!("{prefix}{}", text.nothing_found)),
            OnNothing::WarnAndRun => {
                let msg = step
                    .nothing_warning
                    .clone()
                    .unwrap_or_else(|| text.nothing_found.clone())
                    .replace("{value}", value);
                self.log(Level::Warning, msg);
                // fastlane@3.5.2 config.go:204-206: only after MissingAuthConfigError.
                if empty_connection && step.empty_connection_only_on_nothing {
                    self.log(Level::Warning, text.empty_connection.clone());
                }
                self.note(
                    Level::Warning,
                    format!(
                        "{} runs without Apple auth: its lane signs in on its own or fails",
                        step.id
                    ),
                );
                self.fill_receives_none(step);
                self.finish()
            }
        }
    }

    /// The selection log line, as the step prints it.
    fn selected_line(&self, step: &StepDef, chosen: &Chosen) -> String {
        let text = &self.catalog.families.connection;
        match (
            chosen,
            step.selected_api_key_log.as_ref(),
            step.selected_apple_id_log.as_ref(),
        ) {
            (Chosen::ConnectionKey(_) | Chosen::InputKey { .. }, Some(line), _) => line.clone(),
            (Chosen::ConnectionAppleId { .. } | Chosen::InputAppleId { .. }, _, Some(line)) => {
                line.clone()
            }
            (Chosen::ConnectionKey(_), None, _) => text.selected_connection_api_key.clone(),
            (Chosen::InputKey { .. }, None, _) => text.selected_input_api_key.clone(),
            (Chosen::ConnectionAppleId { .. }, _, None) => {
                text.selected_connection_apple_id.clone()
            }
            (Chosen::InputAppleId { .. }, _, None) => {
                if step.expired_session == ExpiredSession::Stop && sources_have_session(step) {
                    text.selected_input_apple_id_fastlane.clone()
                } else {
                    text.selected_input_apple_id.clone()
                }
            }
        }
    }
}
