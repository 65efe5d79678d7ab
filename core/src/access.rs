//! Access control vocabulary: roles, what a route requires, API token secrets and writer scopes.
//!
//! A token is `cairn_<id>_<secret>`: `id` is 16 lowercase hex characters (public, used to find
//! the stored record), `secret` is 32 random bytes (256 bits) in unpadded base64url. Only
//! SHA-256 of the secret is stored; presented secrets are compared with it in constant time.

use crate::encoding;
use ring::digest;
use ring::rand::SecureRandom;
use std::fmt;
use std::str::FromStr;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Reads artifacts, attestations, SBOMs, verdicts and the log.
    Reader,
    /// Reader + audit history and events.
    Auditor,
    /// Pushes attestations and SBOMs (optionally only for some image names); reads nothing.
    Writer,
    /// Everything, including keys, trust roots, policies and tokens.
    Admin,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Reader, Role::Auditor, Role::Writer, Role::Admin];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Auditor => "auditor",
            Role::Writer => "writer",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may use a route that requires `access`.
    pub const fn allows(self, access: Access) -> bool {
        match access {
            Access::Public => true,
            Access::Read => matches!(self, Role::Reader | Role::Auditor | Role::Admin),
            Access::Audit => matches!(self, Role::Auditor | Role::Admin),
            Access::Write => matches!(self, Role::Writer | Role::Admin),
            Access::Admin => matches!(self, Role::Admin),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role must be one of reader, auditor, writer, admin (got {0:?})")]
pub struct RoleError(String);

impl RoleError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, RoleError> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleError(crate::code::excerpt(s, 40)))
    }
}

/// What a route requires of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// No token needed (health checks, the OpenAPI document).
    Public,
    Read,
    Audit,
    Write,
    Admin,
}

impl Access {
    /// The roles that satisfy this requirement, for error messages and documentation.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| r.allows(self))
            .collect()
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Read => "read",
            Access::Audit => "audit",
            Access::Write => "write",
            Access::Admin => "admin",
        }
    }
}

const PREFIX: &str = "cairn_";
const ID_HEX: usize = 16;
const SECRET_BYTES: usize = 32;

/// A token as presented by a client (or just generated). Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct TokenSecret {
    id: String,
    secret: [u8; SECRET_BYTES],
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSecret")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token (expected cairn_<16 hex>_<43 base64url characters>)")]
    Malformed,
    #[error("the system random number generator failed")]
    Random,
}

impl TokenError {
    pub fn code(&self) -> crate::Code {
        match self {
            TokenError::Malformed => crate::Code::Unauthorized,
            TokenError::Random => crate::Code::Internal,
        }
    }
}

impl TokenSecret {
    /// A fresh token: 64 random bits of id, 256 random bits of secret.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, TokenError> {
        let mut id = [0u8; ID_HEX / 2];
        let mut secret = [0u8; SECRET_BYTES];
        rng.fill(&mut id).map_err(|_| TokenError::Random)?;
        rng.fill(&mut secret).map_err(|_| TokenError::Random)?;
        Ok(Self {
            id: hex::encode(id),
            secret,
        })
    }

    /// The public identifier (safe to log and show).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the server stores: SHA-256 of the secret.
    pub fn verifier(&self) -> [u8; 32] {
        let d = digest::digest(&digest::SHA256, &self.secret);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    /// Constant-time comparison of this secret's verifier with a stored one.
    pub fn matches(&self, stored_verifier: &[u8]) -> bool {
        let ours = self.verifier();
        if stored_verifier.len() != ours.len() {
            return false;
        }
        ours.iter()
            .zip(stored_verifier)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// The full token string, to show once to its owner.
    pub fn reveal(&self) -> String {
        format!(
            "{PREFIX}{}_{}",
            self.id,
            encoding::base64url_nopad(&self.secret)
        )
    }
}

impl FromStr for TokenSecret {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, TokenError> {
        let rest = s.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
        let (id, secret) = rest.split_once('_').ok_or(TokenError::Malformed)?;
        if id.len() != ID_HEX
            || !id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(TokenError::Malformed);
        }
        let bytes = encoding::base64url_nopad_decode(secret).ok_or(TokenError::Malformed)?;
        let secret: [u8; SECRET_BYTES] = bytes.try_into().map_err(|_| TokenError::Malformed)?;
        Ok(Self {
            id: id.to_owned(),
            secret,
        })
    }
}

/// An image-name prefix a writer token is limited to, e.g. `acme/web` or `ghcr.io/acme/`.
///
/// A scope permits a repository name equal to it, or one that continues it at a path boundary:
/// `acme/web` permits `acme/web` and `acme/web/worker`, not `acme/webapp` or `acme/api`.
/// A scope that ends in `/` permits everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {0:?}: expected an image name prefix such as acme/web or ghcr.io/acme/")]
pub struct ScopeError(String);

impl ScopeError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

impl FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, ScopeError> {
        let ok = !s.is_empty()
            && s.len() <= 255
            && !s.starts_with('/')
            && !s.contains("//")
            && s.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'.' | b'_' | b'-' | b'/' | b':')
            });
        if ok {
            Ok(Scope(s.to_owned()))
        } else {
            Err(ScopeError(crate::code::excerpt(s, 80)))
        }
    }
}

impl Scope {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn permits(&self, repository: &str) -> bool {
        if self.0.ends_with('/') {
            return repository.starts_with(&self.0);
        }
        match repository.strip_prefix(&self.0) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn tokens_round_trip_and_compare() {
        let t = TokenSecret::generate(&SystemRandom::new()).unwrap();
        let text = t.reveal();
        assert!(text.starts_with("cairn_"));
        assert_eq!(text.len(), 6 + 16 + 1 + 43);
        let parsed: TokenSecret = text.parse().unwrap();
        assert_eq!(parsed.id(), t.id());
        assert!(parsed.matches(&t.verifier()));
        let other = TokenSecret::generate(&SystemRandom::new()).unwrap();
        assert!(!parsed.matches(&other.verifier()));
        assert!(!parsed.matches(&[]));
        assert!(!format!("{parsed:?}").contains(&text[23..]));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let good = TokenSecret::generate(&SystemRandom::new())
            .unwrap()
            .reveal();
        let bad = [
            String::new(),
            "cairn_".into(),
            good.replace("cairn_", "cairm_"),
            good[..good.len() - 1].to_string(),
            format!("{good}A"),
            good.to_uppercase(),
            "cairn_0123456789abcdef_!!!!".into(),
        ];
        for b in bad {
            assert_eq!(
                b.parse::<TokenSecret>().unwrap_err(),
                TokenError::Malformed,
                "{b}"
            );
        }
    }

    #[test]
    fn role_access_matrix() {
        use Access::*;
        assert!(Role::Reader.allows(Read) && !Role::Reader.allows(Audit));
        assert!(!Role::Reader.allows(Write) && !Role::Reader.allows(Admin));
        assert!(Role::Auditor.allows(Read) && Role::Auditor.allows(Audit));
        assert!(!Role::Auditor.allows(Write));
        assert!(Role::Writer.allows(Write) && !Role::Writer.allows(Read));
        assert!(Role::Admin.allows(Admin) && Role::Admin.allows(Write));
        assert!(Role::ALL.iter().all(|r| r.allows(Public)));
        assert_eq!("auditor".parse::<Role>().unwrap(), Role::Auditor);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn scopes_match_at_path_boundaries() {
        let web: Scope = "acme/web".parse().unwrap();
        assert!(web.permits("acme/web"));
        assert!(web.permits("acme/web/worker"));
        assert!(!web.permits("acme/webapp"));
        assert!(!web.permits("acme/api"));
        assert!(!web.permits("ghcr.io/acme/web"));
        let org: Scope = "ghcr.io/acme/".parse().unwrap();
        assert!(org.permits("ghcr.io/acme/web"));
        assert!(!org.permits("ghcr.io/acmecorp/web"));
        for bad in ["", "/acme", "Acme/web", "acme//web", "acme web"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }
}
