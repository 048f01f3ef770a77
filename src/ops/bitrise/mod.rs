//! Bitrise's side of the account, read through its REST API (`bitrise::api`): sign in with a
//! personal access token, list the apps, pull their bitrise.yml, hold the uploaded API keys
//! against the workspace's. Both faces call these; neither names the client itself.

mod pull;
mod push;
mod push_text;
mod upload;
mod workspaces;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::bitrise::api::{self, ApiError, Client, Token};
use crate::domain::bitrise_keys::KeyRow;
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::secrets::{EntryName, SecretError, SecretStore, SecretValue, Secrets};
use crate::store::trust::Untrusted;
use crate::store::{Loaded, UpdateError};

pub use crate::bitrise::api::DEFAULT_API_URL;
pub use crate::bitrise::api::is_safe_slug;
pub use crate::bitrise::api::model::{AppItem as BitriseApp, Owner as BitriseOwner};
pub use pull::{Failed, Kept, Progress, PullOptions, PullReport, Pulled, pull};
pub use push::{
    Action, ItemStatus, KeyTexts, PlanItem, PushOptions, PushPlan, PushProgress, apply, plan,
    read_keys,
};
pub use push_text::{NOT_REPORTED, item_line};
pub use upload::{UploadOutcome, UploadPlan, plan_upload, upload};
pub use workspaces::{Workspace as BitriseWorkspace, keys_in, workspaces};

/// The environment variable that points every Bitrise call elsewhere on this host.
pub const API_URL_ENV: &str = "APPLE_CONN_BITRISE_API_URL";
/// Seconds to wait for each answer (slow networks); 30 by default.
pub const TIMEOUT_ENV: &str = "APPLE_CONN_BITRISE_TIMEOUT";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum BitriseError {
    #[error(
        "not signed in to Bitrise: run `apple-conn bitrise login --token-from env:VAR|file:PATH|stdin` with a personal access token (bitrise.io: Account settings → Security)"
    )]
    NotSignedIn,
    /// The API URL is refused (not https, or plain http to a host other than this machine).
    #[error("{0}")]
    Url(String),
    #[error("{0}")]
    Untrusted(#[from] Untrusted),
    #[error("the Bitrise token could not be {0}")]
    Token(String),
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Save(UpdateError),
    #[error("{0}")]
    BadInput(String),
}

impl From<UpdateError> for BitriseError {
    fn from(e: UpdateError) -> Self {
        BitriseError::Save(e)
    }
}

impl BitriseError {
    /// The command could not even start (bad input, not signed in, refused URL): 2; else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            BitriseError::BadInput(_) | BitriseError::Url(_) | BitriseError::Untrusted(_) => 2,
            BitriseError::NotSignedIn => 2,
            _ => 1,
        }
    }
}

/// Where Bitrise calls go: `--api-url`, else `APPLE_CONN_BITRISE_API_URL`, else the file's
/// `[settings.bitrise] api_url` once this host trusts the file, else Bitrise's own API.
pub fn api_url(loaded: &Loaded, flag: Option<&str>) -> Result<url::Url, BitriseError> {
    let env = std::env::var(API_URL_ENV).ok();
    api_url_from(loaded, flag, env.as_deref())
}

/// `api_url` with the environment passed in (unit tests).
pub fn api_url_from(
    loaded: &Loaded,
    flag: Option<&str>,
    env: Option<&str>,
) -> Result<url::Url, BitriseError> {
    let nonempty = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if let Some(text) = nonempty(flag) {
        return check_url(&text).map_err(|e| BitriseError::Url(format!("--api-url: {e}")));
    }
    if let Some(text) = nonempty(env) {
        return check_url(&text).map_err(|e| BitriseError::Url(format!("{API_URL_ENV}: {e}")));
    }
    let setting = loaded
        .workspace
        .settings
        .bitrise
        .as_ref()
        .and_then(|b| nonempty(b.api_url.as_deref()));
    if let Some(text) = setting
        && text.trim_end_matches('/') != DEFAULT_API_URL
    {
        // A shared file must not send the token to a host it chose: only with this host's consent.
        crate::store::trust::require(&loaded.path, &loaded.workspace, "settings.bitrise.api_url")?;
        return check_url(&text).map_err(|e| {
            BitriseError::Url(format!(
                "[settings.bitrise] api_url: {}",
                crate::terminal_text::clean_line(&e)
            ))
        });
    }
    check_url(DEFAULT_API_URL).map_err(BitriseError::Url)
}

/// https anywhere; plain http only to this machine (a test stub, a local proxy).
fn check_url(text: &str) -> Result<url::Url, String> {
    let shown = crate::terminal_text::clean_line(text);
    let url = url::Url::parse(text)
        .map_err(|e| format!("`{shown}` is not a URL ({e}): write e.g. {DEFAULT_API_URL}"))?;
    if url.username() != "" || url.password().is_some() || url.query().is_some() {
        return Err(format!(
            "`{shown}`: give the API's base URL only (no user, password or query), e.g. {DEFAULT_API_URL}"
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if crate::net::is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "`{shown}` is plain http: only loopback addresses (127.0.0.1, ::1, localhost) may skip TLS; use https"
        )),
        other => Err(format!("`{shown}` uses {other}: use https")),
    }
}

fn timeout() -> Duration {
    std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0 && *s <= 600.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// A signed-in connection to Bitrise: the client and the token's user slug.
pub struct Connection {
    client: Client,
    pub user: Option<String>,
    pub url: url::Url,
}

impl Connection {
    /// The host the calls go to (`api.bitrise.io`, `127.0.0.1:8080`), for confirmations.
    pub fn host(&self) -> String {
        match (self.url.host_str(), self.url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => self.url.to_string(),
        }
    }

    /// The token's user slug: the one login saved, else `GET /me`.
    pub fn user_slug(&self) -> Result<String, BitriseError> {
        match &self.user {
            Some(u) if is_safe_slug(u) => Ok(u.clone()),
            Some(u) => Err(BitriseError::BadInput(format!(
                "[settings.bitrise] user `{}` is not a user slug: run `apple-conn bitrise login` again",
                crate::terminal_text::clean_line(u)
            ))),
            None => Ok(self.client.me()?.slug),
        }
    }

    /// The client, for reads another operation makes (`signing --bitrise`).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ends waits and further requests (the TUI's Esc).
    pub fn with_cancel(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.client = self.client.with_cancel(cancel);
        self
    }
}

/// Reads the token where `[settings.bitrise] token` points; the URL is chosen (and refused)
/// before the token is read.
pub fn connect(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    flag_url: Option<&str>,
) -> Result<Connection, BitriseError> {
    let url = api_url(loaded, flag_url)?;
    let settings = loaded.workspace.settings.bitrise.as_ref();
    let Some(token_ref) = settings.and_then(|b| b.token.as_ref()) else {
        return Err(BitriseError::NotSignedIn);
    };
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    let token = secrets
        .get(token_ref, &EntryName::bitrise_token())
        .map_err(|e| BitriseError::Token(format!("read ({e})")))?;
    Ok(Connection {
        client: Client::new(&url, Token::new(token), timeout()),
        user: settings.and_then(|b| b.user.clone()),
        url,
    })
}

/// Where `login` keeps the token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenStorage {
    Keyring,
    Vault,
    /// The env var or file the token was read from, kept as the reference.
    Reference(SecretRef),
}

/// Who signed in.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub slug: String,
    pub username: String,
}

/// `GET /me` with the token, then the token stored and `[settings.bitrise] user`/`token` saved
/// (no URL is saved). A token stored before a failed save is removed again.
pub fn login(
    path: &Path,
    keyring: &dyn SecretStore,
    token: SecretValue,
    storage: TokenStorage,
    flag_url: Option<&str>,
) -> Result<SignedIn, BitriseError> {
    let loaded = crate::store::load(path).map_err(|e| BitriseError::Save(UpdateError::Load(e)))?;
    let url = api_url(&loaded, flag_url)?;
    let client = Client::new(&url, Token::new(token.clone()), timeout());
    let me = client.me()?;
    if !api::is_safe_slug(&me.slug) {
        return Err(BitriseError::Api(ApiError::BadBody {
            what: "GET /me".into(),
            detail: "data.slug is not a slug".into(),
        }));
    }
    let reference = match storage {
        TokenStorage::Keyring => SecretRef::Keyring,
        TokenStorage::Vault => SecretRef::Vault(VaultRef::Entry),
        TokenStorage::Reference(r) => r,
    };
    let secrets = Secrets {
        keyring,
        workspace_file: path,
    };
    let entry = EntryName::bitrise_token();
    // Create-only (a re-login replaces only a token this workspace alone owns): another
    // workspace's token at the same vault path is a conflict naming it, never overwritten.
    let written = match reference {
        SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry) => Some(
            secrets
                .create_or_replace_own(&reference, &entry, &token)
                .map_err(|e: SecretError| BitriseError::Token(format!("stored ({e})")))?,
        ),
        _ => None,
    };
    let slug = me.slug.clone();
    let saved = crate::store::update(path, |_, doc| {
        crate::store::edit_bitrise::set_login(doc, &slug, &reference)
    });
    if let Err(e) = saved {
        // Only what this run wrote, and only while it still holds it.
        if let Some(w) = &written {
            let _ = secrets.undo(w);
        }
        return Err(e.into());
    }
    Ok(SignedIn {
        username: me.username.clone().unwrap_or_else(|| me.slug.clone()),
        slug: me.slug,
    })
}

/// Every app the token sees, or the organization's.
pub fn apps(conn: &Connection, org: Option<&str>) -> Result<Vec<BitriseApp>, BitriseError> {
    if let Some(o) = org
        && !is_safe_slug(o)
    {
        return Err(BitriseError::BadInput(format!(
            "--org `{}` is not an organization slug (letters, digits, - and _)",
            crate::terminal_text::clean_line(o)
        )));
    }
    Ok(conn.client.apps(org)?)
}

/// The keys uploaded to Bitrise (every workspace the token sees, and the user's own), held
/// against the workspace's.
pub fn keys(loaded: &Loaded, conn: &Connection) -> Result<Vec<KeyRow>, BitriseError> {
    keys_in(loaded, conn, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(text: &str) -> Loaded {
        crate::store::parse(Path::new("/nowhere/ws.toml"), text.to_string()).unwrap()
    }

    #[test]
    fn the_url_comes_from_the_flag_the_environment_the_trusted_file_or_the_default() {
        let plain = loaded("version = 1\nyou = \"a@example.com\"\n");
        assert_eq!(
            api_url_from(&plain, None, None).unwrap().as_str(),
            DEFAULT_API_URL
        );
        let file = loaded(
            "version = 1\nyou = \"a@example.com\"\n[settings.bitrise]\napi_url = \"http://127.0.0.1:9/v0.1\"\n",
        );
        // The placeholder trust refuses every file: the flag and the environment still work.
        assert!(matches!(
            api_url_from(&file, None, None),
            Err(BitriseError::Untrusted(_))
        ));
        assert_eq!(
            api_url_from(&file, Some("http://127.0.0.1:8/v0.1"), None)
                .unwrap()
                .port(),
            Some(8)
        );
        assert_eq!(
            api_url_from(&file, None, Some("http://localhost:7/v0.1"))
                .unwrap()
                .port(),
            Some(7)
        );
        let default_in_file = loaded(
            "version = 1\nyou = \"a@example.com\"\n[settings.bitrise]\napi_url = \"https://api.bitrise.io/v0.1\"\n",
        );
        assert!(api_url_from(&default_in_file, None, None).is_ok());
        for bad in [
            "http://example.com/v0.1",
            "ftp://x",
            "https://u:p@h/v0.1",
            "nonsense",
        ] {
            assert!(api_url_from(&plain, Some(bad), None).is_err(), "{bad}");
        }
    }
}
