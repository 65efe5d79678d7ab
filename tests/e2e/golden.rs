//! The `--output json` reports are a contract (add fields, never rename): golden files pin them.
//! Regenerate with `CAIRN_UPDATE_GOLDEN=1 cargo test -p cairn-cli --test e2e golden`.

use crate::helpers::testdata;
use std::path::Path;
use std::process::Command;

fn check_golden(name: &str, cwd: &Path, args: &[&str], expected_exit: i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .current_dir(cwd)
        .args(["--output", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(expected_exit),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actual = String::from_utf8(out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/e2e/golden")
        .join(name);
    if std::env::var_os("CAIRN_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        golden == actual,
        "{name} differs from its golden file (CAIRN_UPDATE_GOLDEN=1 to accept):\n{actual}"
    );
}

#[test]
fn verify_dsse_report_shape_is_pinned() {
    let dir = testdata("dsse/dsse-spec-vector");
    // The spec vector verifies but is no in-toto Statement: exit 1 with every check listed.
    check_golden(
        "verify-dsse-spec-vector.json",
        &dir,
        &[
            "verify-dsse",
            "--key",
            "key.pub.pem",
            "envelope.der-signature.json",
        ],
        1,
    );
}

#[test]
fn verify_bundle_report_shape_is_pinned() {
    let dir = testdata("sigstore-conformance/bundle-verify");
    check_golden(
        "verify-bundle-happy-path-v0.3.json",
        &dir,
        &[
            "verify-bundle",
            "--bundle",
            "happy-path-v0.3/bundle.sigstore.json",
            "--trusted-root",
            "../default-trust/production.trusted_root.json",
            "--certificate-identity",
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
            "--certificate-oidc-issuer",
            "https://token.actions.githubusercontent.com",
            "a.txt",
        ],
        0,
    );
}
