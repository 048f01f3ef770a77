//! One blocking client per command (ureq's agent is shared by every job thread).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::model::{
    AppItem, AppList, AppShow, AppleApiCredential, AppleApiCredentials, ErrorBody, Me, MeResponse,
    YmlConfig, YmlLocation,
};
use super::token::Token;

/// Certificates and profiles uploaded to an app (issue 30).
pub mod signing;

/// The spec's maximum page size for `GET /apps`.
pub const PAGE_LIMIT: u32 = 50;
/// A listing longer than this many pages is taken for a server that never ends it.
pub const MAX_PAGES: usize = 1000;
/// A whole listing's budget (issue 33): a server that pages on without end, or with pages of
/// huge apps, stops here instead of growing apple-conn's memory without bound.
pub const MAX_LISTING_APPS: usize = 10_000;
pub const MAX_LISTING_BYTES: u64 = 32 * 1024 * 1024;
/// One page of at most `PAGE_LIMIT` apps is far below this.
const PAGE_CAP: u64 = 4 * 1024 * 1024;
/// The largest bitrise.yml apple-conn reads.
pub const YML_CAP: u64 = 1024 * 1024;
/// JSON answers are small; anything bigger is not what the spec describes.
const JSON_CAP: u64 = 8 * 1024 * 1024;
/// 429: at most this many waits, and this many seconds of waiting in all.
const MAX_RATE_RETRIES: u32 = 3;
const MAX_RATE_WAIT: u64 = 60;
/// 429 without `Retry-After`: wait this long.
const DEFAULT_RETRY_AFTER: u64 = 5;

pub struct Client {
    agent: ureq::Agent,
    base: String,
    host: String,
    token: Token,
    timeout: Duration,
    cancel: Option<std::sync::Arc<AtomicBool>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

/// One answer: status, the `Retry-After` header, the body (capped).
pub(super) struct Answer {
    status: u16,
    retry_after: Option<String>,
    pub(super) body: Result<String, ApiError>,
}

/// A request other than a GET (`bitrise push`, `bitrise keys upload`).
pub(super) struct Write<'a> {
    pub method: &'static str,
    /// The JSON body (it may hold a private key: never logged, never in an error).
    pub body: Option<&'a [u8]>,
    /// Whether asking again after a 5xx or a timeout is safe (PATCH, DELETE: yes; POST: no).
    pub idempotent: bool,
}

impl Client {
    /// `base` is the checked API URL with its `/v0.1` prefix.
    pub fn new(base: &url::Url, token: Token, timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // A redirect could carry the Authorization header to another host: never follow one.
            .max_redirects(0)
            // Every job thread keeps its connection (ureq keeps 3 per host by default).
            .max_idle_connections(64)
            .max_idle_connections_per_host(64)
            .user_agent(concat!("apple-conn/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            base: base.as_str().trim_end_matches('/').to_string(),
            host: base.host_str().unwrap_or_default().to_string(),
            token,
            timeout,
            cancel: None,
        }
    }

    /// A flag that, once set, ends waits and further requests with `Cancelled`.
    pub fn with_cancel(mut self, cancel: std::sync::Arc<AtomicBool>) -> Self {
        self.cancel = Some(cancel);
        self
    }

    fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// `GET /me`: the token's user.
    pub fn me(&self) -> Result<Me, ApiError> {
        self.get_json::<MeResponse>("/me", &[], "GET /me")
            .map(|r| r.data)
    }

    /// Every app the token sees (or the organization's): `limit=50`, one request per page,
    /// following `paging.next` until it is absent.
    pub fn apps(&self, org: Option<&str>) -> Result<Vec<AppItem>, ApiError> {
        let path = match org {
            Some(o) => format!("/organizations/{}/apps", segment(o)),
            None => "/apps".to_string(),
        };
        let what = format!("GET {path}");
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut seen = HashSet::new();
        let mut bytes = 0u64;
        for _page in 0..MAX_PAGES {
            let mut query = vec![("limit", PAGE_LIMIT.to_string())];
            if let Some(n) = &next {
                query.push(("next", n.clone()));
            }
            let body = self
                .get(&path, &query, &what, PAGE_CAP)?
                .body
                .map_err(|e| match e {
                    ApiError::TooLarge { .. } => ApiError::Paging {
                        what: what.clone(),
                        detail: format!("a page was over {} MiB", PAGE_CAP / (1024 * 1024)),
                    },
                    other => other,
                })?;
            bytes = bytes.saturating_add(body.len() as u64);
            let page: AppList = parse_json(&body, &what)?;
            drop(body);
            if page.data.len() > PAGE_LIMIT as usize {
                return Err(ApiError::Paging {
                    what,
                    detail: format!(
                        "a page held {} apps, more than the limit={PAGE_LIMIT} apple-conn asked for",
                        page.data.len()
                    ),
                });
            }
            if out.len().saturating_add(page.data.len()) > MAX_LISTING_APPS
                || bytes > MAX_LISTING_BYTES
            {
                return Err(ApiError::Paging {
                    what,
                    detail: format!(
                        "the listing passed apple-conn's budget of {MAX_LISTING_APPS} apps and {} MiB",
                        MAX_LISTING_BYTES / (1024 * 1024)
                    ),
                });
            }
            out.extend(page.data);
            match page.paging.and_then(|p| p.next).filter(|n| !n.is_empty()) {
                None => return Ok(out),
                Some(n) if !seen.insert(n.clone()) => {
                    return Err(ApiError::Paging {
                        what,
                        detail: format!(
                            "paging.next `{}` came back a second time",
                            crate::terminal_text::clean_line(&n)
                        ),
                    });
                }
                Some(n) => next = Some(n),
            }
        }
        Err(ApiError::Paging {
            what,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// `GET /apps/{slug}`.
    pub fn app(&self, slug: &str) -> Result<AppItem, ApiError> {
        let path = format!("/apps/{}", segment(slug));
        self.get_json::<AppShow>(&path, &[], &format!("GET {path}"))
            .map(|r| r.data)
    }

    /// `GET /apps/{slug}/bitrise.yml/config`: where the app keeps its bitrise.yml (admins only).
    pub fn yml_location(&self, slug: &str) -> Result<YmlLocation, ApiError> {
        let path = format!("/apps/{}/bitrise.yml/config", segment(slug));
        self.get_json::<YmlConfig>(&path, &[], &format!("GET {path}"))
            .map(|r| r.location)
    }

    /// `GET /apps/{slug}/bitrise.yml`: the file stored on bitrise.io, as text (at most 1 MiB).
    pub fn yml(&self, slug: &str) -> Result<String, ApiError> {
        let path = format!("/apps/{}/bitrise.yml", segment(slug));
        let what = format!("GET {path}");
        let answer = self.get(&path, &[], &what, YML_CAP)?;
        answer.body.map_err(|e| match e {
            ApiError::TooLarge { .. } => ApiError::TooLarge {
                what: format!("the bitrise.yml of {slug}"),
            },
            other => other,
        })
    }

    /// `GET /users/{user}/apple-api-credentials`: the API keys that user uploaded.
    pub fn apple_api_credentials(&self, user: &str) -> Result<Vec<AppleApiCredential>, ApiError> {
        let path = format!("/users/{}/apple-api-credentials", segment(user));
        self.get_json::<AppleApiCredentials>(&path, &[], &format!("GET {path}"))
            .map(|r| r.data)
    }

    pub(super) fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, ApiError> {
        let body = self
            .get(path, query, what, JSON_CAP)?
            .body
            .map_err(|e| match e {
                ApiError::TooLarge { .. } => ApiError::BadBody {
                    what: what.to_string(),
                    detail: format!("over {} MiB", JSON_CAP / (1024 * 1024)),
                },
                other => other,
            })?;
        parse_json(&body, what)
    }

    /// A GET with the retries: 429 waits `Retry-After` (≤ 3 times, ≤ 60 s in all); a 5xx or a
    /// timeout is asked once more. Any other non-2xx is an error worded for its status.
    fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
        cap: u64,
    ) -> Result<Answer, ApiError> {
        let read = Write {
            method: "GET",
            body: None,
            idempotent: true,
        };
        self.call(&read, path, query, what, cap)
    }

    /// One request with the retries; 5xx and timeouts are asked again only when `idempotent`.
    pub(super) fn call(
        &self,
        request: &Write<'_>,
        path: &str,
        query: &[(&str, String)],
        what: &str,
        cap: u64,
    ) -> Result<Answer, ApiError> {
        let url = self.url(path, query);
        let mut rate_waits = 0u32;
        let mut waited = 0u64;
        let mut asked_again = false;
        loop {
            if self.cancelled() {
                return Err(ApiError::Cancelled);
            }
            let answer = match self.send(request, &url, cap) {
                Ok(a) => a,
                Err(e @ (ApiError::Timeout { .. } | ApiError::Unreachable { .. }))
                    if !asked_again && request.idempotent =>
                {
                    let _ = e;
                    asked_again = true;
                    continue;
                }
                Err(ApiError::Timeout { host, secs, .. }) => {
                    return Err(ApiError::Timeout {
                        host,
                        what: what.to_string(),
                        secs,
                    });
                }
                Err(e) => return Err(e),
            };
            match answer.status {
                200..=299 => return Ok(answer),
                429 => {
                    let wait = answer
                        .retry_after
                        .as_deref()
                        .and_then(parse_retry_after)
                        .unwrap_or(DEFAULT_RETRY_AFTER);
                    // Saturating: `Retry-After: 18446744073709551615` must not wrap the budget (issue 33).
                    let over = waited.saturating_add(wait) > MAX_RATE_WAIT;
                    if rate_waits >= MAX_RATE_RETRIES || over {
                        let hint = (over && rate_waits < MAX_RATE_RETRIES)
                            .then(|| format!("it asked for {wait} s more"));
                        return Err(ApiError::RateLimited {
                            what: what.to_string(),
                            retries: rate_waits,
                            waited,
                            hint,
                        });
                    }
                    self.sleep(Duration::from_secs(wait))?;
                    rate_waits = rate_waits.saturating_add(1);
                    waited = waited.saturating_add(wait);
                }
                500..=599 if !asked_again && request.idempotent => asked_again = true,
                500..=599 => {
                    return Err(ApiError::Server {
                        what: what.to_string(),
                        status: answer.status,
                    });
                }
                401 => return Err(ApiError::Unauthorized),
                403 => {
                    return Err(ApiError::Forbidden {
                        what: what.to_string(),
                        message: error_message(answer.body),
                    });
                }
                404 => {
                    return Err(ApiError::NotFound {
                        what: what.to_string(),
                        message: error_message(answer.body),
                    });
                }
                status => {
                    let message = error_message(answer.body);
                    return Err(ApiError::Status {
                        what: what.to_string(),
                        status,
                        message,
                    });
                }
            }
        }
    }

    /// Sleeps in small steps so a cancel ends the wait at once.
    fn sleep(&self, total: Duration) -> Result<(), ApiError> {
        let step = Duration::from_millis(50);
        let mut left = total;
        while !left.is_zero() {
            if self.cancelled() {
                return Err(ApiError::Cancelled);
            }
            let now = left.min(step);
            std::thread::sleep(now);
            left -= now;
        }
        Ok(())
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}{path}", self.base);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.push_str(&url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>());
        }
        url
    }

    fn send(&self, write: &Write<'_>, url: &str, cap: u64) -> Result<Answer, ApiError> {
        let builder = ureq::http::Request::builder()
            .method(write.method)
            .uri(url)
            .header("Authorization", self.token.header_value())
            .header("Accept", "application/json");
        let unbuilt = |e: ureq::http::Error| ApiError::Unreachable {
            host: self.host.clone(),
            detail: e.to_string(),
        };
        let sent = match write.body {
            None => self.agent.run(builder.body(()).map_err(unbuilt)?),
            Some(body) => self.agent.run(
                builder
                    .header("Content-Type", "application/json")
                    .body(body)
                    .map_err(unbuilt)?,
            ),
        };
        let mut response = sent.map_err(|e| self.classify(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = match response
            .body_mut()
            .with_config()
            .limit(cap + 1)
            .read_to_vec()
        {
            Ok(bytes) if bytes.len() as u64 > cap => Err(ApiError::TooLarge {
                what: url.to_string(),
            }),
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| ApiError::BadBody {
                what: url.to_string(),
                detail: "not UTF-8 text".into(),
            }),
            Err(ureq::Error::BodyExceedsLimit(_)) => Err(ApiError::TooLarge {
                what: url.to_string(),
            }),
            // A body that stalls or breaks off is no answer: asked again like a timeout.
            Err(e) => return Err(self.classify(e)),
        };
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    fn classify(&self, e: ureq::Error) -> ApiError {
        let host = self.host.clone();
        if let Some(detail) = crate::net::tls_refusal(&e) {
            return ApiError::Unreachable { host, detail };
        }
        match e {
            ureq::Error::Timeout(_) => ApiError::Timeout {
                host,
                what: String::new(),
                secs: self.timeout.as_secs().max(1),
            },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => ApiError::Timeout {
                host,
                what: String::new(),
                secs: self.timeout.as_secs().max(1),
            },
            ureq::Error::HostNotFound => ApiError::Unreachable {
                host,
                detail: "the name does not resolve".into(),
            },
            other => ApiError::Unreachable {
                host,
                detail: crate::terminal_text::clean_line(&other.to_string()),
            },
        }
    }
}

/// Bitrise's message from an error answer: `{"message"}`, or `{"error_msg"}` where the document
/// gives the proxy's error model (workspace keys, members).
fn error_message(body: Result<String, ApiError>) -> Option<String> {
    body.ok()
        .and_then(|b| serde_json::from_str::<ErrorBody>(&b).ok())
        .and_then(|e| e.message.or(e.error_msg))
        .filter(|m| !m.trim().is_empty())
        .map(|m| crate::terminal_text::clean_line(&m))
}

fn parse_json<T: DeserializeOwned>(body: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError::BadBody {
        what: what.to_string(),
        detail: crate::terminal_text::clean_line(&e.to_string()),
    })
}

/// A path segment from a name (slugs are checked before; this keeps any other byte inert).
pub(super) fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `Retry-After`: delta-seconds (an HTTP-date is read as "a while": the default).
fn parse_retry_after(v: &str) -> Option<u64> {
    v.trim().parse::<u64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds() {
        assert_eq!(parse_retry_after(" 7 "), Some(7));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = Client::new(
            &url::Url::parse("http://127.0.0.1:1/v0.1").unwrap(),
            Token::new(crate::secrets::SecretValue::new("pat-secret-9".into())),
            Duration::from_secs(1),
        );
        let d = format!("{c:?}");
        assert!(!d.contains("pat-secret-9") && d.contains("***"), "{d}");
    }
}
