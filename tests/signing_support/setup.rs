//! The signing workspaces the tests share: local files (`local_workspace`), and files on the
//! Bitrise and App Store Connect stand-ins (`live_setup`, `signing_live`), for tests/signing.rs and
//! the schema check of `signing --format json` (tests/json_schemas.rs).

use std::path::Path;

use chrono::{Duration, Utc};

use super::*;
use crate::common::{self, bin, run, write};

/// The team every certificate and profile here belongs to.
pub const TEAM: &str = "ABCDE12345";

/// Jane's two certificates in `d`: `dist` (Apple Distribution, serial 6A4F2B0E8D3C1A2B) and
/// `dev` (Apple Development, serial 11AA22BB), a year each.
pub fn jane_certs(d: &Path) {
    cert(
        d,
        "dist",
        &format!("Apple Distribution: Jane Doe ({TEAM})"),
        TEAM,
        "6A4F2B0E8D3C1A2B",
        365,
    );
    cert(
        d,
        "dev",
        &format!("Apple Development: Jane Doe ({TEAM})"),
        TEAM,
        "11AA22BB",
        365,
    );
}

/// A workspace whose app signs locally with `dist.p12`, `dev.p12` and one App Store profile.
pub fn local_workspace(d: &Path, profile_expires_days: i64, extra_app: &str) -> std::path::PathBuf {
    jane_certs(d);
    p12(d, "dist", "dist-pw-77", true, false);
    p12(d, "dev", "dev-pw-88", false, false);
    write(&d.join("dev.pw"), "dev-pw-88\n");
    profile(
        d,
        "shop",
        &ProfileSpec {
            name: "Shop App Store",
            uuid: "11111111-2222-3333-4444-555555555555",
            team: TEAM,
            bundle: "com.example.shop",
            expires: Utc::now() + Duration::days(profile_expires_days),
            certs: &["dist"],
            devices: None,
            get_task_allow: false,
            all_devices: false,
        },
    );
    let ws = d.join("workspace.toml");
    write(
        &ws,
        &format!(
            r#"version = 1
you = "alice@example.com"

[[apps]]
slug = "shop-ios"

[apps.signing]
certificates = [{{ path = "dist.p12", password = {{ env = "DIST_P12_PW" }} }}, {{ path = "dev.p12", password = {{ file = "dev.pw" }} }}]
profiles = ["shop.mobileprovision"]
bundle_ids = ["com.example.shop"]

[[apps.steps]]
id = "certificate-and-profile-installer"

[[apps.steps]]
id = "xcode-archive@6"
[apps.steps.inputs]
distribution_method = "app-store"
{extra_app}"#
        ),
    );
    ws
}

pub const BITRISE_PAT: &str = "stub-signing-pat-5e1d";
pub const KEY_ID: &str = "K8SGN12345";

/// Uploads on Bitrise (dist: on Apple; dev: revoked at Apple), one App Store profile, an API key.
pub fn live_setup(
    d: &Path,
    asc_mode: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    jane_certs(d);
    p12(d, "dist", "bitrise-p12-pw-31", false, false);
    p12(d, "dev", "bitrise-p12-pw-32", true, false);
    let spec = |name, uuid, expires| ProfileSpec {
        name,
        uuid,
        team: TEAM,
        bundle: "com.example.shop",
        expires,
        certs: &["dist"],
        devices: None,
        get_task_allow: false,
        all_devices: false,
    };
    profile(
        d,
        "shop",
        &spec(
            "Shop App Store",
            "11111111-2222-3333-4444-555555555555",
            Utc::now() + Duration::days(300),
        ),
    );
    let stale = Utc::now() - Duration::days(3);
    profile(
        d,
        "stale",
        &spec(
            "Shop Managed",
            "66666666-2222-3333-4444-555555555555",
            stale,
        ),
    );
    let path = |f: &str| d.join(f).to_str().unwrap().to_string();
    let bitrise = serde_json::json!({
        "token": BITRISE_PAT,
        "page_size": 1,
        "apps": {"shop-ios": {
            "certificates": [
                {"slug": "bc-1", "file": path("dist.p12"), "name": "Distribution.p12", "password": "bitrise-p12-pw-31",
                 "certificates": [{"serial": "6A4F2B0E8D3C1A2B", "expiry_date": "2027-05-28T00:00:00Z"}]},
                {"slug": "bc-2", "file": path("dev.p12"), "name": "Development.p12", "password": "bitrise-p12-pw-32",
                 "certificates": [{"serial": "11AA22BB", "expiry_date": "2027-05-28T00:00:00Z"}]}
            ],
            "profiles": [{"slug": "pp-1", "file": path("shop.mobileprovision"), "name": "Shop_App_Store.mobileprovision"}]
        }}
    });
    write(&d.join("bitrise.json"), &bitrise.to_string());
    let asc = serde_json::json!({
        "mode": asc_mode,
        "page_size": 1,
        "certificates": [{"id": "CERT1", "serial": "6a4f2b0e8d3c1a2b", "name": "Apple Distribution: Jane Doe", "type": "DISTRIBUTION",
                          "expires": "2027-05-28T00:00:00.000+0000"}],
        "profiles": [
            {"id": "P1", "name": "Shop App Store", "uuid": "11111111-2222-3333-4444-555555555555", "state": "ACTIVE", "type": "IOS_APP_STORE",
             "expires": (Utc::now() + Duration::days(300)).format("%Y-%m-%dT%H:%M:%S.000+0000").to_string(), "file": path("shop.mobileprovision")},
            {"id": "P2", "name": "Shop Managed", "uuid": "66666666-2222-3333-4444-555555555555", "state": "ACTIVE", "type": "IOS_APP_STORE",
             "expires": stale.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string(), "file": path("stale.mobileprovision")}
        ]
    });
    write(&d.join("asc.json"), &asc.to_string());
    common::openssl_p256(d, "AuthKey.p8");
    let ws = d.join("workspace.toml");
    write(
        &ws,
        &format!(
            r#"version = 1
you = "alice@example.com"

[settings.bitrise]
user = "u-alice01"
token = {{ env = "SIGNING_BITRISE_PAT" }}

[[api_keys]]
name = "CI key"
key_id = "{KEY_ID}"
issuer_id = "{}"
private_key = {{ path = "AuthKey.p8" }}

[[apps]]
slug = "shop-ios"
api_key = "CI key"

[[apps.steps]]
id = "manage-ios-code-signing@2"
[apps.steps.inputs]
distribution_method = "app-store"
min_profile_validity = "10"
"#,
            common::ISSUER
        ),
    );
    (ws, d.join("bitrise.json"), d.join("asc.json"))
}

pub fn signing_live(
    ws: &Path,
    bitrise: &stubs::Stub,
    asc: &stubs::Stub,
    extra: &[&str],
) -> common::Run {
    run(bin()
        .arg("-c")
        .arg(ws)
        .args(["signing", "--format", "json", "--bitrise", "--apple"])
        .args([
            "--api-url",
            &format!("{}/v0.1", bitrise.root()),
            "--base-url",
            &asc.root(),
        ])
        .args(extra)
        .env("SIGNING_BITRISE_PAT", BITRISE_PAT))
}
