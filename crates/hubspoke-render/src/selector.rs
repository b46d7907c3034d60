//! Target selectors of patches and replacements: every identity field a
//! regular expression matched against the whole value (kustomize anchors them
//! as `^(?:…)$`), plus Kubernetes label and annotation selectors.

use std::collections::BTreeMap;

use regex::Regex;

use crate::resid::{Gvk, ResId};

/// A selector as written in a kustomization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectorSpec {
    /// Group pattern.
    pub group: String,
    /// Version pattern.
    pub version: String,
    /// Kind pattern.
    pub kind: String,
    /// Name pattern.
    pub name: String,
    /// Namespace pattern.
    pub namespace: String,
    /// Label selector.
    pub label_selector: String,
    /// Annotation selector.
    pub annotation_selector: String,
}

impl SelectorSpec {
    /// Whether no identity field is set (kustomize ignores such `reject` entries).
    pub fn id_is_empty(&self) -> bool {
        self.group.is_empty()
            && self.version.is_empty()
            && self.kind.is_empty()
            && self.name.is_empty()
            && self.namespace.is_empty()
    }
}

/// A compiled selector.
#[derive(Debug, Clone)]
pub struct Selector {
    spec: SelectorSpec,
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

fn anchored(pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{pattern})$"))
        .map(Some)
        .map_err(|error| format!("invalid regular expression `{pattern}`: {error}"))
}

impl Selector {
    /// Compile; the error names the bad pattern or selector.
    pub fn compile(spec: &SelectorSpec) -> Result<Self, String> {
        let labels = if spec.label_selector.is_empty() {
            None
        } else {
            Some(LabelSelector::parse(&spec.label_selector)?)
        };
        let annotations = if spec.annotation_selector.is_empty() {
            None
        } else {
            Some(LabelSelector::parse(&spec.annotation_selector)?)
        };
        Ok(Selector {
            spec: spec.clone(),
            group: anchored(&spec.group)?,
            version: anchored(&spec.version)?,
            kind: anchored(&spec.kind)?,
            name: anchored(&spec.name)?,
            namespace: anchored(&spec.namespace)?,
            labels,
            annotations,
        })
    }

    /// The selector as written.
    pub fn spec(&self) -> &SelectorSpec {
        &self.spec
    }

    fn field(pattern: &Option<Regex>, value: &str) -> bool {
        pattern.as_ref().is_none_or(|p| p.is_match(value))
    }

    /// Whether group, version and kind match.
    pub fn matches_gvk(&self, gvk: &Gvk) -> bool {
        Self::field(&self.group, &gvk.group)
            && Self::field(&self.version, &gvk.version)
            && Self::field(&self.kind, &gvk.kind)
    }

    /// Whether the name matches.
    pub fn matches_name(&self, name: &str) -> bool {
        Self::field(&self.name, name)
    }

    /// Whether the namespace matches.
    pub fn matches_namespace(&self, namespace: &str) -> bool {
        Self::field(&self.namespace, namespace)
    }

    /// Gvk, name and namespace (as given) of one id.
    pub fn matches_id(&self, id: &ResId) -> bool {
        self.matches_gvk(&id.gvk)
            && self.matches_name(&id.name)
            && self.matches_namespace(&id.namespace)
    }

    /// Whether the label and annotation selectors match.
    pub fn matches_metadata(
        &self,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) -> bool {
        self.labels.as_ref().is_none_or(|s| s.matches(labels))
            && self
                .annotations
                .as_ref()
                .is_none_or(|s| s.matches(annotations))
    }
}

/// A parsed Kubernetes label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
/// `a in (x,y)`, `a notin (x)`, comma-separated.
#[derive(Debug, Clone)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl LabelSelector {
    /// Parse; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut current = String::new();
        for c in text.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current);
        let mut requirements = Vec::new();
        for part in parts {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part).ok_or_else(|| {
                format!("invalid label selector `{text}`: cannot parse `{part}`")
            })?);
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether a label (or annotation) map satisfies every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, set) => labels.get(k).is_some_and(|v| set.contains(v)),
            Requirement::NotIn(k, set) => labels.get(k).is_none_or(|v| !set.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        })
    }
}

fn parse_set(rest: &str) -> Option<Vec<String>> {
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(char::is_whitespace) && !key.contains(['=', '!', '(', ')'])
}

fn parse_requirement(part: &str) -> Option<Requirement> {
    if let Some((key, rest)) = part.split_once(" notin ") {
        let key = key.trim();
        return valid_key(key)
            .then(|| parse_set(rest).map(|s| Requirement::NotIn(key.to_owned(), s)))?;
    }
    if let Some((key, rest)) = part.split_once(" in ") {
        let key = key.trim();
        return valid_key(key)
            .then(|| parse_set(rest).map(|s| Requirement::In(key.to_owned(), s)))?;
    }
    let pair = |key: &str, value: &str| (key.trim().to_owned(), value.trim().to_owned());
    if let Some((key, value)) = part.split_once("!=") {
        let (k, v) = pair(key, value);
        return valid_key(&k).then_some(Requirement::NotEquals(k, v));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        let (k, v) = pair(key, value);
        return valid_key(&k).then_some(Requirement::Equals(k, v));
    }
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        return valid_key(key).then(|| Requirement::DoesNotExist(key.to_owned()));
    }
    valid_key(part).then(|| Requirement::Exists(part.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selectors_follow_kubernetes_syntax() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let yes = [
            "app=web",
            "app==web,tier",
            "app in (web, api)",
            "!env",
            "tier notin (back)",
            "app!=api",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).expect(s).matches(&l), "{s}");
        }
        let no = [
            "app=api",
            "env",
            "!app",
            "app notin (web)",
            "tier in (back)",
        ];
        for s in no {
            assert!(!LabelSelector::parse(s).expect(s).matches(&l), "{s}");
        }
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn identity_patterns_are_anchored_regexes() {
        let s = Selector::compile(&SelectorSpec {
            kind: "Deploy.*".into(),
            name: "web|api".into(),
            ..SelectorSpec::default()
        })
        .expect("compiles");
        let gvk = Gvk::from_api_version("apps/v1", "Deployment");
        assert!(s.matches_gvk(&gvk));
        assert!(s.matches_name("api"));
        assert!(!s.matches_name("web-2"));
        assert!(Selector::compile(&SelectorSpec {
            name: "(".into(),
            ..SelectorSpec::default()
        })
        .is_err());
    }
}
