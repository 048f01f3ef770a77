//! Signing files on Bitrise (2026-08 document): `build-certificates` and `provisioning-profiles`,
//! listed page by page; the single GET gives `download_url` (and the .p12's password); the file
//! comes from that pre-signed URL on another host, which never sees the Bitrise token.

use std::collections::HashSet;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{ApiError, Client, MAX_PAGES, PAGE_LIMIT};

/// A signing file is small; anything bigger is not one.
pub const FILE_CAP: u64 = 4 * 1024 * 1024;

/// `v0.BuildCertificateContentModel`: what Bitrise read from the .p12 when it processed it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ListedCert {
    #[serde(default)]
    pub expiry_date: Option<String>,
    #[serde(default)]
    pub serial: Option<String>,
}

/// One upload as the list shows it (the list's `certificate_password` is never read).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Upload {
    pub slug: String,
    #[serde(default)]
    pub upload_file_name: Option<String>,
    #[serde(default)]
    pub processed: Option<bool>,
    #[serde(default)]
    pub file_sha256: Option<String>,
    #[serde(default)]
    pub certificates: Vec<ListedCert>,
}

#[derive(Deserialize)]
struct UploadList {
    #[serde(default)]
    data: Vec<Upload>,
    #[serde(default)]
    paging: Option<crate::bitrise::api::model::Paging>,
}

/// The single GET: where to download, and the .p12's password (held zeroized).
pub struct Download {
    pub download_url: Zeroizing<String>,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Download { <pre-signed URL and password withheld> }")
    }
}

#[derive(Deserialize)]
struct DownloadItem {
    #[serde(default)]
    download_url: Option<String>,
    #[serde(default)]
    certificate_password: Option<String>,
}

#[derive(Deserialize)]
struct DownloadShow {
    data: DownloadItem,
}

/// Which kind of signing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Certificates,
    Profiles,
}

impl FileKind {
    fn path(self) -> &'static str {
        match self {
            FileKind::Certificates => "build-certificates",
            FileKind::Profiles => "provisioning-profiles",
        }
    }
}

impl Client {
    /// `GET /apps/{app}/build-certificates` or `/provisioning-profiles`, every page.
    pub fn signing_uploads(&self, app: &str, kind: FileKind) -> Result<Vec<Upload>, ApiError> {
        let path = format!("/apps/{}/{}", super::segment(app), kind.path());
        let what = format!("GET {path}");
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut seen = HashSet::new();
        for _page in 0..MAX_PAGES {
            let mut query = vec![("limit", PAGE_LIMIT.to_string())];
            if let Some(n) = &next {
                query.push(("next", n.clone()));
            }
            let page: UploadList = self.get_json(&path, &query, &what)?;
            out.extend(page.data);
            match page.paging.and_then(|p| p.next).filter(|n| !n.is_empty()) {
                None => return Ok(out),
                Some(n) if !seen.insert(n.clone()) => {
                    return Err(ApiError::Paging {
                        what,
                        detail: format!(
                            "paging.next `{}` came back a second time",
                            crate::terminal_text::clean_line(&n)
                        ),
                    });
                }
                Some(n) => next = Some(n),
            }
        }
        Err(ApiError::Paging {
            what,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// `GET /apps/{app}/{kind}/{slug}`: the download URL and (certificates) the password.
    pub fn signing_download(
        &self,
        app: &str,
        kind: FileKind,
        slug: &str,
    ) -> Result<Download, ApiError> {
        let path = format!(
            "/apps/{}/{}/{}",
            super::segment(app),
            kind.path(),
            super::segment(slug)
        );
        let what = format!("GET {path}");
        let body = Zeroizing::new(self.get(&path, &[], &what, super::JSON_CAP)?.body?);
        let show: DownloadShow = serde_json::from_str(&body).map_err(|e| ApiError::BadBody {
            what: what.clone(),
            detail: crate::terminal_text::clean_line(&e.to_string()),
        })?;
        let url = show
            .data
            .download_url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ApiError::BadBody {
                what,
                detail: "no download_url (the upload is not processed yet?)".into(),
            })?;
        Ok(Download {
            download_url: Zeroizing::new(url),
            password: Zeroizing::new(show.data.certificate_password.unwrap_or_default()),
        })
    }
}

/// GET a pre-signed URL: no Authorization header, no redirect, https (or http to loopback only),
/// at most `FILE_CAP` bytes, held zeroized. Errors never show the URL (its query is a credential).
pub fn download_presigned(
    url: &str,
    timeout: std::time::Duration,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let checked = crate::apple::http::check_base_url(url)
        .map_err(|_| "the download URL Bitrise gave is not https (nor http to a loopback address): not fetched".to_string())?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("apple-conn/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let host = checked.host_str().unwrap_or_default().to_string();
    let mut response = agent.get(checked.as_str()).call().map_err(|e| {
        format!(
            "the download from {host} failed: {}",
            crate::terminal_text::clean_line(&e.to_string().replace(url, "<the download URL>"))
        )
    })?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(format!(
            "the download from {host} answered {status} (a pre-signed URL expires quickly: run again)"
        ));
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(FILE_CAP + 1)
        .read_to_vec()
        .map_err(|e| {
            format!(
                "the download from {host} broke off: {}",
                crate::terminal_text::clean_line(&e.to_string())
            )
        })?;
    let bytes = Zeroizing::new(bytes);
    if bytes.len() as u64 > FILE_CAP {
        return Err(format!(
            "the download from {host} is over 4 MiB: not a signing file"
        ));
    }
    Ok(bytes)
}
