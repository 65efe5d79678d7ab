//! The optional TLS listener: a certificate chain and private key in PEM files, served with
//! rustls (ring provider, TLS 1.2 and 1.3, HTTP/1.1).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The certificate and key files of the TLS listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate chain {path}: {detail}")]
    Certificates { path: PathBuf, detail: String },
    #[error("the TLS certificate file {path} holds no certificate")]
    NoCertificate { path: PathBuf },
    #[error("cannot read the TLS private key {path}: {detail}")]
    Key { path: PathBuf, detail: String },
    #[error("the TLS certificate and key do not make a valid configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Read the PEM files and build the server configuration. Fails (naming the file) on an
/// unreadable file, a file without certificates or key, or a key that does not match.
pub fn server_config(tls: &TlsSettings) -> Result<rustls::ServerConfig, TlsError> {
    let certs = read_certificates(&tls.cert)?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| TlsError::Key {
        path: tls.key.clone(),
        detail: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(config)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let error = |detail: String| TlsError::Certificates {
        path: path.to_path_buf(),
        detail,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> TlsSettings {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        TlsSettings { cert, key }
    }

    #[test]
    fn loads_a_matching_pair_and_names_the_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        let good = files(dir.path());
        assert!(server_config(&good).is_ok());
        // Missing file, empty file, certificate given as key, a key of another certificate.
        let missing = TlsSettings {
            cert: dir.path().join("nope.pem"),
            ..good.clone()
        };
        assert!(
            server_config(&missing)
                .unwrap_err()
                .to_string()
                .contains("nope.pem")
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let no_cert = TlsSettings {
            cert: empty.clone(),
            ..good.clone()
        };
        assert!(matches!(
            server_config(&no_cert),
            Err(TlsError::NoCertificate { .. })
        ));
        let cert_as_key = TlsSettings {
            key: good.cert.clone(),
            ..good.clone()
        };
        assert!(matches!(
            server_config(&cert_as_key),
            Err(TlsError::Key { .. })
        ));
        let other_dir = tempfile::tempdir().unwrap();
        let other = files(other_dir.path());
        let mismatched = TlsSettings {
            key: other.key,
            ..good
        };
        assert!(matches!(
            server_config(&mismatched),
            Err(TlsError::Config(_))
        ));
    }
}
