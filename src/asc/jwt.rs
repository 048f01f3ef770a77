//! App Store Connect tokens: ES256 through jsonwebtoken (RustCrypto's p256), inspected without trust.

use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use serde::{Deserialize, Serialize};

use crate::domain::workspace::{ApiKey, KeyKind};
use crate::secrets::SecretValue;

pub const DEFAULT_TTL: i64 = 600;
/// Apple rejects longer tokens unless they are scoped to GET requests.
pub const MAX_TTL: i64 = 1200;
pub const AUD: &str = "appstoreconnect-v1";
pub const AUD_ENTERPRISE: &str = "apple-developer-enterprise-v1";

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sub: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub aud: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scope: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error(
        "--ttl {0} is over {MAX_TTL} s: Apple accepts longer tokens only when every --scope is a GET request (e.g. --scope \"GET /v1/apps\")"
    )]
    TooLong(i64),
    #[error("--ttl must be positive")]
    NotPositive,
    #[error("scope `{0}` must look like \"GET /v1/apps\": a method, a space, a path")]
    BadScope(String),
    #[error("team key `{0}` has no issuer_id: add it to the workspace")]
    NoIssuer(String),
    #[error("cannot sign with this key: {0}")]
    Sign(String),
}

pub fn claims_for(
    key: &ApiKey,
    now: i64,
    ttl: i64,
    scopes: &[String],
) -> Result<Claims, MintError> {
    if ttl <= 0 {
        return Err(MintError::NotPositive);
    }
    for scope in scopes {
        let mut parts = scope.splitn(2, ' ');
        let method = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or_default();
        if method.is_empty()
            || !method.chars().all(|c| c.is_ascii_uppercase())
            || !path.starts_with('/')
        {
            return Err(MintError::BadScope(scope.clone()));
        }
    }
    if ttl > MAX_TTL && (scopes.is_empty() || !scopes.iter().all(|s| s.starts_with("GET "))) {
        return Err(MintError::TooLong(ttl));
    }
    let (iss, sub) = match key.kind {
        KeyKind::Team => (
            Some(
                key.issuer_id
                    .clone()
                    .ok_or_else(|| MintError::NoIssuer(key.name.clone()))?,
            ),
            None,
        ),
        KeyKind::Individual => (None, Some("user".to_string())),
    };
    Ok(Claims {
        iss,
        sub,
        iat: now,
        exp: now + ttl,
        aud: if key.enterprise { AUD_ENTERPRISE } else { AUD }.to_string(),
        scope: (!scopes.is_empty()).then(|| scopes.to_vec()),
    })
}

/// A `.p8` key read and checked once by p256, handed to jsonwebtoken as PKCS#8 DER for ES256.
pub struct Signer {
    key: jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(ES256, private key redacted)")
    }
}

impl Signer {
    pub fn from_pem(pem: &SecretValue) -> Result<Signer, MintError> {
        use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
        let secret = p256::SecretKey::from_pkcs8_pem(pem.expose())
            .map_err(|e| MintError::Sign(format!("the key is not a P-256 PKCS#8 PEM ({e})")))?;
        // The canonical DER (zeroized on drop, as is jsonwebtoken's copy of it).
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| MintError::Sign(format!("the key was refused ({e})")))?;
        Ok(Signer {
            key: jsonwebtoken::EncodingKey::from_ec_der(der.as_bytes()),
        })
    }

    /// ES256 with `kid` and `typ: JWT`; jsonwebtoken writes the raw 64-byte r||s Apple wants.
    pub fn sign(&self, key_id: &str, claims: &Claims) -> Result<String, MintError> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(key_id.to_string());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| MintError::Sign(e.to_string()))
    }

    pub fn mint(
        &self,
        key: &ApiKey,
        now: i64,
        ttl: i64,
        scopes: &[String],
    ) -> Result<String, MintError> {
        let claims = claims_for(key, now, ttl, scopes)?;
        self.sign(&key.key_id, &claims)
    }
}

/// Signs the claims with the key's PEM, parsed for this call only: no parsed key is kept in a
/// static that never drops (issue 33; the per-process cache held the EncodingKey for the life of
/// the TUI). A caller that mints many tokens keeps a `Signer` itself, and drops it.
pub fn sign(key_id: &str, claims: &Claims, pem: &SecretValue) -> Result<String, MintError> {
    Signer::from_pem(pem)?.sign(key_id, claims)
}

pub fn mint(
    key: &ApiKey,
    pem: &SecretValue,
    now: i64,
    ttl: i64,
    scopes: &[String],
) -> Result<String, MintError> {
    let claims = claims_for(key, now, ttl, scopes)?;
    sign(&key.key_id, &claims, pem)
}

/// A decoded token: header and payload as JSON, nothing trusted.
#[derive(Debug)]
pub struct Decoded {
    pub header: serde_json::Value,
    pub payload: serde_json::Value,
    pub signature_len: usize,
}

pub fn decode_untrusted(token: &str) -> Result<Decoded, String> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "a JWT has three parts separated by dots; this has {}: paste the whole token",
            parts.len()
        ));
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let part = |i: usize, what: &str| -> Result<Vec<u8>, String> {
        b64.decode(parts[i].trim_end_matches('='))
            .map_err(|_| format!("the {what} is not base64url: the token is damaged"))
    };
    // The header is read as plain JSON: jsonwebtoken's typed header refuses an alg it does not
    // know, and naming that alg is the point of inspecting.
    let header: serde_json::Value = serde_json::from_slice(&part(0, "header")?)
        .map_err(|_| "the header is not JSON: the token is damaged".to_string())?;
    let payload: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(token)
        .map_err(|e| match e.kind() {
            ErrorKind::Base64(_) => {
                "the payload is not base64url: the token is damaged".to_string()
            }
            _ => "the payload is not JSON: the token is damaged".to_string(),
        })?;
    if !header.is_object() || !payload.is_object() {
        return Err("the header and payload must be JSON objects".into());
    }
    Ok(Decoded {
        header,
        payload,
        signature_len: part(2, "signature")?.len(),
    })
}

/// What key the inspector knows, if any, to judge iss/sub and the signature.
pub struct InspectKey<'a> {
    pub kind: Option<KeyKind>,
    pub public_pem: Option<&'a str>,
}

/// Every reason Apple would reject the token; empty when it would accept it.
pub fn problems(token: &str, decoded: &Decoded, now: i64, key: &InspectKey) -> Vec<String> {
    let mut out = Vec::new();
    let h = &decoded.header;
    let p = &decoded.payload;
    match h.get("alg").and_then(|v| v.as_str()) {
        Some("ES256") => {}
        Some(other) => out.push(format!("alg is {other}: Apple accepts only ES256")),
        None => out.push("the header has no alg: Apple needs alg = ES256".into()),
    }
    if h.get("kid")
        .and_then(|v| v.as_str())
        .is_none_or(str::is_empty)
    {
        out.push("the header has no kid: put the key ID there".into());
    }
    if let Some(typ) = h.get("typ").and_then(|v| v.as_str())
        && typ != "JWT"
    {
        out.push(format!("typ is {typ}: use JWT"));
    }
    if decoded.signature_len != 64 && h.get("alg").and_then(|v| v.as_str()) == Some("ES256") {
        out.push(format!(
            "the signature is {} bytes, not the 64-byte raw r||s ES256 needs (a DER signature from a generic ECDSA library is rejected)",
            decoded.signature_len
        ));
    }
    let iss = p.get("iss").and_then(|v| v.as_str());
    let sub = p.get("sub").and_then(|v| v.as_str());
    match key.kind {
        Some(KeyKind::Individual) => {
            if iss.is_some() {
                out.push("iss is present, but this is an individual key: individual-key tokens carry sub = \"user\" and no iss".into());
            }
            if sub != Some("user") {
                out.push("sub must be \"user\" for an individual key".into());
            }
        }
        Some(KeyKind::Team) => {
            if iss.is_none_or(str::is_empty) {
                out.push("iss is missing: a team key's token needs iss = the issuer ID".into());
            }
        }
        None => {
            if iss.is_none() && sub != Some("user") {
                out.push(
                    "neither iss (team keys) nor sub = \"user\" (individual keys) is present"
                        .into(),
                );
            }
            if iss.is_some() && sub == Some("user") {
                out.push("both iss and sub = \"user\": a team key's token has iss only, an individual key's sub only".into());
            }
        }
    }
    match p.get("aud").and_then(|v| v.as_str()) {
        Some(AUD) | Some(AUD_ENTERPRISE) => {}
        Some(other) => out.push(format!(
            "aud is {other}: use {AUD} ({AUD_ENTERPRISE} for Enterprise Program keys)"
        )),
        None => out.push(format!("aud is missing: use {AUD}")),
    }
    let iat = p.get("iat").and_then(|v| v.as_i64());
    let exp = p.get("exp").and_then(|v| v.as_i64());
    match exp {
        None => out.push("exp is missing: Apple needs an expiry within 20 minutes".into()),
        Some(exp) if exp <= now => out.push(format!(
            "the token expired {} s ago: mint a new one",
            now.saturating_sub(exp)
        )),
        Some(_) => {}
    }
    if let Some(iat) = iat
        && iat > now.saturating_add(60)
    {
        out.push(format!(
            "iat is {} s in the future: the clock of the machine that minted it is ahead (clock skew); fix its time",
            iat.saturating_sub(now)
        ));
    }
    let lifetime = match (iat, exp) {
        (Some(iat), Some(exp)) => exp.saturating_sub(iat),
        (None, Some(exp)) => exp.saturating_sub(now),
        _ => 0,
    };
    let scopes: Vec<&str> = p
        .get("scope")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    if lifetime > MAX_TTL && (scopes.is_empty() || !scopes.iter().all(|s| s.starts_with("GET "))) {
        out.push(format!(
            "the lifetime is {lifetime} s: over 1200 s (20 minutes) Apple rejects the token unless every scope is a GET request"
        ));
    }
    // Only an ES256 token with a 64-byte signature can match the key; the lines above say why not.
    if let Some(pem) = key.public_pem
        && h.get("alg").and_then(|v| v.as_str()) == Some("ES256")
        && decoded.signature_len == 64
        && let Err(e) = verify(token, pem)
    {
        out.push(e);
    }
    out
}

/// Checks the signature through jsonwebtoken, and nothing else (the claims are judged above).
fn verify(token: &str, public_pem: &str) -> Result<(), String> {
    use p256::pkcs8::DecodePublicKey;
    let public = p256::PublicKey::from_public_key_pem(public_pem)
        .map_err(|e| format!("cannot read the key: {e}"))?;
    let key = jsonwebtoken::DecodingKey::from_ec_der(&public.to_sec1_bytes());
    let mut only_signature = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    only_signature.required_spec_claims.clear();
    only_signature.validate_exp = false;
    only_signature.validate_nbf = false;
    only_signature.validate_aud = false;
    match jsonwebtoken::decode::<serde_json::Value>(token.trim(), &key, &only_signature) {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.kind() {
            ErrorKind::InvalidSignature => "the signature does not match this key: it was signed by another key (or the token was altered)".to_string(),
            ErrorKind::Base64(_) => "the signature cannot be verified: it is not base64url".to_string(),
            _ => format!("the signature cannot be verified: {e}"),
        }),
    }
}

/// The public key PEM of a private key PEM (for verification).
pub fn public_pem(private_pem: &SecretValue) -> Result<String, String> {
    use p256::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
    let secret =
        p256::SecretKey::from_pkcs8_pem(private_pem.expose()).map_err(|e| e.to_string())?;
    secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| e.to_string())
}
