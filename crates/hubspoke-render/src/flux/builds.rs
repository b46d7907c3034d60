//! The kustomize builds of one render, memoised and computed in parallel.
//!
//! A kustomize build is a pure function of the render's files, the directory and
//! the kustomization Flux made for it. Clusters of a fleet build the same
//! directories with the same kustomization (51 clusters of the generated
//! repository install the same shared infrastructure), so each distinct
//! (directory, kustomization) is built once and its output cloned for every other
//! Kustomization that asks for it. The builds a wave of the walk will need are
//! computed beforehand on rayon's threads; the walk itself stays serial, so what
//! the clusters receive, and in which order, does not depend on the thread count.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

use hubspoke_manifest::yaml::{Node, NodeValue};
use rayon::prelude::*;

use crate::render::RenderInput;
use crate::{FileId, KustomizeOutput, Origin, RNode};

/// A build's inputs besides the files: the directory and its kustomization, origins
/// included (an origin is where a finding lands, so two builds whose kustomizations
/// differ only there are different builds).
#[derive(Debug, Clone, PartialEq, Hash)]
pub(crate) struct BuildKey {
    pub dir: String,
    pub kustomization: RNode,
}

impl Eq for BuildKey {}

/// A build's output and what the walk asks of each of its objects every time the
/// build is used, computed once with the build.
pub(crate) struct Built {
    pub output: KustomizeOutput,
    /// Per object: whether some string of it (key or value) holds a `$`. Substitution
    /// leaves an object without one as it is (`substitute_string` is `Ok(None)`), so
    /// the post-build need not copy it.
    pub substitutable: Vec<bool>,
    /// Per object: the files some value of it came from, its source included.
    pub files: Vec<Vec<FileId>>,
}

impl Built {
    fn new(output: KustomizeOutput) -> Self {
        let substitutable = output
            .objects
            .iter()
            .map(|o| holds_dollar(&o.root))
            .collect();
        let files = output
            .objects
            .iter()
            .map(|object| {
                let mut files = BTreeSet::new();
                collect_files(&object.root, &mut files);
                files.insert(object.source.file);
                files.into_iter().collect()
            })
            .collect();
        Built {
            output,
            substitutable,
            files,
        }
    }
}

/// Whether a string of the tree (a mapping key included) holds a `$`.
fn holds_dollar(node: &RNode) -> bool {
    match &node.value {
        NodeValue::Str(s) => s.contains('$'),
        NodeValue::Seq(items) => items.iter().any(holds_dollar),
        NodeValue::Map(entries) => entries
            .iter()
            .any(|(k, v)| holds_dollar(k) || holds_dollar(v)),
        _ => false,
    }
}

/// Every file a node of the tree came from.
pub(crate) fn collect_files(node: &Node<Origin>, used: &mut BTreeSet<FileId>) {
    used.insert(node.span.file);
    match &node.value {
        NodeValue::Seq(items) => items.iter().for_each(|i| collect_files(i, used)),
        NodeValue::Map(entries) => entries.iter().for_each(|(k, v)| {
            collect_files(k, used);
            collect_files(v, used);
        }),
        _ => {}
    }
}

/// Every build of one render so far, by its inputs.
#[derive(Default)]
pub(crate) struct Builds {
    done: HashMap<BuildKey, Built>,
}

impl Builds {
    /// Build every request not built yet, in parallel.
    pub fn prefetch(&mut self, input: &dyn RenderInput, requests: &[BuildKey]) {
        let mut seen: HashSet<&BuildKey> = HashSet::new();
        let missing: Vec<&BuildKey> = requests
            .iter()
            .filter(|key| !self.done.contains_key(*key) && seen.insert(*key))
            .collect();
        let built: Vec<(BuildKey, Built)> = missing
            .into_par_iter()
            .map(|key| {
                let output = input.build_with(&key.dir, &key.kustomization);
                (key.clone(), Built::new(output))
            })
            .collect();
        self.done.extend(built);
    }

    /// The output of building `key`, from a build done before when there is one.
    pub fn output(&mut self, input: &dyn RenderInput, key: BuildKey) -> &Built {
        self.done
            .entry(key)
            .or_insert_with_key(|key| Built::new(input.build_with(&key.dir, &key.kustomization)))
    }
}
