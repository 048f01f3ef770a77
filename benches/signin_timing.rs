//! Statistical timing check of the SRP exponentiations whose exponents are secret (dudect:
//! Welch's t-test between two classes of inputs, over cropped distributions): A = g^a / g^x, and
//! S = (B − k·g^x)^(a + u·x). Left: a zero or low-Hamming-weight secret; Right: a random one;
//! the public inputs (B, k, u) are drawn alike for both. And the whole proof where S has a
//! leading zero byte against one where it has none (K = H(min(S)), issue 33). |max t| < 4.5 means no leak detected.
//! A bench, not a CI test (minutes of CPU, noisy on a shared machine):
//! `cargo bench --bench signin_timing [-- FILTER]`; DUDECT_SAMPLES sets the samples per check.

use apple_conn::apple::signin::{group, srp};
use crypto_bigint::{U256, U2048};
use dudect_bencher::ctbench::{BenchFn, BenchMetadata, BenchName, BenchOpts, run_benches_console};
use dudect_bencher::rand::{Rng, RngExt};
use dudect_bencher::{BenchRng, Class, CtRunner};

fn samples() -> usize {
    std::env::var("DUDECT_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn random_u256(rng: &mut BenchRng) -> U256 {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    U256::from_be_slice(&bytes)
}

/// Zero, or a single bit set at a random place.
fn low_weight_u256(rng: &mut BenchRng) -> U256 {
    let mut bytes = [0u8; 32];
    if rng.random::<bool>() {
        let bit = rng.random_range(0..256usize);
        bytes[bit / 8] = 1 << (bit % 8);
    }
    U256::from_be_slice(&bytes)
}

/// A random public B below N (N starts 0xAC: a leading zero byte keeps it below).
fn random_b(rng: &mut BenchRng) -> U2048 {
    let mut bytes = [0u8; 256];
    rng.fill_bytes(&mut bytes[1..]);
    bytes[255] |= 1;
    U2048::from_be_slice(&bytes)
}

fn classes(rng: &mut BenchRng, low: fn(&mut BenchRng) -> U256) -> Vec<(Class, U256, U256)> {
    (0..samples())
        .map(|_| {
            if rng.random::<bool>() {
                (Class::Left, low(rng), low(rng))
            } else {
                (Class::Right, random_u256(rng), random_u256(rng))
            }
        })
        .collect()
}

fn g_pow(runner: &mut CtRunner, rng: &mut BenchRng, low: fn(&mut BenchRng) -> U256) {
    for (class, x, _) in classes(rng, low) {
        runner.run_one(class, || group::pow_g(&x));
    }
}

fn premaster(runner: &mut CtRunner, rng: &mut BenchRng, low: fn(&mut BenchRng) -> U256) {
    let k = random_u256(rng);
    for (class, a, x) in classes(rng, low) {
        let (b, u) = (random_b(rng), random_u256(rng));
        runner.run_one(class, || group::premaster(&b, &k, &x, &a, &u));
    }
}

fn zero(_: &mut BenchRng) -> U256 {
    U256::ZERO
}

fn g_pow_zero_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    g_pow(runner, rng, zero);
}

fn g_pow_low_weight_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    g_pow(runner, rng, low_weight_u256);
}

fn s_zero_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    premaster(runner, rng, zero);
}

fn s_low_weight_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    premaster(runner, rng, low_weight_u256);
}

/// Issue 33: K = H(min(S)) strips S's leading zero bytes. Left: a server B for which S has a
/// leading zero byte (searched for: about 1 in 256); Right: a random B. Timed through the whole
/// proof (`srp::proof`: S, K, M1, M2), with a, the password key and the salt alike for both; each
/// class draws from a pool of the same size, so only S's leading byte tells them apart.
fn proof_s_leading_zero_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mut a = [0u8; 32];
    rng.fill_bytes(&mut a);
    let eph = srp::Ephemeral::from_secret(a);
    let salt = [7u8; 16];
    let key = srp::derive_password("correct horse", &salt, 1000, srp::Protocol::S2k);
    let pool = pool_size();
    let random_b = |rng: &mut BenchRng| random_b(rng).to_be_bytes().as_ref().to_vec();
    let mut zero_s = Vec::new();
    while zero_s.len() < pool {
        let b = random_b(rng);
        if let Ok(s) = srp::premaster_for(&eph, key.as_ref(), &salt, &b)
            && s[0] == 0
            && s[1] != 0
        {
            zero_s.push(b);
        }
    }
    let mut other = Vec::new();
    while other.len() < pool {
        let b = random_b(rng);
        if let Ok(s) = srp::premaster_for(&eph, key.as_ref(), &salt, &b)
            && s[0] != 0
        {
            other.push(b);
        }
    }
    for i in 0..samples() {
        let (class, b) = if rng.random::<bool>() {
            (Class::Left, &zero_s[i % pool])
        } else {
            (Class::Right, &other[i % pool])
        };
        runner.run_one(class, || {
            srp::proof(&eph, "alice@example.com", key.as_ref(), &salt, b)
        });
    }
}

/// B values per class for the leading-zero check (DUDECT_POOL; each zero-S one costs ~256 tries).
fn pool_size() -> usize {
    std::env::var("DUDECT_POOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

/// The control: crypto-bigint's variable-time pow on the same classes must show a large |t|,
/// or the harness could not see a leak at all.
fn control_vartime_pow_low_weight_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    let g = group::pow_g(&U256::ONE);
    for (class, x, _) in classes(rng, low_weight_u256) {
        runner.run_one(class, || g.pow_vartime(&x));
    }
}

fn main() {
    let benches: [(&'static str, BenchFn); 6] = [
        (
            "control_vartime_pow_low_weight_vs_random",
            control_vartime_pow_low_weight_vs_random,
        ),
        ("g_pow_zero_vs_random", g_pow_zero_vs_random),
        ("g_pow_low_weight_vs_random", g_pow_low_weight_vs_random),
        ("s_zero_vs_random", s_zero_vs_random),
        ("s_low_weight_vs_random", s_low_weight_vs_random),
        (
            "proof_s_leading_zero_vs_random",
            proof_s_leading_zero_vs_random,
        ),
    ];
    // Cargo passes `--bench`; any other word is a filter on the checks' names.
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    if !std::env::args().any(|arg| arg == "--bench") {
        return; // `cargo test --benches`: nothing to prove in a single quick run.
    }
    let benches = benches
        .into_iter()
        .map(|(name, benchfn)| BenchMetadata {
            name: BenchName(name),
            seed: None,
            benchfn,
        })
        .collect();
    let opts = BenchOpts {
        filter,
        ..BenchOpts::default()
    };
    if let Err(error) = run_benches_console(opts, benches) {
        eprintln!("signin_timing: {error}");
        std::process::exit(1);
    }
}
