//! Montgomery arithmetic modulo SRP's 2048-bit prime on 32 little-endian 64-bit limbs (CIOS
//! multiplication, a dedicated squaring): the modexps of a sign-in, S = base^e with a fixed
//! 5-bit window, and g^e with g = 2 (square and double; `comb.rs` is the fast path for it).
//!
//! Constant-time-ish: no branch depends on a secret (conditional subtractions and the doubling
//! for g = 2 use masks; the window table is read whole and masked), and exponents are walked over
//! a fixed bit length. Not guaranteed: the compiler may reintroduce branches; `residue` reduces
//! through num-bigint (variable time; only public B and k go through it), `to_be_bytes` trims
//! leading zeros (K = H(min(S)) is defined on the trimmed bytes); limbs are not zeroized.

use std::sync::OnceLock;

use num_bigint::BigUint;
use zeroize::{Zeroize, Zeroizing};

pub const LIMBS: usize = 32;
pub type Limbs = [u64; LIMBS];

/// A residue mod N in Montgomery form (x·R mod N, R = 2^2048).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Monty(pub(super) Limbs);

/// The modulus and its precomputed Montgomery constants.
pub struct Modulus {
    n: Limbs,
    n_big: BigUint,
    /// −N⁻¹ mod 2^64.
    n0inv: u64,
    /// R² mod N, to enter Montgomery form.
    r2: Limbs,
    /// R mod N: 1 in Montgomery form.
    one: Limbs,
}

/// RFC 5054's 2048-bit group prime (g = 2), the one Apple uses.
const N_HEX: &[u8] = b"AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73";

/// The group's modulus, its constants computed once per process (a few µs).
pub fn group_2048() -> &'static Modulus {
    static GROUP: OnceLock<Modulus> = OnceLock::new();
    // The constant is a 2048-bit odd number (tested below), so `build`'s conditions hold.
    GROUP.get_or_init(|| Modulus::build(BigUint::parse_bytes(N_HEX, 16).unwrap_or_default()))
}

fn to_limbs(v: &BigUint) -> Option<Limbs> {
    let digits = v.to_u64_digits();
    if digits.len() > LIMBS {
        return None;
    }
    let mut out = [0u64; LIMBS];
    out[..digits.len()].copy_from_slice(&digits);
    Some(out)
}

impl Modulus {
    /// A 2048-bit odd modulus (top bit set), else None.
    #[cfg(test)]
    pub fn new(n: BigUint) -> Option<Modulus> {
        (n.bits() == 64 * LIMBS as u64 && n.bit(0)).then(|| Modulus::build(n))
    }

    fn build(n: BigUint) -> Modulus {
        let limbs = to_limbs(&n).unwrap_or([0; LIMBS]);
        // Newton's iteration for N⁻¹ mod 2^64: each step doubles the correct low bits.
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(limbs[0].wrapping_mul(inv)));
        }
        let r = BigUint::from(1u8) << (64 * LIMBS);
        Modulus {
            n: limbs,
            n0inv: inv.wrapping_neg(),
            r2: to_limbs(&((&r * &r) % &n)).unwrap_or([0; LIMBS]),
            one: to_limbs(&(&r % &n)).unwrap_or([0; LIMBS]),
            n_big: n,
        }
    }

    pub fn modulus(&self) -> &BigUint {
        &self.n_big
    }

    /// Big-endian bytes of any length, reduced mod N, into Montgomery form.
    pub fn residue(&self, bytes: &[u8]) -> Monty {
        let v = BigUint::from_bytes_be(bytes);
        let reduced = to_limbs(&(v % &self.n_big)).unwrap_or([0; LIMBS]);
        Monty(self.mul(&reduced, &self.r2))
    }

    /// The value's minimal big-endian bytes (empty for zero).
    pub fn to_be_bytes(&self, x: &Monty) -> Vec<u8> {
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        let plain = self.mul(&x.0, &one);
        let mut out: Vec<u8> = plain.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        let first = out.iter().position(|&b| b != 0).unwrap_or(out.len());
        out.drain(..first);
        out
    }

    pub fn is_zero(&self, x: &Monty) -> bool {
        x.0.iter().fold(0, |acc, l| acc | l) == 0
    }

    pub fn mul_m(&self, a: &Monty, b: &Monty) -> Monty {
        Monty(self.mul(&a.0, &b.0))
    }

    pub fn sub_m(&self, a: &Monty, b: &Monty) -> Monty {
        let (mut d, borrow) = sub(&a.0, &b.0);
        // Add N back when a < b.
        let mask = 0u64.wrapping_sub(borrow);
        let mut carry = 0u64;
        for (l, n) in d.iter_mut().zip(&self.n) {
            let v = *l as u128 + (n & mask) as u128 + carry as u128;
            *l = v as u64;
            carry = (v >> 64) as u64;
        }
        Monty(d)
    }

    /// 2·a mod N, without a branch.
    fn double(&self, a: &Limbs) -> Limbs {
        let mut d = [0u64; LIMBS];
        let mut top = 0u64;
        for (o, l) in d.iter_mut().zip(a) {
            *o = (l << 1) | top;
            top = l >> 63;
        }
        self.reduce_once(d, top)
    }

    /// (hi·2^2048 + v) − N if that is ≥ 0, else v; for v < 2N.
    fn reduce_once(&self, v: Limbs, hi: u64) -> Limbs {
        let (d, borrow) = sub(&v, &self.n);
        // Keep v only when it was below N: no carry-out and a borrow.
        let keep = 0u64.wrapping_sub(borrow & (hi ^ 1));
        let mut out = [0u64; LIMBS];
        for ((o, v), d) in out.iter_mut().zip(&v).zip(&d) {
            *o = (v & keep) | (d & !keep);
        }
        out
    }

    /// Montgomery product a·b·R⁻¹ mod N (CIOS, multiplication and reduction interleaved).
    pub(super) fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let n = &self.n;
        let mut t = [0u64; LIMBS];
        let mut t_hi = 0u64;
        for &ai in a {
            let ai = ai as u128;
            let v = t[0] as u128 + ai * b[0] as u128;
            let mut c1 = (v >> 64) as u64;
            let m = (v as u64).wrapping_mul(self.n0inv);
            let mm = m as u128;
            let w = (v as u64) as u128 + mm * n[0] as u128;
            let mut c2 = (w >> 64) as u64;
            for j in 1..LIMBS {
                let v = t[j] as u128 + ai * b[j] as u128 + c1 as u128;
                c1 = (v >> 64) as u64;
                let w = (v as u64) as u128 + mm * n[j] as u128 + c2 as u128;
                c2 = (w >> 64) as u64;
                t[j - 1] = w as u64;
            }
            let v = t_hi as u128 + c1 as u128 + c2 as u128;
            t[LIMBS - 1] = v as u64;
            t_hi = (v >> 64) as u64;
        }
        self.reduce_once(t, t_hi)
    }

    /// a²·R⁻¹ mod N: the full square (each cross product once, then doubled), then reduction.
    pub(super) fn sqr(&self, a: &Limbs) -> Limbs {
        let mut t = [0u64; 2 * LIMBS];
        for i in 0..LIMBS {
            let ai = a[i] as u128;
            let mut c = 0u64;
            for j in i + 1..LIMBS {
                let v = t[i + j] as u128 + ai * a[j] as u128 + c as u128;
                t[i + j] = v as u64;
                c = (v >> 64) as u64;
            }
            t[i + LIMBS] = c;
        }
        let mut top = 0u64;
        for l in t.iter_mut() {
            let next = *l >> 63;
            *l = (*l << 1) | top;
            top = next;
        }
        let mut c = 0u64;
        for i in 0..LIMBS {
            let sq = a[i] as u128 * a[i] as u128;
            let v = t[2 * i] as u128 + (sq as u64) as u128 + c as u128;
            t[2 * i] = v as u64;
            let w = t[2 * i + 1] as u128 + (sq >> 64) + (v >> 64);
            t[2 * i + 1] = w as u64;
            c = (w >> 64) as u64;
        }
        self.redc(&mut t)
    }

    /// t·R⁻¹ mod N for t < N·R.
    fn redc(&self, t: &mut [u64; 2 * LIMBS]) -> Limbs {
        let n = &self.n;
        let mut extra = 0u64;
        for i in 0..LIMBS {
            let m = t[i].wrapping_mul(self.n0inv) as u128;
            let mut c = 0u64;
            for j in 0..LIMBS {
                let v = t[i + j] as u128 + m * n[j] as u128 + c as u128;
                t[i + j] = v as u64;
                c = (v >> 64) as u64;
            }
            let v = t[i + LIMBS] as u128 + c as u128 + extra as u128;
            t[i + LIMBS] = v as u64;
            extra = (v >> 64) as u64;
        }
        let mut hi = [0u64; LIMBS];
        hi.copy_from_slice(&t[LIMBS..]);
        self.reduce_once(hi, extra)
    }

    /// 2^e mod N (g = 2): square, then double when the bit is set (a masked select, no branch).
    /// `exponent` is big-endian; every one of its bits is walked, leading zeros included.
    pub fn pow2(&self, exponent: &[u8]) -> Monty {
        let mut r = self.one;
        for byte in exponent {
            for shift in (0..8).rev() {
                r = self.sqr(&r);
                let doubled = self.double(&r);
                let take = 0u64.wrapping_sub(((byte >> shift) & 1) as u64);
                for (x, d) in r.iter_mut().zip(&doubled) {
                    *x = (*x & !take) | (d & take);
                }
            }
        }
        Monty(r)
    }

    /// base^e mod N with a fixed 5-bit window; `exponent` is big-endian and walked whole: the
    /// top (partial) window is a table read, every other one 5 squarings and a multiplication.
    pub fn pow(&self, base: &Monty, exponent: &[u8]) -> Monty {
        const WINDOW: usize = 5;
        let mut table = [[0u64; LIMBS]; 1 << WINDOW];
        table[0] = self.one;
        table[1] = base.0;
        for i in 2..table.len() {
            table[i] = if i % 2 == 0 {
                self.sqr(&table[i / 2])
            } else {
                self.mul(&table[i - 1], &base.0)
            };
        }
        let bits = exponent.len() * 8;
        if bits == 0 {
            return Monty(self.one);
        }
        // The WINDOW bits from `pos` up; bits past the exponent's length read as 0.
        let digit = |pos: usize| -> usize {
            (pos..(pos + WINDOW).min(bits)).rev().fold(0, |d, i| {
                (d << 1) | usize::from((exponent[exponent.len() - 1 - i / 8] >> (i % 8)) & 1)
            })
        };
        let mut pos = (bits - 1) / WINDOW * WINDOW;
        let mut r = select(&table, digit(pos));
        while pos > 0 {
            pos -= WINDOW;
            for _ in 0..WINDOW {
                r = self.sqr(&r);
            }
            r = self.mul(&r, &select(&table, digit(pos)));
        }
        Monty(r)
    }
}

/// table[index], reading every entry so the memory access does not depend on the index.
pub(super) fn select(table: &[Limbs], index: usize) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (i, entry) in table.iter().enumerate() {
        let take = 0u64.wrapping_sub((i == index) as u64);
        for (o, l) in out.iter_mut().zip(entry) {
            *o |= l & take;
        }
    }
    out
}

/// a − b and the borrow out (0 or 1).
fn sub(a: &Limbs, b: &Limbs) -> (Limbs, u64) {
    let mut out = [0u64; LIMBS];
    let mut borrow = 0u64;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (d1, b1) = x.overflowing_sub(*y);
        let (d2, b2) = d1.overflowing_sub(borrow);
        *o = d2;
        borrow = (b1 | b2) as u64;
    }
    (out, borrow)
}

/// Up to 32 big-endian bytes as 4 little-endian limbs (longer input keeps its low 32 bytes).
fn limbs_256(bytes: &[u8]) -> [u64; 4] {
    let mut padded = [0u8; 32];
    let take = bytes.len().min(32);
    padded[32 - take..].copy_from_slice(&bytes[bytes.len() - take..]);
    let mut out = [0u64; 4];
    for (i, chunk) in padded.rchunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        out[i] = u64::from_be_bytes(word);
    }
    padded.zeroize();
    out
}

/// a + u·x for three values of at most 256 bits: ≤ (2^256 − 1)² + 2^256 − 1 < 2^512, as 64
/// big-endian bytes (a fixed length, so `pow` walks the same 512 bits whatever the secret).
pub fn mul_add_256(u: &[u8], x: &[u8], a: &[u8]) -> Zeroizing<[u8; 64]> {
    let (u, mut x, mut a) = (limbs_256(u), limbs_256(x), limbs_256(a));
    let mut acc = [0u64; 9];
    acc[..4].copy_from_slice(&a);
    for (i, ui) in u.iter().enumerate() {
        let mut c = 0u64;
        for (j, xj) in x.iter().enumerate() {
            let v = acc[i + j] as u128 + *ui as u128 * *xj as u128 + c as u128;
            acc[i + j] = v as u64;
            c = (v >> 64) as u64;
        }
        // Propagate the carry; acc[i + 4..] has room since the sum stays below 2^512.
        for slot in acc[i + 4..].iter_mut() {
            let (v, overflow) = slot.overflowing_add(c);
            *slot = v;
            c = overflow as u64;
        }
    }
    let mut out = Zeroizing::new([0u8; 64]);
    for (chunk, limb) in out.chunks_exact_mut(8).zip(acc[..8].iter().rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    acc.zeroize();
    x.zeroize();
    a.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn value(m: &Modulus, x: &Monty) -> BigUint {
        BigUint::from_bytes_be(&m.to_be_bytes(x))
    }

    fn check_pow(m: &Modulus, base: &[u8], exponent: &[u8]) {
        let n = m.modulus();
        let b = BigUint::from_bytes_be(base);
        let e = BigUint::from_bytes_be(exponent);
        let ours = value(m, &m.pow(&m.residue(base), exponent));
        assert_eq!(ours, b.modpow(&e, n), "base {b:x} exponent {e:x}");
    }

    #[test]
    fn the_group_constant_is_the_srp_crates_prime() {
        let theirs = <srp::groups::G2048 as srp::Group>::generator()
            .params()
            .modulus()
            .to_be_bytes()
            .to_vec();
        assert_eq!(group_2048().modulus().to_bytes_be(), theirs);
        assert!(Modulus::new(group_2048().modulus().clone()).is_some());
        // Even or short moduli are refused.
        assert!(Modulus::new(group_2048().modulus() + 1u8).is_none());
        assert!(Modulus::new(group_2048().modulus() >> 1).is_none());
    }

    #[test]
    fn edge_cases_equal_num_bigint() {
        let m = group_2048();
        let n = m.modulus();
        let n_minus_1 = (n - 1u8).to_bytes_be();
        let bases: [&[u8]; 6] = [&[], &[0], &[1], &[2], &n_minus_1, &[0xff; 256]];
        let exponents: [&[u8]; 6] = [&[], &[0; 65], &[1], &[2], &[0xff; 65], &n_minus_1];
        for base in bases {
            for exponent in exponents {
                check_pow(m, base, exponent);
            }
        }
        // Base N and base 2N − 1 reduce before the walk.
        check_pow(m, &n.to_bytes_be(), &[3]);
        check_pow(m, &(n * 2u8 - 1u8).to_bytes_be(), &[0xff; 65]);
        assert!(m.is_zero(&m.residue(&n.to_bytes_be())));
        assert!(!m.is_zero(&m.residue(&[1])));
        for e in [&[][..], &[0], &[1], &[0x80; 32], &[0xff; 32]] {
            let ours = value(m, &m.pow2(e));
            assert_eq!(
                ours,
                BigUint::from(2u8).modpow(&BigUint::from_bytes_be(e), n)
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn pow_equals_num_bigint(
            base in proptest::collection::vec(any::<u8>(), 0..=257),
            exponent in proptest::collection::vec(any::<u8>(), 0..=65),
        ) {
            check_pow(group_2048(), &base, &exponent);
        }

        #[test]
        fn pow2_equals_num_bigint(exponent in proptest::collection::vec(any::<u8>(), 0..=40)) {
            let m = group_2048();
            let e = BigUint::from_bytes_be(&exponent);
            let expected = BigUint::from(2u8).modpow(&e, m.modulus());
            prop_assert_eq!(value(m, &m.pow2(&exponent)), expected);
        }

        #[test]
        fn other_moduli_work_too(
            mut modulus in proptest::collection::vec(any::<u8>(), 256),
            base in proptest::collection::vec(any::<u8>(), 0..=256),
            exponent in proptest::collection::vec(any::<u8>(), 0..=8),
        ) {
            // Any odd 2048-bit modulus; an all-ones top limb stresses the final subtraction.
            modulus[0] |= 0x80;
            modulus[255] |= 1;
            let m = Modulus::new(BigUint::from_bytes_be(&modulus)).unwrap();
            check_pow(&m, &base, &exponent);
            let max = Modulus::new((BigUint::from(1u8) << 2048) - 1u8).unwrap();
            check_pow(&max, &base, &exponent);
        }

        #[test]
        fn arithmetic_equals_num_bigint(
            a in proptest::collection::vec(any::<u8>(), 0..=256),
            b in proptest::collection::vec(any::<u8>(), 0..=256),
        ) {
            let m = group_2048();
            let n = m.modulus();
            let (x, y) = (BigUint::from_bytes_be(&a) % n, BigUint::from_bytes_be(&b) % n);
            let (ma, mb) = (m.residue(&a), m.residue(&b));
            prop_assert_eq!(value(m, &m.mul_m(&ma, &mb)), (&x * &y) % n);
            prop_assert_eq!(value(m, &m.sub_m(&ma, &mb)), (n + &x - &y) % n);
        }

        #[test]
        fn mul_add_equals_num_bigint(
            u in proptest::collection::vec(any::<u8>(), 0..=32),
            x in proptest::collection::vec(any::<u8>(), 0..=32),
            a in proptest::collection::vec(any::<u8>(), 0..=32),
        ) {
            let big = |v: &[u8]| BigUint::from_bytes_be(v);
            let expected = big(&a) + big(&u) * big(&x);
            prop_assert_eq!(big(&*mul_add_256(&u, &x, &a)), expected);
        }
    }

    #[test]
    fn mul_add_at_its_maximum() {
        let max = [0xffu8; 32];
        let big = BigUint::from_bytes_be(&max);
        let expected = &big + &big * &big;
        assert_eq!(
            BigUint::from_bytes_be(&*mul_add_256(&max, &max, &max)),
            expected
        );
    }
}
