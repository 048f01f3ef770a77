//! Apple's web sign-in, as fastlane's spaceauth does it: widget key, hashcash, SRP, two-factor,
//! trust, olympus session. One cookie jar across the flow; `X-Apple-ID-Session-Id` and `scnt` echoed.

mod ct_hash;
pub mod group;
pub mod hashcash;
mod iterations;
pub mod refresh;
pub mod srp;
pub mod two_factor;
mod upgrade_later;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::http::{Client, NetError, Response, check_base_url};
use super::session::{StoredCookie, StoredSession};
use crate::domain::workspace::Team;
use crate::secrets::SecretValue;

/// The widget key the config endpoint used to return (it answers 404 since 2026-09).
pub const FALLBACK_WIDGET_KEY: &str =
    "e0b80c3bf78523bfe80974d320935bfa30add02e1bff88ec2166c6bd5a706c42";
pub use crate::domain::guarded::DEFAULT_AUTH;
pub const DEFAULT_OLYMPUS: &str = "https://appstoreconnect.apple.com";

pub const DEFAULT_APPLEID: &str = "https://appleid.apple.com";

#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `{auth}`: e.g. https://idmsa.apple.com/appleauth/auth
    pub auth: String,
    /// `{olympus}`: e.g. https://appstoreconnect.apple.com
    pub olympus: String,
    /// appleid.apple.com: the "upgrade two-factor later" repair pages.
    pub appleid: String,
    pub fallback_widget_key: String,
}

impl Endpoints {
    /// Apple's hosts, or one override serving both paths (flag over env over workspace).
    pub fn new(override_url: Option<&str>) -> Result<Endpoints, String> {
        let fallback_widget_key = std::env::var("APPLE_CONN_WIDGET_KEY")
            .ok()
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| FALLBACK_WIDGET_KEY.to_string());
        match override_url {
            None => Ok(Endpoints {
                auth: format!("{DEFAULT_AUTH}/appleauth/auth"),
                olympus: DEFAULT_OLYMPUS.to_string(),
                appleid: DEFAULT_APPLEID.to_string(),
                fallback_widget_key,
            }),
            Some(url) => {
                let base = check_base_url(url)?;
                let root = base.as_str().trim_end_matches('/').to_string();
                Ok(Endpoints {
                    auth: format!("{root}/appleauth/auth"),
                    appleid: root.clone(),
                    olympus: root,
                    fallback_widget_key,
                })
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(
        "Apple rejected the Apple ID or password (-20101): check both and try again; apple-conn never retries by itself, as repeated attempts lock accounts"
    )]
    WrongPassword,
    #[error(
        "Apple refused the sign-in ({0}): the account may be locked for security reasons; unlock it at iforgot.apple.com, then try once more"
    )]
    Refused(String),
    #[error("the verification code is wrong (-21669): type the newest code")]
    WrongCode,
    #[error(
        "too many verification codes were sent or tried: Apple has locked codes for now; wait a while before asking for another"
    )]
    CodesLocked,
    #[error(
        "Apple needs a one-time step before this account can sign in here (412: privacy acknowledgement or account repair): sign in once at https://appleid.apple.com or appstoreconnect.apple.com, then try again"
    )]
    Precondition,
    #[error("Apple is rate-limiting sign-ins (429){0}: wait, then try again")]
    RateLimited(String),
    #[error("Apple's sign-in service is unavailable ({0}): try again later")]
    Unavailable(u16),
    #[error("{0}")]
    Network(#[from] NetError),
    #[error("unexpected answer from Apple: {0}")]
    Protocol(String),
    #[error("Apple sent a verification code, but there is no way to read it: {0}")]
    NoCodeSource(String),
    #[error("cancelled")]
    Cancelled,
    #[error(
        "Apple asked for a hashcash of {0} bits; apple-conn computes at most {max} (a real sign-in asks for about 10-12): the server is not behaving like Apple's, check the sign-in URL",
        max = hashcash::MAX_BITS
    )]
    HashcashTooHard(u32),
    #[error(
        "the hashcash Apple asked for ({0} bits) took longer than {secs} s: try again",
        secs = hashcash::TIME_LIMIT.as_secs()
    )]
    HashcashTimeout(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub id: i64,
    pub number: String,
    pub push_mode: String,
}

/// Where the code Apple sent went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    TrustedDevices,
    Phone(Phone),
    /// Legacy two-step verification: a 4-digit code on this device.
    Device(two_factor::TrustedDevice),
}

impl Delivery {
    pub fn describe(&self) -> String {
        match self {
            Delivery::TrustedDevices => "Apple sent a code to your trusted devices".into(),
            Delivery::Phone(p) if p.push_mode == "voice" => {
                format!("Apple is calling {} with a code", p.number)
            }
            Delivery::Phone(p) => format!("Apple sent a code by SMS to {}", p.number),
            Delivery::Device(d) => format!(
                "this account uses Apple's old two-step verification: Apple sent a 4-digit code to {}",
                d.name
            ),
        }
    }
}

/// Why the code source is asked again (callers branch on this, never on text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Apple said the previous code was wrong.
    WrongCode,
    /// The text typed was not `length` digits.
    BadLength,
    /// Several numbers and no trusted device: a number must be chosen before a code is sent.
    ChooseNumber,
}

impl Retry {
    pub fn message(&self, length: usize) -> String {
        match self {
            Retry::WrongCode => SignInError::WrongCode.to_string(),
            Retry::BadLength => format!("the code is {length} digits"),
            Retry::ChooseNumber => "choose a number to receive the code".into(),
        }
    }
}

/// A question for whoever holds the code.
#[derive(Debug, Clone)]
pub struct CodeRequest {
    pub delivery: Delivery,
    pub phones: Vec<Phone>,
    pub length: usize,
    /// Set when this is not the first question.
    pub retry: Option<Retry>,
}

#[derive(Debug)]
pub enum CodeAnswer {
    Code(String),
    /// Ask Apple to send a code by SMS (or voice) to this trusted number instead.
    SendToPhone(i64),
    Cancel,
}

pub trait CodeSource {
    fn answer(&mut self, request: &CodeRequest) -> Result<CodeAnswer, SignInError>;
}

/// Progress lines: "Signing in…", "Verifying the code…".
pub trait Progress {
    fn step(&mut self, text: &str);
}

impl<F: FnMut(&str)> Progress for F {
    fn step(&mut self, text: &str) {
        self(text)
    }
}

#[derive(Debug)]
pub struct SignedIn {
    pub session: StoredSession,
    pub teams: Vec<Team>,
    pub account: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// Signed in, but something fastlane also tolerates went wrong (no team, trust refused).
    pub warnings: Vec<String>,
}

/// The warning for an account olympus knows but that is on no App Store Connect team.
pub const NO_TEAM: &str = "signed in, but this Apple ID is on no App Store Connect team: ask an Account Holder or Admin to invite it, then run `apple-conn session check`";

struct Flow<'a> {
    http: Client,
    ep: &'a Endpoints,
    widget_key: String,
    session_id: Option<String>,
    scnt: Option<String>,
    auth_attributes: Option<String>,
}

fn service_error(resp: &Response) -> (Option<String>, String) {
    let json = resp.json().unwrap_or(Value::Null);
    let list = json
        .get("serviceErrors")
        .or_else(|| json.get("service_errors"))
        .or_else(|| json.get("validationErrors"))
        .and_then(Value::as_array)
        .and_then(|a| a.first().cloned());
    let code = list
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(|c| {
            c.as_str()
                .map(|c| crate::one_line::cut(c, 40))
                .or_else(|| c.as_i64().map(|n| n.to_string()))
        })
        .or_else(|| {
            resp.header("X-Apple-I-Ercd")
                .map(|c| crate::one_line::cut(c, 40))
        });
    // Server text in a message: one line, bounded (issue 33).
    let message = crate::one_line::one_line(
        list.as_ref()
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    (code, message)
}

/// The errors every endpoint shares; 401/403 are never retried.
fn common_error(resp: &Response) -> SignInError {
    let (code, message) = service_error(resp);
    match resp.status {
        401 => SignInError::WrongPassword,
        403 => SignInError::Refused(match (&code, message.is_empty()) {
            (Some(c), false) => format!("403, {c}: {message}"),
            (Some(c), true) => format!("403, {c}"),
            (None, _) => "403".into(),
        }),
        412 => SignInError::Precondition,
        // Only a number is repeated: a Retry-After is server text (issue 33).
        429 => SignInError::RateLimited(
            resp.header("Retry-After")
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map(|s| format!(", retry after {s} s"))
                .unwrap_or_default(),
        ),
        s if s >= 500 => SignInError::Unavailable(s),
        s => SignInError::Protocol(format!(
            "HTTP {s}{}",
            code.map(|c| format!(
                " ({c}{})",
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            ))
            .unwrap_or_default()
        )),
    }
}

impl<'a> Flow<'a> {
    fn new(ep: &'a Endpoints) -> Self {
        Flow {
            http: Client::new(super::http::DEFAULT_TIMEOUT),
            ep,
            widget_key: ep.fallback_widget_key.clone(),
            session_id: None,
            scnt: None,
            auth_attributes: None,
        }
    }

    fn auth_headers(&self, accept: &str) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("X-Apple-Widget-Key", self.widget_key.clone()),
            ("Accept", accept.to_string()),
        ];
        if let Some(s) = &self.session_id {
            h.push(("X-Apple-ID-Session-Id", s.clone()));
        }
        if let Some(s) = &self.scnt {
            h.push(("scnt", s.clone()));
        }
        if let Some(s) = &self.auth_attributes {
            h.push(("X-Apple-Auth-Attributes", s.clone()));
        }
        h
    }

    /// After each response the newest session headers replace the stored ones (§6).
    fn remember(&mut self, resp: &Response) {
        if let Some(v) = resp.header("X-Apple-ID-Session-Id") {
            self.session_id = Some(v.to_string());
        }
        if let Some(v) = resp.header("scnt") {
            self.scnt = Some(v.to_string());
        }
        if let Some(v) = resp.header("X-Apple-Auth-Attributes") {
            self.auth_attributes = Some(v.to_string());
        }
    }

    fn auth(
        &mut self,
        method: &str,
        path: &str,
        accept: &str,
        body: Option<&Value>,
        extra: &[(&'static str, String)],
    ) -> Result<Response, SignInError> {
        let url = format!("{}{path}", self.ep.auth);
        let mut headers = self.auth_headers(accept);
        headers.extend_from_slice(extra);
        let resp = self.http.send(method, &url, &headers, body)?;
        self.remember(&resp);
        if is_outage_page(&resp) {
            return Err(SignInError::Unavailable(503));
        }
        Ok(resp)
    }

    fn widget_key(&mut self) -> Result<(), SignInError> {
        let url = format!(
            "{}/olympus/v1/app/config?hostname=itunesconnect.apple.com",
            self.ep.olympus
        );
        let resp = self
            .http
            .send("GET", &url, &[("Accept", "application/json".into())], None)?;
        if is_outage_page(&resp) {
            return Err(SignInError::Unavailable(503));
        }
        if resp.status == 200
            && let Some(key) = resp
                .json()
                .and_then(|j| j["authServiceKey"].as_str().map(str::to_string))
            && !key.is_empty()
        {
            self.widget_key = key;
        }
        // 404 or an empty key: the documented constant (fastlane#30199).
        Ok(())
    }

    fn hashcash(&mut self) -> Result<Option<String>, SignInError> {
        let path = format!("/signin?widgetKey={}", self.widget_key);
        let resp = self.auth("GET", &path, "text/html", None, &[])?;
        let bits = resp
            .header("X-Apple-HC-Bits")
            .and_then(|b| b.trim().parse::<u32>().ok());
        let challenge = resp.header("X-Apple-HC-Challenge").map(str::to_string);
        match (bits, challenge) {
            (Some(bits), Some(_)) if bits > hashcash::MAX_BITS => {
                Err(SignInError::HashcashTooHard(bits))
            }
            (Some(bits), Some(ch)) => {
                // Apple judges the stamp's date by its own clock: the real time, never `--now`.
                let date = Utc::now().format("%Y%m%d%H%M%S").to_string();
                hashcash::stamp_within(bits, &ch, &date, hashcash::TIME_LIMIT)
                    .map(Some)
                    .ok_or(SignInError::HashcashTimeout(bits))
            }
            _ => Ok(None),
        }
    }

    fn srp(
        &mut self,
        apple_id: &str,
        password: &SecretValue,
        hc: Option<String>,
    ) -> Result<u16, SignInError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let eph = srp::new_ephemeral().map_err(SignInError::Protocol)?;
        let xrw = [("X-Requested-With", "XMLHttpRequest".to_string())];
        let init = self.auth(
            "POST",
            "/signin/init",
            "application/json, text/javascript",
            Some(&json!({"a": b64.encode(&eph.a_pub), "accountName": apple_id, "protocols": ["s2k", "s2k_fo"]})),
            &xrw,
        )?;
        if init.status != 200 {
            return Err(common_error(&init));
        }
        let j = init
            .json()
            .ok_or_else(|| SignInError::Protocol("signin/init did not answer JSON".into()))?;
        if j.get("serviceErrors").is_some() || j.get("service_errors").is_some() {
            let (code, message) = service_error(&init);
            return Err(SignInError::Protocol(format!(
                "signin/init: {} {message}",
                code.unwrap_or_default()
            )));
        }
        let field = |name: &str| {
            j.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| SignInError::Protocol(format!("signin/init has no `{name}`")))
        };
        let salt = b64
            .decode(field("salt")?)
            .map_err(|_| SignInError::Protocol("bad salt".into()))?;
        let b_pub = b64
            .decode(field("b")?)
            .map_err(|_| SignInError::Protocol("bad b".into()))?;
        let c = field("c")?.to_string();
        let protocol = srp::Protocol::parse(field("protocol")?)
            .ok_or_else(|| SignInError::Protocol("unknown password protocol".into()))?;
        let iterations = iterations::from_init(&j)?;
        let key = srp::derive_password(password.expose(), &salt, iterations, protocol);
        let proof = srp::proof(&eph, apple_id, key.as_ref(), &salt, &b_pub)
            .map_err(SignInError::Protocol)?;
        let mut extra = xrw.to_vec();
        if let Some(hc) = hc {
            extra.push(("X-Apple-HC", hc));
        }
        // M1 and M2 test a password guess: the body that carries them is wiped after it is sent.
        let ct = |bytes: &[u8]| -> String {
            use base64ct::Encoding;
            base64ct::Base64::encode_string(bytes)
        };
        let mut body = json!({"accountName": apple_id, "c": c, "m1": ct(&proof.m1), "m2": ct(&proof.m2), "rememberMe": false});
        let complete = self.auth(
            "POST",
            "/signin/complete?isRememberMeEnabled=false",
            "application/json, text/javascript",
            Some(&body),
            &extra,
        );
        crate::secrets::wipe_json(&mut body);
        let complete = complete?;
        match complete.status {
            200 | 409 => Ok(complete.status),
            // client.rb:618: 412 with a known authType may be "upgrade two-factor later".
            412 if upgrade_later::applies(&complete) => {
                if self.upgrade_later(&complete)? {
                    Ok(200)
                } else {
                    Err(SignInError::Precondition)
                }
            }
            _ => Err(common_error(&complete)),
        }
    }

    /// two_step_or_factor_client.rb:366 `store_session`: the trust answer is ignored ("we don't
    /// really care"), so a refusal is a warning and the session is kept.
    fn trust(&mut self) -> Option<String> {
        match self.auth("GET", "/2sv/trust", "application/json", None, &[]) {
            Ok(resp) if (200..300).contains(&resp.status) => None,
            Ok(resp) => Some(format!(
                "Apple did not trust this session (HTTP {}): the session works now, but the next sign-in will ask for a code again",
                resp.status
            )),
            Err(e) => Some(format!(
                "Apple did not trust this session ({e}): the session works now, but the next sign-in will ask for a code again"
            )),
        }
    }
}

/// What a sign-in needs besides the account: where the code goes and the instant it runs at.
pub struct Ask<'a> {
    pub sms: Option<i64>,
    pub codes: &'a mut dyn CodeSource,
    pub progress: &'a mut dyn Progress,
    /// The caller's clock (`--now`, the harness): stamps the session and judges stored cookies.
    pub now: DateTime<Utc>,
}

/// Signs in; asks `codes` for the 2FA code when Apple wants one. Marks nothing by itself:
/// the caller records the session only when this returns Ok.
pub fn sign_in(
    ep: &Endpoints,
    apple_id: &str,
    password: &SecretValue,
    previous: Option<&StoredSession>,
    ask: Ask<'_>,
) -> Result<SignedIn, SignInError> {
    let Ask {
        sms,
        codes,
        progress,
        now,
    } = ask;
    let mut flow = Flow::new(ep);
    // A still-valid DES trust cookie lets Apple skip the code (200 instead of 409).
    if let Some(prev) = previous {
        load_cookies(&mut flow.http, prev, ep, now);
    }
    let status = flow.password_step(apple_id, password, progress)?;
    let mut warnings = Vec::new();
    if status == 409 {
        flow.second_factor(sms, codes, progress)?;
        progress.step("Trusting this session…");
        warnings.extend(flow.trust());
    }
    flow.finish(warnings, progress, now)
}

impl Flow<'_> {
    /// Widget key, hashcash, SRP: 200 (signed in) or 409 (a second factor is needed).
    fn password_step(
        &mut self,
        apple_id: &str,
        password: &SecretValue,
        progress: &mut dyn Progress,
    ) -> Result<u16, SignInError> {
        progress.step("Contacting Apple…");
        self.widget_key()?;
        let hc = self.hashcash()?;
        progress.step("Signing in…");
        self.srp(apple_id, password, hc)
    }

    /// The olympus check and the cookies; client.rb:605-612 ignores a session without provider.
    fn finish(
        mut self,
        mut warnings: Vec<String>,
        progress: &mut dyn Progress,
        now: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        progress.step("Checking the session…");
        let olympus = olympus_session(&mut self.http, self.ep)?;
        if !olympus.on_team {
            warnings.push(NO_TEAM.to_string());
        }
        let session = StoredSession {
            version: 1,
            created_at: now,
            cookies: export_cookies(&self.http, now),
        };
        let expires_at = session.trust_expires_at();
        Ok(SignedIn {
            session,
            teams: olympus.teams,
            account: olympus.account,
            expires_at,
            warnings,
        })
    }
}

/// fastlane client.rb:1062: Apple's 503 page can arrive inside a 200.
fn is_outage_page(resp: &Response) -> bool {
    resp.body
        .contains("<title>503 Service Temporarily Unavailable</title>")
        || resp
            .body
            .contains("<h1>503 Service Temporarily Unavailable</h1>")
}

struct Olympus {
    account: String,
    teams: Vec<Team>,
    /// olympus answered 200 with a `provider`.
    on_team: bool,
}

/// `GET {olympus}/olympus/v1/session`: valid means 200 with a `provider`.
fn olympus_session(http: &mut Client, ep: &Endpoints) -> Result<Olympus, SignInError> {
    let url = format!("{}/olympus/v1/session", ep.olympus);
    let resp = http.send("GET", &url, &[("Accept", "application/json".into())], None)?;
    if is_outage_page(&resp) {
        return Err(SignInError::Unavailable(503));
    }
    let j = resp.json().unwrap_or(Value::Null);
    match resp.status {
        200 => {}
        401 | 403 => {
            return Err(SignInError::Protocol(
                "Apple did not accept the session (olympus/v1/session answered 401/403)".into(),
            ));
        }
        _ => return Err(common_error(&resp)),
    }
    let account = crate::one_line::one_line(j["user"]["emailAddress"].as_str().unwrap_or_default());
    let mut teams: Vec<Team> = j["availableProviders"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    let id = p["providerId"]
                        .as_i64()
                        .map(|n| n.to_string())
                        .or_else(|| p["providerId"].as_str().map(str::to_string))?;
                    Some(Team {
                        id: crate::one_line::cut(&id, 64),
                        name: crate::one_line::one_line(p["name"].as_str().unwrap_or_default()),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Olympus {
        account,
        teams,
        on_team: j["provider"].is_object(),
    })
}

#[derive(Debug)]
pub struct SessionInfo {
    pub account: String,
    pub teams: Vec<Team>,
}

/// Asks olympus whether a stored session is alive (`session check`, the connection test).
pub fn check_session(
    ep: &Endpoints,
    session: &StoredSession,
    now: DateTime<Utc>,
) -> Result<Option<SessionInfo>, SignInError> {
    let mut http = Client::new(super::http::DEFAULT_TIMEOUT);
    load_cookies(&mut http, session, ep, now);
    // client.rb `has_valid_session` → `fetch_olympus_session`: valid means a provider.
    match olympus_session(&mut http, ep) {
        Ok(o) if o.on_team => Ok(Some(SessionInfo {
            account: o.account,
            teams: o.teams,
        })),
        Ok(_) => Ok(None),
        Err(SignInError::Protocol(_))
        | Err(SignInError::WrongPassword)
        | Err(SignInError::Refused(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The longest life a cookie may claim (RFC 6265bis: 400 days).
const MAX_COOKIE_AGE: i64 = 400 * 24 * 3600;

/// The jar's cookies; a `Max-Age` cookie ends `max_age` after `now` (the jar counts from the real time).
fn export_cookies(http: &Client, now: DateTime<Utc>) -> Vec<StoredCookie> {
    http.jar
        .iter_unexpired()
        .map(|c| {
            let (domain, for_domain) = match &c.domain {
                cookie_store::CookieDomain::HostOnly(d) => (d.clone(), false),
                cookie_store::CookieDomain::Suffix(d) => (d.clone(), true),
                _ => (String::new(), false),
            };
            let max_age = c.max_age().map(|d| d.whole_seconds());
            let expires = match (max_age, &c.expires) {
                // Bounded: a server's Max-Age of i64::MAX must neither panic nor wrap (issue 33);
                // RFC 6265bis §5.5 caps a cookie's life at 400 days.
                (Some(age), _) => chrono::Duration::try_seconds(age.clamp(0, MAX_COOKIE_AGE))
                    .and_then(|d| now.checked_add_signed(d)),
                (None, cookie_store::CookieExpiration::AtUtc(t)) => {
                    DateTime::from_timestamp(t.unix_timestamp(), 0)
                }
                (None, cookie_store::CookieExpiration::SessionEnd) => None,
            };
            StoredCookie {
                name: c.name().to_string(),
                value: c.value().to_string(),
                domain,
                path: String::from(c.path.clone()),
                secure: c.secure().unwrap_or(false),
                httponly: c.http_only().unwrap_or(false),
                for_domain,
                expires,
                max_age,
            }
        })
        .collect()
}

/// Puts stored cookies back into a jar, for the hosts they belong to (or the override's host).
fn load_cookies(http: &mut Client, session: &StoredSession, ep: &Endpoints, now: DateTime<Utc>) {
    // RFC 6265 matching: a cookie goes only to hosts its domain matches (Apple's also to a loopback override).
    super::session::load_into(&mut http.jar, session, &[&ep.auth, &ep.olympus], now);
}
