//! Bitrise's public REST API (v0.1): the calls apple-conn reads an account with. Blocking ureq,
//! the personal access token in the `Authorization` header as it is (the spec's `apiKey` scheme),
//! retries as a careful client does (429 `Retry-After`, one more try for a 5xx or a timeout).

mod client;
mod error;
pub mod model;
mod token;
mod writes;

pub use client::signing;
pub use client::{Client, MAX_PAGES, PAGE_LIMIT, YML_CAP};
pub use error::ApiError;
pub use token::Token;
pub use writes::{AppUpdate, NewKey};

/// Bitrise's own API, `/v0.1` prefix included.
pub const DEFAULT_API_URL: &str = "https://api.bitrise.io/v0.1";

/// A slug apple-conn puts in a URL path or a file name: letters, digits, `-` and `_` only, so
/// neither `/` nor `..` can lead a request or a file anywhere else.
pub fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_never_leave_their_folder() {
        for ok in ["a1b2c3d4e5f6a7b8", "my-org", "x_y"] {
            assert!(is_safe_slug(ok), "{ok}");
        }
        for bad in [
            "", "..", "../x", "a/b", "a\\b", "a.b", "a b", "%2e%2e", "a\nb",
        ] {
            assert!(!is_safe_slug(bad), "{bad:?}");
        }
    }
}
