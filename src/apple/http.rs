//! Blocking HTTPS (ureq + rustls) with one cookie jar (cookie_store) across a whole flow.

use std::time::Duration;

use cookie_store::CookieStore;
use url::Url;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a request did not get an answer: told apart so the user knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot resolve {host}: check the name and this machine's DNS")]
    Dns { host: String },
    #[error("TLS with {host} failed ({detail}): a proxy may be intercepting HTTPS")]
    Tls { host: String, detail: String },
    #[error("{host} did not answer within {secs} s: check the network, or try again later")]
    Timeout { host: String, secs: u64 },
    #[error("cannot connect to {host} ({detail})")]
    Connect { host: String, detail: String },
    #[error("{0}")]
    Other(String),
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Only loopback may be plain HTTP: a proxy or a test stub, never a real remote.
pub fn check_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text)
        .map_err(|e| format!("`{text}` is not a URL ({e}): write e.g. https://idmsa.apple.com"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            if crate::net::is_loopback(&url) {
                Ok(url)
            } else {
                Err(format!(
                    "`{text}` is plain http: only loopback addresses (127.0.0.1, ::1, localhost) may skip TLS; use https"
                ))
            }
        }
        other => Err(format!("`{text}` uses {other}: use https")),
    }
}

pub struct Client {
    agent: ureq::Agent,
    pub jar: CookieStore,
    timeout: Duration,
}

impl Client {
    pub fn new(timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent("Spaceship 2.228.0 (apple-conn)")
            .build()
            .into();
        Client {
            agent,
            jar: CookieStore::default(),
            timeout,
        }
    }

    /// One request; Set-Cookie goes to the jar and the jar's cookies go out (DES values quoted).
    pub fn send(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Response, NetError> {
        let parsed = Url::parse(url).map_err(|e| NetError::Other(format!("bad URL {url}: {e}")))?;
        let host = parsed.host_str().unwrap_or_default().to_string();
        let cookie_header: Vec<String> = self
            .jar
            .get_request_values(&parsed)
            .map(|(n, v)| {
                // Apple wants the DES trust cookie's value inside double quotes (fastlane does the same).
                if n.starts_with("DES") && !v.starts_with('"') {
                    format!("{n}=\"{v}\"")
                } else {
                    format!("{n}={v}")
                }
            })
            .collect();
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, v.as_str());
        }
        if !cookie_header.is_empty() {
            builder = builder.header("Cookie", cookie_header.join("; "));
        }
        // A body may carry a proof or a code: its text is wiped once sent (issue 33).
        let payload = body.map(crate::secrets::secret_json).unwrap_or_default();
        if body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        let request = builder
            .body(payload.as_bytes())
            .map_err(|e| NetError::Other(e.to_string()))?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| self.classify(&host, e))?;
        let status = response.status().as_u16();
        let mut headers = Vec::new();
        for (k, v) in response.headers() {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            if k.as_str().eq_ignore_ascii_case("set-cookie") {
                let _ = self.jar.parse(&value, &parsed);
            }
            headers.push((k.as_str().to_string(), value));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(4 * 1024 * 1024)
            .read_to_string()
            // A body that stalls or breaks off is no answer: never read it as an empty success.
            .map_err(|e| self.classify(&host, e))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn classify(&self, host: &str, e: ureq::Error) -> NetError {
        let host = host.to_string();
        if let Some(detail) = crate::net::tls_refusal(&e) {
            return NetError::Tls { host, detail };
        }
        match e {
            ureq::Error::Timeout(_) => NetError::Timeout {
                host,
                secs: self.timeout.as_secs(),
            },
            ureq::Error::HostNotFound => NetError::Dns { host },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => NetError::Timeout {
                host,
                secs: self.timeout.as_secs(),
            },
            ureq::Error::Io(io) => NetError::Connect {
                host,
                detail: io.to_string(),
            },
            ureq::Error::ConnectionFailed => NetError::Connect {
                host,
                detail: "connection failed".into(),
            },
            other => {
                let text = other.to_string();
                if text.to_ascii_lowercase().contains("tls") || text.contains("certificate") {
                    NetError::Tls { host, detail: text }
                } else {
                    NetError::Other(format!("{host}: {text}"))
                }
            }
        }
    }
}
