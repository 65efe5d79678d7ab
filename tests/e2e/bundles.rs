//! Sigstore bundles posted to the server: keyless (public-good root, or a registered Sigstore
//! trust root), managed keys, and DSSE bundles signed under a registered X.509 CA bundle.

use crate::helpers::{backends, spawn_app, testdata};
use ring::rand::SystemRandom;

const CASES: &str = "sigstore-conformance/bundle-verify";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SAN: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

fn case(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(&format!("{CASES}/{rel}"))).unwrap()
}

async fn post(app: &crate::helpers::TestApp, body: Vec<u8>) -> (u16, serde_json::Value) {
    let r = app
        .http()
        .post(format!("{}/v1/attestations", app.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn register_root(
    app: &crate::helpers::TestApp,
    name: &str,
    kind: &str,
    document: &str,
) -> (u16, serde_json::Value) {
    let r = app
        .http()
        .post(format!("{}/v1/trust-roots", app.base_url))
        .json(&serde_json::json!({"name": name, "kind": kind, "document": document}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_and_key_signed_bundles_are_verified_and_indexed() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        // Keyless DSSE bundle under the public-good root: indexed by its Statement's subjects,
        // the proven identity recorded as the signer.
        let (status, v) = post(
            &app,
            case("happy-path-intoto-in-dsse-v3/bundle.sigstore.json"),
        )
        .await;
        assert_eq!(status, 201, "{l}: {v}");
        let a = &v["attestations"][0];
        assert_eq!(
            a["signers"][0]["name"],
            format!("keyless {ISSUER} {SAN}"),
            "{l}: {v}"
        );
        assert!(a["logEntry"]["logIndex"].is_u64());
        let subject = a["subjects"][0]["digest"].as_str().unwrap().to_owned();
        let listed = app
            .get(&format!("/v1/artifacts/{subject}/attestations"))
            .await;
        let listed: serde_json::Value = listed.json().await.unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{l}");

        // A message signature is a signature over its digest.
        let (status, v) = post(&app, case("happy-path-v0.3/bundle.sigstore.json")).await;
        assert_eq!(status, 201, "{l}: {v}");
        let a = &v["attestations"][0];
        assert_eq!(a["predicateType"], "https://cairn.dev/signature/v1");
        assert_eq!(
            a["subjects"][0]["digest"],
            "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
        );

        // A custom Sigstore root: refused until registered, then accepted.
        let custom = "intoto-with-custom-trust-root";
        let (status, v) = post(&app, case(&format!("{custom}/bundle.sigstore.json"))).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some("untrusted_certificate")),
            "{l}: {v}"
        );
        let root = String::from_utf8(case(&format!("{custom}/trusted_root.json"))).unwrap();
        let (status, v) = register_root(&app, "conformance", "sigstore", &root).await;
        assert_eq!(status, 201, "{l}: {v}");
        assert!(v["logEntry"]["logIndex"].is_u64());
        let (status, v) = post(&app, case(&format!("{custom}/bundle.sigstore.json"))).await;
        assert_eq!(status, 201, "{l}: {v}");

        // A bundle that must fail verification is refused, nothing stored.
        let (status, v) = post(
            &app,
            case("invalid-checkpoint-signature_fail/bundle.sigstore.json"),
        )
        .await;
        assert_eq!(status, 422, "{l}: {v}");

        // A managed-key bundle: unknown signer until the key is registered.
        let managed = "managed-key-happy-path";
        let (status, v) = post(&app, case(&format!("{managed}/bundle.sigstore.json"))).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some("unknown_signer")),
            "{l}: {v}"
        );
        std::fs::write(app.path("managed.pub"), case(&format!("{managed}/key.pub"))).unwrap();
        app.cairn(&["key", "register", "--name", "managed", "managed.pub"])
            .ok();
        let (status, v) = post(&app, case(&format!("{managed}/bundle.sigstore.json"))).await;
        assert_eq!(status, 201, "{l}: {v}");
        assert_eq!(v["attestations"][0]["signers"][0]["name"], "managed");

        // Bad trust roots are refused with a code.
        let (status, v) = register_root(&app, "junk", "sigstore", "{}").await;
        assert_eq!(
            (status, v["code"].as_str()),
            (400, Some("invalid_request")),
            "{l}: {v}"
        );
        let (status, v) = register_root(&app, "junk", "x509", "not pem").await;
        assert_eq!(status, 422, "{l}: {v}");
        let (status, _) = register_root(&app, "conformance", "sigstore", "{\"x\":1}").await;
        assert_eq!(status, 400, "{l}");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dsse_bundles_signed_under_a_registered_ca_are_accepted() {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let now = time::OffsetDateTime::now_utc();
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "Acme Code Signing Root");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(365);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name
        .push(DnType::CommonName, "acme release pipeline");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    leaf.not_before = now - time::Duration::days(1);
    leaf.not_after = now + time::Duration::days(30);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    // A DSSE envelope signed by the leaf's key, in a bundle carrying the certificate.
    let signing =
        cairn_core::keys::SigningKey::from_pkcs8(&leaf_key.serialize_der(), &SystemRandom::new())
            .unwrap();
    let digest = cairn_core::Digest::sha256_of(b"enterprise image");
    let statement = cairn_core::statement::Statement::new_v1(
        vec![cairn_core::statement::Subject {
            name: "registry.example/acme/web".into(),
            digests: vec![digest.clone()],
            other_digests: vec![],
        }],
        cairn_core::predicate::SLSA_PROVENANCE_V1,
        serde_json::json!({"buildDefinition": {"buildType": "https://acme.example/build"}}),
    );
    let envelope =
        cairn_core::attestation::sign_statement(&statement, &signing, &SystemRandom::new())
            .unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&envelope.to_json()).unwrap();
    let b64 = |der: &[u8]| cairn_core::encoding::encode_base64(der);
    let bundle = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"x509CertificateChain": {"certificates": [
            {"rawBytes": b64(leaf_cert.der())}]}, "tlogEntries": []},
        "dsseEnvelope": envelope,
    })
    .to_string();
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        let (status, v) = post(&app, bundle.clone().into_bytes()).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some("untrusted_certificate")),
            "{l}: {v}"
        );
        let (status, v) = register_root(&app, "acme-pki", "x509", &ca_cert.pem()).await;
        assert_eq!(status, 201, "{l}: {v}");
        assert_eq!(v["subjects"][0], "CN=Acme Code Signing Root", "{l}: {v}");
        let (status, v) = post(&app, bundle.clone().into_bytes()).await;
        assert_eq!(status, 201, "{l}: {v}");
        assert_eq!(
            v["attestations"][0]["signers"][0]["name"], "x509 CN=acme release pipeline",
            "{l}: {v}"
        );
        assert_eq!(
            v["attestations"][0]["signers"][1]["name"], "x509-ca acme-pki",
            "{l}: the CA bundle that verified it is recorded for policies"
        );
        let (_, listed, _) = app.cairn_json(&["attestations", &digest.to_string()]);
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{l}");
        app.stop().await;
    }
}
