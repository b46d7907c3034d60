package hubspoke.hub_spoke.tenant_without_network_policy

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB008",
	"title": "tenant-without-network-policy",
	"severity": "error",
	"security_severity": 7.0,
	"description": "A tenant namespace has no default-deny NetworkPolicy on a cluster it exists on. Without one every pod of the tenant accepts traffic from every other namespace, so tenants are not isolated from each other. A tenant namespace is one labelled `toolkit.fluxcd.io/tenant` (parameter `tenant_label`) in which a RoleBinding of the repository grants access (as `flux create tenant` writes it: the label alone also marks the platform team's own namespaces, as in Flux's examples), or the namespace of a tenant reconciler: a Flux Kustomization with spec.serviceAccountName, or a HelmRelease with one that carries the tenant label, outside the parameter `exempt_namespaces` (default flux-system). Default deny means podSelector {} with Ingress among the policyTypes and no ingress rules.",
	"help": "Add a NetworkPolicy to the tenant's namespace with `podSelector: {}`, `policyTypes: [Ingress, Egress]` and no rules, then allow what the tenant needs with further policies.",
	"tags": ["hub-spoke", "multi-tenancy", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "tenant_label", "type": "string", "default": "toolkit.fluxcd.io/tenant", "description": "The namespace label that marks a tenant."},
		{"name": "exempt_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces that are never tenants."},
	],
	"workload_fields": [],
}

label := params.value(metadata.id, "tenant_label")

exempt := params.string_list(metadata.id, "exempt_namespaces")

labelled := repo.labelled_tenant_namespaces(label, exempt)

reconcilers := repo.tenant_reconcilers(label, exempt, labelled)

tenants := repo.tenant_namespaces(label, labelled, reconcilers)

default_deny(np) if {
	np.group == "networking.k8s.io"
	np.kind == "NetworkPolicy"
	not np.patch
	selects_all(np.body.spec.podSelector)
	denies_ingress(np.body.spec)
	count(object.get(np.body.spec, "ingress", [])) == 0
}

selects_all(selector) if count(selector) == 0

selects_all(selector) if {
	count(object.get(selector, "matchLabels", {})) == 0
	count(object.get(selector, "matchExpressions", [])) == 0
}

denies_ingress(spec) if "Ingress" in spec.policyTypes

denies_ingress(spec) if not spec.policyTypes

# [namespace, cluster] with a default-deny NetworkPolicy.
isolated := {[np.effective_namespace, c] |
	some id in repo.of_kind("networking.k8s.io/NetworkPolicy")
	np := input.objects[id]
	is_string(np.effective_namespace)
	default_deny(np)
	some c in repo.clusters_of(np)
}

missing contains pair if {
	some pair in tenants
	not repo.covered(isolated, pair[0], pair[1])
}

violations contains v if {
	some m in missing
	ns := m[0]
	anchor := repo.tenant_anchor(ns, m[1], reconcilers)
	clusters := {other[1] | some other in missing; other[0] == ns; repo.tenant_anchor(ns, other[1], reconcilers) == anchor}
	v := {
		"msg": sprintf("tenant namespace %q has no default-deny NetworkPolicy%s", [ns, repo.on_clusters(clusters)]),
		"object": anchor,
		"path": repo.anchor_path(input.objects[anchor]),
	}
}
