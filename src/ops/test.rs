//! Testing an API key against App Store Connect, as Bitrise's "Test connection" does.

use std::time::Duration;

use crate::apple::connection_test;
/// The connection test's report and the request itself, for the faces.
pub use crate::apple::connection_test::{
    DEFAULT_API_BASE, TestReport, Verdict, test_api_key as test_with_token,
};
use crate::apple::endpoint;
use crate::asc::jwt;
use crate::domain::workspace::ApiKey;
use crate::secrets::SecretStore;
use crate::store::Loaded;

use super::Clock;

#[derive(Debug)]
pub enum TestError {
    /// The base URL (flag, environment, or an untrusted `settings.api_base_url`) is refused.
    BaseUrl(String),
    /// The private key could not be read or signed with.
    Key(String),
    Network(String),
}

/// A signed request ready to go: built where the keyring is, sent on any thread.
pub struct Prepared {
    base: String,
    key: ApiKey,
    token: String,
    minted_at: chrono::DateTime<chrono::Utc>,
}

/// The App Store Connect API for `test`, the TUI's `T` and `doctor --live`: the flag over
/// APPLE_CONN_API_BASE_URL over the file's `api_base_url` (only once this host trusts the file).
pub fn api_base(loaded: &Loaded, flag: Option<&str>) -> Result<String, String> {
    let file = endpoint::FromFile {
        path: &loaded.path,
        settings: &loaded.workspace.settings,
    };
    Ok(endpoint::choose(&endpoint::API_BASE, flag, Some(file))?
        .url
        .to_string())
}

/// `base` overrides `settings.api_base_url`; both go through the one URL policy (and trust).
pub fn prepare(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    key: &ApiKey,
    base: Option<&str>,
    clock: Clock,
) -> Result<Prepared, TestError> {
    let base = api_base(loaded, base).map_err(TestError::BaseUrl)?;
    let pem = super::keys::read_key_pem(&loaded.path, keyring, key).map_err(TestError::Key)?;
    let now = clock.now();
    let token = jwt::mint(key, &pem, now.timestamp(), jwt::DEFAULT_TTL, &[])
        .map_err(|e| TestError::Key(e.to_string()))?;
    Ok(Prepared {
        base,
        key: key.clone(),
        token,
        minted_at: now,
    })
}

impl Prepared {
    /// `GET /v1/apps?limit=1` with the token; never retried.
    pub fn send(&self, timeout: Duration) -> Result<TestReport, TestError> {
        connection_test::test_api_key(&self.base, &self.key, &self.token, self.minted_at, timeout)
            .map_err(|e| TestError::Network(e.to_string()))
    }
}

pub fn test_api_key(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    key: &ApiKey,
    base: Option<&str>,
    clock: Clock,
    timeout: Duration,
) -> Result<TestReport, TestError> {
    prepare(loaded, keyring, key, base, clock)?.send(timeout)
}
