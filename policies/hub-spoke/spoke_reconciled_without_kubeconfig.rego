package hubspoke.hub_spoke.spoke_reconciled_without_kubeconfig

import data.hubspoke.lib.repo

metadata := {
	"id": "HUB013",
	"title": "spoke-reconciled-without-kubeconfig",
	"severity": "error",
	"security_severity": 7.5,
	"description": "A Flux Kustomization on the hub applies a directory of a spoke without a kubeConfig. The spoke's objects (its tenants, its cluster-scoped resources) are then installed on the hub itself, and the spoke never receives them. A Kustomization whose spec.patches give a kubeConfig to the HelmReleases or Kustomizations it applies reconciles the spoke through them and is fine.",
	"help": "Add spec.kubeConfig.secretRef naming the spoke's kubeconfig Secret (or patch one into the HelmReleases it applies), or point spec.path at a directory meant for the hub.",
	"tags": ["hub-spoke", "topology", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"workload_fields": [],
}

violations contains v if {
	some fk in input.flux_kustomizations
	fk.local_source
	not is_string(fk.kubeconfig_secret)
	count(fk.kubeconfig_patches) == 0
	some hub in input.clusters
	hub.role == "hub"
	hub.name in fk.target_clusters
	some spoke in input.clusters
	spoke.role == "spoke"
	is_string(spoke.directory)
	repo.within(fk.path.target, spoke.directory)
	v := {
		"msg": sprintf("%s applies %q, a directory of spoke %q, without a kubeConfig: its objects land on hub %q instead", [repo.display(input.objects[fk.object]), fk.path.raw, spoke.name, hub.name]),
		"object": fk.object,
		"path": ["spec", "path"],
	}
}
