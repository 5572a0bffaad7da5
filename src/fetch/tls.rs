//! TLS: a short, stable reason for a failed handshake (the extra CA certificates a column may
//! trust are read by `config`).

use rustls::{CertificateError, Error as TlsError};

/// A short, stable reason for a TLS failure: what the operator reads after `tls: `.
pub(crate) fn tls_reason(e: &TlsError) -> String {
    match e {
        TlsError::InvalidCertificate(cert) => certificate_reason(cert).to_string(),
        TlsError::NoCertificatesPresented => "no certificate presented".into(),
        TlsError::AlertReceived(alert) => {
            format!("handshake refused by the server ({alert:?})")
        }
        TlsError::PeerIncompatible(_) => "no common protocol version or cipher".into(),
        TlsError::InvalidMessage(_) | TlsError::InappropriateHandshakeMessage { .. } => {
            "not a TLS server, or a broken handshake".into()
        }
        other => format!("handshake failed ({other})"),
    }
}

fn certificate_reason(e: &CertificateError) -> &'static str {
    match e {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate expired"
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate not yet valid"
        }
        CertificateError::UnknownIssuer => "unknown issuer",
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "hostname mismatch"
        }
        CertificateError::Revoked => "certificate revoked",
        CertificateError::BadSignature => "bad certificate signature",
        CertificateError::BadEncoding => "malformed certificate",
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "certificate not issued for server authentication"
        }
        _ => "invalid certificate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_have_stable_reasons() {
        let cert = |c| tls_reason(&TlsError::InvalidCertificate(c));
        assert_eq!(cert(CertificateError::Expired), "certificate expired");
        assert_eq!(cert(CertificateError::UnknownIssuer), "unknown issuer");
        assert_eq!(cert(CertificateError::NotValidForName), "hostname mismatch");
    }
}
