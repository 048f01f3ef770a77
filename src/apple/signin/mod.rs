//! Apple's web sign-in, as fastlane's spaceauth does it: widget key, hashcash, SRP, two-factor,
//! trust, olympus session. One cookie jar across the flow; `X-Apple-ID-Session-Id` and `scnt` echoed.

pub mod hashcash;
pub mod srp;

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
pub const DEFAULT_AUTH: &str = "https://idmsa.apple.com";
pub const DEFAULT_OLYMPUS: &str = "https://appstoreconnect.apple.com";

#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `{auth}`: e.g. https://idmsa.apple.com/appleauth/auth
    pub auth: String,
    /// `{olympus}`: e.g. https://appstoreconnect.apple.com
    pub olympus: String,
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
                fallback_widget_key,
            }),
            Some(url) => {
                let base = check_base_url(url)?;
                let root = base.as_str().trim_end_matches('/').to_string();
                Ok(Endpoints {
                    auth: format!("{root}/appleauth/auth"),
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
}

impl Delivery {
    pub fn describe(&self) -> String {
        match self {
            Delivery::TrustedDevices => "Apple sent a code to your trusted devices".into(),
            Delivery::Phone(p) if p.push_mode == "voice" => {
                format!("Apple is calling {} with a code", p.number)
            }
            Delivery::Phone(p) => format!("Apple sent a code by SMS to {}", p.number),
        }
    }
}

/// A question for whoever holds the code.
#[derive(Debug, Clone)]
pub struct CodeRequest {
    pub delivery: Delivery,
    pub phones: Vec<Phone>,
    pub length: usize,
    /// Set when the previous code was wrong.
    pub retry: Option<String>,
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
}

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
                .map(str::to_string)
                .or_else(|| c.as_i64().map(|n| n.to_string()))
        })
        .or_else(|| resp.header("X-Apple-I-Ercd").map(str::to_string));
    let message = list
        .as_ref()
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
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
        429 => SignInError::RateLimited(
            resp.header("Retry-After")
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
        Ok(match (bits, challenge) {
            (Some(bits), Some(ch)) if bits <= 32 => {
                let date = Utc::now().format("%Y%m%d%H%M%S").to_string();
                Some(hashcash::stamp(bits, &ch, &date))
            }
            _ => None,
        })
    }

    fn srp(
        &mut self,
        apple_id: &str,
        password: &SecretValue,
        hc: Option<String>,
    ) -> Result<u16, SignInError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let eph = srp::new_ephemeral();
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
        let iterations = j
            .get("iteration")
            .and_then(Value::as_u64)
            .filter(|n| (1..=10_000_000).contains(n))
            .ok_or_else(|| SignInError::Protocol("signin/init has no usable `iteration`".into()))?
            as u32;
        let key = srp::derive_password(password.expose(), &salt, iterations, protocol);
        let proof = srp::proof(&eph, apple_id, key.as_ref(), &salt, &b_pub)
            .map_err(SignInError::Protocol)?;
        let mut extra = xrw.to_vec();
        if let Some(hc) = hc {
            extra.push(("X-Apple-HC", hc));
        }
        let complete = self.auth(
            "POST",
            "/signin/complete?isRememberMeEnabled=false",
            "application/json, text/javascript",
            Some(&json!({"accountName": apple_id, "c": c, "m1": b64.encode(&proof.m1), "m2": b64.encode(&proof.m2), "rememberMe": false})),
            &extra,
        )?;
        match complete.status {
            200 | 409 => Ok(complete.status),
            _ => Err(common_error(&complete)),
        }
    }

    fn two_factor(
        &mut self,
        sms: Option<i64>,
        codes: &mut dyn CodeSource,
        progress: &mut dyn Progress,
    ) -> Result<(), SignInError> {
        let resp = self.auth("GET", "", "application/json", None, &[])?;
        if resp.status != 200 {
            return Err(common_error(&resp));
        }
        let j = resp
            .json()
            .ok_or_else(|| SignInError::Protocol("the 2FA options are not JSON".into()))?;
        let sc = &j["securityCode"];
        if sc["securityCodeLocked"].as_bool() == Some(true)
            || sc["tooManyCodesSent"].as_bool() == Some(true)
        {
            return Err(SignInError::CodesLocked);
        }
        let length = sc["length"].as_u64().unwrap_or(6) as usize;
        let phones: Vec<Phone> = j["trustedPhoneNumbers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| {
                        Some(Phone {
                            id: p["id"].as_i64()?,
                            number: p["numberWithDialCode"]
                                .as_str()
                                .or(p["obfuscatedNumber"].as_str())
                                .unwrap_or("?")
                                .replace('\u{a0}', " "),
                            push_mode: p["pushMode"].as_str().unwrap_or("sms").to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let no_devices = j["noTrustedDevices"].as_bool() == Some(true);
        let mut delivery = if let Some(id) = sms {
            Delivery::Phone(self.request_phone_code(&phones, id)?)
        } else if no_devices {
            match phones.as_slice() {
                // One number and no device: Apple already sent the SMS; asking again would lock codes.
                [only] => Delivery::Phone(only.clone()),
                [] => {
                    return Err(SignInError::Protocol(
                        "no trusted device and no trusted phone number".into(),
                    ));
                }
                _ => {
                    let first = phones[0].id;
                    let mut request = CodeRequest {
                        delivery: Delivery::TrustedDevices,
                        phones: phones.clone(),
                        length,
                        retry: None,
                    };
                    request.retry = Some("choose a number to receive the code".into());
                    match codes.answer(&request)? {
                        CodeAnswer::SendToPhone(id) => {
                            Delivery::Phone(self.request_phone_code(&phones, id)?)
                        }
                        CodeAnswer::Cancel => return Err(SignInError::Cancelled),
                        CodeAnswer::Code(_) => {
                            Delivery::Phone(self.request_phone_code(&phones, first)?)
                        }
                    }
                }
            }
        } else {
            Delivery::TrustedDevices
        };
        let mut retry = None;
        loop {
            let request = CodeRequest {
                delivery: delivery.clone(),
                phones: phones.clone(),
                length,
                retry: retry.take(),
            };
            let code = match codes.answer(&request)? {
                CodeAnswer::Cancel => return Err(SignInError::Cancelled),
                CodeAnswer::SendToPhone(id) => {
                    delivery = Delivery::Phone(self.request_phone_code(&phones, id)?);
                    continue;
                }
                CodeAnswer::Code(c) => c.trim().to_string(),
            };
            if code.len() != length || !code.chars().all(|c| c.is_ascii_digit()) {
                retry = Some(format!("the code is {length} digits"));
                continue;
            }
            progress.step("Verifying the code…");
            let resp = match &delivery {
                Delivery::TrustedDevices => self.auth(
                    "POST",
                    "/verify/trusteddevice/securitycode",
                    "application/json",
                    Some(&json!({"securityCode": {"code": code}})),
                    &[],
                )?,
                Delivery::Phone(p) => self.auth(
                    "POST",
                    "/verify/phone/securitycode",
                    "application/json",
                    Some(&json!({"securityCode": {"code": code}, "phoneNumber": {"id": p.id}, "mode": p.push_mode})),
                    &[],
                )?,
            };
            if (200..300).contains(&resp.status) {
                return Ok(());
            }
            let body = resp.json().unwrap_or(Value::Null);
            if body["securityCodeLocked"].as_bool() == Some(true)
                || body["accountLocked"].as_bool() == Some(true)
            {
                return Err(SignInError::CodesLocked);
            }
            match resp.status {
                400 | 401 => retry = Some(SignInError::WrongCode.to_string()),
                _ => return Err(common_error(&resp)),
            }
        }
    }

    fn request_phone_code(&mut self, phones: &[Phone], id: i64) -> Result<Phone, SignInError> {
        let phone = phones.iter().find(|p| p.id == id).cloned().ok_or_else(|| {
            SignInError::NoCodeSource(format!(
                "there is no trusted number with id {id}; the numbers are: {}",
                phones
                    .iter()
                    .map(|p| format!("{} {}", p.id, p.number))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let resp = self.auth(
            "PUT",
            "/verify/phone",
            "application/json",
            Some(&json!({"phoneNumber": {"id": phone.id}, "mode": phone.push_mode})),
            &[],
        )?;
        if !(200..300).contains(&resp.status) {
            let (code, _) = service_error(&resp);
            if code.as_deref() == Some("-28248") {
                return Err(SignInError::Protocol(format!(
                    "verification codes can't be sent to {} at this time (-28248): use another number or a trusted device",
                    phone.number
                )));
            }
            return Err(common_error(&resp));
        }
        Ok(phone)
    }

    fn trust(&mut self) -> Result<(), SignInError> {
        let resp = self.auth("GET", "/2sv/trust", "application/json", None, &[])?;
        if (200..300).contains(&resp.status) {
            Ok(())
        } else {
            Err(common_error(&resp))
        }
    }
}

/// Signs in; asks `codes` for the 2FA code when Apple wants one. Marks nothing by itself:
/// the caller records the session only when this returns Ok.
pub fn sign_in(
    ep: &Endpoints,
    apple_id: &str,
    password: &SecretValue,
    previous: Option<&StoredSession>,
    sms: Option<i64>,
    codes: &mut dyn CodeSource,
    progress: &mut dyn Progress,
) -> Result<SignedIn, SignInError> {
    let mut flow = Flow::new(ep);
    // A still-valid DES trust cookie lets Apple skip the code (200 instead of 409).
    if let Some(prev) = previous {
        load_cookies(&mut flow.http, prev, ep);
    }
    progress.step("Contacting Apple…");
    flow.widget_key()?;
    let hc = flow.hashcash()?;
    progress.step("Signing in…");
    let status = flow.srp(apple_id, password, hc)?;
    if status == 409 {
        flow.two_factor(sms, codes, progress)?;
        progress.step("Trusting this session…");
        flow.trust()?;
    }
    progress.step("Checking the session…");
    let (account, teams) = olympus_session(&mut flow.http, ep)?;
    let now = Utc::now();
    let session = StoredSession {
        version: 1,
        created_at: now,
        cookies: export_cookies(&flow.http),
    };
    let expires_at = session.trust_expires_at();
    Ok(SignedIn {
        session,
        teams,
        account,
        expires_at,
    })
}

/// `GET {olympus}/olympus/v1/session`: valid means 200 with a `provider`.
fn olympus_session(http: &mut Client, ep: &Endpoints) -> Result<(String, Vec<Team>), SignInError> {
    let url = format!("{}/olympus/v1/session", ep.olympus);
    let resp = http.send("GET", &url, &[("Accept", "application/json".into())], None)?;
    let j = resp.json().unwrap_or(Value::Null);
    if resp.status != 200 || !j["provider"].is_object() {
        return Err(match resp.status {
            200 | 401 | 403 => SignInError::Protocol(
                "Apple did not accept the new session (no provider in olympus/v1/session)".into(),
            ),
            _ => common_error(&resp),
        });
    }
    let account = j["user"]["emailAddress"]
        .as_str()
        .unwrap_or_default()
        .to_string();
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
                        id,
                        name: p["name"].as_str().unwrap_or_default().to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((account, teams))
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
) -> Result<Option<SessionInfo>, SignInError> {
    let mut http = Client::new(super::http::DEFAULT_TIMEOUT);
    load_cookies(&mut http, session, ep);
    match olympus_session(&mut http, ep) {
        Ok((account, teams)) => Ok(Some(SessionInfo { account, teams })),
        Err(SignInError::Protocol(_))
        | Err(SignInError::WrongPassword)
        | Err(SignInError::Refused(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn export_cookies(http: &Client) -> Vec<StoredCookie> {
    http.jar
        .iter_unexpired()
        .map(|c| {
            let (domain, for_domain) = match &c.domain {
                cookie_store::CookieDomain::HostOnly(d) => (d.clone(), false),
                cookie_store::CookieDomain::Suffix(d) => (d.clone(), true),
                _ => (String::new(), false),
            };
            let expires = match c.expires {
                cookie_store::CookieExpiration::AtUtc(t) => {
                    DateTime::from_timestamp(t.unix_timestamp(), 0)
                }
                cookie_store::CookieExpiration::SessionEnd => None,
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
                max_age: c.max_age().map(|d| d.whole_seconds()),
            }
        })
        .collect()
}

/// Puts stored cookies back into a jar, for the hosts they belong to (or the override's host).
fn load_cookies(http: &mut Client, session: &StoredSession, ep: &Endpoints) {
    let hosts: Vec<url::Url> = [&ep.auth, &ep.olympus]
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .collect();
    for c in &session.cookies {
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
        let domain = c.domain.trim_start_matches('.');
        if c.for_domain && domain.contains('.') && domain.parse::<std::net::IpAddr>().is_err() {
            set.push_str(&format!("; Domain={domain}"));
        }
        let scheme = if c.secure { "https" } else { "http" };
        let own = url::Url::parse(&format!("{scheme}://{domain}/")).ok();
        // A cookie of Apple's host can't be replayed to a loopback override: give it the override's host.
        let target = own
            .filter(|_| {
                hosts.iter().any(|h| {
                    h.host_str()
                        .is_some_and(|hh| hh == domain || hh.ends_with(&format!(".{domain}")))
                })
            })
            .or_else(|| hosts.first().cloned());
        if let Some(url) = target {
            let _ = http.jar.parse(&set, &url);
        }
    }
}
