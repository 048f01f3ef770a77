//! src/domain/steplib.toml is what examples/gen_steplib.rs makes of the StepLib's step.yml files
//! (../shared/reference/steplib), and the catalog's newest versions are the StepLib's.

use apple_conn::domain::catalog::Catalog;
use apple_conn::domain::steplib::BUILTIN_STEPLIB;

#[test]
fn generated_steplib_data_is_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/steplib");
    if !root.join("steps").exists() {
        eprintln!("no {}: skipped", root.display());
        return;
    }
    let fresh = apple_conn::bitrise::step_yml::generate(&root).unwrap();
    assert!(
        fresh == BUILTIN_STEPLIB,
        "src/domain/steplib.toml is stale: run `cargo run --example gen_steplib -- ../shared/reference/steplib > src/domain/steplib.toml`"
    );
}

#[test]
fn the_catalog_is_at_the_newest_published_versions() {
    let c = Catalog::builtin().unwrap();
    for step in &c.steps {
        let newest = c.published(&step.id).last().map(|v| v.to_string());
        assert_eq!(step.version, newest, "{}", step.id);
    }
    let v = |id: &str| c.step(id).and_then(|s| s.version.clone()).unwrap();
    assert_eq!(v("deploy-to-itunesconnect-deliver"), "2.23.0");
    assert_eq!(v("xcode-archive"), "6.1.2");
    assert_eq!(v("xcode-build-for-test"), "3.4.0");
}
