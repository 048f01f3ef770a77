//! `[apps.signing]` and `[settings.signing]`: the workspace's part of the signing check.

use serde::{Deserialize, Deserializer};

use crate::domain::secret_ref::SecretRef;

/// Default of `[settings.signing] warn_days`: a certificate or profile this close to its end warns.
pub const DEFAULT_WARN_DAYS: i64 = 30;

/// `[settings.signing]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SigningSettings {
    #[serde(default)]
    pub warn_days: Option<u32>,
}

impl SigningSettings {
    pub fn warn_days(s: Option<&SigningSettings>) -> i64 {
        s.and_then(|s| s.warn_days)
            .map(i64::from)
            .unwrap_or(DEFAULT_WARN_DAYS)
    }
}

/// `[apps.signing]`: the files a local build signs with (paths relative to the workspace file).
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AppSigning {
    #[serde(default)]
    pub certificates: Vec<LocalCertificate>,
    #[serde(default)]
    pub profiles: Vec<String>,
    /// The bundle IDs the app signs (`com.example.app`; a profile's `*` matches any): a profile for
    /// none of them is `profile_wrong_bundle`. None given: not judged.
    #[serde(default)]
    pub bundle_ids: Vec<String>,
    /// The team the app signs for; else the steps' team input, else the certificates' team.
    #[serde(default)]
    pub team_id: Option<String>,
}

/// `{ path = "dist.p12", password = { env = "P12_PASSWORD" } }`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LocalCertificate {
    pub path: String,
    /// Where the .p12's password lives: `{ env = "VAR" }`, `{ keyring = true }`, `{ file = "path" }`
    /// (`{ path = … }` and `{ vault = … }` as every secret reference); none: an empty password.
    #[serde(default, deserialize_with = "password_ref")]
    pub password: Option<SecretRef>,
}

/// A secret reference that also takes `{ file = "path" }`, the spelling `[apps.signing]` documents.
fn password_ref<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretRef>, D::Error> {
    use serde::de::Error;
    let mut table = toml::Table::deserialize(d)?;
    if let Some(file) = table.remove("file") {
        if table.contains_key("path") {
            return Err(D::Error::custom(
                "give the password's file once: { file = \"path\" }",
            ));
        }
        table.insert("path".into(), file);
    }
    SecretRef::deserialize(toml::Value::Table(table))
        .map(Some)
        .map_err(|e| D::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        signing: AppSigning,
    }

    fn parse(text: &str) -> Result<AppSigning, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.signing)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn password_takes_env_keyring_and_file() {
        let s = parse(
            "[signing]\ncertificates = [{ path = \"a.p12\", password = { env = \"P\" } }, { path = \"b.p12\", password = { keyring = true } }, { path = \"c.p12\", password = { file = \"pw.txt\" } }, { path = \"d.p12\" }]\nprofiles = [\"a.mobileprovision\"]\n",
        )
        .unwrap();
        assert_eq!(s.certificates[0].password, Some(SecretRef::Env("P".into())));
        assert_eq!(s.certificates[1].password, Some(SecretRef::Keyring));
        assert_eq!(
            s.certificates[2].password,
            Some(SecretRef::Path("pw.txt".into()))
        );
        assert_eq!(s.certificates[3].password, None);
        assert_eq!(s.profiles, vec!["a.mobileprovision".to_string()]);
    }

    #[test]
    fn a_wrong_password_reference_says_what_to_write() {
        let e = parse(
            "[signing]\ncertificates = [{ path = \"a.p12\", password = { env = \"1X\" } }]\n",
        )
        .unwrap_err();
        assert!(e.contains("environment variable name"), "{e}");
        let e =
            parse("[signing]\ncertificates = [{ path = \"a.p12\", pasword = { env = \"P\" } }]\n")
                .unwrap_err();
        assert!(e.contains("pasword"), "{e}");
    }
}
