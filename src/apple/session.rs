//! A signed-in session: its cookies, stored as JSON in the session store, and the
//! `FASTLANE_SESSION` YAML that fastlane and the Bitrise steps read.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::SecretValue;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
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
                .map(|age| self.created_at + chrono::Duration::seconds(age))
        })
    }
}

/// Cookies as `fastlane spaceauth` keeps them: `myacinfo*`, `dqsid`, `DES*`.
pub fn spaceauth_choice(c: &StoredCookie) -> bool {
    c.name.starts_with("myacinfo") || c.name == "dqsid" || c.name.starts_with("DES")
}

fn needs_quotes(v: &str) -> bool {
    v.is_empty()
        || v.starts_with([
            '-', '\'', '"', '*', '&', '!', '%', '@', '`', '{', '[', '|', '>', '?', ':', '#', ' ',
        ])
        || v.contains(": ")
        || v.contains(" #")
        || v.ends_with(' ')
        || v.ends_with(':')
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
        )
        || v.parse::<f64>().is_ok()
        || v.contains('\n')
        || v.contains('\\')
}

fn yaml_scalar(v: &str) -> String {
    if needs_quotes(v) {
        serde_json::to_string(v).unwrap_or_else(|_| format!("\"{v}\""))
    } else {
        v.to_string()
    }
}

fn ruby_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.9f +00:00").to_string()
}

/// The multi-line YAML of `HTTP::Cookie` objects fastlane loads.
pub fn to_fastlane_yaml(session: &StoredSession, all: bool) -> String {
    let mut out = String::from("---\n");
    for c in session
        .cookies
        .iter()
        .filter(|c| all || spaceauth_choice(c))
    {
        out.push_str("- !ruby/object:HTTP::Cookie\n");
        out.push_str(&format!("  name: {}\n", yaml_scalar(&c.name)));
        out.push_str(&format!("  value: {}\n", yaml_scalar(&c.value)));
        out.push_str(&format!(
            "  domain: {}\n",
            yaml_scalar(c.domain.trim_start_matches('.'))
        ));
        out.push_str(&format!("  for_domain: {}\n", c.for_domain));
        out.push_str(&format!("  path: \"{}\"\n", c.path.replace('"', "")));
        out.push_str(&format!("  secure: {}\n", c.secure));
        out.push_str(&format!("  httponly: {}\n", c.httponly));
        match c.expires {
            Some(t) => out.push_str(&format!("  expires: {}\n", ruby_time(t))),
            None => out.push_str("  expires:\n"),
        }
        match c.max_age {
            Some(a) => out.push_str(&format!("  max_age: {a}\n")),
            None => out.push_str("  max_age:\n"),
        }
        out.push_str(&format!(
            "  created_at: {}\n",
            ruby_time(session.created_at)
        ));
        out.push_str(&format!(
            "  accessed_at: {}\n",
            ruby_time(session.created_at)
        ));
    }
    out
}

/// The single-line form `fastlane spaceauth` prints: newlines written as `\n`.
pub fn single_line(yaml: &str) -> String {
    yaml.replace('\n', "\\n")
}

/// The FASTLANE_SESSION value (single line) of a stored session.
pub fn fastlane_session_from_stored(
    stored: &SecretValue,
    all_cookies: bool,
) -> Result<SecretValue, String> {
    let session = StoredSession::from_secret(stored)?;
    Ok(SecretValue::new(single_line(&to_fastlane_yaml(
        &session,
        all_cookies,
    ))))
}

/// Reads a session printed by `fastlane spaceauth` (either form) or by `session export`.
pub fn parse_fastlane_session(text: &str, now: DateTime<Utc>) -> Result<StoredSession, String> {
    let mut text = text.trim().to_string();
    if let Some(rest) = text.strip_prefix("export FASTLANE_SESSION=") {
        text = rest.trim().trim_matches('\'').to_string();
    }
    // The single-line form: every newline was written as the two characters \n.
    if !text.contains('\n') && text.contains("\\n") {
        text = text.replace("\\n", "\n");
    }
    let mut cookies: Vec<StoredCookie> = Vec::new();
    let mut current: Option<StoredCookie> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim() == "---" || line.trim().is_empty() {
            continue;
        }
        if line.starts_with("- ") || line == "-" {
            if let Some(c) = current.take() {
                cookies.push(c);
            }
            if !line.contains("HTTP::Cookie") {
                return Err(format!(
                    "unexpected item `{line}`: a FASTLANE_SESSION is a list of !ruby/object:HTTP::Cookie"
                ));
            }
            current = Some(StoredCookie {
                name: String::new(),
                value: String::new(),
                domain: String::new(),
                path: "/".into(),
                secure: false,
                httponly: false,
                for_domain: true,
                expires: None,
                max_age: None,
            });
            continue;
        }
        let Some(c) = current.as_mut() else {
            return Err("this is not a FASTLANE_SESSION: it should start with --- and - !ruby/object:HTTP::Cookie".into());
        };
        let Some((key, value)) = line.trim().split_once(':') else {
            return Err(format!("cannot read the line `{}`", line.trim()));
        };
        let value = unquote(value.trim());
        match key.trim() {
            "name" => c.name = value,
            "value" => c.value = value,
            "domain" => c.domain = value,
            "path" => c.path = value,
            "secure" => c.secure = value == "true",
            "httponly" => c.httponly = value == "true",
            "for_domain" => c.for_domain = value != "false",
            "max_age" => c.max_age = value.parse().ok(),
            "expires" => c.expires = parse_ruby_time(&value),
            _ => {}
        }
    }
    if let Some(c) = current.take() {
        cookies.push(c);
    }
    cookies.retain(|c| !c.name.is_empty());
    if cookies.is_empty() {
        return Err("the session holds no cookies: run `fastlane spaceauth` again and paste its whole output".into());
    }
    if !cookies.iter().any(|c| c.name.starts_with("myacinfo")) {
        return Err("the session has no myacinfo cookie, so it cannot be signed in: run `fastlane spaceauth` again".into());
    }
    // fastlane drops cookies whose Expires has passed when it loads a session.
    cookies.retain(|c| c.expires.is_none_or(|e| e > now));
    Ok(StoredSession {
        version: 1,
        created_at: now,
        cookies,
    })
}

fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        serde_json::from_str::<String>(v).unwrap_or_else(|_| v[1..v.len() - 1].to_string())
    } else if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else {
        v.to_string()
    }
}

fn parse_ruby_time(v: &str) -> Option<DateTime<Utc>> {
    if v.is_empty() {
        return None;
    }
    DateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f %:z")
        .or_else(|_| DateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S %:z"))
        .or_else(|_| DateTime::parse_from_rfc3339(v))
        .or_else(|_| DateTime::parse_from_rfc2822(v))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StoredSession {
        StoredSession {
            version: 1,
            created_at: "2026-11-25T10:00:00Z".parse().unwrap(),
            cookies: vec![
                StoredCookie {
                    name: "DES58b0eba556d80ed2b98707e15ffafd344".into(),
                    value: "HSARMTKNSRVTWFlaFhb2EtMsQ==SRVT".into(),
                    domain: "idmsa.apple.com".into(),
                    path: "/".into(),
                    secure: true,
                    httponly: true,
                    for_domain: true,
                    expires: None,
                    max_age: Some(2_592_000),
                },
                StoredCookie {
                    name: "myacinfo".into(),
                    value: "DAWTKNV2-1".into(),
                    domain: "apple.com".into(),
                    path: "/".into(),
                    secure: true,
                    httponly: true,
                    for_domain: true,
                    expires: None,
                    max_age: None,
                },
                StoredCookie {
                    name: "other".into(),
                    value: "-1".into(),
                    domain: "apple.com".into(),
                    path: "/".into(),
                    secure: false,
                    httponly: false,
                    for_domain: true,
                    expires: None,
                    max_age: None,
                },
            ],
        }
    }

    #[test]
    fn round_trips_through_both_forms() {
        let s = sample();
        let yaml = to_fastlane_yaml(&s, true);
        assert!(yaml.starts_with("---\n- !ruby/object:HTTP::Cookie\n  name: DES58b0"));
        assert!(
            yaml.contains("  value: \"-1\"\n"),
            "values YAML could misread are quoted"
        );
        let now = "2026-11-25T11:00:00Z".parse().unwrap();
        let back = parse_fastlane_session(&single_line(&yaml), now).unwrap();
        assert_eq!(back.cookies, s.cookies);
        let multi = parse_fastlane_session(&yaml, now).unwrap();
        assert_eq!(multi.cookies, s.cookies);
    }

    #[test]
    fn spaceauth_keeps_only_its_cookies() {
        let yaml = to_fastlane_yaml(&sample(), false);
        assert!(yaml.contains("myacinfo") && yaml.contains("DES58"));
        assert!(!yaml.contains("name: other"));
    }

    #[test]
    fn trust_expiry_comes_from_max_age() {
        assert_eq!(
            sample().trust_expires_at(),
            Some("2026-12-25T10:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn rejects_what_is_not_a_session() {
        let now = Utc::now();
        assert!(parse_fastlane_session("hello", now).is_err());
        assert!(parse_fastlane_session("---\n", now).is_err());
    }
}
