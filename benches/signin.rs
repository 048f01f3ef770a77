//! Sign-in target (issue 21): the client's crypto for one sign-in — PBKDF2 at 20,000 iterations
//! plus the SRP client step (A, then g^x, S, M1, M2) — costs at most 1.25× the libraries' bare
//! work: the `pbkdf2` crate's PBKDF2 and crypto-bigint's three exponentiations (A = g^a, g^x, S)
//! over the same bit lengths. Both are timed interleaved in one run, so a shared machine's load
//! falls on both alike, and the ratio is printed. The parts are measured with criterion too, and
//! the worst hashcash apple-conn accepts (20 bits), which must stay far below its 5 s limit.

use std::hint::black_box;
use std::time::{Duration, Instant};

use apple_conn::apple::signin::{group, hashcash, srp};
use criterion::{Criterion, criterion_group};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U256, U576, U2048};
use sha2::{Digest, Sha256};

const ITERATIONS: u32 = 20_000;
const SALT: [u8; 16] = [7u8; 16];
const PASSWORD: &str = "correct horse";
const TARGET_RATIO: f64 = 1.25;

/// The libraries alone, built from nothing of ours: RFC 5054's prime, g = 2, exponents of the
/// bit lengths a sign-in walks (256 for a and x, 512 for a + u·x).
struct Bare {
    g: FixedMontyForm<{ U2048::LIMBS }>,
    base: FixedMontyForm<{ U2048::LIMBS }>,
    a: U256,
    x: U256,
    e: U576,
    digest: [u8; 32],
}

impl Bare {
    fn new() -> Bare {
        let params = FixedMontyParams::new_vartime(Odd::<U2048>::from_be_hex(
            "AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73",
        ));
        let g = FixedMontyForm::new(&U2048::from_u8(2), &params);
        let e_bytes: Vec<u8> = std::iter::repeat_n(0u8, 8)
            .chain((0..64u8).map(|i| i.wrapping_mul(37) ^ 0x5a))
            .collect();
        Bare {
            g,
            base: g.pow_vartime(&U256::from_u64(0x1234_5678_9abc_def1)),
            a: U256::from_be_slice(&[0xa5; 32]),
            x: U256::from_be_slice(&[0x3c; 32]),
            e: U576::from_be_slice(&e_bytes),
            digest: Sha256::digest(PASSWORD.as_bytes()).into(),
        }
    }

    fn pbkdf2(&self) -> [u8; 32] {
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(&self.digest, &SALT, ITERATIONS, &mut key);
        key
    }

    fn a_pub(&self) -> FixedMontyForm<{ U2048::LIMBS }> {
        self.g.pow_bounded_exp(&self.a, group::SECRET_BITS)
    }

    fn g_x(&self) -> FixedMontyForm<{ U2048::LIMBS }> {
        self.g.pow_bounded_exp(&self.x, group::SECRET_BITS)
    }

    fn s(&self) -> FixedMontyForm<{ U2048::LIMBS }> {
        self.base.pow_bounded_exp(&self.e, group::COMBINED_BITS)
    }

    fn all(&self) {
        black_box((self.pbkdf2(), self.a_pub(), self.g_x(), self.s()));
    }
}

/// B = g^b mod N for a fixed b, so the proof runs its full math.
fn server_b() -> Vec<u8> {
    let b = Bare::new();
    b.g.pow_vartime(&U256::from_u64(123_456_789))
        .retrieve()
        .to_be_bytes()
        .as_ref()
        .to_vec()
}

/// Ours, whole: what a sign-in computes between init's answer and complete.
fn ours(server_b: &[u8]) {
    let key = srp::derive_password(black_box(PASSWORD), &SALT, ITERATIONS, srp::Protocol::S2k);
    let eph = srp::new_ephemeral().unwrap();
    black_box(srp::proof(&eph, "alice@example.com", key.as_ref(), &SALT, server_b).unwrap());
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Ours and the bare libraries alternately (who goes first alternates too), medians compared.
fn ratio_run() {
    let (bare, b_pub) = (Bare::new(), server_b());
    let rounds: usize = std::env::var("SIGNIN_RATIO_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for _ in 0..10 {
        ours(&b_pub);
        bare.all();
    }
    let (mut mine, mut theirs) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        let time = |f: &dyn Fn()| {
            let start = Instant::now();
            f();
            start.elapsed()
        };
        if round % 2 == 0 {
            mine.push(time(&|| ours(&b_pub)));
            theirs.push(time(&|| bare.all()));
        } else {
            theirs.push(time(&|| bare.all()));
            mine.push(time(&|| ours(&b_pub)));
        }
    }
    let (mine, theirs) = (median(mine), median(theirs));
    let ratio = mine.as_secs_f64() / theirs.as_secs_f64();
    println!(
        "\nsign-in client crypto ratio: ours {:.3} ms / libraries bare {:.3} ms (pbkdf2 crate + \
         crypto-bigint pow for A, g^x, S) = {ratio:.3} (target ≤ {TARGET_RATIO}; {rounds} \
         interleaved rounds, medians) {}",
        mine.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3,
        if ratio <= TARGET_RATIO {
            "OK"
        } else {
            "OVER TARGET"
        }
    );
}

fn signin(c: &mut Criterion) {
    let b_pub = server_b();
    c.bench_function("sign-in client cost (PBKDF2 20000 + SRP)", |b| {
        b.iter(|| ours(&b_pub))
    });
    c.bench_function("PBKDF2-HMAC-SHA256 20000 (derive_password)", |b| {
        b.iter(|| srp::derive_password(black_box(PASSWORD), &SALT, ITERATIONS, srp::Protocol::S2k))
    });
    c.bench_function("SRP A = g^a (new_ephemeral)", |b| {
        b.iter(|| srp::new_ephemeral().unwrap())
    });
    let key = srp::derive_password(PASSWORD, &SALT, ITERATIONS, srp::Protocol::S2k);
    let eph = srp::new_ephemeral().unwrap();
    c.bench_function("SRP proof (g^x, S, M1, M2)", |b| {
        b.iter(|| {
            srp::proof(
                &eph,
                "alice@example.com",
                black_box(key.as_ref()),
                &SALT,
                &b_pub,
            )
            .unwrap()
        })
    });
    let bare = Bare::new();
    c.bench_function("bare: pbkdf2 crate 20000", |b| b.iter(|| bare.pbkdf2()));
    c.bench_function("bare: crypto-bigint pow, 256-bit exponent (A, g^x)", |b| {
        b.iter(|| bare.a_pub())
    });
    c.bench_function("bare: crypto-bigint pow, 512-bit exponent (S)", |b| {
        b.iter(|| bare.s())
    });
    let mut slow = c.benchmark_group("hashcash");
    slow.sample_size(10);
    slow.bench_function("hashcash 20 bits (the cap)", |b| {
        let mut n = 0u64;
        b.iter(|| {
            n += 1;
            hashcash::stamp_within(
                20,
                &format!("challenge{n}"),
                "20261129220000",
                hashcash::TIME_LIMIT,
            )
            .unwrap()
        })
    });
    slow.finish();
}

criterion_group!(benches, signin);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each bench once, without `--bench`: no ratio run there.
    if std::env::args().any(|arg| arg == "--bench") {
        ratio_run();
    }
}
