//! apple-conn: Apple credentials for mobile CI, previewed the way the real Bitrise steps use them.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// `--version`: the package version, the commit it was built from and the StepLib data's source.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("APPLE_CONN_COMMIT"),
    "; StepLib data ",
    env!("APPLE_CONN_STEPLIB"),
    ")"
);

pub mod apple;
pub mod asc;
#[cfg(any(test, feature = "test-support"))]
pub mod bench_support;
pub mod bitrise;
pub mod cli;
pub mod domain;
#[cfg(any(test, feature = "test-support"))]
pub mod fuzzing;
pub mod headless;
pub mod net;
pub mod one_line;
pub mod ops;
pub mod secrets;
pub mod shell_script;
pub mod signing;
pub mod store;
pub mod terminal_text;
pub mod theme;
pub mod tui;
