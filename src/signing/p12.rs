//! A `.p12` as Keychain Access and `openssl pkcs12` write it (legacy RC2/3DES or PBES2/AES):
//! its certificates, each with whether its private key came along. The key itself is dropped at once.

use zeroize::Zeroizing;

use crate::domain::signing::files::CertInfo;

/// Why a .p12 could not be read; never carries the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum P12Error {
    /// The MAC does not verify: the password is wrong (or the file was changed).
    WrongPassword,
    Malformed(String),
    /// Read, but no certificate inside.
    Empty,
}

impl std::fmt::Display for P12Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            P12Error::WrongPassword => f.write_str(
                "the password does not open it (or the file was altered): check the password the reference names",
            ),
            P12Error::Malformed(why) => write!(f, "not a readable PKCS#12 (.p12) file: {why}"),
            P12Error::Empty => f.write_str("the .p12 holds no certificate"),
        }
    }
}

/// The signing certificates of a .p12 (CA certificates shipped along are left out).
pub fn read_p12(data: &[u8], password: &Zeroizing<String>) -> Result<Vec<CertInfo>, P12Error> {
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(data, password).map_err(classify)?;
    // Only the keys' local IDs are kept; the decrypted keys are dropped here.
    let key_ids: Vec<Vec<u8>> = archive
        .keys
        .iter()
        .filter_map(|k| k.local_key_id.as_ref().map(|id| id.0.clone()))
        .collect();
    let lone_key = archive.keys.len() == 1 && archive.certs.len() == 1;
    drop(archive.keys);
    let mut out = Vec::new();
    for bag in &archive.certs {
        let der = bag.cert.as_der();
        if p12_cert_is_ca(der) {
            continue;
        }
        let mut info = super::cert::read_der(der).map_err(P12Error::Malformed)?;
        info.has_private_key = lone_key
            || bag
                .local_key_id
                .as_ref()
                .is_some_and(|id| key_ids.iter().any(|k| k == id));
        out.push(info);
    }
    if out.is_empty() {
        return Err(P12Error::Empty);
    }
    Ok(out)
}

fn p12_cert_is_ca(der: &[u8]) -> bool {
    super::cert::is_ca(der)
}

fn classify(e: p12_keystore::error::Error) -> P12Error {
    use p12_keystore::error::Error;
    match e {
        // A MAC that does not verify, or (no MAC) a decryption that does not unpad: the password.
        Error::MacError(_) | Error::UnpadError => P12Error::WrongPassword,
        other => P12Error::Malformed(other.to_string()),
    }
}
