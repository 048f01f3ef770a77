//! §3, `automatic_code_signing` / `apple_service_connection` (go-xcode/v2 codesign), in phases:
//! read the override inputs, fetch the connection, then the Apple ID or the API key path.

use super::*;

/// The three override inputs as the step reads them: raw for the "all set" test, trimmed later.
struct Override {
    path: String,
    key_id: String,
    issuer: String,
    enterprise: bool,
    full: bool,
    partial: bool,
}

impl<'a> Walk<'a> {
    pub(super) fn code_signing_family(mut self, step: &'a StepDef) -> Resolution {
        let text = &self.catalog.families.code_signing;
        let Some(value) = self.begin_value(step) else {
            return self.res;
        };
        let sources: Vec<SourceKind> = step.sources_for(&value).unwrap_or(&[]).to_vec();
        if sources.is_empty() {
            self.log(Level::Info, text.disabled.clone());
            return self.finish_skipped();
        }
        if self.preconditions(step, &value).is_err() {
            return self.res;
        }
        let over = self.override_inputs();
        let Some(conn) = self.fetch_service_connection(step, &value, &over) else {
            return self.res;
        };
        let no_conn_why = match self.env {
            Environment::Local => "no connection outside bitrise.io".to_string(),
            _ => format!("app {} has no", self.app.slug),
        };
        if value == "apple-id" {
            self.apple_id_auth(step, conn, &over, &value, &no_conn_why)
        } else {
            self.api_key_auth(step, conn, &over, &value, &no_conn_why)
        }
    }

    /// The override check reads the raw inputs; the parser trims afterwards (§8).
    fn override_inputs(&self) -> Override {
        let path = self.input_raw(InputRole::ApiKeyPath);
        let key_id = self.input_raw(InputRole::ApiKeyId);
        let issuer = self.input_raw(InputRole::ApiIssuer);
        let filled = [&path, &key_id, &issuer].map(|v| !v.is_empty());
        Override {
            enterprise: self.input_raw(InputRole::Enterprise).trim() == "yes",
            full: filled.iter().all(|f| *f),
            partial: !filled.iter().all(|f| *f) && filled.iter().any(|f| *f),
            path,
            key_id,
            issuer,
        }
    }

    /// devportalclient.CreateBitriseConnection: any fetch error stops the step.
    fn fetch_service_connection(
        &mut self,
        step: &StepDef,
        value: &str,
        over: &Override,
    ) -> Option<Connection<'a>> {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.code_signing;
        let conn = match self.env {
            Environment::Bitrise => {
                self.log(Level::Info, text.fetching.clone());
                let app_conn = self.app_connection();
                if let Some(err) = fetch_error(&app_conn) {
                    // go-xcode/v2 autocodesign/devportalclient/devportalclient.go:56-60.
                    self.log(Level::Error, text.fetch_failed.clone());
                    self.log(Level::Warning, text.read_more.clone());
                    self.note_individual_key(&app_conn);
                    self.failed(err);
                    return None;
                }
                app_conn
            }
            Environment::PublicPr => {
                // devportalclient.go:50: the 401 arrives wrapped, so the "Unauthorized" branch never runs.
                self.log(Level::Error, text.fetch_failed.clone());
                self.log(Level::Warning, text.read_more.clone());
                if over.full && value == "api-key" {
                    self.note(
                        Level::Error,
                        "the fetch fails before the override is looked at: code-signing steps fail on public-app PR builds even with the three override inputs",
                    );
                }
                self.failed(text.status_401.clone());
                return None;
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
        Some(conn)
    }

    /// apple-id: the connection's Apple ID only; the override inputs are ignored.
    fn apple_id_auth(
        mut self,
        step: &StepDef,
        conn: Connection<'a>,
        over: &Override,
        value: &str,
        no_conn_why: &str,
    ) -> Resolution {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.code_signing;
        if over.full || over.partial {
            self.note(
                Level::Warning,
                "the API key override inputs are ignored with apple-id: the step only uses the connection's Apple ID",
            );
        }
        let source = SourceKind::ConnectionAppleIdSession;
        match conn.apple_id {
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
                self.apply_chosen(step, source, chosen, value);
                self.finish()
            }
            None => {
                self.walked(
                    source,
                    Verdict::NotConfigured,
                    missing_part(no_conn_why, "Apple ID"),
                );
                self.log(Level::Warning, text.not_connected.clone());
                self.fail(text.no_apple_id.clone())
            }
        }
    }

    /// api-key: the full override, then the connection.
    fn api_key_auth(
        mut self,
        step: &StepDef,
        conn: Connection<'a>,
        over: &Override,
        value: &str,
        no_conn_why: &str,
    ) -> Resolution {
        let catalog: &'a Catalog = self.catalog;
        let text = &catalog.families.code_signing;
        let source = SourceKind::InputApiKey;
        if over.full {
            self.walked(
                source,
                Verdict::Chosen,
                "chosen: all three override inputs are set",
            );
            self.mark_rest_not_tried(&[SourceKind::ConnectionApiKey]);
            self.log(Level::Info, text.override_.clone());
            let key_id = over.key_id.trim().to_string();
            if key_id.is_empty() {
                self.note(
                    Level::Warning,
                    "api_key_id is only spaces: it passes the override check but the key ID is empty, and Apple rejects the token",
                );
            }
            let chosen = Chosen::InputKey {
                key_id: KeyId::Named(key_id),
                issuer: over.issuer.trim().to_string(),
                path: over.path.trim().to_string(),
                enterprise: over.enterprise,
            };
            self.apply_chosen(step, source, chosen, value);
            return self.finish();
        }
        if over.partial {
            let missing: Vec<String> = [
                (InputRole::ApiKeyPath, &over.path),
                (InputRole::ApiKeyId, &over.key_id),
                (InputRole::ApiIssuer, &over.issuer),
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
                self.apply_chosen(step, source, Chosen::ConnectionKey(key), value);
                self.finish()
            }
            None => {
                self.walked(
                    source,
                    Verdict::NotConfigured,
                    missing_part(no_conn_why, "API key"),
                );
                self.log(Level::Warning, text.not_connected.clone());
                self.fail(text.no_api_key.clone())
            }
        }
    }
}
