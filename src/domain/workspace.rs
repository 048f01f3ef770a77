//! The workspace model: connections, apps, members. Parsed from TOML, never holds a secret.

use chrono::{DateTime, Duration, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};

use super::catalog::StepDef;
use super::secret_ref::SecretRef;

pub const MAX_API_KEYS: usize = 50;
/// Apple's 2FA session lifetime as Bitrise documents it.
pub const SESSION_DAYS: i64 = 30;
/// How long before expiry we start warning.
pub const EXPIRY_WARNING_DAYS: i64 = 7;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub version: u32,
    pub you: String,
    /// Scopes this workspace's keyring entries (`apple-conn/<id>/…`); not a secret. A root key, not
    /// in `[settings]`, so a file apple-conn saved can still take a hand-written `[settings]` table.
    #[serde(default, deserialize_with = "workspace_id")]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    #[serde(default)]
    pub apple_ids: Vec<AppleId>,
    #[serde(default)]
    pub apps: Vec<App>,
    /// User additions or overrides of the step catalog.
    #[serde(default)]
    pub steps: Vec<StepDef>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Base URL for Apple's sign-in and olympus endpoints (proxies, tests).
    #[serde(default)]
    pub apple_auth_url: Option<String>,
    /// Base URL for the App Store Connect API (connection test).
    #[serde(default)]
    pub api_base_url: Option<String>,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub keymap: Option<String>,
    /// Where `{ vault = … }` references live (a Vault/OpenBao KV v2 engine).
    #[serde(default)]
    pub vault: Option<VaultSettings>,
    /// `[settings.bitrise]`: the Bitrise account apple-conn reads apps and keys from.
    #[serde(default)]
    pub bitrise: Option<BitriseSettings>,
    /// `[settings.signing]`: when a certificate or profile starts to warn (`signing`, `doctor --signing`).
    #[serde(default)]
    pub signing: Option<super::signing::settings::SigningSettings>,
}

/// `[settings.bitrise]`: who signed in to Bitrise, where the token lives, and (trusted only) the API.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BitriseSettings {
    /// The token's user slug (`GET /me` `data.slug`).
    #[serde(default)]
    pub user: Option<String>,
    /// Where the personal access token lives: the same reference forms as every secret.
    #[serde(default)]
    pub token: Option<SecretRef>,
    /// The API base URL with its `/v0.1` prefix; honoured only once this host trusts the file.
    #[serde(default)]
    pub api_url: Option<String>,
}

/// `[settings.vault]`: which engine and folder; never the token, rarely the address.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VaultSettings {
    #[serde(default = "default_vault_mount")]
    pub mount: String,
    #[serde(default = "default_vault_prefix")]
    pub prefix: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub ca_cert: Option<String>,
    /// Used only once this host trusts the file (`apple-conn trust`) and names no vault of its own.
    #[serde(default)]
    pub address: Option<String>,
}

fn default_vault_mount() -> String {
    "secret".into()
}

fn default_vault_prefix() -> String {
    "apple-conn".into()
}

impl Default for VaultSettings {
    fn default() -> Self {
        VaultSettings {
            mount: default_vault_mount(),
            prefix: default_vault_prefix(),
            namespace: None,
            ca_cert: None,
            address: None,
        }
    }
}

/// 16 to 64 hex digits, dashes allowed between them (a UUID fits): safe inside a keyring name.
pub fn is_valid_workspace_id(id: &str) -> bool {
    let hex = id.chars().filter(|c| c.is_ascii_hexdigit()).count();
    (16..=64).contains(&hex)
        && id.len() <= 80
        && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

fn workspace_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let id = String::deserialize(d)?;
    if is_valid_workspace_id(&id) {
        Ok(Some(id))
    } else {
        Err(serde::de::Error::custom(
            "workspace_id must be 16 to 64 hex digits (a UUID fits): delete the line and apple-conn writes a new one on the next save (keyring entries made under the old id must then be added again)",
        ))
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    #[default]
    Team,
    Individual,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Team => "team",
            KeyKind::Individual => "individual",
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub name: String,
    pub key_id: String,
    #[serde(default)]
    pub issuer_id: Option<String>,
    #[serde(default)]
    pub kind: KeyKind,
    #[serde(default)]
    pub enterprise: bool,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub private_key: SecretRef,
    /// SHA-256 of the public key (hex), recorded when the key was added: public, not a secret.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// `[api_keys.bitrise]`: the Bitrise workspace apple-conn uploaded the key to (or found it in).
    #[serde(default)]
    pub bitrise: Option<KeyBitrise>,
}

/// `[api_keys.bitrise]`: written by `bitrise keys upload` and `bitrise push`, never by hand.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct KeyBitrise {
    /// The Bitrise workspace (organization) slug.
    pub org: String,
    /// The key's slug in that workspace (what `PATCH /apps/{slug}` names).
    pub slug: String,
    /// When apple-conn uploaded it; absent when it found the key already there.
    #[serde(default, deserialize_with = "opt_datetime")]
    pub uploaded_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn owner<'a>(&'a self, ws: &'a Workspace) -> &'a str {
        self.owner.as_deref().unwrap_or(&ws.you)
    }

    /// How the key is shown: `CI key (2X9R4HXF34)`.
    pub fn identity(&self) -> String {
        format!("{} ({})", self.name, self.key_id)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AppleId {
    pub apple_id: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub password: SecretRef,
    #[serde(default)]
    pub app_specific_password: Option<SecretRef>,
    #[serde(default, deserialize_with = "opt_datetime")]
    pub authenticated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_datetime")]
    pub session_expires_at: Option<DateTime<Utc>>,
    /// Where the session cookies live (sign-in); the OS secret store by default.
    #[serde(default)]
    pub session: Option<SecretRef>,
    #[serde(default)]
    pub teams: Vec<Team>,
}

/// The state of an Apple ID's 2FA session at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    NeverAuthenticated,
    Valid { expires_at: DateTime<Utc> },
    ExpiringSoon { expires_at: DateTime<Utc> },
    Expired { expires_at: DateTime<Utc> },
}

impl SessionState {
    pub fn expires_at(self) -> Option<DateTime<Utc>> {
        match self {
            SessionState::NeverAuthenticated => None,
            SessionState::Valid { expires_at }
            | SessionState::ExpiringSoon { expires_at }
            | SessionState::Expired { expires_at } => Some(expires_at),
        }
    }

    pub fn is_expired(self) -> bool {
        matches!(self, SessionState::Expired { .. })
    }

    /// "expires in 12 days", "expired 3 days ago", "never authenticated".
    pub fn describe(self, now: DateTime<Utc>) -> String {
        match self {
            SessionState::NeverAuthenticated => "never authenticated".into(),
            SessionState::Valid { expires_at } | SessionState::ExpiringSoon { expires_at } => {
                format!("expires in {}", human_span(expires_at - now))
            }
            SessionState::Expired { expires_at } => {
                format!("expired {} ago", human_span(now - expires_at))
            }
        }
    }
}

/// Rounds a span to the largest whole unit a person reads at a glance.
pub fn human_span(span: Duration) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if span.num_days() >= 1 {
        plural(span.num_days(), "day")
    } else if span.num_hours() >= 1 {
        plural(span.num_hours(), "hour")
    } else if span.num_minutes() >= 1 {
        plural(span.num_minutes(), "minute")
    } else {
        "less than a minute".into()
    }
}

impl AppleId {
    pub fn owner<'a>(&'a self, ws: &'a Workspace) -> &'a str {
        self.owner.as_deref().unwrap_or(&ws.you)
    }

    /// When the session ends: the recorded trust-cookie expiry, else 30 days after the code.
    pub fn session_expires_at(&self) -> Option<DateTime<Utc>> {
        self.session_expires_at.or_else(|| {
            self.authenticated_at
                .map(|at| at + Duration::days(SESSION_DAYS))
        })
    }

    pub fn session_state(&self, now: DateTime<Utc>) -> SessionState {
        match self.session_expires_at() {
            None => SessionState::NeverAuthenticated,
            // go-xcode checks `SessionExpiryDate.Before(time.Now())`: the expiry instant itself is valid.
            Some(expires_at) if expires_at < now => SessionState::Expired { expires_at },
            Some(expires_at) if expires_at - now <= Duration::days(EXPIRY_WARNING_DAYS) => {
                SessionState::ExpiringSoon { expires_at }
            }
            Some(expires_at) => SessionState::Valid { expires_at },
        }
    }

    /// Whether a session with cookies was ever stored (a 2FA code was accepted).
    pub fn has_session(&self) -> bool {
        self.authenticated_at.is_some() || self.session_expires_at.is_some()
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub slug: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub admins: Vec<String>,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub apple_id: Option<String>,
    #[serde(default)]
    pub steps: Vec<StepUse>,
    #[serde(default)]
    pub bitrise_yml: Option<BitriseYmlRef>,
    /// `[apps.bitrise]`: what `bitrise pull` last read about the app on bitrise.io.
    #[serde(default)]
    pub bitrise: Option<AppBitrise>,
    /// `[apps.signing]`: the .p12 and .mobileprovision files a local build signs with.
    #[serde(default)]
    pub signing: Option<super::signing::settings::AppSigning>,
}

/// `[apps.bitrise]`: the app as bitrise.io shows it (written by `bitrise pull`, never by hand).
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AppBitrise {
    /// The owning Bitrise account's slug (often an organization), not a member.
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub owner_name: Option<String>,
    /// A public app: pull-request builds of forks get no Apple connection.
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub repo_url: Option<String>,
    #[serde(default, deserialize_with = "opt_datetime")]
    pub pulled_at: Option<DateTime<Utc>>,
    /// The API key (workspace name) apple-conn last assigned on Bitrise: Bitrise does not report it.
    #[serde(default)]
    pub pushed_api_key: Option<String>,
    /// The member (e-mail) whose Apple ID apple-conn last assigned on Bitrise.
    #[serde(default)]
    pub pushed_apple_id_user: Option<String>,
    #[serde(default, deserialize_with = "opt_datetime")]
    pub pushed_at: Option<DateTime<Utc>>,
}

impl App {
    pub fn owner<'a>(&'a self, ws: &'a Workspace) -> &'a str {
        self.owner.as_deref().unwrap_or(&ws.you)
    }

    /// What removing the app takes with it, for the confirmation (connections and secrets stay).
    pub fn what_removal_loses(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(k) = &self.api_key {
            out.push(format!("its API key assignment ({k})"));
        }
        if let Some(a) = &self.apple_id {
            out.push(format!("its Apple ID assignment ({a})"));
        }
        if !self.steps.is_empty() {
            let inputs: usize = self.steps.iter().map(|s| s.inputs.len()).sum();
            out.push(format!(
                "{} step(s) with {inputs} input(s)",
                self.steps.len()
            ));
        }
        if let Some(b) = &self.bitrise_yml {
            out.push(format!("its link to {} (the file stays)", b.path));
        }
        out
    }

    /// The members whose Apple ID may be assigned: the owner and the admins (the seed's Team tab).
    pub fn may_use_apple_id_of(&self, ws: &Workspace, member: &str) -> bool {
        self.owner(ws) == member || self.admins.iter().any(|a| a == member)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct StepUse {
    pub id: String,
    /// Inputs as written in bitrise.yml: strings, `$VAR` references allowed.
    #[serde(default)]
    pub inputs: IndexMap<String, String>,
    /// The StepLib version (`2`, `2.19`, `2.19.0`); none = the newest. `id = "x@2.19"` works too.
    #[serde(default)]
    pub version: Option<String>,
    /// Inputs whose `$` is text (bitrise.yml `is_expand: false`): the step receives it as written.
    #[serde(skip)]
    pub literal: Vec<String>,
}

impl StepUse {
    /// The step id and the version reference, from `version` or an `id@version` spelling.
    pub fn step_ref(&self) -> (&str, &str) {
        match (self.id.split_once('@'), self.version.as_deref()) {
            (Some((id, v)), None) => (id, v),
            (Some((id, _)), Some(v)) => (id, v),
            (None, v) => (self.id.as_str(), v.unwrap_or("")),
        }
    }
}

/// `[apps.bitrise_yml]`: take the app's steps from a real bitrise.yml.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BitriseYmlRef {
    pub path: String,
    #[serde(default)]
    pub workflows: Vec<String>,
    /// The older single-pipeline spelling, still read.
    #[serde(default)]
    pub pipeline: Option<String>,
    #[serde(default)]
    pub pipelines: Vec<String>,
    /// `git::`/`path::` reference -> catalog step id.
    #[serde(default)]
    pub map: IndexMap<String, String>,
    /// The repository root `include:` paths resolve against (relative to the workspace file);
    /// default: the folder of `path`.
    #[serde(default)]
    pub root: Option<String>,
    /// `include:` `repository:` (as written, or its URL) -> a local checkout (relative to the
    /// workspace file).
    #[serde(default)]
    pub repositories: IndexMap<String, String>,
}

impl BitriseYmlRef {
    /// Every pipeline named: `pipeline` (the older spelling) first, then `pipelines`.
    pub fn all_pipelines(&self) -> Vec<&str> {
        self.pipeline
            .iter()
            .chain(self.pipelines.iter())
            .map(String::as_str)
            .collect()
    }
}

impl Workspace {
    pub fn api_key(&self, name: &str) -> Option<&ApiKey> {
        self.api_keys.iter().find(|k| k.name == name)
    }

    pub fn apple_id(&self, apple_id: &str) -> Option<&AppleId> {
        self.apple_ids.iter().find(|a| a.apple_id == apple_id)
    }

    pub fn app(&self, slug: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.slug == slug)
    }

    /// "no app `x`": the slugs there are, or how to add the first app.
    pub fn no_app(&self, slug: &str) -> String {
        if self.apps.is_empty() {
            return format!(
                "no app `{slug}`: the workspace has no apps yet; add one with `apple-conn add app SLUG`"
            );
        }
        let known: Vec<&str> = self.apps.iter().map(|a| a.slug.as_str()).collect();
        format!(
            "no app `{slug}`: use one of {} (`apple-conn list apps` lists them)",
            known.join(", ")
        )
    }

    /// Apps that use a connection, for the removal confirmation.
    pub fn apps_using_api_key(&self, name: &str) -> Vec<&str> {
        self.apps
            .iter()
            .filter(|a| a.api_key.as_deref() == Some(name))
            .map(|a| a.slug.as_str())
            .collect()
    }

    pub fn apps_using_apple_id(&self, apple_id: &str) -> Vec<&str> {
        self.apps
            .iter()
            .filter(|a| a.apple_id.as_deref() == Some(apple_id))
            .map(|a| a.slug.as_str())
            .collect()
    }

    /// API keys you may assign: only your own, as on the seed's Team tab.
    pub fn assignable_api_keys(&self) -> Vec<&ApiKey> {
        self.api_keys
            .iter()
            .filter(|k| k.owner(self) == self.you)
            .collect()
    }

    /// Apple IDs assignable to an app: the owner's and the admins'.
    pub fn assignable_apple_ids(&self, app: &App) -> Vec<&AppleId> {
        self.apple_ids
            .iter()
            .filter(|a| app.may_use_apple_id_of(self, a.owner(self)))
            .collect()
    }

    /// Whether `to` may be assigned to an app's `api_key` or `apple_id` (None clears: always allowed).
    /// The rules of the seed's Team tab; the CLI and the TUI both ask here.
    pub fn may_assign(&self, slug: &str, field: &str, to: Option<&str>) -> Result<(), String> {
        let app = self.app(slug).ok_or_else(|| self.no_app(slug))?;
        match (field, to) {
            ("api_key", Some(name)) => {
                let key = self.api_key(name).ok_or_else(|| {
                    format!(
                        "no API key named `{name}`{}: `apple-conn list connections` lists them",
                        super::check::suggest(name, self.api_keys.iter().map(|k| k.name.as_str()))
                    )
                })?;
                let owner = key.owner(self);
                if owner != self.you {
                    return Err(format!(
                        "`{name}` belongs to {owner}: you can assign only your own API keys (as on Bitrise's Team tab); ask {owner} to assign it"
                    ));
                }
            }
            ("apple_id", Some(aid)) => {
                let conn = self.apple_id(aid).ok_or_else(|| {
                    format!(
                        "no Apple ID connection {aid}{}: `apple-conn list connections` lists them",
                        super::check::suggest(
                            aid,
                            self.apple_ids.iter().map(|a| a.apple_id.as_str())
                        )
                    )
                })?;
                let owner = conn.owner(self);
                if !app.may_use_apple_id_of(self, owner) {
                    return Err(format!(
                        "{aid} belongs to {owner}, who is neither the owner of {slug} ({}) nor an admin: only their Apple IDs can be assigned",
                        app.owner(self)
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Accepts a TOML datetime (`2026-11-01T09:30:00Z`) or an RFC 3339 string.
fn opt_datetime<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Raw::deserialize(deserializer)? {
        Raw::Toml(dt) => {
            if dt.date.is_none() || dt.time.is_none() || dt.offset.is_none() {
                return Err(serde::de::Error::custom(format!(
                    "`{dt}` needs a date, a time and a zone, e.g. 2026-11-01T09:30:00Z"
                )));
            }
            dt.to_string()
        }
        Raw::Text(text) => text,
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|dt| Some(dt.with_timezone(&Utc)))
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "`{text}` is not an RFC 3339 date and time; write e.g. 2026-11-01T09:30:00Z"
            ))
        })
}
