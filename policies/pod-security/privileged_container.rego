package hubspoke.pod_security.privileged_container

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS001",
	"title": "privileged-container",
	"severity": "error",
	"security_severity": 9.0,
	"description": "A container runs privileged. A privileged container holds every capability of root on its node and can take the node over; the Pod Security Standards baseline profile forbids it.",
	"help": "Remove securityContext.privileged from the container, or set it to false.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-privileged-containers", "rule": "privileged-containers"}],
	"fixes": [
		{"field": "securityContext.privileged", "value": false},
	],
}

# Kyverno's pattern `=(privileged): "false"`: when set, only false passes.
violations contains v if {
	some c in pods.containers
	sc := c.spec.securityContext
	sc.privileged != null
	not sc.privileged in {false, "false"}
	v := {
		"msg": message(c, sc.privileged),
		"path": array.concat(c.path, ["securityContext", "privileged"]),
	}
}

message(c, value) := sprintf("%s of %s runs privileged", [pods.name(c), objects.display]) if value == true

message(c, value) := sprintf("%s of %s sets securityContext.privileged to %s; only false is allowed", [pods.name(c), objects.display, fields.show(value)]) if value != true
