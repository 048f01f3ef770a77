//! Apple's SRP-6a: PBKDF2 password derivation (s2k / s2k_fo) through the `pbkdf2` crate and the
//! client proof, in RFC 5054's 2048-bit group (g = 2). The modexps are crypto-bigint's constant-time
//! Montgomery exponentiations (`group.rs`); the result is checked against RustCrypto `srp`'s
//! `process_reply` below and PyPI srp in tests/signin*.rs. A is computed once and reused.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::group::{self, N_BYTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    S2k,
    S2kFo,
}

impl Protocol {
    pub fn parse(text: &str) -> Option<Protocol> {
        match text {
            "s2k" => Some(Protocol::S2k),
            "s2k_fo" => Some(Protocol::S2kFo),
            _ => None,
        }
    }
}

/// SHA-256 into a buffer that is wiped on drop (the digest of a password is a password).
fn sha256_secret(parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    let buffer: &mut [u8; 32] = &mut out;
    hasher.finalize_into(buffer.into());
    out
}

/// P = PBKDF2-HMAC-SHA256(SHA-256(password) [as hex text for s2k_fo], salt, iterations, 32).
pub fn derive_password(
    password: &str,
    salt: &[u8],
    iterations: u32,
    protocol: Protocol,
) -> Zeroizing<[u8; 32]> {
    let p = sha256_secret(&[password.as_bytes()]);
    let input: Zeroizing<Vec<u8>> = match protocol {
        Protocol::S2k => Zeroizing::new(p.to_vec()),
        // base16ct: no table lookup indexed by the password hash's bytes.
        Protocol::S2kFo => {
            Zeroizing::new(base16ct::lower::encode_string(p.as_slice()).into_bytes())
        }
    };
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(&input, salt, iterations, key.as_mut());
    key
}

/// The client side: A for init, then M1 and M2 for complete.
pub struct Ephemeral {
    a: Zeroizing<[u8; 32]>,
    pub a_pub: Vec<u8>,
}

pub fn new_ephemeral() -> Result<Ephemeral, String> {
    // 256 bits, as pysrp's OpenSSL backend draws (RFC 5054's minimum; PyPI srp 1.0.22
    // `_ctsrp.py`: `BN_rand(a, 256, …)`); Apple accepts it. fastlane-sirp draws 2048 bits.
    // Straight from the OS (getrandom(2)) into the zeroizing buffer (issue 33: a user-space RNG
    // kept 28 of the 32 bytes in its block buffer for the life of the process).
    let mut a = Zeroizing::new([0u8; 32]);
    getrandom::fill(a.as_mut())
        .map_err(|e| format!("the operating system's random source failed ({e})"))?;
    #[cfg(feature = "test-support")]
    super::group::test_hooks::note("a", a.as_slice());
    Ok(ephemeral_from(a))
}

fn ephemeral_from(a: Zeroizing<[u8; 32]>) -> Ephemeral {
    let a_value = Zeroizing::new(group::u256(&a));
    let a_pub = minimal(&*group::to_be_bytes(&group::pow_g(&a_value))).to_vec();
    wipe_stack();
    Ephemeral { a, a_pub }
}

impl Ephemeral {
    /// A chosen `a`, for the timing bench and the memory tests only.
    #[cfg(any(test, feature = "test-support"))]
    pub fn from_secret(a: [u8; 32]) -> Ephemeral {
        ephemeral_from(Zeroizing::new(a))
    }
}

/// Bytes of stack `wipe_stack` overwrites: far more than the exponentiations' frames (their
/// windowed table of 16 residues is 4 KiB; the Montgomery temporaries a few more).
const STACK_WIPE: usize = 64 * 1024;

/// libsodium's `sodium_stackzero` idea: a frame as deep as the exponentiations' was, zeroed
/// with volatile writes, so their powers of the base (base^15·R, S·R) do not stay on the stack
/// for a later allocation to copy into the heap (issue 33).
#[inline(never)]
pub fn wipe_stack() {
    let mut area = [0u8; STACK_WIPE];
    zeroize::Zeroize::zeroize(&mut area[..]);
    std::hint::black_box(&area);
}

/// M1 and M2: each is enough to check a password guess against, so both are wiped on drop.
pub struct Proof {
    pub m1: Zeroizing<Vec<u8>>,
    pub m2: Zeroizing<Vec<u8>>,
}

/// min(x): the integer's big-endian bytes without leading zeros (RFC 5054's K = H(min(S))).
fn minimal(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// PAD(x): the integer's bytes left-padded with zeros to N's length (leading zeros beyond it
/// dropped; callers have checked that the value fits).
fn pad(bytes: &[u8]) -> [u8; N_BYTES] {
    let value = minimal(bytes);
    let mut out = [0u8; N_BYTES];
    let take = value.len().min(N_BYTES);
    out[N_BYTES - take..].copy_from_slice(&value[value.len() - take..]);
    out
}

/// k = H(N ‖ PAD(g)) and H(N) xor H(PAD(g)): the group's two constant hashes.
fn group_hashes() -> ([u8; 32], [u8; 32]) {
    let n = group::modulus_bytes();
    let g = pad(&[2]);
    let k = Sha256::new()
        .chain_update(n)
        .chain_update(g)
        .finalize()
        .into();
    let mut n_xor_g: [u8; 32] = Sha256::digest(n).into();
    for (x, y) in n_xor_g.iter_mut().zip(Sha256::digest(g)) {
        *x ^= y;
    }
    (k, n_xor_g)
}

/// S for the server's B (checked: not 0, below N; u not 0), the stack wiped after it.
fn premaster_of(
    eph: &Ephemeral,
    password_key: &[u8],
    salt: &[u8],
    b_pub: &[u8],
) -> Result<Zeroizing<[u8; N_BYTES]>, String> {
    let illegal = || "Apple's SRP reply is not usable (illegal b): try again".to_string();
    // B = 0 would force S = 0 (the `srp` crate's `validate_b_pub`); B ≥ N is never an honest reply.
    let b = group::public_value(b_pub).ok_or_else(illegal)?;
    let (k, _) = group_hashes();
    let u: [u8; 32] = Sha256::new()
        .chain_update(pad(&eph.a_pub))
        .chain_update(pad(b_pub))
        .finalize()
        .into();
    // RFC 5054 2.6: abort if u = 0.
    if u.iter().all(|&byte| byte == 0) {
        return Err(illegal());
    }
    let inner = sha256_secret(&[b":", password_key]);
    let x = sha256_secret(&[salt, inner.as_slice()]);
    let premaster = group::premaster(
        &b,
        &group::u256(&k),
        &Zeroizing::new(group::u256(&x)),
        &Zeroizing::new(group::u256(&eph.a)),
        &group::u256(&u),
    );
    wipe_stack();
    Ok(premaster)
}

/// S itself, for the timing bench's class of an S with a leading zero byte (test support only).
#[cfg(any(test, feature = "test-support"))]
pub fn premaster_for(
    eph: &Ephemeral,
    password_key: &[u8],
    salt: &[u8],
    b_pub: &[u8],
) -> Result<Zeroizing<[u8; N_BYTES]>, String> {
    premaster_of(eph, password_key, salt, b_pub)
}

/// M1 = H(H(N) xor H(PAD(g)) ‖ H(accountName) ‖ salt ‖ A ‖ B ‖ K); M2 = H(A ‖ M1 ‖ K); K = H(S),
/// S = (B - k·g^x)^(a + u·x), k = H(N ‖ PAD(g)), u = H(PAD(A) ‖ PAD(B)), x = H(salt ‖ H(":" ‖ P)):
/// the `srp` crate's RFC 5054 client (`Client::process_reply`, username left out of x), with A
/// reused instead of computed twice, and salt and B hashed exactly as received (fastlane-sirp).
pub fn proof(
    eph: &Ephemeral,
    account_name: &str,
    password_key: &[u8],
    salt: &[u8],
    b_pub: &[u8],
) -> Result<Proof, String> {
    let (_, n_xor_g) = group_hashes();
    let premaster = premaster_of(eph, password_key, salt, b_pub)?;
    // K = H(min(S)) as the protocol defines it, with no branch on S (issue 33: a plain strip
    // showed S's count of leading zero bytes in the time taken).
    let key = super::ct_hash::hash_minimal(&premaster);
    let m1 = Sha256::new()
        .chain_update(n_xor_g)
        .chain_update(Sha256::digest(account_name.as_bytes()))
        .chain_update(salt)
        .chain_update(&eph.a_pub)
        .chain_update(b_pub)
        .chain_update(key.as_slice())
        .finalize();
    let m2 = Sha256::new()
        .chain_update(&eph.a_pub)
        .chain_update(m1)
        .chain_update(key.as_slice())
        .finalize();
    let proof = Proof {
        m1: Zeroizing::new(m1.to_vec()),
        m2: Zeroizing::new(m2.to_vec()),
    };
    // The digests' stack copies go too.
    let (mut m1, mut m2) = (m1, m2);
    zeroize::Zeroize::zeroize(m1.as_mut_slice());
    zeroize::Zeroize::zeroize(m2.as_mut_slice());
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_is_the_srp_crates_own() {
        for round in 0u8..6 {
            // A salt with a leading zero byte in one round: hashed exactly as received.
            let salt = [round, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, round];
            let protocol = [Protocol::S2k, Protocol::S2kFo][usize::from(round % 2)];
            let key = derive_password("correct horse", &salt, 1000, protocol);
            let server_b =
                srp::ClientG2048::<Sha256>::new().compute_public_ephemeral(&[0x5a ^ round; 32]);
            let eph = new_ephemeral().unwrap();
            let account = format!("alice{round}@example.com");
            let ours = proof(&eph, &account, key.as_ref(), &salt, &server_b).unwrap();
            let theirs = srp::ClientG2048::<Sha256>::new_with_options(false)
                .process_reply(
                    eph.a.as_slice(),
                    account.as_bytes(),
                    key.as_ref(),
                    &salt,
                    &server_b,
                )
                .unwrap();
            assert_eq!(ours.m1.as_slice(), theirs.proof());
            let mut h = Sha256::new();
            h.update(&eph.a_pub);
            h.update(theirs.proof());
            h.update(Sha256::digest(theirs.key()));
            assert_eq!(ours.m2.to_vec(), h.finalize().to_vec());
            assert_eq!(
                eph.a_pub,
                srp::ClientG2048::<Sha256>::new_with_options(false)
                    .compute_public_ephemeral(eph.a.as_slice())
            );
            // A wrong password gives another proof.
            let wrong = derive_password("correct horsf", &salt, 1000, protocol);
            let other = proof(&eph, &account, wrong.as_ref(), &salt, &server_b).unwrap();
            assert_ne!(other.m1, ours.m1);
        }
    }

    #[test]
    fn the_group_hashes_of_the_reference() {
        let (k, n_xor_g) = group_hashes();
        assert_eq!(
            hex::encode(k),
            "05b9e8ef059c6b32ea59fc1d322d37f04aa30bae5aa9003b8321e21ddb04e300"
        );
        assert_eq!(
            hex::encode(n_xor_g),
            "a2b80ee3d957ede6b072f76f67415f3d1a7158bb8f0e765e34d87844031acc9c"
        );
    }

    #[test]
    fn an_illegal_b_is_refused() {
        use num_bigint::BigUint;
        let salt = [7u8; 16];
        let key = derive_password("correct horse", &salt, 1000, Protocol::S2k);
        let eph = new_ephemeral().unwrap();
        let n = BigUint::from_bytes_be(&group::modulus_bytes());
        let refused = |b: &[u8]| proof(&eph, "a", key.as_ref(), &salt, b).is_err();
        // B ≡ 0 (mod N) is refused, as the crate refuses it: 0, N, and N with a leading zero.
        assert!(refused(&[]));
        assert!(refused(&[0]));
        assert!(refused(&n.to_bytes_be()));
        let mut padded_n = vec![0u8];
        padded_n.extend(n.to_bytes_be());
        assert!(refused(&padded_n));
        // B wider than N is refused, not reduced.
        assert!(refused(&(&n * 2u8).to_bytes_be()));
        // N + 5 fits 2048 bits but an honest server sends B mod N: refused, not reduced.
        assert!(refused(&(&n + 5u8).to_bytes_be()));
        // B = 1 and B = N − 1 are legal values, with leading zeros too.
        assert!(!refused(&[1]));
        assert!(!refused(&[0, 0, 1]));
        assert!(!refused(&(&n - 1u8).to_bytes_be()));
    }

    #[test]
    fn a_is_256_random_bits_and_a_pub_is_g_to_a() {
        use num_bigint::BigUint;
        let n = BigUint::from_bytes_be(&group::modulus_bytes());
        let (one, two) = (new_ephemeral().unwrap(), new_ephemeral().unwrap());
        assert_ne!(*one.a, *two.a);
        let expected = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(one.a.as_slice()), &n);
        assert_eq!(one.a_pub, expected.to_bytes_be());
    }

    #[test]
    fn derive_password_is_the_pbkdf2_crates_own() {
        for (protocol, input) in [
            (Protocol::S2k, Sha256::digest(b"pw").to_vec()),
            (
                Protocol::S2kFo,
                hex::encode(Sha256::digest(b"pw")).into_bytes(),
            ),
        ] {
            let mut expected = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(&input, b"NaCl", 77, &mut expected);
            assert_eq!(*derive_password("pw", b"NaCl", 77, protocol), expected);
        }
    }

    #[test]
    fn pbkdf2_check_values_of_the_reference() {
        let s2k = derive_password("password123", b"salt", 1000, Protocol::S2k);
        assert_eq!(
            hex::encode(*s2k),
            "c4330b0d973b906938cebc41efc1bac6435ac841c2beaa85ea89bd8d05a94939"
        );
        let fo = derive_password("password123", b"salt", 1000, Protocol::S2kFo);
        assert_eq!(
            hex::encode(*fo),
            "07c477b5ed1125863dae2350a2dbc48eaae67ad4ee45606a59f66df82993d5ef"
        );
    }
}
