//! The build of one kustomization directory, in kustomize's order: resources
//! (files, nested kustomizations), configurations, generators, components,
//! then the transformers; at the top only, hash suffixes, name references,
//! local-config removal and the output order.

use std::sync::Arc;

use hubspoke_manifest::yaml::NodeValue;

use crate::fieldspec::TransformerConfig;
use crate::fs::{resolve, PathError, RenderFs};
use crate::kustomization::{self, Kustomization, SortOrder, Sp};
use crate::origin::{with_file, FileId, Origin, RNode};
use crate::problem::{ProblemCode, RenderProblem, Unknown, UnknownKind};
use crate::resource::Resource;
use crate::tree;
use crate::{generator, nameref, patch, replacement, transform};

/// One rendered object.
#[derive(Debug, Clone)]
pub struct RenderedObject {
    /// The object, every node with its origin. Shared: a build is memoised and given
    /// to every Flux Kustomization (of every cluster) that builds the same directory
    /// the same way, and most objects leave the post-build unchanged, so the clusters
    /// share one tree until a substitution or `spec.commonMetadata` writes to it
    /// (`Arc::make_mut`), instead of each holding a copy.
    pub root: Arc<RNode>,
    /// The resource document it started from (the generator entry for
    /// generated ConfigMaps and Secrets).
    pub source: Origin,
}

/// What a kustomize build produced.
#[derive(Debug, Clone, Default)]
pub struct KustomizeOutput {
    /// The objects, in kustomize's output order.
    pub objects: Vec<RenderedObject>,
    /// Bad input, each at its node.
    pub problems: Vec<RenderProblem>,
    /// What could not be rendered offline.
    pub unknowns: Vec<Unknown>,
    /// The `target` of every patch that selected at least one resource: a patch used by
    /// several builds (a Component, a parent Flux Kustomization's patch given to all its
    /// children) is a mistake only when it selects nothing in any of them.
    pub matched_patch_targets: Vec<Origin>,
}

/// Build the kustomization of directory `dir` (a repository path, `""` for the root).
pub fn build(fs: &RenderFs<'_>, dir: &str) -> KustomizeOutput {
    let mut ctx = Ctx::new(fs);
    let dir = normalize_dir(dir);
    let Some((root, _)) = ctx.load_kustomization(&dir, None) else {
        return ctx.finish(Vec::new());
    };
    build_tree(ctx, &dir, &root)
}

/// Build directory `dir` with `kustomization` instead of the directory's own
/// kustomization file (Flux writes its fields into one, or generates one).
pub fn build_with(fs: &RenderFs<'_>, dir: &str, kustomization: &RNode) -> KustomizeOutput {
    build_tree(Ctx::new(fs), &normalize_dir(dir), kustomization)
}

fn normalize_dir(dir: &str) -> String {
    resolve("", dir).unwrap_or_else(|_| dir.trim_matches('/').to_owned())
}

fn build_tree(mut ctx: Ctx<'_>, dir: &str, root: &RNode) -> KustomizeOutput {
    let k = kustomization::read(root, &mut ctx.problems);
    ctx.note_unsupported(&k);
    ctx.stack.push(dir.to_owned());
    let ra = ctx.accumulate_target(dir, &k, Accumulator::default());
    ctx.stack.pop();
    let Accumulator {
        mut resources,
        custom_config,
    } = ra;
    let config = custom_config
        .as_deref()
        .unwrap_or_else(|| TransformerConfig::defaults());
    generator::add_hash_suffixes(&mut resources);
    nameref::fix_back_references(&mut resources, config, &mut ctx.problems);
    resources.retain(|r| {
        tree::annotations(&r.root)
            .get("config.kubernetes.io/local-config")
            .map(String::as_str)
            != Some("true")
    });
    for resource in &mut resources {
        patch::remove_empty_annotations(&mut resource.root);
    }
    let order = k
        .sort_order
        .clone()
        .unwrap_or_else(SortOrder::default_legacy);
    sort_resources(&mut resources, &order);
    ctx.finish(resources)
}

/// Resources and the transformer configuration gathered so far.
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    pub resources: Vec<Resource>,
    /// `None` while it is kustomize's default configuration (most builds:
    /// merging the default tables into themselves at every level is costly).
    custom_config: Option<Box<TransformerConfig>>,
}

impl Accumulator {
    fn merge_config(&mut self, other: &TransformerConfig) -> Result<(), String> {
        let config = self
            .custom_config
            .get_or_insert_with(|| Box::new(TransformerConfig::defaults().clone()));
        config.merge(other)
    }
}

/// The state shared by one build: what it may read and what it reports.
pub(crate) struct Ctx<'a> {
    pub fs: &'a RenderFs<'a>,
    pub problems: Vec<RenderProblem>,
    pub unknowns: Vec<Unknown>,
    /// See [`KustomizeOutput::matched_patch_targets`].
    pub matched_patch_targets: Vec<Origin>,
    /// Directories being built, innermost last (cycle detection).
    stack: Vec<String>,
    /// While the patches of a kustomization run: why its resources are not all known
    /// (a remote resource, a Helm chart, a plugin), so that a target selecting nothing
    /// may select one of those: an unknown, not a problem.
    unseen_resources: Option<String>,
}

impl<'a> Ctx<'a> {
    fn new(fs: &'a RenderFs<'a>) -> Self {
        Ctx {
            fs,
            problems: Vec::new(),
            unknowns: Vec::new(),
            matched_patch_targets: Vec::new(),
            stack: Vec::new(),
            unseen_resources: None,
        }
    }

    fn finish(self, resources: Vec<Resource>) -> KustomizeOutput {
        KustomizeOutput {
            objects: resources
                .into_iter()
                .map(|r| RenderedObject {
                    root: Arc::new(r.root),
                    source: r.source,
                })
                .collect(),
            problems: self.problems,
            unknowns: self.unknowns,
            matched_patch_targets: self.matched_patch_targets,
        }
    }

    /// A patch that selects no resource: a problem, unless the resources include some
    /// this render cannot see (then the patch may well select one of them).
    pub fn patch_target_not_found(
        &mut self,
        origin: Origin,
        message: String,
        kustomize_fails: bool,
    ) {
        if let Some(why) = &self.unseen_resources {
            let reason = format!(
                "the patch selects none of the rendered resources; it may select one of {why}"
            );
            self.unknowns.push(Unknown {
                origin,
                kind: UnknownKind::RemoteResource,
                reason,
            });
        } else if kustomize_fails {
            self.problem(origin, ProblemCode::PatchTargetNotFound, message);
        } else {
            self.problems.push(RenderProblem::tolerated(
                origin,
                ProblemCode::PatchTargetNotFound,
                message,
            ));
        }
    }

    pub fn problem(&mut self, origin: Origin, code: ProblemCode, message: impl Into<String>) {
        self.problems
            .push(RenderProblem::new(origin, code, message));
    }

    fn note_unsupported(&mut self, k: &Kustomization) {
        for (origin, kind, reason) in &k.unsupported {
            self.unknowns.push(Unknown {
                origin: *origin,
                kind: *kind,
                reason: reason.clone(),
            });
        }
    }

    /// The first document of a parsed file, as a tree of that file.
    pub fn file_root(&self, id: FileId) -> Option<RNode> {
        let file = self.fs.file(id)?;
        let document = file.documents.first()?;
        Some(with_file(&document.root, id))
    }

    /// Every document of a parsed file that is not empty.
    pub fn file_documents(&self, id: FileId) -> Vec<RNode> {
        self.fs
            .file(id)
            .map(|file| {
                file.documents
                    .iter()
                    .filter(|d| !matches!(d.root.value, NodeValue::Null))
                    .map(|d| with_file(&d.root, id))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Resolve a path written in `dir`'s kustomization; reports why it cannot be.
    pub fn resolve(&mut self, dir: &str, entry: &Sp<String>, what: &str) -> Option<String> {
        match resolve(dir, &entry.value) {
            Ok(path) => Some(path),
            Err(PathError::Remote) => {
                self.unknowns.push(Unknown {
                    origin: entry.origin,
                    kind: UnknownKind::RemoteResource,
                    reason: format!(
                        "remote {what} `{}` is not fetched (no network)",
                        entry.value
                    ),
                });
                None
            }
            Err(PathError::Absolute) => {
                self.problem(
                    entry.origin,
                    ProblemCode::OutsideRoot,
                    format!(
                        "absolute {what} path `{}`: only paths inside the repository are read",
                        entry.value
                    ),
                );
                None
            }
            Err(PathError::OutsideRoot) => {
                self.problem(
                    entry.origin,
                    ProblemCode::OutsideRoot,
                    format!("{what} `{}` is outside the linted root", entry.value),
                );
                None
            }
        }
    }

    /// The kustomization tree of a directory; `referrer` is the entry that
    /// named the directory (none for the build's own directory).
    fn load_kustomization(
        &mut self,
        dir: &str,
        referrer: Option<Origin>,
    ) -> Option<(RNode, FileId)> {
        let files = self.fs.kustomization_files(dir);
        let shown = if dir.is_empty() { "." } else { dir };
        let Some(&first) = files.first() else {
            let origin = referrer.unwrap_or(Origin {
                file: FileId(u32::MAX),
                span: hubspoke_manifest::Span::default(),
            });
            self.problem(
                origin,
                ProblemCode::MissingKustomization,
                format!("`{shown}` has no kustomization.yaml, kustomization.yml or Kustomization"),
            );
            return None;
        };
        if files.len() > 1 {
            let origin = referrer.unwrap_or_else(|| self.file_origin(first));
            self.problem(
                origin,
                ProblemCode::MissingKustomization,
                format!(
                    "`{shown}` has more than one kustomization file; kustomize refuses to choose"
                ),
            );
        }
        self.report_duplicate_keys(first);
        match self.file_root(first) {
            Some(root) if !matches!(root.value, NodeValue::Null) => Some((root, first)),
            _ => {
                let origin = self.file_origin(first);
                self.problem(
                    origin,
                    ProblemCode::InvalidKustomization,
                    "kustomization file is empty",
                );
                None
            }
        }
    }

    /// kustomize refuses a file that repeats a key (our parser keeps the last).
    pub fn report_duplicate_keys(&mut self, id: FileId) {
        let Some(file) = self.fs.file(id) else {
            return;
        };
        for problem in &file.problems {
            if problem.code != hubspoke_manifest::ProblemCode::DuplicateKey {
                continue;
            }
            let span = problem
                .region
                .map_or_else(Default::default, |r| hubspoke_manifest::Span {
                    start: hubspoke_manifest::Mark {
                        line: r.start.line,
                        col: r.start.column.saturating_sub(1),
                    },
                    end: hubspoke_manifest::Mark {
                        line: r.end.line,
                        col: r.end.column.saturating_sub(1),
                    },
                });
            self.problem(
                Origin { file: id, span },
                ProblemCode::InvalidKustomization,
                format!("{} (kustomize refuses the file)", problem.message),
            );
        }
    }

    /// The start of a file (for problems about a whole file).
    pub fn file_origin(&self, id: FileId) -> Origin {
        let span = self
            .fs
            .file(id)
            .and_then(|f| f.documents.first())
            .map(|d| d.start)
            .unwrap_or_default();
        Origin { file: id, span }
    }

    fn accumulate_target(&mut self, dir: &str, k: &Kustomization, ra: Accumulator) -> Accumulator {
        let unknowns_before = self.unknowns.len();
        let mut ra = self.accumulate_resources(dir, &k.resources, ra);
        for entry in &k.configurations {
            self.merge_configuration(dir, entry, &mut ra);
        }
        generator::run(self, dir, k, &mut ra.resources);
        let mut ra = self.accumulate_components(dir, &k.components, ra);
        // Unseen resources of this directory (its own Helm charts and plugins were noted
        // before this call) or of anything it includes; an outer value stays in force.
        let unseen = k
            .unsupported
            .iter()
            .map(|(_, kind, reason)| (*kind, reason))
            .chain(
                self.unknowns[unknowns_before..]
                    .iter()
                    .map(|u| (u.kind, &u.reason)),
            )
            .find(|(kind, _)| makes_resources(*kind))
            .map(|(_, reason)| unseen_description(reason));
        let outer = self.unseen_resources.clone();
        if self.unseen_resources.is_none() {
            self.unseen_resources = unseen;
        }
        patch::run_strategic_merge_list(self, dir, k, &mut ra.resources);
        patch::run_patches(self, dir, &k.patches, &mut ra.resources, false);
        let Accumulator {
            resources,
            custom_config,
        } = &mut ra;
        let config = custom_config
            .as_deref()
            .unwrap_or_else(|| TransformerConfig::defaults());
        transform::namespace(self, k, config, resources);
        transform::prefix_suffix(self, k, config, resources);
        transform::labels(self, k, config, resources);
        transform::annotations(self, k, config, resources);
        patch::run_patches(self, dir, &k.patches_json6902, resources, true);
        transform::replicas(self, k, config, resources);
        transform::images(self, k, config, resources);
        replacement::run(self, dir, &k.replacements, &mut ra.resources);
        self.unseen_resources = outer;
        ra
    }

    fn merge_configuration(&mut self, dir: &str, entry: &Sp<String>, ra: &mut Accumulator) {
        let Some(path) = self.resolve(dir, entry, "configuration") else {
            return;
        };
        let Some(id) = self.fs.file_id(&path) else {
            self.problem(
                entry.origin,
                ProblemCode::MissingFile,
                format!(
                    "configuration file `{}` not found among the linted files",
                    entry.value
                ),
            );
            return;
        };
        let Some(root) = self.file_root(id) else {
            return;
        };
        let (extra, problems) = TransformerConfig::from_node(&root);
        for (origin, message) in problems {
            self.problem(origin, ProblemCode::InvalidConfiguration, message);
        }
        if let Err(message) = ra.merge_config(&extra) {
            self.problem(entry.origin, ProblemCode::InvalidConfiguration, message);
        }
    }

    fn accumulate_resources(
        &mut self,
        dir: &str,
        entries: &[Sp<String>],
        mut ra: Accumulator,
    ) -> Accumulator {
        for entry in entries {
            let Some(path) = self.resolve(dir, entry, "resource") else {
                continue;
            };
            if let Some(id) = self.fs.file_id(&path) {
                self.report_duplicate_keys(id);
                let documents = self.file_documents(id);
                for document in documents {
                    for resource in self.resources_of(document) {
                        self.append(&mut ra.resources, resource);
                    }
                }
            } else if self.fs.is_dir(&path) {
                ra = self.accumulate_directory(&path, entry.origin, false, ra);
            } else {
                self.problem(
                    entry.origin,
                    ProblemCode::MissingFile,
                    format!(
                        "resource `{}` not found among the linted files",
                        entry.value
                    ),
                );
            }
        }
        ra
    }

    /// The resources of a document: itself, or the items of a `List`.
    fn resources_of(&mut self, document: RNode) -> Vec<Resource> {
        let kind = tree::str_at(&document, &["kind"]).unwrap_or("").to_owned();
        if kind.ends_with("List") {
            if let Some(NodeValue::Seq(items)) = document.get("items").map(|n| &n.value) {
                let items = items.clone();
                return items
                    .into_iter()
                    .flat_map(|item| self.resources_of(item))
                    .collect();
            }
        }
        let has_identity = !kind.is_empty()
            && tree::str_at(&document, &["apiVersion"]).is_some_and(|v| !v.is_empty());
        if !has_identity || !tree::is_map(&document) {
            self.problem(
                document.span,
                ProblemCode::InvalidResource,
                "not a Kubernetes object (`apiVersion` and `kind` are required)",
            );
            return Vec::new();
        }
        let origin = document.span;
        vec![Resource::new(document, origin)]
    }

    /// Append, refusing a second resource with the same id.
    pub fn append(&mut self, list: &mut Vec<Resource>, resource: Resource) {
        let id = resource.cur_id();
        if list.iter().any(|r| r.has_current_id(&id)) {
            let message = format!(
                "{} is defined more than once (kustomize refuses duplicate ids); the first definition is kept",
                id.display()
            );
            // At the colliding name (where a prefix or suffix made it, that entry).
            let at = resource
                .root
                .get("metadata")
                .and_then(|m| m.get("name"))
                .map_or(resource.source, |name| name.span);
            self.problem(at, ProblemCode::IdConflict, message);
            return;
        }
        list.push(resource);
    }

    fn accumulate_components(
        &mut self,
        dir: &str,
        entries: &[Sp<String>],
        mut ra: Accumulator,
    ) -> Accumulator {
        for entry in entries {
            let Some(path) = self.resolve(dir, entry, "component") else {
                continue;
            };
            if !self.fs.is_dir(&path) {
                self.problem(
                    entry.origin,
                    ProblemCode::MissingFile,
                    format!(
                        "component directory `{}` not found among the linted files",
                        entry.value
                    ),
                );
                continue;
            }
            ra = self.accumulate_directory(&path, entry.origin, true, ra);
        }
        ra
    }

    fn accumulate_directory(
        &mut self,
        dir: &str,
        referrer: Origin,
        is_component: bool,
        ra: Accumulator,
    ) -> Accumulator {
        if self.stack.iter().any(|d| d == dir) {
            let chain = self.stack.join(" → ");
            self.problem(
                referrer,
                ProblemCode::Cycle,
                format!("kustomization cycle: {chain} → {dir}"),
            );
            return ra;
        }
        let Some((root, _)) = self.load_kustomization(dir, Some(referrer)) else {
            return ra;
        };
        let k = kustomization::read(&root, &mut self.problems);
        self.note_unsupported(&k);
        if is_component && !k.is_component {
            self.problem(
                referrer,
                ProblemCode::InvalidKustomization,
                format!("`{dir}` is listed as a component but its kind is not Component"),
            );
        } else if !is_component && k.is_component {
            self.problem(
                referrer,
                ProblemCode::InvalidKustomization,
                format!("`{dir}` is a Component; list it under `components`, not `resources`"),
            );
        }
        self.stack.push(dir.to_owned());
        let ra = if is_component {
            self.accumulate_target(dir, &k, ra)
        } else {
            let sub = self.accumulate_target(dir, &k, Accumulator::default());
            let mut ra = ra;
            for resource in sub.resources {
                self.append(&mut ra.resources, resource);
            }
            if let Some(config) = &sub.custom_config {
                if let Err(message) = ra.merge_config(config) {
                    self.problem(referrer, ProblemCode::InvalidConfiguration, message);
                }
            }
            ra
        };
        self.stack.pop();
        ra
    }
}

/// Whether an unknown stands for resources of the build this render cannot see.
fn makes_resources(kind: UnknownKind) -> bool {
    matches!(
        kind,
        UnknownKind::RemoteResource | UnknownKind::HelmChart | UnknownKind::Plugin
    )
}

/// The resources a build cannot see, for users: "the resources this build cannot see
/// (remote resource `…` is not fetched (no network))".
fn unseen_description(reason: &str) -> String {
    format!("the resources this build cannot see ({reason})")
}

/// kustomize's output order: legacy (kinds in a fixed order, then ids) or fifo.
fn sort_resources(resources: &mut [Resource], order: &SortOrder) {
    let SortOrder::Legacy { first, last } = order else {
        return;
    };
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| k == kind) {
            return i as i64 - first.len() as i64;
        }
        if let Some(i) = last.iter().position(|k| k == kind) {
            return i as i64 + 1;
        }
        0
    };
    let gvk_key = |r: &Resource| {
        let gvk = r.gvk();
        let or = |s: &str, p: &str| {
            if s.is_empty() {
                p.to_owned()
            } else {
                s.to_owned()
            }
        };
        format!(
            "{}_{}_{}",
            or(&gvk.group, "~G"),
            or(&gvk.version, "~V"),
            or(&gvk.kind, "~K")
        )
    };
    let id_key = |r: &Resource| {
        let id = r.cur_id();
        let or = |s: &str, p: &str| {
            if s.is_empty() {
                p.to_owned()
            } else {
                s.to_owned()
            }
        };
        format!(
            "{}|{}|{}",
            id.gvk.id_string(),
            or(&id.namespace, "~X"),
            or(&id.name, "~N")
        )
    };
    resources.sort_by(|a, b| {
        let (ga, gb) = (a.gvk(), b.gvk());
        if ga != gb {
            let (ra, rb) = (rank(&ga.kind), rank(&gb.kind));
            if ra != rb {
                return ra.cmp(&rb);
            }
            let (ka, kb) = (gvk_key(a), gvk_key(b));
            // kustomize orders two Namespace kinds with the core group last-first.
            if ga.kind == "Namespace"
                && gb.kind == "Namespace"
                && (ga.group.is_empty() || gb.group.is_empty())
            {
                return kb.cmp(&ka);
            }
            return ka.cmp(&kb);
        }
        id_key(a).cmp(&id_key(b))
    });
}
