//! `cairn verify-bundle` with cosign's `--certificate-github-workflow-*` flags, offline, on the
//! real GitHub-issued certificate of the conformance suite's happy path.

use crate::helpers::testdata;
use std::process::Command;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

fn verify(extra: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .current_dir(testdata("sigstore-conformance/bundle-verify"))
        .args([
            "--output",
            "json",
            "verify-bundle",
            "--bundle",
            "happy-path-v0.3/bundle.sigstore.json",
            "--trusted-root",
            "../default-trust/production.trusted_root.json",
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            "https://token.actions.githubusercontent.com",
        ])
        .args(extra)
        .arg("a.txt")
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (out.status.code().unwrap_or(-1), json)
}

fn identity_check(json: &serde_json::Value) -> (String, String) {
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "certificate.identity")
        .unwrap();
    (
        check["result"].as_str().unwrap().to_owned(),
        check["detail"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn workflow_flags_match_the_certificate_claims() {
    let (code, json) = verify(&[
        "--certificate-github-workflow-trigger",
        "workflow_dispatch",
        "--certificate-github-workflow-sha",
        "c7b3dfb335f051e1c86bda4c716fac97df62ad81",
        "--certificate-github-workflow-name",
        "Extremely dangerous OIDC beacon",
        "--certificate-github-workflow-repository",
        "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
        "--certificate-github-workflow-ref",
        "refs/heads/main",
    ]);
    assert_eq!(code, 0, "{json:#}");
    let (result, detail) = identity_check(&json);
    assert_eq!(result, "pass");
    assert!(detail.contains("githubWorkflowRef"), "{detail}");
}

#[test]
fn a_mismatched_workflow_flag_fails_with_exit_1() {
    for (flag, value) in [
        ("--certificate-github-workflow-ref", "refs/heads/dev"),
        ("--certificate-github-workflow-trigger", "push"),
        ("--certificate-github-workflow-repository", "acme/web"),
        (
            "--certificate-github-workflow-sha",
            "0000000000000000000000000000000000000000",
        ),
        ("--certificate-github-workflow-name", "release"),
    ] {
        let (code, json) = verify(&[flag, value]);
        assert_eq!(code, 1, "{flag} {value}: {json:#}");
        let (result, detail) = identity_check(&json);
        assert_eq!(result, "fail", "{flag}");
        assert!(detail.contains(value), "{flag}: {detail}");
    }
}
