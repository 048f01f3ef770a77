//! PBKDF2-HMAC-SHA256 for one 32-byte block, on SHA-256's compression function: the HMAC key's
//! inner and outer states are computed once, so each iteration is exactly two compressions.

use sha2::block_api::compress256;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The 64-byte block of a 32-byte message after one 64-byte key block: padding and 768 bits.
fn tail_block() -> [u8; 64] {
    let mut block = [0u8; 64];
    block[32] = 0x80;
    block[62] = 0x03; // (64 + 32) * 8 = 768 = 0x0300
    block
}

fn keyed_state(key: &[u8; 64], pad: u8) -> [u32; 8] {
    let mut block = Zeroizing::new([0u8; 64]);
    for (b, k) in block.iter_mut().zip(key) {
        *b = k ^ pad;
    }
    let mut state = H0;
    compress256(&mut state, std::slice::from_ref(&*block));
    state
}

fn write_words(block: &mut [u8; 64], state: &[u32; 8]) {
    for (chunk, word) in block[..32].chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
}

pub fn hmac_sha256_32(password: &[u8], salt: &[u8], iterations: u32) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    // U1 = HMAC(P, salt ‖ INT(1)): the salt has any length, so the crate does this one.
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, 1, out.as_mut());
    if iterations <= 1 {
        return out;
    }
    let mut key = Zeroizing::new([0u8; 64]);
    if password.len() > 64 {
        key[..32].copy_from_slice(&Sha256::digest(password));
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let inner = keyed_state(&key, 0x36);
    let outer = keyed_state(&key, 0x5c);
    let mut block = Zeroizing::new(tail_block());
    block[..32].copy_from_slice(&*out);
    let mut t = Zeroizing::new([0u32; 8]);
    for (w, chunk) in t.iter_mut().zip(out.chunks_exact(4)) {
        *w = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    for _ in 1..iterations {
        let mut state = inner;
        compress256(&mut state, std::slice::from_ref(&*block));
        write_words(&mut block, &state);
        let mut state = outer;
        compress256(&mut state, std::slice::from_ref(&*block));
        write_words(&mut block, &state);
        for (acc, w) in t.iter_mut().zip(&state) {
            *acc ^= w;
        }
    }
    for (chunk, w) in out.chunks_exact_mut(4).zip(t.iter()) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_the_pbkdf2_crate() {
        for (pw, salt, n) in [
            (&b"p"[..], &b"salt"[..], 1),
            (b"password", b"salt", 2),
            (&[7u8; 32][..], &[1u8; 16][..], 1000),
            (&[b'a'; 64][..], b"NaCl", 77),
            (&[b'b'; 65][..], b"x", 20),
        ] {
            let mut expected = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(pw, salt, n, &mut expected);
            assert_eq!(*hmac_sha256_32(pw, salt, n), expected, "{n} iterations");
        }
    }
}
