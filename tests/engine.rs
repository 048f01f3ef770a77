//! Table-driven tests of the resolution engine: every row of bitrise-steps-auth.md §4.7,
//! the stop rules of §2–§3, the three environments, and the input validation of §2.2.

use apple_conn::domain::catalog::{Catalog, SourceKind};
use apple_conn::domain::resolution::{Environment, Outcome, Resolution, Verdict};
use apple_conn::domain::resolve::resolve;
use apple_conn::domain::workspace::Workspace;
use chrono::{DateTime, Utc};

const NOW: &str = "2026-11-24T12:00:00Z";

#[derive(Clone, Copy, Debug)]
enum Conn {
    Nothing,
    Key,
    IndividualKey,
    Aid,
    AidExpired,
    AidNever,
    AidNoAsp,
    KeyAid,
    KeyAidExpired,
}

fn workspace(conn: Conn, step: &str, inputs: &[(&str, &str)]) -> Workspace {
    let (key, aid_line) = match conn {
        Conn::Nothing => (None, None),
        Conn::Key => (Some("CI key"), None),
        Conn::IndividualKey => (Some("Solo"), None),
        Conn::Aid => (None, Some("authenticated_at = 2026-11-20T10:00:00Z")),
        Conn::AidExpired => (None, Some("authenticated_at = 2026-10-01T10:00:00Z")),
        Conn::AidNever => (None, Some("")),
        Conn::AidNoAsp => (None, Some("authenticated_at = 2026-11-20T10:00:00Z")),
        Conn::KeyAid => (
            Some("CI key"),
            Some("authenticated_at = 2026-11-20T10:00:00Z"),
        ),
        Conn::KeyAidExpired => (
            Some("CI key"),
            Some("authenticated_at = 2026-10-01T10:00:00Z"),
        ),
    };
    let asp = if matches!(conn, Conn::AidNoAsp) {
        ""
    } else {
        "app_specific_password = { env = \"ASP\" }"
    };
    let mut text = format!(
        r#"version = 1
you = "alice@example.com"

[[api_keys]]
name = "CI key"
key_id = "2X9R4HXF34"
issuer_id = "57246542-96fe-1a63-e053-0824d011072a"

[[api_keys]]
name = "Solo"
key_id = "SOLO123456"
kind = "individual"

[[apple_ids]]
apple_id = "alice@example.com"
{asp}
{}

[[apps]]
slug = "app"
"#,
        aid_line.unwrap_or("")
    );
    if let Some(k) = key {
        text.push_str(&format!("api_key = \"{k}\"\n"));
    }
    if aid_line.is_some() {
        text.push_str("apple_id = \"alice@example.com\"\n");
    }
    text.push_str(&format!(
        "\n[[apps.steps]]\nid = \"{step}\"\n[apps.steps.inputs]\n"
    ));
    for (k, v) in inputs {
        text.push_str(&format!("{k} = {}\n", toml_string(v)));
    }
    // What the steps require before any auth (deliver main.go validate, fastlane `lane,required`).
    let given = |n: &str| inputs.iter().any(|(k, _)| *k == n);
    if step == "deploy-to-itunesconnect-deliver" && !given("app_id") && !given("bundle_id") {
        text.push_str("bundle_id = \"com.example.app\"\n");
    }
    if step == "fastlane" && !given("lane") {
        text.push_str("lane = \"ios beta\"\n");
    }
    toml::from_str(&text).unwrap_or_else(|e| panic!("bad test workspace: {e}\n{text}"))
}

fn toml_string(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn run(conn: Conn, step: &str, inputs: &[(&str, &str)], env: Environment) -> Resolution {
    let ws = workspace(conn, step, inputs);
    let catalog = Catalog::builtin().unwrap();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let app = &ws.apps[0];
    resolve(&ws, &catalog, app, &app.steps[0], env, now)
}

struct Expect {
    outcome: Outcome,
    auth: Option<&'static str>,
    source: Option<&'static str>,
    identity: Option<&'static str>,
    message: Option<&'static str>,
}

const fn ok(auth: &'static str, source: &'static str, identity: &'static str) -> Expect {
    Expect {
        outcome: Outcome::Ok,
        auth: Some(auth),
        source: Some(source),
        identity: Some(identity),
        message: None,
    }
}

const fn fail(message: &'static str) -> Expect {
    Expect {
        outcome: Outcome::Fail,
        auth: None,
        source: None,
        identity: None,
        message: Some(message),
    }
}

/// The two auto-provision steps print a deprecation banner on every run: never better than warning.
const fn dep(auth: &'static str, source: &'static str, identity: &'static str) -> Expect {
    Expect {
        outcome: Outcome::Warning,
        auth: Some(auth),
        source: Some(source),
        identity: Some(identity),
        message: Some("deprecated"),
    }
}

const fn warn(
    auth: Option<&'static str>,
    source: Option<&'static str>,
    message: &'static str,
) -> Expect {
    Expect {
        outcome: Outcome::Warning,
        auth,
        source,
        identity: None,
        message: Some(message),
    }
}

const KEY: &str = "CI key (2X9R4HXF34)";
const AID: &str = "alice@example.com";
const NO_CREDS: &str = "Could not configure Apple Service authentication: no credentials provided";
const EXPIRED: &str =
    "2FA session saved in Bitrise Developer Connection is expired, was valid until 2026-10-31";
const API_INPUTS: &[(&str, &str)] = &[
    ("api_key_path", "file:///keys/AuthKey_INPUTKEY01.p8"),
    ("api_issuer", "11111111-2222-3333-4444-555555555555"),
];

fn with<'a>(
    base: &'a [(&'a str, &'a str)],
    extra: &'a [(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(extra).copied().collect()
}

fn check(name: &str, r: &Resolution, e: &Expect) {
    let messages = r.messages().join("\n");
    assert_eq!(r.outcome, e.outcome, "{name}: outcome\n{messages}");
    assert_eq!(
        r.auth.map(|a| a.as_str()),
        e.auth,
        "{name}: auth\n{messages}"
    );
    assert_eq!(
        r.origin.map(|o| o.as_str()),
        e.source,
        "{name}: source\n{messages}"
    );
    if let Some(id) = e.identity {
        assert_eq!(r.identity.as_deref(), Some(id), "{name}: identity");
    }
    if let Some(m) = e.message {
        assert!(
            messages.contains(m),
            "{name}: expected a message containing {m:?}, got:\n{messages}"
        );
    }
}

use Environment::{Bitrise, Local, PublicPr};

type Case<'a> = (&'a str, Conn, Vec<(&'a str, &'a str)>, Environment, Expect);

#[test]
fn deliver_rows_of_the_matrix() {
    let d = "deploy-to-itunesconnect-deliver";
    let aid_inputs: &[(&str, &str)] = &[
        ("itunescon_user", "bob@example.com"),
        ("password", "$PW"),
        ("app_password", "$ASP"),
    ];
    let cases: Vec<Case> = vec![
        (
            "automatic: C-API first",
            Conn::KeyAid,
            vec![],
            Bitrise,
            ok("api_key", "connection", KEY),
        ),
        (
            "automatic: C-AID+S second",
            Conn::Aid,
            vec![],
            Bitrise,
            ok("apple_id", "connection", AID),
        ),
        (
            "automatic: expired session stops the walk",
            Conn::AidExpired,
            with(&[], API_INPUTS),
            Bitrise,
            fail(EXPIRED),
        ),
        (
            "automatic: API key beats the expired session",
            Conn::KeyAidExpired,
            vec![],
            Bitrise,
            ok("api_key", "connection", KEY),
        ),
        (
            "automatic: I-API third",
            Conn::Nothing,
            with(&[], API_INPUTS),
            Bitrise,
            warn(
                Some("api_key"),
                Some("step_inputs"),
                "Connected Apple Developer Portal Account not found",
            ),
        ),
        (
            "automatic: I-AID fourth",
            Conn::Nothing,
            aid_inputs.to_vec(),
            Bitrise,
            warn(
                Some("apple_id"),
                Some("step_inputs"),
                "carries no 2FA session",
            ),
        ),
        (
            "automatic: nothing",
            Conn::Nothing,
            vec![],
            Bitrise,
            fail(NO_CREDS),
        ),
        (
            "api_key: only the connection key",
            Conn::Aid,
            vec![("connection", "api_key")],
            Bitrise,
            fail(NO_CREDS),
        ),
        (
            "api_key: inputs are not tried",
            Conn::Nothing,
            with(&[("connection", "api_key")], API_INPUTS),
            Bitrise,
            fail(NO_CREDS),
        ),
        (
            "apple_id: key is not tried",
            Conn::Key,
            vec![("connection", "apple_id")],
            Bitrise,
            fail(NO_CREDS),
        ),
        (
            "apple_id: connection Apple ID",
            Conn::KeyAid,
            vec![("connection", "apple_id")],
            Bitrise,
            ok("apple_id", "connection", AID),
        ),
        (
            "apple_id: expired",
            Conn::AidExpired,
            vec![("connection", "apple_id")],
            Bitrise,
            fail(EXPIRED),
        ),
        (
            "off: inputs over the connection",
            Conn::KeyAid,
            with(&[("connection", "off")], API_INPUTS),
            Bitrise,
            ok("api_key", "step_inputs", "INPUTKEY01"),
        ),
        (
            "off: expired session is never looked at",
            Conn::AidExpired,
            with(&[("connection", "off")], API_INPUTS),
            Bitrise,
            ok("api_key", "step_inputs", "INPUTKEY01"),
        ),
        (
            "off: nothing",
            Conn::KeyAid,
            vec![("connection", "off")],
            Bitrise,
            fail(NO_CREDS),
        ),
        (
            "local: no connection, inputs used",
            Conn::KeyAid,
            with(&[], API_INPUTS),
            Local,
            warn(
                Some("api_key"),
                Some("step_inputs"),
                "Step is not running on bitrise.io",
            ),
        ),
        (
            "local: nothing",
            Conn::KeyAid,
            vec![],
            Local,
            fail(NO_CREDS),
        ),
        (
            "public-pr: goes on without the connection",
            Conn::KeyAid,
            with(&[], API_INPUTS),
            PublicPr,
            warn(
                Some("api_key"),
                Some("step_inputs"),
                "Failed to activate Bitrise Apple Developer Portal connection: failed to fetch authentication credentials: network request failed with status 401",
            ),
        ),
        (
            "public-pr: nothing",
            Conn::KeyAid,
            vec![],
            PublicPr,
            fail(NO_CREDS),
        ),
    ];
    for (name, conn, inputs, env, expect) in cases {
        check(name, &run(conn, d, &inputs, env), &expect);
    }
}

#[test]
fn application_loader_never_checks_the_session() {
    let s = "deploy-to-itunesconnect-application-loader";
    let r = run(Conn::AidExpired, s, &[], Bitrise);
    check(
        "automatic: C-AID without session",
        &r,
        &ok("apple_id", "connection", AID),
    );
    assert_eq!(r.session_expires_at, None);
    assert!(r.receives.iter().all(|(k, _)| k != "FASTLANE_SESSION"));
    check(
        "apple_id",
        &run(Conn::AidExpired, s, &[("connection", "apple_id")], Bitrise),
        &ok("apple_id", "connection", AID),
    );
    check(
        "api_key",
        &run(Conn::Aid, s, &[("connection", "api_key")], Bitrise),
        &fail(NO_CREDS),
    );
    let r = run(Conn::Key, s, &[], Bitrise);
    let names: Vec<_> = r.receives.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "~/.appstoreconnect/private_keys/AuthKey_2X9R4HXF34.p8",
            "--apiKey",
            "--apiIssuer"
        ]
    );
    let r = run(Conn::AidNoAsp, s, &[], Bitrise);
    check(
        "no ASP",
        &r,
        &warn(
            Some("apple_id"),
            Some("connection"),
            "If 2FA enabled, Application-specific password is required when using Apple ID authentication.",
        ),
    );
    let empty = run(Conn::Nothing, s, &[], Bitrise);
    assert!(empty.log.iter().any(|l| {
        l.text
            .contains("Connected Apple Developer Portal Account not found")
            && l.level == apple_conn::domain::resolution::Level::Error
    }));
}

#[test]
fn fastlane_warns_and_runs_without_auth() {
    let r = run(Conn::Nothing, "fastlane", &[], Bitrise);
    check(
        "nothing",
        &r,
        &warn(
            None,
            None,
            "No authentication data found matching the selected Apple Service authentication method (automatic).",
        ),
    );
    assert_eq!(
        r.receives
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["FL_BUILDLOG_PATH"]
    );
    check(
        "expired stays fatal",
        &run(Conn::AidExpired, "fastlane", &[], Bitrise),
        &fail(EXPIRED),
    );
    let r = run(Conn::Aid, "fastlane", &[], Bitrise);
    check("apple id", &r, &ok("apple_id", "connection", AID));
    let names: Vec<_> = r.receives.iter().map(|(k, _)| k.as_str()).collect();
    for expected in [
        "FASTLANE_USER",
        "DELIVER_USERNAME",
        "PILOT_USERNAME",
        "FASTLANE_PASSWORD",
        "FASTLANE_SESSION",
        "FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD",
        "SPACESHIP_SKIP_2FA_UPGRADE",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let session = r
        .receives
        .iter()
        .find(|(k, _)| k == "FASTLANE_SESSION")
        .unwrap();
    assert_eq!(session.1.redacted(), "***");
    let never = run(Conn::AidNever, "fastlane", &[], Bitrise);
    assert!(
        never.receives.iter().all(|(k, _)| k != "FASTLANE_SESSION"),
        "no session without a 2FA code"
    );
    check(
        "never authenticated",
        &never,
        &warn(Some("apple_id"), Some("connection"), "never authenticated"),
    );
    let inputs = run(
        Conn::Nothing,
        "fastlane",
        &[("apple_id", "bob@example.com"), ("password", "$PW")],
        Bitrise,
    );
    assert!(inputs.log.iter().any(|l| l.text == "Inputs with Apple ID authentication found. This method does not support TFA enabled Apple IDs."));
}

#[test]
fn auto_provision_asc_rows() {
    let s = "ios-auto-provision-appstoreconnect";
    check(
        "automatic ignores Apple IDs",
        &run(Conn::Aid, s, &[], Bitrise),
        &fail("could not configure Apple service authentication: no credentials provided"),
    );
    check(
        "automatic C-API",
        &run(Conn::KeyAid, s, &[], Bitrise),
        &dep("api_key", "connection", KEY),
    );
    check(
        "automatic I-API",
        &run(Conn::Nothing, s, API_INPUTS, Bitrise),
        &warn(Some("api_key"), Some("step_inputs"), "deprecated"),
    );
    check(
        "apple_id",
        &run(Conn::KeyAid, s, &[("connection", "apple_id")], Bitrise),
        &dep("apple_id", "connection", AID),
    );
    check(
        "apple-id alias",
        &run(Conn::KeyAid, s, &[("connection", "apple-id")], Bitrise),
        &dep("apple_id", "connection", AID),
    );
    check(
        "enterprise_with_apple_id",
        &run(
            Conn::Aid,
            s,
            &[("connection", "enterprise_with_apple_id")],
            Bitrise,
        ),
        &dep("apple_id", "connection", AID),
    );
    check(
        "apple_id expired",
        &run(Conn::AidExpired, s, &[("connection", "apple_id")], Bitrise),
        &fail("could not configure Apple service authentication: 2FA session saved"),
    );
    check(
        "public-pr is fatal",
        &run(Conn::Key, s, &[], PublicPr),
        &fail("401"),
    );
    check(
        "off never fetches",
        &run(
            Conn::Key,
            s,
            &with(&[("connection", "off")], API_INPUTS),
            PublicPr,
        ),
        &dep("api_key", "step_inputs", "INPUTKEY01"),
    );
    // Only API inputs are validated: Apple-ID-looking inputs are not its inputs at all.
    check(
        "validates API inputs",
        &run(
            Conn::Key,
            s,
            &[("api_key_path", "file:///AuthKey_ABC.p8")],
            Bitrise,
        ),
        &fail("no Apple Service API Issuer provided"),
    );
}

#[test]
fn ios_auto_provision_uses_only_the_connection_apple_id() {
    let s = "ios-auto-provision";
    let r = run(Conn::KeyAid, s, &[], Bitrise);
    check("apple id", &r, &dep("apple_id", "connection", AID));
    assert!(r.receives.iter().any(|(k, _)| k == "FASTLANE_SESSION"));
    check(
        "expired is not checked",
        &run(Conn::AidExpired, s, &[], Bitrise),
        &warn(Some("apple_id"), Some("connection"), "does not check it"),
    );
    check(
        "key only",
        &run(Conn::Key, s, &[], Bitrise),
        &fail("developer portal apple id not provided for this build"),
    );
    check(
        "local",
        &run(Conn::Aid, s, &[], Local),
        &fail("build_url and build_api_token are required"),
    );
    check("public-pr", &run(Conn::Aid, s, &[], PublicPr), &fail("401"));
}

#[test]
fn code_signing_steps() {
    let full: &[(&str, &str)] = &[
        ("automatic_code_signing", "api-key"),
        ("api_key_path", "file:///keys/key.p8"),
        ("api_key_id", " OVERRIDE01  "),
        ("api_key_issuer_id", "11111111-2222-3333-4444-555555555555"),
    ];
    for s in ["xcode-archive", "export-xcarchive", "xcode-build-for-test"] {
        let r = run(Conn::KeyAid, s, &[], Bitrise);
        assert_eq!(r.outcome, Outcome::Skipped, "{s}: off by default");
        assert!(r.log.iter().any(|l| l.text
            == "Automatic code signing is disabled, skipped downloading code sign assets"));
        check(
            s,
            &run(Conn::KeyAid, s, full, Bitrise),
            &ok("api_key", "step_inputs", "OVERRIDE01"),
        );
        check(
            s,
            &run(
                Conn::KeyAid,
                s,
                &[("automatic_code_signing", "api-key")],
                Bitrise,
            ),
            &ok("api_key", "connection", KEY),
        );
        check(
            "partial override is ignored",
            &run(Conn::KeyAid, s, &full[..3], Bitrise),
            &warn(
                Some("api_key"),
                Some("connection"),
                "the override is ignored",
            ),
        );
        check(
            "api-key without key",
            &run(
                Conn::Aid,
                s,
                &[("automatic_code_signing", "api-key")],
                Bitrise,
            ),
            &fail("Apple Service connection via App Store Connect API key is not estabilished"),
        );
        check(
            "apple-id",
            &run(
                Conn::KeyAid,
                s,
                &[("automatic_code_signing", "apple-id")],
                Bitrise,
            ),
            &ok("apple_id", "connection", AID),
        );
        check(
            "apple-id expired only warns",
            &run(
                Conn::AidExpired,
                s,
                &[("automatic_code_signing", "apple-id")],
                Bitrise,
            ),
            &warn(
                Some("apple_id"),
                Some("connection"),
                "Two-factor session has expired at: 2026-10-31 10:00",
            ),
        );
        check(
            "apple-id missing",
            &run(
                Conn::Key,
                s,
                &[("automatic_code_signing", "apple-id")],
                Bitrise,
            ),
            &fail("Apple Service connection through Apple ID is not estabilished"),
        );
        check(
            "local: override works",
            &run(Conn::Nothing, s, full, Local),
            &ok("api_key", "step_inputs", "OVERRIDE01"),
        );
        check(
            "local: no override fails",
            &run(
                Conn::KeyAid,
                s,
                &[("automatic_code_signing", "api-key")],
                Local,
            ),
            &fail("not estabilished"),
        );
        check(
            "public-pr fails even with the override",
            &run(Conn::KeyAid, s, full, PublicPr),
            &fail("401"),
        );
        check(
            "unquoted off",
            &run(
                Conn::KeyAid,
                s,
                &[("automatic_code_signing", "false")],
                Bitrise,
            ),
            &fail("quote it"),
        );
    }
    let m = "manage-ios-code-signing";
    check(
        "default api-key",
        &run(Conn::Key, m, &[], Bitrise),
        &ok("api_key", "connection", KEY),
    );
    let r = run(Conn::Key, m, &[], Bitrise);
    assert!(
        r.receives
            .iter()
            .all(|(k, _)| !k.starts_with("-allowProvisioningUpdates")),
        "never Xcode-managed"
    );
    check(
        "no off value",
        &run(
            Conn::Key,
            m,
            &[("apple_service_connection", "off")],
            Bitrise,
        ),
        &fail("apple_service_connection"),
    );
    // Apple ID sessions: an expired session with no cookies gives no step warning (§8).
    let never = run(
        Conn::AidNever,
        m,
        &[("apple_service_connection", "apple-id")],
        Bitrise,
    );
    assert!(
        never
            .log
            .iter()
            .all(|l| !l.text.starts_with("Two-factor session has expired"))
    );
}

#[test]
fn spaces_only_api_key_id_passes_the_override_check() {
    let r = run(
        Conn::Key,
        "xcode-archive",
        &[
            ("automatic_code_signing", "api-key"),
            ("api_key_path", "file:///k.p8"),
            ("api_key_id", "   "),
            ("api_key_issuer_id", "11111111-2222-3333-4444-555555555555"),
        ],
        Bitrise,
    );
    assert_eq!(r.origin.map(|o| o.as_str()), Some("step_inputs"));
    assert!(
        r.messages()
            .join("\n")
            .contains("api_key_id is only spaces")
    );
}

#[test]
fn input_validation_runs_before_the_walk() {
    let d = "deploy-to-itunesconnect-deliver";
    let mixed = with(
        &[("connection", "api_key"), ("app_password", "$ASP")],
        API_INPUTS,
    );
    let r = run(Conn::Key, d, &mixed, Bitrise);
    check(
        "mixed types fail whatever the connection value",
        &r,
        &fail(
            "Issue with authentication related inputs: both Apple ID and API key related configuration provided, but only one of them expected",
        ),
    );
    assert!(
        r.log
            .iter()
            .any(|l| l.text.starts_with("Either provide Apple ID"))
    );
    check(
        "username needs password",
        &run(
            Conn::Key,
            d,
            &[("itunescon_user", "bob@example.com")],
            Bitrise,
        ),
        &fail("no Apple Service Password provided"),
    );
    check(
        "password needs username",
        &run(Conn::Key, d, &[("password", "x")], Bitrise),
        &fail("no Apple Service Apple ID provided"),
    );
    check(
        "app_password alone is enough",
        &run(Conn::Key, d, &[("app_password", "$ASP")], Bitrise),
        &ok("api_key", "connection", KEY),
    );
    check(
        "issuer needed",
        &run(
            Conn::Key,
            d,
            &[("api_key_path", "file:///AuthKey_A.p8")],
            Bitrise,
        ),
        &fail("no Apple Service API Issuer provided"),
    );
    check(
        "path needed",
        &run(Conn::Key, d, &[("api_issuer", "x")], Bitrise),
        &fail("no Apple Service API Key Path provided"),
    );
    check(
        "spaces-only issuer is not an API input",
        &run(Conn::Key, d, &[("api_issuer", "   ")], Bitrise),
        &ok("api_key", "connection", KEY),
    );
    check(
        "spaces-only password is an Apple ID input",
        &run(Conn::Key, d, &[("password", "  ")], Bitrise),
        &fail("no Apple Service Apple ID provided"),
    );
    check(
        "invalid value",
        &run(Conn::Key, d, &[("connection", "false")], Bitrise),
        &fail("quote it"),
    );
}

#[test]
fn key_id_comes_from_the_file_name_or_bitrise() {
    let d = "deploy-to-itunesconnect-deliver";
    let r = run(
        Conn::Nothing,
        d,
        &[
            ("api_key_path", "https://storage/key.p8"),
            ("api_issuer", "x"),
        ],
        Bitrise,
    );
    assert_eq!(r.identity.as_deref(), Some("Bitrise"));
    assert!(r.messages().join("\n").contains("key ID \"Bitrise\""));
}

#[test]
fn an_individual_key_breaks_the_connection_fetch() {
    let r = run(
        Conn::IndividualKey,
        "deploy-to-itunesconnect-deliver",
        &[],
        Bitrise,
    );
    check("deliver goes on and finds nothing", &r, &fail(NO_CREDS));
    assert!(
        r.messages()
            .join("\n")
            .contains("empty issuer_id in response")
    );
    let r = run(Conn::IndividualKey, "manage-ios-code-signing", &[], Bitrise);
    check(
        "code signing fails on the fetch",
        &r,
        &fail("empty issuer_id in response"),
    );
}

#[test]
fn the_walk_records_every_source() {
    let r = run(
        Conn::Nothing,
        "deploy-to-itunesconnect-deliver",
        API_INPUTS,
        Bitrise,
    );
    let walk: Vec<_> = r
        .walk
        .iter()
        .map(|w| (w.source, w.verdict.clone()))
        .collect();
    assert_eq!(
        walk,
        [
            (SourceKind::ConnectionApiKey, Verdict::NotConfigured),
            (SourceKind::ConnectionAppleIdSession, Verdict::NotConfigured),
            (SourceKind::InputApiKey, Verdict::Chosen),
            (SourceKind::InputAppleId, Verdict::NotTried),
        ]
    );
    let r = run(
        Conn::AidExpired,
        "deploy-to-itunesconnect-deliver",
        API_INPUTS,
        Bitrise,
    );
    let verdicts: Vec<_> = r.walk.iter().map(|w| w.verdict.clone()).collect();
    assert_eq!(
        verdicts,
        [
            Verdict::NotConfigured,
            Verdict::Stopped,
            Verdict::NotTried,
            Verdict::NotTried
        ]
    );
}

#[test]
fn session_expiring_within_seven_days_warns() {
    let mut ws = workspace(Conn::Aid, "fastlane", &[]);
    ws.apple_ids[0].authenticated_at = Some("2026-10-27T12:00:00Z".parse().unwrap());
    let catalog = Catalog::builtin().unwrap();
    let app = &ws.apps[0];
    let r = resolve(
        &ws,
        &catalog,
        app,
        &app.steps[0],
        Bitrise,
        NOW.parse().unwrap(),
    );
    check(
        "expiring",
        &r,
        &warn(Some("apple_id"), Some("connection"), "expires in 2 days"),
    );
    ws.apple_ids[0].session_expires_at = Some("2026-12-20T12:00:00Z".parse().unwrap());
    let r = resolve(
        &ws,
        &catalog,
        &ws.apps[0],
        &ws.apps[0].steps[0],
        Bitrise,
        NOW.parse().unwrap(),
    );
    assert_eq!(
        r.outcome,
        Outcome::Ok,
        "session_expires_at wins over authenticated_at + 30 days"
    );
}

#[test]
fn resolution_is_deterministic() {
    let a = run(Conn::KeyAid, "fastlane", &[], Bitrise);
    let b = run(Conn::KeyAid, "fastlane", &[], Bitrise);
    assert_eq!(a, b);
}
