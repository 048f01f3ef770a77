//! Which transport errors are TLS refusals (an untrusted or wrong certificate), told apart by
//! type: ureq hands rustls's verdict over inside an I/O error during the handshake.

/// The TLS refusal inside `e`, worded for a user, or `None` when it is not one.
pub fn tls_refusal(e: &ureq::Error) -> Option<String> {
    match e {
        ureq::Error::Rustls(tls) => Some(describe(tls)),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(describe),
        _ => None,
    }
}

fn describe(e: &rustls::Error) -> String {
    use rustls::{CertificateError, Error};
    match e {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "its certificate is signed by a CA this machine does not trust".into()
        }
        Error::InvalidCertificate(CertificateError::NotValidForName)
        | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "its certificate is for another host name".into()
        }
        Error::InvalidCertificate(CertificateError::Expired)
        | Error::InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            "its certificate has expired".into()
        }
        Error::InvalidCertificate(why) => format!("its certificate was refused ({why:?})"),
        other => format!("the TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rustls_verdict_wrapped_in_io_is_found() {
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let e = ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, inner));
        assert_eq!(
            tls_refusal(&e).as_deref(),
            Some("its certificate is signed by a CA this machine does not trust")
        );
        let refused = ureq::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(tls_refusal(&refused), None);
    }
}
