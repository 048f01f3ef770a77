//! A `.mobileprovision`: CMS SignedData whose content is a plist. The signature is not verified
//! (Xcode and the steps do not either); the plist's facts are read as go-xcode's profileutil reads them.

use std::io::Cursor;

use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use plist::Value;
use x509_cert::der::asn1::OctetString;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};

use crate::domain::signing::files::{ProfileInfo, ProfileType};

const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// The plist inside a profile's CMS envelope (the bench measures this bare step too).
pub fn plist_bytes(data: &[u8]) -> Result<Vec<u8>, String> {
    let info = ContentInfo::from_der(data)
        .map_err(|e| format!("not a signed provisioning profile (CMS: {e})"))?;
    if info.content_type != SIGNED_DATA {
        return Err(format!(
            "not a signed provisioning profile: the CMS content is {}, not SignedData",
            info.content_type
        ));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("not a signed provisioning profile (SignedData: {e})"))?;
    let content = signed
        .encap_content_info
        .econtent
        .ok_or("the profile's envelope carries no content (a detached signature)")?;
    let octets = OctetString::from_der(&content.to_der().map_err(|e| e.to_string())?)
        .map_err(|e| format!("the profile's content is not an OCTET STRING ({e})"))?;
    Ok(octets.into_bytes().into_vec())
}

/// Everything a finding needs from a .mobileprovision.
pub fn read_profile(data: &[u8]) -> Result<ProfileInfo, String> {
    let bytes = plist_bytes(data)?;
    let value = Value::from_reader(Cursor::new(bytes))
        .map_err(|e| format!("the profile's content is not a plist ({e})"))?;
    from_plist(&value)
}

/// go-xcode/v2 profileutil/plist_data.go's getters, over a parsed plist.
pub fn from_plist(value: &Value) -> Result<ProfileInfo, String> {
    let dict = value
        .as_dictionary()
        .ok_or("the profile's plist is not a dictionary")?;
    let text = |k: &str| dict.get(k).and_then(Value::as_string).map(str::to_string);
    let texts = |k: &str| -> Option<Vec<String>> {
        dict.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_string)
                .map(str::to_string)
                .collect()
        })
    };
    let date = |k: &str| {
        dict.get(k)
            .and_then(Value::as_date)
            .map(|d| DateTime::<Utc>::from(std::time::SystemTime::from(d)))
    };
    let entitlements = dict.get("Entitlements").and_then(Value::as_dictionary);
    let ent_text = |k: &str| {
        entitlements
            .and_then(|e| e.get(k))
            .and_then(Value::as_string)
            .map(str::to_string)
    };
    let name = text("Name").ok_or("the profile has no Name")?;
    let uuid = text("UUID").ok_or("the profile has no UUID")?;
    let expires_at = date("ExpirationDate").ok_or("the profile has no ExpirationDate")?;
    // GetTeamID reads the entitlement; TeamIdentifier is the fallback some profiles need.
    let team_id = ent_text("com.apple.developer.team-identifier")
        .or_else(|| texts("TeamIdentifier").and_then(|t| t.into_iter().next()));
    let app_id = ent_text("application-identifier")
        .or_else(|| ent_text("com.apple.application-identifier"))
        .unwrap_or_default();
    // GetBundleIdentifier: the application identifier without "<team>." (or the App ID prefix).
    let bundle_id = match (&team_id, app_id.split_once('.')) {
        (Some(t), _) if app_id.starts_with(&format!("{t}.")) => app_id[t.len() + 1..].to_string(),
        (_, Some((_, rest))) => rest.to_string(),
        _ => app_id.clone(),
    };
    let platforms = texts("Platform").unwrap_or_default();
    let devices = texts("ProvisionedDevices");
    let all_devices = dict
        .get("ProvisionsAllDevices")
        .and_then(Value::as_boolean)
        .unwrap_or(false);
    let get_task_allow = entitlements
        .and_then(|e| e.get("get-task-allow"))
        .and_then(Value::as_boolean)
        .unwrap_or(false);
    let profile_type = export_method(
        platforms.first().map(String::as_str),
        devices.is_some(),
        all_devices,
        get_task_allow,
    );
    let mut cert_serials = Vec::new();
    if let Some(certs) = dict.get("DeveloperCertificates").and_then(Value::as_array) {
        for c in certs {
            let der = c
                .as_data()
                .ok_or("a DeveloperCertificates entry is not data")?;
            let info = super::cert::read_der(der)
                .map_err(|e| format!("a developer certificate of the profile: {e}"))?;
            cert_serials.push(info.serial);
        }
    }
    Ok(ProfileInfo {
        name,
        uuid,
        team_id,
        team_name: text("TeamName"),
        platforms,
        profile_type,
        bundle_id,
        created_at: date("CreationDate"),
        expires_at,
        cert_serials,
        devices: devices.unwrap_or_default(),
        provisions_all_devices: all_devices,
        entitlements: entitlements
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default(),
    })
}

/// go-xcode/v2 profileutil/plist_data.go:90-121 GetExportMethod, branch for branch.
fn export_method(
    platform: Option<&str>,
    has_devices: bool,
    all_devices: bool,
    get_task_allow: bool,
) -> ProfileType {
    match platform.map(str::to_lowercase).as_deref() {
        Some("osx") => match (has_devices, all_devices) {
            (true, _) => ProfileType::Development,
            (false, true) => ProfileType::DeveloperId,
            (false, false) => ProfileType::AppStore,
        },
        Some("ios") | Some("tvos") => match (has_devices, all_devices, get_task_allow) {
            (false, true, _) => ProfileType::Enterprise,
            (false, false, _) => ProfileType::AppStore,
            (true, _, true) => ProfileType::Development,
            (true, _, false) => ProfileType::AdHoc,
        },
        _ => ProfileType::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_method_follows_go_xcode() {
        assert_eq!(
            export_method(Some("iOS"), true, false, true),
            ProfileType::Development
        );
        assert_eq!(
            export_method(Some("iOS"), true, false, false),
            ProfileType::AdHoc
        );
        assert_eq!(
            export_method(Some("iOS"), false, false, false),
            ProfileType::AppStore
        );
        assert_eq!(
            export_method(Some("iOS"), false, true, false),
            ProfileType::Enterprise
        );
        assert_eq!(
            export_method(Some("OSX"), false, true, false),
            ProfileType::DeveloperId
        );
        assert_eq!(export_method(None, true, true, true), ProfileType::Unknown);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(read_profile(b"not a profile").is_err());
        assert!(read_profile(&[]).is_err());
    }
}
