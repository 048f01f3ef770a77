//! The entry points the fuzz targets (fuzz/) and their corpus regression test call: each takes
//! arbitrary bytes and must return without panicking or hanging.

use std::path::Path;

pub fn workspace(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(loaded) = crate::store::parse(Path::new("fuzz.toml"), text.to_string())
    {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let problems =
            crate::domain::check::check_workspace(&loaded.workspace, &loaded.catalog, now);
        let _ = crate::store::locate_all(&loaded, &problems);
        for app in &loaded.workspace.apps {
            for step in &app.steps {
                let _ = crate::domain::resolve::resolve(
                    &loaded.workspace,
                    &loaded.catalog,
                    app,
                    step,
                    crate::domain::resolution::Environment::Bitrise,
                    now,
                );
            }
        }
    }
}

pub fn p8(data: &[u8]) {
    let _ = crate::asc::p8::import(data, Some("AuthKey_ABCDE12345.p8"), Some("ABCDE12345"));
}

pub fn jwt(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(decoded) = crate::asc::jwt::decode_untrusted(text)
    {
        let key = crate::asc::jwt::InspectKey {
            kind: None,
            public_pem: None,
        };
        let _ = crate::asc::jwt::problems(text, &decoded, 1_800_000_000, &key);
    }
}

pub fn keymap(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::tui::keymap::Keymap::parse(crate::tui::keymap::DEFAULT_KEYMAP, Some(text));
    }
}

pub fn theme(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::theme::Theme::parse(text);
    }
}

pub fn session(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let _ = crate::apple::session::parse_fastlane_session(text, now);
    }
}

/// Target name -> entry point, for the corpus regression test.
/// A fuzz entry point.
pub type Target = fn(&[u8]);

pub const TARGETS: [(&str, Target); 7] = [
    ("bitrise_yml", bitrise_yml),
    ("workspace", workspace),
    ("p8", p8),
    ("jwt", jwt),
    ("keymap", keymap),
    ("theme", theme),
    ("session", session),
];

pub fn bitrise_yml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(yml) = crate::bitrise::load::load("fuzz.yml", text)
    {
        let _ = crate::bitrise::expand::validate(&yml);
    }
}
