//! The walk down the graph of Flux Kustomizations, as the controllers would
//! reconcile it: from each cluster's bootstrap, every Kustomization is built
//! (Flux's kustomization over kustomize), its objects substituted, and the
//! Kustomizations among them — already patched by their parent, since the
//! parent's `spec.patches` apply to every object it builds — rendered in turn.
//!
//! A Kustomization is reconciled on the cluster it was applied to and applies
//! its objects there, or through `spec.kubeConfig` to another cluster.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{RepoModel, Span, FLUX_KUSTOMIZE_GROUP};

use super::builds::{collect_files, BuildKey, Builds};
use super::generator::{flux_kustomization, Base};
use super::postbuild::{Applied, PostBuild};
use crate::render::{
    ClusterObject, ClusterRender, KustomizationRef, Render, RenderInput, RenderOptions,
    RenderedKustomization,
};
use crate::substitute::{Referent, SourceRef, Variables};
use crate::KUSTOMIZATION_FILE_NAMES;
use crate::{
    FileId, Origin, ProblemCode, RNode, RenderProblem, RenderedObject, Unknown, UnknownKind,
};
use rayon::prelude::*;

/// A Flux Kustomization waiting to be rendered.
struct Pending {
    /// The object as its parent rendered it.
    node: Node<Origin>,
    /// Where it is written; none for a bootstrap the repository lacks.
    origin: Option<Origin>,
    /// The cluster it was applied to, whose controller reconciles it.
    lives_on: String,
    /// The Kustomizations above it, the bootstrap first.
    ancestors: Vec<KustomizationRef>,
}

pub(crate) struct Walk<'a> {
    input: &'a dyn RenderInput,
    model: &'a RepoModel,
    options: &'a RenderOptions,
    /// Repository path → file.
    paths: BTreeMap<String, FileId>,
    clusters: BTreeMap<String, ClusterRender>,
    queue: VecDeque<Pending>,
    /// (cluster reconciling it, namespace, name) of every Kustomization reached →
    /// its `spec` as first rendered (positions dropped), to tell a descendant
    /// re-applying the same definition from one applying another.
    visited: BTreeMap<(String, String, String), serde_json::Value>,
    /// Directories some Kustomization built.
    built: BTreeSet<String>,
    /// Files some rendered value came from.
    used: BTreeSet<FileId>,
    /// Patch targets that selected something in some build.
    matched_patch_targets: HashSet<Origin>,
    /// The kustomize builds so far (shared between clusters).
    builds: Builds,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(
        input: &'a dyn RenderInput,
        model: &'a RepoModel,
        options: &'a RenderOptions,
    ) -> Self {
        let paths: BTreeMap<String, FileId> = input
            .files()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.source.repo_path.clone(), FileId(i as u32)))
            .collect();
        let clusters = model
            .clusters
            .iter()
            .map(|c| (c.name.clone(), empty_cluster(&c.name)))
            .collect();
        Walk {
            input,
            model,
            options,
            paths,
            clusters,
            queue: VecDeque::new(),
            visited: BTreeMap::new(),
            built: BTreeSet::new(),
            used: BTreeSet::new(),
            matched_patch_targets: HashSet::new(),
            builds: Builds::default(),
        }
    }

    pub(crate) fn run(mut self) -> Render {
        let mut without_bootstrap = Vec::new();
        for cluster in &self.model.clusters {
            let Some(dir) = cluster.directory.as_deref() else {
                continue;
            };
            let roots = self.bootstraps(dir);
            if roots.is_empty() && !cluster.bootstrap_path_missing {
                without_bootstrap.push((cluster.name.clone(), dir.to_owned()));
            }
            for root in roots {
                self.queue.push_back(Pending {
                    lives_on: cluster.name.clone(),
                    ..root
                });
            }
        }
        self.drain();
        // A cluster directory nothing reconciles is applied as a bootstrap
        // `flux-system` Kustomization would: the repository may leave
        // `gotk-sync.yaml` out, it is created by `flux bootstrap`. Not when some
        // Kustomization already builds it or a directory inside it: then the
        // cluster is reconciled from elsewhere (a hub applying `clusters/<spoke>/apps`
        // through a kubeconfig), and a bootstrap would apply its objects twice.
        for (cluster, dir) in without_bootstrap {
            let inside = format!("{dir}/");
            if self
                .built
                .iter()
                .any(|built| *built == dir || built.starts_with(&inside))
            {
                continue;
            }
            if let Some(root) = self.implicit_bootstrap(&dir) {
                self.queue.push_back(Pending {
                    lives_on: cluster,
                    ..root
                });
                self.drain();
            }
        }
        // The shared builds are no longer needed: freeing their trees (~25 ms on the
        // generated 10,000-file repository) is done on another thread.
        let builds = std::mem::take(&mut self.builds);
        rayon::spawn(move || drop(builds));
        // Files declaring objects (kustomize's own configuration aside) that
        // no rendered value came from.
        let unrendered_files = self
            .input
            .files()
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.documents.iter().any(|d| {
                    d.object
                        .as_ref()
                        .is_some_and(|o| o.group() != "kustomize.config.k8s.io")
                })
            })
            .map(|(i, _)| FileId(i as u32))
            .filter(|id| !self.used.contains(id))
            .collect();
        // A patch kustomize accepts although it selects nothing in one build (a
        // Component's, or one a parent Kustomization's `spec.patches` gives all its
        // children) does its work where it selects something: it is a mistake only
        // when it selects nothing anywhere.
        let mistaken = |p: &RenderProblem| {
            p.kustomize_fails
                || p.code != ProblemCode::PatchTargetNotFound
                || !self.matched_patch_targets.contains(&p.origin)
        };
        for cluster in self.clusters.values_mut() {
            cluster.problems.retain(mistaken);
            for record in &mut cluster.kustomizations {
                record.problems.retain(mistaken);
            }
        }
        Render {
            clusters: self.clusters.into_values().collect(),
            unrendered_files,
        }
    }

    /// Process the queue in order, one wave at a time: the Kustomizations queued now
    /// (their builds computed in parallel first), then those they queued.
    fn drain(&mut self) {
        while !self.queue.is_empty() {
            let requests: Vec<BuildKey> = self
                .queue
                .iter()
                .filter_map(|pending| self.build_request(pending))
                .collect();
            self.builds.prefetch(self.input, &requests);
            for _ in 0..self.queue.len() {
                if let Some(next) = self.queue.pop_front() {
                    self.process(next);
                }
            }
        }
    }

    /// The build `process` will ask for `pending`, if it reaches the build (the
    /// state of the walk may still skip it: a build done for nothing is only time).
    fn build_request(&self, pending: &Pending) -> Option<BuildKey> {
        let node = &pending.node;
        let this = kustomization_ref(node, pending.origin);
        let same = |k: &KustomizationRef| k.namespace == this.namespace && k.name == this.name;
        let key = (
            pending.lives_on.clone(),
            this.namespace.clone(),
            this.name.clone(),
        );
        if pending.ancestors.iter().any(same) || self.visited.contains_key(&key) {
            return None;
        }
        if self.foreign_source(node, &this).is_some() {
            return None;
        }
        let raw = node
            .get("spec")
            .and_then(|s| s.get("path"))
            .and_then(Node::as_str)
            .unwrap_or("");
        let dir = self.path_dir(node, &this, raw);
        if raw.contains("${") || !self.is_dir(&dir) {
            return None;
        }
        let kustomization = self.kustomization_for(node, &dir, &mut Vec::new());
        Some(BuildKey { dir, kustomization })
    }

    /// The bootstrap Kustomizations of a cluster directory: local ones written
    /// in it whose `spec.path` is the directory itself.
    fn bootstraps(&self, dir: &str) -> Vec<Pending> {
        let prefix = format!("{dir}/");
        let mut roots = Vec::new();
        for fk in &self.model.flux_kustomizations {
            let object = &self.model.objects[fk.object];
            let reconciles_dir = fk.path.as_ref().is_some_and(|p| p.target == dir);
            if object.patch
                || !fk.local_source
                || !reconciles_dir
                || !object.file.starts_with(&prefix)
            {
                continue;
            }
            let Some(location) = self.model.locations.get(fk.object) else {
                continue;
            };
            let Some(document) = self
                .input
                .files()
                .get(location.file)
                .and_then(|f| f.documents.get(location.document))
            else {
                continue;
            };
            let file = FileId(location.file as u32);
            let node = document
                .root
                .map_positions(&mut |span| Origin { file, span: *span });
            roots.push(Pending {
                origin: Some(node.span),
                node,
                lives_on: String::new(),
                ancestors: Vec::new(),
            });
        }
        roots
    }

    /// The `flux-system` Kustomization `flux bootstrap` would create for `dir`.
    fn implicit_bootstrap(&self, dir: &str) -> Option<Pending> {
        let file = self.files_under(dir).next()?;
        let origin = Origin {
            file,
            span: Span::default(),
        };
        let text = |s: &str| Node {
            span: origin,
            value: NodeValue::Str(s.to_owned()),
        };
        let map = |entries: Vec<(&str, Node<Origin>)>| Node {
            span: origin,
            value: NodeValue::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect()),
        };
        let node = map(vec![
            ("apiVersion", text("kustomize.toolkit.fluxcd.io/v1")),
            ("kind", text("Kustomization")),
            (
                "metadata",
                map(vec![
                    ("name", text("flux-system")),
                    ("namespace", text("flux-system")),
                ]),
            ),
            (
                "spec",
                map(vec![
                    ("path", text(dir)),
                    (
                        "sourceRef",
                        map(vec![
                            ("kind", text("GitRepository")),
                            ("name", text("flux-system")),
                        ]),
                    ),
                ]),
            ),
        ]);
        Some(Pending {
            node,
            origin: None,
            lives_on: String::new(),
            ancestors: Vec::new(),
        })
    }

    fn files_under<'s>(&'s self, dir: &str) -> impl Iterator<Item = FileId> + 's {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.paths
            .range(prefix.clone()..)
            .take_while(move |(p, _)| p.starts_with(&prefix))
            .map(|(_, id)| *id)
    }

    fn is_dir(&self, dir: &str) -> bool {
        dir.is_empty() || self.files_under(dir).next().is_some()
    }

    fn cluster(&mut self, name: &str) -> &mut ClusterRender {
        self.clusters
            .entry(name.to_owned())
            .or_insert_with(|| empty_cluster(name))
    }

    fn process(&mut self, pending: Pending) {
        let Pending {
            node,
            origin,
            lives_on,
            ancestors,
        } = pending;
        let this = kustomization_ref(&node, origin);
        let same = |k: &KustomizationRef| k.namespace == this.namespace && k.name == this.name;
        if ancestors.last().is_some_and(same) {
            // A Kustomization among its own objects: the bootstrap applying itself.
            return;
        }
        let applies_to = self.applies_to(&node, &this, &lives_on);
        let key = (lives_on.clone(), this.namespace.clone(), this.name.clone());
        let spec_json = node
            .get("spec")
            .map_or(serde_json::Value::Null, Node::to_json);
        if ancestors.iter().any(same) {
            // A descendant applying its ancestor again as it was already applied is
            // what Flux tolerates (the bootstrap re-applied by a Kustomization of the
            // whole tree): both own the same object and nothing changes. It is
            // rendered once. Another definition under the same name makes the two
            // overwrite each other's spec forever, pruning what the other applied.
            if self.visited.get(&key) == Some(&spec_json) {
                return;
            }
            let chain: Vec<String> = ancestors
                .iter()
                .chain(std::iter::once(&this))
                .map(ToString::to_string)
                .collect();
            let problem = RenderProblem::new(
                this.origin.unwrap_or(node.span),
                ProblemCode::FluxCycle,
                format!(
                    "Kustomization {this} is applied by its own descendant ({}) with another spec: the two definitions overwrite each other; it is rendered once, as first applied",
                    chain.join(" → ")
                ),
            );
            let cluster = self.cluster(&applies_to);
            // The Kustomization's problem, on its record from the first application.
            if let Some(first) = cluster.kustomizations.iter_mut().find(|k| {
                k.kustomization.namespace == this.namespace && k.kustomization.name == this.name
            }) {
                first.problems.push(problem.clone());
            }
            cluster.problems.push(problem);
            return;
        }
        if self.visited.contains_key(&key) {
            return;
        }
        self.visited.insert(key, spec_json);
        let mut record = RenderedKustomization {
            kustomization: this.clone(),
            parent: ancestors.last().cloned(),
            reconciled_on: lives_on.clone(),
            applies_to: applies_to.clone(),
            path: None,
            rendered: false,
            problems: Vec::new(),
            unknowns: Vec::new(),
        };
        let spec = node.get("spec");
        if let Some(unknown) = self.foreign_source(&node, &this) {
            record.unknowns.push(unknown.clone());
            let cluster = self.cluster(&applies_to);
            cluster.unknowns.push(unknown);
            cluster.kustomizations.push(record);
            return;
        }
        let path_node = spec.and_then(|s| s.get("path"));
        let raw = path_node.and_then(Node::as_str).unwrap_or("");
        let anchor = path_node.map_or(node.span, |p| p.span);
        if raw.contains("${") {
            let unknown = Unknown {
                origin: anchor,
                kind: UnknownKind::UnknownVariable,
                reason: format!("spec.path of Kustomization {this} holds a variable whose value is unknown: not rendered"),
            };
            record.unknowns.push(unknown.clone());
            let cluster = self.cluster(&applies_to);
            cluster.unknowns.push(unknown);
            cluster.kustomizations.push(record);
            return;
        }
        let dir = self.path_dir(&node, &this, raw);
        record.path = Some(dir.clone());
        if !self.is_dir(&dir) {
            let problem = RenderProblem::new(
                anchor,
                ProblemCode::FluxPathNotFound,
                format!("kustomization path not found: {raw:?} holds no file of the repository (Flux fails the reconcile)"),
            );
            record.problems.push(problem.clone());
            let cluster = self.cluster(&applies_to);
            cluster.problems.push(problem);
            cluster.kustomizations.push(record);
            return;
        }
        let mut problems = Vec::new();
        let kustomization = self.kustomization_for(&node, &dir, &mut problems);
        let variables = self.variables(&node, &this, &lives_on, &mut problems);
        let post_build = PostBuild {
            variables: variables.as_ref(),
            options: self.options.substitute,
            decrypts: spec.and_then(|s| s.get("decryption")).is_some(),
            common_metadata: spec.and_then(|s| s.get("commonMetadata")),
        };
        let built = self.builds.output(
            self.input,
            BuildKey {
                dir: dir.clone(),
                kustomization,
            },
        );
        let output = &built.output;
        // The build may be shared: each object shares the build's tree and is
        // post-built in parallel (results in the build's order); only an object the
        // post-build writes to is copied, and only its files are collected again (the
        // build's own are collected once with it).
        let files = self.input.files();
        let post_built: Vec<(RenderedObject, Applied, Option<BTreeSet<FileId>>)> = output
            .objects
            .par_iter()
            .zip(&built.substitutable)
            .map(|(built, &substitutable)| {
                let mut object = built.clone();
                let applied = post_build.apply(&mut object, substitutable, files);
                // A value the post-build wrote may come from another file.
                let used = (!Arc::ptr_eq(&object.root, &built.root)).then(|| {
                    let mut used = BTreeSet::new();
                    collect_files(&object.root, &mut used);
                    used.insert(object.source.file);
                    used
                });
                (object, applied, used)
            })
            .collect();
        for (used, cached) in post_built.iter().map(|p| &p.2).zip(&built.files) {
            match used {
                Some(used) => self.used.extend(used),
                None => self.used.extend(cached),
            }
        }
        let mut unknowns = output.unknowns.clone();
        let guessed = this.origin.is_none() && ancestors.is_empty();
        // A bootstrap guessed from a cluster directory (no sync path found) builds the
        // whole directory with a generated kustomization; the real one may build a
        // subdirectory only, so files in it that are not Kubernetes objects (Terraform
        // or Helm values beside the manifests) are not known to be applied.
        problems.extend(
            output
                .problems
                .iter()
                .filter(|p| !(guessed && p.code == ProblemCode::InvalidResource))
                .cloned(),
        );
        self.matched_patch_targets
            .extend(output.matched_patch_targets.iter().copied());
        self.built.insert(dir.clone());
        record.rendered = true;
        let chain: Vec<KustomizationRef> = ancestors
            .iter()
            .cloned()
            .chain(std::iter::once(this.clone()))
            .collect();
        let mut objects = Vec::with_capacity(post_built.len());
        for (object, applied, _) in post_built {
            problems.extend(applied.problems);
            unknowns.extend(applied.unknowns);
            if is_flux_kustomization(&object.root) {
                self.queue.push_back(Pending {
                    node: RNode::clone(&object.root),
                    origin: Some(object.source),
                    lives_on: applies_to.clone(),
                    ancestors: chain.clone(),
                });
            }
            objects.push(ClusterObject {
                object,
                kustomization: this.clone(),
                substitutions: applied.substitutions,
                unknown_fields: applied.unknown_fields,
            });
        }
        record.problems.clone_from(&problems);
        record.unknowns.clone_from(&unknowns);
        let cluster = self.cluster(&applies_to);
        cluster.objects.extend(objects);
        cluster.problems.extend(problems);
        cluster.unknowns.extend(unknowns);
        cluster.kustomizations.push(record);
    }

    /// Flux's kustomization for the directory: its own file, else generated.
    fn kustomization_for(
        &self,
        node: &Node<Origin>,
        dir: &str,
        problems: &mut Vec<RenderProblem>,
    ) -> Node<Origin> {
        let own = KUSTOMIZATION_FILE_NAMES
            .iter()
            .find_map(|name| self.paths.get(&join(dir, name)).copied());
        let file_root = own.map(|id| {
            let root = self.input.files()[id.0 as usize]
                .documents
                .first()
                .map(|d| &d.root);
            match root {
                Some(root) => root.map_positions(&mut |span| Origin {
                    file: id,
                    span: *span,
                }),
                // Empty or unparsable: its parse problem is reported with the file.
                None => Node {
                    span: Origin {
                        file: id,
                        span: Span::default(),
                    },
                    value: NodeValue::Map(Vec::new()),
                },
            }
        });
        // Only the files under the directory matter to the listing.
        let under: Vec<String> = match file_root {
            Some(_) => Vec::new(),
            None => self
                .files_under(dir)
                .map(|id| self.input.files()[id.0 as usize].source.repo_path.clone())
                .collect(),
        };
        let base = match &file_root {
            Some(root) => Base::File(root),
            None => Base::Generate { files: &under },
        };
        let exists = |relative: &str| {
            let path = secure_join(&join(dir, relative));
            self.paths.contains_key(&path) || self.is_dir(&path)
        };
        flux_kustomization(node, dir, base, &exists, problems)
    }

    /// The cluster the Kustomization applies its objects to: through
    /// `spec.kubeConfig`, the kubeconfig's cluster; else where it lives.
    fn applies_to(&self, node: &Node<Origin>, this: &KustomizationRef, lives_on: &str) -> String {
        let secret = node
            .get("spec")
            .and_then(|s| s.get("kubeConfig"))
            .and_then(|k| k.get("secretRef"))
            .and_then(|r| r.get("name"))
            .and_then(Node::as_str);
        let Some(secret) = secret else {
            return lives_on.to_owned();
        };
        // The model resolved this Kustomization's kubeconfig (patches included).
        let key = hubspoke_manifest::index_key(
            FLUX_KUSTOMIZE_GROUP,
            "Kustomization",
            &this.namespace,
            &this.name,
        );
        let known = self
            .model
            .index
            .get(&key)
            .into_iter()
            .flatten()
            .find_map(|&id| {
                self.model
                    .flux_kustomizations
                    .iter()
                    .find(|fk| fk.object == id && fk.kubeconfig_secret.as_deref() == Some(secret))
                    .and_then(|fk| fk.target_clusters.first().cloned())
            });
        if let Some(cluster) = known {
            return cluster;
        }
        let stripped = secret.strip_suffix("-kubeconfig-secret").unwrap_or(secret);
        let stripped = stripped.strip_suffix("-kubeconfig").unwrap_or(stripped);
        let is_cluster = |name: &str| self.model.clusters.iter().any(|c| c.name == name);
        if is_cluster(stripped) {
            stripped.to_owned()
        } else if is_cluster(&this.namespace) {
            this.namespace.clone()
        } else {
            stripped.to_owned()
        }
    }

    /// An unknown when the Kustomization builds a source outside this
    /// repository (another Git repository, an OCI artifact, a bucket).
    fn foreign_source(&self, node: &Node<Origin>, this: &KustomizationRef) -> Option<Unknown> {
        let source = node.get("spec").and_then(|s| s.get("sourceRef"));
        let field = |key: &str| source.and_then(|s| s.get(key)).and_then(Node::as_str);
        let kind = field("kind").unwrap_or("");
        let name = field("name").unwrap_or("");
        let namespace = field("namespace").unwrap_or(&this.namespace);
        if kind == "GitRepository" && self.is_local_repository(namespace, name) {
            return None;
        }
        Some(Unknown {
            origin: source.map_or(node.span, |s| s.span),
            kind: UnknownKind::ForeignSource,
            reason: format!(
                "Kustomization {this} builds {kind} {namespace}/{name}, a source outside this repository: not rendered"
            ),
        })
    }

    /// The directory `spec.path` (`raw`) names: joined, as Flux joins it, to the root
    /// of the source's artifact, which the model finds below the linted root for a
    /// Kustomization written under a sub-repository (`RepoModel::path_base`); the
    /// linted root otherwise, and for a bootstrap the repository lacks.
    fn path_dir(&self, node: &Node<Origin>, this: &KustomizationRef, raw: &str) -> String {
        let inside = secure_join(raw);
        let file = this
            .origin
            .and_then(|o| self.input.files().get(o.file.0 as usize))
            .map(|f| f.source.repo_path.as_str());
        let source = node.get("spec").and_then(|s| s.get("sourceRef"));
        let field = |key: &str| source.and_then(|s| s.get(key)).and_then(Node::as_str);
        let base = file.map_or(".", |file| {
            self.model.path_base(
                file,
                field("kind").unwrap_or(""),
                field("namespace").unwrap_or(&this.namespace),
                field("name").unwrap_or(""),
            )
        });
        match (base, inside.is_empty()) {
            (".", _) => inside,
            (base, true) => base.to_owned(),
            (base, false) => format!("{base}/{inside}"),
        }
    }

    /// `flux-system`, or a GitRepository the model found to be this repository.
    fn is_local_repository(&self, namespace: &str, name: &str) -> bool {
        name == "flux-system"
            || self.model.flux_kustomizations.iter().any(|fk| {
                fk.local_source
                    && fk.source.as_ref().is_some_and(|s| {
                        s.name == name
                            && s.namespace.as_deref().unwrap_or("flux-system") == namespace
                    })
            })
    }

    /// The Kustomization's variables; `substituteFrom` objects are looked up
    /// among what its cluster received so far, then among the repository's
    /// documents.
    fn variables(
        &self,
        node: &Node<Origin>,
        this: &KustomizationRef,
        lives_on: &str,
        problems: &mut Vec<RenderProblem>,
    ) -> Option<Variables> {
        let wanted: Vec<(String, String)> = match node
            .get("spec")
            .and_then(|s| s.get("postBuild"))
            .and_then(|p| p.get("substituteFrom"))
            .map(|l| &l.value)
        {
            Some(NodeValue::Seq(items)) => items
                .iter()
                .filter_map(|i| {
                    let kind = i.get("kind").and_then(Node::as_str)?;
                    let name = i.get("name").and_then(Node::as_str)?;
                    Some((kind.to_owned(), name.to_owned()))
                })
                .collect(),
            _ => Vec::new(),
        };
        let found: Vec<((String, String), Node<Origin>)> = wanted
            .into_iter()
            .filter_map(|(kind, name)| {
                let node = self.find_object(&kind, &this.namespace, &name, lives_on)?;
                Some(((kind, name), node))
            })
            .collect();
        let variables = Variables::from_kustomization(
            node,
            &mut |reference: &SourceRef| {
                let defined = found
                    .iter()
                    .find(|((k, n), _)| *k == reference.kind && *n == reference.name);
                match defined {
                    Some((_, node)) => Referent::Found(node),
                    None if self.is_produced(&reference.kind, &this.namespace, &reference.name) => {
                        Referent::Produced
                    }
                    None => Referent::Missing,
                }
            },
            problems,
        )?;
        for (name, definition) in variables.invalid_names() {
            problems.push(RenderProblem::new(
                definition.at,
                ProblemCode::SubstituteInvalidName,
                format!(
                    "'{name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$': Flux fails every substitution of Kustomization {this}"
                ),
            ));
        }
        Some(variables)
    }

    /// Whether an object of the repository makes the ConfigMap or Secret in the cluster
    /// (the model's producers: an ExternalSecret's target, a SealedSecret...).
    /// Made outside what the render sees: by a producer of the repository, or declared in
    /// the configuration as created outside it (`model.external-secrets`, HUB006's
    /// `assume_defined`).
    fn is_produced(&self, kind: &str, namespace: &str, name: &str) -> bool {
        let key = hubspoke_manifest::index_key("", kind, namespace, name);
        self.model.generated.contains_key(&key)
            || self
                .options
                .assume_defined
                .iter()
                .any(|o| o.kind == kind && o.namespace == namespace && o.name == name)
            || kind == "Secret"
                && self.model.external_secrets.iter().any(|declared| {
                    declared.name == name
                        && declared
                            .namespace
                            .as_deref()
                            .is_none_or(|ns| ns == namespace)
                })
    }

    fn find_object(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        cluster: &str,
    ) -> Option<Node<Origin>> {
        let matches = |root: &Node<Origin>| {
            let meta = |key: &str| {
                root.get("metadata")
                    .and_then(|m| m.get(key))
                    .and_then(Node::as_str)
            };
            root.get("kind").and_then(Node::as_str) == Some(kind)
                && meta("name") == Some(name)
                && meta("namespace").unwrap_or("default") == namespace
        };
        if let Some(rendered) = self
            .clusters
            .get(cluster)
            .and_then(|c| c.objects.iter().rev().find(|o| matches(&o.object.root)))
        {
            return Some(RNode::clone(&rendered.object.root));
        }
        let key = hubspoke_manifest::index_key("", kind, namespace, name);
        let ids = self.model.index.get(&key)?;
        let id = ids
            .iter()
            .find(|&&id| self.model.objects[id].clusters.iter().any(|c| c == cluster))
            .or_else(|| ids.first())?;
        let location = self.model.locations.get(*id)?;
        let document = self
            .input
            .files()
            .get(location.file)?
            .documents
            .get(location.document)?;
        let file = FileId(location.file as u32);
        Some(
            document
                .root
                .map_positions(&mut |span| Origin { file, span: *span }),
        )
    }
}

fn empty_cluster(name: &str) -> ClusterRender {
    ClusterRender {
        cluster: name.to_owned(),
        objects: Vec::new(),
        kustomizations: Vec::new(),
        problems: Vec::new(),
        unknowns: Vec::new(),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// `securejoin.SecureJoin(root, path)` as repository path: `..` never climbs
/// above the root and an absolute path is taken from it (`""` is the root).
pub(crate) fn secure_join(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn is_flux_kustomization(root: &Node<Origin>) -> bool {
    let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    root.get("kind").and_then(Node::as_str) == Some("Kustomization")
        && api.split_once('/').map(|(g, _)| g) == Some(FLUX_KUSTOMIZE_GROUP)
}

/// The identity of the Flux Kustomization `node` (Kubernetes' `default` namespace when
/// unset), as `build_request` (which pre-builds) and `process` (which applies) must agree
/// on it.
fn kustomization_ref(node: &Node<Origin>, origin: Option<Origin>) -> KustomizationRef {
    let meta = |key: &str| {
        node.get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Node::as_str)
    };
    KustomizationRef {
        namespace: meta("namespace").unwrap_or("default").to_owned(),
        name: meta("name").unwrap_or_default().to_owned(),
        origin,
    }
}
