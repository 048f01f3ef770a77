//! The built-in catalog as build.rs compiled it from catalog.toml and steplib.toml (the source
//! of truth, checked at build time); never written by hand, never committed.

pub const BUILTIN_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin_catalog.json"));
