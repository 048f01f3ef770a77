//! What App Store Connect says about an app's certificates and profiles, and how its refusals
//! read: the 403 triage every face shares (`test`, `doctor --live`, the TUI's test, `signing`).

use chrono::{DateTime, Utc};

/// Apple's error code for an unsigned or expired agreement: every call answers 403 with it.
pub const AGREEMENT_CODE: &str = "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED";

/// Why App Store Connect refused or could not be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppleRefusal {
    /// 403 with the agreement code: CRITICAL, and no role fixes it.
    Agreement(String),
    /// Any other 403: the key's role lacks access.
    Role(String),
    /// 401: the token was refused (revoked key, wrong issuer, clock).
    Unauthorized(String),
    /// 429, with Retry-After when given.
    Throttled(Option<u64>),
    /// 5xx or another unexpected answer.
    Answered { status: u16, detail: String },
    /// No answer (network, TLS, timeout), or no key to ask with.
    Unreachable(String),
}

impl AppleRefusal {
    /// A 403 read by its error code (`errors[0].code`), never by the status alone.
    pub fn forbidden(code: Option<&str>, detail: &str) -> AppleRefusal {
        if code.is_some_and(|c| c.trim() == AGREEMENT_CODE) {
            AppleRefusal::Agreement(detail.to_string())
        } else {
            AppleRefusal::Role(detail.to_string())
        }
    }

    /// What is wrong and who can fix it, in one sentence.
    pub fn advice(&self, what_needs: &str) -> String {
        match self {
            AppleRefusal::Agreement(detail) => format!(
                "App Store Connect refuses every call until the Account Holder accepts the updated agreement (403 {AGREEMENT_CODE}{}): the Account Holder signs in to App Store Connect › Business (or developer.apple.com › Account) and accepts it; changing the key's access does not help",
                with_detail(detail)
            ),
            AppleRefusal::Role(detail) => format!(
                "the key works but its role lacks access (403): it needs a role that may {what_needs}; give it the Admin role (or App Manager with access to Certificates, Identifiers & Profiles) in App Store Connect › Users and Access › Integrations{}",
                if detail.trim().is_empty() {
                    String::new()
                } else {
                    format!(" (Apple: {})", detail.trim())
                }
            ),
            AppleRefusal::Unauthorized(detail) => format!(
                "App Store Connect refused the token (401{}): run `apple-conn test` on the key for the likely causes",
                with_detail(detail)
            ),
            AppleRefusal::Throttled(after) => format!(
                "App Store Connect is rate-limiting this key (429){}; try again later",
                after
                    .map(|s| format!(", retry after {s} s"))
                    .unwrap_or_default()
            ),
            AppleRefusal::Answered { status, detail } => {
                format!("App Store Connect answered {status}{}", with_detail(detail))
            }
            AppleRefusal::Unreachable(why) => format!("App Store Connect was not reached: {why}"),
        }
    }
}

fn with_detail(detail: &str) -> String {
    if detail.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", detail.trim())
    }
}

/// A certificate as App Store Connect lists it (`/v1/certificates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleCert {
    pub id: String,
    pub name: String,
    pub certificate_type: String,
    /// Normalized as `CertInfo::serial`.
    pub serial: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A profile as App Store Connect lists it (`/v1/profiles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleProfile {
    pub id: String,
    pub name: String,
    pub uuid: String,
    /// `ACTIVE` or `INVALID`.
    pub state: String,
    pub profile_type: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// From `profileContent` when it parses: the bundle ID and the certificates' serials.
    pub bundle_id: Option<String>,
    pub cert_serials: Vec<String>,
}

/// What Apple said for one app, through the app's assigned API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleView {
    /// `name (KEYID)` of the key asked with.
    pub key: String,
    /// Per uploaded certificate's serial: Apple's record, none (not on Apple), or the refusal.
    pub certs: Vec<(String, Result<Option<AppleCert>, AppleRefusal>)>,
    pub profiles: Result<Vec<AppleProfile>, AppleRefusal>,
}

impl AppleView {
    /// Apple could not be asked at all (no key): every lookup carries the same reason.
    pub fn refused(key: &str, why: AppleRefusal) -> AppleView {
        AppleView {
            key: key.to_string(),
            certs: Vec::new(),
            profiles: Err(why),
        }
    }

    pub fn cert(&self, serial: &str) -> Option<&Result<Option<AppleCert>, AppleRefusal>> {
        self.certs.iter().find(|(s, _)| s == serial).map(|(_, r)| r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_decides_agreement_or_role() {
        let a = AppleRefusal::forbidden(Some(AGREEMENT_CODE), "sign it");
        assert!(matches!(a, AppleRefusal::Agreement(_)));
        let text = a.advice("read certificates");
        assert!(text.contains("Account Holder"), "{text}");
        assert!(!text.to_lowercase().contains("role"), "{text}");
        let r = AppleRefusal::forbidden(Some("FORBIDDEN_ERROR"), "");
        assert!(matches!(r, AppleRefusal::Role(_)));
        assert!(r.advice("read certificates").contains("Admin role"));
        assert!(matches!(
            AppleRefusal::forbidden(None, ""),
            AppleRefusal::Role(_)
        ));
    }
}
