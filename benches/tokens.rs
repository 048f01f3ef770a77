//! Token target: minting one App Store Connect token takes at most 100 µs in-process (the key
//! parsed once, sign many); parsing a key is measured apart.

use std::hint::black_box;

use apple_conn::asc::{jwt, p8};
use apple_conn::domain::secret_ref::SecretRef;
use apple_conn::domain::workspace::{ApiKey, KeyKind};
use criterion::{Criterion, criterion_group, criterion_main};
use p256::pkcs8::{EncodePrivateKey, LineEnding};

fn tokens(c: &mut Criterion) {
    // A throwaway key made here: no key material is kept in the repository.
    let secret = <p256::SecretKey as p256::elliptic_curve::Generate>::generate();
    let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
    let pem = p8::import(pem.as_bytes(), None, None).unwrap().pem;
    let key = ApiKey {
        name: "bench".into(),
        key_id: "ABCDE12345".into(),
        issuer_id: Some("57246542-96fe-1a63-e053-0824d011072a".into()),
        kind: KeyKind::Team,
        enterprise: false,
        owner: None,
        private_key: SecretRef::Keyring,
        fingerprint: None,
    };
    let signer = jwt::Signer::from_pem(&pem).unwrap();
    c.bench_function("mint one token (key parsed once)", |b| {
        b.iter(|| {
            signer
                .mint(black_box(&key), 1_800_000_000, 600, &[])
                .unwrap()
        })
    });
    c.bench_function("mint one token (jwt::mint, per-process key cache)", |b| {
        b.iter(|| jwt::mint(black_box(&key), &pem, 1_800_000_000, 600, &[]).unwrap())
    });
    c.bench_function("parse a key for signing", |b| {
        b.iter(|| jwt::Signer::from_pem(black_box(&pem)).unwrap())
    });
    c.bench_function("import a .p8", |b| {
        b.iter(|| p8::import(black_box(pem.expose().as_bytes()), None, None).unwrap())
    });
}

criterion_group!(benches, tokens);
criterion_main!(benches);
