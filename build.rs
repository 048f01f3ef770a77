//! Compiles the step catalog: src/domain/catalog.toml and steplib.toml (the source of truth a
//! reader checks against the reference) become JSON in OUT_DIR, which the binary parses ~10×
//! faster than TOML. The whole catalog is built here first, so a catalog that would not load
//! fails the build instead of a user's start-up.

// The domain's catalog code itself, so the check is the one the binary makes (its `super::`
// is this crate's root here).
#[allow(dead_code)]
#[path = "src/domain/catalog.rs"]
mod catalog;
#[allow(dead_code)]
#[path = "src/domain/steplib.rs"]
mod steplib;
#[allow(dead_code)]
#[path = "src/domain/version.rs"]
mod version;
/// Not compiled yet: this script is what makes it.
mod catalog_data {
    pub const BUILTIN_JSON: &str = "";
}

fn main() {
    for file in [
        "src/domain/catalog.toml",
        "src/domain/steplib.toml",
        "src/domain/catalog.rs",
        "src/domain/steplib.rs",
        "src/domain/version.rs",
    ] {
        println!("cargo::rerun-if-changed={file}");
    }
    let json =
        catalog::Catalog::compile_sources(catalog::BUILTIN_CATALOG, steplib::BUILTIN_STEPLIB)
            .unwrap_or_else(|e| panic!("src/domain/catalog.toml / steplib.toml: {e}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_catalog.json"), json).expect("OUT_DIR is writable");
}
