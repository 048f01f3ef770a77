//! One X.509 certificate's public facts (subject, team, type, serial, validity, fingerprint).

use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::ext::pkix::BasicConstraints;

use crate::domain::signing::files::{CertInfo, CertType, serial_hex};

const ORG_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");

/// The facts of a DER certificate; `has_private_key` is for the caller to say.
pub fn read_der(der: &[u8]) -> Result<CertInfo, String> {
    let cert = Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate ({e})"))?;
    let tbs = cert.tbs_certificate();
    let subject = tbs.subject();
    let common_name = subject
        .common_name()
        .ok()
        .flatten()
        .map(|s| s.value().into_owned())
        .unwrap_or_default();
    let team_id = subject
        .by_oid::<x509_cert::ext::pkix::name::DirectoryString>(ORG_UNIT)
        .ok()
        .flatten()
        .map(|s| s.value().into_owned());
    let validity = tbs.validity();
    Ok(CertInfo {
        cert_type: CertType::of_common_name(&common_name),
        common_name,
        team_id,
        serial: serial_hex(tbs.serial_number().as_bytes()),
        not_before: time(validity.not_before.to_unix_duration()),
        not_after: time(validity.not_after.to_unix_duration()),
        sha1: hex::encode_upper(Sha1::digest(der)),
        has_private_key: false,
    })
}

/// Whether a DER certificate is a CA (an intermediate shipped along in a .p12, not a signing identity).
pub fn is_ca(der: &[u8]) -> bool {
    Certificate::from_der(der)
        .ok()
        .and_then(|c| {
            c.tbs_certificate()
                .get_extension::<BasicConstraints>()
                .ok()
                .flatten()
                .map(|(_, bc)| bc.ca)
        })
        .unwrap_or(false)
}

fn time(since_epoch: std::time::Duration) -> DateTime<Utc> {
    let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}
