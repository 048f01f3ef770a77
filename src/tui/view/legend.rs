//! What the columns and marks of each pane mean: shown under the panes and in the help.

use crate::domain::catalog::SourceKind;

/// The matrix's column abbreviations and cell marks.
pub fn matrix() -> Vec<String> {
    let mut rows: Vec<String> = SourceKind::ALL
        .iter()
        .map(|k| format!("{:<8}{}", k.short(), k.label()))
        .collect();
    rows.push("value   the step's connection input (←/→ change it)".into());
    rows.push(
        "1,2…    the order the step tries the source · never tried · * the app can use it".into(),
    );
    rows
}

pub fn connections() -> Vec<String> {
    vec![
        "API keys: name · key ID · kind (team/individual) · owner · SHA-256 fp (fingerprint of the public key)".into(),
        "Apple IDs: Apple ID · owner · 2FA session state".into(),
        "enter: the connection's details (issuer, where its secret is, apps using it)".into(),
    ]
}

pub fn apps() -> Vec<String> {
    vec![
        "health (worst step: ✓ ok ! warn ✗ FAIL - none) · title (slug) · API key · Apple ID".into(),
        "Bitrise: ⇣ pulled · ⇡ as pushed · ≠ differs from what was pushed · ! key not uploaded (P pushes)".into(),
        "The bottom border says where the selected app's steps come from.".into(),
    ]
}

pub fn preview() -> Vec<String> {
    vec![
        "# · step · outcome · auth (api_key/apple_id) · source · identity · session expiry".into(),
        "enter: the step's detail (the walk, what it receives, what it prints)".into(),
    ]
}

/// Every legend, headed by its pane, in pane order (the help lists them so).
pub fn all() -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("1 Connections", connections()),
        ("2 Apps", apps()),
        ("3 Step matrix", matrix()),
        ("4 Preview", preview()),
    ]
}
