//! Which server a command talks to (the one URL policy) and the one plain POST the faces make
//! (`doctor --notify`): the faces reach the network only through `ops`.

use std::time::Duration;

pub use crate::apple::endpoint::{API_BASE, APPLE_AUTH, Chosen, Endpoint, FromFile, choose};
pub use crate::apple::http::check_base_url;

/// POSTs `body` as JSON once, never retried; the answer's status, or why there was none.
pub fn post_json(url: &str, body: &serde_json::Value, timeout: Duration) -> Result<u16, String> {
    let mut http = crate::apple::http::Client::new(timeout);
    http.send("POST", url, &[("Accept", "*/*".into())], Some(body))
        .map(|r| r.status)
        .map_err(|e| e.to_string())
}
