package hubspoke.hub_spoke.depends_on_cycle

import data.hubspoke.lib.repo

metadata := {
	"id": "HUB005",
	"title": "depends-on-cycle",
	"severity": "error",
	"security_severity": 4.0,
	"description": "Flux Kustomizations (or HelmReleases) depend on each other in a cycle. Each waits for another to become ready, so none of them is ever applied. A cycle is reported once, on its member that sorts first (by namespace/name), with every member as a related location; dependencies are followed within a cluster.",
	"help": "Remove the dependsOn entry that closes the loop: dependencies must form a chain or a tree (usually policies, then infrastructure, then tenants and apps).",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"workload_fields": [],
}

# The first dependsOn entry of `id` naming another member of the cycle.
entry_into(id, members) := min({i |
	o := input.objects[id]
	some i, entry in object.get(o.body, ["spec", "dependsOn"], [])
	ns := object.get(entry, "namespace", repo.namespace_of(o))
	some t in repo.ids(o.group, o.kind, ns, entry.name)
	t in members
})

member_name(id) := sprintf("%s/%s", [repo.namespace_of(input.objects[id]), input.objects[id].name])

# The model lists each cycle once, its members sorted by namespace/name:
# the finding lands on the first, every other member is a related location.
violations contains v if {
	some members in input.dependency_cycles
	first := members[0]
	o := input.objects[first]
	v := {
		"msg": sprintf("%ss %s depend on each other in a cycle; none of them will ever be applied", [o.kind, concat(", ", [member_name(m) | some m in members])]),
		"object": first,
		"path": ["spec", "dependsOn", entry_into(first, members)],
		"related": [{"object": m, "path": ["spec", "dependsOn", entry_into(m, members)], "message": sprintf("%s is part of the cycle", [repo.display(input.objects[m])])} |
			some k, m in members
			k > 0
		],
	}
}
