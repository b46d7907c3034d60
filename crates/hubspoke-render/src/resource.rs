//! Resources during a build: the tree, where it started, and what kustomize
//! keeps in its build annotations (previous ids, prefixes, generator behaviour),
//! here kept beside the tree instead of inside it.

use hubspoke_manifest::yaml::NodeValue;

use crate::origin::{Origin, RNode};
use crate::resid::{effective_namespace, split_api_version, Gvk, ResId};
use crate::tree::{self, str_at};

/// How a generated ConfigMap or Secret combines with an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// A new object (an existing id is an error).
    #[default]
    Create,
    /// Data merged into the existing object's.
    Merge,
    /// The existing object replaced.
    Replace,
}

/// What kustomize remembers about a resource during a build.
#[derive(Debug, Clone, Default)]
pub struct BuildMeta {
    /// Ids before renames, oldest first: (kind, name, effective namespace).
    pub previous: Vec<(String, String, String)>,
    /// Name prefixes applied, innermost first.
    pub prefixes: Vec<String>,
    /// Name suffixes applied, innermost first.
    pub suffixes: Vec<String>,
    /// Generator behaviour.
    pub behavior: Behavior,
    /// Whether the name gets the content-hash suffix at the end of the build.
    pub needs_hash: bool,
    /// Whether this resource was generated (ConfigMap/Secret generators).
    pub generated: bool,
}

/// A resource being built.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The object.
    pub root: RNode,
    /// The resource document it started from (or the generator entry).
    pub source: Origin,
    /// Build bookkeeping.
    pub build: BuildMeta,
}

impl Resource {
    /// A resource read from a document.
    pub fn new(root: RNode, source: Origin) -> Self {
        Resource {
            root,
            source,
            build: BuildMeta::default(),
        }
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        str_at(&self.root, &["apiVersion"]).unwrap_or("")
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        str_at(&self.root, &["kind"]).unwrap_or("")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        str_at(&self.root, &["metadata", "name"]).unwrap_or("")
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        str_at(&self.root, &["metadata", "namespace"]).unwrap_or("")
    }

    /// Group, version, kind.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.api_version(), self.kind())
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        ResId::new(self.gvk(), self.name(), self.namespace())
    }

    /// Whether the current id equals `id`, itself a current id (kustomize's `equals`:
    /// same group, version, kind, name and effective namespace). Duplicate checks
    /// compare every resource of a build with every other: this reads the fields in
    /// place instead of building (and allocating) `cur_id()` each time.
    pub fn has_current_id(&self, id: &ResId) -> bool {
        if self.name() != id.name || self.kind() != id.gvk.kind {
            return false;
        }
        let (group, version) = split_api_version(self.api_version());
        // Same group, version and kind as `id`, so the same scope: a current id's
        // scope depends on those alone.
        group == id.gvk.group
            && version == id.gvk.version
            && effective_namespace(id.cluster_scoped, self.namespace()) == id.effective_namespace()
    }

    /// Ids before renames, oldest first (never cluster-scoped, as in kustomize).
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.build
            .previous
            .iter()
            .map(|(kind, name, namespace)| ResId {
                gvk: Gvk {
                    kind: kind.clone(),
                    ..gvk.clone()
                },
                name: name.clone(),
                namespace: namespace.clone(),
                cluster_scoped: false,
            })
            .collect()
    }

    /// The id the resource had when it entered the build.
    pub fn org_id(&self) -> ResId {
        self.prev_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.cur_id())
    }

    /// Every id: previous ones then the current one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = self.prev_ids();
        ids.push(self.cur_id());
        ids
    }

    /// Record the current id before a rename.
    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        let namespace = id.effective_namespace().to_owned();
        self.build.previous.push((id.gvk.kind, id.name, namespace));
    }

    /// Set `metadata.name` (the value node gets `origin`).
    pub fn set_name(&mut self, name: &str, origin: Origin) {
        self.set_metadata_string("name", name, origin);
    }

    fn set_metadata_string(&mut self, key: &str, value: &str, origin: Origin) {
        let fallback = self.root.span;
        if let Some(metadata) = tree::ensure_map(&mut self.root, "metadata", fallback) {
            tree::set_field(metadata, key, tree::string_node(value, origin));
        }
    }

    /// Whether kustomize would carry build annotations on this resource now
    /// (previous ids, prefixes, generator settings): they make
    /// `metadata.annotations` exist during the build, which JSON patches see.
    pub fn has_build_annotations(&self) -> bool {
        !self.build.previous.is_empty()
            || !self.build.prefixes.is_empty()
            || !self.build.suffixes.is_empty()
            || self.build.generated
    }

    /// Whether the tree is empty (a strategic-merge `$patch: delete` removed it).
    pub fn is_empty(&self) -> bool {
        match &self.root.value {
            NodeValue::Map(entries) => entries.is_empty(),
            NodeValue::Null => true,
            _ => false,
        }
    }
}

/// Whether the shorter list ends the longer one, an empty list only matching
/// another empty one (kustomize's `SameEndingSubSlice`).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long[long.len() - short.len()..] == *short
}

/// kustomize's `PrefixesSuffixesEquals`.
pub fn prefixes_suffixes_equal(a: &BuildMeta, b: &BuildMeta, allow_empty: bool) -> bool {
    if allow_empty {
        let prefix_ok =
            a.prefixes.is_empty() || b.prefixes.is_empty() || same_ending(&a.prefixes, &b.prefixes);
        let suffix_ok =
            a.suffixes.is_empty() || b.suffixes.is_empty() || same_ending(&a.suffixes, &b.suffixes);
        prefix_ok && suffix_ok
    } else {
        same_ending(&a.prefixes, &b.prefixes) && same_ending(&a.suffixes, &b.suffixes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn ending_sub_slices() {
        assert!(same_ending(&s(&["a", "b"]), &s(&["b"])));
        assert!(!same_ending(&s(&["a", "b"]), &s(&["a"])));
        assert!(!same_ending(&s(&[]), &s(&["a"])));
        assert!(same_ending(&s(&[]), &s(&[])));
    }
}
