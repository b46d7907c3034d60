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

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use rayon::prelude::*;

use crate::render::RenderInput;
use crate::{KustomizeOutput, RNode};

/// A build's inputs besides the files: the directory and its kustomization, origins
/// included (an origin is where a finding lands, so two builds whose kustomizations
/// differ only there are different builds).
#[derive(Debug, Clone, PartialEq, Hash)]
pub(crate) struct BuildKey {
    pub dir: String,
    pub kustomization: RNode,
}

impl Eq for BuildKey {}

/// Every build of one render so far, by its inputs.
#[derive(Default)]
pub(crate) struct Builds {
    done: HashMap<BuildKey, KustomizeOutput>,
}

impl Builds {
    /// Build every request not built yet, in parallel.
    pub fn prefetch(&mut self, input: &dyn RenderInput, requests: &[BuildKey]) {
        let mut seen: HashSet<&BuildKey> = HashSet::new();
        let missing: Vec<&BuildKey> = requests
            .iter()
            .filter(|key| !self.done.contains_key(*key) && seen.insert(*key))
            .collect();
        let built: Vec<(BuildKey, KustomizeOutput)> = missing
            .into_par_iter()
            .map(|key| {
                let output = input.build_with(&key.dir, &key.kustomization);
                (key.clone(), output)
            })
            .collect();
        self.done.extend(built);
    }

    /// The output of building `key`, from a build done before when there is one.
    pub fn output(&mut self, input: &dyn RenderInput, key: BuildKey) -> &KustomizeOutput {
        self.done
            .entry(key)
            .or_insert_with_key(|key| input.build_with(&key.dir, &key.kustomization))
    }
}
