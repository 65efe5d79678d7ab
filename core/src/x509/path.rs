//! Steps 2-7 of [`super::verify_chain`] on one candidate path, and the extension readers they
//! share with [`super::CaBundle::from_pem`]. Every malformed or duplicated extension Cairn reads
//! is an error, never "absent".

use super::{certificate_label, names, signature};
use crate::time::Timestamp;
use crate::verify::Check;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{ParsedExtension, X509Extension};

const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";
const OID_AUTHORITY_KEY_ID: &str = "2.5.29.35";
const OID_NAME_CONSTRAINTS: &str = "2.5.29.30";

/// Extensions Cairn processes (or that only help path building), so they may be critical.
const UNDERSTOOD: &[&str] = &[
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    OID_EXTENDED_KEY_USAGE,
    OID_SUBJECT_ALT_NAME,
    OID_SUBJECT_KEY_ID,
    OID_AUTHORITY_KEY_ID,
];

/// Steps 1-7 for one path: `certs[0]` is the leaf, the last one the anchor.
pub(super) fn evaluate_path(certs: &[&X509Certificate<'_>], at: i64) -> Vec<Check> {
    let n = certs.len();
    let label = |i: usize, cert: &X509Certificate<'_>| {
        let role = if i == 0 {
            "leaf".to_owned()
        } else if i + 1 == n {
            "anchor".to_owned()
        } else {
            format!("intermediate {i}")
        };
        format!("{role} {}", certificate_label(cert))
    };
    let labelled: Vec<(usize, &X509Certificate<'_>, String)> = certs
        .iter()
        .enumerate()
        .map(|(i, c)| (i, *c, label(i, c)))
        .collect();
    let issuers = labelled.iter().skip(1);
    let mut checks = vec![Check::pass(
        names::CHAIN_BUILD,
        format!(
            "{} ({n} certificates)",
            labelled
                .iter()
                .map(|(_, _, l)| l.as_str())
                .collect::<Vec<_>>()
                .join(" <- ")
        ),
    )];

    // 2. Signatures, link by link.
    let mut problems = Vec::new();
    let mut algorithms = Vec::new();
    for pair in labelled.windows(2) {
        if let [(_, cert, l), (_, issuer, _)] = pair {
            match signature::verify_issued_by(cert, issuer) {
                Ok(alg) => algorithms.push(alg),
                Err(e) => problems.push(format!("{l}: {e}")),
            }
        }
    }
    checks.push(outcome(
        names::CHAIN_SIGNATURE,
        problems,
        format!("{} link(s) verified ({})", n - 1, algorithms.join(", ")),
    ));

    // 3. Validity at the trusted time (RFC 5280 §4.1.2.5: both bounds inclusive, to the second).
    let mut problems = Vec::new();
    for (_, cert, l) in &labelled {
        let validity = cert.validity();
        let not_before = validity.not_before.timestamp().saturating_mul(1000);
        let not_after = validity
            .not_after
            .timestamp()
            .saturating_mul(1000)
            .saturating_add(999);
        if at < not_before {
            problems.push(format!(
                "{l} is not valid before {}",
                Timestamp::from_unix_millis(not_before)
            ));
        } else if at > not_after {
            problems.push(format!(
                "{l} expired at {}",
                Timestamp::from_unix_millis(not_after.saturating_sub(999))
            ));
        }
    }
    checks.push(outcome(
        names::CHAIN_VALIDITY,
        problems,
        format!(
            "every certificate is valid at {}",
            Timestamp::from_unix_millis(at)
        ),
    ));

    // 4. basicConstraints.
    let mut problems = Vec::new();
    if let Some((_, leaf, l)) = labelled.first() {
        match basic_constraints(leaf) {
            Ok(Some((true, _))) => problems.push(format!("{l} is a CA certificate")),
            Ok(_) => {}
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    for (i, cert, l) in issuers.clone() {
        match basic_constraints(cert) {
            Ok(Some((true, path_len))) => {
                // Non-self-issued intermediates between the leaf and this CA (RFC 5280 §6.1.4).
                let below = labelled
                    .get(1..*i)
                    .unwrap_or_default()
                    .iter()
                    .filter(|(_, c, _)| c.subject().as_raw() != c.issuer().as_raw())
                    .count();
                if let Some(max) = path_len
                    && usize::try_from(max).is_ok_and(|max| below > max)
                {
                    problems.push(format!(
                        "{l} allows {max} intermediate(s) below it (pathLenConstraint), the path has {below}"
                    ));
                }
            }
            Ok(_) => problems.push(format!("{l} is not a CA (no basicConstraints CA=true)")),
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    checks.push(outcome(
        names::CHAIN_BASIC_CONSTRAINTS,
        problems,
        "every issuer is a CA within its path length; the leaf is not a CA".to_owned(),
    ));

    // 5. keyUsage.
    let mut problems = Vec::new();
    if let Some((_, leaf, l)) = labelled.first() {
        match key_usage(leaf) {
            Ok(Some(ku)) if !ku.digital_signature() => {
                problems.push(format!("{l} keyUsage lacks digitalSignature"));
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    for (_, cert, l) in issuers.clone() {
        match key_usage(cert) {
            Ok(Some(ku)) if ku.key_cert_sign() => {}
            Ok(Some(_)) => problems.push(format!("{l} keyUsage lacks keyCertSign")),
            Ok(None) => problems.push(format!(
                "{l} has no keyUsage extension (an issuer must assert keyCertSign)"
            )),
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    checks.push(outcome(
        names::CHAIN_KEY_USAGE,
        problems,
        "issuers assert keyCertSign; the leaf may sign".to_owned(),
    ));

    // 6. extendedKeyUsage: code signing.
    let mut problems = Vec::new();
    if let Some((_, leaf, l)) = labelled.first() {
        match extended_key_usage(leaf) {
            Ok(Some(eku)) if eku.code_signing => {}
            Ok(Some(eku)) => problems.push(format!(
                "{l} extendedKeyUsage lacks codeSigning (has {})",
                eku_names(eku)
            )),
            Ok(None) => problems.push(format!(
                "{l} has no extendedKeyUsage (codeSigning is required)"
            )),
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    for (_, cert, l) in issuers {
        match extended_key_usage(cert) {
            Ok(Some(eku)) if !(eku.code_signing || eku.any) => problems.push(format!(
                "{l} restricts extendedKeyUsage to {} (codeSigning not allowed)",
                eku_names(eku)
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    checks.push(outcome(
        names::CHAIN_EXTENDED_KEY_USAGE,
        problems,
        "the leaf is for codeSigning and every issuer allows it".to_owned(),
    ));

    // 7. Extensions Cairn does not understand.
    let mut problems = Vec::new();
    for (i, cert, l) in &labelled {
        let mut seen: Vec<String> = Vec::new();
        for ext in cert.extensions() {
            let oid = ext.oid.to_id_string();
            if seen.contains(&oid) {
                problems.push(format!("{l} has extension {oid} twice"));
                continue;
            }
            if oid == OID_NAME_CONSTRAINTS {
                problems.push(format!(
                    "{l} has name constraints, which Cairn does not enforce"
                ));
            } else if ext.critical && !UNDERSTOOD.contains(&oid.as_str()) {
                problems.push(format!("{l} has unknown critical extension {oid}"));
            } else if ext.critical && ext.parsed_extension().error().is_some() {
                problems.push(format!("{l} has malformed critical extension {oid}"));
            }
            seen.push(oid);
        }
        if *i == 0 && cert.subject_alternative_name().is_err() {
            problems.push(format!("{l} has a malformed subjectAltName"));
        }
    }
    checks.push(outcome(
        names::CHAIN_CRITICAL_EXTENSIONS,
        problems,
        "no unknown critical extension".to_owned(),
    ));
    checks
}

fn outcome(check: &'static str, problems: Vec<String>, ok: String) -> Check {
    if problems.is_empty() {
        Check::pass(check, ok)
    } else {
        Check::fail(check, problems.join("; "))
    }
}

/// The single extension `oid` of `cert`: an error when it appears twice or does not parse.
fn unique_extension<'a, 'b>(
    cert: &'b X509Certificate<'a>,
    oid: &str,
    what: &str,
) -> Result<Option<&'b X509Extension<'a>>, String> {
    let mut found = cert
        .extensions()
        .iter()
        .filter(|e| e.oid.to_id_string() == oid);
    let first = found.next();
    if found.next().is_some() {
        return Err(format!("{what} appears twice"));
    }
    match first {
        Some(ext) if ext.parsed_extension().error().is_some() => Err(format!("malformed {what}")),
        other => Ok(other),
    }
}

/// (CA, pathLenConstraint) from basicConstraints, `None` when absent.
pub(super) fn basic_constraints(
    cert: &X509Certificate<'_>,
) -> Result<Option<(bool, Option<u32>)>, String> {
    match unique_extension(cert, OID_BASIC_CONSTRAINTS, "basicConstraints")?
        .map(X509Extension::parsed_extension)
    {
        None => Ok(None),
        Some(ParsedExtension::BasicConstraints(bc)) => Ok(Some((bc.ca, bc.path_len_constraint))),
        Some(_) => Err("malformed basicConstraints".into()),
    }
}

fn key_usage<'b>(
    cert: &'b X509Certificate<'_>,
) -> Result<Option<&'b x509_parser::extensions::KeyUsage>, String> {
    match unique_extension(cert, OID_KEY_USAGE, "keyUsage")?.map(X509Extension::parsed_extension) {
        None => Ok(None),
        Some(ParsedExtension::KeyUsage(ku)) => Ok(Some(ku)),
        Some(_) => Err("malformed keyUsage".into()),
    }
}

fn extended_key_usage<'a, 'b>(
    cert: &'b X509Certificate<'a>,
) -> Result<Option<&'b x509_parser::extensions::ExtendedKeyUsage<'a>>, String> {
    match unique_extension(cert, OID_EXTENDED_KEY_USAGE, "extendedKeyUsage")?
        .map(X509Extension::parsed_extension)
    {
        None => Ok(None),
        Some(ParsedExtension::ExtendedKeyUsage(eku)) => Ok(Some(eku)),
        Some(_) => Err("malformed extendedKeyUsage".into()),
    }
}

fn eku_names(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> String {
    let mut out: Vec<String> = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| (*name).to_owned())
    .collect();
    out.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    if out.is_empty() {
        "nothing".to_owned()
    } else {
        out.join(", ")
    }
}
