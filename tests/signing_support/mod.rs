//! Signing fixtures made by openssl (a tool we did not write): a CA, Apple-named certificates in
//! `.p12` (with `-legacy` and without), and profiles as `openssl cms -sign` around a plist.
#![allow(dead_code)]

pub mod setup;
pub mod stubs;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use chrono::{DateTime, Utc};

pub fn openssl_in(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A CA that signs the certificates and the profiles (Apple's WWDR stands in).
pub fn ca(dir: &Path) {
    if dir.join("ca.pem").exists() {
        return;
    }
    openssl_in(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=Test Worldwide Developer Relations CA/O=Test/C=US",
        ],
    );
}

/// A certificate named like Apple's (`Apple Distribution: Name (TEAM)`, OU = the team), signed
/// by the CA, valid `days` from now; `stem.pem`, `stem.key`, `stem.der` in `dir`.
pub fn cert(dir: &Path, stem: &str, cn: &str, team: &str, serial: &str, days: u32) -> PathBuf {
    ca(dir);
    let subj = format!("/UID={stem}/CN={cn}/OU={team}/O=Test Org/C=US");
    openssl_in(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{stem}.key"),
            "-out",
            &format!("{stem}.csr"),
            "-subj",
            &subj,
        ],
    );
    openssl_in(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{stem}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &format!("0x{serial}"),
            "-days",
            &days.to_string(),
            "-out",
            &format!("{stem}.pem"),
        ],
    );
    openssl_in(
        dir,
        &[
            "x509",
            "-in",
            &format!("{stem}.pem"),
            "-outform",
            "DER",
            "-out",
            &format!("{stem}.der"),
        ],
    );
    dir.join(format!("{stem}.pem"))
}

/// `stem.p12` with the key (unless `nokeys`) and the CA, as `openssl pkcs12 -export` writes it.
pub fn p12(dir: &Path, stem: &str, password: &str, legacy: bool, nokeys: bool) -> PathBuf {
    let out = format!("{stem}.p12");
    let pass = format!("pass:{password}");
    let pem = format!("{stem}.pem");
    let key = format!("{stem}.key");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-in",
        &pem,
        "-certfile",
        "ca.pem",
        "-name",
        stem,
    ];
    if nokeys {
        args.push("-nokeys");
    } else {
        args.extend(["-inkey", &key]);
    }
    if legacy {
        args.push("-legacy");
    }
    args.extend(["-passout", &pass, "-out", &out]);
    openssl_in(dir, &args);
    dir.join(out)
}

pub struct ProfileSpec<'a> {
    pub name: &'a str,
    pub uuid: &'a str,
    pub team: &'a str,
    pub bundle: &'a str,
    pub expires: DateTime<Utc>,
    /// Certificates (their `.der` stems) the profile names.
    pub certs: &'a [&'a str],
    /// None: App Store; Some(list) with get-task-allow: development, without: ad hoc.
    pub devices: Option<&'a [&'a str]>,
    pub get_task_allow: bool,
    pub all_devices: bool,
}

/// The plist a profile carries.
pub fn profile_plist(dir: &Path, p: &ProfileSpec) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let certs: String = p
        .certs
        .iter()
        .map(|c| {
            let der = std::fs::read(dir.join(format!("{c}.der"))).unwrap();
            format!("<data>{}</data>", b64.encode(der))
        })
        .collect();
    let devices = match p.devices {
        Some(list) => format!(
            "<key>ProvisionedDevices</key><array>{}</array>",
            list.iter()
                .map(|d| format!("<string>{d}</string>"))
                .collect::<String>()
        ),
        None => String::new(),
    };
    let all = if p.all_devices {
        "<key>ProvisionsAllDevices</key><true/>"
    } else {
        ""
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>AppIDName</key><string>Shop</string>
<key>ApplicationIdentifierPrefix</key><array><string>{team}</string></array>
<key>CreationDate</key><date>2026-01-01T00:00:00Z</date>
<key>Platform</key><array><string>iOS</string></array>
<key>DeveloperCertificates</key><array>{certs}</array>
<key>Entitlements</key><dict>
<key>application-identifier</key><string>{team}.{bundle}</string>
<key>com.apple.developer.team-identifier</key><string>{team}</string>
<key>get-task-allow</key>{gta}
<key>keychain-access-groups</key><array><string>{team}.*</string></array>
</dict>
<key>ExpirationDate</key><date>{expires}</date>
<key>Name</key><string>{name}</string>
{devices}{all}
<key>TeamIdentifier</key><array><string>{team}</string></array>
<key>TeamName</key><string>Test Org</string>
<key>TimeToLive</key><integer>365</integer>
<key>UUID</key><string>{uuid}</string>
<key>Version</key><integer>1</integer>
</dict>
</plist>
"#,
        team = p.team,
        bundle = p.bundle,
        gta = if p.get_task_allow {
            "<true/>"
        } else {
            "<false/>"
        },
        expires = p.expires.format("%Y-%m-%dT%H:%M:%SZ"),
        name = p.name,
        uuid = p.uuid,
    )
}

/// `stem.mobileprovision`: the plist signed by the CA with `openssl cms -sign` (DER, content inside).
pub fn profile(dir: &Path, stem: &str, p: &ProfileSpec) -> PathBuf {
    ca(dir);
    let plist = format!("{stem}.plist");
    std::fs::write(dir.join(&plist), profile_plist(dir, p)).unwrap();
    let out = format!("{stem}.mobileprovision");
    openssl_in(
        dir,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "DER",
            "-in",
            &plist,
            "-signer",
            "ca.pem",
            "-inkey",
            "ca.key",
            "-out",
            &out,
        ],
    );
    dir.join(out)
}

/// The serial openssl reads (`serial=0A1B…`), without leading zeros.
pub fn openssl_serial(dir: &Path, pem: &str) -> String {
    let out =
        String::from_utf8(openssl_in(dir, &["x509", "-in", pem, "-noout", "-serial"])).unwrap();
    let hex = out
        .trim()
        .trim_start_matches("serial=")
        .trim_start_matches('0')
        .to_string();
    if hex.is_empty() { "0".into() } else { hex }
}

/// notAfter as openssl reads it.
pub fn openssl_not_after(dir: &Path, pem: &str) -> DateTime<Utc> {
    let out =
        String::from_utf8(openssl_in(dir, &["x509", "-in", pem, "-noout", "-enddate"])).unwrap();
    let text = out.trim().trim_start_matches("notAfter=");
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%b %e %H:%M:%S %Y GMT").unwrap();
    naive.and_utc()
}

/// The SHA-1 fingerprint as openssl prints it, colons removed.
pub fn openssl_sha1(dir: &Path, pem: &str) -> String {
    let out = String::from_utf8(openssl_in(
        dir,
        &["x509", "-in", pem, "-noout", "-fingerprint", "-sha1"],
    ))
    .unwrap();
    out.trim().split('=').nth(1).unwrap().replace(':', "")
}

/// A subject field (CN, OU) as openssl prints it.
pub fn openssl_subject_field(dir: &Path, pem: &str, field: &str) -> String {
    let out = String::from_utf8(openssl_in(
        dir,
        &[
            "x509",
            "-in",
            pem,
            "-noout",
            "-subject",
            "-nameopt",
            "sep_multiline,utf8,sname",
        ],
    ))
    .unwrap();
    out.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(&format!("{field}=")))
        .unwrap()
        .to_string()
}
