//! K = H(min(S)) without a branch or a memory access that depends on S (issue 33). RFC 5054 hashes
//! S without its leading zero bytes, so the hashed length is secret: a plain strip-then-hash
//! takes longer for each zero byte less and one SHA-256 block more every 64 bytes. Here the
//! count of zeros is found by masks, S is shifted left by a masked barrel shifter, every one of
//! the 5 blocks a 256-byte S can need is compressed, and the state after the right one is
//! selected by mask: the same work whatever S holds. The result equals `Sha256(min(S))`.

use zeroize::Zeroizing;

use super::group::N_BYTES;

/// SHA-256's initial state (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
/// Blocks a message of up to N_BYTES needs with its padding: ⌈(256 + 9) / 64⌉.
const BLOCKS: usize = (N_BYTES + 9).div_ceil(64);

/// All ones when `a == b`, else 0, without a branch.
fn eq_mask(a: usize, b: usize) -> usize {
    let d = a ^ b;
    // d | -d has the top bit set exactly when d != 0.
    (((d | d.wrapping_neg()) >> (usize::BITS - 1)) ^ 1).wrapping_neg()
}

/// All ones when `a < b`, else 0 (both below 2^(BITS-1)), without a branch.
fn lt_mask(a: usize, b: usize) -> usize {
    (a.wrapping_sub(b) >> (usize::BITS - 1)).wrapping_neg()
}

/// The number of leading zero bytes of `s`, reading every byte.
fn leading_zeros(s: &[u8; N_BYTES]) -> usize {
    let mut count = 0usize;
    // Stays all ones while every byte so far was zero.
    let mut still = usize::MAX;
    for &byte in s.iter() {
        still &= eq_mask(usize::from(byte), 0);
        count += still & 1;
    }
    count
}

/// `s` shifted left by `z` bytes (zeros shifted in), by eight masked conditional shifts.
fn shift_left(s: &[u8; N_BYTES], z: usize) -> Zeroizing<[u8; N_BYTES]> {
    let mut cur = Zeroizing::new(*s);
    let mut next = Zeroizing::new([0u8; N_BYTES]);
    let mut step = 1usize;
    while step < N_BYTES * 2 {
        let take = (eq_mask(z & step, step) & 0xff) as u8;
        for i in 0..N_BYTES {
            let moved = if i + step < N_BYTES { cur[i + step] } else { 0 };
            next[i] = (moved & take) | (cur[i] & !take);
        }
        std::mem::swap(&mut cur, &mut next);
        step <<= 1;
    }
    cur
}

/// SHA-256 of S without its leading zero bytes, in constant time.
pub fn hash_minimal(s: &[u8; N_BYTES]) -> Zeroizing<[u8; 32]> {
    let z = leading_zeros(s);
    let len = N_BYTES - z;
    let shifted = shift_left(s, z);
    let used = (len + 9).div_ceil(64);
    let bit_len = (len as u64 * 8).to_be_bytes();
    let mut blocks = Zeroizing::new([[0u8; 64]; BLOCKS]);
    for (i, byte) in blocks.as_flattened_mut().iter_mut().enumerate() {
        let data = if i < N_BYTES { shifted[i] } else { 0 };
        let in_message = (lt_mask(i, len) & 0xff) as u8;
        let marker = (eq_mask(i, len) & 0x80) as u8;
        let mut length = 0u8;
        for (j, &lb) in bit_len.iter().enumerate() {
            // The length's byte j sits at 64·used − 8 + j in the block that ends the message.
            length |= lb & (eq_mask(i, 64 * used - 8 + j) & 0xff) as u8;
        }
        *byte = (data & in_message) | marker | length;
    }
    let mut state = Zeroizing::new(IV);
    let mut chosen = Zeroizing::new([0u32; 8]);
    for (n, block) in blocks.iter().enumerate() {
        sha2::block_api::compress256(&mut state, std::slice::from_ref(block));
        let pick = eq_mask(n + 1, used) as u32;
        for (c, s) in chosen.iter_mut().zip(state.iter()) {
            *c = (*s & pick) | (*c & !pick);
        }
    }
    let mut out = Zeroizing::new([0u8; 32]);
    for (o, w) in out.chunks_exact_mut(4).zip(chosen.iter()) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    use super::*;

    fn reference(s: &[u8; N_BYTES]) -> Vec<u8> {
        let first = s.iter().position(|&b| b != 0).unwrap_or(N_BYTES);
        Sha256::digest(&s[first..]).to_vec()
    }

    #[test]
    fn equals_sha256_of_the_stripped_value_at_every_zero_count() {
        for zeros in 0..=N_BYTES {
            let mut s = [0u8; N_BYTES];
            for (i, b) in s.iter_mut().enumerate().skip(zeros) {
                *b = (i as u8).wrapping_mul(31).wrapping_add(1) | 1;
            }
            assert_eq!(hash_minimal(&s).to_vec(), reference(&s), "{zeros} zeros");
        }
    }

    proptest! {
        #[test]
        fn equals_sha256_of_the_stripped_value(
            bytes in proptest::collection::vec(any::<u8>(), N_BYTES),
            zeros in 0usize..=N_BYTES,
        ) {
            let mut s = [0u8; N_BYTES];
            s.copy_from_slice(&bytes);
            for b in s.iter_mut().take(zeros) {
                *b = 0;
            }
            prop_assert_eq!(hash_minimal(&s).to_vec(), reference(&s));
        }
    }
}
