//! Issue 30: reading 1,000 provisioning profiles (`signing::read_profile`: the CMS envelope, the
//! plist, every developer certificate) against the bare `cms` decode plus `plist` parse of the
//! same files. Target: within 2x. The profiles are made here by openssl (`cms -sign`), each with
//! three developer certificates, as real ones carry.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use criterion::{Criterion, criterion_group, criterion_main};

fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "openssl {args:?}");
}

/// Ten distinct profiles (names, UUIDs, devices differ), repeated to 1,000.
fn profiles() -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
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
            "/CN=Bench CA",
        ],
    );
    let mut certs = String::new();
    for i in 1..=3 {
        let (key, csr, pem, der) = (
            format!("c{i}.key"),
            format!("c{i}.csr"),
            format!("c{i}.pem"),
            format!("c{i}.der"),
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN=Apple Distribution: Bench {i} (ABCDE12345)/OU=ABCDE12345"),
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &format!("0x7{i}"),
                "-days",
                "365",
                "-out",
                &pem,
            ],
        );
        openssl(d, &["x509", "-in", &pem, "-outform", "DER", "-out", &der]);
        let b = std::fs::read(d.join(&der)).unwrap();
        certs.push_str(&format!(
            "<data>{}</data>",
            base64::engine::general_purpose::STANDARD.encode(b)
        ));
    }
    let mut out = Vec::new();
    for n in 0..10 {
        let devices: String = (0..n * 10)
            .map(|k| format!("<string>00008030-{k:016X}</string>"))
            .collect();
        let plist = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict><key>Name</key><string>Bench {n}</string><key>UUID</key><string>00000000-0000-0000-0000-0000000000{n:02}</string><key>Platform</key><array><string>iOS</string></array><key>TeamIdentifier</key><array><string>ABCDE12345</string></array><key>CreationDate</key><date>2026-01-01T00:00:00Z</date><key>ExpirationDate</key><date>2027-01-01T00:00:00Z</date><key>DeveloperCertificates</key><array>{certs}</array><key>ProvisionedDevices</key><array>{devices}</array><key>Entitlements</key><dict><key>application-identifier</key><string>ABCDE12345.com.example.b{n}</string><key>com.apple.developer.team-identifier</key><string>ABCDE12345</string><key>get-task-allow</key><false/></dict></dict></plist>\n"
        );
        std::fs::write(d.join("p.plist"), plist).unwrap();
        openssl(
            d,
            &[
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-outform",
                "DER",
                "-in",
                "p.plist",
                "-signer",
                "ca.pem",
                "-inkey",
                "ca.key",
                "-out",
                "p.mobileprovision",
            ],
        );
        out.push(std::fs::read(d.join("p.mobileprovision")).unwrap());
    }
    (0..1000).map(|i| out[i % 10].clone()).collect()
}

fn bench(c: &mut Criterion) {
    let files = profiles();
    let mut g = c.benchmark_group("signing");
    g.sample_size(20);
    g.bench_function("read_profile x1000", |b| {
        b.iter(|| {
            for f in &files {
                std::hint::black_box(apple_conn::signing::read_profile(f).unwrap());
            }
        })
    });
    g.bench_function("bare cms + plist x1000", |b| {
        b.iter(|| {
            for f in &files {
                std::hint::black_box(apple_conn::bench_support::bare_profile_parse(f).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
