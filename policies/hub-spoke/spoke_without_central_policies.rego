package hubspoke.hub_spoke.spoke_without_central_policies

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB012",
	"title": "spoke-without-central-policies",
	"severity": "error",
	"security_severity": 7.0,
	"description": "A spoke the hub reconciles receives no Flux Kustomization of the central policy library. Its admission policies then drift from the fleet's, or are missing altogether, and nothing flags it. The library is the directory of the parameter `policies_path` (default infrastructure/hub/policies); a repository without that directory has no central library and is not checked.",
	"help": "Add, for this spoke, a Kustomization with spec.path ./infrastructure/hub/policies (or your policies_path) and the spoke's kubeConfig, and make the spoke's other Kustomizations depend on it.",
	"tags": ["hub-spoke", "topology", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "policies_path", "type": "string", "default": "infrastructure/hub/policies", "description": "The directory of the central policy library, from the repository root."},
	],
	"workload_fields": [],
}

policies_path := trim_suffix(trim_prefix(params.value(metadata.id, "policies_path"), "./"), "/")

receives_policies(c) if {
	some fk in input.flux_kustomizations
	c.name in fk.target_clusters
	fk.local_source
	repo.within(fk.path.target, policies_path)
}

# The hub's Kustomization for the spoke itself (its path is the spoke's
# directory), else the first that reconciles it.
anchor(c) := min(own) if {
	own := {i |
		some i in c.reconciled_by
		fk := input.flux_kustomizations[i]
		is_string(c.directory)
		repo.within(fk.path.target, c.directory)
	}
	count(own) > 0
} else := min(c.reconciled_by)

violations contains v if {
	policies_path in input.directories
	some c in input.clusters
	c.role == "spoke"
	count(c.reconciled_by) > 0
	not receives_policies(c)
	fk := input.flux_kustomizations[anchor(c)]
	v := {
		"msg": sprintf("spoke %q receives no central policies: no Kustomization applies ./%s to it", [c.name, policies_path]),
		"object": fk.object,
		"path": ["metadata", "name"],
	}
}
