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
}

# Object ids `entry` i of object o depends on: same kind, sharing a cluster.
targets(o, entry) := {t |
	ns := object.get(entry, "namespace", repo.namespace_of(o))
	some t in repo.ids(o.group, o.kind, ns, entry.name)
	shares_cluster(o, input.objects[t])
}

shares_cluster(a, b) if count(a.clusters) == 0

shares_cluster(a, b) if count(b.clusters) == 0

shares_cluster(a, b) if {
	some c in a.clusters
	c in b.clusters
}

# Edges: [from id, entry index, to id].
edges contains [o.id, i, t] if {
	some o in input.objects
	not o.patch
	repo.reconciler(o)
	some i, entry in object.get(o.body, ["spec", "dependsOn"], [])
	is_string(entry.name)
	some t in targets(o, entry)
}

deps[from] := tos if {
	some e in edges
	from := e[0]
	tos := {to | some f in edges; f[0] == from; to := f[2]}
}

# Nodes reachable in one or more steps.
reach(n) := graph.reachable(deps, deps[n])

on_cycle contains n if {
	some n, _ in deps
	n in reach(n)
}

# The strongly connected component of a node on a cycle.
component(n) := {m | some m in reach(n); n in reach(m)}

sort_key(id) := sprintf("%s/%s/%s/%09d", [repo.namespace_of(o), o.name, o.kind, id]) if o := input.objects[id]

# Its first edge into the component (the dependsOn entry to point at).
entry_into(n, members) := min({e[1] | some e in edges; e[0] == n; e[2] in members})

violations contains v if {
	some n in on_cycle
	members := component(n)
	keys := {sort_key(m) | some m in members}
	sort_key(n) == min(keys)
	o := input.objects[n]
	names := [sprintf("%s/%s", [repo.namespace_of(input.objects[m]), input.objects[m].name]) | some k in sort(keys); some m in members; sort_key(m) == k]
	v := {
		"msg": sprintf("%ss %s depend on each other in a cycle; none of them will ever be applied", [o.kind, concat(", ", names)]),
		"object": n,
		"path": ["spec", "dependsOn", entry_into(n, members)],
		"related": [{"object": m, "path": ["spec", "dependsOn", entry_into(m, members)], "message": sprintf("%s is part of the cycle", [repo.display(input.objects[m])])} |
			some k in sort(keys)
			some m in members
			sort_key(m) == k
			m != n
		],
	}
}
