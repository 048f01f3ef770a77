//! The files uploaded to an app on Bitrise: listed (paged), each fetched with its single GET and
//! downloaded from the pre-signed URL (another host, no token), parsed in memory, then dropped.

use chrono::{DateTime, Utc};

use crate::bitrise::api::Client;
use crate::bitrise::api::signing::{FileKind, Upload, download_presigned};
use crate::domain::signing::files::{CertFile, From, ProfileFile, normalize_serial};
use crate::signing::{read_p12, read_profile};

/// The download of a pre-signed URL gets this long.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Every certificate and profile uploaded to `app`; Err: the listing itself failed.
pub fn read(client: &Client, app: &str) -> Result<(Vec<CertFile>, Vec<ProfileFile>), String> {
    let certs = client
        .signing_uploads(app, FileKind::Certificates)
        .map_err(|e| e.to_string())?;
    let profiles = client
        .signing_uploads(app, FileKind::Profiles)
        .map_err(|e| e.to_string())?;
    let certs = certs.iter().map(|u| certificate(client, app, u)).collect();
    let profiles = profiles.iter().map(|u| profile(client, app, u)).collect();
    Ok((certs, profiles))
}

fn name(u: &Upload) -> String {
    u.upload_file_name
        .clone()
        .map(|n| crate::terminal_text::clean_line(&n))
        .unwrap_or_else(|| u.slug.clone())
}

fn certificate(client: &Client, app: &str, u: &Upload) -> CertFile {
    let listed = u
        .certificates
        .iter()
        .filter_map(|c| {
            let serial = normalize_serial(c.serial.as_deref()?);
            let expiry = c
                .expiry_date
                .as_deref()
                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&Utc));
            Some((serial, expiry))
        })
        .collect();
    let certs = client
        .signing_download(app, FileKind::Certificates, &u.slug)
        .map_err(|e| e.to_string())
        .and_then(|d| {
            let bytes = download_presigned(&d.download_url, DOWNLOAD_TIMEOUT)?;
            read_p12(&bytes, &d.password).map_err(|e| e.to_string())
        });
    CertFile {
        from: From::Bitrise,
        name: name(u),
        certs,
        listed,
    }
}

fn profile(client: &Client, app: &str, u: &Upload) -> ProfileFile {
    let profile = client
        .signing_download(app, FileKind::Profiles, &u.slug)
        .map_err(|e| e.to_string())
        .and_then(|d| {
            let bytes = download_presigned(&d.download_url, DOWNLOAD_TIMEOUT)?;
            read_profile(&bytes)
        });
    ProfileFile {
        from: From::Bitrise,
        name: name(u),
        profile,
    }
}
