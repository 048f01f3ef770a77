//! Invariants of the resolution engine over generated workspaces (proptest).

use apple_conn::domain::catalog::{Catalog, Family, SourceKind};
use apple_conn::domain::resolution::{AuthKind, Environment, Origin, Outcome};
use apple_conn::domain::resolve::resolve;
use apple_conn::domain::workspace::Workspace;
use proptest::prelude::*;

static CATALOG: std::sync::LazyLock<Catalog> =
    std::sync::LazyLock::new(|| Catalog::builtin().unwrap());

fn workspace(
    key: u8,
    aid: u8,
    step: &str,
    value: Option<&str>,
    inputs: &[(String, String)],
) -> Workspace {
    let mut t = String::from(
        "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"k\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\n\n[[api_keys]]\nname = \"solo\"\nkey_id = \"SOLO123456\"\nkind = \"individual\"\n",
    );
    let session = match aid {
        1 => "authenticated_at = 2026-11-20T00:00:00Z\n",
        2 => "authenticated_at = 2026-09-01T00:00:00Z\n",
        3 => "authenticated_at = 2026-10-28T00:00:00Z\n",
        _ => "",
    };
    t.push_str(&format!(
        "\n[[apple_ids]]\napple_id = \"a@example.com\"\n{session}"
    ));
    t.push_str("\n[[apps]]\nslug = \"app\"\n");
    match key {
        1 => t.push_str("api_key = \"k\"\n"),
        2 => t.push_str("api_key = \"solo\"\n"),
        _ => {}
    }
    if aid > 0 {
        t.push_str("apple_id = \"a@example.com\"\n");
    }
    t.push_str(&format!(
        "\n[[apps.steps]]\nid = \"{step}\"\n[apps.steps.inputs]\n"
    ));
    let conn_name = CATALOG
        .step(step)
        .and_then(|s| s.connection_input().map(|(n, _)| n.to_string()));
    if let (Some(v), Some(n)) = (value, conn_name) {
        t.push_str(&format!("{n} = {}\n", toml::Value::String(v.into())));
    }
    for (k, v) in inputs {
        t.push_str(&format!("{k} = {}\n", toml::Value::String(v.clone())));
    }
    toml::from_str(&t).unwrap()
}

fn input_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_string()),
        Just("$SECRET".to_string()),
        Just("file:///k/AuthKey_ABCDE12345.p8".to_string()),
        Just("https://h/key.p8".to_string()),
        Just("bob@example.com".to_string()),
        Just("57246542-96fe-1a63-e053-0824d011072a".to_string()),
    ]
}

fn inputs() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = [
        "api_key_path",
        "api_issuer",
        "itunescon_user",
        "apple_id",
        "password",
        "app_password",
        "api_key_id",
        "api_key_issuer_id",
        "api_key_enterprise_account",
    ];
    proptest::collection::vec(
        (proptest::sample::select(names.to_vec()), input_value()),
        0..5,
    )
    .prop_map(|v| {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|(k, _)| seen.insert(*k))
            .map(|(k, v)| {
                (
                    k.to_string(),
                    if k == "api_key_enterprise_account" {
                        "no".to_string()
                    } else {
                        v
                    },
                )
            })
            .collect()
    })
}

fn steps() -> Vec<String> {
    CATALOG.ids().map(String::from).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn resolution_invariants(
        key in 0u8..3,
        aid in 0u8..4,
        step_i in 0usize..9,
        value_i in 0usize..6,
        inputs in inputs(),
        env_i in 0usize..3,
    ) {
        let catalog: &Catalog = &CATALOG;
        let step_id = &steps()[step_i];
        let step = catalog.step(step_id).unwrap();
        let values = step.connection_values();
        let value = values.get(value_i).map(String::as_str).or(if value_i == 5 { Some("false") } else { None });
        let ws = workspace(key, aid, step_id, value, &inputs);
        let env = Environment::ALL[env_i];
        let now = "2026-11-25T12:00:00Z".parse().unwrap();
        let app = &ws.apps[0];
        let r = resolve(&ws, catalog, app, &app.steps[0], env, now);

        // Deterministic for a fixed `now`.
        prop_assert_eq!(&r, &resolve(&ws, catalog, app, &app.steps[0], env, now));
        let canonical = r.connection_value.clone().unwrap_or_default();
        // `off` never chooses a connection source; `api_key` never an Apple ID.
        if step.family == Family::Connection && canonical == "off" {
            prop_assert_ne!(r.origin, Some(Origin::Connection));
        }
        if canonical == "api_key" || canonical == "api-key" {
            prop_assert_ne!(r.auth, Some(AuthKind::AppleId));
        }
        if canonical == "apple_id" || canonical == "apple-id" {
            prop_assert_ne!(r.auth, Some(AuthKind::ApiKey));
        }
        // Without Bitrise there is no connection.
        if env != Environment::Bitrise {
            prop_assert_ne!(r.origin, Some(Origin::Connection));
        }
        // An expired session never yields ok from a session-carrying source.
        if aid == 2 && r.source == Some(SourceKind::ConnectionAppleIdSession) {
            prop_assert_ne!(r.outcome, Outcome::Ok);
        }
        // A failure hands the step nothing; ok carries no warning.
        if r.outcome == Outcome::Fail {
            prop_assert!(r.auth.is_none() && r.receives.is_empty());
            prop_assert!(!r.messages().is_empty(), "a failure says why");
        }
        if r.outcome == Outcome::Ok {
            prop_assert!(r.auth.is_some());
            prop_assert!(r.notes.iter().all(|n| n.level == apple_conn::domain::resolution::Level::Info));
        }
        // Whatever is chosen was walked and marked chosen.
        if let Some(src) = r.source {
            prop_assert!(r.walk.iter().any(|w| w.source == src && w.verdict == apple_conn::domain::resolution::Verdict::Chosen));
        }
        // Secrets are never in what is shown.
        for (_, v) in &r.receives {
            prop_assert!(!v.redacted().contains("hunter2"));
        }
    }
}
