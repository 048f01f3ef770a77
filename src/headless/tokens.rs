//! `token` and `jwt inspect`.

use std::io::Read;
use std::path::Path;

use super::connections::read_key_pem;
use super::{CmdResult, Failure};
use crate::asc::jwt::{self, InspectKey};
use crate::cli::{JwtInspectArgs, TextJson, TokenArgs};
use crate::domain::workspace::ApiKey;
use crate::secrets::{SecretStore, SecretValue};
use crate::store::Loaded;

/// `jwt inspect --format json`: the token's header and payload as decoded (not trusted), and
/// whether Apple would accept it.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct JwtInspectJson {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    /// The JOSE header as the token carries it (`alg`, `kid`, `typ`).
    pub header: serde_json::Value,
    /// The claims as the token carries them (`iss`, `iat`, `exp`, `aud`, ...).
    pub payload: serde_json::Value,
    pub signature_verified: bool,
    pub accepted: bool,
    pub problems: Vec<String>,
}

pub fn find_key<'a>(loaded: &'a Loaded, name: &str) -> Result<&'a ApiKey, Failure> {
    let ws = &loaded.workspace;
    ws.api_key(name)
        .or_else(|| ws.api_keys.iter().find(|k| k.key_id == name))
        .ok_or_else(|| {
            Failure::new(
                1,
                format!(
                    "no API key named `{name}`{}: `apple-conn list connections` lists them",
                    crate::domain::check::suggest(
                        name,
                        ws.api_keys.iter().map(|k| k.name.as_str())
                    )
                ),
            )
        })
}

pub fn token(loaded: &Loaded, keyring: &dyn SecretStore, args: &TokenArgs) -> CmdResult {
    let key = find_key(loaded, &args.name)?;
    let now = super::clock(&args.now)?.now().timestamp();
    // Check the claims before touching the keyring: a bad --ttl needs no secret.
    jwt::claims_for(key, 0, args.ttl, &args.scopes).map_err(|e| Failure::new(2, e.to_string()))?;
    let pem = read_key_pem(&loaded.path, keyring, key)?;
    let token = jwt::mint(key, &pem, now, args.ttl, &args.scopes)
        .map_err(|e| Failure::new(1, e.to_string()))?;
    super::raw_out(&format!("{token}\n")); // raw: the token
    Ok(0)
}

pub fn inspect(
    config: &Option<std::path::PathBuf>,
    keyring: &dyn SecretStore,
    args: &JwtInspectArgs,
) -> CmdResult {
    let token = if args.token == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(crate::store::files::SMALL_CAP)
            .read_to_string(&mut s)
            .map_err(|e| Failure::new(2, format!("cannot read the token from stdin: {e}")))?;
        s
    } else {
        eprintln!(
            "warning: a token given as an argument stays in the shell history and the process list; pipe it instead: … | apple-conn jwt inspect"
        );
        args.token.clone()
    };
    let token = token.trim().to_string();
    let decoded = jwt::decode_untrusted(&token)
        .map_err(|e| Failure::new(1, format!("not a token Apple would accept: {e}")))?;
    let now = super::now(&args.now)?.timestamp();
    let mut kind = None;
    let public = match (&args.key, &args.key_file) {
        (Some(name), _) => {
            let loaded = super::load(config)?;
            let key = find_key(&loaded, name)?;
            kind = Some(key.kind);
            let pem = read_key_pem(&loaded.path, keyring, key)?;
            Some(jwt::public_pem(&pem).map_err(|e| Failure::new(1, e))?)
        }
        (None, Some(path)) => Some(public_pem_from_file(path)?),
        (None, None) => None,
    };
    let problems = jwt::problems(
        &token,
        &decoded,
        now,
        &InspectKey {
            kind,
            public_pem: public.as_deref(),
        },
    );
    match args.format {
        TextJson::Json => {
            let doc = JwtInspectJson {
                schema_version: crate::domain::schema_version::SchemaVersion,
                header: decoded.header.clone(),
                payload: decoded.payload.clone(),
                signature_verified: public.is_some()
                    && !problems.iter().any(|p| p.contains("signature")),
                accepted: problems.is_empty(),
                problems: problems.clone(),
            };
            let text = serde_json::to_string(&doc).unwrap_or_default();
            super::raw_out(&format!("{text}\n")); // raw: JSON
        }
        TextJson::Text => {
            println!("header:  {}", decoded.header);
            println!("payload: {}", decoded.payload);
            if let (Some(iat), Some(exp)) = (
                decoded.payload["iat"].as_i64(),
                decoded.payload["exp"].as_i64(),
            ) {
                println!(
                    "lifetime: {} s; {}",
                    exp - iat,
                    if exp > now {
                        format!("expires in {} s", exp - now)
                    } else {
                        format!("expired {} s ago", now - exp)
                    }
                );
            }
            if public.is_some() && !problems.iter().any(|p| p.contains("signature")) {
                println!("signature: verified with the key");
            } else if public.is_none() {
                println!("signature: not verified (pass --key NAME or --key-file PATH)");
            }
            if problems.is_empty() {
                println!("ok: Apple would accept this token");
            }
            for p in &problems {
                println!("problem: {}", crate::terminal_text::clean(p));
            }
        }
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

fn public_pem_from_file(path: &Path) -> Result<String, Failure> {
    let text = crate::store::files::read_text_capped(path, crate::store::files::KEY_CAP, "key")
        .map_err(|e| Failure::new(1, format!("cannot read {}: {e}", path.display())))?;
    if text.contains("BEGIN PUBLIC KEY") {
        return Ok(text);
    }
    let imported = crate::asc::p8::import(text.as_bytes(), None, None)
        .map_err(|e| Failure::new(1, format!("{}: {e}", path.display())))?;
    jwt::public_pem(&imported.pem).map_err(|e| Failure::new(1, e))
}

/// Public half of a key for verification, also used by the connection test.
pub fn public_of(pem: &SecretValue) -> Result<String, Failure> {
    jwt::public_pem(pem).map_err(|e| Failure::new(1, e))
}
