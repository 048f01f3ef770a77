//! The findings: will the build sign? Pure: the files, what Apple said, the steps, and `now` come
//! in; findings with a stable code, a severity and the step rule go out.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::apple::{AppleRefusal, AppleView};
use super::files::{CertFile, CertInfo, CertType, From, ProfileFile, ProfileInfo, ProfileType};
use super::rules::Code;
use super::steps::{Role, SigningStep};
use crate::domain::doctor::Status;
use crate::domain::workspace::KeyKind;

/// One finding: the JSON's `findings[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    pub code: Code,
    pub severity: Status,
    /// The file it is about (the upload's name or the path), if any.
    pub file: Option<String>,
    /// The first step it breaks (`xcode-archive@6.1.2`), if any.
    pub step: Option<String>,
    /// Every step it breaks.
    pub steps: Vec<String>,
    pub message: String,
    /// The step source rule it comes from.
    pub rule: &'static str,
}

/// Everything the findings of one app read.
pub struct AppInput<'a> {
    pub slug: &'a str,
    pub steps: &'a [SigningStep],
    pub certs: &'a [CertFile],
    pub profiles: &'a [ProfileFile],
    /// `--apple`: what App Store Connect said (None: not asked).
    pub apple: Option<&'a AppleView>,
    /// The app's assigned API key: its name and kind.
    pub key: Option<(&'a str, KeyKind)>,
    /// `[apps.signing] team_id`.
    pub team_id: Option<&'a str>,
    /// `[apps.signing] bundle_ids`.
    pub bundle_ids: &'a [String],
    /// Why a source could not be read (Bitrise unreachable…): UNKNOWN findings.
    pub unreachable: &'a [String],
    pub now: DateTime<Utc>,
    pub warn_days: i64,
}

/// Days from `now` to `at`, rounded down (negative once past).
pub fn days_left(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (at - now).num_seconds().div_euclid(86_400)
}

fn valid_at(c: &CertInfo, now: DateTime<Utc>) -> bool {
    c.not_before <= now && now <= c.not_after
}

struct Out<'a> {
    input: &'a AppInput<'a>,
    findings: Vec<Finding>,
}

impl Out<'_> {
    fn push(
        &mut self,
        code: Code,
        severity: Status,
        file: Option<&str>,
        steps: &[&SigningStep],
        message: String,
    ) {
        let labels: Vec<String> = steps.iter().map(|s| s.label()).collect();
        self.findings.push(Finding {
            code,
            severity,
            file: file.map(str::to_string),
            step: labels.first().cloned(),
            steps: labels,
            message: format!("app {}: {message}", self.input.slug),
            rule: code.rule(),
        });
    }
}

/// Every finding for one app, worst first (stable within a severity).
pub fn judge(input: &AppInput) -> Vec<Finding> {
    let mut out = Out {
        input,
        findings: Vec::new(),
    };
    for why in input.unreachable {
        out.push(
            Code::SourceUnreachable,
            Status::Unknown,
            None,
            &[],
            why.clone(),
        );
    }
    for origin in [From::Bitrise, From::File] {
        let certs: Vec<&CertFile> = input.certs.iter().filter(|c| c.from == origin).collect();
        let profiles: Vec<&ProfileFile> =
            input.profiles.iter().filter(|p| p.from == origin).collect();
        if certs.is_empty() && profiles.is_empty() {
            continue;
        }
        certificates(&mut out, &certs);
        duplicates(&mut out, &certs);
        exports(&mut out, &certs, origin);
        uploaded_profiles(&mut out, &certs, &profiles);
    }
    if input.certs.is_empty() && input.profiles.is_empty() {
        exports(&mut out, &[], From::File);
    }
    if let Some(apple) = input.apple {
        apple_side(&mut out, apple);
    }
    individual_key(&mut out);
    out.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out.findings
}

/// The steps that sign with certificates (all of them).
fn signing_steps<'a>(input: &'a AppInput) -> Vec<&'a SigningStep> {
    input.steps.iter().collect()
}

/// The steps that sign for an export needing `t`.
fn steps_needing<'a>(input: &'a AppInput, t: CertType) -> Vec<&'a SigningStep> {
    input
        .steps
        .iter()
        .filter(|s| match (s.role, s.distribution) {
            (Role::Installer, _) => true,
            (_, Some(d)) => d.cert_type() == Some(t) || t == CertType::Development,
            _ => false,
        })
        .collect()
}

/// Expiry, validity and private key of each certificate.
fn certificates(out: &mut Out, files: &[&CertFile]) {
    let input = out.input;
    let now = input.now;
    for file in files {
        let certs = match &file.certs {
            Ok(c) => c,
            Err(why) => {
                let steps = signing_steps(input);
                out.push(
                    Code::FileUnreadable,
                    Status::Critical,
                    Some(&file.name),
                    &steps,
                    format!(
                        "{} ({}) cannot be read: {why}",
                        file.name,
                        file.from.as_str()
                    ),
                );
                continue;
            }
        };
        for c in certs {
            let steps = steps_needing(input, c.cert_type);
            let days = days_left(c.not_after, now);
            if !valid_at(c, now) {
                // Ignored by the step; only a failure when no other valid one of its type is left.
                let other_valid = files.iter().any(|f| {
                    f.certs.as_ref().is_ok_and(|cs| {
                        cs.iter().any(|o| {
                            o.cert_type == c.cert_type
                                && o.serial != c.serial
                                && valid_at(o, now)
                                && o.has_private_key
                        })
                    })
                });
                let when = if c.not_before > now {
                    format!("is not valid before {}", day(c.not_before))
                } else {
                    format!("expired {} ({} days ago)", day(c.not_after), -days)
                };
                out.push(
                    Code::CertExpired,
                    if other_valid {
                        Status::Warning
                    } else {
                        Status::Critical
                    },
                    Some(&file.name),
                    &steps,
                    format!(
                        "certificate \"{}\" (serial {}) in {} {when}: the steps ignore it; {}",
                        c.common_name,
                        c.serial,
                        file.name,
                        if other_valid {
                            "another valid one of its type is uploaded, so remove this one"
                        } else {
                            "renew it in the Apple Developer portal and upload the new .p12"
                        }
                    ),
                );
                continue;
            }
            if c.not_after - now <= Duration::days(input.warn_days) {
                out.push(
                    Code::CertExpiring,
                    Status::Warning,
                    Some(&file.name),
                    &steps,
                    format!(
                        "certificate \"{}\" (serial {}) in {} expires {} (in {days} days): renew it before then",
                        c.common_name,
                        c.serial,
                        file.name,
                        day(c.not_after)
                    ),
                );
            }
            if !c.has_private_key {
                out.push(
                    Code::CertNoPrivateKey,
                    Status::Critical,
                    Some(&file.name),
                    &steps,
                    format!(
                        "{} holds certificate \"{}\" without its private key: export it from Keychain Access together with the key (My Certificates › Export)",
                        file.name, c.common_name
                    ),
                );
            }
        }
    }
}

/// go-xcode keeps one valid certificate per common name: the latest to expire.
fn duplicates(out: &mut Out, files: &[&CertFile]) {
    let now = out.input.now;
    let mut by_name: BTreeMap<&str, Vec<(&str, &CertInfo)>> = BTreeMap::new();
    for f in files {
        if let Ok(certs) = &f.certs {
            for c in certs.iter().filter(|c| valid_at(c, now)) {
                by_name
                    .entry(c.common_name.as_str())
                    .or_default()
                    .push((f.name.as_str(), c));
            }
        }
    }
    for (name, mut certs) in by_name {
        if certs.len() < 2 {
            continue;
        }
        certs.sort_by_key(|(_, c)| std::cmp::Reverse(c.not_after));
        let (kept_file, kept) = certs[0];
        for (file, c) in &certs[1..] {
            let steps = steps_needing(out.input, c.cert_type);
            out.push(
                Code::CertDuplicateName,
                Status::Warning,
                Some(file),
                &steps,
                format!(
                    "certificate \"{name}\" (serial {}) in {file} has the same name as serial {} in {kept_file}: the steps keep only the one expiring last ({}); remove the other upload",
                    c.serial,
                    kept.serial,
                    day(kept.not_after)
                ),
            );
        }
    }
}

/// Each signing step needs a valid certificate (with its key) of its export's type.
fn exports(out: &mut Out, files: &[&CertFile], origin: From) {
    let input = out.input;
    let now = input.now;
    let usable = |t: CertType| -> Vec<&CertInfo> {
        files
            .iter()
            .filter_map(|f| f.certs.as_ref().ok())
            .flatten()
            .filter(|c| c.cert_type == t && valid_at(c, now) && c.has_private_key)
            .collect()
    };
    for step in input.steps {
        let Some(dist) = step.distribution else {
            continue;
        };
        let Some(t) = dist.cert_type() else { continue };
        let asc_type = asc_type(t);
        let have = usable(t);
        if have.is_empty() {
            out.push(
                Code::NoCertForExport,
                Status::Critical,
                None,
                &[step],
                format!(
                    "step {} exports {} but no valid {} certificate is {}: the step stops with \"No valid {asc_type} type certificates uploaded\"; upload a .p12 of an \"{}\" certificate{}",
                    step.label(),
                    dist.as_str(),
                    t.as_str(),
                    where_from(origin),
                    if t == CertType::Development {
                        "Apple Development: Name (TEAMID)"
                    } else {
                        "Apple Distribution: Name (TEAMID)"
                    },
                    if step.may_let_xcode_sign() {
                        " (if the project uses automatic signing, xcodebuild creates a new one on every build instead)"
                    } else {
                        ""
                    }
                ),
            );
            if step.may_let_xcode_sign() {
                new_cert(out, step, t);
            }
        } else if step.may_let_xcode_sign() && t == CertType::Distribution {
            // Xcode-managed signing archives with a development identity first.
            if usable(CertType::Development).is_empty() {
                new_cert(out, step, CertType::Development);
            }
        }
        if let Some(apple) = input.apple
            && !have.is_empty()
        {
            let on_apple = have
                .iter()
                .any(|c| matches!(apple.cert(&c.serial), Some(Ok(Some(_)))));
            let asked = have
                .iter()
                .all(|c| matches!(apple.cert(&c.serial), Some(Ok(_))));
            if asked && !on_apple {
                out.push(
                    Code::CertNotOnApple,
                    Status::Critical,
                    None,
                    &[step],
                    format!(
                        "step {} needs a {asc_type} certificate Apple knows, but none of the uploaded ones is on the Developer Portal of the key's team: the step fails with \"not found any of the following {asc_type} certificates on Developer Portal\"",
                        step.label()
                    ),
                );
            }
        }
    }
}

fn new_cert(out: &mut Out, step: &SigningStep, t: CertType) {
    out.push(
        Code::AutomaticSigningNewCert,
        Status::Warning,
        None,
        &[step],
        format!(
            "step {} signs automatically with an API key and no valid {} certificate is uploaded: if the project uses automatic signing, xcodebuild creates a new {} certificate on every build until the team reaches Apple's certificate limit; upload one .p12 of that type",
            step.label(),
            t.as_str(),
            t.as_str()
        ),
    );
}

fn asc_type(t: CertType) -> &'static str {
    match t {
        CertType::Development => "IOS_DEVELOPMENT",
        CertType::Distribution => "IOS_DISTRIBUTION",
        CertType::Other => "OTHER",
    }
}

fn where_from(origin: From) -> &'static str {
    match origin {
        From::Bitrise => "uploaded to Bitrise",
        From::File => "in [apps.signing]",
        From::Apple => "at Apple",
    }
}

/// Expiry, certificates, team and bundle of each uploaded profile.
fn uploaded_profiles(out: &mut Out, certs: &[&CertFile], files: &[&ProfileFile]) {
    let input = out.input;
    let now = input.now;
    let installers: Vec<&SigningStep> = input
        .steps
        .iter()
        .filter(|s| s.role == Role::Installer)
        .collect();
    // An uploaded profile breaks a build through the installer (or any signing when the app
    // lists no step apple-conn knows); the managing steps make their own at Apple.
    let severity = if installers.is_empty() && !input.steps.is_empty() {
        Status::Warning
    } else {
        Status::Critical
    };
    let steps: Vec<&SigningStep> = if installers.is_empty() {
        input.steps.iter().collect()
    } else {
        installers
    };
    let serials: Vec<&str> = certs
        .iter()
        .filter_map(|f| f.certs.as_ref().ok())
        .flatten()
        .filter(|c| valid_at(c, now))
        .map(|c| c.serial.as_str())
        .collect();
    let team = app_team(input, certs);
    let renew_days = input
        .steps
        .iter()
        .map(|s| s.min_profile_validity)
        .max()
        .unwrap_or(0);
    for file in files {
        let p = match &file.profile {
            Ok(p) => p,
            Err(why) => {
                out.push(
                    Code::FileUnreadable,
                    severity,
                    Some(&file.name),
                    &steps,
                    format!(
                        "{} ({}) cannot be read: {why}",
                        file.name,
                        file.from.as_str()
                    ),
                );
                continue;
            }
        };
        let days = days_left(p.expires_at, now);
        if p.expires_at <= now {
            out.push(
                Code::ProfileExpired,
                severity,
                Some(&file.name),
                &steps,
                format!(
                    "profile \"{}\" ({}) expired {} ({} days ago): regenerate it in the Apple Developer portal and upload it again",
                    p.name,
                    p.uuid,
                    day(p.expires_at),
                    -days
                ),
            );
        } else if p.expires_at - now <= Duration::days(input.warn_days.max(renew_days)) {
            out.push(
                Code::ProfileExpiring,
                Status::Warning,
                Some(&file.name),
                &steps,
                format!(
                    "profile \"{}\" ({}) expires {} (in {days} days): an uploaded profile is not renewed by any step; regenerate and upload it before then",
                    p.name,
                    p.uuid,
                    day(p.expires_at)
                ),
            );
        }
        if !certs.is_empty() && !p.cert_serials.iter().any(|s| serials.contains(&s.as_str())) {
            out.push(
                Code::ProfileMissingCert,
                severity,
                Some(&file.name),
                &steps,
                format!(
                    "profile \"{}\" ({}) lists none of the valid uploaded certificates (it names serial{} {}): add the certificate to the profile in the Apple Developer portal, or upload the certificate it names",
                    p.name,
                    p.uuid,
                    if p.cert_serials.len() == 1 { "" } else { "s" },
                    if p.cert_serials.is_empty() {
                        "none".to_string()
                    } else {
                        p.cert_serials.join(", ")
                    }
                ),
            );
        }
        if let (Some(team), Some(pt)) = (&team, &p.team_id)
            && team != pt
        {
            out.push(
                Code::ProfileWrongTeam,
                Status::Warning,
                Some(&file.name),
                &steps,
                format!(
                    "profile \"{}\" belongs to team {pt}, the app signs for team {team}: the steps ignore it",
                    p.name
                ),
            );
        }
        if !input.bundle_ids.is_empty()
            && !input
                .bundle_ids
                .iter()
                .any(|b| bundle_matches(&p.bundle_id, b))
        {
            out.push(
                Code::ProfileWrongBundle,
                Status::Warning,
                Some(&file.name),
                &steps,
                format!(
                    "profile \"{}\" is for bundle ID {}, not for {} ([apps.signing] bundle_ids): no target can use it",
                    p.name,
                    p.bundle_id,
                    input.bundle_ids.join(", ")
                ),
            );
        }
    }
}

/// The team the app signs for: `[apps.signing] team_id`, else a step's team input, else the
/// team most of the valid certificates name.
fn app_team(input: &AppInput, certs: &[&CertFile]) -> Option<String> {
    if let Some(t) = input.team_id {
        return Some(t.to_string());
    }
    if let Some(t) = input.steps.iter().find_map(|s| s.team_id.clone()) {
        return Some(t);
    }
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for c in certs
        .iter()
        .filter_map(|f| f.certs.as_ref().ok())
        .flatten()
        .filter(|c| valid_at(c, input.now))
    {
        if let Some(t) = &c.team_id {
            *count.entry(t.as_str()).or_default() += 1;
        }
    }
    count
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(t, _)| t.to_string())
}

/// A profile's bundle ID (`*`, `com.example.*` or exact) against the app's.
pub fn bundle_matches(profile: &str, app: &str) -> bool {
    match profile.strip_suffix('*') {
        Some(prefix) => app.starts_with(prefix),
        None => profile == app,
    }
}

/// What App Store Connect said: refusals, certificates it does not know, profiles it lists.
fn apple_side(out: &mut Out, apple: &AppleView) {
    let input = out.input;
    let now = input.now;
    let steps: Vec<&SigningStep> = input.steps.iter().collect();
    let mut refusals: Vec<&AppleRefusal> = apple
        .certs
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    if let Err(r) = &apple.profiles {
        refusals.push(r);
    }
    // One finding per kind of refusal: an agreement 403 answers every call alike.
    let mut told: Vec<std::mem::Discriminant<AppleRefusal>> = Vec::new();
    for r in refusals {
        let d = std::mem::discriminant(r);
        if told.contains(&d) {
            continue;
        }
        told.push(d);
        let (code, severity) = match r {
            AppleRefusal::Agreement(_) => (Code::AgreementRequired, Status::Critical),
            AppleRefusal::Role(_) => (Code::RoleInsufficient, Status::Critical),
            _ => (Code::SourceUnreachable, Status::Unknown),
        };
        out.push(
            code,
            severity,
            None,
            &steps,
            format!(
                "asking with API key {}: {}",
                apple.key,
                r.advice("read certificates and profiles")
            ),
        );
    }
    for file in input.certs.iter().filter(|f| f.from != From::Apple) {
        let Ok(certs) = &file.certs else { continue };
        for c in certs.iter().filter(|c| valid_at(c, now)) {
            if let Some(Ok(None)) = apple.cert(&c.serial) {
                let steps = steps_needing(input, c.cert_type);
                out.push(
                    Code::CertNotOnApple,
                    Status::Critical,
                    Some(&file.name),
                    &steps,
                    format!(
                        "certificate \"{}\" (serial {}) in {} is not on the Developer Portal of API key {}'s team: it was revoked, or belongs to another team; the steps skip it (\"Certificate ({}) not found on Developer Portal\")",
                        c.common_name, c.serial, file.name, apple.key, c.common_name
                    ),
                );
            }
        }
    }
    let Ok(profiles) = &apple.profiles else {
        return;
    };
    let renew: Vec<&SigningStep> = input
        .steps
        .iter()
        .filter(|s| matches!(s.role, Role::Manage | Role::Xcode))
        .collect();
    let renew_days = renew
        .iter()
        .map(|s| s.min_profile_validity)
        .max()
        .unwrap_or(0);
    for p in profiles {
        let Some(expires) = p.expires_at else {
            continue;
        };
        let days = days_left(expires, now);
        let label = format!("{} (Apple)", p.name);
        if p.state == "ACTIVE" && expires <= now {
            out.push(
                Code::ProfileActivePastExpiry,
                Status::Warning,
                Some(&label),
                &renew,
                format!(
                    "App Store Connect says profile \"{}\" ({}) is ACTIVE, but it expired {}: go by the date; the managing steps regenerate it, anything that trusts the state will fail",
                    p.name,
                    p.uuid,
                    day(expires)
                ),
            );
        } else if expires > now && renew_days > 0 && expires - now <= Duration::days(renew_days) {
            out.push(
                Code::ProfileExpiring,
                Status::Warning,
                Some(&label),
                &renew,
                format!(
                    "profile \"{}\" ({}) expires {} (in {days} days), within min_profile_validity ({renew_days} days): the step will delete and regenerate it on the next build",
                    p.name,
                    p.uuid,
                    day(expires)
                ),
            );
        }
    }
}

/// An individual API key assigned to a step that calls the provisioning endpoints.
fn individual_key(out: &mut Out) {
    let input = out.input;
    let Some((name, KeyKind::Individual)) = input.key else {
        return;
    };
    for step in input.steps {
        let uses_key = step.auth.as_deref() == Some("api-key");
        if uses_key && (step.needs_provisioning || step.role != Role::Installer) {
            out.push(
                Code::IndividualKeyProvisioning,
                Status::Critical,
                None,
                &[step],
                format!(
                    "step {} calls Apple's provisioning endpoints (certificates, profiles, devices) with API key `{name}`, an individual key: Apple refuses those to individual keys; assign a team key with the Admin role",
                    step.label()
                ),
            );
        }
    }
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The worst severity (OK when there is no finding).
pub fn status_of(findings: &[Finding]) -> Status {
    findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Status::Ok)
}

/// A profile's days left, for listings.
pub fn profile_days(p: &ProfileInfo, now: DateTime<Utc>) -> i64 {
    days_left(p.expires_at, now)
}

/// Whether a profile type is one an export of `dist` can use.
pub fn serves(p: &ProfileInfo, dist: ProfileType) -> bool {
    p.profile_type == dist
}
