package hubspoke.hub_spoke.spoke_without_cluster_directory

import data.hubspoke.lib.repo

metadata := {
	"id": "HUB011",
	"title": "spoke-without-cluster-directory",
	"severity": "error",
	"security_severity": 5.0,
	"description": "The hub reconciles a spoke that has no cluster directory (`clusters/<name>/`) in the repository. Nothing in Git then describes what that cluster should run, which usually means a mistyped kubeconfig secret sends the hub's objects to a cluster nobody tracks. The spoke's name comes from its kubeconfig secret (`<name>-kubeconfig`), the cluster directory the reconciled path lies in, a `cluster_name` substitution, or the hub namespace holding the reconciler. A spoke that only Kustomizations no cluster applies reach (when the repository has a bootstrap: templates) is not one.",
	"help": "Add clusters/<name>/ describing the spoke (its labels, infrastructure and tenants), or point spec.kubeConfig.secretRef at the right spoke's secret.",
	"tags": ["hub-spoke", "topology"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"workload_fields": [],
}

# Where the hub connects to the spoke: the first reconciler's kubeconfig.
connection(c) := fk.kubeconfig_from if {
	some i in c.reconciled_by
	i == min(c.reconciled_by)
	fk := input.flux_kustomizations[i]
	is_object(fk.kubeconfig_from)
} else := patch_origin(c)

# A Kustomization whose patch gives a kubeconfig to what it applies.
patch_origin(c) := {"object": fk.object, "path": p.path} if {
	i := min(c.reconciled_by)
	fk := input.flux_kustomizations[i]
	some p in fk.kubeconfig_patches
	c.name in p.clusters
}

where(origin) := {"object": origin.object} if is_number(origin.object)

where(origin) := {"kustomize_file": origin.kustomize_file} if not is_number(origin.object)

violations contains v if {
	some c in input.clusters
	c.role == "spoke"
	not is_string(c.directory)
	count(c.reconciled_by) > 0
	not repo.unreached_spoke(c)
	origin := connection(c)
	v := object.union(where(origin), {
		"msg": sprintf("the hub reconciles spoke %q, which has no cluster directory in this repository", [c.name]),
		"path": origin.path,
		"related": [{"object": fk.object, "path": ["metadata", "name"], "message": sprintf("%s also reconciles %q", [repo.display(input.objects[fk.object]), c.name])} |
			some i in c.reconciled_by
			i != min(c.reconciled_by)
			fk := input.flux_kustomizations[i]
		],
	})
}
