//! RFC 5054's 2048-bit SRP group (g = 2), the one Apple uses, on crypto-bigint's constant-time
//! Montgomery arithmetic: every secret exponent is walked over a fixed, public number of bits
//! with crypto-bigint's windowed `pow_bounded_exp` (its table read whole through `Uint::select`),
//! so the time depends on no secret value. Nothing here is hand-written big-number arithmetic.

use std::cmp::Ordering;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U256, U512, U576, U2048};
use zeroize::Zeroizing;

/// N's length in bytes: PAD(x) left-pads to it.
pub const N_BYTES: usize = 256;

/// RFC 5054's 2048-bit group prime (g = 2).
const N_HEX: &str = "AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73";

pub type Residue = FixedMontyForm<{ U2048::LIMBS }>;

/// The Montgomery constants, computed by the compiler (the modulus is public).
static PARAMS: FixedMontyParams<{ U2048::LIMBS }> =
    FixedMontyParams::new_vartime(Odd::<U2048>::from_be_hex(N_HEX));

/// Bits walked for a and x: both are 256-bit (a drawn, x a SHA-256), whatever their value.
pub const SECRET_BITS: u32 = 256;
/// Bits walked for a + u·x: at most (2^256 − 1) + (2^256 − 1)² = (2^256 − 1)·2^256 < 2^512.
pub const COMBINED_BITS: u32 = 512;

/// N's big-endian bytes.
pub fn modulus_bytes() -> [u8; N_BYTES] {
    be_bytes(PARAMS.modulus().as_ref())
}

fn be_bytes(value: &U2048) -> [u8; N_BYTES] {
    let mut out = [0u8; N_BYTES];
    out.copy_from_slice(value.to_be_bytes().as_ref());
    out
}

/// A 256-bit value from its 32 big-endian bytes.
pub fn u256(bytes: &[u8; 32]) -> U256 {
    U256::from_be_slice(bytes)
}

fn generator() -> Residue {
    Residue::new(&U2048::from_u8(2), &PARAMS)
}

/// g^e mod N over all 256 bits of e.
pub fn pow_g(exponent: &U256) -> Residue {
    generator().pow_bounded_exp(exponent, SECRET_BITS)
}

/// The residue's value, big-endian, N_BYTES long; every copy on the way is wiped.
pub fn to_be_bytes(value: &Residue) -> Zeroizing<[u8; N_BYTES]> {
    let plain = Zeroizing::new(value.retrieve());
    let encoded = Zeroizing::new(plain.to_be_bytes());
    let mut out = Zeroizing::new([0u8; N_BYTES]);
    out.copy_from_slice(encoded.as_ref());
    out
}

/// The server's public B (any length, leading zeros allowed) as a value, or None when it is 0,
/// N or more, or wider than N: a B ≡ 0 (mod N) would force S = 0, and an honest server sends
/// B mod N. B is public, so these checks may take variable time.
pub fn public_value(bytes: &[u8]) -> Option<U2048> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let value = &bytes[first..];
    if value.len() > N_BYTES {
        return None;
    }
    let mut padded = [0u8; N_BYTES];
    padded[N_BYTES - value.len()..].copy_from_slice(value);
    let b = U2048::from_be_slice(&padded);
    let below_n = b.cmp_vartime(PARAMS.modulus().as_ref()) == Ordering::Less;
    (below_n && !b.is_zero_vartime()).then_some(b)
}

/// a + u·x, computed exactly in a U576 (wider than any sum: nothing can carry out); its value
/// always fits COMBINED_BITS (tested at the maximum).
pub fn combined_exponent(a: &U256, u: &U256, x: &U256) -> Zeroizing<U576> {
    let ux: Zeroizing<U512> = Zeroizing::new(u.concatenating_mul(x));
    let wide_a = Zeroizing::new(a.resize::<{ U576::LIMBS }>());
    Zeroizing::new(ux.resize::<{ U576::LIMBS }>().wrapping_add(&wide_a))
}

/// S = (B − k·g^x)^(a + u·x) mod N, the premaster secret, as N_BYTES big-endian bytes.
pub fn premaster(b: &U2048, k: &U256, x: &U256, a: &U256, u: &U256) -> Zeroizing<[u8; N_BYTES]> {
    let k = Residue::new(&k.resize::<{ U2048::LIMBS }>(), &PARAMS);
    // g^x is the password verifier: wiped as soon as it is used.
    let gx = Zeroizing::new(pow_g(x));
    let k_gx = Zeroizing::new(k.mul(&gx));
    let base = Zeroizing::new(Residue::new(b, &PARAMS).sub(&k_gx));
    #[cfg(feature = "test-support")]
    test_hooks::note("base_r", base.as_montgomery().to_le_bytes().as_ref());
    let exponent = combined_exponent(a, u, x);
    to_be_bytes(&Zeroizing::new(
        base.pow_bounded_exp(&*exponent, COMBINED_BITS),
    ))
}

/// The memory tests' hook (test-support builds only): `APPLE_CONN_TEST_SRP_DUMP` names a file
/// that gets `name hex` lines of values a memory image must not hold afterwards.
#[cfg(feature = "test-support")]
pub mod test_hooks {
    pub fn note(name: &str, bytes: &[u8]) {
        use std::io::Write;
        let Some(path) = std::env::var_os("APPLE_CONN_TEST_SRP_DUMP") else {
            return;
        };
        let line = zeroize::Zeroizing::new(format!("{name} {}\n", hex::encode(bytes)));
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;
    use proptest::prelude::*;

    use super::*;

    fn big(bytes: &[u8]) -> BigUint {
        BigUint::from_bytes_be(bytes)
    }

    fn n() -> BigUint {
        big(&modulus_bytes())
    }

    fn bytes32(v: &BigUint) -> [u8; 32] {
        let raw = v.to_bytes_be();
        let mut out = [0u8; 32];
        out[32 - raw.len()..].copy_from_slice(&raw);
        out
    }

    /// num-bigint's modpow for the whole of S: (B − k·2^x)^(a + u·x) mod N.
    fn reference_premaster(
        b: &BigUint,
        k: &[u8; 32],
        x: &[u8; 32],
        a: &[u8; 32],
        u: &[u8; 32],
    ) -> BigUint {
        let n = n();
        let gx = BigUint::from(2u8).modpow(&big(x), &n);
        let base = (b + &n - (big(k) * gx) % &n) % &n;
        base.modpow(&(big(a) + big(u) * big(x)), &n)
    }

    fn check(b: &BigUint, k: [u8; 32], x: [u8; 32], a: [u8; 32], u: [u8; 32]) {
        let ours = premaster(
            &U2048::from_be_slice(&pad(b)),
            &u256(&k),
            &u256(&x),
            &u256(&a),
            &u256(&u),
        );
        assert_eq!(big(&*ours), reference_premaster(b, &k, &x, &a, &u));
    }

    fn pad(v: &BigUint) -> [u8; N_BYTES] {
        let raw = v.to_bytes_be();
        let mut out = [0u8; N_BYTES];
        out[N_BYTES - raw.len()..].copy_from_slice(&raw);
        out
    }

    #[test]
    fn the_group_constant_is_the_srp_crates_prime() {
        let theirs = <srp::groups::G2048 as srp::Group>::generator()
            .params()
            .modulus()
            .to_be_bytes()
            .to_vec();
        assert_eq!(modulus_bytes().to_vec(), theirs);
        // g = 2 in Montgomery form comes back as 2.
        assert_eq!(big(&*to_be_bytes(&generator())), BigUint::from(2u8));
    }

    #[test]
    fn the_exponent_keeps_every_bit_at_its_maximum() {
        let max = [0xffu8; 32];
        let m = big(&max);
        let e = combined_exponent(&u256(&max), &u256(&max), &u256(&max));
        assert_eq!(big(e.to_be_bytes().as_ref()), &m + &m * &m);
        assert_eq!((&m + &m * &m).bits(), u64::from(COMBINED_BITS));
    }

    #[test]
    fn edge_cases_equal_num_bigint() {
        let n = n();
        let zero = [0u8; 32];
        let one = bytes32(&BigUint::from(1u8));
        let max = [0xffu8; 32];
        for b in [BigUint::from(1u8), BigUint::from(2u8), &n - 1u8, &n - 2u8] {
            for (x, a, u) in [
                (zero, zero, one),
                (max, max, max),
                (one, zero, max),
                (zero, max, one),
            ] {
                check(&b, max, x, a, u);
                check(&b, one, x, a, u);
            }
        }
        for e in [zero, one, max, [0x80; 32]] {
            let ours = big(&*to_be_bytes(&pow_g(&u256(&e))));
            assert_eq!(ours, BigUint::from(2u8).modpow(&big(&e), &n));
        }
    }

    #[test]
    fn b_is_refused_when_zero_too_wide_or_not_below_n() {
        let n = n();
        assert!(public_value(&[]).is_none());
        assert!(public_value(&[0; 300]).is_none());
        assert!(public_value(&n.to_bytes_be()).is_none());
        assert!(public_value(&(&n + 5u8).to_bytes_be()).is_none());
        assert!(public_value(&(&n * 2u8).to_bytes_be()).is_none());
        assert!(public_value(&[1; 257]).is_none());
        // Leading zeros beyond N's width are only zeros: the value is what counts.
        let mut padded = vec![0u8; 10];
        padded.extend((&n - 1u8).to_bytes_be());
        assert_eq!(big(&be_bytes(&public_value(&padded).unwrap())), &n - 1u8);
        assert_eq!(
            big(&be_bytes(&public_value(&[1]).unwrap())),
            BigUint::from(1u8)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn premaster_equals_num_bigint(
            b in proptest::collection::vec(any::<u8>(), 1..=256),
            k in any::<[u8; 32]>(),
            x in any::<[u8; 32]>(),
            a in any::<[u8; 32]>(),
            u in any::<[u8; 32]>(),
        ) {
            let b = big(&b) % n();
            prop_assume!(b != BigUint::from(0u8));
            check(&b, k, x, a, u);
        }

        #[test]
        fn pow_g_equals_num_bigint(e in any::<[u8; 32]>()) {
            let ours = big(&*to_be_bytes(&pow_g(&u256(&e))));
            prop_assert_eq!(ours, BigUint::from(2u8).modpow(&big(&e), &n()));
        }

        #[test]
        fn combined_exponent_equals_num_bigint(
            a in any::<[u8; 32]>(),
            u in any::<[u8; 32]>(),
            x in any::<[u8; 32]>(),
        ) {
            let e = combined_exponent(&u256(&a), &u256(&u), &u256(&x));
            prop_assert_eq!(big(e.to_be_bytes().as_ref()), big(&a) + big(&u) * big(&x));
        }
    }
}
