package hubspoke.hub_spoke.tenant_without_resource_quota

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB009",
	"title": "tenant-without-resource-quota",
	"severity": "error",
	"security_severity": 5.5,
	"description": "A tenant namespace has no ResourceQuota on a cluster it exists on. One tenant can then take all the cluster's CPU, memory or pods and starve the others. Tenant namespaces are found as for HUB008 (parameters `tenant_label` and `exempt_namespaces`).",
	"help": "Add a ResourceQuota to the tenant's namespace (requests and limits of CPU and memory, pods, services.loadbalancers), next to its Namespace.",
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

# [namespace, cluster] with a ResourceQuota.
quotas := {[q.effective_namespace, c] |
	some id in repo.of_kind("/ResourceQuota")
	q := input.objects[id]
	is_string(q.effective_namespace)
	some c in repo.clusters_of(q)
}

missing contains pair if {
	some pair in tenants
	not repo.covered(quotas, pair[0], pair[1])
}

violations contains v if {
	some m in missing
	ns := m[0]
	anchor := repo.tenant_anchor(ns, m[1], reconcilers)
	clusters := {other[1] | some other in missing; other[0] == ns; repo.tenant_anchor(ns, other[1], reconcilers) == anchor}
	v := {
		"msg": sprintf("tenant namespace %q has no ResourceQuota%s", [ns, repo.on_clusters(clusters)]),
		"object": anchor,
		"path": repo.anchor_path(input.objects[anchor]),
	}
}
