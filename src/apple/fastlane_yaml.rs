//! `FASTLANE_SESSION`: the YAML list of `!ruby/object:HTTP::Cookie` that fastlane writes
//! (http-cookie's YAMLSaver, Psych) and loads (`YAML.safe_load` + `HTTP::Cookie#yaml_initialize`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use saphyr_parser::{Event, Parser, ScalarStyle};

use super::session::{Session, SessionCookie, StoredCookie, spaceauth_choice};
use crate::secrets::SecretValue;

/// Words YAML 1.1 (Psych) reads as booleans or null, in any case.
const YAML11_WORDS: [&str; 9] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// Whether YAML 1.1 reads `v` unquoted as this very string: a letter first, then only
/// characters no YAML type or indicator uses. Anything else is written quoted.
pub fn plain_ok(v: &str) -> bool {
    v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '+' | '=' | '-'))
        && !YAML11_WORDS.iter().any(|w| w.eq_ignore_ascii_case(v))
}

/// A double-quoted YAML scalar; `\` and non-ASCII escaped so fastlane's `gsub("\\n", "\n")`
/// of the single-line form and YAML 1.1 line breaks (U+2028…) cannot change it.
pub fn quoted(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\x5C"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c if (c as u32) > 0xffff => out.push_str(&format!("\\U{:08X}", c as u32)),
            c if !c.is_ascii() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML scalar that YAML 1.1 reads back as exactly `v`: plain when safe, else double-quoted.
pub fn scalar(v: &str) -> String {
    if plain_ok(v) {
        v.to_string()
    } else {
        quoted(v)
    }
}

/// Psych's form of a UTC time (`Time#to_yaml` of a local time in a UTC zone).
fn ruby_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.9f +00:00").to_string()
}

/// The multi-line YAML of `HTTP::Cookie` objects fastlane loads; every field as http-cookie dumps it.
pub fn to_fastlane_yaml(session: &Session, all: bool) -> String {
    let mut out = String::from("---\n");
    for c in session
        .cookies
        .iter()
        .filter(|c| all || spaceauth_choice(&c.base))
    {
        let b = &c.base;
        let created = c.created_at.unwrap_or(session.created_at);
        out.push_str("- !ruby/object:HTTP::Cookie\n");
        out.push_str(&format!("  name: {}\n", scalar(&b.name)));
        out.push_str(&format!("  value: {}\n", scalar(&b.value)));
        out.push_str(&format!(
            "  domain: {}\n",
            scalar(b.domain.trim_start_matches('.'))
        ));
        out.push_str(&format!("  for_domain: {}\n", b.for_domain));
        out.push_str(&format!("  path: {}\n", quoted(&b.path)));
        out.push_str(&format!("  secure: {}\n", b.secure));
        out.push_str(&format!("  httponly: {}\n", b.httponly));
        match b.expires {
            Some(t) => out.push_str(&format!("  expires: {}\n", ruby_time(t))),
            None => out.push_str("  expires:\n"),
        }
        match b.max_age {
            Some(a) => out.push_str(&format!("  max_age: {a}\n")),
            None => out.push_str("  max_age:\n"),
        }
        out.push_str(&format!("  created_at: {}\n", ruby_time(created)));
        out.push_str(&format!(
            "  accessed_at: {}\n",
            ruby_time(c.accessed_at.unwrap_or(created))
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
    let session = Session::from_secret(stored)?;
    Ok(SecretValue::new(single_line(&to_fastlane_yaml(
        &session,
        all_cookies,
    ))))
}

/// One scalar as the YAML holds it; `plain` decides its YAML 1.1 type.
#[derive(Clone)]
struct Scalar {
    text: String,
    plain: bool,
    /// A tag other than `!!str` (e.g. `!binary`): not a plain string.
    tagged: bool,
}

struct RawCookie {
    line: usize,
    fields: Vec<(String, Scalar, usize)>,
}

const NOT_A_SESSION: &str = "this is not a FASTLANE_SESSION: it should be the YAML list of `- !ruby/object:HTTP::Cookie` that `fastlane spaceauth` prints";

/// The cookie maps of the first YAML document; anchors and aliases of scalars resolved.
fn cookie_maps(text: &str) -> Result<Vec<RawCookie>, String> {
    let mut anchors: HashMap<usize, Scalar> = HashMap::new();
    let mut cookies = Vec::new();
    let mut in_list = false;
    let mut current: Option<RawCookie> = None;
    let mut key: Option<(String, usize)> = None;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            format!(
                "line {}: this is not valid YAML ({}): paste the whole output of `fastlane spaceauth`",
                e.marker().line(),
                e.info()
            )
        })?;
        let line = span.start.line();
        let value = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::SequenceStart(..) if !in_list && current.is_none() => {
                in_list = true;
                continue;
            }
            Event::SequenceEnd if current.is_none() => break,
            Event::MappingStart(_, tag) if in_list && current.is_none() => {
                let cookie_tag = tag.as_ref().is_some_and(|t| {
                    t.suffix.ends_with("HTTP::Cookie") || t.suffix.ends_with("Mechanize::Cookie")
                });
                if !cookie_tag {
                    return Err(format!(
                        "line {line}: this item is not a `!ruby/object:HTTP::Cookie`: paste the whole output of `fastlane spaceauth`"
                    ));
                }
                current = Some(RawCookie {
                    line,
                    fields: Vec::new(),
                });
                continue;
            }
            Event::MappingEnd => {
                if let Some(c) = current.take() {
                    cookies.push(c);
                }
                key = None;
                continue;
            }
            Event::Scalar(text, style, anchor, tag) if current.is_some() => {
                let s = Scalar {
                    text: text.into_owned(),
                    plain: matches!(style, ScalarStyle::Plain),
                    tagged: tag.as_ref().is_some_and(|t| !t.suffix.ends_with("str")),
                };
                if anchor > 0 {
                    anchors.insert(anchor, s.clone());
                }
                s
            }
            Event::Alias(id) if current.is_some() => anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| format!("line {line}: an alias (*) names no earlier anchor (&)"))?,
            Event::MappingStart(..) | Event::SequenceStart(..) if current.is_some() => {
                let (field, at) = key
                    .as_ref()
                    .map(|(k, at)| (k.as_str(), *at))
                    .unwrap_or(("a key", line));
                return Err(format!(
                    "line {at}: `{field}` holds a list or map: a cookie's fields are single values"
                ));
            }
            _ => return Err(NOT_A_SESSION.into()),
        };
        match key.take() {
            None => key = Some((value.text, line)),
            Some((k, at)) => {
                if let Some(c) = current.as_mut() {
                    c.fields.push((k, value, at));
                }
            }
        }
    }
    Ok(cookies)
}

fn is_null(s: &Scalar) -> bool {
    s.plain && (s.text.is_empty() || s.text == "~" || s.text.eq_ignore_ascii_case("null"))
}

/// Ruby truthiness of a YAML value: only null and YAML 1.1 false are false.
fn truthy(s: &Scalar) -> bool {
    !(is_null(s)
        || (s.plain
            && ["false", "no", "off"]
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&s.text))))
}

/// Psych's timestamp forms: `2026-11-29 21:04:11.512495524 +00:00`, `… Z`, `…T…-05:00`, `… +9`, none.
pub fn parse_psych_time(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    let split = v.find(['T', 't', ' '])?;
    let (date, rest) = (&v[..split], v[split..].trim_start_matches(['T', 't', ' ']));
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (d.next()?, d.next()?, d.next()?);
    if y.len() != 4 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, day.parse().ok()?)?;
    let time_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (clock, zone) = (&rest[..time_end], rest[time_end..].trim());
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.split(':');
    let (h, mi, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || mi.len() != 2 || s.len() != 2 || h.is_empty() || h.len() > 2 {
        return None;
    }
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        format!("{:0<9}", &frac[..frac.len().min(9)]).parse().ok()?
    };
    let naive = date.and_hms_nano_opt(h.parse().ok()?, mi.parse().ok()?, s.parse().ok()?, nanos)?;
    let offset_secs: i64 = match zone {
        "" | "Z" => 0,
        z => {
            let sign = match z.chars().next()? {
                '+' => 1,
                '-' => -1,
                _ => return None,
            };
            let body = &z[1..];
            if !body.chars().all(|c| c.is_ascii_digit() || c == ':') {
                return None;
            }
            let (hh, mm) = match body.split_once(':') {
                Some((hh, mm)) => (hh, mm),
                None if body.len() > 2 => (&body[..body.len() - 2], &body[body.len() - 2..]),
                None => (body, "0"),
            };
            if hh.is_empty()
                || hh.len() > 2
                || !hh.chars().chain(mm.chars()).all(|c| c.is_ascii_digit())
            {
                return None;
            }
            sign * (hh.parse::<i64>().ok()? * 3600 + mm.parse::<i64>().ok()? * 60)
        }
    };
    Some(naive.and_utc() - chrono::Duration::seconds(offset_secs))
}

/// A time field: a YAML timestamp, or a string Ruby's `Time.parse` reads (RFC 3339, HTTP dates).
fn time_field(s: &Scalar) -> Option<DateTime<Utc>> {
    parse_psych_time(&s.text)
        .or_else(|| {
            DateTime::parse_from_rfc3339(s.text.trim())
                .ok()
                .map(|t| t.to_utc())
        })
        .or_else(|| {
            DateTime::parse_from_rfc2822(s.text.trim())
                .ok()
                .map(|t| t.to_utc())
        })
}

/// `max_age`: a YAML 1.1 integer (`1_000`, `1,000` as Psych reads them) or a string of digits.
fn max_age_field(s: &Scalar) -> Option<i64> {
    let t = if s.plain {
        s.text.replace(['_', ','], "")
    } else {
        s.text.clone()
    };
    let digits = t.strip_prefix(['-', '+']).unwrap_or(&t);
    if digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit())
        || (!s.plain && t.starts_with('+'))
    {
        return None;
    }
    t.parse().ok()
}

fn bad(line: usize, field: &str, what: &str) -> String {
    format!("line {line}: `{field}` {what}")
}

/// One cookie as `HTTP::Cookie#yaml_initialize` builds it; errors name the line and the field only.
fn cookie(raw: RawCookie) -> Result<SessionCookie, String> {
    let mut c = SessionCookie {
        base: StoredCookie {
            name: String::new(),
            value: String::new(),
            domain: String::new(),
            path: "/".into(),
            secure: false,
            httponly: false,
            // http-cookie: `for_domain` is false unless the YAML sets it.
            for_domain: false,
            expires: None,
            max_age: None,
        },
        created_at: None,
        accessed_at: None,
    };
    for (field, s, line) in raw.fields {
        if s.tagged {
            return Err(bad(line, &field, "has a YAML tag: write it as plain text"));
        }
        let text_ok = |s: &Scalar| !s.text.chars().any(|ch| ch.is_control());
        match field.as_str() {
            "name" => {
                if s.text.is_empty()
                    || s.text
                        .chars()
                        .any(|ch| ch.is_control() || ch.is_whitespace() || "=;,\"\\".contains(ch))
                {
                    return Err(bad(line, &field, "is not a cookie name"));
                }
                c.base.name = s.text;
            }
            "value" => {
                if !text_ok(&s) || s.text.contains([';', '\\']) {
                    return Err(bad(
                        line,
                        &field,
                        "holds characters a cookie value cannot have (control characters, `;` or `\\`)",
                    ));
                }
                c.base.value = if is_null(&s) { String::new() } else { s.text };
            }
            "domain" => {
                let d = s.text.trim_start_matches('.');
                // http-cookie drops a `:port` (cookie.rb `domain=`).
                let d = d.split_once(':').map_or(d, |(h, _)| h);
                if is_null(&s)
                    || d.is_empty()
                    || !d
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-')
                {
                    return Err(bad(line, &field, "is not a host name such as apple.com"));
                }
                if s.text.starts_with('.') {
                    c.base.for_domain = true;
                }
                c.base.domain = d.to_ascii_lowercase();
            }
            "path" => {
                if !text_ok(&s) || s.text.contains(';') {
                    return Err(bad(line, &field, "is not a cookie path"));
                }
                // http-cookie: a path not starting with `/` becomes `/` (cookie.rb `path=`).
                c.base.path = if s.text.starts_with('/') {
                    s.text
                } else {
                    "/".into()
                };
            }
            "for_domain" => c.base.for_domain = truthy(&s),
            "secure" => c.base.secure = truthy(&s),
            "httponly" => c.base.httponly = truthy(&s),
            "max_age" if is_null(&s) => c.base.max_age = None,
            "max_age" => {
                c.base.max_age = Some(
                    max_age_field(&s)
                        .ok_or_else(|| bad(line, &field, "is not a whole number of seconds"))?,
                )
            }
            "expires" | "created_at" | "accessed_at" => {
                let t = if is_null(&s) {
                    None
                } else {
                    Some(time_field(&s).ok_or_else(|| {
                        bad(
                            line,
                            &field,
                            "is not a time such as 2026-11-29 21:04:11.512495524 +00:00",
                        )
                    })?)
                };
                match field.as_str() {
                    "expires" => c.base.expires = t,
                    "created_at" => c.created_at = t,
                    _ => c.accessed_at = t,
                }
            }
            _ => {}
        }
    }
    if c.base.name.is_empty() {
        return Err(bad(raw.line, "name", "is missing from this cookie"));
    }
    if c.base.domain.is_empty() {
        return Err(bad(raw.line, "domain", "is missing from this cookie"));
    }
    // `yaml_initialize` applies `expires` only when `max_age` is nil (cookie.rb, `self.expires = expires if self.max_age.nil?`).
    if c.base.max_age.is_some() {
        c.base.expires = None;
    }
    Ok(c)
}

/// Drops terminal colour sequences (`ESC [ … m`) that a copied terminal output may carry.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            while chars.next().is_some_and(|c| !c.is_ascii_alphabetic()) {}
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads a session printed by `fastlane spaceauth` (either form), fastlane's cookie file, or
/// `session export`; drops the cookies http-cookie would drop as expired at `now`.
pub fn parse_fastlane_session(text: &str, now: DateTime<Utc>) -> Result<Session, String> {
    let text = strip_ansi(text);
    // spaceauth's whole output (a title, the value, an `export FASTLANE_SESSION='…'` example): use the example line.
    let mut text = match text
        .lines()
        .find_map(|l| l.trim().strip_prefix("export FASTLANE_SESSION="))
    {
        Some(rest) => rest.trim().trim_matches('\'').to_string(),
        None => text.trim().to_string(),
    };
    // The single-line form: every newline was written as the two characters \n.
    if !text.contains('\n') && text.contains("\\n") {
        text = text.replace("\\n", "\n");
    }
    let mut cookies = Vec::new();
    for raw in cookie_maps(&text)? {
        cookies.push(cookie(raw)?);
    }
    if cookies.is_empty() {
        return Err("the session holds no cookies: run `fastlane spaceauth` again and paste its whole output".into());
    }
    if !cookies.iter().any(|c| c.base.name.starts_with("myacinfo")) {
        return Err("the session has no myacinfo cookie, so it cannot be signed in: run `fastlane spaceauth` again".into());
    }
    let trust_end = cookies
        .iter()
        .find(|c| c.is_trust())
        .and_then(|c| c.expires_at());
    // http-cookie's jar drops what `expired?` says (`expires <= now`) when it loads a session.
    cookies.retain(|c| c.expires_at().is_none_or(|e| e > now));
    let trust_gone = trust_end.is_some_and(|t| t <= now);
    if trust_gone || !cookies.iter().any(|c| c.base.name.starts_with("myacinfo")) {
        return Err(format!(
            "this session has expired{}: fastlane would drop its cookies. Sign in again (`apple-conn reauth`) or run `fastlane spaceauth` again",
            trust_end
                .map(|t| format!(" (its trust cookie ended {})", super::session::rfc3339(t)))
                .unwrap_or_default()
        ));
    }
    Ok(Session {
        version: 1,
        created_at: now,
        cookies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FASTLANE_FILE: &str = "---\n- !ruby/object:HTTP::Cookie\n  name: DES58b0eba556d80ed2b98707e15ffafd344\n  value: HSARMTKNSRVTWFla+/x==SRVT\n  domain: idmsa.apple.com\n  for_domain: false\n  path: \"/\"\n  secure: true\n  httponly: true\n  expires:\n  max_age: 2592000\n  created_at: &1 2026-11-19 21:52:43.839167495 +00:00\n  accessed_at: *1\n- !ruby/object:HTTP::Cookie\n  name: myacinfo\n  value: DAWTKNV2abc\n  domain: apple.com\n  for_domain: true\n  path: \"/\"\n  secure: true\n  httponly: true\n  expires:\n  max_age:\n  created_at: &2 2026-11-29 21:52:43.839313648 +00:00\n  accessed_at: *2\n- !ruby/object:HTTP::Cookie\n  name: itcdq\n  value: '0'\n  domain: apple.com\n  for_domain: true\n  path: \"/\"\n  secure: false\n  httponly: false\n  expires: 2026-12-16 21:09:24.000000000 Z\n  max_age:\n  created_at: &3 2026-11-29 21:52:43.839346740 +00:00\n  accessed_at: *3\n- !ruby/object:HTTP::Cookie\n  name: dc\n  value: \"-1\"\n  domain: apple.com\n  path: \"/\"\n  secure: false\n  httponly: false\n  expires:\n  max_age:\n  created_at: &4 2026-11-29 21:52:43.839372618 +00:00\n  accessed_at: *4\n";

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn yaml_1_1_non_strings_are_quoted() {
        for v in [
            "0",
            "-1",
            "1_000",
            "12:30",
            ".inf",
            "-.inf",
            ".nan",
            "0x1F",
            "0b101",
            "0755",
            "1,000",
            "1e3",
            "1.5",
            "2026-11-29",
            "2026-11-29 10:00:00",
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "true",
            "False",
            "~",
            "null",
            "",
            " lead",
            "a: b",
            "a #b",
            "-dash",
            "*star",
            "&amp",
            "!tag",
            "%pct",
            "@at",
            "`tick",
            "{x",
            "[x",
            "|x",
            ">x",
            "?x",
            ":sym",
            "#c",
            "'q",
            "\"q",
            "=",
            "<<",
            "a\nb",
        ] {
            assert!(!plain_ok(v), "{v:?} must be quoted");
            assert!(scalar(v).starts_with('"'), "{v:?}");
        }
        for v in [
            "DAWTKNV2abc",
            "HSARMTKNSRVTWFla+/x==SRVT",
            "apple.com",
            "myacinfo",
        ] {
            assert!(plain_ok(v), "{v}");
        }
        assert_eq!(quoted("a\\nb\"\u{2028}"), "\"a\\x5Cnb\\\"\\u2028\"");
    }

    #[test]
    fn every_time_form_psych_writes_is_read() {
        for (text, utc) in [
            (
                "2026-11-29 21:04:11.512495524 +00:00",
                "2026-11-29T21:04:11.512495524Z",
            ),
            ("2026-12-16 21:09:24.000000000 Z", "2026-12-16T21:09:24Z"),
            ("2026-12-16 21:09:24 Z", "2026-12-16T21:09:24Z"),
            ("2026-12-16 22:09:24.5 +01:00", "2026-12-16T21:09:24.5Z"),
            ("2026-12-16t16:09:24-05:00", "2026-12-16T21:09:24Z"),
            ("2026-12-16 16:09:24 -5", "2026-12-16T21:09:24Z"),
            ("2026-12-16 22:39:24 +0130", "2026-12-16T21:09:24Z"),
            ("2026-12-16 21:09:24", "2026-12-16T21:09:24Z"),
        ] {
            assert_eq!(parse_psych_time(text), Some(t(utc)), "{text}");
        }
        for bad in [
            "2026-12-16",
            "yesterday",
            "2026-13-01 00:00:00",
            "2026-12-16 21:09:24 +x",
        ] {
            assert_eq!(parse_psych_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn fastlanes_file_is_read_with_its_anchors_and_times() {
        let now = t("2026-11-30T00:00:00Z");
        let s = parse_fastlane_session(FASTLANE_FILE, now).unwrap();
        let names: Vec<&str> = s.cookies.iter().map(|c| c.base.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "DES58b0eba556d80ed2b98707e15ffafd344",
                "myacinfo",
                "itcdq",
                "dc"
            ]
        );
        let des = &s.cookies[0];
        assert_eq!(des.created_at, Some(t("2026-11-19T21:52:43.839167495Z")));
        assert_eq!(des.accessed_at, des.created_at);
        assert_eq!(
            s.trust_expires_at(),
            Some(t("2026-12-19T21:52:43.839167495Z"))
        );
        assert_eq!(s.authenticated_at(), des.created_at);
        assert_eq!(s.cookies[2].base.value, "0");
        assert_eq!(s.cookies[2].expires_at(), Some(t("2026-12-16T21:09:24Z")));
        assert_eq!(s.cookies[3].base.value, "-1");
        assert!(
            !s.cookies[3].base.for_domain,
            "for_domain is false when absent"
        );
        assert!(s.cookies[1].base.for_domain && !des.base.for_domain);
    }

    #[test]
    fn export_round_trips_every_field() {
        let now = t("2026-11-30T00:00:00Z");
        let s = parse_fastlane_session(FASTLANE_FILE, now).unwrap();
        let yaml = to_fastlane_yaml(&s, true);
        assert!(yaml.contains("  value: \"0\"\n") && yaml.contains("  value: \"-1\"\n"));
        for form in [yaml.clone(), single_line(&yaml)] {
            let back = parse_fastlane_session(&form, now).unwrap();
            assert_eq!(back.cookies, s.cookies);
        }
    }

    #[test]
    fn spaceauths_whole_output_and_older_files_are_read() {
        let now = t("2026-11-30T00:00:00Z");
        let line = single_line(FASTLANE_FILE);
        let pasted = format!(
            "Pass the following via the FASTLANE_SESSION environment variable:\n\u{1b}[36m\u{1b}[4m{line}\u{1b}[0m\n\nExample:\n\u{1b}[36mexport FASTLANE_SESSION='{line}'\u{1b}[0m\n"
        );
        let s = parse_fastlane_session(&pasted, now).unwrap();
        assert_eq!(s.cookies.len(), 4);
        // fastlane before anchors: `max_age: ` with a trailing space, a -07:00 offset.
        let older = "---\n- !ruby/object:HTTP::Cookie\n  name: myacinfo\n  value: DAWTKNV2abc\n  domain: apple.com\n  for_domain: true\n  path: \"/\"\n  secure: true\n  httponly: true\n  expires: 2026-12-27 23:55:56.000000000 Z\n  max_age: \n  created_at: 2026-11-28 16:55:57.032086000 -07:00\n  accessed_at: 2026-11-28 19:11:17.828141000 -07:00\n";
        let s = parse_fastlane_session(older, now).unwrap();
        assert_eq!(
            s.cookies[0].created_at,
            Some(t("2026-11-28T23:55:57.032086Z"))
        );
        assert_eq!(s.cookies[0].expires_at(), Some(t("2026-12-27T23:55:56Z")));
    }

    #[test]
    fn expired_cookies_are_dropped_and_an_expired_trust_refused() {
        let s = parse_fastlane_session(FASTLANE_FILE, t("2026-12-17T00:00:00Z")).unwrap();
        assert!(!s.cookies.iter().any(|c| c.base.name == "itcdq"));
        let e = parse_fastlane_session(FASTLANE_FILE, t("2026-12-20T00:00:00Z")).unwrap_err();
        assert!(
            e.contains("expired") && e.contains("2026-12-19T21:52:43Z"),
            "{e}"
        );
    }

    #[test]
    fn max_age_wins_over_expires_as_in_yaml_initialize() {
        let text = FASTLANE_FILE.replacen(
            "  expires:\n  max_age: 2592000",
            "  expires: 2026-11-20 00:00:00 Z\n  max_age: 2592000",
            1,
        );
        let s = parse_fastlane_session(&text, t("2026-11-30T00:00:00Z")).unwrap();
        assert_eq!(s.cookies[0].base.expires, None);
        assert_eq!(
            s.trust_expires_at(),
            Some(t("2026-12-19T21:52:43.839167495Z"))
        );
    }

    #[test]
    fn errors_name_the_line_and_field_never_the_value() {
        let now = t("2026-11-30T00:00:00Z");
        for (from, to, field, line) in [
            ("  max_age: 2592000", "  max_age: SECRETabc", "max_age", 11),
            (
                "  created_at: &2 2026-11-29 21:52:43.839313648 +00:00\n  accessed_at: *2",
                "  created_at: SECRETabc\n  accessed_at:",
                "created_at",
                24,
            ),
            ("  value: DAWTKNV2abc", "  value: SECRET;abc", "value", 16),
            (
                "  domain: apple.com\n  for_domain: true",
                "  domain: SECRET/abc\n  for_domain: true",
                "domain",
                17,
            ),
            ("  value: '0'", "  value: [SECRETabc]", "value", 28),
        ] {
            let e = parse_fastlane_session(&FASTLANE_FILE.replacen(from, to, 1), now).unwrap_err();
            assert!(
                e.contains(&format!("line {line}")) && e.contains(field),
                "{e}"
            );
            assert!(!e.contains("SECRET"), "{e}");
        }
        let e = parse_fastlane_session("- SECRETabc\n", now).unwrap_err();
        assert!(!e.contains("SECRET"), "{e}");
        assert!(parse_fastlane_session("hello", now).is_err());
        assert!(parse_fastlane_session("---\n", now).is_err());
    }
}
