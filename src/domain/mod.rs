//! The model and the rules. No I/O, no clock, no UI: `now` and secrets come in as arguments.

pub mod bitrise_keys;
pub mod bitrise_push;
pub mod catalog;
mod catalog_data;
pub mod check;
pub mod doctor;
pub mod fields;
pub mod guarded;
pub mod key_file;
pub mod problem;
pub mod resolution;
pub mod resolve;
pub mod rules;
pub mod schema_version;
pub mod secret_inputs;
pub mod secret_ref;
pub mod shell_env;
pub mod signing;
pub mod steplib;
pub mod version;
pub mod workspace;
