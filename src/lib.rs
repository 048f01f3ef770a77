//! apple-conn: Apple credentials for mobile CI, previewed the way the real Bitrise steps use them.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod domain;
pub mod cli;
pub mod headless;
pub mod store;
