//! g^e mod N for g = 2 and a 256-bit e (the private a, and x) by Lim–Lee's fixed-base comb:
//! 31 squarings and 32 multiplications instead of 256 squarings, over a table of the 256
//! products of g^(2^(32·i)), i < 8, built offline (`comb_2048.bin`, checked by the tests below).
//!
//! Constant-time-ish as `monty.rs`: every column is looked up by a masked scan of the whole table.

use std::sync::OnceLock;

use super::monty::{self, LIMBS, Limbs, Modulus, Monty};

/// 8 teeth 32 bits apart cover a 256-bit exponent.
const TEETH: usize = 8;
const SPACING: usize = 32;
const ENTRIES: usize = 1 << TEETH;

/// Entry m = g^(Σ_{i ∈ m} 2^(32·i)) in Montgomery form mod RFC 5054's 2048-bit prime, as 32
/// little-endian u64 limbs, entries in order.
static TABLE_BYTES: &[u8; ENTRIES * LIMBS * 8] = include_bytes!("comb_2048.bin");

fn table() -> &'static [Limbs] {
    static TABLE: OnceLock<Vec<Limbs>> = OnceLock::new();
    TABLE.get_or_init(|| {
        TABLE_BYTES
            .chunks_exact(LIMBS * 8)
            .map(|entry| {
                let mut limbs = [0u64; LIMBS];
                for (l, chunk) in limbs.iter_mut().zip(entry.chunks_exact(8)) {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(chunk);
                    *l = u64::from_le_bytes(word);
                }
                limbs
            })
            .collect()
    })
}

/// 2^e mod N in RFC 5054's 2048-bit group; `exponent` is big-endian, at most 32 bytes (a longer
/// one takes the square-and-double walk). Every column is walked, leading zeros included.
pub fn pow_g(exponent: &[u8]) -> Monty {
    let group: &Modulus = monty::group_2048();
    if exponent.len() > TEETH * SPACING / 8 {
        return group.pow2(exponent);
    }
    let mut padded = zeroize::Zeroizing::new([0u8; TEETH * SPACING / 8]);
    padded[TEETH * SPACING / 8 - exponent.len()..].copy_from_slice(exponent);
    let bit = |p: usize| usize::from((padded[padded.len() - 1 - p / 8] >> (p % 8)) & 1);
    let column = |j: usize| (0..TEETH).fold(0, |index, i| index | (bit(i * SPACING + j) << i));
    let table = table();
    let mut r = monty::select(table, column(SPACING - 1));
    for j in (0..SPACING - 1).rev() {
        r = group.sqr(&r);
        r = group.mul(&r, &monty::select(table, column(j)));
    }
    Monty(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    /// The table from scratch with num-bigint: g^(2^(32·i)), then each entry as the product of
    /// its lowest tooth and the entry without it.
    fn expected_table() -> Vec<u8> {
        let n = monty::group_2048().modulus();
        let mut teeth = vec![BigUint::from(2u8)];
        for i in 1..TEETH {
            let e = BigUint::from(1u8) << (SPACING * i);
            teeth.push(BigUint::from(2u8).modpow(&e, n));
        }
        let mut entries = vec![BigUint::from(1u8)];
        for m in 1..ENTRIES {
            let low = m.trailing_zeros() as usize;
            entries.push((&entries[m & (m - 1)] * &teeth[low]) % n);
        }
        let mut bytes = Vec::with_capacity(ENTRIES * LIMBS * 8);
        for v in entries {
            let monty_form = (v << (64 * LIMBS)) % n;
            let mut digits = monty_form.to_u64_digits();
            digits.resize(LIMBS, 0);
            bytes.extend(digits.iter().flat_map(|d| d.to_le_bytes()));
        }
        bytes
    }

    #[test]
    fn the_table_is_what_it_claims() {
        assert!(expected_table() == TABLE_BYTES.as_slice());
    }

    /// Writes the table: `cargo test --lib write_comb_table -- --ignored`.
    #[test]
    #[ignore]
    fn write_comb_table() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/apple/signin/comb_2048.bin"
        );
        std::fs::write(path, expected_table()).unwrap();
    }

    fn check(exponent: &[u8]) {
        let m = monty::group_2048();
        let e = BigUint::from_bytes_be(exponent);
        let ours = BigUint::from_bytes_be(&m.to_be_bytes(&pow_g(exponent)));
        assert_eq!(ours, BigUint::from(2u8).modpow(&e, m.modulus()), "{e:x}");
    }

    #[test]
    fn edge_cases_equal_num_bigint() {
        for e in [
            &[][..],
            &[0],
            &[1],
            &[2],
            &[0; 32],
            &[0xff; 32],
            &[0xff; 33],
            &[0x80; 40],
        ] {
            check(e);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn pow_g_equals_num_bigint(exponent in proptest::collection::vec(any::<u8>(), 0..=34)) {
            check(&exponent);
        }

        #[test]
        fn pow_g_of_full_width_exponents(exponent in any::<[u8; 32]>()) {
            check(&exponent);
        }
    }
}
