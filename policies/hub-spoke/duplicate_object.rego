package hubspoke.hub_spoke.duplicate_object

import data.hubspoke.lib.repo

metadata := {
	"id": "HUB016",
	"title": "duplicate-object",
	"severity": "error",
	"security_severity": 5.0,
	"description": "The same object (API group, kind, namespace and name) is defined twice for one cluster. Two Kustomizations then fight over it, or kustomize refuses to build, and which definition wins depends on reconciliation order. Namespaces are the effective ones (own, kustomization.yaml, or targetNamespace); an object applied to several clusters, once per cluster, is fine, and kustomize patches are not definitions. Objects no cluster receives are not compared.",
	"help": "Keep one definition per cluster: delete the copy, rename one of them, or move the cluster-specific variant into that cluster's overlay.",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"workload_fields": [],
}

# Pairs [first, later] defining the same object for at least one common cluster.
clashes contains [a, b] if {
	some _, ids in input.index
	count(ids) > 1
	some a in ids
	some b in ids
	a < b
	input.objects[a].name != ""
	common(a, b)
}

common(a, b) if {
	some c in input.objects[a].clusters
	c in input.objects[b].clusters
}

violations contains v if {
	some pair in clashes
	b := pair[1]
	a := min({x | some p in clashes; p[1] == b; x := p[0]})
	pair[0] == a
	first := input.objects[a]
	later := input.objects[b]
	clusters := {c | some c in first.clusters; c in later.clusters}
	v := {
		"msg": sprintf("%s is defined twice%s: first in %s", [repo.display(later), repo.on_clusters(clusters), first.file]),
		"object": b,
		"path": ["metadata", "name"],
		"related": [{"object": a, "path": ["metadata", "name"], "message": "the first definition"}],
	}
}
