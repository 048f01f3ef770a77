//! Why a call to Bitrise did not give what was asked, each worded with what to do.

/// Where a new token is made, for every "the token is refused" message.
pub const NEW_TOKEN_HINT: &str = "make a new personal access token on bitrise.io under Account settings → Security, then run `apple-conn bitrise login --token-from env:VAR|file:PATH|stdin`";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("Bitrise refused the token (401: it was revoked or has expired): {NEW_TOKEN_HINT}")]
    Unauthorized,
    #[error(
        "Bitrise answered 403 to {what}{}: the token's user is not an admin of this app (or of its workspace; ask an admin of it on bitrise.io)",
        said(message)
    )]
    Forbidden {
        what: String,
        message: Option<String>,
    },
    #[error(
        "Bitrise answered 404 to {what}{}: it is gone (deleted on bitrise.io, or no longer visible to the token's user)",
        said(message)
    )]
    NotFound {
        what: String,
        message: Option<String>,
    },
    #[error(
        "Bitrise's rate limit (429) still refused {what} after {retries} wait(s) of {waited} s in all (apple-conn waits at most 3 times and 60 s): try again later{}",
        hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    RateLimited {
        what: String,
        retries: u32,
        waited: u64,
        hint: Option<String>,
    },
    #[error("Bitrise answered {status} to {what}, also when asked again: try again later")]
    Server { what: String, status: u16 },
    #[error("Bitrise answered {status} to {what}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        what: String,
        status: u16,
        message: Option<String>,
    },
    #[error(
        "{host} did not answer {what} within {secs} s, also when asked again: check the network, or try again later"
    )]
    Timeout {
        host: String,
        what: String,
        secs: u64,
    },
    #[error("cannot reach Bitrise at {host} ({detail}): check the network and the API URL")]
    Unreachable { host: String, detail: String },
    #[error(
        "Bitrise's answer to {what} is not the JSON its API describes ({detail}): nothing was taken from it"
    )]
    BadBody { what: String, detail: String },
    #[error("{what}: {detail}: stopped (nothing was taken from a listing that does not end)")]
    Paging { what: String, detail: String },
    #[error("{what} is not valid YAML ({detail}): nothing was written for it")]
    InvalidYml { what: String, detail: String },
    #[error("{what} is over 1 MiB: apple-conn reads bitrise.yml files up to 1 MiB")]
    TooLarge { what: String },
    #[error("cancelled")]
    Cancelled,
}

/// ` ("Bitrise's message")`, or nothing.
fn said(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(" (\"{m}\")"))
        .unwrap_or_default()
}

impl ApiError {
    /// Whether the whole account is unusable (a bad token): no point asking for the next app.
    pub fn is_fatal(&self) -> bool {
        matches!(self, ApiError::Unauthorized | ApiError::Cancelled)
    }
}
