package hubspoke.best_practices.container_without_resources

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP003",
	"title": "container-without-resources",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A container does not declare its CPU and memory requests and its memory limit. The scheduler then places the pod blind, a noisy neighbour can starve the node, and a memory leak is stopped by the node's OOM killer instead of the container's own limit.",
	"help": "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container, init container and ephemeral container (a namespace LimitRange can supply defaults, but the manifest then no longer says what the workload needs).",
	"tags": ["best-practices", "reliability", "resources"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "require-requests-limits", "rule": "validate-resources"}],
}

# The fields Kyverno's require-requests-limits demands, under `resources`.
required := [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]

# A value that Kyverno's "?*" accepts: anything but null or an empty string.
# Inline in `violations` too: a function call per field and container was
# most of this rule's cost on the VM (benches/README.md).
missing(container, field) if object.get(container, ["resources", field[0], field[1]], null) in {null, ""}

# Where a missing field is reported: the first absent key on its way down
# (`resources` when there are none, `requests` when there are no requests).
anchor(container, field) := ["resources"] if {
	not is_object(container.resources)
} else := ["resources", field[0]] if {
	not is_object(container.resources[field[0]])
} else := array.concat(["resources"], field)

violations contains v if {
	some c in pods.containers
	some field in required
	object.get(c.spec, ["resources", field[0], field[1]], null) in {null, ""}
	at := anchor(c.spec, field)
	absent := [concat(".", array.concat(["resources"], f)) |
		some f in required
		missing(c.spec, f)
		anchor(c.spec, f) == at
	]
	v := {
		"msg": sprintf("%s of %s does not set %s", [pods.name(c), objects.display, listing(absent)]),
		"path": array.concat(c.path, at),
	}
}

# "a", "a or b", "a, b or c".
listing(items) := items[0] if count(items) == 1

listing(items) := sprintf("%s or %s", [concat(", ", array.slice(items, 0, count(items) - 1)), items[count(items) - 1]]) if count(items) > 1
