package hubspoke.hub_spoke.ingress_tls_without_cert_manager

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB021",
	"title": "ingress-tls-without-cert-manager",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A cluster serves Ingresses with TLS but reconciles no certificate management. Their certificates are then issued and renewed by hand, and expire. cert-manager counts when a HelmRelease installs one of the charts of the parameter `charts` (default cert-manager) into the cluster, or when the cluster receives cert-manager objects (group cert-manager.io, e.g. a ClusterIssuer) or a cert-manager Deployment.",
	"help": "Reconcile cert-manager on this cluster (a HelmRelease of the jetstack cert-manager chart and a ClusterIssuer), and annotate the Ingress with cert-manager.io/cluster-issuer.",
	"tags": ["hub-spoke", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "charts", "type": "string-list", "default": ["cert-manager"], "description": "Helm chart names that install cert-manager."},
	],
	"workload_fields": [],
}

charts := params.string_list(metadata.id, "charts")

has_cert_manager(c) if {
	some hr in input.helm_releases
	c in hr.target_clusters
	input.objects[hr.object].body.spec.chart.spec.chart in charts
}

has_cert_manager(c) if {
	some kind, ids in input.kinds
	startswith(kind, "cert-manager.io/")
	some id in ids
	c in input.objects[id].clusters
}

has_cert_manager(c) if {
	some id in repo.of_kind("apps/Deployment")
	o := input.objects[id]
	o.name == "cert-manager"
	c in o.clusters
}

violations contains v if {
	some id in repo.of_kind("networking.k8s.io/Ingress")
	o := input.objects[id]
	count(object.get(o.body.spec, "tls", [])) > 0
	clusters := {c | some c in o.clusters; not has_cert_manager(c)}
	count(clusters) > 0
	v := {
		"msg": sprintf("%s terminates TLS%s, which reconciles no certificate management (cert-manager)", [repo.display(o), repo.on_clusters(clusters)]),
		"object": o.id,
		"path": ["spec", "tls"],
	}
}
