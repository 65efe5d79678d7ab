//! Certificate signatures, verified with `ring` over the exact TBSCertificate bytes.
//!
//! Accepted (RFC 5758, RFC 4055, RFC 8410): ECDSA with SHA-256/384 by P-256 or P-384 keys; RSA
//! PKCS#1 v1.5 with SHA-256/384/512 and RSASSA-PSS (MGF1 with the same hash, salt length equal
//! to the hash length, trailer 1) by RSA keys of 2048–8192 bits; Ed25519. Anything else —
//! SHA-1, MD5, DSA, unknown OIDs, parameters that do not fit — fails: an algorithm Cairn cannot
//! check is never treated as checked.

use crate::keys::{KeyAlgorithm, PublicKey};
use ring::signature::{self as rs, VerificationAlgorithm};
use x509_parser::certificate::X509Certificate;
use x509_parser::signature_algorithm::RsaSsaPssParams;

const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const RSA_PKCS1_SHA256: &str = "1.2.840.113549.1.1.11";
const RSA_PKCS1_SHA384: &str = "1.2.840.113549.1.1.12";
const RSA_PKCS1_SHA512: &str = "1.2.840.113549.1.1.13";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const MGF1: &str = "1.2.840.113549.1.1.8";
const ED25519: &str = "1.3.101.112";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// Verify that `issuer`'s key signed `cert`; on success, name the algorithm.
pub fn verify_issued_by(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<&'static str, String> {
    // RFC 5280 §4.1.1.2: the outer algorithm must equal the signed one, or an attacker could
    // relabel the signature.
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err("signatureAlgorithm differs from the signed TBSCertificate.signature".into());
    }
    let key = PublicKey::from_spki_der(issuer.public_key().raw)
        .map_err(|e| format!("issuer key not usable: {e}"))?;
    let (name, alg) = algorithm(cert, key.algorithm())?;
    if cert.signature_value.unused_bits != 0 {
        return Err("signature BIT STRING has unused bits".into());
    }
    rs::UnparsedPublicKey::new(alg, &issuer.public_key().subject_public_key.data)
        .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
        .map(|()| name)
        .map_err(|_| format!("{name} signature does not verify"))
}

type Algorithm = (&'static str, &'static dyn VerificationAlgorithm);

fn algorithm(cert: &X509Certificate<'_>, key: KeyAlgorithm) -> Result<Algorithm, String> {
    let alg = &cert.signature_algorithm;
    let oid = alg.algorithm.to_id_string();
    let no_params = alg.parameters.is_none();
    let null_or_absent = alg
        .parameters
        .as_ref()
        .is_none_or(|p| p.tag() == x509_parser::asn1_rs::Tag::Null && p.data.is_empty());
    let mismatch = || format!("signature algorithm {oid} does not fit a {key} issuer key");
    match (oid.as_str(), key) {
        (ECDSA_SHA256, KeyAlgorithm::EcdsaP256) if no_params => {
            Ok(("ecdsa-p256-sha256", &rs::ECDSA_P256_SHA256_ASN1))
        }
        (ECDSA_SHA256, KeyAlgorithm::EcdsaP384) if no_params => {
            Ok(("ecdsa-p384-sha256", &rs::ECDSA_P384_SHA256_ASN1))
        }
        (ECDSA_SHA384, KeyAlgorithm::EcdsaP256) if no_params => {
            Ok(("ecdsa-p256-sha384", &rs::ECDSA_P256_SHA384_ASN1))
        }
        (ECDSA_SHA384, KeyAlgorithm::EcdsaP384) if no_params => {
            Ok(("ecdsa-p384-sha384", &rs::ECDSA_P384_SHA384_ASN1))
        }
        (RSA_PKCS1_SHA256, KeyAlgorithm::Rsa) if null_or_absent => {
            Ok(("rsa-pkcs1v15-sha256", &rs::RSA_PKCS1_2048_8192_SHA256))
        }
        (RSA_PKCS1_SHA384, KeyAlgorithm::Rsa) if null_or_absent => {
            Ok(("rsa-pkcs1v15-sha384", &rs::RSA_PKCS1_2048_8192_SHA384))
        }
        (RSA_PKCS1_SHA512, KeyAlgorithm::Rsa) if null_or_absent => {
            Ok(("rsa-pkcs1v15-sha512", &rs::RSA_PKCS1_2048_8192_SHA512))
        }
        (RSA_PSS, KeyAlgorithm::Rsa) => pss(alg.parameters.clone()),
        (ED25519, KeyAlgorithm::Ed25519) if no_params => Ok(("ed25519", &rs::ED25519)),
        (ECDSA_SHA256 | ECDSA_SHA384 | RSA_PKCS1_SHA256 | RSA_PKCS1_SHA384, _)
        | (RSA_PKCS1_SHA512 | RSA_PSS | ED25519, _) => Err(mismatch()),
        (other, _) => Err(format!("unsupported signature algorithm {other}")),
    }
}

/// RSASSA-PSS parameters ring can verify: hash H, MGF1 with H, salt length = |H|, trailer 1.
fn pss(params: Option<x509_parser::asn1_rs::Any<'_>>) -> Result<Algorithm, String> {
    let bad = |why: &str| format!("unsupported RSASSA-PSS parameters: {why}");
    let params = params.ok_or_else(|| bad("absent (SHA-1 defaults)"))?;
    let params = RsaSsaPssParams::try_from(params).map_err(|_| bad("malformed"))?;
    let hash = params.hash_algorithm_oid().to_id_string();
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| bad("malformed MGF"))?;
    if mgf.mgf.to_id_string() != MGF1 || mgf.hash.to_id_string() != hash {
        return Err(bad(
            "the mask generation function must be MGF1 with the same hash",
        ));
    }
    if params.trailer_field() != 1 {
        return Err(bad("trailer field must be 1"));
    }
    let (name, alg, salt): (&'static str, &'static dyn VerificationAlgorithm, u32) =
        match hash.as_str() {
            SHA256 => ("rsa-pss-sha256", &rs::RSA_PSS_2048_8192_SHA256, 32),
            SHA384 => ("rsa-pss-sha384", &rs::RSA_PSS_2048_8192_SHA384, 48),
            SHA512 => ("rsa-pss-sha512", &rs::RSA_PSS_2048_8192_SHA512, 64),
            _ => return Err(bad("hash must be SHA-256, SHA-384 or SHA-512")),
        };
    if params.salt_length() != salt {
        return Err(bad("salt length must equal the hash length"));
    }
    Ok((name, alg))
}
