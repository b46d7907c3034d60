# Facts about the repository model shared by the hub-spoke (repository) rules.
# `input` is the model's JSON (`hubspoke-lint graph`): objects, index,
# kustomize_files, flux_kustomizations, helm_releases, clusters, files,
# directories. Kustomize patch documents (`patch: true`) define nothing: the
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

# Object ids defining group/kind/namespace/name.
ids(group, kind, ns, name) := object.get(input.index, sprintf("%s/%s/%s/%s", [group, kind, ns, name]), [])

defined(group, kind, ns, name) if count(ids(group, kind, ns, name)) > 0

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

secret_provided(ns, name) if {
	some o in input.objects
	o.kind == "ExternalSecret"
	not o.patch
	namespace_of(o) == ns
	object.get(o.body, ["spec", "target", "name"], o.name) == name
}

secret_provided(ns, name) if {
	some o in input.objects
	o.kind == "SealedSecret"
	not o.patch
	namespace_of(o) == ns
	object.get(o.body, ["spec", "template", "metadata", "name"], o.name) == name
}

secret_provided(ns, name) if generated("secretGenerator", ns, name)

# A Secret of that name exists, but unencrypted.
secret_in_plain_text(ns, name) if {
	some id in ids("", "Secret", ns, name)
	not input.objects[id].sops
}

configmap_provided(ns, name) if defined("", "ConfigMap", ns, name)

configmap_provided(ns, name) if generated("configMapGenerator", ns, name)

# A kustomize generator of that name, in that namespace or one left open.
generated(field, ns, name) if {
	some kf in input.kustomize_files
	some g in object.get(kf.body, field, [])
	g.name == name
	generator_namespace(kf, g) in {ns, ""}
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

# Namespaces labelled as a tenant's, with the Namespace object.
labelled_tenant_namespace(o, label) if {
	o.kind == "Namespace"
	o.group == ""
	not o.patch
	is_string(o.body.metadata.labels[label])
	not templated(o.name)
}

# A tenant reconciler: it impersonates a service account of a namespace that is
# not exempt, and is a Kustomization (how a tenant syncs its own sources) or
# carries the tenant label, or lives in a namespace labelled as a tenant's.
# A HelmRelease with its own service account in an unlabelled namespace is how
# the platform installs an add-on with least privilege; it is not a tenant.
tenant_reconciler(o, label, exempt) if {
	reconciler(o)
	not o.patch
	service_account_name(o)
	not has_kubeconfig(o)
	ns := namespace_of(o)
	ns != ""
	not ns in exempt
	not templated(ns)
	tenant_marked(o, label)
}

tenant_marked(o, label) if o.kind == "Kustomization"

tenant_marked(o, label) if is_string(o.body.metadata.labels[label])

tenant_marked(o, label) if {
	some n in input.objects
	labelled_tenant_namespace(n, label)
	n.name == namespace_of(o)
}

# [namespace, cluster] of every tenant namespace.
tenant_namespaces(label, exempt) := {[o.name, c] |
	some o in input.objects
	labelled_tenant_namespace(o, label)
	not o.name in exempt
	some c in clusters_of(o)
} | {[namespace_of(o), c] |
	some o in input.objects
	tenant_reconciler(o, label, exempt)
	some c in clusters_of(o)
}

# The object a finding about tenant namespace `ns` on `cluster` lands on: the
# Namespace object, else the first tenant reconciler in it.
tenant_anchor(ns, cluster, label, exempt) := min(namespaces) if {
	namespaces := {o.id |
		some o in input.objects
		o.kind == "Namespace"
		o.group == ""
		not o.patch
		o.name == ns
		on_cluster(o, cluster)
	}
	count(namespaces) > 0
} else := min({o.id |
	some o in input.objects
	tenant_reconciler(o, label, exempt)
	namespace_of(o) == ns
	on_cluster(o, cluster)
})

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
containers(body) := [c |
	some spec in pod_specs(body)
	some field in ["initContainers", "containers", "ephemeralContainers"]
	some i, container in object.get(spec.spec, field, [])
	is_object(container)
	c := {"spec": container, "path": array.concat(spec.path, [field, i])}
]

pod_specs(body) := [{"spec": body.spec, "path": ["spec"]}] if {
	body.kind == "Pod"
	is_object(body.spec)
}

pod_specs(body) := [{"spec": body.spec.template.spec, "path": ["spec", "template", "spec"]}] if {
	body.kind in {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"}
	is_object(body.spec.template.spec)
}

pod_specs(body) := [{"spec": s, "path": ["spec", "jobTemplate", "spec", "template", "spec"]}] if {
	body.kind == "CronJob"
	s := body.spec.jobTemplate.spec.template.spec
	is_object(s)
}
