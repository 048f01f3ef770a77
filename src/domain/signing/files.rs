//! What a signing file says once parsed: certificates (from a .p12 or Apple) and provisioning
//! profiles. Plain data: the parsers in `crate::signing` fill it, the findings read it.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A certificate's kind by its common name, as go-xcode tells them apart
/// (go-xcode/v2 autocodesign/certificates.go:180-190 isDevelopmentCertificate / isDistributionCertificate).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CertType {
    Development,
    Distribution,
    /// Developer ID, push, Mac installer…: no iOS export uses it.
    Other,
}

impl CertType {
    /// By Apple's name prefixes, case-insensitively as go-xcode compares them.
    pub fn of_common_name(cn: &str) -> CertType {
        let lower = cn.to_lowercase();
        let starts = |p: &str| lower.starts_with(&p.to_lowercase());
        if starts("Apple Development") || starts("iPhone Developer") || starts("iOS Developer") {
            CertType::Development
        } else if starts("iPhone Distribution") || starts("Apple Distribution") {
            CertType::Distribution
        } else {
            CertType::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CertType::Development => "development",
            CertType::Distribution => "distribution",
            CertType::Other => "other",
        }
    }
}

/// One certificate: public facts only (the private key is never kept, only whether it is there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub common_name: String,
    /// The subject's OU: Apple writes the team ID there.
    pub team_id: Option<String>,
    pub cert_type: CertType,
    /// Upper-case hex without leading zeros (go-xcode sends `big.Int.Text(16)` to Apple).
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-1 of the DER, upper-case hex: what Keychain Access and `security` show.
    pub sha1: String,
    /// A private key in the same .p12 matches this certificate (false for Apple's and profiles' copies).
    pub has_private_key: bool,
}

/// The export method a profile serves, as go-xcode derives it
/// (go-xcode/v2 profileutil/plist_data.go:90-121 GetExportMethod).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileType {
    Development,
    AdHoc,
    AppStore,
    Enterprise,
    DeveloperId,
    Unknown,
}

impl ProfileType {
    /// The step input's spelling (`distribution_method`): development, ad-hoc, app-store, enterprise.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileType::Development => "development",
            ProfileType::AdHoc => "ad-hoc",
            ProfileType::AppStore => "app-store",
            ProfileType::Enterprise => "enterprise",
            ProfileType::DeveloperId => "developer-id",
            ProfileType::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<ProfileType> {
        match text.trim() {
            "development" => Some(ProfileType::Development),
            "ad-hoc" => Some(ProfileType::AdHoc),
            "app-store" => Some(ProfileType::AppStore),
            "enterprise" => Some(ProfileType::Enterprise),
            "developer-id" => Some(ProfileType::DeveloperId),
            _ => None,
        }
    }

    /// The certificate an export of this kind is signed with
    /// (go-xcode/v2 autocodesign/autocodesign.go CertificateTypeByDistribution).
    pub fn cert_type(self) -> Option<CertType> {
        match self {
            ProfileType::Development => Some(CertType::Development),
            ProfileType::AdHoc | ProfileType::AppStore | ProfileType::Enterprise => {
                Some(CertType::Distribution)
            }
            ProfileType::DeveloperId | ProfileType::Unknown => None,
        }
    }
}

/// One provisioning profile (.mobileprovision) as its plist says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub name: String,
    pub uuid: String,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub platforms: Vec<String>,
    pub profile_type: ProfileType,
    /// `application-identifier` without the team prefix (`com.example.app`, `*`).
    pub bundle_id: String,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    /// The serials of its `DeveloperCertificates`, in the same form as `CertInfo::serial`.
    pub cert_serials: Vec<String>,
    pub devices: Vec<String>,
    pub provisions_all_devices: bool,
    /// The entitlement keys (values are not secrets, but only the keys are shown).
    pub entitlements: Vec<String>,
}

/// Where a file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum From {
    Bitrise,
    File,
    Apple,
}

impl From {
    pub fn as_str(self) -> &'static str {
        match self {
            From::Bitrise => "bitrise",
            From::File => "file",
            From::Apple => "apple",
        }
    }
}

/// A .p12 (uploaded to Bitrise or named in `[apps.signing]`), its certificates, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFile {
    pub from: From,
    /// The upload's file name, or the path as written in the workspace.
    pub name: String,
    pub certs: Result<Vec<CertInfo>, String>,
    /// What Bitrise's list says (`certificates: [{expiry_date, serial}]`) before the file is read.
    pub listed: Vec<(String, Option<DateTime<Utc>>)>,
}

/// A provisioning profile file, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFile {
    pub from: From,
    pub name: String,
    pub profile: Result<ProfileInfo, String>,
}

/// Upper-case hex of an unsigned big-endian integer, without leading zeros ("0" for zero).
pub fn serial_hex(bytes: &[u8]) -> String {
    let text: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let trimmed = text.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_string()
    }
}

/// The same serial however it is written (`0a:1b`, `0A1B`, `a1b`).
pub fn normalize_serial(text: &str) -> String {
    let hex: String = text
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_string()
    }
}
