//! Which objects a kustomize patch applies to: its `target` (kustomize's
//! `types.Selector`), else the kind and name of a strategic-merge patch itself.
//!
//! A target's `group`, `version`, `kind`, `name` and `namespace` are regular
//! expressions that kustomize anchors as `^(?:pattern)$` and compiles with Go's
//! `regexp` (RE2 syntax; kustomize `api/types/selector.go`, `NewSelectorRegex` and
//! `anchorRegex`). An empty or absent field matches every value. The `regex` crate
//! implements the same RE2 syntax in linear time, so a hostile pattern cannot hang a
//! run. The rare differences: `\d`, `\w`, `\s` and `\b` are Unicode-aware here (ASCII
//! in Go), which only matters for non-ASCII values the API server rejects in names; and
//! a few Go-only escapes (`\Q...\E`, octal `\123`) do not compile here, while a nested
//! repetition (`a**`) or a count above 1000 (`a{1001}`), which Go rejects, compile here.
//!
//! A pattern that does not compile makes kustomize fail the whole build, so the patch
//! applies to nothing: such a target matches no object, so the model's facts stay
//! what the cluster would get (nothing patched). The pattern is not reported.

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::str_at;
use super::types::ModelObject;

/// Upper bound on a compiled target pattern. Kubernetes names are at most 253
/// characters and real targets a few dozen; the bound only keeps a hostile pattern
/// (`(a{1000}){1000}`) from costing time and memory to compile: it then does not
/// compile, and matches nothing.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// How one field of a target is matched.
#[derive(Debug, Clone)]
enum FieldMatch {
    /// Absent or empty: every value (kustomize's `MatchName` and friends).
    Any,
    /// Exactly this text: the implicit target of a strategic-merge patch.
    Exact(String),
    /// kustomize's anchored regular expression, compiled once.
    Pattern(Regex),
    /// A pattern that does not compile: kustomize fails, nothing is patched.
    Invalid,
}

impl FieldMatch {
    /// The field of a `target`: a regular expression unless absent or empty.
    fn pattern(pattern: Option<&str>) -> FieldMatch {
        match pattern {
            None | Some("") => FieldMatch::Any,
            Some(pattern) => RegexBuilder::new(&format!("^(?:{pattern})$"))
                .size_limit(PATTERN_SIZE_LIMIT)
                .build()
                .map_or(FieldMatch::Invalid, FieldMatch::Pattern),
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            FieldMatch::Any => true,
            FieldMatch::Exact(text) => text == value,
            FieldMatch::Pattern(regex) => regex.is_match(value),
            FieldMatch::Invalid => false,
        }
    }
}

/// The objects a kustomize patch targets.
#[derive(Debug, Clone)]
pub(super) struct Selector {
    group: FieldMatch,
    version: FieldMatch,
    kind: FieldMatch,
    name: FieldMatch,
    namespace: FieldMatch,
    label_selector: Option<String>,
    annotation_selector: Option<String>,
}

impl Selector {
    /// A patch's `target`.
    pub(super) fn from_target(target: &Value) -> Selector {
        let text = |key: &str| target.get(key).and_then(Value::as_str);
        Selector {
            group: FieldMatch::pattern(text("group")),
            version: FieldMatch::pattern(text("version")),
            kind: FieldMatch::pattern(text("kind")),
            name: FieldMatch::pattern(text("name")),
            namespace: FieldMatch::pattern(text("namespace")),
            label_selector: text("labelSelector").map(str::to_owned),
            annotation_selector: text("annotationSelector").map(str::to_owned),
        }
    }

    /// The implicit target of a strategic-merge patch: its own kind, name and namespace (literally).
    pub(super) fn from_patch_object(patch: &Value) -> Option<Selector> {
        let kind = str_at(patch, &["kind"])?;
        let exact = |text: Option<&str>| {
            text.map_or(FieldMatch::Any, |text| FieldMatch::Exact(text.to_owned()))
        };
        Some(Selector {
            group: FieldMatch::Any,
            version: FieldMatch::Any,
            kind: exact(Some(kind)),
            name: exact(str_at(patch, &["metadata", "name"])),
            namespace: exact(str_at(patch, &["metadata", "namespace"])),
            label_selector: None,
            annotation_selector: None,
        })
    }

    /// Whether the target selects the Deployment `name` of a Flux controller
    /// (`apps/v1`, in flux-system). Label and annotation selectors are not judged: the
    /// controllers' labels are not in the repository, so they count as matching.
    pub(super) fn matches_controller(&self, name: &str) -> bool {
        self.group.matches("apps")
            && self.version.matches("v1")
            && self.kind.matches("Deployment")
            && self.name.matches(name)
            && self.namespace.matches("flux-system")
    }

    /// Whether the target selects `object` (every field must match).
    pub(super) fn matches(&self, object: &ModelObject) -> bool {
        let version = object
            .api_version
            .rsplit_once('/')
            .map_or(object.api_version.as_str(), |(_, v)| v);
        self.group.matches(&object.group)
            && self.version.matches(version)
            && self.kind.matches(&object.kind)
            && self.name.matches(&object.name)
            && self
                .namespace
                .matches(object.effective_namespace.as_deref().unwrap_or(""))
            && self
                .label_selector
                .as_deref()
                .is_none_or(|s| label_selector_matches(s, object.body.pointer("/metadata/labels")))
            && self.annotation_selector.as_deref().is_none_or(|s| {
                label_selector_matches(s, object.body.pointer("/metadata/annotations"))
            })
    }
}

/// A Kubernetes label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) against a map.
fn label_selector_matches(selector: &str, labels: Option<&Value>) -> bool {
    let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let mut requirements = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in selector.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                requirements.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    requirements.push(current);
    requirements.iter().all(|req| {
        let req = req.trim();
        if req.is_empty() {
            return true;
        }
        let set = |rest: &str| -> Vec<String> {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect()
        };
        if let Some((key, rest)) = req.split_once(" notin ") {
            return get(key.trim()).is_none_or(|v| !set(rest).iter().any(|s| s == v));
        }
        if let Some((key, rest)) = req.split_once(" in ") {
            return get(key.trim()).is_some_and(|v| set(rest).iter().any(|s| s == v));
        }
        if let Some((key, value)) = req.split_once("!=") {
            return get(key.trim()) != Some(value.trim());
        }
        if let Some((key, value)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return get(key.trim()) == Some(value.trim());
        }
        if let Some(key) = req.strip_prefix('!') {
            return get(key.trim()).is_none();
        }
        get(req).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Whether a target field written as `pattern` matches `value`.
    fn field(pattern: &str, value: &str) -> bool {
        FieldMatch::pattern(Some(pattern)).matches(value)
    }

    /// An object as the model holds it, with its resolved namespace.
    fn object(api_version: &str, kind: &str, name: &str, namespace: Option<&str>) -> ModelObject {
        object_with(api_version, kind, name, namespace, json!({}))
    }

    fn object_with(
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        metadata: Value,
    ) -> ModelObject {
        ModelObject {
            id: 0,
            file: "f.yaml".to_owned(),
            document: 0,
            line: 1,
            column: 1,
            api_version: api_version.to_owned(),
            group: api_version
                .rsplit_once('/')
                .map_or("", |(group, _)| group)
                .to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            namespace: namespace.map(str::to_owned),
            effective_namespace: namespace.map(str::to_owned),
            clusters: Vec::new(),
            sops: false,
            patch: false,
            unapplied: false,
            body: json!({"apiVersion": api_version, "kind": kind, "metadata": metadata}),
        }
    }

    fn target(target: Value) -> Selector {
        Selector::from_target(&target)
    }

    /// kustomize `api/types/selector_test.go`, `TestSelectorRegexMatchGvk`.
    #[test]
    fn group_version_and_kind_match_as_kustomize_does() {
        let gvk = |group: &str, version: &str, kind: &str| {
            object(&format!("{group}/{version}"), kind, "n", None)
        };
        let exact = target(json!({"group": "group", "version": "version", "kind": "kind"}));
        assert!(exact.matches(&gvk("group", "version", "kind")));
        assert!(!exact.matches(&gvk("group", "version", "")));
        assert!(!exact.matches(&gvk("group", "version", "kind2")));
        // Empty fields match every value.
        let group_only = target(json!({"group": "group", "version": "", "kind": ""}));
        assert!(group_only.matches(&gvk("group", "version", "kind")));
        let patterns = target(json!({"group": "g.*", "version": "\\d+", "kind": ".{4}"}));
        assert!(patterns.matches(&gvk("group", "123", "abcd")));
        assert!(!patterns.matches(&gvk("group", "123", "abc")));
        // The core group is empty: only a pattern that matches "" selects it.
        let core = object("v1", "ConfigMap", "n", None);
        assert!(target(json!({"version": "v1", "kind": "ConfigMap"})).matches(&core));
        assert!(!target(json!({"group": "apps"})).matches(&core));
        assert!(target(json!({"group": "(apps)?"})).matches(&core));
    }

    /// kustomize `TestSelectorRegexMatchName` and `TestSelectorRegexMatchNamespace`.
    #[test]
    fn names_and_namespaces_match_as_kustomize_does() {
        assert!(field("foo", "foo"));
        assert!(!field("foo", "bar"));
        assert!(field("f.*", "foo"));
        assert!(!field("b.*", "foo"));
        let foo_in_bar = target(json!({"name": "foo", "namespace": "bar"}));
        assert!(foo_in_bar.matches(&object("v1", "ConfigMap", "foo", Some("bar"))));
        assert!(!foo_in_bar.matches(&object("v1", "ConfigMap", "bar", Some("bar"))));
        assert!(!foo_in_bar.matches(&object("v1", "ConfigMap", "foo", Some("foo"))));
        assert!(target(json!({"namespace": "f.*"})).matches(&object(
            "v1",
            "ConfigMap",
            "x",
            Some("foo")
        )));
        assert!(!target(json!({"namespace": "b.*"})).matches(&object(
            "v1",
            "ConfigMap",
            "x",
            Some("foo")
        )));
    }

    /// kustomize `api/resmap/selector_test.go`, `TestFindPatchTargets`: how many of
    /// four objects each target selects. kustomize reads the third object's missing
    /// namespace as `default`; the model resolves namespaces itself (`namespaces.rs`),
    /// so here it is written as the model would resolve it.
    #[test]
    fn patch_targets_select_what_kustomize_selects() {
        let objects = [
            object_with(
                "group1/v1",
                "Kind1",
                "name1",
                Some("ns1"),
                json!({"labels": {"app": "name1"}, "annotations": {"foo": "bar"}}),
            ),
            object_with(
                "group1/v1",
                "Kind1",
                "name2",
                Some("default"),
                json!({"labels": {"app": "name2"}, "annotations": {"foo": "bar"}}),
            ),
            object_with(
                "group1/v1",
                "Kind2",
                "name3",
                Some("default"),
                json!({"labels": {"app": "name3"}, "annotations": {"bar": "baz"}}),
            ),
            object("group1/v1", "Kind2", "x-name1", Some("x-default")),
        ];
        let count = |t: Value| {
            objects
                .iter()
                .filter(|o| target(t.clone()).matches(o))
                .count()
        };
        assert_eq!(count(json!({"name": "name.*"})), 3, "select_01");
        assert_eq!(
            count(json!({"name": "name.*", "annotationSelector": "foo=bar"})),
            2,
            "select_02"
        );
        assert_eq!(count(json!({"labelSelector": "app=name1"})), 1, "select_03");
        assert_eq!(
            count(json!({"kind": "Kind1", "name": "name.*"})),
            2,
            "select_04"
        );
        assert_eq!(count(json!({"name": "NotMatched"})), 0, "select_05");
        assert_eq!(count(json!({"name": ""})), 4, "select_06");
        assert_eq!(count(json!({"namespace": "default"})), 2, "select_07");
        assert_eq!(count(json!({"namespace": ""})), 4, "select_08");
        assert_eq!(
            count(json!({"namespace": "default", "name": "name.*", "kind": "Kind1"})),
            1,
            "select_09"
        );
        assert_eq!(count(json!({"name": "^name.*"})), 3, "select_10");
        assert_eq!(count(json!({"name": "name.*$"})), 3, "select_11");
        assert_eq!(count(json!({"name": "^name.*$"})), 3, "select_12");
        assert_eq!(count(json!({"namespace": "^def.*"})), 2, "select_13");
        assert_eq!(count(json!({"namespace": "def.*$"})), 2, "select_14");
        assert_eq!(count(json!({"namespace": "^def.*$"})), 2, "select_15");
        assert_eq!(count(json!({"namespace": "NotMatched"})), 0, "select_17");
        assert_eq!(count(json!({"namespace": "ns1"})), 1, "select_18");
    }

    /// What the hand-written matcher this replaced supported, unchanged.
    #[test]
    fn patterns_are_anchored_regular_expressions() {
        assert!(field("kustomize-controller", "kustomize-controller"));
        assert!(!field("kustomize", "kustomize-controller"));
        assert!(!field("controller", "kustomize-controller"));
        let flux = "(kustomize-controller|helm-controller|notification-controller)";
        assert!(field(flux, "helm-controller"));
        assert!(!field(flux, "source-controller"));
        // Alternation binds loosest, but the anchors still hold for every branch.
        assert!(field("cert|metrics", "metrics"));
        assert!(!field("cert|metrics", "metrics-server"));
        assert!(field("^(?:cert|metrics)-.*$", "metrics-server"));
        assert!(field("Helm[A-Z][a-z]+", "HelmRelease"));
        assert!(!field("Helm[A-Z][a-z]+", "Helm"));
        assert!(field("v1(beta[0-9]+)?", "v1beta2"));
        assert!(field("v1(beta[0-9]+)?", "v1"));
        assert!(!field("v1(beta[0-9]+)?", "v1beta"));
        assert!(!field("[^h].*", "helm"));
        assert!(field("[^h].*", "podinfo"));
        assert!(field("a.c", "abc"));
        assert!(!field("a.c", "ac"));
        assert!(field("a\\.b", "a.b"));
        assert!(!field("a\\.b", "axb"));
        assert!(field("ab*c", "ac"));
        assert!(field("ab*c", "abbbc"));
        assert!(!field("ab+c", "ac"));
        assert!(field("\\d+-\\w+\\s?", "123-abc "));
    }

    /// Full RE2 syntax, as kustomize compiles it (the old matcher compared these literally).
    #[test]
    fn the_whole_regular_expression_syntax_is_understood() {
        assert!(field("a{2}", "aa"));
        assert!(!field("a{2}", "a{2}"));
        assert!(field("(?i)helmrelease", "HelmRelease"));
        assert!(field("[[:alpha:]]+", "Kustomization"));
        assert!(field("spoke-[0-9]{3}", "spoke-042"));
        assert!(!field("spoke-[0-9]{3}", "spoke-42"));
    }

    #[test]
    fn a_pattern_that_does_not_compile_matches_nothing() {
        for pattern in ["(unclosed", "[a-", "*a", "\\", "(?<", "a)", "x{2,1}"] {
            assert!(
                matches!(FieldMatch::pattern(Some(pattern)), FieldMatch::Invalid),
                "{pattern}"
            );
            assert!(!field(pattern, pattern), "{pattern}");
            assert!(!field(pattern, ""), "{pattern}");
        }
        // One invalid field and the whole target selects nothing.
        let broken = target(json!({"kind": "HelmRelease", "name": "(unclosed"}));
        assert!(!broken.matches(&object(
            "helm.toolkit.fluxcd.io/v2",
            "HelmRelease",
            "(unclosed",
            None
        )));
        // Too large to compile within the bound: rejected, not built.
        assert!(matches!(
            FieldMatch::pattern(Some("(a{1000}){1000}")),
            FieldMatch::Invalid
        ));
    }

    /// Patterns that take exponential time in a backtracking matcher; the old one gave
    /// up after a step budget and then answered "no match" even where there is one.
    #[test]
    fn pathological_patterns_get_the_right_answer() {
        let long = "a".repeat(10_000);
        assert!(!field("(a*)*b", &long));
        assert!(field("(a*)*", &long));
        assert!(field("(a|aa)*", &long));
        assert!(!field("(a|aa)*c", &long));
        assert!(!field("(x+x+)+y", &"x".repeat(5_000)));
        assert!(field("(a?){30}a{30}", &"a".repeat(30)));
    }

    #[test]
    fn a_strategic_merge_patch_targets_its_own_kind_name_and_namespace_literally() {
        let patch =
            json!({"kind": "HelmRelease", "metadata": {"name": "web.*", "namespace": "apps"}});
        let selector = Selector::from_patch_object(&patch).expect("has a kind");
        let release = |name: &str, ns: Option<&str>| {
            object("helm.toolkit.fluxcd.io/v2", "HelmRelease", name, ns)
        };
        assert!(selector.matches(&release("web.*", Some("apps"))));
        assert!(!selector.matches(&release("web-1", Some("apps"))));
        assert!(!selector.matches(&release("web.*", None)));
        // Without a namespace, any namespace; without a kind, no selector at all.
        let anywhere = Selector::from_patch_object(
            &json!({"kind": "HelmRelease", "metadata": {"name": "web"}}),
        )
        .expect("has a kind");
        assert!(anywhere.matches(&release("web", Some("other"))));
        assert!(Selector::from_patch_object(&json!({"metadata": {"name": "web"}})).is_none());
    }

    #[test]
    fn label_selectors_follow_kubernetes() {
        let labels = json!({"app": "web", "tier": "front"});
        assert!(label_selector_matches("app=web", Some(&labels)));
        assert!(label_selector_matches("app==web,tier", Some(&labels)));
        assert!(!label_selector_matches("app!=web", Some(&labels)));
        assert!(label_selector_matches(
            "tier in (front, back),!debug",
            Some(&labels)
        ));
        assert!(!label_selector_matches("tier notin (front)", Some(&labels)));
        assert!(!label_selector_matches("app=web", None));
    }
}
