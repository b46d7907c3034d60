//! Loading policies: compile every source once, read each rule's metadata,
//! index rules by the kinds they apply to.

use std::collections::BTreeMap;

use hubspoke_manifest::{Mark, Region, SourceFile, Span};
use regorus::Engine;

use crate::builtin::POLICY_ERROR;
use crate::finding::{Finding, Severity};
use crate::metadata::{kind_matches, RuleMeta, Scope};
use crate::policy::PolicySource;

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its metadata (package and source filled in).
    pub meta: RuleMeta,
    /// The entry point evaluated per document: `data.<package>.violations`.
    pub entry: String,
}

/// Every loaded rule plus the problems met while loading.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Sources that compiled, in load order; each worker engine is built from them.
    pub sources: Vec<PolicySource>,
    /// Rego rules, sorted by id.
    pub rules: Vec<Rule>,
    /// Findings about broken policies (`policy-error`).
    pub load_findings: Vec<Finding>,
    by_kind: BTreeMap<String, Vec<usize>>,
    any_kind: Vec<usize>,
}

impl RuleSet {
    /// Whether `rule` ships with hubspoke-lint.
    pub fn is_bundled(&self, rule: &Rule) -> bool {
        self.sources
            .iter()
            .any(|s| s.bundled && s.path == rule.meta.source)
    }

    /// Compile `sources` and read every rule's metadata. A broken source is a
    /// `policy-error` finding, and the others still load.
    pub fn load(sources: Vec<PolicySource>) -> RuleSet {
        let mut set = RuleSet::default();
        let mut candidates: Vec<PolicySource> = Vec::with_capacity(sources.len());
        for source in sources {
            // The bundled library calls no network builtin (a test checks it): scan users' only.
            let refused = (!source.bundled)
                .then(|| crate::network::network_call(&source))
                .flatten();
            match refused {
                Some(refused) => set.load_findings.push(refused),
                None => candidates.push(source),
            }
        }
        // regorus compiles all modules together when first evaluating, so one
        // module with a semantic error would disable every rule. Drop the module
        // each error names and retry, so a broken policy costs only itself.
        let (mut engine, mut packages) = loop {
            let mut engine = match new_engine() {
                Ok(engine) => engine,
                Err(message) => {
                    set.load_findings.push(Finding::new(
                        POLICY_ERROR,
                        Severity::Error,
                        format!("the rule engine could not be prepared, no rule runs: {message}"),
                        "policies",
                    ));
                    set.sources.clear();
                    return set;
                }
            };
            let mut packages: Vec<(usize, String)> = Vec::new();
            set.sources.clear();
            for mut source in candidates.drain(..) {
                match add_source(&mut engine, &mut source) {
                    Ok(package) => {
                        packages.push((set.sources.len(), package));
                        set.sources.push(source);
                    }
                    Err(error) => set.load_findings.push(policy_error(&source, &error)),
                }
            }
            let Err(error) = engine.eval_query("true".to_owned(), false) else {
                break (engine, packages);
            };
            let message = error.to_string();
            let culprit = set
                .sources
                .iter()
                .position(|s| message.contains(&format!("{}:", s.path)));
            match culprit {
                Some(index) => {
                    let broken = set.sources.remove(index);
                    set.load_findings.push(policy_error(&broken, &message));
                    candidates = std::mem::take(&mut set.sources);
                }
                None => {
                    // Not attributable to one file: report it once and load nothing.
                    if let Some(first) = set.sources.first() {
                        set.load_findings.push(policy_error(first, &message));
                    }
                    set.sources.clear();
                    return set;
                }
            }
        };
        packages.retain(|(i, _)| *i < set.sources.len());
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (index, package) in packages {
            let source = &set.sources[index];
            if !source.bundled {
                for rule in conftest_rules(&engine, source, &package) {
                    if !seen.contains_key(&rule.meta.id) {
                        seen.insert(rule.meta.id.clone(), source.path.clone());
                        set.rules.push(rule);
                    }
                }
            }
            let Some(meta) = read_metadata(&mut engine, source, &package, &mut set.load_findings)
            else {
                continue;
            };
            if let Some(other) = seen.get(&meta.id) {
                set.load_findings.push(policy_error(
                    source,
                    &format!("rule id {} is already used by {other}", meta.id),
                ));
                continue;
            }
            seen.insert(meta.id.clone(), source.path.clone());
            set.rules.push(Rule {
                entry: format!("{package}.violations"),
                meta,
            });
        }
        set.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        set.index();
        set
    }

    fn index(&mut self) {
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.meta.scope != Scope::Document {
                continue;
            }
            for selector in &rule.meta.kinds {
                let kind = selector.rsplit('/').next().unwrap_or(selector);
                if kind == "*" {
                    self.any_kind.push(i);
                } else {
                    self.by_kind.entry(kind.to_owned()).or_default().push(i);
                }
            }
        }
        for list in self.by_kind.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        self.any_kind.sort_unstable();
        self.any_kind.dedup();
    }

    /// Indices into [`RuleSet::rules`] of the document rules that apply to an object.
    pub fn rules_for(&self, group: &str, kind: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .chain(self.any_kind.iter())
            .copied()
            .filter(|i| {
                self.rules[*i]
                    .meta
                    .kinds
                    .iter()
                    .any(|s| kind_matches(s, group, kind))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Build an engine holding every source that compiled.
    pub fn build_engine(&self) -> Result<Engine, String> {
        let mut engine = new_engine()?;
        for source in &self.sources {
            source
                .add_to(&mut engine)
                .map_err(|e| format!("{}: {e}", source.path))?;
        }
        Ok(engine)
    }
}

/// Add a source in Rego v1; a user's source that does not parse so is tried as Rego v0
/// (conftest policies written before OPA 1.0). Policies and `hubspoke-lint test` files
/// both come through here. When neither parses, the error reported is the one found
/// further into the file: a v0 policy with a typo fails as v1 on its first `deny[msg] {`
/// but as v0 at the typo, and a v1 policy with a typo the other way round.
pub(crate) fn add_source(engine: &mut Engine, source: &mut PolicySource) -> Result<String, String> {
    let v1_error = match source.add_to(engine) {
        Ok(package) => return Ok(package),
        Err(error) => error,
    };
    if source.bundled || source.rego_v0 {
        return Err(v1_error);
    }
    source.rego_v0 = true;
    source.add_to(engine).map_err(|v0_error| {
        source.rego_v0 = false;
        let further = |error: &str| error_position(&source.path, error);
        match (further(&v1_error), further(&v0_error)) {
            (Some(v1), Some(v0)) if v0 > v1 => v0_error,
            _ => v1_error,
        }
    })
}

/// The 1-based `(line, column)` a regorus message gives for `path` (`path:line:col`).
fn error_position(path: &str, message: &str) -> Option<(u32, u32)> {
    let at = message.find(&format!("{path}:"))? + path.len() + 1;
    let mut numbers = message[at..]
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .map(|n| n.parse::<u32>().ok());
    Some((numbers.next()??, numbers.next()??))
}

/// A regorus engine with our settings: Rego v1, lenient builtin errors, our builtins
/// (`hubspoke.context`, the capped `numbers.range`). `Err` says which builtin regorus
/// refused to register.
pub fn new_engine() -> Result<Engine, String> {
    let mut engine = Engine::new();
    crate::context::register(&mut engine)
        .map_err(|e| format!("cannot register hubspoke.context: {e}"))?;
    crate::bounded::register(&mut engine)
        .map_err(|e| format!("cannot register the capped numbers.range builtins: {e}"))?;
    engine.set_rego_v0(false);
    engine.set_strict_builtin_errors(false);
    Ok(engine)
}

/// conftest's conventions, so existing policies work unchanged: a package
/// without `metadata` whose `deny`, `violation` (errors) or `warn` (warnings)
/// rules return strings or objects with `msg`, applied to every document.
fn conftest_rules(engine: &Engine, source: &PolicySource, package: &str) -> Vec<Rule> {
    let declares = |name: &str| {
        engine
            .has_declared_rule_rooted_at(&source.path, name)
            .unwrap_or(false)
    };
    if declares("metadata") {
        return Vec::new();
    }
    let short = package.strip_prefix("data.").unwrap_or(package);
    conftest_rule_names(&source.text)
        .into_iter()
        .filter(|(name, _)| declares(name))
        .map(|(name, severity)| Rule {
            entry: format!("{package}.{name}"),
            meta: RuleMeta {
                tags: vec!["user".to_owned(), "conftest".to_owned()],
                package: package.to_owned(),
                source: source.path.clone(),
                bundled: false,
                ..RuleMeta::built_in(
                    &format!("{short}.{name}"),
                    &format!("{short}-{name}").replace(['.', '_'], "-"),
                    "user",
                    severity,
                    &format!(
                        "User policy `{short}.{name}` (conftest conventions): each result is a finding."
                    ),
                    &format!("See the policy in {}.", source.path),
                )
            },
        })
        .collect()
}

/// The rules conftest evaluates, with the severity of their findings: `deny`, `violation`
/// and `warn`, and those names followed by `_` and a suffix (`deny_privileged`). Read from
/// the rule heads; the engine confirms each.
fn conftest_rule_names(text: &str) -> Vec<(String, Severity)> {
    let mut names: Vec<(String, Severity)> = crate::rego_text::rule_heads(text)
        .into_iter()
        .filter_map(|head| {
            let severity = [
                ("deny", Severity::Error),
                ("violation", Severity::Error),
                ("warn", Severity::Warning),
            ]
            .into_iter()
            .find(|(prefix, _)| {
                head == *prefix
                    || head
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('_'))
            })?
            .1;
            Some((head.to_owned(), severity))
        })
        .collect();
    names.sort();
    names
}

fn read_metadata(
    engine: &mut Engine,
    source: &PolicySource,
    package: &str,
    errors: &mut Vec<Finding>,
) -> Option<RuleMeta> {
    let declares = |name: &str| {
        engine
            .has_declared_rule_rooted_at(&source.path, name)
            .unwrap_or(false)
    };
    let has_metadata = declares("metadata");
    let has_violations = declares("violations");
    if !has_metadata && !has_violations {
        return None; // a library package
    }
    if !has_metadata {
        errors.push(policy_error(
            source,
            &format!("{package} declares `violations` but no `metadata` object"),
        ));
        return None;
    }
    if !has_violations {
        errors.push(policy_error(
            source,
            &format!("{package} declares `metadata` but no `violations` rule"),
        ));
        return None;
    }
    let value = match engine.eval_rule(format!("{package}.metadata")) {
        Ok(value) => value,
        Err(error) => {
            errors.push(policy_error(
                source,
                &format!("cannot evaluate metadata: {error}"),
            ));
            return None;
        }
    };
    let json = match value.to_json_str() {
        Ok(json) => json,
        Err(error) => {
            errors.push(policy_error(
                source,
                &format!("metadata is not JSON: {error}"),
            ));
            return None;
        }
    };
    let mut meta: RuleMeta = match serde_json::from_str(&json) {
        Ok(meta) => meta,
        Err(error) => {
            errors.push(policy_error(source, &format!("invalid metadata: {error}")));
            return None;
        }
    };
    let problems = meta.problems();
    if !problems.is_empty() {
        // Point at the declaration at fault when a problem names one, else at `metadata`.
        let named = meta.parameters.iter().find_map(|p| {
            problems
                .iter()
                .any(|problem| problem.contains(&format!("`{}`", p.name)))
                .then_some(p.name.as_str())
        });
        let mut error = policy_error(
            source,
            &format!("invalid metadata: {}", problems.join("; ")),
        );
        if let Some((line, column)) = crate::rego_text::metadata_position(&source.text, named) {
            error.region = Some(region_at(source, line, column));
        }
        errors.push(error);
        return None;
    }
    meta.package = package.to_owned();
    meta.source = source.path.clone();
    meta.bundled = source.bundled;
    if source.bundled {
        meta.examples = crate::policy::rule_examples(&source.path);
    }
    Some(meta)
}

/// A `policy-error` finding on a policy file, at the `file:line:col` the
/// message names when it names one.
pub fn policy_error(source: &PolicySource, message: &str) -> Finding {
    let region = locate_in_message(source, message);
    let reason = error_reason(message);
    Finding {
        rule: POLICY_ERROR.to_owned(),
        severity: Severity::Error,
        message: format!("policy failed to load: {reason}"),
        file: source.path.clone(),
        region,
        object: None,
        path: Default::default(),
        related: Vec::new(),
        effective_namespace: None,
        clusters: Vec::new(),
    }
}

/// The reason in a regorus error: it puts the location first (`--> file:line:col` and a
/// code frame) and the reason on a line starting with `error:`.
pub(crate) fn error_reason(message: &str) -> &str {
    message
        .lines()
        .find_map(|l| l.trim().strip_prefix("error:"))
        .or_else(|| message.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or(message)
        .trim()
}

fn locate_in_message(source: &PolicySource, message: &str) -> Option<Region> {
    let (line, col) = error_position(&source.path, message)?;
    Some(region_at(source, line, col))
}

/// The empty region at a 1-based line and column of a policy.
fn region_at(source: &PolicySource, line: u32, col: u32) -> Region {
    let file = SourceFile::new(
        source.path.as_str(),
        source.path.as_str(),
        source.text.as_str(),
    );
    let mark = Mark {
        line,
        col: col.saturating_sub(1),
    };
    file.region(Span {
        start: mark,
        end: mark,
    })
}
