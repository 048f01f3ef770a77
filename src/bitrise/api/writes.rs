//! The 2026-08 document's calls for workspaces: their members and API keys, the upload of a key,
//! and the per-app assignment (`PATCH /apps/{slug}`, `DELETE …/service-credential-user`).

use serde::Serialize;
use zeroize::Zeroizing;

use super::client::{Client, Write, segment};
use super::error::ApiError;
use super::model::{
    AppleApiCredential, AppleApiCredentials, Member, Organization, Organizations, UploadedKey,
};
use crate::secrets::SecretValue;

/// JSON answers of these calls are small.
const CAP: u64 = 8 * 1024 * 1024;

/// `v0.AppUpdateParams`: only the fields given are changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct AppUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_api_credential_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_credential_user_slug: Option<String>,
}

/// What `POST /organizations/{org}/apple-api-credentials` sends, the `.p8` text included.
pub struct NewKey<'a> {
    pub name: &'a str,
    pub key_id: &'a str,
    pub issuer_id: &'a str,
    pub enterprise: bool,
    pub private_key: &'a SecretValue,
}

impl std::fmt::Debug for NewKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("name", &self.name)
            .field("key_id", &self.key_id)
            .field("private_key", &"***")
            .finish()
    }
}

impl Client {
    /// `GET /organizations`: the workspaces the token's user is in.
    pub fn organizations(&self) -> Result<Vec<Organization>, ApiError> {
        self.get_json::<Organizations>("/organizations", &[], "GET /organizations")
            .map(|r| r.data)
    }

    /// `GET /organizations/{org}/members`.
    pub fn members(&self, org: &str) -> Result<Vec<Member>, ApiError> {
        let path = format!("/organizations/{}/members", segment(org));
        self.get_json::<Vec<Member>>(&path, &[], &format!("GET {path}"))
    }

    /// `GET /organizations/{org}/apple-api-credentials`: the workspace's API keys.
    pub fn workspace_credentials(&self, org: &str) -> Result<Vec<AppleApiCredential>, ApiError> {
        let path = format!("/organizations/{}/apple-api-credentials", segment(org));
        self.get_json::<AppleApiCredentials>(&path, &[], &format!("GET {path}"))
            .map(|r| r.data)
    }

    /// `POST /organizations/{org}/apple-api-credentials`: the key's text goes only in this body
    /// (zeroized after), never in an error; never asked again after a 5xx or a timeout, since
    /// the first may have arrived (the caller lists the workspace instead).
    pub fn upload_credential(&self, org: &str, key: &NewKey<'_>) -> Result<UploadedKey, ApiError> {
        #[derive(Serialize)]
        struct Body<'a> {
            name: &'a str,
            key_id: &'a str,
            issuer_id: &'a str,
            is_enterprise_account: bool,
            private_key: &'a str,
        }
        // Room for all of it up front: a growing buffer would leave unzeroized copies behind.
        let room = key.private_key.expose().len() * 2 + key.name.len() * 6 + 512;
        let mut body = Zeroizing::new(Vec::with_capacity(room));
        serde_json::to_writer(
            &mut *body,
            &Body {
                name: key.name,
                key_id: key.key_id,
                issuer_id: key.issuer_id,
                is_enterprise_account: key.enterprise,
                private_key: key.private_key.expose(),
            },
        )
        .map_err(|e| ApiError::BadBody {
            what: "the upload".into(),
            detail: e.to_string(),
        })?;
        let path = format!("/organizations/{}/apple-api-credentials", segment(org));
        let what = format!("POST {path}");
        let write = Write {
            method: "POST",
            body: Some(&body),
            idempotent: false,
        };
        let text = self.call(&write, &path, &[], &what, CAP)?.body?;
        #[derive(serde::Deserialize)]
        struct Created {
            data: UploadedKey,
        }
        serde_json::from_str::<Created>(&text)
            .map(|c| c.data)
            .map_err(|e| ApiError::BadBody {
                what,
                detail: crate::terminal_text::clean_line(&e.to_string()),
            })
    }

    /// `PATCH /apps/{slug}` with the fields given.
    pub fn update_app(&self, slug: &str, update: &AppUpdate) -> Result<(), ApiError> {
        let body = serde_json::to_vec(update).map_err(|e| ApiError::BadBody {
            what: "the update".into(),
            detail: e.to_string(),
        })?;
        let path = format!("/apps/{}", segment(slug));
        let write = Write {
            method: "PATCH",
            body: Some(&body),
            idempotent: true,
        };
        self.call(&write, &path, &[], &format!("PATCH {path}"), CAP)?
            .body?;
        Ok(())
    }

    /// `DELETE /apps/{slug}/service-credential-user`: the app uses no member's Apple ID.
    pub fn clear_credential_user(&self, slug: &str) -> Result<(), ApiError> {
        let path = format!("/apps/{}/service-credential-user", segment(slug));
        let write = Write {
            method: "DELETE",
            body: None,
            idempotent: true,
        };
        self.call(&write, &path, &[], &format!("DELETE {path}"), CAP)?
            .body?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_given_are_sent() {
        let u = AppUpdate {
            apple_api_credential_slug: Some("k1".into()),
            apple_credential_user_slug: None,
        };
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"{"apple_api_credential_slug":"k1"}"#
        );
    }

    #[test]
    fn a_new_key_never_shows_its_text() {
        // A PEM-shaped stand-in, not a key (no key text lives in src/).
        let secret = SecretValue::new(format!("-----BEGIN {} KEY-----\nabc", "PRIVATE"));
        let k = NewKey {
            name: "CI",
            key_id: "AAAAAAAAAA",
            issuer_id: "iss",
            enterprise: false,
            private_key: &secret,
        };
        assert!(!format!("{k:?}").contains("abc"));
    }
}
