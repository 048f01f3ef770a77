//! The few KV v2 calls apple-conn makes (blocking ureq), and answers turned into errors a team can act on.

use std::time::Duration;

use serde_json::{Map, Value, json};
use url::Url;

use super::config::VaultConfig;
use crate::secrets::{SecretError, SecretValue};

const TIMEOUT: Duration = Duration::from_secs(10);
/// A KV answer holding a key or a session is a few KB; anything past this is not one.
const BODY_LIMIT: u64 = 1024 * 1024;

/// The latest version of one secret: `version` 0 means it never existed (cas = 0 creates it).
#[derive(Clone)]
pub struct Current {
    pub data: Option<Map<String, Value>>,
    pub version: u64,
}

pub enum WriteError {
    /// Someone else wrote since we read: re-read and decide.
    Conflict,
    Other(SecretError),
}

#[derive(Clone, Copy)]
pub enum Op {
    Read,
    Write {
        exists: bool,
    },
    Delete,
    /// Reading or recording the owners in the entry's metadata.
    Metadata,
}

impl Op {
    fn capability(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write { exists: false } => "create",
            Op::Write { exists: true } => "update",
            Op::Delete => "delete",
            Op::Metadata => "patch",
        }
    }
}

pub struct Client {
    agent: ureq::Agent,
    base: Url,
    token: SecretValue,
    namespace: Option<String>,
    pub mount: String,
    prefix: String,
    /// What to set when the server's certificate is refused (depends on who chose the address).
    ca_hint: &'static str,
}

struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn errors(&self) -> String {
        self.body
            .get("errors")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| crate::secrets::vault::one_line(s, 300))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }
}

/// `<base>/v1/<segments…>`: each `/`-separated part one URL path segment (percent-encoded by url).
pub fn api_url(base: &Url, segments: &[&str], query: Option<&str>) -> Option<Url> {
    let mut url = base.clone();
    {
        let mut path = url.path_segments_mut().ok()?;
        path.pop_if_empty().push("v1");
        for s in segments {
            for part in s.split('/').filter(|p| !p.is_empty()) {
                path.push(part);
            }
        }
    }
    url.set_query(query);
    Some(url)
}

/// The PEM of a CA file (capped: a CA bundle is a few KB).
pub fn read_ca(ca: &std::path::Path) -> Result<String, SecretError> {
    crate::store::files::read_text_capped(ca, 1024 * 1024, "CA certificate").map_err(|e| {
        SecretError::Unavailable(format!(
            "cannot read the vault CA certificate {} ({e}): fix [settings.vault] ca_cert or VAULT_CACERT",
            ca.display()
        ))
    })
}

impl Client {
    pub fn new(cfg: &VaultConfig) -> Result<Client, SecretError> {
        let mut builder = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent("apple-conn");
        if let Some(ca) = &cfg.ca_cert {
            // The file's CA was read once, and judged as read (`ca_pem`); the host's is read here.
            let pem = match &cfg.ca_pem {
                Some(pem) => pem.clone(),
                None => read_ca(ca)?,
            };
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem.as_bytes())
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(SecretError::Unavailable(format!(
                    "{} holds no PEM certificate: point ca_cert / VAULT_CACERT at the CA that signed the vault's certificate",
                    ca.display()
                )));
            }
            builder = builder.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)))
                    .build(),
            );
        }
        Ok(Client {
            agent: builder.build().into(),
            base: cfg.address.clone(),
            token: cfg.token.clone(),
            namespace: cfg.namespace.clone(),
            mount: cfg.mount.clone(),
            prefix: cfg.prefix.clone(),
            ca_hint: if cfg.address_from_file {
                "point [settings.vault] ca_cert or VAULT_CACERT at the CA that signed its certificate"
            } else {
                "point VAULT_CACERT at the CA that signed its certificate ([settings.vault] ca_cert applies only to an address the trusted workspace file names: a shared file never replaces this host's roots for a server the host chose)"
            },
        })
    }

    pub fn address(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    fn url(&self, segments: &[&str], query: Option<&str>) -> Result<Url, SecretError> {
        api_url(&self.base, segments, query)
            .ok_or_else(|| SecretError::Failed(format!("{} cannot take a path", self.address())))
    }

    fn call(
        &self,
        method: &str,
        segments: &[&str],
        query: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Reply, SecretError> {
        self.send(method, segments, query, body, "application/json")
    }

    fn call_as(
        &self,
        method: &str,
        segments: &[&str],
        body: Option<&Value>,
        content_type: &str,
    ) -> Result<Reply, SecretError> {
        self.send(method, segments, None, body, content_type)
    }

    fn send(
        &self,
        method: &str,
        segments: &[&str],
        query: Option<&str>,
        body: Option<&Value>,
        content_type: &str,
    ) -> Result<Reply, SecretError> {
        let url = self.url(segments, query)?;
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .header("X-Vault-Token", self.token.expose())
            .header("X-Vault-Request", "true");
        if let Some(ns) = &self.namespace {
            req = req.header("X-Vault-Namespace", ns.as_str());
        }
        // Request and answer texts carry secrets (a write's data, a read's): wiped once used.
        let payload = body.map(crate::secrets::secret_json).unwrap_or_default();
        if body.is_some() {
            req = req.header("Content-Type", content_type);
        }
        let req = req
            .body(payload.as_bytes())
            .map_err(|e| SecretError::Failed(format!("vault request: {e}")))?;
        let mut response = self.agent.run(req).map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_string()
            .map(zeroize::Zeroizing::new)
            .map_err(|e| {
                SecretError::Unavailable(format!(
                    "the vault at {} sent an unreadable answer ({e})",
                    self.address()
                ))
            })?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Ok(Reply { status, body })
    }

    fn unreachable(&self, e: ureq::Error) -> SecretError {
        if let Some(why) = crate::net::tls_refusal(&e) {
            return SecretError::Unavailable(format!(
                "the vault at {} is not trusted: {why}; {}",
                self.address(),
                self.ca_hint
            ));
        }
        let detail = match &e {
            ureq::Error::Timeout(_) => format!("no answer within {} s", TIMEOUT.as_secs()),
            ureq::Error::HostNotFound => "the name does not resolve".into(),
            other => other.to_string(),
        };
        SecretError::Unavailable(format!(
            "cannot reach the vault at {} ({detail}): check VAULT_ADDR and that the server is running",
            self.address()
        ))
    }

    /// The full API path of a secret, as policies name it: `secret/data/apple-conn/...`.
    pub fn data_path(&self, path: &str) -> String {
        format!("{}/data/{path}", self.mount)
    }

    pub fn read(&self, path: &str) -> Result<Current, SecretError> {
        let reply = self.call("GET", &[&self.mount, "data", path], None, None)?;
        let version = reply
            .body
            .pointer("/data/metadata/version")
            .and_then(Value::as_u64);
        match reply.status {
            200 => {
                let data = reply
                    .body
                    .pointer("/data/data")
                    .and_then(Value::as_object)
                    .cloned();
                match (data, version) {
                    (Some(d), Some(v)) => Ok(Current {
                        data: Some(d),
                        version: v,
                    }),
                    _ => Err(self.not_kv2_or(path, "an answer that is not KV version 2")),
                }
            }
            // A deleted latest version still tells its number: cas must name it.
            404 if reply.errors().is_empty() => match version {
                Some(v) => Ok(Current {
                    data: None,
                    version: v,
                }),
                None => {
                    self.ensure_kv2()?;
                    Ok(Current {
                        data: None,
                        version: 0,
                    })
                }
            },
            _ => Err(self.failure(&reply, path, Op::Read)),
        }
    }

    pub fn write(
        &self,
        path: &str,
        data: &Map<String, Value>,
        cas: u64,
    ) -> Result<u64, WriteError> {
        let body = json!({ "options": { "cas": cas }, "data": data });
        let reply = self
            .call("POST", &[&self.mount, "data", path], None, Some(&body))
            .map_err(WriteError::Other)?;
        match reply.status {
            200 => reply
                .body
                .pointer("/data/version")
                .and_then(Value::as_u64)
                .ok_or_else(|| {
                    WriteError::Other(self.not_kv2_or(path, "an answer that is not KV version 2"))
                }),
            400 if reply.errors().contains("check-and-set") => Err(WriteError::Conflict),
            _ => Err(WriteError::Other(self.failure(
                &reply,
                path,
                Op::Write { exists: cas > 0 },
            ))),
        }
    }

    /// Soft-deletes the latest version (the team policy on `…/data/…` allows it; history stays).
    pub fn delete(&self, path: &str) -> Result<(), SecretError> {
        let reply = self.call("DELETE", &[&self.mount, "data", path], None, None)?;
        match reply.status {
            200 | 204 => Ok(()),
            404 if reply.errors().is_empty() => Ok(()),
            _ => Err(self.failure(&reply, path, Op::Delete)),
        }
    }

    /// Soft-deletes exactly these versions (`POST <mount>/delete/<path>`): a later one stays.
    /// False when the token may not (a policy on `<mount>/data/…` only).
    pub fn delete_versions(&self, path: &str, versions: &[u64]) -> Result<bool, SecretError> {
        let body = json!({ "versions": versions });
        let reply = self.call("POST", &[&self.mount, "delete", path], None, Some(&body))?;
        match reply.status {
            200 | 204 => Ok(true),
            404 if reply.errors().is_empty() => Ok(true),
            403 => Ok(false),
            _ => Err(self.failure(&reply, path, Op::Delete)),
        }
    }

    /// The entry's `custom_metadata` (KV v2 metadata, where owners are recorded); None when the
    /// path has no metadata (never written).
    pub fn custom_metadata(&self, path: &str) -> Result<Option<Map<String, Value>>, SecretError> {
        let reply = self.call("GET", &[&self.mount, "metadata", path], None, None)?;
        match reply.status {
            200 => Ok(Some(
                reply
                    .body
                    .pointer("/data/custom_metadata")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            )),
            404 if reply.errors().is_empty() => Ok(None),
            _ => Err(self.failure(&reply, path, Op::Metadata)),
        }
    }

    /// Sets (a string) or removes (null) single `custom_metadata` keys by a JSON merge patch, so
    /// two workspaces adding themselves at once do not overwrite each other's key.
    pub fn patch_custom_metadata(
        &self,
        path: &str,
        keys: &Map<String, Value>,
    ) -> Result<(), SecretError> {
        let body = json!({ "custom_metadata": keys });
        let reply = self.call_as(
            "PATCH",
            &[&self.mount, "metadata", path],
            Some(&body),
            "application/merge-patch+json",
        )?;
        match reply.status {
            200 | 204 => Ok(()),
            _ => Err(self.failure(&reply, path, Op::Metadata)),
        }
    }

    /// Undeletes soft-deleted versions (a last owner's delete that raced with a new owner).
    pub fn undelete(&self, path: &str, versions: &[u64]) -> Result<(), SecretError> {
        let body = json!({ "versions": versions });
        let reply = self.call("POST", &[&self.mount, "undelete", path], None, Some(&body))?;
        match reply.status {
            200 | 204 => Ok(()),
            _ => Err(self.failure(&reply, path, Op::Write { exists: true })),
        }
    }

    /// The keys directly below `path` (folders end in `/`); none when there is nothing.
    pub fn list(&self, path: &str) -> Result<Vec<String>, SecretError> {
        let reply = self.call(
            "GET",
            &[&self.mount, "metadata", path],
            Some("list=true"),
            None,
        )?;
        match reply.status {
            200 => Ok(reply
                .body
                .pointer("/data/keys")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()),
            404 => Ok(Vec::new()),
            _ => Err(self.failure(&reply, path, Op::Read)),
        }
    }

    /// Whether this token may create the secret at `path`, asked before anything is signed in or
    /// typed: the server answers (unreachable, sealed, bad token) or its policy says no.
    pub fn check_create(&self, path: &str) -> Result<(), SecretError> {
        let full = self.data_path(path);
        let reply = self.call(
            "POST",
            &["sys/capabilities-self"],
            None,
            Some(&json!({ "paths": [full] })),
        )?;
        if reply.status != 200 {
            // Not allowed to ask: a read says at least that the server and the token answer.
            return self.read(path).map(|_| ());
        }
        let caps: Vec<&str> = reply
            .body
            .pointer("/capabilities")
            .or_else(|| reply.body.pointer("/data/capabilities"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if caps
            .iter()
            .any(|c| matches!(*c, "create" | "update" | "root" | "sudo"))
        {
            self.ensure_kv2()
        } else {
            Err(self.denied(&full, Op::Write { exists: false }))
        }
    }

    /// Refuses a KV v1 (or other) engine before anything is written to it.
    pub fn ensure_kv2(&self) -> Result<(), SecretError> {
        let reply = self.call("GET", &["sys/internal/ui/mounts", &self.mount], None, None)?;
        if reply.status != 200 {
            // Not allowed to ask: the KV v2 answers themselves are checked instead.
            return Ok(());
        }
        let kind = reply.body.pointer("/data/type").and_then(Value::as_str);
        let version = reply
            .body
            .pointer("/data/options/version")
            .and_then(Value::as_str);
        match (kind, version) {
            (Some("kv"), Some("2")) | (None, _) => Ok(()),
            (Some("kv" | "generic"), _) => Err(SecretError::Failed(format!(
                "the mount `{m}/` on {a} is a KV version 1 engine; apple-conn needs KV version 2 (versions and check-and-set): upgrade it with `bao kv enable-versioning {m}` (or `vault kv enable-versioning {m}`), or set [settings.vault] mount to a KV v2 engine. Nothing was written",
                m = self.mount,
                a = self.address()
            ))),
            (Some(other), _) => Err(SecretError::Failed(format!(
                "the mount `{}/` on {} is a `{other}` engine, not KV version 2: set [settings.vault] mount to a KV v2 engine",
                self.mount,
                self.address()
            ))),
        }
    }

    fn not_kv2_or(&self, path: &str, what: &str) -> SecretError {
        match self.ensure_kv2() {
            Err(e) => e,
            Ok(()) => SecretError::Failed(format!(
                "the vault at {} sent {what} for {}",
                self.address(),
                self.data_path(path)
            )),
        }
    }

    /// Turns a refusal into what to do about it.
    fn failure(&self, reply: &Reply, path: &str, op: Op) -> SecretError {
        let errors = reply.errors();
        let full = match op {
            Op::Metadata => format!("{}/metadata/{path}", self.mount),
            _ => self.data_path(path),
        };
        if reply.status == 503 || errors.contains("sealed") {
            return SecretError::Unavailable(format!(
                "the vault at {} is sealed: unseal it (`bao operator unseal`) and try again",
                self.address()
            ));
        }
        if errors.contains("no handler for route") {
            return SecretError::Failed(format!(
                "there is no secrets engine at `{m}/` on {a}: enable one with `bao secrets enable -path={m} -version=2 kv`, or set [settings.vault] mount to the team's KV v2 mount",
                m = self.mount,
                a = self.address()
            ));
        }
        if errors.contains("namespace not found") {
            return SecretError::Failed(format!(
                "the vault at {} has no namespace `{}` (or this token cannot see it): fix [settings.vault] namespace, or ask for a token issued in that namespace",
                self.address(),
                self.namespace.as_deref().unwrap_or_default()
            ));
        }
        if reply.status == 403 {
            return self.denied(&full, op);
        }
        SecretError::Failed(format!(
            "the vault at {} answered {} for {full}{}",
            self.address(),
            reply.status,
            if errors.is_empty() {
                String::new()
            } else {
                format!(": {errors}")
            }
        ))
    }

    /// 403: an unusable token, or a policy without the capability (named, with the path).
    fn denied(&self, full: &str, op: Op) -> SecretError {
        let token_ok = self
            .call("GET", &["auth/token/lookup-self"], None, None)
            .map(|r| r.status == 200)
            .unwrap_or(false);
        let caps = self
            .call(
                "POST",
                &["sys/capabilities-self"],
                None,
                Some(&json!({ "paths": [full] })),
            )
            .ok()
            .filter(|r| r.status == 200);
        if !token_ok && caps.is_none() {
            return SecretError::Unavailable(format!(
                "the vault at {} refused the token (expired, revoked or unknown): log in again (`bao login` / `vault login`) or set a fresh VAULT_TOKEN",
                self.address()
            ));
        }
        let granted: Vec<String> = caps
            .as_ref()
            .and_then(|r| {
                r.body
                    .get(full)
                    .or_else(|| r.body.pointer("/data/capabilities"))
            })
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let prefix_dir = self.data_path(&self.prefix);
        let meta_dir = format!("{}/metadata/{}", self.mount, self.prefix);
        SecretError::Failed(format!(
            "permission denied: the vault token may not {what} {full} (it needs the `{cap}` capability; it has [{has}]). Ask for a policy like: path \"{prefix_dir}/*\" {{ capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }} path \"{meta_dir}/*\" {{ capabilities = [\"read\", \"list\", \"patch\"] }} (apple-conn records each entry's owners in its metadata)",
            what = match op {
                Op::Read => "read",
                Op::Write { .. } => "write",
                Op::Delete => "delete",
                Op::Metadata => "read or record the owners (custom_metadata) of",
            },
            cap = op.capability(),
            has = granted.join(", ")
        ))
    }
}
