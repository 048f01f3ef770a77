//! Sign-in target: the client-side cost of one sign-in (PBKDF2 at 20,000 iterations plus the
//! SRP math) is at most 4.5 ms (pysrp + OpenSSL: 1.9 ms for the SRP part). Its parts are measured
//! too: PBKDF2, A = g^a (before init) and the proof (g^x, S, M1, M2). Also the worst hashcash
//! apple-conn accepts (20 bits), which must stay far below its 5 s limit.

use std::hint::black_box;

use apple_conn::apple::signin::{hashcash, srp};
use criterion::{Criterion, criterion_group, criterion_main};

fn signin(c: &mut Criterion) {
    let salt = [7u8; 16];
    // A server value B = g^b mod N for a fixed b, so process_reply runs its full math.
    let server_b = {
        use num_bigint::BigUint;
        let n = BigUint::parse_bytes(b"AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73", 16).unwrap();
        BigUint::from(2u32)
            .modpow(&BigUint::from(123_456_789_u64), &n)
            .to_bytes_be()
    };
    c.bench_function("sign-in client cost (PBKDF2 20000 + SRP)", |b| {
        b.iter(|| {
            let key = srp::derive_password(
                black_box("correct horse"),
                &salt,
                20_000,
                srp::Protocol::S2k,
            );
            let eph = srp::new_ephemeral();
            black_box(
                srp::proof(&eph, "alice@example.com", key.as_ref(), &salt, &server_b).unwrap(),
            )
        })
    });
    c.bench_function("PBKDF2-HMAC-SHA256 20000", |b| {
        b.iter(|| {
            srp::derive_password(
                black_box("correct horse"),
                &salt,
                20_000,
                srp::Protocol::S2k,
            )
        })
    });
    c.bench_function("SRP A = g^a", |b| b.iter(srp::new_ephemeral));
    let key = srp::derive_password("correct horse", &salt, 20_000, srp::Protocol::S2k);
    let eph = srp::new_ephemeral();
    c.bench_function("SRP proof (g^x, S, M1, M2)", |b| {
        b.iter(|| {
            srp::proof(
                &eph,
                "alice@example.com",
                black_box(key.as_ref()),
                &salt,
                &server_b,
            )
            .unwrap()
        })
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
criterion_main!(benches);
