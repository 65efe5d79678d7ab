//! X.509 chain validation for code signing: every rule of `cairn_core::x509::verify_chain` has a
//! chain that breaks it (and fails on exactly that check) beside a chain that keeps it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_core::Code;
use cairn_core::attestation::sign_statement;
use cairn_core::digest::Digest;
use cairn_core::keys::SigningKey;
use cairn_core::statement::{Statement, Subject};
use cairn_core::verify::{Outcome, Verdict};
use cairn_core::x509::{
    CaBundle, CertIdentity, ChainReport, FulcioClaim, PkiError, verify_chain,
    verify_envelope_with_chain,
};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SignatureAlgorithm, date_time_ymd,
};

#[path = "../../tests/support/testdata.rs"]
mod shared;

/// 2025-01-01T00:00:00Z: inside every default validity window below.
const AT: i64 = 1_735_689_600_000;

/// A certificate with its key and parameters, able to issue others.
struct Cert {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

impl Cert {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
    fn pem(&self) -> String {
        cairn_core::keys::encode_pem("CERTIFICATE", &self.der)
    }
}

fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).unwrap()
}

fn ca_params(cn: &str, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::OrganizationName, "Acme");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(path_len.map_or(
        BasicConstraints::Unconstrained,
        BasicConstraints::Constrained,
    ));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2040, 1, 1);
    p
}

fn leaf_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::OrganizationName, "Acme");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    p.subject_alt_names = vec![
        SanType::Rfc822Name("release@acme.example".try_into().unwrap()),
        SanType::URI("https://ci.acme.example/pipelines/web".try_into().unwrap()),
    ];
    p.not_before = date_time_ymd(2024, 1, 1);
    p.not_after = date_time_ymd(2026, 1, 1);
    p
}

fn self_signed(params: CertificateParams, alg: &'static SignatureAlgorithm) -> Cert {
    let key = key(alg);
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Cert { params, key, der }
}

fn issued(params: CertificateParams, alg: &'static SignatureAlgorithm, by: &Cert) -> Cert {
    let key = key(alg);
    let der = params.signed_by(&key, &by.issuer()).unwrap().der().to_vec();
    Cert { params, key, der }
}

const P256: &SignatureAlgorithm = &rcgen::PKCS_ECDSA_P256_SHA256;

/// root -> intermediate -> leaf, all P-256.
fn pki() -> (Cert, Cert, Cert) {
    let root = self_signed(ca_params("Acme Root", None), P256);
    let int = issued(ca_params("Acme Signing CA", Some(0)), P256, &root);
    let leaf = issued(leaf_params("web release"), P256, &int);
    (root, int, leaf)
}

fn bundle(certs: &[&Cert]) -> CaBundle {
    let pem: String = certs.iter().map(|c| c.pem()).collect();
    CaBundle::from_pem(pem.as_bytes()).unwrap()
}

/// The chain fails, and on `check` only (every other check passed, or could not run).
fn assert_fails_on(report: &ChainReport, check: &str) {
    assert_eq!(report.verdict(), Verdict::Fail, "{:?}", report.checks);
    let failing: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.result == Outcome::Fail)
        .map(|c| c.check)
        .collect();
    assert_eq!(failing, [check], "{:#?}", report.checks);
    assert!(report.identity.is_none());
}

#[test]
fn a_valid_chain_passes_every_check_and_names_the_leaf() {
    let (root, int, leaf) = pki();
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    let names: Vec<&str> = report.checks.iter().map(|c| c.check).collect();
    assert_eq!(
        names,
        [
            "chain.build",
            "chain.signature",
            "chain.validity",
            "chain.basicConstraints",
            "chain.keyUsage",
            "chain.extendedKeyUsage",
            "chain.criticalExtensions"
        ]
    );
    assert!(report.checks.iter().all(|c| c.result == Outcome::Pass));
    assert_eq!(report.failure_code(), None);
    let id = report.identity.unwrap();
    assert_eq!(id.subject, "CN=web release,O=Acme");
    assert_eq!(id.emails, ["release@acme.example"]);
    assert_eq!(id.uris, ["https://ci.acme.example/pipelines/web"]);
    assert!(id.dns.is_empty());
    assert!(id.fulcio.is_empty());
}

#[test]
fn p384_and_ed25519_chains_verify() {
    let root = self_signed(ca_params("Root 384", None), &rcgen::PKCS_ECDSA_P384_SHA384);
    let int = issued(ca_params("Int Ed", None), &rcgen::PKCS_ED25519, &root);
    let leaf = issued(leaf_params("leaf"), &rcgen::PKCS_ECDSA_P384_SHA384, &int);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    let signature = &report.checks[1].detail;
    assert!(
        signature.contains("ed25519") && signature.contains("ecdsa-p384-sha384"),
        "{signature}"
    );
}

#[test]
fn an_expired_leaf_fails_validity() {
    let (root, int, _) = pki();
    let mut p = leaf_params("old");
    p.not_before = date_time_ymd(2021, 1, 1);
    p.not_after = date_time_ymd(2022, 1, 1);
    let leaf = issued(p, P256, &int);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.validity");
    assert!(
        report.checks[2]
            .detail
            .contains("expired at 2022-01-01T00:00:00Z"),
        "{}",
        report.checks[2].detail
    );
    assert_eq!(report.failure_code(), Some(Code::CertificateInvalid));
}

#[test]
fn a_not_yet_valid_leaf_fails_validity_and_bounds_are_inclusive() {
    let (root, int, _) = pki();
    let mut p = leaf_params("future");
    p.not_before = date_time_ymd(2030, 1, 1);
    p.not_after = date_time_ymd(2031, 1, 1);
    let leaf = issued(p, P256, &int);
    let anchors = bundle(&[&root]);
    let report = verify_chain(&leaf.der, std::slice::from_ref(&int.der), &anchors, AT);
    assert_fails_on(&report, "chain.validity");
    assert!(report.checks[2].detail.contains("not valid before"));
    // notBefore and notAfter are both inside the window, to the second.
    let not_before = 1_893_456_000_000; // 2030-01-01T00:00:00Z
    let not_after = 1_924_992_000_000; // 2031-01-01T00:00:00Z
    for (at, verdict) in [
        (not_before - 1, Verdict::Fail),
        (not_before, Verdict::Pass),
        (not_after + 999, Verdict::Pass),
        (not_after + 1000, Verdict::Fail),
    ] {
        let report = verify_chain(&leaf.der, std::slice::from_ref(&int.der), &anchors, at);
        assert_eq!(report.verdict(), verdict, "at {at}: {:#?}", report.checks);
    }
}

#[test]
fn an_expired_anchor_fails_validity_too() {
    let mut p = ca_params("Short Root", None);
    p.not_after = date_time_ymd(2024, 6, 1);
    let root = self_signed(p, P256);
    let leaf = issued(leaf_params("leaf"), P256, &root);
    let report = verify_chain(&leaf.der, &[], &bundle(&[&root]), AT);
    assert_fails_on(&report, "chain.validity");
    assert!(report.checks[2].detail.contains("anchor"));
}

#[test]
fn a_server_auth_leaf_fails_extended_key_usage() {
    let (root, int, _) = pki();
    let mut p = leaf_params("tls");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = issued(p, P256, &int);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.extendedKeyUsage");
    assert!(report.checks[5].detail.contains("serverAuth"));
    // No EKU at all is no better.
    let mut p = leaf_params("no eku");
    p.extended_key_usages = vec![];
    let leaf = issued(p, P256, &int);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.extendedKeyUsage");
}

#[test]
fn an_issuer_eku_must_allow_code_signing() {
    let root = self_signed(ca_params("Root", None), P256);
    let mut p = ca_params("TLS CA", None);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let tls_ca = issued(p, P256, &root);
    let leaf = issued(leaf_params("leaf"), P256, &tls_ca);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&tls_ca.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.extendedKeyUsage");
    // anyExtendedKeyUsage or codeSigning on the issuer are fine.
    for eku in [
        ExtendedKeyUsagePurpose::Any,
        ExtendedKeyUsagePurpose::CodeSigning,
    ] {
        let mut p = ca_params("Signing CA", None);
        p.extended_key_usages = vec![eku];
        let ca = issued(p, P256, &root);
        let leaf = issued(leaf_params("leaf"), P256, &ca);
        let report = verify_chain(
            &leaf.der,
            std::slice::from_ref(&ca.der),
            &bundle(&[&root]),
            AT,
        );
        assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    }
}

#[test]
fn an_intermediate_without_ca_basic_constraints_cannot_issue() {
    let root = self_signed(ca_params("Root", None), P256);
    for is_ca in [IsCa::NoCa, IsCa::ExplicitNoCa] {
        let mut p = ca_params("Not A CA", None);
        p.is_ca = is_ca;
        let not_ca = issued(p, P256, &root);
        let leaf = issued(leaf_params("leaf"), P256, &not_ca);
        let report = verify_chain(
            &leaf.der,
            std::slice::from_ref(&not_ca.der),
            &bundle(&[&root]),
            AT,
        );
        assert_fails_on(&report, "chain.basicConstraints");
        assert!(report.checks[3].detail.contains("is not a CA"));
    }
}

#[test]
fn a_path_length_zero_intermediate_cannot_have_another_below_it() {
    let root = self_signed(ca_params("Root", None), P256);
    let int0 = issued(ca_params("PathLen0 CA", Some(0)), P256, &root);
    let int1 = issued(ca_params("Sub CA", None), P256, &int0);
    let leaf = issued(leaf_params("leaf"), P256, &int1);
    let chain = [int1.der.clone(), int0.der.clone()];
    let report = verify_chain(&leaf.der, &chain, &bundle(&[&root]), AT);
    assert_fails_on(&report, "chain.basicConstraints");
    assert!(report.checks[3].detail.contains("pathLenConstraint"));
    // pathLen 1 allows it.
    let int0 = issued(ca_params("PathLen1 CA", Some(1)), P256, &root);
    let int1 = issued(ca_params("Sub CA 2", None), P256, &int0);
    let leaf = issued(leaf_params("leaf"), P256, &int1);
    let report = verify_chain(
        &leaf.der,
        &[int1.der.clone(), int0.der.clone()],
        &bundle(&[&root]),
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
}

#[test]
fn a_leaf_that_is_a_ca_is_refused() {
    let (root, int, _) = pki();
    let mut p = leaf_params("ca leaf");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let mut int_params = ca_params("Int", Some(1));
    int_params
        .key_usages
        .push(KeyUsagePurpose::DigitalSignature);
    let int2 = issued(int_params, P256, &root);
    let leaf = issued(p, P256, &int2);
    let report = verify_chain(
        &leaf.der,
        &[int2.der.clone(), int.der.clone()],
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.basicConstraints");
    assert!(
        report.checks[3].detail.contains("leaf"),
        "{}",
        report.checks[3].detail
    );
}

#[test]
fn issuers_need_key_cert_sign_and_leaves_digital_signature() {
    let root = self_signed(ca_params("Root", None), P256);
    for usages in [vec![], vec![KeyUsagePurpose::DigitalSignature]] {
        let mut p = ca_params("No KeyCertSign", None);
        p.key_usages = usages;
        let ca = issued(p, P256, &root);
        let leaf = issued(leaf_params("leaf"), P256, &ca);
        let report = verify_chain(
            &leaf.der,
            std::slice::from_ref(&ca.der),
            &bundle(&[&root]),
            AT,
        );
        assert_fails_on(&report, "chain.keyUsage");
    }
    let mut p = leaf_params("encipher only");
    p.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
    let leaf = issued(p, P256, &root);
    let report = verify_chain(&leaf.der, &[], &bundle(&[&root]), AT);
    assert_fails_on(&report, "chain.keyUsage");
    // A leaf without keyUsage is fine.
    let mut p = leaf_params("no ku");
    p.key_usages = vec![];
    let leaf = issued(p, P256, &root);
    let report = verify_chain(&leaf.der, &[], &bundle(&[&root]), AT);
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
}

#[test]
fn a_chain_to_another_root_is_untrusted() {
    let (_, int, leaf) = pki();
    let other = self_signed(ca_params("Other Root", None), P256);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&other]),
        AT,
    );
    assert_fails_on(&report, "chain.build");
    assert!(
        report.checks[1..]
            .iter()
            .all(|c| c.result == Outcome::Skipped)
    );
    assert_eq!(report.failure_code(), Some(Code::UntrustedCertificate));
    // A root with the same name but another key: the path exists by name, the signature fails.
    let impostor = self_signed(ca_params("Acme Root", None), P256);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&impostor]),
        AT,
    );
    assert_fails_on(&report, "chain.signature");
}

#[test]
fn a_tampered_signature_fails_the_signature_check() {
    let (root, int, leaf) = pki();
    let mut der = leaf.der.clone();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let report = verify_chain(&der, std::slice::from_ref(&int.der), &bundle(&[&root]), AT);
    assert_fails_on(&report, "chain.signature");
    assert!(
        report.checks[1].detail.starts_with("leaf"),
        "{}",
        report.checks[1].detail
    );
    // The intermediate's signature too.
    let mut int_der = int.der.clone();
    let last = int_der.len() - 1;
    int_der[last] ^= 0x01;
    let report = verify_chain(&leaf.der, &[int_der], &bundle(&[&root]), AT);
    assert_fails_on(&report, "chain.signature");
    assert!(report.checks[1].detail.starts_with("intermediate 1"));
}

#[test]
fn a_self_signed_leaf_is_not_trusted() {
    let (root, _, _) = pki();
    let leaf = self_signed(leaf_params("self"), P256);
    let report = verify_chain(&leaf.der, &[], &bundle(&[&root]), AT);
    assert_fails_on(&report, "chain.build");
    // Nor when it also shows up among the supplied intermediates.
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&leaf.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.build");
}

#[test]
fn an_unknown_critical_extension_fails_and_a_non_critical_one_does_not() {
    let (root, int, _) = pki();
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![0x05, 0x00]);
    let mut p = leaf_params("extended");
    p.custom_extensions = vec![ext.clone()];
    let leaf = issued(p.clone(), P256, &int);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    ext.set_criticality(true);
    p.custom_extensions = vec![ext];
    let leaf = issued(p, P256, &int);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.criticalExtensions");
    assert!(report.checks[6].detail.contains("1.3.6.1.4.1.99999.1"));
}

#[test]
fn name_constraints_are_refused_not_ignored() {
    let root = self_signed(ca_params("Root", None), P256);
    let mut p = ca_params("Constrained CA", None);
    p.name_constraints = Some(rcgen::NameConstraints {
        permitted_subtrees: vec![rcgen::GeneralSubtree::DnsName("acme.example".into())],
        excluded_subtrees: vec![],
    });
    let ca = issued(p, P256, &root);
    let leaf = issued(leaf_params("leaf"), P256, &ca);
    let report = verify_chain(
        &leaf.der,
        std::slice::from_ref(&ca.der),
        &bundle(&[&root]),
        AT,
    );
    assert_fails_on(&report, "chain.criticalExtensions");
    assert!(report.checks[6].detail.contains("name constraints"));
}

#[test]
fn a_bundle_keeps_its_root_as_anchor_and_its_intermediates_as_helpers() {
    let (root, int, leaf) = pki();
    let anchors = bundle(&[&int, &root]);
    assert_eq!(anchors.fingerprints(), [Digest::sha256_of(&root.der).hex()]);
    assert_eq!(anchors.subjects(), ["CN=Acme Root,O=Acme"]);
    assert_eq!(anchors.intermediates_der(), std::slice::from_ref(&int.der));
    // The registered intermediate completes the path without being supplied.
    let report = verify_chain(&leaf.der, &[], &anchors, AT);
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    // An issuing CA registered alone is the anchor.
    let alone = bundle(&[&int]);
    assert_eq!(alone.subjects(), ["CN=Acme Signing CA,O=Acme"]);
    let report = verify_chain(&leaf.der, &[], &alone, AT);
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    // Duplicates are kept once.
    assert_eq!(bundle(&[&root, &root]).fingerprints().len(), 1);
}

#[test]
fn ca_bundles_must_be_pem_ca_certificates_within_limits() {
    let (root, _, leaf) = pki();
    let err = CaBundle::from_pem(leaf.pem().as_bytes()).unwrap_err();
    assert!(matches!(err, PkiError::NotCa { index: 1, .. }), "{err}");
    assert_eq!(err.code(), Code::CertificateInvalid);
    assert_eq!(CaBundle::from_pem(b"").unwrap_err(), PkiError::Empty);
    assert!(matches!(
        CaBundle::from_pem(cairn_core::keys::encode_pem("PUBLIC KEY", &[1]).as_bytes()),
        Err(PkiError::WrongPemLabel { index: 1, .. })
    ));
    let garbage = cairn_core::keys::encode_pem("CERTIFICATE", b"not der");
    assert!(matches!(
        CaBundle::from_pem(format!("{}{garbage}", root.pem()).as_bytes()),
        Err(PkiError::Malformed { index: 2, .. })
    ));
    let mut trailing = root.der.clone();
    trailing.push(0);
    assert!(matches!(
        CaBundle::from_pem(cairn_core::keys::encode_pem("CERTIFICATE", &trailing).as_bytes()),
        Err(PkiError::Malformed { index: 1, .. })
    ));
    let many = root
        .pem()
        .repeat(cairn_core::limits::MAX_CA_BUNDLE_CERTS + 1);
    let err = CaBundle::from_pem(many.as_bytes()).unwrap_err();
    assert_eq!(err.code(), Code::PayloadTooLarge);
    let huge = vec![b'a'; cairn_core::limits::MAX_CA_BUNDLE_BYTES + 1];
    assert_eq!(
        CaBundle::from_pem(&huge).unwrap_err().code(),
        Code::PayloadTooLarge
    );
    // Exactly at the count limit is fine.
    let at_limit = root.pem().repeat(cairn_core::limits::MAX_CA_BUNDLE_CERTS);
    assert!(CaBundle::from_pem(at_limit.as_bytes()).is_ok());
}

#[test]
fn malformed_leaves_intermediates_and_long_chains_fail_the_build() {
    let (root, int, leaf) = pki();
    let anchors = bundle(&[&root]);
    assert_fails_on(&verify_chain(b"junk", &[], &anchors, AT), "chain.build");
    assert_fails_on(
        &verify_chain(&leaf.der, &[b"junk".to_vec()], &anchors, AT),
        "chain.build",
    );
    let too_many = vec![int.der.clone(); cairn_core::limits::MAX_SUPPLIED_INTERMEDIATES + 1];
    assert_fails_on(
        &verify_chain(&leaf.der, &too_many, &anchors, AT),
        "chain.build",
    );
    // A path of 9 certificates (7 intermediates) is longer than allowed; 8 is fine.
    let chain_of = |intermediates: usize| {
        let mut cas = vec![self_signed(ca_params("Deep Root", None), P256)];
        for i in 0..intermediates {
            let ca = issued(
                ca_params(&format!("Deep CA {i}"), None),
                P256,
                cas.last().unwrap(),
            );
            cas.push(ca);
        }
        let leaf = issued(leaf_params("deep leaf"), P256, cas.last().unwrap());
        let supplied: Vec<Vec<u8>> = cas[1..].iter().rev().map(|c| c.der.clone()).collect();
        verify_chain(&leaf.der, &supplied, &bundle(&[&cas[0]]), AT)
    };
    assert_eq!(chain_of(6).verdict(), Verdict::Pass);
    assert_fails_on(&chain_of(7), "chain.build");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let (root, int, leaf) = pki();
    let anchors = bundle(&[&root]);
    // Every truncation and many single-byte flips of real certificates.
    for der in [&leaf.der, &int.der] {
        for cut in 0..der.len() {
            let _ = verify_chain(&der[..cut], std::slice::from_ref(&int.der), &anchors, AT);
        }
        for i in (0..der.len()).step_by(7) {
            let mut bad = der.clone();
            bad[i] ^= 0xff;
            let report = verify_chain(&bad, std::slice::from_ref(&int.der), &anchors, AT);
            if der == &leaf.der && report.verdict() == Verdict::Pass {
                // Only bytes outside what is signed may change (none here): never a pass.
                panic!("flipping byte {i} of the leaf still verifies");
            }
            let _ =
                CaBundle::from_pem(cairn_core::keys::encode_pem("CERTIFICATE", &bad).as_bytes());
        }
    }
}

fn statement() -> Statement {
    Statement::new_v1(
        vec![Subject {
            name: "registry.example/acme/web".into(),
            digests: vec![Digest::sha256_of(b"image")],
            other_digests: vec![],
        }],
        cairn_core::predicate::SLSA_PROVENANCE_V1,
        serde_json::json!({}),
    )
}

fn signing_key(cert: &Cert) -> SigningKey {
    let rng = ring::rand::SystemRandom::new();
    SigningKey::from_pkcs8(&cert.key.serialize_der(), &rng).unwrap()
}

#[test]
fn a_dsse_envelope_signed_by_a_chained_leaf_verifies() {
    let (root, int, leaf) = pki();
    let anchors = bundle(&[&root]);
    let rng = ring::rand::SystemRandom::new();
    let envelope = sign_statement(&statement(), &signing_key(&leaf), &rng).unwrap();
    let report = verify_envelope_with_chain(
        &envelope,
        &leaf.der,
        std::slice::from_ref(&int.der),
        &anchors,
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    assert_eq!(report.failure_code(), None);
    assert_eq!(report.statement.unwrap(), statement());
    assert_eq!(report.identity.unwrap().emails, ["release@acme.example"]);
    let names: Vec<&str> = report.checks.iter().map(|c| c.check).collect();
    assert!(names.starts_with(&["chain.build"]));
    assert!(names.ends_with(&[
        "dsse.envelope",
        "dsse.signature",
        "statement.payloadType",
        "statement.parse"
    ]));

    // Signed by another key than the certificate's: signature_invalid, payload not read.
    let stranger = issued(leaf_params("stranger"), P256, &int);
    let forged = sign_statement(&statement(), &signing_key(&stranger), &rng).unwrap();
    let report = verify_envelope_with_chain(
        &forged,
        &leaf.der,
        std::slice::from_ref(&int.der),
        &anchors,
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(report.failure_code(), Some(Code::SignatureInvalid));
    assert!(report.statement.is_none());

    // A valid signature by an untrusted certificate: untrusted_certificate, payload not read.
    let report = verify_envelope_with_chain(
        &envelope,
        &leaf.der,
        std::slice::from_ref(&int.der),
        &bundle(&[&stranger_root()]),
        AT,
    );
    assert_eq!(report.failure_code(), Some(Code::UntrustedCertificate));
    assert!(report.statement.is_none());
    let sig = report
        .checks
        .iter()
        .find(|c| c.check == "dsse.signature")
        .unwrap();
    assert_eq!(
        sig.result,
        Outcome::Pass,
        "the signature itself is fine: {sig:?}"
    );
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.check == "statement.parse" && c.result == Outcome::Skipped)
    );

    // A second signature by someone else does not reject the envelope.
    let mut cosigned = envelope.clone();
    cosigned.signatures.insert(0, forged.signatures[0].clone());
    let report = verify_envelope_with_chain(
        &cosigned,
        &leaf.der,
        std::slice::from_ref(&int.der),
        &anchors,
        AT,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:#?}", report.checks);
    let other = report
        .checks
        .iter()
        .find(|c| c.subject.as_deref() == Some("signature 1"))
        .unwrap();
    assert_eq!(other.result, Outcome::Skipped);
}

fn stranger_root() -> Cert {
    self_signed(ca_params("Stranger Root", None), P256)
}

#[test]
fn fulcio_claims_are_read_from_a_real_github_certificate() {
    let path = shared::testdata_dir()
        .join("sigstore-conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let der = cairn_core::encoding::decode_base64(
        bundle["verificationMaterial"]["certificate"]["rawBytes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let id = CertIdentity::from_der(&der).unwrap();
    assert_eq!(id.subject, "");
    assert_eq!(
        id.uris,
        [
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
        ]
    );
    let c = &id.fulcio;
    let expect = [
        (
            FulcioClaim::Issuer,
            "https://token.actions.githubusercontent.com",
        ),
        (FulcioClaim::GithubWorkflowTrigger, "workflow_dispatch"),
        (
            FulcioClaim::GithubWorkflowSha,
            "c7b3dfb335f051e1c86bda4c716fac97df62ad81",
        ),
        (
            FulcioClaim::GithubWorkflowName,
            "Extremely dangerous OIDC beacon",
        ),
        (
            FulcioClaim::GithubWorkflowRepository,
            "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
        ),
        (FulcioClaim::GithubWorkflowRef, "refs/heads/main"),
        (
            FulcioClaim::BuildSignerUri,
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
        ),
        (
            FulcioClaim::BuildSignerDigest,
            "c7b3dfb335f051e1c86bda4c716fac97df62ad81",
        ),
        (FulcioClaim::RunnerEnvironment, "github-hosted"),
        (
            FulcioClaim::SourceRepositoryUri,
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon",
        ),
        (
            FulcioClaim::SourceRepositoryDigest,
            "c7b3dfb335f051e1c86bda4c716fac97df62ad81",
        ),
        (FulcioClaim::SourceRepositoryRef, "refs/heads/main"),
        (FulcioClaim::SourceRepositoryIdentifier, "632596897"),
        (
            FulcioClaim::SourceRepositoryOwnerUri,
            "https://github.com/sigstore-conformance",
        ),
        (FulcioClaim::SourceRepositoryOwnerIdentifier, "131804563"),
        (
            FulcioClaim::BuildConfigUri,
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
        ),
        (
            FulcioClaim::BuildConfigDigest,
            "c7b3dfb335f051e1c86bda4c716fac97df62ad81",
        ),
        (FulcioClaim::BuildTrigger, "workflow_dispatch"),
        (
            FulcioClaim::RunInvocationUri,
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/actions/runs/8347481628/attempts/1",
        ),
        (FulcioClaim::SourceRepositoryVisibility, "public"),
    ];
    for (claim, value) in expect {
        assert_eq!(c.get(claim).as_deref(), Some(value), "{claim}");
    }
    // The legacy extensions, raw bytes, are read too.
    assert_eq!(
        c.issuer_v1.as_deref(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(
        c.github_workflow_repository_v1.as_deref(),
        Some("sigstore-conformance/extremely-dangerous-public-oidc-beacon")
    );
    assert_eq!(c.deployment_environment, None);
    assert_eq!(
        expect.len() + 1,
        FulcioClaim::ALL.len(),
        "every claim but deploymentEnvironment is asserted"
    );
}

/// 2030-01-01T00:00:00Z, inside the RSA fixtures' validity.
const AT_RSA: i64 = 1_893_456_000_000;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/x509")
        .join(name);
    let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    cairn_core::keys::decode_pem(&pem).unwrap().1
}

#[test]
fn rsa_pkcs1_and_pss_links_verify_and_weak_parameters_do_not() {
    let root = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/x509/rsa-root.pem"),
    )
    .unwrap();
    let anchors = CaBundle::from_pem(&root).unwrap();
    for (leaf, algorithm) in [
        ("rsa-pss-leaf.pem", "rsa-pss-sha256"),
        ("rsa-pkcs1-sha384-leaf.pem", "rsa-pkcs1v15-sha384"),
    ] {
        let report = verify_chain(&fixture(leaf), &[], &anchors, AT_RSA);
        assert_eq!(
            report.verdict(),
            Verdict::Pass,
            "{leaf}: {:#?}",
            report.checks
        );
        assert!(
            report.checks[1].detail.contains(algorithm),
            "{}",
            report.checks[1].detail
        );
        assert_eq!(report.identity.unwrap().emails, ["rsa-signed@acme.example"]);
    }
    for (leaf, why) in [
        ("rsa-pss-salt20-leaf.pem", "salt length"),
        (
            "rsa-sha1-leaf.pem",
            "unsupported signature algorithm 1.2.840.113549.1.1.5",
        ),
    ] {
        let report = verify_chain(&fixture(leaf), &[], &anchors, AT_RSA);
        assert_fails_on(&report, "chain.signature");
        assert!(
            report.checks[1].detail.contains(why),
            "{leaf}: {}",
            report.checks[1].detail
        );
    }
}

fn shared_anchors() -> &'static CaBundle {
    static ANCHORS: std::sync::OnceLock<CaBundle> = std::sync::OnceLock::new();
    ANCHORS.get_or_init(|| bundle(&[&self_signed(ca_params("Prop Root", None), P256)]))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_bytes_never_panic_any_parser(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
        let _ = CaBundle::from_pem(&bytes);
        let _ = CaBundle::from_pem(cairn_core::keys::encode_pem("CERTIFICATE", &bytes).as_bytes());
        let _ = CertIdentity::from_der(&bytes);
        let report = verify_chain(&bytes, std::slice::from_ref(&bytes), shared_anchors(), AT);
        proptest::prop_assert_eq!(report.verdict(), Verdict::Fail);
    }
}
