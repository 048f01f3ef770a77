//! Which of an app's steps sign, and how: the step inputs that decide what a signing file must be.

use serde::Serialize;

use super::files::ProfileType;
use crate::domain::catalog::Catalog;
use crate::domain::workspace::{App, KeyKind, StepUse, Workspace};

/// The steps apple-conn judges signing files for.
pub const SIGNING_STEPS: [&str; 5] = [
    "manage-ios-code-signing",
    "certificate-and-profile-installer",
    "xcode-archive",
    "export-xcarchive",
    "xcode-build-for-test",
];

/// How a step signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// certificate-and-profile-installer: installs every uploaded file as it is.
    Installer,
    /// manage-ios-code-signing: Bitrise-managed signing, always (it never lets Xcode sign).
    Manage,
    /// xcode-archive / export-xcarchive / xcode-build-for-test with automatic code signing.
    Xcode,
}

/// One signing step of an app, with the inputs that matter here (given or step.yml defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningStep {
    /// Position among the app's steps as configured (the Preview's rows).
    pub index: usize,
    pub id: String,
    /// The published version the app's reference picks (None: a step apple-conn has no data for).
    pub version: Option<String>,
    pub role: Role,
    /// `api-key` or `apple-id` (None: the installer, or automatic code signing `off`).
    pub auth: Option<String>,
    /// The export method the step signs for (None: the installer, which exports nothing).
    pub distribution: Option<ProfileType>,
    /// `min_profile_validity` in days (0: renewed only once expired).
    pub min_profile_validity: i64,
    /// `export_development_team` / `apple_team_id`, when given.
    pub team_id: Option<String>,
    /// `api_key_enterprise_account = yes`.
    pub enterprise: bool,
    /// The catalog says the step calls the provisioning endpoints.
    pub needs_provisioning: bool,
}

impl SigningStep {
    /// `xcode-archive@6.1.2`, as rules and findings name it.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.id),
            None => self.id.clone(),
        }
    }

    /// Whether the step may hand signing to Xcode (`-allowProvisioningUpdates`): an API key, a
    /// step that considers it, not an enterprise key, `min_profile_validity` 0
    /// (go-xcode/v2 codesign/codesign.go selectCodeSigningStrategy).
    pub fn may_let_xcode_sign(&self) -> bool {
        self.role == Role::Xcode
            && self.auth.as_deref() == Some("api-key")
            && !self.enterprise
            && self.min_profile_validity == 0
    }
}

/// The signing steps among `steps`, with their inputs as the pinned version reads them.
pub fn signing_steps(catalog: &Catalog, steps: &[StepUse]) -> Vec<SigningStep> {
    let mut out = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let (id, reference) = step.step_ref();
        let id = id.trim_start_matches("steplib::").to_string();
        if !SIGNING_STEPS.contains(&id.as_str()) {
            continue;
        }
        let def = catalog.step_at(&id, reference).map(|(d, _)| d);
        let input = |name: &str| -> String {
            match def {
                Some(d) => d.input_value(&step.inputs, name).trim().to_string(),
                None => step
                    .inputs
                    .get(name)
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default(),
            }
        };
        let version = def
            .and_then(|d| d.version.clone())
            .or_else(|| (!reference.is_empty()).then(|| reference.to_string()));
        let role = match id.as_str() {
            "certificate-and-profile-installer" => Role::Installer,
            "manage-ios-code-signing" => Role::Manage,
            _ => Role::Xcode,
        };
        let auth = match role {
            Role::Installer => None,
            Role::Manage => Some(or_default(input("apple_service_connection"), "api-key")),
            // `off`: the step signs with what an installer step put in the keychain.
            Role::Xcode => {
                Some(or_default(input("automatic_code_signing"), "off")).filter(|v| v != "off")
            }
        };
        let distribution = match (role, id.as_str()) {
            (Role::Installer, _) => None,
            // build-for-test signs test bundles for devices: development only.
            (_, "xcode-build-for-test") => Some(ProfileType::Development),
            _ => {
                let method = match input("distribution_method") {
                    m if m.is_empty() => input("export_method"),
                    m => m,
                };
                Some(ProfileType::parse(&method).unwrap_or(ProfileType::Development))
            }
        };
        let team = match input("export_development_team") {
            t if t.is_empty() => input("apple_team_id"),
            t => t,
        };
        out.push(SigningStep {
            index,
            id,
            version,
            role,
            auth,
            distribution,
            min_profile_validity: input("min_profile_validity").parse().unwrap_or(0),
            team_id: (!team.is_empty() && !team.starts_with('$')).then_some(team),
            enterprise: input("api_key_enterprise_account") == "yes",
            needs_provisioning: def.is_some_and(|d| d.needs_provisioning),
        });
    }
    out
}

fn or_default(v: String, default: &str) -> String {
    if v.is_empty() { default.into() } else { v }
}

/// `preview`'s signing line for one step (None: the step does not sign). Pure: what the step
/// needs, from its inputs and the app's key; `apple-conn signing` judges the files themselves.
pub fn preview_line(
    ws: &Workspace,
    catalog: &Catalog,
    app: &App,
    step: &StepUse,
) -> Option<String> {
    let s = signing_steps(catalog, std::slice::from_ref(step)).pop()?;
    let cert = |d: Option<ProfileType>| {
        d.and_then(ProfileType::cert_type)
            .map(|t| match t {
                super::files::CertType::Development => "IOS_DEVELOPMENT",
                _ => "IOS_DISTRIBUTION",
            })
            .unwrap_or("no")
    };
    let export = s.distribution.map(ProfileType::as_str).unwrap_or("-");
    let mut line = match (s.role, s.auth.as_deref()) {
        (Role::Installer, _) => "signing: installs every uploaded certificate and profile as it is ($BITRISE_CERTIFICATE_URL, $BITRISE_PROVISION_URL): expired or foreign files break the signing steps after it".to_string(),
        (Role::Manage, auth) => format!(
            "signing: Bitrise-managed ({}) for {export}: needs a valid {} certificate uploaded and on Apple; renews its profiles {}",
            auth.unwrap_or("api-key"),
            cert(s.distribution),
            if s.min_profile_validity > 0 {
                format!("expiring within {} days", s.min_profile_validity)
            } else {
                "once expired".to_string()
            }
        ),
        (Role::Xcode, None) => format!(
            "signing: manual, with what an installer step put in the keychain: needs a valid {} identity and a {export} profile",
            cert(s.distribution)
        ),
        (Role::Xcode, Some(auth)) if s.may_let_xcode_sign() => format!(
            "signing: automatic ({auth}) for {export}: Xcode-managed if the project signs automatically (a new certificate per build without an uploaded one), else Bitrise-managed with a valid {} certificate",
            cert(s.distribution)
        ),
        (Role::Xcode, Some(auth)) => format!(
            "signing: Bitrise-managed ({auth}) for {export}: needs a valid {} certificate uploaded and on Apple",
            cert(s.distribution)
        ),
    };
    let individual = app
        .api_key
        .as_deref()
        .and_then(|n| ws.api_key(n))
        .is_some_and(|k| k.kind == KeyKind::Individual);
    if individual && s.auth.as_deref() == Some("api-key") {
        line.push_str("; the app's key is an individual key, which Apple refuses on the provisioning endpoints");
    }
    line.push_str(&format!(
        "; `apple-conn signing --app {}` checks the files",
        app.slug
    ));
    Some(line)
}
