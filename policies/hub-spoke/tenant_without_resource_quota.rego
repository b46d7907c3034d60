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
}

label := params.get("HUB009", "tenant_label", repo.tenant_label_default)

exempt := params.strings("HUB009", "exempt_namespaces", ["flux-system"])

has_quota(ns, cluster) if {
	some q in input.objects
	q.kind == "ResourceQuota"
	q.group == ""
	not q.patch
	q.effective_namespace == ns
	repo.on_cluster(q, cluster)
}

missing contains [ns, cluster] if {
	some pair in repo.tenant_namespaces(label, exempt)
	ns := pair[0]
	cluster := pair[1]
	not has_quota(ns, cluster)
}

violations contains v if {
	some m in missing
	anchor := repo.tenant_anchor(m[0], m[1], label, exempt)
	ns := m[0]
	clusters := {c | some other in missing; other[0] == ns; repo.tenant_anchor(ns, other[1], label, exempt) == anchor; c := other[1]}
	o := input.objects[anchor]
	v := {
		"msg": sprintf("tenant namespace %q has no ResourceQuota%s", [ns, repo.on_clusters(clusters)]),
		"object": anchor,
		"path": repo.anchor_path(o),
	}
}
