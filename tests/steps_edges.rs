//! The steps' edges, each fact tied to the step, tag and file it comes from: versions, checks
//! before auth, teams, the steps' own texts and levels, deprecation.

use apple_conn::domain::catalog::Catalog;
use apple_conn::domain::resolution::{Environment, Outcome, Resolution};
use apple_conn::domain::resolve::resolve;
use apple_conn::domain::workspace::Workspace;
use chrono::{DateTime, Utc};

const NOW: &str = "2026-11-24T12:00:00Z";

/// A workspace with one app; `conn` is extra app lines, `aid` extra Apple ID lines.
fn ws(app_lines: &str, aid_lines: &str, step: &str, inputs: &[(&str, &str)]) -> Workspace {
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
app_specific_password = {{ env = "ASP" }}
authenticated_at = 2026-11-20T10:00:00Z
{aid_lines}

[[apps]]
slug = "app"
{app_lines}

[[apps.steps]]
id = "{step}"
[apps.steps.inputs]
"#
    );
    for (k, v) in inputs {
        text.push_str(&format!("{k} = {v:?}\n"));
    }
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn run_at(w: &Workspace, env: Environment, now: &str) -> Resolution {
    let catalog = Catalog::builtin().unwrap();
    let now: DateTime<Utc> = now.parse().unwrap();
    resolve(w, &catalog, &w.apps[0], &w.apps[0].steps[0], env, now)
}

fn run(w: &Workspace, env: Environment) -> Resolution {
    run_at(w, env, NOW)
}

fn says(r: &Resolution, text: &str) -> bool {
    r.messages().iter().any(|m| m.contains(text)) || r.log.iter().any(|l| l.text.contains(text))
}

const TWO_TEAMS: &str =
    "teams = [{ id = \"TEAM000001\", name = \"One\" }, { id = \"TEAM000002\", name = \"Two\" }]";
const APPLE_ID: &str = "apple_id = \"alice@example.com\"";
const DELIVER: &str = "deploy-to-itunesconnect-deliver";

// ---------------------------------------------------------------- versions

#[test]
fn references_pick_the_version_range() {
    let c = Catalog::builtin().unwrap();
    let v = |r: &str| {
        let (s, note) = c.step_at(DELIVER, r).unwrap();
        (s.version.clone().unwrap(), note.is_some())
    };
    // StepLib steps/deploy-to-itunesconnect-deliver/: 2.19.0 is the last without `connection`.
    assert_eq!(v("").0, "2.23.0");
    assert_eq!(v("2").0, "2.23.0");
    assert!(!v("2.19").1);
    let (s19, _) = c.step_at(DELIVER, "2.19").unwrap();
    let (s190, _) = c.step_at(DELIVER, "2.19.0").unwrap();
    assert!(!s19.declares_input("connection") && !s190.declares_input("connection"));
    assert!(
        c.step_at(DELIVER, "2.20.0")
            .unwrap()
            .0
            .declares_input("connection")
    );
    // Unknown future versions: the newest range, with a note.
    let (s, note) = c.step_at(DELIVER, "3").unwrap();
    assert!(
        s.declares_input("altool_options"),
        "2.23.0 added altool_options"
    );
    assert!(
        note.unwrap()
            .contains("newer than the newest version apple-conn knows (2.23.0)")
    );
}

#[test]
fn input_lists_follow_each_versions_step_yml() {
    let c = Catalog::builtin().unwrap();
    let at = |id: &str, r: &str| c.step_at(id, r).unwrap().0.clone();
    // xcode-archive 6.1.2 step.yml: testflight_internal_testing_only yes; cache_level, team_id,
    // product and skip_build no (6.0.0 dropped cache_level).
    let xa = at("xcode-archive", "");
    assert_eq!(xa.version.as_deref(), Some("6.1.2"));
    assert!(xa.declares_input("testflight_internal_testing_only"));
    for gone in ["cache_level", "team_id", "product", "skip_build"] {
        assert!(!xa.declares_input(gone), "{gone}");
    }
    assert!(at("xcode-archive", "5.9.5").declares_input("cache_level"));
    // xcode-archive 4.0.0 renamed export_method, team_id, custom_export_options_plist_content.
    assert!(at("xcode-archive", "3.3.2").declares_input("export_method"));
    assert_eq!(
        xa.rename_hint("export_method").as_deref(),
        Some("renamed to `distribution_method` in 4.0.0")
    );
    // 4.1.0 added automatic_code_signing, 4.6.0 the override, 5.3.0 the enterprise input.
    assert!(!at("xcode-archive", "4.0.4").declares_input("automatic_code_signing"));
    assert!(at("xcode-archive", "4.1.0").declares_input("automatic_code_signing"));
    assert!(!at("xcode-archive", "4.5.2").declares_input("api_key_path"));
    assert!(at("xcode-archive", "4.6.0").declares_input("api_key_path"));
    assert!(!at("xcode-archive", "5.2.2").declares_input("api_key_enterprise_account"));
    assert!(at("xcode-archive", "5.3.0").declares_input("api_key_enterprise_account"));
    // export-xcarchive: the override from 4.3.0, enterprise from 4.6.0.
    assert!(!at("export-xcarchive", "4.2.8").declares_input("api_key_path"));
    assert!(at("export-xcarchive", "4.3.0").declares_input("api_key_path"));
    assert!(!at("export-xcarchive", "4.5.3").declares_input("api_key_enterprise_account"));
    assert!(at("export-xcarchive", "4.6.0").declares_input("api_key_enterprise_account"));
    // xcode-build-for-test: enterprise from 3.1.0; the StepLib is at 3.4.0.
    assert!(!at("xcode-build-for-test", "3.0.1").declares_input("api_key_enterprise_account"));
    assert!(at("xcode-build-for-test", "3.1.0").declares_input("api_key_enterprise_account"));
    assert_eq!(
        at("xcode-build-for-test", "").version.as_deref(),
        Some("3.4.0")
    );
    // deliver 2.23.0: itms_upload_parameters; loader 2.1.0: bundle_id, retries, altool_options.
    assert!(at(DELIVER, "").declares_input("itms_upload_parameters"));
    let loader = at("deploy-to-itunesconnect-application-loader", "");
    for i in [
        "bundle_id",
        "bundle_version",
        "bundle_short_version_string",
        "retries",
        "altool_options",
    ] {
        assert!(loader.declares_input(i), "{i}");
    }
}

#[test]
fn deliver_before_2_20_never_uses_the_connection_key() {
    // deliver@2.19.0 main.go:419-452: no connection input, the key of the connection unused.
    let w = ws(
        "api_key = \"CI key\"",
        "",
        &format!("{DELIVER}@2.19.0"),
        &[("bundle_id", "com.example.app")],
    );
    let r = run(&w, Environment::Bitrise);
    assert_eq!(r.outcome, Outcome::Fail, "{:?}", r.messages());
    assert!(says(&r, "no credentials provided"));
    let w = ws(
        "api_key = \"CI key\"",
        "",
        DELIVER,
        &[("bundle_id", "com.example.app")],
    );
    assert_eq!(run(&w, Environment::Bitrise).outcome, Outcome::Ok);
}

#[test]
fn code_signing_before_alpha_38_fails_on_an_expired_session() {
    // go.mod: xcode-archive 5.0.3 pins go-xcode/v2 alpha.37 (no check), 5.0.4 alpha.38 (warns).
    let expired = "session_expires_at = 2026-11-01T00:00:00Z";
    let inputs = [("automatic_code_signing", "apple-id")];
    let old = ws(APPLE_ID, expired, "xcode-archive@5.0.3", &inputs);
    assert_eq!(run(&old, Environment::Bitrise).outcome, Outcome::Fail);
    let new = ws(APPLE_ID, expired, "xcode-archive@5.0.4", &inputs);
    let r = run(&new, Environment::Bitrise);
    assert_eq!(r.outcome, Outcome::Warning);
    assert!(says(
        &r,
        "Two-factor session has expired at: 2026-11-01 00:00"
    ));
}

#[test]
fn at_the_expiry_instant_the_session_is_still_valid() {
    // go-xcode codesign.go / appleauth: SessionExpiryDate.Before(time.Now()).
    let w = ws(
        APPLE_ID,
        "session_expires_at = 2026-11-24T12:00:00Z",
        DELIVER,
        &[("connection", "apple_id"), ("bundle_id", "x")],
    );
    let r = run(&w, Environment::Bitrise);
    assert_ne!(r.outcome, Outcome::Fail, "{:?}", r.messages());
    let r = run_at(&w, Environment::Bitrise, "2026-11-24T12:00:01Z");
    assert_eq!(r.outcome, Outcome::Fail);
}

// ---------------------------------------------------------------- preconditions

#[test]
fn checks_before_auth_stop_the_step() {
    // deliver@2.22.1 main.go:247-255.
    let w = ws("api_key = \"CI key\"", "", DELIVER, &[]);
    let r = run(&w, Environment::Bitrise);
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(says(
        &r,
        "Issue with input: no AppID or BundleID parameter specified"
    ));
    let w = ws(
        "api_key = \"CI key\"",
        "",
        DELIVER,
        &[("app_id", "123"), ("ipa_path", ""), ("pkg_path", "")],
    );
    assert!(says(
        &run(&w, Environment::Bitrise),
        "no IpaPath nor PkgPath parameter specified"
    ));
    // The absent ipa_path takes its default $BITRISE_IPA_PATH: fine.
    let w = ws("api_key = \"CI key\"", "", DELIVER, &[("app_id", "123")]);
    assert_eq!(run(&w, Environment::Bitrise).outcome, Outcome::Ok);
    // fastlane@3.5.2 config.go:18 lane,required.
    let w = ws("api_key = \"CI key\"", "", "fastlane", &[("lane", "")]);
    assert!(says(
        &run(&w, Environment::Bitrise),
        "Lane: required variable is not present"
    ));
    // application-loader@2.1.0 main.go:70: exactly one of ipa_path/pkg_path.
    let w = ws(
        "api_key = \"CI key\"",
        "",
        "deploy-to-itunesconnect-application-loader",
        &[("ipa_path", "a.ipa"), ("pkg_path", "a.pkg")],
    );
    assert!(says(
        &run(&w, Environment::Bitrise),
        "one artifact is required and only one is allowed"
    ));
    // go-xcode/v2 codesign/inputparse.go: certificate and keychain inputs, unless off.
    let w = ws(
        "api_key = \"CI key\"",
        "",
        "xcode-archive",
        &[
            ("automatic_code_signing", "api-key"),
            ("certificate_url_list", ""),
        ],
    );
    assert!(says(
        &run(&w, Environment::Bitrise),
        "code signing certificate URL is not specified"
    ));
    let w = ws("", "", "xcode-archive", &[("certificate_url_list", "")]);
    assert_eq!(run(&w, Environment::Bitrise).outcome, Outcome::Skipped);
}

// ---------------------------------------------------------------- teams

#[test]
fn several_teams_need_a_team_input() {
    // spaceship portal/auth_client.rb (go-xcode/v2 spaceship, ios-auto-provision@2.0.3).
    let multi = "Your developer portal account belongs to multiple teams";
    let xa = [("automatic_code_signing", "apple-id")];
    let w = ws(APPLE_ID, TWO_TEAMS, "xcode-archive", &xa);
    let r = run(&w, Environment::Bitrise);
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(says(&r, multi));
    let with_fallback = [
        ("automatic_code_signing", "apple-id"),
        (
            "fallback_provisioning_profile_url_list",
            "https://x/p.mobileprovision",
        ),
    ];
    let r = run(
        &ws(APPLE_ID, TWO_TEAMS, "xcode-archive", &with_fallback),
        Environment::Bitrise,
    );
    assert_eq!(r.outcome, Outcome::Warning);
    let team = [
        ("automatic_code_signing", "apple-id"),
        ("export_development_team", "TEAM000002"),
    ];
    assert_eq!(
        run(
            &ws(APPLE_ID, TWO_TEAMS, "xcode-archive", &team),
            Environment::Bitrise
        )
        .outcome,
        Outcome::Ok
    );
    let wrong = [
        ("automatic_code_signing", "apple-id"),
        ("export_development_team", "TEAM000009"),
    ];
    assert_eq!(
        run(
            &ws(APPLE_ID, TWO_TEAMS, "xcode-archive", &wrong),
            Environment::Bitrise
        )
        .outcome,
        Outcome::Fail
    );
    let one = "teams = [{ id = \"TEAM000001\", name = \"One\" }]";
    assert_eq!(
        run(
            &ws(APPLE_ID, one, "xcode-archive", &xa),
            Environment::Bitrise
        )
        .outcome,
        Outcome::Ok
    );
    // ios-auto-provision (Ruby) and the ASC step with connection apple_id fail too.
    assert_eq!(
        run(
            &ws(APPLE_ID, TWO_TEAMS, "ios-auto-provision", &[]),
            Environment::Bitrise
        )
        .outcome,
        Outcome::Fail
    );
    let asc = ws(
        APPLE_ID,
        TWO_TEAMS,
        "ios-auto-provision-appstoreconnect",
        &[("connection", "apple_id")],
    );
    assert_eq!(run(&asc, Environment::Bitrise).outcome, Outcome::Fail);
}

// ---------------------------------------------------------------- texts and levels

#[test]
fn public_pr_texts_are_the_wrapped_401() {
    // go-xcode@v1.0.16 devportalservice.go:71 wraps with %v: the "Unauthorized" branch is dead.
    let status =
        "failed to fetch authentication credentials: network request failed with status 401";
    let w = ws(
        "",
        "",
        DELIVER,
        &[
            ("bundle_id", "x"),
            ("itunescon_user", "a@b.c"),
            ("password", "$PW"),
        ],
    );
    let r = run(&w, Environment::PublicPr);
    let line = r.log.iter().find(|l| l.text.contains(status)).unwrap();
    assert_eq!(line.level, apple_conn::domain::resolution::Level::Error);
    assert!(!says(&r, "Unauthorized"));
    // fastlane@3.5.2 config.go:225 logs it as a warning.
    let w = ws("", "", "fastlane", &[("lane", "ios beta")]);
    let r = run(&w, Environment::PublicPr);
    let line = r.log.iter().find(|l| l.text.contains(status)).unwrap();
    assert_eq!(line.level, apple_conn::domain::resolution::Level::Warning);
    // Code signing: devportalclient.go:56-60, then the step fails.
    let w = ws("api_key = \"CI key\"", "", "manage-ios-code-signing", &[]);
    let r = run(&w, Environment::PublicPr);
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(says(
        &r,
        "Failed to activate Bitrise Apple Service connection"
    ));
    assert!(says(&r, status));
}

#[test]
fn not_on_bitrise_is_printed_also_with_off() {
    // deliver@2.22.1 main.go:313-318: before the `connection != off` test.
    let w = ws(
        "",
        "",
        DELIVER,
        &[
            ("bundle_id", "x"),
            ("connection", "off"),
            ("itunescon_user", "a@b.c"),
            ("password", "$PW"),
        ],
    );
    assert!(says(
        &run(&w, Environment::Local),
        "Step is not running on bitrise.io"
    ));
    // ios-auto-provision-appstoreconnect@2.2.8 main.go:100: only when connection != off.
    let w = ws(
        "",
        "",
        "ios-auto-provision-appstoreconnect",
        &[
            ("connection", "off"),
            ("api_key_path", "file:///AuthKey_AB12345678.p8"),
            ("api_issuer", "i"),
        ],
    );
    assert!(!says(
        &run(&w, Environment::Local),
        "Step is not running on bitrise.io"
    ));
}

#[test]
fn fastlane_prints_not_connected_only_when_nothing_matched() {
    // fastlane@3.5.2 config.go:198-206.
    let nc = "Most likely because there is no Apple Developer Portal Account connected";
    let w = ws(
        "",
        "",
        "fastlane",
        &[
            ("lane", "ios beta"),
            ("api_key_path", "file:///AuthKey_AB12345678.p8"),
            ("api_issuer", "i"),
        ],
    );
    assert!(!says(&run(&w, Environment::Bitrise), nc));
    let w = ws("", "", "fastlane", &[("lane", "ios beta")]);
    assert!(says(&run(&w, Environment::Bitrise), nc));
    // ios-auto-provision-appstoreconnect never prints that text.
    let w = ws(
        "",
        "",
        "ios-auto-provision-appstoreconnect",
        &[
            ("api_key_path", "file:///AuthKey_AB12345678.p8"),
            ("api_issuer", "i"),
        ],
    );
    assert!(!says(&run(&w, Environment::Bitrise), nc));
}

#[test]
fn auto_provision_steps_are_deprecated() {
    // StepLib steps/<id>/step-info.yml: removal_date 2022-09-15; the banner in main.go / step.rb.
    for id in ["ios-auto-provision", "ios-auto-provision-appstoreconnect"] {
        let app = if id == "ios-auto-provision" {
            APPLE_ID
        } else {
            "api_key = \"CI key\""
        };
        let r = run(&ws(app, "", id, &[]), Environment::Bitrise);
        assert_eq!(r.outcome, Outcome::Warning, "{id}: {:?}", r.messages());
        assert!(
            says(&r, "2022-09-15") && says(&r, "manage-ios-code-signing"),
            "{id}"
        );
        assert!(says(&r, "This Step has been deprecated"));
    }
}

#[test]
fn ios_auto_provision_ignores_an_individual_key() {
    // auth_data.rb:10-16 at 2.0.3 reads apple_id, password, session_cookies, test_devices only.
    let w = ws(
        "api_key = \"Solo\"\napple_id = \"alice@example.com\"",
        "",
        "ios-auto-provision",
        &[],
    );
    let r = run(&w, Environment::Bitrise);
    assert_eq!(r.outcome, Outcome::Warning, "{:?}", r.messages());
    assert_eq!(r.identity.as_deref(), Some("alice@example.com"));
}

#[test]
fn min_profile_validity_forces_bitrise_signing_only_above_zero() {
    // xcode-archive step.go: Xcode-managed signing needs MinDaysProfileValidity <= 0.
    let xcode = |v: &str| {
        let w = ws(
            "api_key = \"CI key\"",
            "",
            "xcode-archive",
            &[
                ("automatic_code_signing", "api-key"),
                ("min_profile_validity", v),
            ],
        );
        run(&w, Environment::Bitrise)
            .receives
            .iter()
            .any(|(k, _)| k == "-allowProvisioningUpdates")
    };
    assert!(xcode("0"));
    assert!(xcode("-1"));
    assert!(!xcode("7"));
}

// ---------------------------------------------------------------- check, per version

fn problems(id: &str, reference: &str, inputs: &[(&str, &str)]) -> Vec<String> {
    let c = Catalog::builtin().unwrap();
    let (step, _) = c.step_at(id, reference).unwrap();
    let given: indexmap::IndexMap<String, String> = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    apple_conn::domain::check::input_problems(step, &given)
        .into_iter()
        .map(|(_, sev, m)| format!("{sev:?}: {m}"))
        .collect()
}

#[test]
fn check_judges_inputs_by_the_referenced_version() {
    // xcode-archive 6.1.2 step.yml declares testflight_internal_testing_only: no warning.
    assert!(
        problems(
            "xcode-archive",
            "",
            &[("testflight_internal_testing_only", "yes")]
        )
        .is_empty()
    );
    // export_method was renamed in 4.0.0: ignored by 6.x, fine at 3.3.2.
    let p = problems("xcode-archive", "6", &[("export_method", "app-store")]);
    assert!(
        p[0].contains("renamed to `distribution_method` in 4.0.0"),
        "{p:?}"
    );
    assert!(problems("xcode-archive", "3.3.2", &[("export_method", "app-store")]).is_empty());
    // cache_level: declared until 5.9.5, dropped by 6.0.0.
    assert!(problems("xcode-archive", "5", &[("cache_level", "none")]).is_empty());
    assert!(!problems("xcode-archive", "6", &[("cache_level", "none")]).is_empty());
    // deliver 2.19 has no connection input; 2.23.0 has itms_upload_parameters and altool_options.
    assert!(!problems(DELIVER, "2.19", &[("connection", "api_key")]).is_empty());
    assert!(
        problems(
            DELIVER,
            "",
            &[("itms_upload_parameters", "-x"), ("altool_options", "-y")]
        )
        .is_empty()
    );
    // A value outside the version's value_options is an error.
    let p = problems("xcode-archive", "", &[("distribution_method", "store")]);
    assert!(
        p[0].starts_with("Error") && p[0].contains("\"app-store\""),
        "{p:?}"
    );
}

#[test]
fn a_workspace_step_takes_a_version() {
    // `version = "2.19"` and `id = "…@2.19"` both pick deliver 2.19.0 (no connection input).
    let by_field = ws("api_key = \"CI key\"", "", DELIVER, &[("bundle_id", "x")]);
    let mut by_field = by_field;
    by_field.apps[0].steps[0].version = Some("2.19".into());
    let by_id = ws(
        "api_key = \"CI key\"",
        "",
        &format!("{DELIVER}@2.19"),
        &[("bundle_id", "x")],
    );
    for w in [by_field, by_id] {
        let r = run(&w, Environment::Bitrise);
        assert_eq!(r.outcome, Outcome::Fail, "{:?}", r.messages());
        assert!(says(&r, "before 2.20.0 has no connection input"));
    }
}
