# Facts about the repository model shared by the hub-spoke (repository) rules.
# `input` is the model's JSON (`hubspoke-lint graph`, docs/repository-model.md):
# objects, index, kinds, kustomize_files, flux_kustomizations and helm_releases
# (with resolved references: source, chart_source, depends_on, values_from,
# substitute_from), clusters, flux_instances, generated, dependency_cycles, files,
# directories, directory_clusters. Kustomize patch documents (`patch: true`) define nothing: the
# index leaves them out and the helpers below skip them.
package hubspoke.lib.repo

flux_kustomize_group := "kustomize.toolkit.fluxcd.io"

flux_helm_group := "helm.toolkit.fluxcd.io"

flux_source_group := "source.toolkit.fluxcd.io"

tenant_label_default := "toolkit.fluxcd.io/tenant"

# A reference that only a post-build substitution resolves (`${CLUSTER_NAME}`).
templated(s) if contains(s, "${")

# The namespace an object lives in for lookups ("" when none is known).
namespace_of(o) := o.effective_namespace if is_string(o.effective_namespace)

namespace_of(o) := "" if not is_string(o.effective_namespace)

# "Kind ns/name" (or "Kind name" without a namespace) for messages.
display(o) := sprintf("%s %s/%s", [o.kind, o.effective_namespace, o.name]) if {
	is_string(o.effective_namespace)
	o.effective_namespace != ""
}

display(o) := sprintf("%s %s", [o.kind, o.name]) if not is_string(o.effective_namespace)

display(o) := sprintf("%s %s", [o.kind, o.name]) if o.effective_namespace == ""

# Ids of the objects (patches excluded) of "group/Kind" ("/Kind" for the core group).
of_kind(group_kind) := object.get(input.kinds, group_kind, [])

# Ids of every Flux Kustomization and HelmRelease.
reconciler_ids := array.concat(of_kind("kustomize.toolkit.fluxcd.io/Kustomization"), of_kind("helm.toolkit.fluxcd.io/HelmRelease"))

# Object ids defining group/kind/namespace/name.
ids(group, kind, ns, name) := object.get(input.index, sprintf("%s/%s/%s/%s", [group, kind, ns, name]), [])

defined(group, kind, ns, name) if count(ids(group, kind, ns, name)) > 0

# Or another object generates it: an ArtifactGenerator its ExternalArtifacts, a
# FluxInstance the source and Kustomization of its sync (`input.generated`).
defined(group, kind, ns, name) if count(generators(group, kind, ns, name)) > 0

# Ids of the objects generating group/kind/namespace/name.
generators(group, kind, ns, name) := object.get(object.get(input, "generated", {}), sprintf("%s/%s/%s/%s", [group, kind, ns, name]), [])

# Clusters an object lands on; [""] when the repository says nothing about it.
clusters_of(o) := o.clusters if count(o.clusters) > 0

clusters_of(o) := [""] if count(o.clusters) == 0

# An object applied to `cluster` ("" stands for "no cluster known").
on_cluster(o, cluster) if cluster == ""

on_cluster(o, cluster) if count(o.clusters) == 0

on_cluster(o, cluster) if cluster in o.clusters

# Comma-separated list for messages.
join_sorted(items) := concat(", ", sort([sprintf("%v", [x]) | some x in items]))

quoted_list(items) := concat(", ", sort([sprintf("%q", [x]) | some x in items]))

# --- Secrets and ConfigMaps ----------------------------------------------------

# A Secret that the repository provides safely: SOPS-encrypted, or created by
# an ExternalSecret (spec.target.name, default its own name), a SealedSecret
# (spec.template.metadata.name, default its own name) or a kustomize
# secretGenerator of that name.
secret_provided(ns, name) if {
	some id in ids("", "Secret", ns, name)
	input.objects[id].sops == true
}

secret_provided(ns, name) if [ns, name] in created_secrets

secret_provided(ns, name) if generated("secretGenerator", ns, name)

# [namespace, name] of the Secrets ExternalSecrets and SealedSecrets create.
created_secrets contains [namespace_of(o), object.get(o.body, ["spec", "target", "name"], o.name)] if {
	some id in of_kind("external-secrets.io/ExternalSecret")
	o := input.objects[id]
}

created_secrets contains [namespace_of(o), object.get(o.body, ["spec", "template", "metadata", "name"], o.name)] if {
	some id in of_kind("bitnami.com/SealedSecret")
	o := input.objects[id]
}

# A Secret of that name exists, but unencrypted.
secret_in_plain_text(ns, name) if {
	some id in ids("", "Secret", ns, name)
	not input.objects[id].sops
}

configmap_provided(ns, name) if defined("", "ConfigMap", ns, name)

configmap_provided(ns, name) if generated("configMapGenerator", ns, name)

# A kustomize generator of that name, in that namespace or one left open ("").
generated(field, ns, name) if [field, ns, name] in generators

generated(field, ns, name) if [field, "", name] in generators

generators contains [field, generator_namespace(kf, g), g.name] if {
	some kf in input.kustomize_files
	some field in ["configMapGenerator", "secretGenerator"]
	some g in object.get(kf.body, field, [])
	is_string(g.name)
}

generator_namespace(kf, g) := g.namespace if is_string(g.namespace)

generator_namespace(kf, g) := kf.namespace if {
	not is_string(g.namespace)
	is_string(kf.namespace)
}

generator_namespace(kf, g) := "" if {
	not is_string(g.namespace)
	not is_string(kf.namespace)
}

# --- Clusters --------------------------------------------------------------------

cluster(name) := c if {
	some c in input.clusters
	c.name == name
}

# Path `target` is `dir` or lies below it.
within(target, dir) if target == dir

within(target, dir) if startswith(target, concat("", [dir, "/"]))

# --- Tenants ---------------------------------------------------------------------
#
# The tenant helpers take the rule's parameters (`label`, `exempt`) and, to stay
# linear in the number of objects, the set of labelled tenant namespaces the
# rule computed once with `labelled_tenant_namespaces(label, exempt)`.

# A Flux Kustomization or HelmRelease.
reconciler(o) if {
	o.group == flux_kustomize_group
	o.kind == "Kustomization"
}

reconciler(o) if {
	o.group == flux_helm_group
	o.kind == "HelmRelease"
}

service_account_name(o) := sa if {
	sa := o.body.spec.serviceAccountName
	is_string(sa)
	sa != ""
}

has_kubeconfig(o) if is_object(o.body.spec.kubeConfig)

# A Namespace object labelled as a tenant's.
labelled_tenant_namespace(o, label) if {
	o.kind == "Namespace"
	o.group == ""
	not o.patch
	is_string(o.body.metadata.labels[label])
	not templated(o.name)
}

# Names of the Namespaces labelled as a tenant's.
labelled_tenant_namespaces(label, exempt) := {o.name |
	some id in of_kind("/Namespace")
	o := input.objects[id]
	labelled_tenant_namespace(o, label)
	not o.name in exempt
}

# Ids of the tenant reconcilers: they impersonate a service account of a
# namespace that is not exempt, and are Kustomizations (how a tenant syncs its
# own sources), or carry the tenant label, or live in a labelled namespace. A
# HelmRelease with its own service account in an unlabelled namespace is how
# the platform installs an add-on with least privilege; it is not a tenant.
tenant_reconcilers(label, exempt, labelled) := {o.id |
	some id in reconciler_ids
	o := input.objects[id]
	service_account_name(o)
	not has_kubeconfig(o)
	ns := namespace_of(o)
	ns != ""
	not ns in exempt
	not templated(ns)
	tenant_marked(o, label, labelled)
}

tenant_marked(o, label, labelled) if o.kind == "Kustomization"

tenant_marked(o, label, labelled) if is_string(o.body.metadata.labels[label])

tenant_marked(o, label, labelled) if namespace_of(o) in labelled

# [namespace, cluster] of every tenant namespace. Two functions rather than one
# union of two comprehensions: regorus' bytecode VM returned an empty set for
# that union inside a function (the interpreter did not).
tenant_namespaces(label, labelled, reconcilers) := labelled_namespace_pairs(label, labelled) | reconciled_namespace_pairs(reconcilers)

labelled_namespace_pairs(label, labelled) := {[o.name, c] |
	some name in labelled
	some id in ids("", "Namespace", "", name)
	o := input.objects[id]
	labelled_tenant_namespace(o, label)
	some c in clusters_of(o)
}

reconciled_namespace_pairs(reconcilers) := {[namespace_of(o), c] |
	some id in reconcilers
	o := input.objects[id]
	some c in clusters_of(o)
}

# The object a finding about tenant namespace `ns` on `cluster` lands on: the
# Namespace object, else the first tenant reconciler in it.
tenant_anchor(ns, cluster, reconcilers) := min(namespaces) if {
	namespaces := {id |
		some id in ids("", "Namespace", "", ns)
		on_cluster(input.objects[id], cluster)
	}
	count(namespaces) > 0
} else := min({id |
	some id in reconcilers
	o := input.objects[id]
	namespace_of(o) == ns
	on_cluster(o, cluster)
})

# Whether [ns, cluster] is among `pairs` of [namespace, cluster] built with
# clusters_of (objects on no known cluster count everywhere).
covered(pairs, ns, cluster) if [ns, cluster] in pairs

covered(pairs, ns, cluster) if [ns, ""] in pairs

covered(pairs, ns, "") if {
	some pair in pairs
	pair[0] == ns
}

anchor_path(o) := ["metadata", "name"] if o.kind == "Namespace"

anchor_path(o) := ["metadata", "namespace"] if {
	o.kind != "Namespace"
	o.body.metadata.namespace
}

anchor_path(o) := ["metadata", "name"] if {
	o.kind != "Namespace"
	not o.body.metadata.namespace
}

# Clusters phrase for messages: "on cluster(s) a, b", or "" when unknown.
on_clusters(clusters) := "" if {
	known := [c | some c in clusters; c != ""]
	count(known) == 0
}

on_clusters(clusters) := sprintf(" on cluster %s", [quoted_list(known)]) if {
	known := [c | some c in clusters; c != ""]
	count(known) == 1
}

on_clusters(clusters) := sprintf(" on clusters %s", [quoted_list(known)]) if {
	known := [c | some c in clusters; c != ""]
	count(known) > 1
}

# --- Containers ------------------------------------------------------------------

# Every container of a Pod or a controller's pod template in `body`:
# {"spec": <container>, "path": [...]}.
# Repository rules get a workload's body cut down to what the active repository
# rules declare in `workload_fields` (`containers.image`): a rule reading more of a
# workload declares it there.
containers(body) := [c |
	some spec in pod_specs(body)
	some field in ["initContainers", "containers", "ephemeralContainers"]
	list := spec.spec[field]
	is_array(list) # `some .. in` a null or a string is an error, not nothing
	some i, container in list
	is_object(container)
	c := {"spec": container, "path": array.concat(spec.path, [field, i])}
]

pod_specs(body) := [{"spec": body.spec, "path": ["spec"]}] if {
	body.kind == "Pod"
	is_object(body.spec)
}

pod_specs(body) := [{"spec": body.spec.template.spec, "path": ["spec", "template", "spec"]}] if {
	body.kind in {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"}
	is_object(body.spec.template.spec)
}

pod_specs(body) := [{"spec": s, "path": ["spec", "jobTemplate", "spec", "template", "spec"]}] if {
	body.kind == "CronJob"
	s := body.spec.jobTemplate.spec.template.spec
	is_object(s)
}
