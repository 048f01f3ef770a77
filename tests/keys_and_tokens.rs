//! .p8 import and tokens, with real keys made by openssl and PyJWT as the independent verifier.

mod common;

use apple_conn::asc::{jwt, p8};
use apple_conn::domain::secret_ref::SecretRef;
use apple_conn::domain::workspace::{ApiKey, KeyKind};
use base64::Engine;
use common::*;

fn key(kind: KeyKind, enterprise: bool) -> ApiKey {
    ApiKey {
        name: "CI key".into(),
        key_id: "ABCDE12345".into(),
        issuer_id: (kind == KeyKind::Team).then(|| ISSUER.to_string()),
        kind,
        enterprise,
        owner: None,
        private_key: SecretRef::Keyring,
        fingerprint: None,
        bitrise: None,
    }
}

#[test]
fn imports_the_forms_apple_and_fastlane_users_have() {
    let dir = tempfile::tempdir().unwrap();
    let path = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let raw = std::fs::read_to_string(&path).unwrap();
    let reference = p8::import(raw.as_bytes(), None, None).unwrap();
    // Fingerprint = SHA-256 of the SubjectPublicKeyInfo, as openssl computes it.
    let spki = openssl(&[
        "pkey",
        "-in",
        path.to_str().unwrap(),
        "-pubout",
        "-outform",
        "DER",
    ]);
    use sha2::Digest;
    assert_eq!(
        reference.fingerprint,
        hex::encode(sha2::Sha256::digest(&spki))
    );

    let crlf = raw.replace('\n', "\r\n");
    let stray = format!("\n\n  {}  \n\t", raw.replace('\n', "  \n  "));
    let b64 = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
    for (label, text) in [
        ("crlf", crlf),
        ("whitespace", stray),
        ("base64 of the PEM", b64),
    ] {
        let k = p8::import(text.as_bytes(), None, None).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(k.fingerprint, reference.fingerprint, "{label}");
    }
    let ok = p8::import(
        raw.as_bytes(),
        Some("AuthKey_ABCDE12345.p8"),
        Some("ABCDE12345"),
    )
    .unwrap();
    assert!(ok.warnings.is_empty());
    let mismatch = p8::import(
        raw.as_bytes(),
        Some("AuthKey_ZZZZZ99999.p8"),
        Some("ABCDE12345"),
    )
    .unwrap();
    assert!(mismatch.warnings[0].contains("named for key ZZZZZ99999 but the key ID is ABCDE12345"));
    assert!(
        !format!("{ok:?}").contains("PRIVATE"),
        "Debug never shows the key"
    );
}

#[test]
fn rejects_everything_else_precisely() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let p384 = openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
    ]);
    let rsa = openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
    ]);
    let p256 = openssl_p256(dir.path(), "k.p8");
    let encrypted = openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        p256.to_str().unwrap(),
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:x",
    ]);
    let sec1 = openssl(&["ec", "-in", p256.to_str().unwrap()]);
    let raw = std::fs::read_to_string(&p256).unwrap();
    let lines: Vec<&str> = raw.lines().collect();
    let truncated = format!("{}\n{}\n", lines[0], &lines[1][..20]);
    let damaged = raw.replacen(&lines[1][..8], "AAAAAAAA", 1);
    let _ = d;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not pem", b"hello world".to_vec(), "not a PEM private key"),
        ("p384", p384, "P-384 curve"),
        ("rsa", rsa, "RSA key"),
        ("encrypted", encrypted, "encrypted"),
        ("sec1", sec1, "SEC1"),
        ("truncated", truncated.into_bytes(), "truncated"),
        ("damaged", damaged.into_bytes(), "truncated or damaged"),
        ("empty", Vec::new(), "not a PEM private key"),
    ];
    for (label, bytes, expected) in cases {
        let err = p8::import(&bytes, None, None).expect_err(label).to_string();
        assert!(err.contains(expected), "{label}: {err}");
    }
}

#[test]
fn tokens_follow_apples_rules() {
    let dir = tempfile::tempdir().unwrap();
    let pem = std::fs::read_to_string(openssl_p256(dir.path(), "k.p8")).unwrap();
    let pem = p8::import(pem.as_bytes(), None, None).unwrap().pem;
    let now = 1_800_000_000;
    let team = jwt::mint(&key(KeyKind::Team, false), &pem, now, 600, &[]).unwrap();
    let d = jwt::decode_untrusted(&team).unwrap();
    assert_eq!(d.header["alg"], "ES256");
    assert_eq!(d.header["kid"], "ABCDE12345");
    assert_eq!(d.header["typ"], "JWT");
    assert_eq!(d.payload["iss"], ISSUER);
    assert_eq!(d.payload["aud"], "appstoreconnect-v1");
    assert_eq!(
        d.payload["exp"].as_i64().unwrap() - d.payload["iat"].as_i64().unwrap(),
        600
    );
    assert!(d.payload.get("sub").is_none());
    assert_eq!(d.signature_len, 64, "raw r||s, not DER");

    let individual = jwt::mint(&key(KeyKind::Individual, false), &pem, now, 600, &[]).unwrap();
    let d = jwt::decode_untrusted(&individual).unwrap();
    assert_eq!(d.payload["sub"], "user");
    assert!(d.payload.get("iss").is_none());

    let ent = jwt::mint(&key(KeyKind::Team, true), &pem, now, 600, &[]).unwrap();
    assert_eq!(
        jwt::decode_untrusted(&ent).unwrap().payload["aud"],
        "apple-developer-enterprise-v1"
    );

    assert!(jwt::mint(&key(KeyKind::Team, false), &pem, now, 1201, &[]).is_err());
    assert!(
        jwt::mint(
            &key(KeyKind::Team, false),
            &pem,
            now,
            3600,
            &["POST /v1/builds".into()]
        )
        .is_err()
    );
    let long = jwt::mint(
        &key(KeyKind::Team, false),
        &pem,
        now,
        3600,
        &["GET /v1/apps".into()],
    )
    .unwrap();
    assert_eq!(
        jwt::decode_untrusted(&long).unwrap().payload["scope"][0],
        "GET /v1/apps"
    );
}

#[test]
fn inspect_lists_every_reason_apple_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let pem = std::fs::read_to_string(openssl_p256(dir.path(), "k.p8")).unwrap();
    let pem = p8::import(pem.as_bytes(), None, None).unwrap().pem;
    let public = jwt::public_pem(&pem).unwrap();
    let now = 1_800_000_000;
    let good = jwt::mint(&key(KeyKind::Team, false), &pem, now, 600, &[]).unwrap();
    let d = jwt::decode_untrusted(&good).unwrap();
    let k = jwt::InspectKey {
        kind: Some(KeyKind::Team),
        public_pem: Some(&public),
    };
    assert!(jwt::problems(&good, &d, now + 10, &k).is_empty());
    let expired = jwt::problems(&good, &d, now + 700, &k);
    assert!(expired.iter().any(|p| p.contains("expired")), "{expired:?}");
    let skew = jwt::problems(&good, &d, now - 600, &k);
    assert!(skew.iter().any(|p| p.contains("clock skew")), "{skew:?}");
    let as_individual = jwt::InspectKey {
        kind: Some(KeyKind::Individual),
        public_pem: None,
    };
    assert!(
        jwt::problems(&good, &d, now, &as_individual)
            .iter()
            .any(|p| p.contains("iss is present"))
    );

    // A token signed by another key.
    let other = std::fs::read_to_string(openssl_p256(dir.path(), "other.p8")).unwrap();
    let other = p8::import(other.as_bytes(), None, None).unwrap().pem;
    let forged = jwt::mint(&key(KeyKind::Team, false), &other, now, 600, &[]).unwrap();
    let fd = jwt::decode_untrusted(&forged).unwrap();
    assert!(
        jwt::problems(&forged, &fd, now, &k)
            .iter()
            .any(|p| p.contains("does not match this key"))
    );

    // Hand-made bad tokens: wrong alg, no kid, long lifetime, wrong aud.
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
    let payload = serde_json::json!({"iss": ISSUER, "iat": now, "exp": now + 3600, "aud": "wrong"});
    let bad = format!("{}.{}.{}", b64(&header), b64(&payload), "c2ln");
    let bd = jwt::decode_untrusted(&bad).unwrap();
    let problems = jwt::problems(
        &bad,
        &bd,
        now,
        &jwt::InspectKey {
            kind: None,
            public_pem: None,
        },
    )
    .join("\n");
    for expected in [
        "alg is HS256",
        "no kid",
        "aud is wrong",
        "lifetime is 3600 s",
    ] {
        assert!(problems.contains(expected), "{expected} in\n{problems}");
    }
    assert!(jwt::decode_untrusted("abc").is_err());
    assert!(jwt::decode_untrusted("a.b.c").is_err());
}

#[test]
fn pyjwt_verifies_our_tokens() {
    let Some(py) = python() else {
        require(false, "Python with PyJWT (CI's .venv)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key_path = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let ws = base_workspace(dir.path());
    let r = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "add",
        "api-key",
        "--name",
        "CI key",
        "--key-id",
        "ABCDE12345",
        "--issuer-id",
        ISSUER,
        "--p8",
        key_path.to_str().unwrap(),
        "--store",
        "reference",
    ]));
    assert_eq!(r.code, 0, "{}", r.all());
    let token = run(bin().args([
        "-c",
        ws.to_str().unwrap(),
        "token",
        "CI key",
        "--ttl",
        "900",
    ]));
    assert_eq!(token.code, 0, "{}", token.all());
    assert_eq!(
        token.stdout.lines().count(),
        1,
        "token prints the token and nothing else"
    );
    let public = String::from_utf8(openssl(&[
        "pkey",
        "-in",
        key_path.to_str().unwrap(),
        "-pubout",
    ]))
    .unwrap();
    let script = r#"
import sys, jwt
token, public = sys.argv[1], open(sys.argv[2]).read()
header = jwt.get_unverified_header(token)
assert header == {"alg": "ES256", "kid": "ABCDE12345", "typ": "JWT"}, header
claims = jwt.decode(token, public, algorithms=["ES256"], audience="appstoreconnect-v1", issuer=sys.argv[3])
assert claims["exp"] - claims["iat"] == 900, claims
print("verified")
"#;
    let pub_path = dir.path().join("pub.pem");
    std::fs::write(&pub_path, public).unwrap();
    let out = std::process::Command::new(py)
        .args([
            "-c",
            script,
            token.stdout.trim(),
            pub_path.to_str().unwrap(),
            ISSUER,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyJWT rejected our token: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "verified");
}
