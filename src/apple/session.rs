//! A signed-in session: its cookies, stored as JSON in the session store, and the
//! `FASTLANE_SESSION` YAML that fastlane and the Bitrise steps read.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::SecretValue;

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredCookie {
    pub name: String,
    pub value: String,
    pub domain: String,
    #[serde(default = "slash")]
    pub path: String,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub httponly: bool,
    /// Sent to subdomains too (a `Domain=` cookie).
    #[serde(default = "yes")]
    pub for_domain: bool,
    #[serde(default)]
    pub expires: Option<DateTime<Utc>>,
    #[serde(default)]
    pub max_age: Option<i64>,
}

/// A session cookie's value signs in as its owner: wiped when the cookie is dropped (issue 33).
impl Drop for StoredCookie {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
    }
}

/// Names a cookie, never its value.
impl std::fmt::Debug for StoredCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCookie")
            .field("name", &self.name)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

fn slash() -> String {
    "/".into()
}
fn yes() -> bool {
    true
}

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredSession {
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub cookies: Vec<StoredCookie>,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("created_at", &self.created_at)
            .field(
                "cookies",
                &self
                    .cookies
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl StoredSession {
    pub fn to_secret(&self) -> SecretValue {
        SecretValue::new(serde_json::to_string(self).unwrap_or_default())
    }

    pub fn from_secret(value: &SecretValue) -> Result<StoredSession, String> {
        serde_json::from_str(value.expose())
            .map_err(|_| "the stored session is damaged: sign in again (`apple-conn reauth`) or import one (`apple-conn session import`)".to_string())
    }

    /// The trust cookie's end: its Expires, else creation + Max-Age (§9.3).
    pub fn trust_expires_at(&self) -> Option<DateTime<Utc>> {
        let des = self.cookies.iter().find(|c| c.name.starts_with("DES"))?;
        des.expires.or_else(|| {
            des.max_age
                .and_then(|age| plus_seconds(self.created_at, age))
        })
    }
}

/// `at + secs`, or None past chrono's range: a Max-Age from a server or a file is never trusted
/// to fit (issue 33: `Duration::seconds` panics, `+` overflows).
fn plus_seconds(at: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
    chrono::Duration::try_seconds(secs).and_then(|d| at.checked_add_signed(d))
}

/// Cookies as `fastlane spaceauth` keeps them: `myacinfo*`, `dqsid`, `DES*`.
pub fn spaceauth_choice(c: &StoredCookie) -> bool {
    c.name.starts_with("myacinfo") || c.name == "dqsid" || c.name.starts_with("DES")
}

pub use super::fastlane_yaml::{
    fastlane_session_from_stored, parse_fastlane_session, single_line, to_fastlane_yaml,
};

/// One cookie with the times http-cookie keeps (`created_at` is the base of `max_age`).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionCookie {
    #[serde(flatten)]
    pub base: StoredCookie,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCookie")
            .field("name", &self.base.name)
            .field("domain", &self.base.domain)
            .field("expires_at", &self.expires_at())
            .finish_non_exhaustive()
    }
}

impl SessionCookie {
    /// http-cookie's `expires`: `created_at + max_age` when both are known, else `expires`
    /// (cookie.rb `def expires`; on load `max_age` wins: `yaml_initialize` sets `expires` only when
    /// `max_age` is nil). Without `created_at` an imported cookie has no `expires` left: a session cookie.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        match (self.base.max_age, self.created_at) {
            (Some(age), Some(at)) => plus_seconds(at, age),
            _ => self.base.expires,
        }
    }

    pub fn is_trust(&self) -> bool {
        self.base.name.starts_with("DES")
    }
}

/// A session whose cookies keep their own times: what `session import`/`export` and the
/// portal data read and write. Its JSON is a superset of [`StoredSession`]'s, so both read it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub cookies: Vec<SessionCookie>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("created_at", &self.created_at)
            .field(
                "cookies",
                &self
                    .cookies
                    .iter()
                    .map(|c| c.base.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl From<StoredSession> for Session {
    /// A session from a sign-in: every cookie was received when the session was made.
    fn from(s: StoredSession) -> Session {
        Session {
            version: s.version,
            created_at: s.created_at,
            cookies: s
                .cookies
                .into_iter()
                .map(|base| SessionCookie {
                    base,
                    created_at: Some(s.created_at),
                    accessed_at: Some(s.created_at),
                })
                .collect(),
        }
    }
}

impl Session {
    pub fn to_secret(&self) -> SecretValue {
        SecretValue::new(serde_json::to_string(self).unwrap_or_default())
    }

    pub fn from_secret(value: &SecretValue) -> Result<Session, String> {
        serde_json::from_str::<Session>(value.expose())
            .map(|mut s| {
                // Sessions stored before cookies kept their own times: they were all made with the session.
                for c in &mut s.cookies {
                    c.created_at.get_or_insert(s.created_at);
                    c.accessed_at.get_or_insert(s.created_at);
                }
                s
            })
            .map_err(|_| "the stored session is damaged: sign in again (`apple-conn reauth`) or import one (`apple-conn session import`)".to_string())
    }

    /// The form the sign-in code replays; each cookie's `expires` is the one http-cookie computes.
    pub fn to_stored(&self) -> StoredSession {
        StoredSession {
            version: self.version,
            created_at: self.created_at,
            cookies: self
                .cookies
                .iter()
                .map(|c| {
                    let mut stored = c.base.clone();
                    stored.expires = c.expires_at();
                    stored
                })
                .collect(),
        }
    }

    fn trust(&self) -> Option<&SessionCookie> {
        self.cookies.iter().find(|c| c.is_trust())
    }

    /// When the 30 days end: the trust cookie's expiry as http-cookie computes it.
    pub fn trust_expires_at(&self) -> Option<DateTime<Utc>> {
        self.trust()?.expires_at()
    }

    /// When the code was accepted: the trust cookie was set then.
    pub fn authenticated_at(&self) -> Option<DateTime<Utc>> {
        self.trust()?.created_at
    }
}

/// RFC 6265 §5.1.3 domain matching; a host-only cookie matches its own host alone.
pub fn domain_matches(host: &str, domain: &str, for_domain: bool) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    if domain.is_empty() {
        return false;
    }
    if host == domain {
        return true;
    }
    for_domain && host.parse::<std::net::IpAddr>().is_err() && host.ends_with(&format!(".{domain}"))
}

fn is_apple(domain: &str) -> bool {
    let d = domain.trim_start_matches('.').to_ascii_lowercase();
    d == "apple.com" || d.ends_with(".apple.com")
}

/// Where stored cookies may be replayed: (URL to file each under, its Set-Cookie line).
/// A cookie goes only to an endpoint its domain matches (RFC 6265); an Apple cookie may also go,
/// host-only, to a loopback endpoint (a test server, a local proxy), never to any other host.
pub fn replay_lines(
    session: &StoredSession,
    endpoints: &[url::Url],
    now: DateTime<Utc>,
) -> Vec<(url::Url, String)> {
    let mut out = Vec::new();
    for c in &session.cookies {
        if c.expires.is_some_and(|e| e <= now) {
            continue;
        }
        let domain = c.domain.trim_start_matches('.');
        let own = endpoints.iter().find(|u| {
            u.host_str()
                .is_some_and(|h| domain_matches(h, domain, c.for_domain))
        });
        let (target, domain_attr) = match own {
            Some(u) => (
                u,
                c.for_domain && domain.parse::<std::net::IpAddr>().is_err(),
            ),
            None => match endpoints.iter().find(|u| crate::net::is_loopback(u)) {
                Some(u) if is_apple(domain) => (u, false),
                _ => continue,
            },
        };
        let mut set = format!("{}={}; Path={}", c.name, c.value, c.path);
        if c.secure {
            set.push_str("; Secure");
        }
        if c.httponly {
            set.push_str("; HttpOnly");
        }
        if let Some(exp) = c.expires {
            set.push_str(&format!(
                "; Expires={}",
                exp.format("%a, %d %b %Y %H:%M:%S GMT")
            ));
        }
        if domain_attr {
            set.push_str(&format!("; Domain={domain}"));
        }
        let mut url = target.clone();
        url.set_path("/");
        url.set_query(None);
        out.push((url, set));
    }
    out
}

/// Fills a jar with the cookies that may go to these endpoints (see [`replay_lines`]).
pub fn load_into(
    jar: &mut cookie_store::CookieStore,
    session: &StoredSession,
    endpoints: &[&str],
    now: DateTime<Utc>,
) {
    let urls: Vec<url::Url> = endpoints
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .collect();
    for (url, line) in replay_lines(session, &urls, now) {
        // A line cookie_store refuses is one that could not be sent anyway.
        let _ = jar.parse(&line, &url);
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(name: &str, domain: &str, for_domain: bool) -> StoredCookie {
        StoredCookie {
            name: name.into(),
            value: format!("{name}-value"),
            domain: domain.into(),
            path: "/".into(),
            secure: true,
            httponly: true,
            for_domain,
            expires: None,
            max_age: None,
        }
    }

    fn stored() -> StoredSession {
        StoredSession {
            version: 1,
            created_at: "2026-11-25T10:00:00Z".parse().unwrap(),
            cookies: vec![
                {
                    let mut c = cookie("DES58b0", "idmsa.apple.com", false);
                    c.max_age = Some(2_592_000);
                    c
                },
                cookie("myacinfo", "apple.com", true),
                cookie("dqsid", "appstoreconnect.apple.com", false),
            ],
        }
    }

    #[test]
    fn trust_expiry_is_creation_plus_max_age() {
        let s = Session::from(stored());
        assert_eq!(
            s.trust_expires_at(),
            Some("2026-12-25T10:00:00Z".parse().unwrap())
        );
        assert_eq!(
            s.authenticated_at(),
            Some("2026-11-25T10:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn old_stored_sessions_still_read_and_keep_their_times() {
        let old = stored().to_secret();
        let s = Session::from_secret(&old).unwrap();
        assert_eq!(s.cookies[0].created_at, Some(stored().created_at));
        let again = Session::from_secret(&s.to_secret()).unwrap();
        assert_eq!(again, s);
        assert!(StoredSession::from_secret(&s.to_secret()).is_ok());
    }

    #[test]
    fn debug_output_names_cookies_but_never_values() {
        let s = Session::from(stored());
        let text = format!("{s:?} {:?}", stored());
        assert!(text.contains("myacinfo"));
        assert!(!text.contains("-value"), "{text}");
    }

    fn sent_to(lines: &[(url::Url, String)], to: &str) -> Vec<String> {
        let mut jar = cookie_store::CookieStore::default();
        for (url, line) in lines {
            let _ = jar.parse(line, url);
        }
        names_for(&jar, to)
    }

    fn names_for(jar: &cookie_store::CookieStore, to: &str) -> Vec<String> {
        let url = url::Url::parse(to).unwrap();
        let mut names: Vec<String> = jar
            .get_request_values(&url)
            .map(|(n, _)| n.to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn cookies_go_only_to_hosts_their_domain_matches() {
        let now = "2026-11-26T10:00:00Z".parse().unwrap();
        let apple = [
            url::Url::parse("https://idmsa.apple.com/appleauth/auth").unwrap(),
            url::Url::parse("https://appstoreconnect.apple.com").unwrap(),
        ];
        let lines = replay_lines(&stored(), &apple, now);
        assert_eq!(
            sent_to(&lines, "https://idmsa.apple.com/appleauth/auth/signin"),
            ["DES58b0", "myacinfo"]
        );
        assert_eq!(
            sent_to(
                &lines,
                "https://appstoreconnect.apple.com/olympus/v1/session"
            ),
            ["dqsid", "myacinfo"]
        );
        assert!(sent_to(&lines, "https://evil.example.com/").is_empty());
    }

    #[test]
    fn an_override_host_gets_apple_cookies_only_when_it_is_loopback() {
        let now = "2026-11-26T10:00:00Z".parse().unwrap();
        let evil = [url::Url::parse("https://apple.com.evil.example/auth").unwrap()];
        let lines = replay_lines(&stored(), &evil, now);
        assert!(lines.is_empty(), "{lines:?}");
        assert!(sent_to(&lines, "https://apple.com.evil.example/auth").is_empty());

        let local = [url::Url::parse("http://127.0.0.1:8080/appleauth/auth").unwrap()];
        let lines = replay_lines(&stored(), &local, now);
        assert_eq!(
            sent_to(&lines, "http://127.0.0.1:8080/olympus/v1/session"),
            ["DES58b0", "dqsid", "myacinfo"]
        );
        let mut foreign = stored();
        foreign.cookies.push(cookie("tracker", "example.com", true));
        let lines = replay_lines(&foreign, &local, now);
        assert!(!lines.iter().any(|(_, l)| l.starts_with("tracker=")));
    }

    #[test]
    fn expired_cookies_are_not_replayed() {
        let mut s = stored();
        s.cookies[1].expires = Some("2026-11-26T09:00:00Z".parse().unwrap());
        let apple = [url::Url::parse("https://idmsa.apple.com/").unwrap()];
        let lines = replay_lines(&s, &apple, "2026-11-26T10:00:00Z".parse().unwrap());
        assert_eq!(sent_to(&lines, "https://idmsa.apple.com/"), ["DES58b0"]);
    }

    #[test]
    fn a_jar_loaded_for_an_override_sends_nothing_to_other_hosts() {
        let now = "2026-11-26T10:00:00Z".parse().unwrap();
        let mut jar = cookie_store::CookieStore::default();
        load_into(
            &mut jar,
            &stored(),
            &["https://proxy.example.net/auth"],
            now,
        );
        assert!(names_for(&jar, "https://proxy.example.net/auth").is_empty());
        let mut jar = cookie_store::CookieStore::default();
        load_into(&mut jar, &stored(), &["http://[::1]:9/auth"], now);
        assert_eq!(names_for(&jar, "http://[::1]:9/x").len(), 3);
        assert!(names_for(&jar, "https://idmsa.apple.com.evil.example/").is_empty());
    }

    #[test]
    fn domain_matching_follows_rfc_6265() {
        assert!(domain_matches("idmsa.apple.com", "apple.com", true));
        assert!(!domain_matches("idmsa.apple.com", "apple.com", false));
        assert!(domain_matches("apple.com", ".apple.com", true));
        assert!(!domain_matches("notapple.com", "apple.com", true));
        assert!(!domain_matches("apple.com.evil.example", "apple.com", true));
        assert!(!domain_matches("127.0.0.1", "0.0.1", true));
        assert!(!domain_matches("anything", "", true));
    }
}
