//! §4.5, ios-auto-provision (Ruby): the connection's Apple ID and nothing else.

use super::*;

impl<'a> Walk<'a> {
    pub(super) fn apple_id_only_family(mut self, step: &'a StepDef) -> Resolution {
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
