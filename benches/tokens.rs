//! Token targets: minting one App Store Connect token takes at most 100 µs in-process (the key
//! parsed once, sign many), and at most 3.5× p256's bare ES256 `sign` on the same key, measured
//! in this one run (the ratio is printed at the end). Parsing a key is measured apart.

use std::hint::black_box;
use std::time::{Duration, Instant};

use apple_conn::asc::{jwt, p8};
use apple_conn::domain::secret_ref::SecretRef;
use apple_conn::domain::workspace::{ApiKey, KeyKind};
use criterion::{Criterion, criterion_group, criterion_main};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::{EncodePrivateKey, LineEnding};

fn key() -> ApiKey {
    ApiKey {
        name: "bench".into(),
        key_id: "ABCDE12345".into(),
        issuer_id: Some("57246542-96fe-1a63-e053-0824d011072a".into()),
        kind: KeyKind::Team,
        enterprise: false,
        owner: None,
        private_key: SecretRef::Keyring,
        fingerprint: None,
        bitrise: None,
    }
}

/// Mean time per call over `rounds` calls after a warm-up (for the ratio, both in one run).
fn per_call(rounds: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..rounds / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    start.elapsed() / rounds
}

fn tokens(c: &mut Criterion) {
    // A throwaway key made here: no key material is kept in the repository.
    let secret = <p256::SecretKey as p256::elliptic_curve::Generate>::generate();
    let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
    let pem = p8::import(pem.as_bytes(), None, None).unwrap().pem;
    let key = key();
    let signer = jwt::Signer::from_pem(&pem).unwrap();
    let bare = p256::ecdsa::SigningKey::from(&secret);
    // What a token signs: header.payload, ~250 bytes.
    let message = signer
        .mint(&key, 1_800_000_000, 600, &[])
        .unwrap()
        .rsplit_once('.')
        .unwrap()
        .0
        .to_string();
    c.bench_function("p256 bare ES256 sign (the floor)", |b| {
        b.iter(|| -> p256::ecdsa::Signature { bare.sign(black_box(message.as_bytes())) })
    });
    c.bench_function("mint one token (key parsed once)", |b| {
        b.iter(|| {
            signer
                .mint(black_box(&key), 1_800_000_000, 600, &[])
                .unwrap()
        })
    });
    c.bench_function("mint one token (jwt::mint, key parsed per call)", |b| {
        b.iter(|| jwt::mint(black_box(&key), &pem, 1_800_000_000, 600, &[]).unwrap())
    });
    c.bench_function("parse a key for signing", |b| {
        b.iter(|| jwt::Signer::from_pem(black_box(&pem)).unwrap())
    });
    c.bench_function("import a .p8", |b| {
        b.iter(|| p8::import(black_box(pem.expose().as_bytes()), None, None).unwrap())
    });

    // The ratio, interleaved so both see the same machine load.
    let (mut floor, mut token) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        floor += per_call(400, || {
            let s: p256::ecdsa::Signature = bare.sign(black_box(message.as_bytes()));
            black_box(s);
        });
        token += per_call(400, || {
            black_box(signer.mint(&key, 1_800_000_000, 600, &[]).unwrap());
        });
    }
    println!(
        "token / bare p256 sign: {:.2}x ({:.1} us / {:.1} us; target <= 3.5x)",
        token.as_secs_f64() / floor.as_secs_f64(),
        token.as_secs_f64() * 1e6 / 5.0,
        floor.as_secs_f64() * 1e6 / 5.0
    );
}

criterion_group!(benches, tokens);
criterion_main!(benches);
