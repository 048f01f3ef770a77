//! Apple's SRP-6a: PBKDF2 password derivation (s2k / s2k_fo) and the client proof, on RustCrypto
//! `srp`'s group and hashes (checked against its `process_reply` below and PyPI srp in tests/signin.rs).

use sha2::{Digest, Sha256};
use srp::Group;
use srp::bigint::modular::BoxedMontyForm;
use srp::bigint::{BoxedUint, ConcatenatingMul, Resize};
use srp::utils;

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

/// P = PBKDF2-HMAC-SHA256(SHA-256(password) [as hex text for s2k_fo], salt, iterations, 32).
pub fn derive_password(
    password: &str,
    salt: &[u8],
    iterations: u32,
    protocol: Protocol,
) -> zeroize::Zeroizing<[u8; 32]> {
    let p = Sha256::digest(password.as_bytes());
    let input: zeroize::Zeroizing<Vec<u8>> = match protocol {
        Protocol::S2k => zeroize::Zeroizing::new(p.to_vec()),
        Protocol::S2kFo => zeroize::Zeroizing::new(hex::encode(p).into_bytes()),
    };
    super::pbkdf2::hmac_sha256_32(&input, salt, iterations)
}

/// The client side: A for init, then M1 and M2 for complete.
pub struct Ephemeral {
    a: zeroize::Zeroizing<Vec<u8>>,
    pub a_pub: Vec<u8>,
}

/// g and N of RFC 5054's 2048-bit group, the one Apple uses.
fn group() -> BoxedMontyForm {
    srp::groups::G2048::generator()
}

pub fn new_ephemeral() -> Ephemeral {
    // 256 bits, as pysrp's OpenSSL backend draws; Apple accepts it (RFC 5054's minimum).
    let mut a = zeroize::Zeroizing::new(vec![0u8; 32]);
    getrandom_fill(&mut a);
    let a_pub = group()
        .pow(&BoxedUint::from_be_slice_vartime(&a))
        .retrieve()
        .to_be_bytes_trimmed_vartime()
        .into();
    Ephemeral { a, a_pub }
}

fn getrandom_fill(buf: &mut [u8]) {
    use rand::Rng;
    rand::rng().fill_bytes(buf);
}

pub struct Proof {
    pub m1: Vec<u8>,
    pub m2: Vec<u8>,
}

/// M1 = H(H(N) xor H(PAD(g)) ‖ H(accountName) ‖ salt ‖ A ‖ B ‖ K); M2 = H(A ‖ M1 ‖ K); K = H(S),
/// S = (B - k·g^x)^(a + u·x), x = H(salt ‖ H(":" ‖ P)): the `srp` crate's RFC 5054 client
/// (`Client::process_reply`, username left out of x) with A reused instead of computed twice.
pub fn proof(
    eph: &Ephemeral,
    account_name: &str,
    password_key: &[u8],
    salt: &[u8],
    b_pub: &[u8],
) -> Result<Proof, String> {
    let g = group();
    let params = g.params().clone();
    let n = params.modulus().as_nz_ref().clone();
    let precision = n.bits_precision();
    let b = BoxedUint::from_be_slice_vartime(b_pub);
    // The `srp` crate's `validate_b_pub`: B ≡ 0 (mod N) would force S = 0.
    if b.bit_width() > precision || bool::from(((&b).resize(precision) % &n).is_zero()) {
        return Err("Apple's SRP reply is not usable (illegal b): try again".into());
    }
    let u = utils::compute_u_padded::<Sha256>(&g, &eph.a_pub, b_pub);
    let k = utils::compute_k::<Sha256>(&g);
    let identity = srp::ClientG2048::<Sha256>::compute_identity_hash(&[], password_key);
    let x = srp::ClientG2048::<Sha256>::compute_x(identity.as_slice(), salt);
    let a = BoxedUint::from_be_slice_vartime(&eph.a);
    let monty = |v: &BoxedUint| BoxedMontyForm::new(v.resize(precision), &params);
    let base = monty(&b) - monty(&k) * g.pow(&x);
    let exponent = a.concatenating_add(u.concatenating_mul(&x));
    let premaster = zeroize::Zeroizing::new(
        base.pow(&exponent)
            .retrieve()
            .to_be_bytes_trimmed_vartime()
            .to_vec(),
    );
    let key = Sha256::digest(&*premaster);
    let m1 = utils::compute_m1_rfc5054::<Sha256>(
        &g,
        false,
        account_name.as_bytes(),
        salt,
        &eph.a_pub,
        b_pub,
        key.as_slice(),
    );
    let m2 = utils::compute_m2::<Sha256>(&eph.a_pub, &m1, key.as_slice());
    Ok(Proof {
        m1: m1.to_vec(),
        m2: m2.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_is_the_srp_crates_own() {
        let salt = [7u8; 16];
        let key = derive_password("correct horse", &salt, 1000, Protocol::S2k);
        let server_b = group()
            .pow(&BoxedUint::from_be_slice_vartime(&[0x5a; 32]))
            .retrieve()
            .to_be_bytes_trimmed_vartime()
            .to_vec();
        let eph = new_ephemeral();
        let ours = proof(&eph, "alice@example.com", key.as_ref(), &salt, &server_b).unwrap();
        let theirs = srp::ClientG2048::<Sha256>::new_with_options(false)
            .process_reply(&eph.a, b"alice@example.com", key.as_ref(), &salt, &server_b)
            .unwrap();
        assert_eq!(ours.m1, theirs.proof());
        let mut h = Sha256::new();
        h.update(&eph.a_pub);
        h.update(theirs.proof());
        h.update(Sha256::digest(theirs.key()));
        assert_eq!(ours.m2, h.finalize().to_vec());
        assert_eq!(
            eph.a_pub,
            srp::ClientG2048::<Sha256>::new_with_options(false).compute_public_ephemeral(&eph.a)
        );
        // B = 0 and B = N are refused, as the crate refuses them.
        assert!(proof(&eph, "a", key.as_ref(), &salt, &[0]).is_err());
        let n = group().params().modulus().to_be_bytes().to_vec();
        assert!(proof(&eph, "a", key.as_ref(), &salt, &n).is_err());
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
