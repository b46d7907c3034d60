//! `hubspoke-lint graph`: what the linter sees of a repository.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use hubspoke_manifest::{ModelObject, ObjectRef, Origin, RepoModel, FLUX_SOURCE_GROUP};

use hubspoke_workspace::{Configuration, Flags};

use crate::args::{GraphArgs, GraphFormat};
use crate::exit::ExitStatus;

/// Print the repository model.
pub fn run(args: &GraphArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    hubspoke_workspace::require_existing(std::slice::from_ref(&root))?;
    // The model must be the one `lint` builds its repository rules on: same files, same limits.
    let flags = Flags {
        display_base: std::env::current_dir().ok(),
        ..Flags::default()
    };
    let configuration = Configuration::load(std::slice::from_ref(&root), flags)?;
    let parsed = hubspoke_workspace::read_repository(&configuration, &root);
    let files: Vec<_> = parsed.iter().collect();
    let model = RepoModel::build(&files, &root, &configuration.model);
    match args.format {
        GraphFormat::Json => {
            let mut json = serde_json::to_value(&model)?;
            redact_secret_values(&mut json);
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
        }
        GraphFormat::Dot => out.write_all(dot(&model).as_bytes())?,
    }
    Ok(ExitStatus::Clean)
}

/// The model keeps Secrets whole (whether a value is real material or only a secret
/// manager's reference decides whether the Secret counts as provided), but `graph` output
/// ends up in terminals and CI logs: every value under a Secret's `data` or `stringData` is
/// printed as `<redacted>`, its key kept.
fn redact_secret_values(model: &mut serde_json::Value) {
    let Some(objects) = model
        .get_mut("objects")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    for object in objects {
        let is_secret = object["group"] == "" && object["kind"] == "Secret";
        if !is_secret {
            continue;
        }
        for field in ["data", "stringData"] {
            if let Some(values) = object["body"]
                .get_mut(field)
                .and_then(serde_json::Value::as_object_mut)
            {
                for value in values.values_mut() {
                    *value = serde_json::Value::from("<redacted>");
                }
            }
        }
    }
}

/// The model as a Graphviz digraph: clusters (ellipses), the Flux
/// Kustomizations and HelmReleases each cluster runs, with an edge to the cluster
/// they apply to; the sources, ConfigMaps and Secrets they read; `dependsOn`.
/// A reference the repository does not define goes to a red `missing:` node.
/// Everything is emitted in model order, so the text is the same on every run.
fn dot(model: &RepoModel) -> String {
    let mut graph = Dot::default();
    for cluster in &model.clusters {
        graph.node(
            &format!("cluster:{}", cluster.name),
            &[&cluster.name, &format!("({})", cluster.role)],
            "shape=ellipse, style=bold",
        );
    }
    // Every source, used or not: an unused one is worth seeing too.
    for object in &model.objects {
        if object.group == FLUX_SOURCE_GROUP && !object.patch {
            graph.object_node(object);
        }
    }
    // Node ids of the reconcilers, by object id, so references land on them.
    let mut reconciler_nodes: BTreeMap<usize, String> = BTreeMap::new();
    for (i, fk) in model.flux_kustomizations.iter().enumerate() {
        reconciler_nodes.insert(fk.object, format!("ks:{i}"));
    }
    for (i, hr) in model.helm_releases.iter().enumerate() {
        reconciler_nodes.insert(hr.object, format!("hr:{i}"));
    }
    for (i, fk) in model.flux_kustomizations.iter().enumerate() {
        let id = format!("ks:{i}");
        let object = &model.objects[fk.object];
        let path = fk.path.as_ref().map_or("", |p| p.raw.as_str());
        graph.node(&id, &[&qualified_name(object), path], "");
        let reconciler = Reconciler {
            id: &id,
            object: fk.object,
            source_clusters: &fk.source_clusters,
            target_clusters: &fk.target_clusters,
            kubeconfig_from: fk
                .kubeconfig_secret
                .as_ref()
                .and(fk.kubeconfig_from.as_ref()),
        };
        graph.runs_and_applies(&reconciler);
        let refs = fk.source.iter().map(|r| (r, "sourceRef"));
        let refs = refs.chain(fk.depends_on.iter().map(|r| (r, "dependsOn")));
        let refs = refs.chain(fk.substitute_from.iter().map(|r| (r, "substituteFrom")));
        for (reference, label) in refs {
            graph.reference(model, &reconciler_nodes, &id, reference, label);
        }
    }
    for (i, hr) in model.helm_releases.iter().enumerate() {
        let id = format!("hr:{i}");
        let object = &model.objects[hr.object];
        let chart = object
            .body
            .pointer("/spec/chart/spec/chart")
            .and_then(|c| c.as_str())
            .map(|c| format!("chart {c}"))
            .unwrap_or_default();
        graph.node(
            &id,
            &[&format!("HelmRelease {}", qualified_name(object)), &chart],
            "shape=box3d",
        );
        let reconciler = Reconciler {
            id: &id,
            object: hr.object,
            source_clusters: &hr.source_clusters,
            target_clusters: &hr.target_clusters,
            kubeconfig_from: hr
                .kubeconfig_secret
                .as_ref()
                .and(hr.kubeconfig_from.as_ref()),
        };
        graph.runs_and_applies(&reconciler);
        let refs = hr.chart_source.iter().map(|r| (r, "chart"));
        let refs = refs.chain(hr.depends_on.iter().map(|r| (r, "dependsOn")));
        let refs = refs.chain(hr.values_from.iter().map(|r| (r, "valuesFrom")));
        for (reference, label) in refs {
            graph.reference(model, &reconciler_nodes, &id, reference, label);
        }
    }
    graph.finish()
}

/// `namespace/name`, or the bare name of an object without a namespace.
fn qualified_name(object: &ModelObject) -> String {
    match &object.effective_namespace {
        Some(ns) => format!("{ns}/{}", object.name),
        None => object.name.clone(),
    }
}

/// What the DOT writer needs of a Flux Kustomization or HelmRelease.
struct Reconciler<'m> {
    id: &'m str,
    object: usize,
    source_clusters: &'m [String],
    target_clusters: &'m [String],
    /// Where its kubeconfig was written, when it has one.
    kubeconfig_from: Option<&'m Origin>,
}

#[derive(Default)]
struct Dot {
    nodes: Vec<String>,
    node_ids: BTreeSet<String>,
    edges: Vec<String>,
}

impl Dot {
    /// A node, once: later calls with the same id are ignored.
    fn node(&mut self, id: &str, label_lines: &[&str], attributes: &str) {
        if !self.node_ids.insert(id.to_owned()) {
            return;
        }
        let label: Vec<String> = label_lines
            .iter()
            .filter(|line| !line.is_empty())
            .map(|line| escape(line))
            .collect();
        let separator = if attributes.is_empty() { "" } else { ", " };
        self.nodes.push(format!(
            "  \"{}\" [label=\"{}\"{separator}{attributes}];\n",
            escape(id),
            label.join("\\n")
        ));
    }

    /// A source (cylinder) or a ConfigMap/Secret (note); returns its node id.
    fn object_node(&mut self, object: &ModelObject) -> String {
        let id = format!("object:{}", object.id);
        let shape = if object.group == FLUX_SOURCE_GROUP {
            "shape=cylinder"
        } else {
            "shape=note"
        };
        self.node(
            &id,
            &[&format!("{} {}", object.kind, qualified_name(object))],
            shape,
        );
        id
    }

    fn edge(&mut self, from: &str, to: &str, label: &str, attributes: &str) {
        let separator = if attributes.is_empty() { "" } else { ", " };
        self.edges.push(format!(
            "  \"{}\" -> \"{}\" [label=\"{}\"{separator}{attributes}];\n",
            escape(from),
            escape(to),
            escape(label)
        ));
    }

    /// Edges from the clusters whose controllers run it, and to the clusters it applies to.
    fn runs_and_applies(&mut self, reconciler: &Reconciler<'_>) {
        for source in reconciler.source_clusters {
            self.edge(
                &format!("cluster:{source}"),
                reconciler.id,
                "runs",
                "style=dotted",
            );
        }
        let label = match reconciler.kubeconfig_from {
            None => "applies",
            Some(origin)
                if origin.object == Some(reconciler.object) && is_own_kubeconfig(origin) =>
            {
                "kubeconfig"
            }
            Some(_) => "kubeconfig (patch)",
        };
        for target in reconciler.target_clusters {
            self.edge(reconciler.id, &format!("cluster:{target}"), label, "");
        }
    }

    /// An edge to the object a reference resolves to; a dangling one goes to a
    /// red `missing:` node, one that only a substitution resolves to a grey one.
    fn reference(
        &mut self,
        model: &RepoModel,
        reconciler_nodes: &BTreeMap<usize, String>,
        from: &str,
        reference: &ObjectRef,
        label: &str,
    ) {
        let written = format!(
            "{} {}",
            reference.kind,
            match &reference.namespace {
                Some(ns) => format!("{ns}/{}", reference.name),
                None => reference.name.clone(),
            }
        );
        let dependency_style = if label == "dependsOn" {
            "style=dashed"
        } else {
            ""
        };
        if let Some(id) = reference.object {
            let to = match reconciler_nodes.get(&id) {
                Some(node) => node.clone(),
                None => self.object_node(&model.objects[id]),
            };
            self.edge(from, &to, label, dependency_style);
            return;
        }
        let target = format!(
            "{}/{}/{}",
            reference.kind,
            reference.namespace.as_deref().unwrap_or(""),
            reference.name
        );
        if reference.unresolved {
            let node = format!("unresolved:{target}");
            self.node(
                &node,
                &[&written, "(substituted at reconcile time)"],
                "style=dotted, color=gray",
            );
            self.edge(from, &node, label, "style=dotted, color=gray");
        } else if reference.optional || is_bootstrap(reference) {
            let note = if reference.optional {
                "(optional, not in Git)"
            } else {
                "(bootstrap, not in Git)"
            };
            let node = format!("missing:{target}");
            self.node(&node, &[&written, note], "style=dashed, color=gray");
            self.edge(from, &node, label, "style=dashed, color=gray");
        } else {
            let node = format!("missing:{target}");
            self.node(
                &node,
                &[&format!("missing: {written}")],
                "color=red, fontcolor=red",
            );
            self.edge(from, &node, label, "style=dashed, color=red, fontcolor=red");
        }
    }

    fn finish(self) -> String {
        let mut text = String::from(
            "digraph hubspoke {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        for line in self.nodes.into_iter().chain(self.edges) {
            text.push_str(&line);
        }
        text.push_str("}\n");
        text
    }
}

/// The object's own `spec.kubeConfig`, as opposed to one a patch adds.
fn is_own_kubeconfig(origin: &Origin) -> bool {
    origin.path.first().and_then(|s| s.as_str()) == Some("spec")
        && origin.path.get(1).and_then(|s| s.as_str()) == Some("kubeConfig")
}

/// The source and Kustomization `flux bootstrap` creates in the cluster: often
/// generated rather than committed, and assumed by the reference rules.
fn is_bootstrap(reference: &ObjectRef) -> bool {
    reference.name == "flux-system"
        && reference.namespace.as_deref() == Some("flux-system")
        && matches!(
            reference.kind.as_str(),
            "GitRepository" | "OCIRepository" | "Kustomization"
        )
}

/// Text inside a DOT double-quoted string: quotes and backslashes escaped,
/// line breaks as DOT's `\n`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}
