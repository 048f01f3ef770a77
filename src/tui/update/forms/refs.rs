//! Secret references as the forms write them: `keyring`, `vault`, `env:VAR`, `file:PATH`, `vault:PATH#FIELD`.

use crate::domain::secret_ref::{SecretRef, TomlScalar, VaultRef};

/// A reference as a form shows it.
pub fn ref_text(r: &SecretRef) -> String {
    match r.toml_key_value() {
        (k, TomlScalar::Bool(_)) => k.into(),
        ("path", TomlScalar::Str(v)) => format!("file:{v}"),
        (k, TomlScalar::Str(v)) => format!("{k}:{v}"),
        (k, TomlScalar::Owned(v)) => format!("{k}:{v}"),
    }
}

/// The reverse of `ref_text`; a bare path is a file.
pub fn parse_ref(text: &str) -> Result<SecretRef, String> {
    let t = text.trim();
    match t {
        "keyring" => Ok(SecretRef::Keyring),
        "vault" => Ok(SecretRef::Vault(VaultRef::Entry)),
        _ => match t.split_once(':') {
            Some(("env", var)) if !var.is_empty() => Ok(SecretRef::Env(var.to_string())),
            Some(("vault", path)) if !path.is_empty() => {
                VaultRef::parse(path).map(SecretRef::Vault)
            }
            Some(("file", path)) if !path.is_empty() => Ok(SecretRef::Path(path.to_string())),
            _ if t.contains('/') => Ok(SecretRef::Path(t.to_string())),
            _ => Err(format!(
                "`{t}` is not a place for a secret: write keyring, vault, env:VAR, file:PATH or vault:PATH#FIELD"
            )),
        },
    }
}

/// Where a secret the user keeps is read from: `env:VAR` or `file:PATH` only (Store: reference).
pub fn parse_readable(text: &str) -> Result<SecretRef, String> {
    match parse_ref(text) {
        Ok(r @ (SecretRef::Env(_) | SecretRef::Path(_))) => Ok(r),
        // Not echoed: a password typed here by mistake stays off the screen.
        _ => Err("write env:VAR or file:PATH: where apple-conn reads it from".into()),
    }
}
