//! Policy documents to [`Policy`]: YAML or JSON into one generic tree (duplicate keys and deep
//! nesting refused), then a typed walk that knows the path of every field, so every error says
//! where it is (`rules[2].attestation.maxAge: …`) and every unknown field is an error.

use super::{
    AttestationRule, ChainRule, DeniedComponent, Matcher, Policy, PolicyError, PolicyFormat, Rule,
    RuleKind, SbomRule, Select, SignatureRule, SignerSpec, Signers, SlsaConstraints,
};
use crate::code::excerpt;
use crate::limits;
use crate::purl::Purl;
use crate::time::Span;
use crate::vers::{Scheme, VersionRange};
use crate::x509::FulcioClaim;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Parse and validate a policy document.
pub fn parse_policy(bytes: &[u8], format: PolicyFormat) -> Result<Policy, PolicyError> {
    if bytes.len() > limits::MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge {
            size: bytes.len(),
            max: limits::MAX_POLICY_BYTES,
        });
    }
    let value = match format {
        PolicyFormat::Json => parse_json(bytes)?,
        PolicyFormat::Yaml => parse_yaml(bytes)?,
    };
    if depth_of(&value) > limits::MAX_POLICY_NESTING {
        return Err(invalid(
            "",
            format!(
                "the document nests deeper than {} levels",
                limits::MAX_POLICY_NESTING
            ),
        ));
    }
    policy(&At::root(&value))
}

fn syntax(format: PolicyFormat, detail: impl fmt::Display) -> PolicyError {
    PolicyError::Syntax {
        format,
        detail: excerpt(&detail.to_string(), 300),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, PolicyError> {
    // serde_json stops at 128 levels of recursion before `StrictValue` could go deeper.
    serde_json::from_slice::<StrictValue>(bytes)
        .map(|v| v.0)
        .map_err(|e| syntax(PolicyFormat::Json, e))
}

fn parse_yaml(bytes: &[u8]) -> Result<Value, PolicyError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits::MAX_POLICY_NESTING;
    budget.max_documents = 1;
    budget.max_nodes = 200_000;
    budget.max_aliases = 64;
    budget.max_anchors = 64;
    budget.max_total_scalar_bytes = limits::MAX_POLICY_BYTES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    // YAML 1.2 booleans only: `no` is the string "no", never false (the "Norway problem").
    options.strict_booleans = true;
    options.with_snippet = false;
    serde_saphyr::from_slice_with_options::<StrictValue>(bytes, options)
        .map(|v| v.0)
        .map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
                .unwrap_or_default();
            let message = e.to_string();
            let first_line = message.lines().next().unwrap_or("");
            syntax(PolicyFormat::Yaml, format!("{first_line}{at}"))
        })
}

/// Nesting depth of a tree, computed without recursion.
fn depth_of(value: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    max
}

/// A JSON tree that refuses duplicate keys: two parsers must never disagree about what a
/// policy says, and "last key wins" is a place to hide a weaker rule.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<StrictValue, E> {
        serde_json::Number::from_f64(v)
            .map(|n| StrictValue(Value::Number(n)))
            .ok_or_else(|| E::custom("non-finite numbers are not accepted"))
    }
    fn visit_str<E>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_none<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
        StrictValue::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(StrictValue(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key {:?}",
                    excerpt(&key, 64)
                )));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(StrictValue(Value::Object(out)))
    }
}

fn invalid(path: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// A value and where it is in the document.
struct At<'a> {
    v: &'a Value,
    path: String,
}

impl<'a> At<'a> {
    fn root(v: &'a Value) -> Self {
        At {
            v,
            path: String::new(),
        }
    }

    fn field(&self, key: &str, v: &'a Value) -> At<'a> {
        let path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        At { v, path }
    }

    fn err(&self, message: impl Into<String>) -> PolicyError {
        invalid(&self.path, message)
    }

    fn kind(&self) -> &'static str {
        match self.v {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a map",
        }
    }

    /// A map whose keys are all among `allowed`.
    fn object(&self, allowed: &[&str]) -> Result<Obj<'a>, PolicyError> {
        let Value::Object(map) = self.v else {
            return Err(self.err(format!("expected a map, found {}", self.kind())));
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(self.err(format!(
                "unknown field {:?} (expected one of: {})",
                excerpt(unknown, 64),
                allowed.join(", ")
            )));
        }
        Ok(Obj {
            map,
            path: self.path.clone(),
        })
    }

    /// A non-empty string of at most [`limits::MAX_POLICY_STRING_CHARS`], without control
    /// characters.
    fn string(&self) -> Result<String, PolicyError> {
        let Value::String(s) = self.v else {
            return Err(self.err(format!("expected a string, found {}", self.kind())));
        };
        if s.is_empty() {
            return Err(self.err("must not be empty"));
        }
        if s.len() > limits::MAX_POLICY_STRING_CHARS {
            return Err(self.err(format!(
                "is longer than {} characters",
                limits::MAX_POLICY_STRING_CHARS
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(self.err("must not contain control characters"));
        }
        Ok(s.clone())
    }

    fn boolean(&self) -> Result<bool, PolicyError> {
        match self.v {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.err(format!("expected true or false, found {}", self.kind()))),
        }
    }

    fn u32(&self) -> Result<u32, PolicyError> {
        self.v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                self.err(format!(
                    "expected a whole number, found {}",
                    if self.v.is_number() {
                        "a negative, fractional or huge number"
                    } else {
                        self.kind()
                    }
                ))
            })
    }

    /// A list of at most `max` items.
    fn list(&self, max: usize) -> Result<Vec<At<'a>>, PolicyError> {
        let Value::Array(items) = self.v else {
            return Err(self.err(format!("expected a list, found {}", self.kind())));
        };
        if items.len() > max {
            return Err(self.err(format!(
                "has {} entries; at most {max} are accepted",
                items.len()
            )));
        }
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| At {
                v,
                path: format!("{}[{i}]", self.path),
            })
            .collect())
    }
}

/// A map being read: fields are taken by name; `null` counts as a missing value, which is an
/// error (a YAML `maxAge:` with nothing after it must not silently drop a constraint).
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn at(&self) -> At<'a> {
        At {
            v: &Value::Null,
            path: self.path.clone(),
        }
    }

    fn opt(&self, key: &str) -> Result<Option<At<'a>>, PolicyError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => {
                let at = self.at().field(key, v);
                if v.is_null() {
                    Err(at.err("has no value"))
                } else {
                    Ok(Some(at))
                }
            }
        }
    }

    fn req(&self, key: &str) -> Result<At<'a>, PolicyError> {
        self.opt(key)?
            .ok_or_else(|| invalid(&self.path, format!("missing required field {key:?}")))
    }

    fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn err(&self, message: impl Into<String>) -> PolicyError {
        invalid(&self.path, message)
    }
}

fn policy(root: &At<'_>) -> Result<Policy, PolicyError> {
    let obj = root.object(&["name", "description", "rules"])?;
    let name_at = obj.req("name")?;
    let name = name_at.string()?;
    if !Policy::is_valid_name(&name) {
        return Err(name_at.err(
            "a policy name is 1-128 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    let description = obj.opt("description")?.map(|d| d.string()).transpose()?;
    let rules_at = obj.req("rules")?;
    let items = rules_at.list(limits::MAX_POLICY_RULES)?;
    if items.is_empty() {
        return Err(rules_at.err(
            "a policy needs at least one rule (a policy without rules would pass everything)",
        ));
    }
    let mut rules: Vec<Rule> = Vec::with_capacity(items.len());
    for item in &items {
        let r = rule(item)?;
        if rules.iter().any(|seen| seen.name == r.name) {
            return Err(invalid(
                &format!("{}.name", item.path),
                format!("rule name {:?} is used twice", r.name),
            ));
        }
        rules.push(r);
    }
    Ok(Policy {
        name,
        description,
        rules,
    })
}

const RULE_KINDS: [&str; 4] = ["signature", "attestation", "chain", "sbom"];

fn rule(at: &At<'_>) -> Result<Rule, PolicyError> {
    let obj = at.object(&[
        "name",
        "description",
        "signature",
        "attestation",
        "chain",
        "sbom",
    ])?;
    let name = obj.req("name")?.string()?;
    if name.len() > 128 {
        return Err(invalid(
            &format!("{}.name", at.path),
            "a rule name has at most 128 characters",
        ));
    }
    if let Some(d) = obj.opt("description")? {
        d.string()?;
    }
    let present: Vec<&str> = RULE_KINDS.into_iter().filter(|k| obj.has(k)).collect();
    let kind = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(obj.err(format!(
                "a rule needs exactly one of: {}",
                RULE_KINDS.join(", ")
            )));
        }
        many => {
            return Err(obj.err(format!(
                "a rule has exactly one kind, found {}",
                many.join(" and ")
            )));
        }
    };
    let body = obj.req(kind)?;
    let kind = match kind {
        "signature" => RuleKind::Signature(signature_rule(&body)?),
        "attestation" => RuleKind::Attestation(attestation_rule(&body)?),
        "chain" => RuleKind::Chain(chain_rule(&body)?),
        _ => RuleKind::Sbom(sbom_rule(&body)?),
    };
    Ok(Rule { name, kind })
}

fn signature_rule(at: &At<'_>) -> Result<SignatureRule, PolicyError> {
    let obj = at.object(&["signers"])?;
    Ok(SignatureRule {
        signers: signers(&obj.req("signers")?)?,
    })
}

fn attestation_rule(at: &At<'_>) -> Result<AttestationRule, PolicyError> {
    let obj = at.object(&["predicateType", "signers", "maxAge", "select", "slsa"])?;
    let pt_at = obj.req("predicateType")?;
    let pt = pt_at.string()?;
    let predicate_type = crate::predicate::resolve_type_alias(&pt)
        .map(str::to_owned)
        .ok_or_else(|| {
            pt_at.err("expected a predicate type URI (or a short name such as slsaprovenance1)")
        })?;
    let signers = signers(&obj.req("signers")?)?;
    let max_age = match obj.opt("maxAge")? {
        Some(a) => Some(
            a.string()?
                .parse::<Span>()
                .map_err(|e| a.err(e.to_string()))?,
        ),
        None => None,
    };
    let select = match obj.opt("select")? {
        Some(s) => match s.string()?.as_str() {
            "newest" => Select::Newest,
            "any" => Select::Any,
            "all" => Select::All,
            other => {
                return Err(s.err(format!(
                    "{:?} is not a selection (expected newest, any or all)",
                    excerpt(other, 32)
                )));
            }
        },
        None => Select::Newest,
    };
    let slsa = match obj.opt("slsa")? {
        Some(s) => {
            if crate::slsa::SlsaVersion::of_predicate_type(&predicate_type).is_none() {
                return Err(s.err(format!(
                    "slsa constraints need a SLSA provenance predicate type ({} or {}), not {predicate_type}",
                    crate::predicate::SLSA_PROVENANCE_V1,
                    crate::predicate::SLSA_PROVENANCE_V02
                )));
            }
            Some(slsa_constraints(&s)?)
        }
        None => None,
    };
    Ok(AttestationRule {
        predicate_type,
        signers,
        max_age,
        select,
        slsa,
    })
}

fn slsa_constraints(at: &At<'_>) -> Result<SlsaConstraints, PolicyError> {
    let obj = at.object(&[
        "builderId",
        "builderIdPrefix",
        "buildType",
        "sourceRepo",
        "sourceRef",
    ])?;
    let get = |key: &str| -> Result<Option<String>, PolicyError> {
        obj.opt(key)?.map(|a| a.string()).transpose()
    };
    let c = SlsaConstraints {
        builder_id: get("builderId")?,
        builder_id_prefix: get("builderIdPrefix")?,
        build_type: get("buildType")?,
        source_repo: get("sourceRepo")?,
        source_ref: get("sourceRef")?,
    };
    if c == SlsaConstraints::default() {
        return Err(at.err(
            "slsa constrains nothing: give at least one of builderId, builderIdPrefix, buildType, sourceRepo, sourceRef",
        ));
    }
    Ok(c)
}

fn chain_rule(at: &At<'_>) -> Result<ChainRule, PolicyError> {
    let obj = at.object(&["maxDepth", "requireAttested", "policy", "signers"])?;
    let max_depth = match obj.opt("maxDepth")? {
        Some(d) => {
            let n = d.u32()?;
            if n == 0 || n > limits::MAX_CHAIN_DEPTH {
                return Err(d.err(format!("must be between 1 and {}", limits::MAX_CHAIN_DEPTH)));
            }
            n
        }
        None => limits::DEFAULT_CHAIN_DEPTH,
    };
    let require_attested = match obj.opt("requireAttested")? {
        Some(b) => b.boolean()?,
        None => true,
    };
    let policy = match obj.opt("policy")? {
        Some(p) => {
            let name = p.string()?;
            if !Policy::is_valid_name(&name) {
                return Err(p.err("not a valid policy name"));
            }
            Some(name)
        }
        None => None,
    };
    let signers = obj.opt("signers")?.map(|s| signers(&s)).transpose()?;
    Ok(ChainRule {
        max_depth,
        require_attested,
        policy,
        signers,
    })
}

fn sbom_rule(at: &At<'_>) -> Result<SbomRule, PolicyError> {
    let obj = at.object(&[
        "required",
        "requireSigned",
        "deniedComponents",
        "deniedLicenses",
    ])?;
    let required = obj.opt("required")?.map(|b| b.boolean()).transpose()?;
    let require_signed = obj.opt("requireSigned")?.map(|b| b.boolean()).transpose()?;
    let denied_components = match obj.opt("deniedComponents")? {
        Some(list) => list
            .list(limits::MAX_POLICY_DENIED)?
            .iter()
            .map(denied_component)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let denied_licenses = match obj.opt("deniedLicenses")? {
        Some(list) => list
            .list(limits::MAX_POLICY_DENIED)?
            .iter()
            .map(|l| {
                let id = l.string()?;
                if id
                    .chars()
                    .any(|c| c.is_whitespace() || c == '(' || c == ')')
                {
                    return Err(l.err(
                        "a denied license is one SPDX id (e.g. AGPL-3.0-only), not an expression",
                    ));
                }
                Ok(id)
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    Ok(SbomRule {
        required: required.unwrap_or(true),
        require_signed: require_signed.unwrap_or(false),
        denied_components,
        denied_licenses,
    })
}

fn denied_component(at: &At<'_>) -> Result<DeniedComponent, PolicyError> {
    let obj = at.object(&["purl", "versions"])?;
    let purl_at = obj.req("purl")?;
    let purl: Purl = purl_at
        .string()?
        .parse()
        .map_err(|e: crate::purl::PurlError| purl_at.err(e.to_string()))?;
    let versions = match obj.opt("versions")? {
        Some(v_at) => {
            if purl.version().is_some() {
                return Err(
                    v_at.err("give either a version in the purl or a versions range, not both")
                );
            }
            let range: VersionRange = v_at
                .string()?
                .parse()
                .map_err(|e: crate::vers::VersError| v_at.err(e.to_string()))?;
            if let Some(scheme) = Scheme::for_purl_type(purl.ty())
                && scheme != range.scheme()
            {
                return Err(v_at.err(format!(
                    "a {} range cannot compare {} versions (use vers:{scheme}/…)",
                    range.scheme(),
                    purl.ty()
                )));
            }
            Some(range)
        }
        None => None,
    };
    Ok(DeniedComponent { purl, versions })
}

fn signers(at: &At<'_>) -> Result<Signers, PolicyError> {
    let obj = at.object(&["anyOf", "allOf"])?;
    let any = obj.opt("anyOf")?;
    let all = obj.opt("allOf")?;
    let (list_at, is_all) = match (any, all) {
        (Some(a), None) => (a, false),
        (None, Some(a)) => (a, true),
        (Some(_), Some(_)) => return Err(at.err("give anyOf or allOf, not both")),
        (None, None) => return Err(at.err("missing anyOf or allOf")),
    };
    let items = list_at.list(limits::MAX_POLICY_SIGNERS)?;
    if items.is_empty() {
        return Err(list_at
            .err("list at least one signer (an empty list would be vacuous, so it is refused)"));
    }
    let specs = items
        .iter()
        .map(signer_spec)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if is_all {
        Signers {
            any_of: Vec::new(),
            all_of: specs,
        }
    } else {
        Signers {
            any_of: specs,
            all_of: Vec::new(),
        }
    })
}

fn signer_spec(at: &At<'_>) -> Result<SignerSpec, PolicyError> {
    let obj = at.object(&["key", "keyless", "x509"])?;
    let present: Vec<&str> = ["key", "keyless", "x509"]
        .into_iter()
        .filter(|k| obj.has(k))
        .collect();
    match present.as_slice() {
        ["key"] => Ok(SignerSpec::Key(obj.req("key")?.string()?)),
        ["keyless"] => {
            let k = obj.req("keyless")?;
            let kobj = k.object(&["issuer", "issuerRegex", "subject", "subjectRegex", "claims"])?;
            let issuer = matcher(&kobj, "issuer", "issuerRegex")?
                .ok_or_else(|| k.err("missing issuer (or issuerRegex)"))?;
            let subject = matcher(&kobj, "subject", "subjectRegex")?
                .ok_or_else(|| k.err("missing subject (or subjectRegex)"))?;
            let claims = match kobj.opt("claims")? {
                Some(c) => claims(&c)?,
                None => Vec::new(),
            };
            Ok(SignerSpec::Keyless {
                issuer,
                subject,
                claims,
            })
        }
        ["x509"] => {
            let x = obj.req("x509")?;
            let xobj = x.object(&["subject", "subjectRegex", "san", "sanRegex", "ca"])?;
            let subject = matcher(&xobj, "subject", "subjectRegex")?;
            let san = matcher(&xobj, "san", "sanRegex")?;
            let ca = xobj.opt("ca")?.map(|c| c.string()).transpose()?;
            if subject.is_none() && san.is_none() {
                return Err(x.err(
                    "an x509 signer needs subject/subjectRegex or san/sanRegex (use subjectRegex: \".*\" with ca to accept any certificate of a CA)",
                ));
            }
            Ok(SignerSpec::X509 { subject, san, ca })
        }
        [] => Err(at.err("a signer is one of: key, keyless, x509")),
        many => Err(at.err(format!(
            "a signer is exactly one of key, keyless, x509; found {}",
            many.join(" and ")
        ))),
    }
}

/// `exact` or `regex` (anchored), at most one of them.
fn matcher(obj: &Obj<'_>, exact: &str, regex: &str) -> Result<Option<Matcher>, PolicyError> {
    match (obj.opt(exact)?, obj.opt(regex)?) {
        (Some(_), Some(_)) => Err(obj.err(format!("give {exact} or {regex}, not both"))),
        (Some(e), None) => Ok(Some(Matcher::Exact(e.string()?))),
        (None, Some(r)) => Matcher::regex(&r.string()?)
            .map(Some)
            .map_err(|m| r.err(m.to_string())),
        (None, None) => Ok(None),
    }
}

fn claims(at: &At<'_>) -> Result<Vec<(String, String)>, PolicyError> {
    let Value::Object(map) = at.v else {
        return Err(at.err(format!(
            "expected a map of claim name to value, found {}",
            at.kind()
        )));
    };
    if map.len() > limits::MAX_POLICY_CLAIMS {
        return Err(at.err(format!(
            "has {} claims; at most {} are accepted",
            map.len(),
            limits::MAX_POLICY_CLAIMS
        )));
    }
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let here = at.field(k, v);
        if k.parse::<FulcioClaim>().is_err() {
            let known: Vec<&str> = FulcioClaim::ALL.iter().map(|c| c.as_str()).collect();
            return Err(here.err(format!(
                "unknown certificate claim (known: {})",
                known.join(", ")
            )));
        }
        out.push((k.clone(), here.string()?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCTION: &str = r#"
name: production
description: What may run in production
rules:
  - name: signed
    signature:
      signers:
        anyOf:
          - key: release
          - keyless: {issuer: "https://token.actions.githubusercontent.com", subjectRegex: "^https://github.com/acme/"}
  - name: built-by-ci
    attestation:
      predicateType: https://slsa.dev/provenance/v1
      signers: {anyOf: [{key: ci}]}
      maxAge: 90d
      slsa: {builderIdPrefix: "https://github.com/acme/", sourceRepo: "git+https://github.com/acme/web"}
  - name: trusted-base
    chain:
      maxDepth: 8
      requireAttested: true
      policy: base-images
  - name: sbom
    sbom:
      required: true
      deniedComponents:
        - purl: pkg:npm/event-stream@3.3.6
        - purl: pkg:maven/org.apache.logging.log4j/log4j-core
          versions: "vers:maven/>=2.0.0|<2.17.1"
      deniedLicenses: ["AGPL-3.0-only"]
"#;

    fn yaml(s: &str) -> Result<Policy, PolicyError> {
        parse_policy(s.as_bytes(), PolicyFormat::Yaml)
    }

    #[test]
    fn parses_the_design_example() {
        let p = yaml(PRODUCTION).unwrap();
        assert_eq!(p.name, "production");
        assert_eq!(p.rules.len(), 4);
        let RuleKind::Signature(sig) = &p.rules[0].kind else {
            panic!("{:?}", p.rules[0].kind)
        };
        assert_eq!(sig.signers.any_of.len(), 2);
        let SignerSpec::Keyless { subject, .. } = &sig.signers.any_of[1] else {
            panic!()
        };
        // The DESIGN example's `^https://github.com/acme/` is anchored by its author: a prefix
        // match, never a substring one.
        assert!(subject.is_match("https://github.com/acme/"));
        assert!(
            subject.is_match("https://github.com/acme/web/.github/workflows/x.yml@refs/heads/main")
        );
        assert!(!subject.is_match("https://evil.example/https://github.com/acme/"));
        // Without a leading `^` a pattern must match the whole value.
        let whole = Matcher::regex("https://github.com/acme/").unwrap();
        assert!(whole.is_match("https://github.com/acme/"));
        assert!(!whole.is_match("https://github.com/acme/web"));
        assert!(!whole.is_match("x https://github.com/acme/"));
        let prefix = Matcher::regex("^https://github.com/acme/.*").unwrap();
        assert!(
            prefix.is_match("https://github.com/acme/web/.github/workflows/x.yml@refs/heads/main")
        );
        assert!(!prefix.is_match("https://evil.example/?https://github.com/acme/x"));
        let RuleKind::Attestation(att) = &p.rules[1].kind else {
            panic!()
        };
        assert_eq!(att.max_age.unwrap().millis(), 90 * 86_400_000);
        assert_eq!(att.select, Select::Newest);
        assert_eq!(
            att.slsa.as_ref().unwrap().builder_id_prefix.as_deref(),
            Some("https://github.com/acme/")
        );
        let RuleKind::Chain(chain) = &p.rules[2].kind else {
            panic!()
        };
        assert_eq!(chain.max_depth, 8);
        assert!(chain.require_attested);
        let RuleKind::Sbom(sbom) = &p.rules[3].kind else {
            panic!()
        };
        assert!(sbom.required && !sbom.require_signed);
        assert_eq!(sbom.denied_components.len(), 2);
        assert_eq!(sbom.denied_licenses, vec!["AGPL-3.0-only"]);
        assert_eq!(p.referenced_policies(), vec!["base-images"]);
        assert_eq!(p.max_chain_depth(), 8);
    }

    #[test]
    fn json_and_yaml_give_the_same_policy() {
        let from_yaml = yaml(PRODUCTION).unwrap();
        let json = r#"{"name":"production","description":"What may run in production","rules":[
          {"name":"signed","signature":{"signers":{"anyOf":[{"key":"release"},
            {"keyless":{"issuer":"https://token.actions.githubusercontent.com","subjectRegex":"^https://github.com/acme/"}}]}}},
          {"name":"built-by-ci","attestation":{"predicateType":"https://slsa.dev/provenance/v1","signers":{"anyOf":[{"key":"ci"}]},
            "maxAge":"90d","slsa":{"builderIdPrefix":"https://github.com/acme/","sourceRepo":"git+https://github.com/acme/web"}}},
          {"name":"trusted-base","chain":{"maxDepth":8,"requireAttested":true,"policy":"base-images"}},
          {"name":"sbom","sbom":{"required":true,"deniedComponents":[{"purl":"pkg:npm/event-stream@3.3.6"},
            {"purl":"pkg:maven/org.apache.logging.log4j/log4j-core","versions":"vers:maven/>=2.0.0|<2.17.1"}],
            "deniedLicenses":["AGPL-3.0-only"]}}]}"#;
        let from_json = parse_policy(json.as_bytes(), PolicyFormat::Json).unwrap();
        assert_eq!(from_yaml, from_json);
    }

    /// Every invalid document is refused with the path of the offending field.
    #[test]
    fn errors_name_the_field() {
        let head = "name: p\nrules:\n";
        let cases: &[(&str, &str, &str)] = &[
            ("unknown top-level field", "name: p\nrule: []\n", ""),
            ("no rules", "name: p\nrules: []\n", "rules"),
            (
                "bad policy name",
                "name: 'a b'\nrules: [{name: r, sbom: {}}]\n",
                "name",
            ),
            ("missing name", "rules: [{name: r, sbom: {}}]\n", ""),
            (
                "two kinds",
                "  - {name: r, sbom: {}, chain: {}}\n",
                "rules[0]",
            ),
            ("no kind", "  - {name: r}\n", "rules[0]"),
            (
                "duplicate rule names",
                "  - {name: r, sbom: {}}\n  - {name: r, chain: {}}\n",
                "rules[1].name",
            ),
            (
                "bad maxAge 2",
                "  - name: b\n    attestation: {predicateType: 'https://x.dev/p', signers: {anyOf: [{key: k}]}, maxAge: 90 days}\n",
                "rules[0].attestation.maxAge",
            ),
            (
                "maxAge without value",
                "  - name: b\n    attestation:\n      predicateType: 'https://x.dev/p'\n      signers: {anyOf: [{key: k}]}\n      maxAge:\n",
                "rules[0].attestation.maxAge",
            ),
            (
                "typo in attestation",
                "  - name: b\n    attestation: {predicateType: 'https://x.dev/p', signers: {anyOf: [{key: k}]}, maxage: 1d}\n",
                "rules[0].attestation",
            ),
            (
                "empty anyOf",
                "  - {name: s, signature: {signers: {anyOf: []}}}\n",
                "rules[0].signature.signers.anyOf",
            ),
            (
                "anyOf and allOf",
                "  - {name: s, signature: {signers: {anyOf: [{key: a}], allOf: [{key: b}]}}}\n",
                "rules[0].signature.signers",
            ),
            (
                "two signer kinds",
                "  - {name: s, signature: {signers: {anyOf: [{key: a, x509: {subject: x}}]}}}\n",
                "rules[0].signature.signers.anyOf[0]",
            ),
            (
                "bad regex",
                "  - {name: s, signature: {signers: {anyOf: [{keyless: {issuer: i, subjectRegex: '('}}]}}}\n",
                "rules[0].signature.signers.anyOf[0].keyless.subjectRegex",
            ),
            (
                "keyless without subject",
                "  - {name: s, signature: {signers: {anyOf: [{keyless: {issuer: i}}]}}}\n",
                "rules[0].signature.signers.anyOf[0].keyless",
            ),
            (
                "unknown claim",
                "  - {name: s, signature: {signers: {anyOf: [{keyless: {issuer: i, subject: s, claims: {workflowRef: x}}}]}}}\n",
                "rules[0].signature.signers.anyOf[0].keyless.claims.workflowRef",
            ),
            (
                "x509 without identity",
                "  - {name: s, signature: {signers: {anyOf: [{x509: {ca: corp}}]}}}\n",
                "rules[0].signature.signers.anyOf[0].x509",
            ),
            (
                "slsa on a non-provenance type",
                "  - name: b\n    attestation: {predicateType: 'https://x.dev/p', signers: {anyOf: [{key: k}]}, slsa: {builderId: b}}\n",
                "rules[0].attestation.slsa",
            ),
            (
                "empty slsa",
                "  - name: b\n    attestation: {predicateType: slsaprovenance1, signers: {anyOf: [{key: k}]}, slsa: {}}\n",
                "rules[0].attestation.slsa",
            ),
            (
                "bad select",
                "  - name: b\n    attestation: {predicateType: slsaprovenance1, signers: {anyOf: [{key: k}]}, select: first}\n",
                "rules[0].attestation.select",
            ),
            (
                "bad predicate type",
                "  - name: b\n    attestation: {predicateType: provenance, signers: {anyOf: [{key: k}]}}\n",
                "rules[0].attestation.predicateType",
            ),
            (
                "maxDepth 0",
                "  - {name: c, chain: {maxDepth: 0}}\n",
                "rules[0].chain.maxDepth",
            ),
            (
                "maxDepth 33",
                "  - {name: c, chain: {maxDepth: 33}}\n",
                "rules[0].chain.maxDepth",
            ),
            (
                "maxDepth string",
                "  - {name: c, chain: {maxDepth: deep}}\n",
                "rules[0].chain.maxDepth",
            ),
            (
                "requireAttested yes",
                "  - {name: c, chain: {requireAttested: yes}}\n",
                "rules[0].chain.requireAttested",
            ),
            (
                "bad purl",
                "  - {name: s, sbom: {deniedComponents: [{purl: 'npm/x'}]}}\n",
                "rules[0].sbom.deniedComponents[0].purl",
            ),
            (
                "version and range",
                "  - {name: s, sbom: {deniedComponents: [{purl: 'pkg:npm/x@1', versions: 'vers:npm/<2'}]}}\n",
                "rules[0].sbom.deniedComponents[0].versions",
            ),
            (
                "bad range",
                "  - {name: s, sbom: {deniedComponents: [{purl: 'pkg:npm/x', versions: 'vers:npm/<<2'}]}}\n",
                "rules[0].sbom.deniedComponents[0].versions",
            ),
            (
                "range of another scheme",
                "  - {name: s, sbom: {deniedComponents: [{purl: 'pkg:maven/g/a', versions: 'vers:npm/<2'}]}}\n",
                "rules[0].sbom.deniedComponents[0].versions",
            ),
            (
                "license expression",
                "  - {name: s, sbom: {deniedLicenses: ['MIT OR GPL-2.0-only']}}\n",
                "rules[0].sbom.deniedLicenses[0]",
            ),
            ("rules not a list", "name: p\nrules: {}\n", "rules"),
        ];
        let mut failures = Vec::new();
        for (name, body, path) in cases {
            let doc = if body.starts_with("  -") {
                format!("{head}{body}")
            } else {
                (*body).to_owned()
            };
            match yaml(&doc) {
                Ok(p) => failures.push(format!("{name}: accepted as {p:?}")),
                Err(e) => {
                    if e.path() != Some(*path) {
                        failures.push(format!("{name}: expected path {path:?}, got {e}"));
                    }
                    if e.code() != crate::Code::InvalidPolicy {
                        failures.push(format!("{name}: code {}", e.code()));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// The accepting twins of the refusals above.
    #[test]
    fn accepts_every_optional_form() {
        let doc = r#"
name: all-forms
rules:
  - name: s
    signature:
      signers:
        allOf:
          - key: "3f2a"
          - keyless: {issuerRegex: "https://token\\.actions\\..*", subject: "https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main", claims: {githubWorkflowRef: refs/heads/main}}
          - x509: {subjectRegex: "CN=.*,O=Acme", sanRegex: ".*@acme.example", ca: corp}
  - name: a
    attestation: {predicateType: slsaprovenance02, signers: {anyOf: [{key: ci}]}, select: all, slsa: {builderId: b, buildType: t, sourceRef: refs/heads/main}}
  - name: c
    chain: {signers: {anyOf: [{key: ci}]}}
  - name: b
    sbom: {required: false, requireSigned: true, deniedComponents: [{purl: 'pkg:npm/x', versions: 'vers:npm/<2'}, {purl: 'pkg:docker/alpine', versions: 'vers:generic/<3'}]}
"#;
        let p = yaml(doc).unwrap();
        let RuleKind::Attestation(a) = &p.rules[1].kind else {
            panic!()
        };
        assert_eq!(a.predicate_type, crate::predicate::SLSA_PROVENANCE_V02);
        assert_eq!(a.select, Select::All);
        let RuleKind::Chain(c) = &p.rules[2].kind else {
            panic!()
        };
        assert_eq!(c.max_depth, limits::DEFAULT_CHAIN_DEPTH);
        assert!(c.require_attested && c.policy.is_none() && c.signers.is_some());
        let RuleKind::Sbom(s) = &p.rules[3].kind else {
            panic!()
        };
        assert!(!s.required && s.require_signed);
        assert!(p.referenced_policies().is_empty());
    }

    #[test]
    fn syntax_errors_duplicates_and_limits() {
        assert!(matches!(
            yaml("name: p\nname: q\nrules: []\n"),
            Err(PolicyError::Syntax { .. })
        ));
        assert!(matches!(
            parse_policy(br#"{"name":"p","name":"q","rules":[]}"#, PolicyFormat::Json),
            Err(PolicyError::Syntax { .. })
        ));
        assert!(matches!(yaml("name: [\n"), Err(PolicyError::Syntax { .. })));
        let big = vec![b' '; limits::MAX_POLICY_BYTES + 1];
        let e = parse_policy(&big, PolicyFormat::Yaml).unwrap_err();
        assert_eq!(e.code(), crate::Code::PayloadTooLarge);
        let deep_json = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_policy(deep_json.as_bytes(), PolicyFormat::Json).is_err());
        let deep_yaml = format!("name: p\nx: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert!(yaml(&deep_yaml).is_err());
        let many_rules: String = (0..=limits::MAX_POLICY_RULES)
            .map(|i| format!("  - {{name: r{i}, sbom: {{}}}}\n"))
            .collect();
        let e = yaml(&format!("name: p\nrules:\n{many_rules}")).unwrap_err();
        assert_eq!(e.path(), Some("rules"));
    }

    #[test]
    fn media_types() {
        assert_eq!(
            PolicyFormat::from_media_type("application/yaml"),
            Some(PolicyFormat::Yaml)
        );
        assert_eq!(
            PolicyFormat::from_media_type("Application/JSON; charset=utf-8"),
            Some(PolicyFormat::Json)
        );
        assert_eq!(PolicyFormat::from_media_type("text/plain"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_policy(&bytes, PolicyFormat::Yaml);
            let _ = parse_policy(&bytes, PolicyFormat::Json);
        }
    }
}
