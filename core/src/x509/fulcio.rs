//! Fulcio's certificate extensions (OIDs `1.3.6.1.4.1.57264.1.x`, sigstore/fulcio `docs/oid-info.md`):
//! the OIDC issuer and the CI workflow claims Fulcio copies from the identity token.
//!
//! `.1`–`.6` (deprecated, GitHub-specific) hold the raw value bytes without DER framing;
//! `.8`–`.23` (provider-generic) hold a DER UTF8String. Both come from the certificate the CA
//! signed, so they are as trustworthy as its SAN once the chain verified — and not before.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use x509_parser::asn1_rs::FromDer;
use x509_parser::certificate::X509Certificate;

/// The Fulcio arc: every claim extension is `FULCIO_ARC.<n>`.
const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1.";

/// Every Fulcio claim extension of a certificate, `None` where absent (all `None` for
/// certificates Fulcio did not issue).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulcioClaims {
    /// `.1` Issuer (deprecated: raw bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_v1: Option<String>,
    /// `.2` GitHub Workflow Trigger (deprecated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_workflow_trigger_v1: Option<String>,
    /// `.3` GitHub Workflow SHA (deprecated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_workflow_sha_v1: Option<String>,
    /// `.4` GitHub Workflow Name (deprecated; no provider-generic successor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_workflow_name_v1: Option<String>,
    /// `.5` GitHub Workflow Repository (deprecated), `owner/repo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_workflow_repository_v1: Option<String>,
    /// `.6` GitHub Workflow Ref (deprecated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_workflow_ref_v1: Option<String>,
    /// `.8` Issuer (V2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `.9` Build Signer URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_signer_uri: Option<String>,
    /// `.10` Build Signer Digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_signer_digest: Option<String>,
    /// `.11` Runner Environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner_environment: Option<String>,
    /// `.12` Source Repository URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_uri: Option<String>,
    /// `.13` Source Repository Digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_digest: Option<String>,
    /// `.14` Source Repository Ref.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_ref: Option<String>,
    /// `.15` Source Repository Identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_identifier: Option<String>,
    /// `.16` Source Repository Owner URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_owner_uri: Option<String>,
    /// `.17` Source Repository Owner Identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_owner_identifier: Option<String>,
    /// `.18` Build Config URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_config_uri: Option<String>,
    /// `.19` Build Config Digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_config_digest: Option<String>,
    /// `.20` Build Trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_trigger: Option<String>,
    /// `.21` Run Invocation URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_invocation_uri: Option<String>,
    /// `.22` Source Repository Visibility At Signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_visibility: Option<String>,
    /// `.23` Deployment Environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_environment: Option<String>,
}

/// A claim an identity policy can constrain. Provider-generic claims read their V2 extension;
/// the cosign-compatible `github-workflow-*` ones read the V2 equivalent and fall back to the
/// deprecated GitHub extension only when the certificate has no V2 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FulcioClaim {
    /// `.8`, falling back to `.1`.
    Issuer,
    BuildSignerUri,
    BuildSignerDigest,
    RunnerEnvironment,
    SourceRepositoryUri,
    SourceRepositoryDigest,
    SourceRepositoryRef,
    SourceRepositoryIdentifier,
    SourceRepositoryOwnerUri,
    SourceRepositoryOwnerIdentifier,
    BuildConfigUri,
    BuildConfigDigest,
    BuildTrigger,
    RunInvocationUri,
    SourceRepositoryVisibility,
    DeploymentEnvironment,
    /// cosign `--certificate-github-workflow-trigger`: `.20` Build Trigger, else `.2`.
    GithubWorkflowTrigger,
    /// cosign `--certificate-github-workflow-sha`: `.13` Source Repository Digest, else `.3`.
    GithubWorkflowSha,
    /// cosign `--certificate-github-workflow-name`: `.4` (there is no V2 equivalent).
    GithubWorkflowName,
    /// cosign `--certificate-github-workflow-repository`, `owner/repo`: the path of `.12` Source
    /// Repository URI (`https://github.com/owner/repo` gives `owner/repo`), else `.5`.
    GithubWorkflowRepository,
    /// cosign `--certificate-github-workflow-ref`: `.14` Source Repository Ref, else `.6`.
    GithubWorkflowRef,
}

impl FulcioClaim {
    /// Every claim, for documentation and parsers.
    pub const ALL: &'static [FulcioClaim] = &[
        FulcioClaim::Issuer,
        FulcioClaim::BuildSignerUri,
        FulcioClaim::BuildSignerDigest,
        FulcioClaim::RunnerEnvironment,
        FulcioClaim::SourceRepositoryUri,
        FulcioClaim::SourceRepositoryDigest,
        FulcioClaim::SourceRepositoryRef,
        FulcioClaim::SourceRepositoryIdentifier,
        FulcioClaim::SourceRepositoryOwnerUri,
        FulcioClaim::SourceRepositoryOwnerIdentifier,
        FulcioClaim::BuildConfigUri,
        FulcioClaim::BuildConfigDigest,
        FulcioClaim::BuildTrigger,
        FulcioClaim::RunInvocationUri,
        FulcioClaim::SourceRepositoryVisibility,
        FulcioClaim::DeploymentEnvironment,
        FulcioClaim::GithubWorkflowTrigger,
        FulcioClaim::GithubWorkflowSha,
        FulcioClaim::GithubWorkflowName,
        FulcioClaim::GithubWorkflowRepository,
        FulcioClaim::GithubWorkflowRef,
    ];

    /// The claim's stable name (camelCase, as in [`FulcioClaims`]' JSON and policy documents).
    pub const fn as_str(self) -> &'static str {
        match self {
            FulcioClaim::Issuer => "issuer",
            FulcioClaim::BuildSignerUri => "buildSignerUri",
            FulcioClaim::BuildSignerDigest => "buildSignerDigest",
            FulcioClaim::RunnerEnvironment => "runnerEnvironment",
            FulcioClaim::SourceRepositoryUri => "sourceRepositoryUri",
            FulcioClaim::SourceRepositoryDigest => "sourceRepositoryDigest",
            FulcioClaim::SourceRepositoryRef => "sourceRepositoryRef",
            FulcioClaim::SourceRepositoryIdentifier => "sourceRepositoryIdentifier",
            FulcioClaim::SourceRepositoryOwnerUri => "sourceRepositoryOwnerUri",
            FulcioClaim::SourceRepositoryOwnerIdentifier => "sourceRepositoryOwnerIdentifier",
            FulcioClaim::BuildConfigUri => "buildConfigUri",
            FulcioClaim::BuildConfigDigest => "buildConfigDigest",
            FulcioClaim::BuildTrigger => "buildTrigger",
            FulcioClaim::RunInvocationUri => "runInvocationUri",
            FulcioClaim::SourceRepositoryVisibility => "sourceRepositoryVisibility",
            FulcioClaim::DeploymentEnvironment => "deploymentEnvironment",
            FulcioClaim::GithubWorkflowTrigger => "githubWorkflowTrigger",
            FulcioClaim::GithubWorkflowSha => "githubWorkflowSha",
            FulcioClaim::GithubWorkflowName => "githubWorkflowName",
            FulcioClaim::GithubWorkflowRepository => "githubWorkflowRepository",
            FulcioClaim::GithubWorkflowRef => "githubWorkflowRef",
        }
    }
}

impl fmt::Display for FulcioClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown claim name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown certificate claim {0:?}")]
pub struct UnknownClaim(pub String);

impl UnknownClaim {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

impl FromStr for FulcioClaim {
    type Err = UnknownClaim;
    fn from_str(s: &str) -> Result<Self, UnknownClaim> {
        FulcioClaim::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownClaim(crate::code::excerpt(s, 80)))
    }
}

impl FulcioClaims {
    /// Read every Fulcio claim extension of `cert`. A value that is malformed (not UTF-8, not a
    /// DER UTF8String where one is required) or whose extension appears twice stays `None`: it
    /// can never satisfy a policy.
    pub fn from_certificate(cert: &X509Certificate<'_>) -> Self {
        let mut claims = FulcioClaims::default();
        let mut seen: Vec<u32> = Vec::new();
        let mut duplicated: Vec<u32> = Vec::new();
        for ext in cert.extensions() {
            let oid = ext.oid.to_id_string();
            let Some(n) = oid
                .strip_prefix(FULCIO_ARC)
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if seen.contains(&n) {
                duplicated.push(n);
                continue;
            }
            seen.push(n);
            let value = if n <= 6 {
                std::str::from_utf8(ext.value).ok().map(str::to_owned)
            } else {
                der_utf8_string(ext.value)
            };
            if let Some(slot) = claims.slot(n) {
                *slot = value;
            }
        }
        for n in duplicated {
            if let Some(slot) = claims.slot(n) {
                *slot = None;
            }
        }
        claims
    }

    /// True when the certificate carries no Fulcio claim at all.
    pub fn is_empty(&self) -> bool {
        *self == FulcioClaims::default()
    }

    /// The value of `claim`, with the fallbacks documented on [`FulcioClaim`].
    pub fn get(&self, claim: FulcioClaim) -> Option<String> {
        let v2_or = |v2: &Option<String>, v1: &Option<String>| v2.clone().or_else(|| v1.clone());
        match claim {
            FulcioClaim::Issuer => v2_or(&self.issuer, &self.issuer_v1),
            FulcioClaim::BuildSignerUri => self.build_signer_uri.clone(),
            FulcioClaim::BuildSignerDigest => self.build_signer_digest.clone(),
            FulcioClaim::RunnerEnvironment => self.runner_environment.clone(),
            FulcioClaim::SourceRepositoryUri => self.source_repository_uri.clone(),
            FulcioClaim::SourceRepositoryDigest => self.source_repository_digest.clone(),
            FulcioClaim::SourceRepositoryRef => self.source_repository_ref.clone(),
            FulcioClaim::SourceRepositoryIdentifier => self.source_repository_identifier.clone(),
            FulcioClaim::SourceRepositoryOwnerUri => self.source_repository_owner_uri.clone(),
            FulcioClaim::SourceRepositoryOwnerIdentifier => {
                self.source_repository_owner_identifier.clone()
            }
            FulcioClaim::BuildConfigUri => self.build_config_uri.clone(),
            FulcioClaim::BuildConfigDigest => self.build_config_digest.clone(),
            FulcioClaim::BuildTrigger => self.build_trigger.clone(),
            FulcioClaim::RunInvocationUri => self.run_invocation_uri.clone(),
            FulcioClaim::SourceRepositoryVisibility => self.source_repository_visibility.clone(),
            FulcioClaim::DeploymentEnvironment => self.deployment_environment.clone(),
            FulcioClaim::GithubWorkflowTrigger => {
                v2_or(&self.build_trigger, &self.github_workflow_trigger_v1)
            }
            FulcioClaim::GithubWorkflowSha => {
                v2_or(&self.source_repository_digest, &self.github_workflow_sha_v1)
            }
            FulcioClaim::GithubWorkflowName => self.github_workflow_name_v1.clone(),
            FulcioClaim::GithubWorkflowRepository => match &self.source_repository_uri {
                Some(uri) => uri_path(uri),
                None => self.github_workflow_repository_v1.clone(),
            },
            FulcioClaim::GithubWorkflowRef => {
                v2_or(&self.source_repository_ref, &self.github_workflow_ref_v1)
            }
        }
    }

    fn slot(&mut self, n: u32) -> Option<&mut Option<String>> {
        Some(match n {
            1 => &mut self.issuer_v1,
            2 => &mut self.github_workflow_trigger_v1,
            3 => &mut self.github_workflow_sha_v1,
            4 => &mut self.github_workflow_name_v1,
            5 => &mut self.github_workflow_repository_v1,
            6 => &mut self.github_workflow_ref_v1,
            8 => &mut self.issuer,
            9 => &mut self.build_signer_uri,
            10 => &mut self.build_signer_digest,
            11 => &mut self.runner_environment,
            12 => &mut self.source_repository_uri,
            13 => &mut self.source_repository_digest,
            14 => &mut self.source_repository_ref,
            15 => &mut self.source_repository_identifier,
            16 => &mut self.source_repository_owner_uri,
            17 => &mut self.source_repository_owner_identifier,
            18 => &mut self.build_config_uri,
            19 => &mut self.build_config_digest,
            20 => &mut self.build_trigger,
            21 => &mut self.run_invocation_uri,
            22 => &mut self.source_repository_visibility,
            23 => &mut self.deployment_environment,
            _ => return None,
        })
    }
}

/// A whole DER UTF8String (tag 0x0C), nothing after it.
fn der_utf8_string(der: &[u8]) -> Option<String> {
    match x509_parser::asn1_rs::Utf8String::from_der(der) {
        Ok(([], s)) => Some(s.string()),
        _ => None,
    }
}

/// `scheme://host/owner/repo` -> `owner/repo` (GitHub's `repository` claim form).
fn uri_path(uri: &str) -> Option<String> {
    let (_, after_scheme) = uri.split_once("://")?;
    let (_, path) = after_scheme.split_once('/')?;
    let path = path.trim_end_matches('/');
    (!path.is_empty()).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for claim in FulcioClaim::ALL {
            assert_eq!(claim.as_str().parse::<FulcioClaim>(), Ok(*claim));
            assert!(seen.insert(claim.as_str()));
        }
        assert!("nope".parse::<FulcioClaim>().is_err());
    }

    #[test]
    fn repository_is_the_path_of_the_source_uri() {
        assert_eq!(
            uri_path("https://github.com/acme/web").as_deref(),
            Some("acme/web")
        );
        assert_eq!(uri_path("https://github.com/").as_deref(), None);
        assert_eq!(uri_path("acme/web").as_deref(), None);
    }

    #[test]
    fn v2_claims_win_and_legacy_ones_fill_in() {
        let mut claims = FulcioClaims {
            github_workflow_ref_v1: Some("refs/heads/old".into()),
            github_workflow_repository_v1: Some("acme/legacy".into()),
            ..FulcioClaims::default()
        };
        assert_eq!(
            claims.get(FulcioClaim::GithubWorkflowRef).as_deref(),
            Some("refs/heads/old")
        );
        assert_eq!(
            claims.get(FulcioClaim::GithubWorkflowRepository).as_deref(),
            Some("acme/legacy")
        );
        claims.source_repository_ref = Some("refs/heads/main".into());
        claims.source_repository_uri = Some("https://github.com/acme/web".into());
        assert_eq!(
            claims.get(FulcioClaim::GithubWorkflowRef).as_deref(),
            Some("refs/heads/main")
        );
        assert_eq!(
            claims.get(FulcioClaim::GithubWorkflowRepository).as_deref(),
            Some("acme/web")
        );
        assert!(!claims.is_empty());
        assert!(FulcioClaims::default().is_empty());
    }

    #[test]
    fn der_strings_must_be_whole_utf8strings() {
        assert_eq!(der_utf8_string(b"\x0c\x02ok").as_deref(), Some("ok"));
        assert_eq!(der_utf8_string(b"\x0c\x02ok!"), None);
        assert_eq!(der_utf8_string(b"\x13\x02ok"), None);
        assert_eq!(der_utf8_string(b"ok"), None);
    }
}
