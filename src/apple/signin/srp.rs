//! Apple's SRP-6a: PBKDF2 password derivation (s2k / s2k_fo) and the client proof, on RustCrypto `srp`.

use sha2::{Digest, Sha256};

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
    let mut out = zeroize::Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(&input, salt, iterations, out.as_mut());
    out
}

/// The client side: A for init, then M1 and M2 for complete.
pub struct Ephemeral {
    a: zeroize::Zeroizing<Vec<u8>>,
    pub a_pub: Vec<u8>,
}

pub fn new_ephemeral() -> Ephemeral {
    // 256 bits, as pysrp's OpenSSL backend draws; Apple accepts it (RFC 5054's minimum).
    let mut a = vec![0u8; 32];
    getrandom_fill(&mut a);
    let client = srp::ClientG2048::<Sha256>::new_with_options(false);
    let a_pub = client.compute_public_ephemeral(&a);
    Ephemeral {
        a: zeroize::Zeroizing::new(a),
        a_pub,
    }
}

fn getrandom_fill(buf: &mut [u8]) {
    use rand::Rng;
    rand::rng().fill_bytes(buf);
}

pub struct Proof {
    pub m1: Vec<u8>,
    pub m2: Vec<u8>,
}

/// M1 = H(H(N) xor H(g) ‖ H(accountName) ‖ salt ‖ A ‖ B ‖ K); M2 = H(A ‖ M1 ‖ K); K = H(S).
pub fn proof(
    eph: &Ephemeral,
    account_name: &str,
    password_key: &[u8],
    salt: &[u8],
    b_pub: &[u8],
) -> Result<Proof, String> {
    let client = srp::ClientG2048::<Sha256>::new_with_options(false);
    let verifier = client
        .process_reply(&eph.a, account_name.as_bytes(), password_key, salt, b_pub)
        .map_err(|e| format!("Apple's SRP reply is not usable ({e}): try again"))?;
    let m1 = verifier.proof().to_vec();
    let k = Sha256::digest(verifier.key());
    let mut h = Sha256::new();
    h.update(&eph.a_pub);
    h.update(&m1);
    h.update(k);
    Ok(Proof {
        m1,
        m2: h.finalize().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
