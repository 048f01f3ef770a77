//! `.p8` import: a PKCS#8 P-256 private key, as App Store Connect hands it out.

use p256::pkcs8::{
    DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding, ObjectIdentifier,
    PrivateKeyInfoRef,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::domain::key_file::key_id_from_file_name;
use crate::secrets::SecretValue;

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A parsed key: its canonical PEM (the secret) and public facts.
pub struct ImportedKey {
    pub pem: SecretValue,
    /// SHA-256 of the SubjectPublicKeyInfo, lowercase hex.
    pub fingerprint: String,
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for ImportedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportedKey")
            .field("pem", &"***")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum P8Error {
    #[error(
        "not a PEM private key: a .p8 from App Store Connect is a PEM block labelled PRIVATE KEY; download it again (Users and Access › Integrations)"
    )]
    NotPem,
    #[error("this is an RSA key: App Store Connect keys are P-256 (EC) keys in a .p8 file")]
    Rsa,
    #[error("this key is on the {0} curve: App Store Connect keys use P-256")]
    WrongCurve(&'static str),
    #[error(
        "this key is encrypted (BEGIN ENCRYPTED PRIVATE KEY): App Store Connect's .p8 is not; decrypt it with `openssl pkcs8 -in key.p8 -out AuthKey.p8 -nocrypt` or download it again"
    )]
    Encrypted,
    #[error(
        "this is a SEC1 EC key (PEM label EC PRIVATE KEY), not PKCS#8: convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out AuthKey.p8`"
    )]
    Sec1,
    #[error(
        "the key is truncated or damaged ({0}): download the .p8 again; Apple lets you download it only once, so use your backup or create a new key"
    )]
    Truncated(String),
    #[error("the key is not a private key App Store Connect issues ({0})")]
    Other(String),
}

/// Parses the file content; `file_name` and `key_id` enable the AuthKey_<ID>.p8 cross-check.
pub fn import(
    content: &[u8],
    file_name: Option<&str>,
    key_id: Option<&str>,
) -> Result<ImportedKey, P8Error> {
    // Every copy of the key below is zeroizing, and its base64 is decoded in constant time
    // (base64ct): issue 33 found PEM, base64 and DER copies freed unwiped here.
    let text = std::str::from_utf8(content).map_err(|_| P8Error::NotPem)?;
    let text = text.trim_start_matches('\u{feff}').trim();
    let pem_text: Zeroizing<String> = if text.contains("-----BEGIN") {
        Zeroizing::new(text.to_string())
    } else {
        // fastlane's is_key_content_base64: the whole PEM, base64-encoded once more.
        let compact: Zeroizing<String> =
            Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
        let decoded = Zeroizing::new(decode_secret(&compact).ok_or(P8Error::NotPem)?);
        let inner = std::str::from_utf8(&decoded).map_err(|_| P8Error::NotPem)?;
        if !inner.contains("-----BEGIN") {
            return Err(P8Error::NotPem);
        }
        Zeroizing::new(inner.trim().to_string())
    };
    let der = pem_body(&pem_text)?;
    let info = PrivateKeyInfoRef::try_from(der.as_slice())
        .map_err(|e| P8Error::Truncated(e.to_string()))?;
    let oid = info.algorithm.oid;
    if oid == RSA {
        return Err(P8Error::Rsa);
    }
    if oid != EC_PUBLIC_KEY {
        return Err(P8Error::Other(format!("algorithm {oid}")));
    }
    let curve = info
        .algorithm
        .parameters_oid()
        .map_err(|e| P8Error::Truncated(e.to_string()))?;
    if curve == P384 {
        return Err(P8Error::WrongCurve("P-384"));
    }
    if curve == P521 {
        return Err(P8Error::WrongCurve("P-521"));
    }
    if curve != P256 {
        return Err(P8Error::Other(format!("curve {curve}")));
    }
    let secret =
        p256::SecretKey::from_pkcs8_der(&der).map_err(|e| P8Error::Truncated(e.to_string()))?;
    let spki = secret
        .public_key()
        .to_public_key_der()
        .map_err(|e| P8Error::Other(e.to_string()))?;
    let fingerprint = hex::encode(Sha256::digest(spki.as_bytes()));
    let mut pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| P8Error::Other(e.to_string()))?;
    let mut warnings = Vec::new();
    if let (Some(name), Some(id)) = (file_name, key_id)
        && let Some(from_name) = key_id_from_file_name(name)
        && from_name != id
    {
        warnings.push(format!(
            "the file is named for key {from_name} but the key ID is {id}: check that this is the right .p8 (steps that read the ID from the file name would send {from_name})"
        ));
    }
    Ok(ImportedKey {
        // Moved, not copied: the zeroizing PEM becomes the secret value.
        pem: SecretValue::new(std::mem::take(&mut *pem)),
        fingerprint,
        warnings,
    })
}

/// The DER inside a PEM block, tolerant of CRLF and stray whitespace.
fn pem_body(text: &str) -> Result<Zeroizing<Vec<u8>>, P8Error> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let begin = lines
        .iter()
        .position(|l| l.starts_with("-----BEGIN"))
        .ok_or(P8Error::NotPem)?;
    let label = lines[begin]
        .trim_start_matches("-----BEGIN ")
        .trim_end_matches('-')
        .trim();
    match label {
        "PRIVATE KEY" => {}
        "ENCRYPTED PRIVATE KEY" => return Err(P8Error::Encrypted),
        "RSA PRIVATE KEY" => return Err(P8Error::Rsa),
        "EC PRIVATE KEY" => return Err(P8Error::Sec1),
        "PUBLIC KEY" => {
            return Err(P8Error::Other(
                "this is a public key; the .p8 holds the private key".into(),
            ));
        }
        _ => return Err(P8Error::NotPem),
    }
    let end = lines[begin + 1..]
        .iter()
        .position(|l| l.starts_with("-----END"))
        .ok_or_else(|| P8Error::Truncated("no -----END PRIVATE KEY----- line".into()))?;
    let body: Zeroizing<String> = Zeroizing::new(lines[begin + 1..begin + 1 + end].concat());
    decode_secret(&body)
        .map(Zeroizing::new)
        .ok_or_else(|| P8Error::Truncated("bad base64".into()))
}

/// Standard base64 (padded; unpadded accepted) of secret bytes, in constant time.
fn decode_secret(text: &str) -> Option<Vec<u8>> {
    use base64ct::Encoding;
    base64ct::Base64::decode_vec(text)
        .or_else(|_| base64ct::Base64Unpadded::decode_vec(text))
        .ok()
}

/// The public fingerprint of a stored PEM.
pub fn fingerprint(pem: &SecretValue) -> Result<String, P8Error> {
    import(pem.expose().as_bytes(), None, None).map(|k| k.fingerprint)
}
