//! Extra CA certificates a column may trust (`ca_file`, for sites that omit their intermediate
//! certificate): read and checked when the targets load, so a bad file is found then, not at
//! the first crawl; the fetcher builds its clients from the same reader.

use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// A `ca_file` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    Empty { path: PathBuf },
    #[error("{}: certificate {index} is not valid PEM: {message}", path.display())]
    Pem {
        path: PathBuf,
        index: usize,
        message: String,
    },
    #[error("{}: certificate {index} cannot be trusted: {message}", path.display())]
    Invalid {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

/// Reads a PEM bundle of CA certificates and checks that each one can serve as a trust anchor
/// (the same check the TLS verifier makes when a client is built).
pub fn load_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, CaFileError> {
    let bytes = std::fs::read(path).map_err(|source| CaFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut store = rustls::RootCertStore::empty();
    let mut certs = Vec::new();
    for (i, der) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
        let index = i + 1;
        let der = der.map_err(|e| CaFileError::Pem {
            path: path.to_path_buf(),
            index,
            message: e.to_string(),
        })?;
        store.add(der.clone()).map_err(|e| CaFileError::Invalid {
            path: path.to_path_buf(),
            index,
            message: e.to_string(),
        })?;
        certs.push(der);
    }
    if certs.is_empty() {
        return Err(CaFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ca_files_say_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.pem");
        let e = load_ca_file(&missing).expect_err("missing");
        assert!(e.to_string().starts_with("cannot read "), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let e = load_ca_file(&empty).expect_err("empty");
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let e = load_ca_file(&garbage).expect_err("garbage");
        assert!(e.to_string().contains("certificate 1"), "{e}");
    }
}
