//! The answers apple-conn reads, as the specification describes them (`v0.*` schemas). A field
//! of the wrong type makes the whole answer "not the JSON the spec describes".

use serde::{Deserialize, Serialize};

// Every one-line field (titles, owners, names, ids, messages) through the one sanitizer (issue 33).
use crate::one_line;

/// `v0.UserProfileRespModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct MeResponse {
    pub data: Me,
}

/// `v0.UserProfileDataModel` (the parts used).
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    #[serde(deserialize_with = "one_line::de")]
    pub slug: String,
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub email: Option<String>,
}

/// `v0.OwnerAccountResponseModel`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct Owner {
    #[serde(default, deserialize_with = "one_line::de")]
    pub slug: String,
    #[serde(default, deserialize_with = "one_line::de")]
    pub name: String,
    #[serde(default, deserialize_with = "one_line::de")]
    pub account_type: String,
}

/// `v0.AppResponseItemModel` (the parts used).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AppItem {
    #[serde(deserialize_with = "one_line::de")]
    pub slug: String,
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub project_type: Option<String>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub owner: Option<Owner>,
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub repo_url: Option<String>,
}

/// `v0.AppListResponseModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct AppList {
    pub data: Vec<AppItem>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// `v0.PagingResponseModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<String>,
}

/// `v0.AppShowResponseModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct AppShow {
    pub data: AppItem,
}

/// `website.BitriseYMLLocation`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum YmlLocation {
    #[serde(rename = "bitrise.io")]
    BitriseIo,
    #[serde(rename = "repository")]
    Repository,
}

/// `v0.BitriseYMLConfigGetResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct YmlConfig {
    pub location: YmlLocation,
}

/// `v0.AppleAPICredentialResponseItem` (no private key is ever served).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AppleApiCredential {
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "one_line::de")]
    pub name: String,
    #[serde(deserialize_with = "one_line::de")]
    pub key_id: String,
    #[serde(default, deserialize_with = "one_line::de")]
    pub issuer_id: String,
    #[serde(default)]
    pub is_enterprise_account: bool,
}

/// `v0.AppleAPICredentialsListResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct AppleApiCredentials {
    pub data: Vec<AppleApiCredential>,
}

/// `service.StandardErrorRespModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "one_line::de_opt")]
    pub message: Option<String>,
    /// `service.ProxyErrorRespModel` (workspace keys, members).
    #[serde(default)]
    pub error_msg: Option<String>,
}

/// `v0.OrganizationDataModel` (the parts used).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Organization {
    pub slug: String,
    #[serde(default)]
    pub name: String,
}

/// `v0.OrganizationListRespModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct Organizations {
    pub data: Vec<Organization>,
}

/// `service.dto.Member`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Member {
    pub slug: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
}

/// `v0.OrganizationAppleAPICredetialCreateResponseItem` (the parts used).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct UploadedKey {
    pub slug: String,
    #[serde(default)]
    pub key_id: String,
}
