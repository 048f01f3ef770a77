//! Issue 30: signing files read as openssl reads them, and `apple-conn signing` on local files.

mod common;
mod signing_support;

use std::path::Path;

use apple_conn::domain::signing::files::{CertType, ProfileType};
use apple_conn::signing::{read_p12, read_profile};
use chrono::{Duration, Utc};
use common::{bin, have, require, run, write};
use signing_support::setup::*;
use signing_support::stubs;
use signing_support::*;
use zeroize::Zeroizing;

fn pw(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.to_string())
}

fn openssl_ready() -> bool {
    require(have("openssl"), "openssl")
}

#[test]
fn p12_legacy_and_modern_read_as_openssl_reads_them() {
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cert(
        d,
        "dist",
        &format!("Apple Distribution: Jane Doe ({TEAM})"),
        TEAM,
        "6A4F2B0E8D3C1A2B",
        365,
    );
    for legacy in [true, false] {
        let file = p12(d, "dist", "s3cret pw", legacy, false);
        let certs = read_p12(&std::fs::read(&file).unwrap(), &pw("s3cret pw"))
            .unwrap_or_else(|e| panic!("legacy={legacy}: {e}"));
        assert_eq!(certs.len(), 1, "the CA is left out: {certs:?}");
        let c = &certs[0];
        assert_eq!(c.serial, openssl_serial(d, "dist.pem"));
        assert_eq!(c.serial, "6A4F2B0E8D3C1A2B");
        assert_eq!(c.not_after, openssl_not_after(d, "dist.pem"));
        assert_eq!(c.sha1, openssl_sha1(d, "dist.pem"));
        assert_eq!(c.common_name, openssl_subject_field(d, "dist.pem", "CN"));
        assert_eq!(
            c.team_id.as_deref(),
            Some(openssl_subject_field(d, "dist.pem", "OU").as_str())
        );
        assert_eq!(c.cert_type, CertType::Distribution);
        assert!(c.has_private_key, "legacy={legacy}");
        // openssl itself finds the key in the same file.
        let mut args = vec![
            "pkcs12",
            "-in",
            "dist.p12",
            "-passin",
            "pass:s3cret pw",
            "-nocerts",
            "-nodes",
        ];
        if legacy {
            args.push("-legacy");
        }
        let keys = String::from_utf8(openssl_in(d, &args)).unwrap();
        assert!(keys.contains("PRIVATE KEY"));
    }
    // Without the key: still read, the key is reported missing.
    let file = p12(d, "dist", "pw", false, true);
    let certs = read_p12(&std::fs::read(&file).unwrap(), &pw("pw")).unwrap();
    assert!(!certs[0].has_private_key);
    // A wrong password says so, and never echoes it.
    let e = read_p12(&std::fs::read(&file).unwrap(), &pw("wrong-guess")).unwrap_err();
    assert!(e.to_string().contains("password"), "{e}");
    assert!(!e.to_string().contains("wrong-guess"));
    // Garbage is refused with a reason.
    assert!(read_p12(b"not a p12", &pw("")).is_err());
}

#[test]
fn development_names_are_told_from_distribution() {
    for (cn, t) in [
        ("Apple Development: Jane (X)", CertType::Development),
        ("iPhone Developer: Jane (X)", CertType::Development),
        ("iOS Developer: Jane", CertType::Development),
        ("iPhone Distribution: Org (X)", CertType::Distribution),
        ("apple distribution: org", CertType::Distribution),
        ("Developer ID Application: Org", CertType::Other),
    ] {
        assert_eq!(CertType::of_common_name(cn), t, "{cn}");
    }
}

/// Stem, devices, get-task-allow, all devices, the type go-xcode derives.
type Case<'a> = (&'a str, Option<&'a [&'a str]>, bool, bool, ProfileType);

#[test]
fn profile_reads_as_openssl_reads_it() {
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cert(
        d,
        "dist",
        &format!("Apple Distribution: Jane Doe ({TEAM})"),
        TEAM,
        "0A1B2C",
        365,
    );
    cert(
        d,
        "dev",
        &format!("Apple Development: Jane Doe ({TEAM})"),
        TEAM,
        "7F0001",
        365,
    );
    let expires = (Utc::now() + Duration::days(200)).with_nanosecond0();
    let cases: [Case; 4] = [
        ("store", None, false, false, ProfileType::AppStore),
        (
            "adhoc",
            Some(&["00008030-000A1B2C3D4E5F60"]),
            false,
            false,
            ProfileType::AdHoc,
        ),
        (
            "dev",
            Some(&[
                "00008030-000A1B2C3D4E5F60",
                "b1946ac92492d2347c6235b4d2611184",
            ]),
            true,
            false,
            ProfileType::Development,
        ),
        ("ent", None, false, true, ProfileType::Enterprise),
    ];
    for (stem, devices, gta, all, want) in cases {
        let spec = ProfileSpec {
            name: &format!("Shop {stem}"),
            uuid: "4F1D2C3B-0A9E-4E8F-9D7C-6B5A4F3E2D1C",
            team: TEAM,
            bundle: "com.example.shop",
            expires,
            certs: &["dist", "dev"],
            devices,
            get_task_allow: gta,
            all_devices: all,
        };
        let file = profile(d, stem, &spec);
        let bytes = std::fs::read(&file).unwrap();
        // openssl's own reading of the envelope gives the same plist, byte for byte.
        let from_openssl = openssl_in(
            d,
            &[
                "cms",
                "-verify",
                "-noverify",
                "-inform",
                "DER",
                "-in",
                &format!("{stem}.mobileprovision"),
            ],
        );
        assert_eq!(
            apple_conn::signing::profile::plist_bytes(&bytes).unwrap(),
            from_openssl
        );
        let p = read_profile(&bytes).unwrap();
        assert_eq!(p.name, format!("Shop {stem}"));
        assert_eq!(p.uuid, "4F1D2C3B-0A9E-4E8F-9D7C-6B5A4F3E2D1C");
        assert_eq!(p.team_id.as_deref(), Some(TEAM));
        assert_eq!(p.bundle_id, "com.example.shop");
        assert_eq!(p.expires_at, expires);
        assert_eq!(p.profile_type, want, "{stem}");
        assert_eq!(
            p.cert_serials,
            vec![openssl_serial(d, "dist.pem"), openssl_serial(d, "dev.pem")]
        );
        assert_eq!(p.devices.len(), devices.map_or(0, |l| l.len()));
        assert!(p.entitlements.iter().any(|e| e == "keychain-access-groups"));
    }
    assert!(read_profile(b"\x30\x03\x02\x01\x00").is_err());
    let unsigned = std::fs::read(d.join("dev.plist")).unwrap();
    assert!(
        read_profile(&unsigned).is_err(),
        "a bare plist is not a signed profile"
    );
}

trait Sec0 {
    fn with_nanosecond0(self) -> Self;
}
impl Sec0 for chrono::DateTime<Utc> {
    fn with_nanosecond0(self) -> Self {
        chrono::DateTime::from_timestamp(self.timestamp(), 0).unwrap()
    }
}

fn signing(ws: &Path, now_days: i64, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let now = (Utc::now() + Duration::days(now_days)).to_rfc3339();
    let r = run(bin()
        .arg("-c")
        .arg(ws)
        .args(["signing", "--format", "json", "--now", &now])
        .args(extra)
        .env("DIST_P12_PW", "dist-pw-77"));
    let json: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.all()));
    (r.code, json, r.all())
}

fn codes(json: &serde_json::Value) -> Vec<String> {
    json["apps"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn local_files_ok_then_expiring_then_expired() {
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = local_workspace(dir.path(), 360, "");
    let (code, json, all) = signing(&ws, 1, &[]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["status"], "ok");
    let files = json["apps"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{all}");
    let dist = files.iter().find(|f| f["name"] == "dist.p12").unwrap();
    assert_eq!(dist["kind"], "certificate");
    assert_eq!(dist["from"], "file");
    assert_eq!(dist["serial"], "6A4F2B0E8D3C1A2B");
    assert_eq!(dist["type"], "distribution");
    assert_eq!(dist["private_key"], true);
    assert!(dist["expires_at"].as_str().unwrap().ends_with('Z'));
    let prof = files.iter().find(|f| f["kind"] == "profile").unwrap();
    assert_eq!(prof["uuid"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(prof["type"], "app-store");
    assert!(prof.get("serial").is_none());
    // No secret anywhere in the output.
    assert!(!all.contains("dist-pw-77") && !all.contains("dev-pw-88"));
    assert!(!all.contains("PRIVATE KEY"));

    // 15 days before the profile ends and 20 before the certificates: warnings, exit 1.
    let (code, json, all) = signing(&ws, 345, &[]);
    assert_eq!(code, 1, "{all}");
    let c = codes(&json);
    assert!(c.contains(&"cert_expiring".to_string()), "{c:?}");
    assert!(c.contains(&"profile_expiring".to_string()), "{c:?}");
    // warn_days from the flag moves the threshold.
    let (code, _, all) = signing(&ws, 345, &["--warn-days", "5"]);
    assert_eq!(code, 0, "{all}");

    // After both ended: CRITICAL, exit 2, with the step each breaks and the rule it comes from.
    let (code, json, all) = signing(&ws, 400, &[]);
    assert_eq!(code, 2, "{all}");
    let c = codes(&json);
    for want in ["cert_expired", "no_cert_for_export", "profile_expired"] {
        assert!(c.contains(&want.to_string()), "{want} missing: {c:?}");
    }
    let f = json["apps"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "no_cert_for_export")
        .unwrap()
        .clone();
    assert_eq!(f["severity"], "critical");
    assert!(
        f["step"].as_str().unwrap().starts_with("xcode-archive@6."),
        "{f}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("No valid IOS_DISTRIBUTION type certificates uploaded")
    );
    assert!(
        f["rule"]
            .as_str()
            .unwrap()
            .contains("autocodesign/certificates.go")
    );
    // The table says the same.
    let now = (Utc::now() + Duration::days(400)).to_rfc3339();
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["signing", "--now", &now])
        .env("DIST_P12_PW", "dist-pw-77"));
    assert_eq!(r.code, 2);
    assert!(r.stdout.starts_with("CRITICAL: 1 app"), "{}", r.stdout);
    assert!(r.stdout.contains("no_cert_for_export"), "{}", r.stdout);
}

#[test]
fn wrong_password_missing_key_duplicates_and_foreign_profiles() {
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ws = local_workspace(d, 300, "");
    // Wrong password: the file is unreadable, the password is never shown.
    let now = (Utc::now() + Duration::days(1)).to_rfc3339();
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["signing", "--format", "json", "--now", &now])
        .env("DIST_P12_PW", "not-the-pw-42"));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.contains("file_unreadable"), "{}", r.stdout);
    assert!(!r.all().contains("not-the-pw-42"));
    // No password variable at all: said which reference is empty.
    let r = run(bin().arg("-c").arg(&ws).args(["signing", "--now", &now]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("DIST_P12_PW"), "{}", r.stdout);

    // A second distribution certificate with the same name, a .p12 without its key, a profile of
    // another team and one for another bundle ID.
    cert(
        d,
        "dist2",
        &format!("Apple Distribution: Jane Doe ({TEAM})"),
        TEAM,
        "6A4F2B0E8D3C1A2C",
        200,
    );
    p12(d, "dist2", "", false, false);
    cert(
        d,
        "nokey",
        &format!("Apple Development: Bob ({TEAM})"),
        TEAM,
        "ABCDEF01",
        365,
    );
    p12(d, "nokey", "", false, true);
    for (stem, team, bundle) in [
        ("other-team", "ZZZZZ99999", "com.example.shop"),
        ("other-app", TEAM, "com.example.other"),
    ] {
        profile(
            d,
            stem,
            &ProfileSpec {
                name: stem,
                uuid: "99999999-2222-3333-4444-555555555555",
                team,
                bundle,
                expires: Utc::now() + Duration::days(300),
                certs: &["dist"],
                devices: None,
                get_task_allow: false,
                all_devices: false,
            },
        );
    }
    let text = std::fs::read_to_string(&ws).unwrap().replace(
        r#"{ path = "dev.p12", password = { file = "dev.pw" } }]"#,
        r#"{ path = "dev.p12", password = { file = "dev.pw" } }, { path = "dist2.p12" }, { path = "nokey.p12" }]"#,
    ).replace(
        r#"profiles = ["shop.mobileprovision"]"#,
        r#"profiles = ["shop.mobileprovision", "other-team.mobileprovision", "other-app.mobileprovision"]"#,
    );
    write(&ws, &text);
    let (code, json, all) = signing(&ws, 1, &[]);
    assert_eq!(code, 2, "{all}");
    let c = codes(&json);
    for want in [
        "cert_duplicate_name",
        "cert_no_private_key",
        "profile_wrong_team",
        "profile_wrong_bundle",
    ] {
        assert!(c.contains(&want.to_string()), "{want} missing: {c:?}");
    }
    let dup = json["apps"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "cert_duplicate_name")
        .unwrap();
    // go-xcode keeps the one expiring last: the 200-day one is the duplicate.
    assert_eq!(dup["file"], "dist2.p12", "{dup}");
}

#[test]
fn an_unknown_app_and_a_bad_now_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::base_workspace(dir.path());
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["signing", "--app", "nope", "--format", "json"]));
    assert_eq!(r.code, 3, "{}", r.all());
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["status"], "unknown");
    assert!(j["detail"].as_str().unwrap().contains("shop-ios"));
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["signing", "--now", "yesterday"]));
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("RFC 3339"), "{}", r.all());
    // No signing step and no file: nothing to judge, OK.
    let r = run(bin().arg("-c").arg(&ws).args(["signing"]));
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn bitrise_uploads_and_apple_records_are_compared() {
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ws, bitrise_manifest, asc_manifest) = live_setup(dir.path(), "ok");
    let Some(bitrise) = stubs::start("bitrise_signing.py", &[bitrise_manifest.to_str().unwrap()])
    else {
        return;
    };
    let Some(asc) = stubs::start("asc_stub.py", &[asc_manifest.to_str().unwrap()]) else {
        return;
    };
    let r = signing_live(&ws, &bitrise, &asc, &[]);
    let json: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
    assert_eq!(r.code, 2, "{}", r.all());
    let files = json["apps"][0]["files"].as_array().unwrap();
    let from = |f: &str| files.iter().filter(|x| x["from"] == f).count();
    assert_eq!(from("bitrise"), 3, "{files:#?}");
    assert_eq!(
        from("apple"),
        3,
        "Apple's certificate and two profiles: {files:#?}"
    );
    let dist = files
        .iter()
        .find(|f| f["name"] == "Distribution.p12")
        .unwrap();
    assert_eq!(dist["serial"], "6A4F2B0E8D3C1A2B");
    assert!(
        dist["apple"].as_str().unwrap().starts_with("on Apple"),
        "{dist}"
    );
    let c = codes(&json);
    for want in ["cert_not_on_apple", "profile_active_past_expiry"] {
        assert!(c.contains(&want.to_string()), "{want} missing: {c:?}");
    }
    let not_on = json["apps"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "cert_not_on_apple")
        .unwrap();
    assert_eq!(not_on["file"], "Development.p12");
    assert!(
        not_on["step"]
            .as_str()
            .unwrap()
            .starts_with("manage-ios-code-signing@2.")
    );
    // Nothing secret reached the output.
    assert!(!r.all().contains("bitrise-p12-pw") && !r.all().contains(BITRISE_PAT));
    assert!(
        !r.all().contains("X-Amz-Signature"),
        "the pre-signed URL is a credential"
    );

    // Both stand-ins saw only what their documents describe.
    bitrise.assert_all_valid();
    asc.assert_all_valid();
    let stats = bitrise.stats();
    let reqs = stats["requests"].as_array().unwrap();
    assert!(
        reqs.iter().all(|q| q["authorization"] == BITRISE_PAT),
        "{reqs:#?}"
    );
    assert!(
        reqs.iter().any(|q| q["query"]["next"] == "bc-2"),
        "paged: {reqs:#?}"
    );
    for single in [
        "/v0.1/apps/shop-ios/build-certificates/bc-1",
        "/v0.1/apps/shop-ios/build-certificates/bc-2",
        "/v0.1/apps/shop-ios/provisioning-profiles/pp-1",
    ] {
        assert_eq!(
            reqs.iter().filter(|q| q["path"] == single).count(),
            1,
            "{single}: {reqs:#?}"
        );
    }
    // The download host is another one, and the token never went there.
    let downloads = stats["downloads"].as_array().unwrap();
    assert_eq!(downloads.len(), 3, "{downloads:#?}");
    assert!(
        downloads.iter().all(|d| d["authorization"].is_null()),
        "{downloads:#?}"
    );
    // Apple was asked by serial (lower-case hex, as go-xcode's big.Int.Text(16)) with a bearer token.
    let asc_stats = asc.stats();
    let asked = asc_stats["requests"].as_array().unwrap();
    assert!(
        asked
            .iter()
            .any(|q| q["query"]["filter[serialNumber]"] == "11aa22bb"),
        "{asked:#?}"
    );
    assert!(
        asked
            .iter()
            .all(|q| q["authorization"].as_str().unwrap().starts_with("Bearer "))
    );
    assert!(
        asked.iter().filter(|q| q["path"] == "/v1/profiles").count() >= 2,
        "paged: {asked:#?}"
    );
}

#[test]
fn apple_refusals_are_triaged_by_their_code() {
    if !openssl_ready() {
        return;
    }
    for (mode, code, want_exit, says, never) in [
        (
            "agreement",
            "agreement_required",
            2,
            "Account Holder",
            Some("role"),
        ),
        ("role", "role_insufficient", 2, "Admin role", None),
        ("429", "source_unreachable", 3, "rate-limiting", None),
        ("500", "source_unreachable", 3, "answered 500", None),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (ws, bitrise_manifest, asc_manifest) = live_setup(dir.path(), mode);
        let Some(bitrise) =
            stubs::start("bitrise_signing.py", &[bitrise_manifest.to_str().unwrap()])
        else {
            return;
        };
        let Some(asc) = stubs::start("asc_stub.py", &[asc_manifest.to_str().unwrap()]) else {
            return;
        };
        // Only Apple's refusal: the uploads are fine on their own (no other CRITICAL).
        let r = signing_live(&ws, &bitrise, &asc, &[]);
        let json: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
        let findings = json["apps"][0]["findings"].as_array().unwrap();
        let f = findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{mode}: {findings:#?}"));
        let message = f["message"].as_str().unwrap();
        assert!(message.contains(says), "{mode}: {message}");
        if let Some(word) = never {
            assert!(!message.to_lowercase().contains(word), "{mode}: {message}");
        }
        assert_eq!(r.code, want_exit, "{mode}: {}", r.all());
        asc.assert_all_valid();

        if mode == "agreement" {
            // The same triage in `test` and `doctor --live`.
            let t =
                run(bin()
                    .arg("-c")
                    .arg(&ws)
                    .args(["test", "CI key", "--base-url", &asc.root()]));
            assert_eq!(t.code, 1, "{}", t.all());
            assert!(t.stdout.contains("Account Holder"), "{}", t.stdout);
            assert!(!t.stdout.to_lowercase().contains("role"), "{}", t.stdout);
            let doc = run(bin()
                .arg("-c")
                .arg(&ws)
                .args(["doctor", "--live", "--format", "json"])
                .env("APPLE_CONN_API_BASE_URL", asc.root()));
            assert_eq!(doc.code, 2, "an agreement 403 is CRITICAL: {}", doc.all());
            assert!(doc.stdout.contains("Account Holder"), "{}", doc.stdout);
        }
        if mode == "role" {
            let t =
                run(bin()
                    .arg("-c")
                    .arg(&ws)
                    .args(["test", "CI key", "--base-url", &asc.root()]));
            assert!(t.stdout.contains("lacks access (403)"), "{}", t.stdout);
        }
    }
}

#[test]
fn doctor_signing_adds_the_findings_to_its_status() {
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = local_workspace(dir.path(), 360, "");
    let now = (Utc::now() + Duration::days(400)).to_rfc3339();
    let plain = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--now", &now])
        .env("DIST_P12_PW", "dist-pw-77"));
    let with = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--signing", "--format", "json", "--now", &now])
        .env("DIST_P12_PW", "dist-pw-77"));
    assert_eq!(with.code, 2, "{}", with.all());
    assert_ne!(plain.code, 2, "{}", plain.all());
    let j: serde_json::Value = serde_json::from_str(&with.stdout).unwrap();
    assert_eq!(j["status"], "critical");
    assert!(
        j["signing"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "cert_expired")
    );
    let text = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["doctor", "--signing", "--now", &now])
        .env("DIST_P12_PW", "dist-pw-77"));
    assert!(text.stdout.starts_with("CRITICAL"), "{}", text.stdout);
    assert!(
        text.stdout.contains("signing: app shop-ios"),
        "{}",
        text.stdout
    );
}

#[test]
fn preview_has_a_signing_line_per_signing_step() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("workspace.toml");
    write(
        &ws,
        r#"version = 1
you = "alice@example.com"

[[api_keys]]
name = "Mine"
key_id = "IND1234567"
kind = "individual"

[[apps]]
slug = "shop-ios"
api_key = "Mine"

[[apps.steps]]
id = "certificate-and-profile-installer"

[[apps.steps]]
id = "manage-ios-code-signing@2"
[apps.steps.inputs]
distribution_method = "ad-hoc"
min_profile_validity = "14"

[[apps.steps]]
id = "deploy-to-itunesconnect-deliver"
"#,
    );
    let r = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["preview", "--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let steps = j["apps"][0]["steps"].as_array().unwrap();
    assert!(
        steps[0]["signing"]
            .as_str()
            .unwrap()
            .contains("installs every uploaded")
    );
    let manage = steps[1]["signing"].as_str().unwrap();
    assert!(
        manage.contains("IOS_DISTRIBUTION") && manage.contains("within 14 days"),
        "{manage}"
    );
    assert!(manage.contains("individual key"), "{manage}");
    assert!(steps[2].get("signing").is_none(), "deliver does not sign");
    let t = run(bin().arg("-c").arg(&ws).args(["preview", "--wide"]));
    assert!(
        t.stdout
            .contains("signing: Bitrise-managed (api-key) for ad-hoc"),
        "{}",
        t.stdout
    );
    // The signing command judges the individual key on its own (no files needed).
    let s = run(bin()
        .arg("-c")
        .arg(&ws)
        .args(["signing", "--format", "json"]));
    assert_eq!(s.code, 2, "{}", s.all());
    assert!(
        s.stdout.contains("individual_key_provisioning"),
        "{}",
        s.stdout
    );
}

#[test]
fn tui_signing_view_lists_files_and_shows_a_findings_rule() {
    use apple_conn::tui::state::Layer;
    use apple_conn::tui::testing::Harness;
    if !openssl_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ws = local_workspace(d, 360, "");
    // The TUI reads the password where the reference points (a file here).
    write(&d.join("dist.pw"), "dist-pw-77");
    let text = std::fs::read_to_string(&ws)
        .unwrap()
        .replace(r#"{ env = "DIST_P12_PW" }"#, r#"{ file = "dist.pw" }"#);
    write(&ws, &text);
    let loaded = apple_conn::store::load(&ws).unwrap();
    let now = Utc::now() + Duration::days(400);
    let mut h = Harness::with(
        loaded,
        Harness::memory_store(),
        apple_conn::tui::effects::Service::Demo,
        false,
        now,
        false,
    );
    h.keys("2 S");
    let Some(Layer::Signing(view)) = h.state.layers.last() else {
        panic!("no Signing view: {:?}", h.state.status);
    };
    assert!(view.findings() >= 3);
    let screen = h.render(120, 40);
    assert!(screen.contains("Signing · shop-ios · CRITICAL"), "{screen}");
    assert!(screen.contains("dist.p12"), "{screen}");
    assert!(screen.contains("expired"), "{screen}");
    assert!(!screen.contains("rule:"), "{screen}");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("rule: "), "{screen}");
    assert!(!screen.contains("dist-pw-77"));
    h.keys("esc");
    assert!(h.state.layers.is_empty());
}
