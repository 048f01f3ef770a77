//! The step source each finding comes from: what `Enter` on a finding shows in the TUI, and the
//! `rule` of the JSON. Read in go-xcode/v2 at 1146c9c (2026-05-14, the module the signing steps
//! pin as v2.0.0-alpha.8x) and go-xcode v1.3.3 (which v2's go.mod requires) for certificateutil.

use serde::Serialize;

/// A finding's stable code (the JSON's `code`): the list, plus three for files and services
/// that could not be read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    CertExpired,
    CertExpiring,
    CertNotOnApple,
    CertDuplicateName,
    /// A certificate without its private key: nothing can sign with it.
    CertNoPrivateKey,
    NoCertForExport,
    ProfileExpired,
    ProfileExpiring,
    ProfileActivePastExpiry,
    ProfileMissingCert,
    ProfileWrongBundle,
    ProfileWrongTeam,
    IndividualKeyProvisioning,
    AutomaticSigningNewCert,
    AgreementRequired,
    RoleInsufficient,
    /// A .p12 or profile that could not be read (missing, wrong password, not the format).
    FileUnreadable,
    /// Bitrise or Apple could not be asked (network, 401, 429, 5xx): UNKNOWN.
    SourceUnreachable,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::CertExpired => "cert_expired",
            Code::CertExpiring => "cert_expiring",
            Code::CertNotOnApple => "cert_not_on_apple",
            Code::CertDuplicateName => "cert_duplicate_name",
            Code::CertNoPrivateKey => "cert_no_private_key",
            Code::NoCertForExport => "no_cert_for_export",
            Code::ProfileExpired => "profile_expired",
            Code::ProfileExpiring => "profile_expiring",
            Code::ProfileActivePastExpiry => "profile_active_past_expiry",
            Code::ProfileMissingCert => "profile_missing_cert",
            Code::ProfileWrongBundle => "profile_wrong_bundle",
            Code::ProfileWrongTeam => "profile_wrong_team",
            Code::IndividualKeyProvisioning => "individual_key_provisioning",
            Code::AutomaticSigningNewCert => "automatic_signing_new_cert",
            Code::AgreementRequired => "agreement_required",
            Code::RoleInsufficient => "role_insufficient",
            Code::FileUnreadable => "file_unreadable",
            Code::SourceUnreachable => "source_unreachable",
        }
    }

    pub const ALL: [Code; 18] = [
        Code::CertExpired,
        Code::CertExpiring,
        Code::CertNotOnApple,
        Code::CertDuplicateName,
        Code::CertNoPrivateKey,
        Code::NoCertForExport,
        Code::ProfileExpired,
        Code::ProfileExpiring,
        Code::ProfileActivePastExpiry,
        Code::ProfileMissingCert,
        Code::ProfileWrongBundle,
        Code::ProfileWrongTeam,
        Code::IndividualKeyProvisioning,
        Code::AutomaticSigningNewCert,
        Code::AgreementRequired,
        Code::RoleInsufficient,
        Code::FileUnreadable,
        Code::SourceUnreachable,
    ];

    /// The source rule behind the finding, quoted where the step prints it.
    pub fn rule(self) -> &'static str {
        match self {
            Code::CertExpired => {
                "go-xcode v1.3.3 certificateutil/filter.go:26-58 FilterValidCertificateInfos drops a certificate whose CheckValidity fails; go-xcode/v2 autocodesign/certificates.go:96-98 GetValidLocalCertificates logs \"Ignoring expired or not yet valid certificates\"; with none left of the export's type the step stops (certificates.go:36 \"No valid %s type certificates uploaded\")"
            }
            Code::CertExpiring => {
                "go-xcode v1.3.3 certificateutil CheckValidity: a certificate past its notAfter is dropped (certificates.go:96-98) on the first build after that date"
            }
            Code::CertNotOnApple => {
                "go-xcode/v2 autocodesign/certificates.go:116-132 matchLocalToAPICertificates asks Apple for each uploaded certificate by serial (appstoreconnectclient/certificates.go:28-29 `GET /v1/certificates?filter[serialNumber]=`); one not found is skipped (\"Certificate (%s) not found on Developer Portal\"), and with none of a required type left the step fails (certificates.go:80-82 \"not found any of the following %s certificates on Developer Portal\")"
            }
            Code::CertDuplicateName => {
                "go-xcode v1.3.3 certificateutil/filter.go:26-58 FilterValidCertificateInfos keeps one certificate per common name (the latest to expire) and logs \"Ignoring duplicated certificates with the same name\" (go-xcode/v2 autocodesign/certificates.go:99-101)"
            }
            Code::CertNoPrivateKey => {
                "go-xcode/v2 codesign/codesign.go:331-339 installCertificates imports each certificate with its private key into the keychain; codesign and xcodebuild sign only with an identity (certificate plus private key)"
            }
            Code::NoCertForExport => {
                "go-xcode/v2 autocodesign/certificates.go:12-42 selectCertificatesAndDistributionTypes: the export's certificate type (CertificateTypeByDistribution: development -> IOS_DEVELOPMENT, app-store/ad-hoc/enterprise -> IOS_DISTRIBUTION) must have a valid uploaded certificate, else \"No valid %s type certificates uploaded\"; Xcode-managed signing refuses a development export without one (codesign/codesign.go:353-356)"
            }
            Code::ProfileExpired => {
                "go-xcode/v2 profileutil/info_model.go:89-95 CheckValidity: \"provisioning profile is not valid anymore, validity ended at: %s\"; certificate-and-profile-installer installs it anyway and xcodebuild refuses it"
            }
            Code::ProfileExpiring => {
                "go-xcode/v2 autocodesign/profiles.go:492-497 isProfileExpired: a step-managed profile expiring within min_profile_validity days is deleted and regenerated (profiles.go:500-505 \"profile expired, or will expire in less then %d day(s)\"): a warning, not a failure; an uploaded one is not renewed"
            }
            Code::ProfileActivePastExpiry => {
                "App Store Connect can answer profileState ACTIVE after expirationDate (asc-api SOURCES.md); go-xcode/v2 autocodesign/profiles.go:492-497 isProfileExpired judges by expirationDate, not by the state"
            }
            Code::ProfileMissingCert => {
                "go-xcode/v2 profileutil/info_model.go:98-112 HasInstalledCertificate: a profile is usable only with one of its DeveloperCertificates installed (matched by serial); autocodesign/profiles.go:445-454 checkProfileCertificates: \"certificate with ID (%s) not included in the profile\""
            }
            Code::ProfileWrongBundle => {
                "go-xcode/v2 profileutil/plist_data.go:74-86 GetBundleIdentifier: the profile's application-identifier without its team prefix must match the target's bundle ID (a trailing * matches by prefix)"
            }
            Code::ProfileWrongTeam => {
                "go-xcode/v2 profileutil/plist_data.go:132-139 GetTeamID; the code sign group is chosen for the step's team (codesign/codesign.go:497 DetermineCodesignGroup(…, m.opts.TeamID, …)): another team's profile is ignored"
            }
            Code::IndividualKeyProvisioning => {
                "App Store Connect API: individual keys (sub \"user\" tokens) cannot use the provisioning endpoints (certificates, profiles, devices, bundle IDs) (asc-api SOURCES.md); the signing steps call them through go-xcode/v2 autocodesign/devportalclient/appstoreconnect"
            }
            Code::AutomaticSigningNewCert => {
                "go-xcode/v2 codesign/codesign.go:272-309 selectCodeSigningStrategy lets xcodebuild sign (-allowProvisioningUpdates with the API key) when the project uses automatic signing, Xcode >= 13, a non-enterprise key and min_profile_validity 0; codesign.go:342-360 only warns \"no valid %s type certificate uploaded\", and xcodebuild then creates a new certificate on every build (each build's keychain is new) until the account's certificate cap"
            }
            Code::AgreementRequired => {
                "App Store Connect answers every call with 403 FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED while an agreement is unsigned or expired; no role fixes it: the Account Holder must accept it (asc-api SOURCES.md)"
            }
            Code::RoleInsufficient => {
                "App Store Connect answers 403 FORBIDDEN_ERROR when the key's role lacks access; certificates and profiles need Admin (or App Manager / Developer with access to Certificates, Identifiers & Profiles), creating them needs Admin (asc-api SOURCES.md)"
            }
            Code::FileUnreadable => {
                "go-xcode/v2 autocodesign/certdownloader/certdownloader.go:62-85: a certificate that does not open with its passphrase stops the step (\"failed to parse certificate\")"
            }
            Code::SourceUnreachable => {
                "apple-conn could not ask: the finding is UNKNOWN, as the doctor's"
            }
        }
    }
}
