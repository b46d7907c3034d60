//! Kyverno conformance: our verdicts against the expected results of the
//! Kyverno CLI tests vendored in `fixtures/conformance/kyverno-policies/`.
//!
//! For every `kyverno-test.yaml` the harness loads the listed resources, lints
//! them with the bundled rules through the same library path the CLI uses
//! (`parse_text` → `Evaluator` → `evaluate_files`, the pipeline's document stage; only the rules the test's
//! results map are enabled, the way `--rule` selects them), and compares, for
//! every expected result whose Kyverno (policy, rule) one of our rules names in
//! its `kyverno` metadata, Kyverno's `pass`/`fail`/`skip` with ours:
//!
//! - `skip`: the rule does not apply to the resource: its kind is not in the
//!   rule's `kinds`, or the rule's optional `skip` (its model of Kyverno's
//!   preconditions and exclusions) holds;
//! - `fail`: the rule reported a finding on the resource;
//! - `pass`: otherwise.
//!
//! Auto-gen rule names (`autogen-<rule>`, `autogen-cronjob-<rule>`) count as
//! the Pod rule they come from. Results whose Kyverno rule we do not map are
//! counted as "not mapped". Any disagreement fails the test unless
//! `fixtures/conformance/allow-list.yaml` lists it (with the reason); an entry
//! that no longer matches a disagreement fails it too, so the list cannot rot.
//!
//! Kyverno's `podSecurity` rules carry their exemptions (`exclude`) in the
//! policy; our profile rules take the same list as their `exclude` parameter,
//! so the harness passes a policy's `exclude` list to the rule that maps it.
//!
//! Run with `cargo test -p hubspoke-engine --test conformance -- --nocapture`
//! to see the agreement table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hubspoke_diagnostics::{sort_findings, Finding};
use hubspoke_engine::{
    bundled_sources, kind_matches, to_rego_value, EvalOptions, Evaluator, Rule, RuleSet,
};
use hubspoke_manifest::{parse_text, Document, ObjectMeta, ParseLimits, ParsedFile};
use hubspoke_workspace::evaluate_files;
use serde_json::{json, Value};

/// The vendored categories, in the order the table prints them. Of `other/`, only the
/// policies listed in `mapped-other-policies.txt` (the rest of it tests the native Kyverno
/// evaluator, not the bundled rules).
const CATEGORIES: [&str; 4] = ["pod-security", "best-practices", "flux", "other"];

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance")
}

/// The policy directories of `other/` that bundled rules map, from
/// `mapped-other-policies.txt` (one a line, `#` comments).
fn mapped_other_policies(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join("mapped-other-policies.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// Every `kyverno-test.yaml` of a category (for `other`, of its mapped policies only).
fn category_tests(root: &Path, category: &str) -> Result<Vec<PathBuf>, String> {
    let category_dir = root.join("kyverno-policies").join(category);
    let mut tests = Vec::new();
    if category == "other" {
        for policy in mapped_other_policies(root)? {
            let before = tests.len();
            find_tests(&category_dir.join(&policy), &mut tests);
            if tests.len() == before {
                return Err(format!("no kyverno-test.yaml below other/{policy}"));
            }
        }
    } else {
        find_tests(&category_dir, &mut tests);
    }
    if tests.is_empty() {
        return Err(format!(
            "no kyverno-test.yaml below {}",
            category_dir.display()
        ));
    }
    Ok(tests)
}

/// A verdict on one resource for one Kyverno rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    fn parse(text: &str) -> Option<Verdict> {
        match text {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "skip" => Some(Verdict::Skip),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
        }
    }
}

/// One documented disagreement from `allow-list.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AllowEntry {
    policy: String,
    rule: String,
    resource: String,
    expected: String,
    ours: String,
    reason: String,
}

/// Counts for one Kyverno rule or one category.
#[derive(Debug, Clone, Default)]
struct Tally {
    mapped: usize,
    agree: usize,
    allow_listed: usize,
    not_mapped: usize,
    ours: BTreeSet<String>,
}

/// Everything one run learned.
#[derive(Debug, Default)]
struct Run {
    /// Per category, then per (policy, base rule).
    tallies: BTreeMap<String, BTreeMap<(String, String), Tally>>,
    disagreements: Vec<String>,
    errors: Vec<String>,
    used_allow_entries: BTreeSet<AllowEntry>,
}

fn read_yaml_documents(path: &Path, display: &str) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{display}: {e}"))?;
    let parsed = parse_text(display, display, text, ParseLimits::default());
    if let Some(problem) = parsed.problems.first() {
        return Err(format!("{display}: {problem:?}"));
    }
    Ok(parsed
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect())
}

fn load_allow_list(path: &Path) -> Result<Vec<AllowEntry>, String> {
    let docs = read_yaml_documents(path, "allow-list.yaml")?;
    let mut out = Vec::new();
    for doc in docs {
        let Some(items) = doc.as_array() else {
            return Err("allow-list.yaml must be a list of entries".to_owned());
        };
        for item in items {
            let field = |key: &str| -> Result<String, String> {
                item.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("allow-list entry without `{key}`: {item}"))
            };
            out.push(AllowEntry {
                policy: field("policy")?,
                rule: base_rule(&field("rule")?).to_owned(),
                resource: field("resource")?,
                expected: field("expected")?,
                ours: field("ours")?,
                reason: field("reason")?,
            });
        }
    }
    Ok(out)
}

/// Every `kyverno-test.yaml` below `dir` (dot-directories included), sorted.
fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            find_tests(&path, out);
        } else if path.file_name().is_some_and(|n| n == "kyverno-test.yaml") {
            out.push(path);
        }
    }
}

/// The Pod rule an auto-gen rule name stands for.
fn base_rule(rule: &str) -> &str {
    rule.strip_prefix("autogen-cronjob-")
        .or_else(|| rule.strip_prefix("autogen-"))
        .unwrap_or(rule)
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Our rules by the Kyverno (policy, rule) they name.
fn kyverno_index(rules: &RuleSet) -> BTreeMap<(String, String), Vec<usize>> {
    let mut index: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, rule) in rules.rules.iter().enumerate() {
        for k in &rule.meta.kyverno {
            index
                .entry((k.policy.clone(), k.rule.clone()))
                .or_default()
                .push(i);
        }
    }
    index
}

/// The allow-lists the Kyverno samples write into their patterns, per policy: (policy,
/// rule id, parameters). Ours default to empty (not configured, nothing reported), so a
/// test of such a policy sets the sample's own list, as a user names their registries.
const SAMPLE_ALLOW_LISTS: &[(&str, &str, &str)] = &[
    (
        "restrict-image-registries",
        "BP006",
        r#"{"allowed_registries": ["eu.foo.io", "bar.io"]}"#,
    ),
    (
        "verify-git-repositories",
        "FLUX005",
        r#"{"allowed_urls": ["https://github.com/fluxcd/?*", "ssh://git@github.com:fluxcd/?*"]}"#,
    ),
    (
        "verify-flux-sources",
        "FLUX005",
        r#"{"allowed_urls": ["https://github.com/myorg/?*", "ssh://git@github.com:myorg/?*"]}"#,
    ),
    (
        "verify-flux-sources",
        "FLUX006",
        r#"{"allowed_endpoints": ["*.myorg.com"]}"#,
    ),
    (
        "verify-flux-sources",
        "FLUX007",
        r#"{"allowed_urls": ["https://?*.myorg.com/*"]}"#,
    ),
    (
        "verify-flux-sources",
        "FLUX008",
        r#"{"allowed_images": ["ghcr.io/myorg/*"]}"#,
    ),
];

/// Rule parameters a Kyverno rule carries in its own definition: the
/// `validate.podSecurity.exclude` list of a `podSecurity` rule becomes the
/// `exclude` parameter of the rule that maps it, and a sample's allow-list
/// ([`SAMPLE_ALLOW_LISTS`]) the list parameter of its rule.
fn params_from_policies(
    policies: &[Value],
    index: &BTreeMap<(String, String), Vec<usize>>,
    rules: &RuleSet,
) -> Result<serde_json::Map<String, Value>, String> {
    let mut params = serde_json::Map::new();
    for policy in policies {
        let name = policy["metadata"]["name"].as_str().unwrap_or_default();
        for (_, id, list) in SAMPLE_ALLOW_LISTS.iter().filter(|(p, _, _)| *p == name) {
            let value: Value = serde_json::from_str(list).map_err(|e| format!("{id}: {e}"))?;
            params.insert((*id).to_owned(), value);
        }
        let Some(kyverno_rules) = policy["spec"]["rules"].as_array() else {
            continue;
        };
        for kyverno_rule in kyverno_rules {
            let Some(exclude) = kyverno_rule["validate"]["podSecurity"].get("exclude") else {
                continue;
            };
            let rule_name = kyverno_rule["name"].as_str().unwrap_or_default();
            let key = (name.to_owned(), rule_name.to_owned());
            for &i in index.get(&key).into_iter().flatten() {
                let id = rules.rules[i].meta.id.clone();
                let value = json!({ "exclude": exclude });
                if let Some(previous) = params.get(&id) {
                    if previous != &value {
                        return Err(format!(
                            "{name}/{rule_name}: rule {id} would need two different `exclude` lists in one test"
                        ));
                    }
                }
                params.insert(id, value);
            }
        }
    }
    Ok(params)
}

/// Evaluators and `skip` engines, built once per configuration.
///
/// Each test lints its resources with only the rules its results map (the
/// rest disabled, as `--rule` or the configuration would): the verdicts are
/// the same, and the harness stays fast in a debug build.
struct Setups<'a> {
    rules: &'a RuleSet,
    /// By (configuration, enabled rule ids).
    evaluators: BTreeMap<(String, Vec<String>), Evaluator<'a>>,
    /// By configuration; only built when a rule declaring `skip` is judged.
    skip_engines: BTreeMap<String, regorus::Engine>,
    /// Ids of the rules whose package declares `skip`.
    declares_skip: BTreeSet<String>,
}

impl<'a> Setups<'a> {
    fn new(rules: &'a RuleSet) -> Result<Self, String> {
        let probe = rules.build_engine()?;
        let declares_skip = rules
            .rules
            .iter()
            .filter(|r| {
                probe
                    .has_declared_rule_rooted_at(&r.meta.source, "skip")
                    .unwrap_or(false)
            })
            .map(|r| r.meta.id.clone())
            .collect();
        Ok(Setups {
            rules,
            evaluators: BTreeMap::new(),
            skip_engines: BTreeMap::new(),
            declares_skip,
        })
    }

    fn evaluator(&mut self, config: &Value, enabled: &BTreeSet<String>) -> &Evaluator<'a> {
        let key = (config.to_string(), enabled.iter().cloned().collect());
        let rules = self.rules;
        self.evaluators.entry(key).or_insert_with(|| {
            let disabled = rules
                .rules
                .iter()
                .map(|r| r.meta.id.clone())
                .filter(|id| !enabled.contains(id))
                .collect();
            Evaluator::new(
                rules,
                EvalOptions {
                    config: config.clone(),
                    disabled,
                    // Mapped rules run even when off by default (the podSecurity profiles).
                    enabled: enabled.clone(),
                    ..EvalOptions::default()
                },
            )
        })
    }

    /// Whether `rule`'s optional `skip` holds for a document.
    fn skips(&mut self, config: &Value, rule: &Rule, document: &Document) -> Result<bool, String> {
        if !self.declares_skip.contains(&rule.meta.id) {
            return Ok(false);
        }
        let key = config.to_string();
        if !self.skip_engines.contains_key(&key) {
            let mut engine = self.rules.build_engine()?;
            engine
                .add_data(hubspoke_engine::rule_data(self.rules, config))
                .map_err(|e| e.to_string())?;
            self.skip_engines.insert(key.clone(), engine);
        }
        let Some(engine) = self.skip_engines.get_mut(&key) else {
            return Ok(false);
        };
        engine.set_input(to_rego_value(&document.root));
        let results = engine
            .eval_query(format!("{}.skip", rule.meta.package), false)
            .map_err(|e| format!("{}.skip: {e}", rule.meta.package))?;
        Ok(results
            .result
            .iter()
            .flat_map(|r| r.expressions.iter())
            .any(|e| e.value == regorus::Value::from(true)))
    }
}

/// One loaded resource document.
struct Resource<'f> {
    file: &'f ParsedFile,
    document: &'f Document,
    object: &'f ObjectMeta,
}

/// Whether a result's resource reference (`name` or `namespace/name`, plus an
/// optional kind) names this object.
fn names(reference: &str, kind: Option<&str>, object: &ObjectMeta) -> bool {
    if kind.is_some_and(|k| k != object.kind) {
        return false;
    }
    let (namespace, name) = match reference.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, reference),
    };
    object.name.as_deref() == Some(name)
        && namespace.is_none_or(|ns| object.namespace.as_deref().unwrap_or("default") == ns)
}

fn object_label(object: &ObjectMeta) -> String {
    let name = object.name.as_deref().unwrap_or("?");
    match &object.namespace {
        Some(ns) => format!("{}/{ns}/{name}", object.kind),
        None => format!("{}/{name}", object.kind),
    }
}

fn run() -> Run {
    let root = conformance_dir();
    let rules = RuleSet::load(bundled_sources());
    let mut run = Run::default();
    for f in &rules.load_findings {
        run.errors
            .push(format!("policy failed to load: {} {}", f.file, f.message));
    }
    let index = kyverno_index(&rules);
    let rule_ids: BTreeSet<&str> = rules.rules.iter().map(|r| r.meta.id.as_str()).collect();
    let allow_list = match load_allow_list(&root.join("allow-list.yaml")) {
        Ok(list) => list,
        Err(e) => {
            run.errors.push(e);
            Vec::new()
        }
    };
    let mut setups = match Setups::new(&rules) {
        Ok(setups) => setups,
        Err(e) => {
            run.errors.push(e);
            return run;
        }
    };

    for category in CATEGORIES {
        let tests = category_tests(&root, category).unwrap_or_else(|e| {
            run.errors.push(e);
            Vec::new()
        });
        let tallies = run.tallies.entry(category.to_owned()).or_default();
        for test_path in tests {
            let test_display = relative(&test_path, &root);
            let test_dir = test_path.parent().unwrap_or(&root).to_path_buf();
            let test = match read_yaml_documents(&test_path, &test_display) {
                Ok(mut docs) if !docs.is_empty() => docs.remove(0),
                Ok(_) => {
                    run.errors.push(format!("{test_display}: empty test"));
                    continue;
                }
                Err(e) => {
                    run.errors.push(e);
                    continue;
                }
            };
            let list = |key: &str| -> Vec<String> {
                test[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            };

            // Rule parameters the Kyverno policies carry (podSecurity exclusions).
            let mut policies = Vec::new();
            for policy_file in list("policies") {
                let path = test_dir.join(&policy_file);
                match read_yaml_documents(&path, &relative(&path, &root)) {
                    Ok(docs) => policies.extend(docs),
                    Err(e) => run.errors.push(format!("{test_display}: policy {e}")),
                }
            }
            let params = match params_from_policies(&policies, &index, &rules) {
                Ok(params) => params,
                Err(e) => {
                    run.errors.push(format!("{test_display}: {e}"));
                    continue;
                }
            };
            let config = json!({ "params": params });
            // Our rules that the test's results map; nothing to lint without one.
            let enabled: BTreeSet<String> = test["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    let policy = r["policy"].as_str()?.to_owned();
                    let rule = base_rule(r["rule"].as_str()?).to_owned();
                    index.get(&(policy, rule))
                })
                .flatten()
                .map(|&i| rules.rules[i].meta.id.clone())
                .collect();

            // The resources, linted the way the CLI lints them.
            let mut files = Vec::new();
            for resource_file in list("resources") {
                let path = test_dir.join(&resource_file);
                let display = relative(&path, &root);
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        files.push(parse_text(&display, &display, text, ParseLimits::default()))
                    }
                    Err(e) => run
                        .errors
                        .push(format!("{test_display}: resource {display}: {e}")),
                }
            }
            let findings = if enabled.is_empty() {
                Vec::new()
            } else {
                let refs: Vec<&ParsedFile> = files.iter().collect();
                let mut findings =
                    evaluate_files(setups.evaluator(&config, &enabled), &refs, &[], None);
                sort_findings(&mut findings);
                findings
            };
            let mut found: BTreeMap<(String, String, ObjectMeta), Vec<&Finding>> = BTreeMap::new();
            for finding in &findings {
                match &finding.object {
                    Some(object) if rule_ids.contains(finding.rule.as_str()) => found
                        .entry((finding.rule.clone(), finding.file.clone(), object.clone()))
                        .or_default()
                        .push(finding),
                    // Input problems and policy errors: the case cannot be judged.
                    _ => run.errors.push(format!(
                        "{test_display}: {} at {}: {}",
                        finding.rule, finding.file, finding.message
                    )),
                }
            }
            let resources: Vec<Resource<'_>> = files
                .iter()
                .flat_map(|file| {
                    file.objects().filter_map(move |document| {
                        document.object.as_ref().map(|object| Resource {
                            file,
                            document,
                            object,
                        })
                    })
                })
                .collect();

            for result in test["results"].as_array().into_iter().flatten() {
                let policy = result["policy"].as_str().unwrap_or_default().to_owned();
                let rule_name = result["rule"].as_str().unwrap_or_default();
                let rule = base_rule(rule_name).to_owned();
                let kind = result["kind"].as_str();
                let Some(expected) = result["result"].as_str().and_then(Verdict::parse) else {
                    run.errors.push(format!(
                        "{test_display}: {policy}/{rule_name}: unsupported result {}",
                        result["result"]
                    ));
                    continue;
                };
                let mut references: Vec<String> = result["resources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                if let Some(single) = result["resource"].as_str() {
                    references.push(single.to_owned());
                }
                let tally = tallies.entry((policy.clone(), rule.clone())).or_default();
                let Some(mapped) = index.get(&(policy.clone(), rule.clone())) else {
                    tally.not_mapped += references.len();
                    continue;
                };
                for &i in mapped {
                    tally.ours.insert(rules.rules[i].meta.id.clone());
                }
                for reference in references {
                    tally.mapped += 1;
                    let targets: Vec<&Resource<'_>> = resources
                        .iter()
                        .filter(|r| names(&reference, kind, r.object))
                        .collect();
                    let context = format!(
                        "{test_display}: {policy}/{rule_name} on {}{reference}",
                        kind.map(|k| format!("{k} ")).unwrap_or_default()
                    );
                    if targets.is_empty() {
                        run.errors.push(format!("{context}: resource not found"));
                        continue;
                    }
                    let mut verdicts = BTreeSet::new();
                    let mut details = Vec::new();
                    for target in &targets {
                        let mut rule_verdicts = Vec::new();
                        for &i in mapped {
                            let our = &rules.rules[i];
                            let applies = our.meta.kinds.iter().any(|s| {
                                kind_matches(s, target.object.group(), &target.object.kind)
                            });
                            let verdict = if !applies {
                                Verdict::Skip
                            } else {
                                match setups.skips(&config, our, target.document) {
                                    Err(e) => {
                                        run.errors.push(format!("{context}: {e}"));
                                        Verdict::Skip
                                    }
                                    Ok(true) => Verdict::Skip,
                                    Ok(false) => {
                                        let key = (
                                            our.meta.id.clone(),
                                            target.file.source.path.clone(),
                                            target.object.clone(),
                                        );
                                        match found.get(&key) {
                                            Some(list) => {
                                                for f in list {
                                                    let line = f.region.map_or(0, |r| r.start.line);
                                                    details.push(format!(
                                                        "    {} {}:{line}: {}",
                                                        f.rule, f.file, f.message
                                                    ));
                                                }
                                                Verdict::Fail
                                            }
                                            None => Verdict::Pass,
                                        }
                                    }
                                }
                            };
                            rule_verdicts.push(verdict);
                        }
                        // Several rules mapping one Kyverno rule act as one.
                        let verdict = if rule_verdicts.contains(&Verdict::Fail) {
                            Verdict::Fail
                        } else if rule_verdicts.contains(&Verdict::Pass) {
                            Verdict::Pass
                        } else {
                            Verdict::Skip
                        };
                        verdicts.insert(verdict);
                    }
                    let ours = if verdicts.len() == 1 {
                        verdicts.iter().next().copied()
                    } else {
                        None
                    };
                    if ours == Some(expected) {
                        tally.agree += 1;
                        continue;
                    }
                    let ours_text = ours.map_or("ambiguous", Verdict::as_str);
                    let allowed = allow_list.iter().find(|e| {
                        e.policy == policy
                            && e.rule == rule
                            && e.resource == reference
                            && e.expected == expected.as_str()
                            && e.ours == ours_text
                    });
                    if let Some(entry) = allowed {
                        tally.allow_listed += 1;
                        run.used_allow_entries.insert(entry.clone());
                        continue;
                    }
                    let labels: Vec<String> =
                        targets.iter().map(|t| object_label(t.object)).collect();
                    let mut text = format!(
                        "{context} ({}): Kyverno says {}, we say {ours_text}",
                        labels.join(", "),
                        expected.as_str()
                    );
                    for d in details {
                        text.push('\n');
                        text.push_str(&d);
                    }
                    run.disagreements.push(text);
                }
            }
        }
    }
    for entry in &allow_list {
        if !run.used_allow_entries.contains(entry) {
            run.errors.push(format!(
                "stale allow-list entry (no such disagreement): {}/{} on {} (expected {}, ours {})",
                entry.policy, entry.rule, entry.resource, entry.expected, entry.ours
            ));
        }
    }
    run
}

fn table(run: &Run) -> String {
    let mut out = String::new();
    for category in CATEGORIES {
        let Some(per_rule) = run.tallies.get(category) else {
            continue;
        };
        let mut total = Tally::default();
        for t in per_rule.values() {
            total.mapped += t.mapped;
            total.agree += t.agree;
            total.allow_listed += t.allow_listed;
            total.not_mapped += t.not_mapped;
        }
        let _ = writeln!(
            out,
            "{category}: {}/{} agree, {} allow-listed, {} not mapped",
            total.agree, total.mapped, total.allow_listed, total.not_mapped
        );
        for ((policy, rule), t) in per_rule {
            if t.mapped == 0 {
                let _ = writeln!(out, "  {policy}/{rule}: not mapped ({})", t.not_mapped);
            } else {
                let ours: Vec<&str> = t.ours.iter().map(String::as_str).collect();
                let _ = writeln!(
                    out,
                    "  {policy}/{rule} = {}: {}/{} agree{}",
                    ours.join("+"),
                    t.agree,
                    t.mapped,
                    if t.allow_listed > 0 {
                        format!(", {} allow-listed", t.allow_listed)
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    out
}

#[test]
fn kyverno_conformance() {
    let run = run();
    let table = table(&run);
    println!("{table}");
    let mut problems = String::new();
    for e in &run.errors {
        let _ = writeln!(problems, "error: {e}");
    }
    for d in &run.disagreements {
        let _ = writeln!(problems, "disagreement: {d}");
    }
    assert!(
        problems.is_empty(),
        "\n{table}\n{} disagreement(s), {} error(s):\n{problems}",
        run.disagreements.len(),
        run.errors.len()
    );
}

#[test]
fn auto_gen_names_map_to_the_pod_rule() {
    assert_eq!(base_rule("autogen-cronjob-host-path"), "host-path");
    assert_eq!(base_rule("autogen-host-path"), "host-path");
    assert_eq!(base_rule("host-path"), "host-path");
}

#[test]
fn references_name_objects_by_kind_namespace_and_name() {
    let object = ObjectMeta {
        api_version: "v1".to_owned(),
        kind: "Pod".to_owned(),
        namespace: Some("team".to_owned()),
        name: Some("web".to_owned()),
    };
    assert!(names("web", None, &object));
    assert!(names("web", Some("Pod"), &object));
    assert!(names("team/web", Some("Pod"), &object));
    assert!(!names("other/web", None, &object));
    assert!(!names("web", Some("Deployment"), &object));
}
