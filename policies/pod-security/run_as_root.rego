package hubspoke.pod_security.run_as_root

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS017",
	"title": "run-as-root",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A container may run as root: neither the pod nor the container sets runAsNonRoot to true. A process running as root inside the container is one kernel or runtime bug away from root on the node; the Pod Security Standards restricted profile requires runAsNonRoot.",
	"help": "Set spec.securityContext.runAsNonRoot: true on the pod (and do not set it to false on a container), or set it to true on every container.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "require-run-as-nonroot", "rule": "run-as-non-root"}],
	"fixes": [
		{"field": "securityContext.runAsNonRoot", "value": true},
	],
}

# Kyverno's anyPattern passes a pod when either
# 1. spec.securityContext.runAsNonRoot is true and no container sets it to
#    anything but true, or
# 2. every container sets securityContext.runAsNonRoot to true.
# One pass over the containers, each reading its own pod's setting: on the VM
# this costs half of pairing every pod spec with every container twice.
violations contains v if {
	some c in pods.containers
	value := object.get(c.spec, ["securityContext", "runAsNonRoot"], null)
	not value in {true, "true"}
	pod_value := object.get(input, array.concat(c.pod_path, ["securityContext", "runAsNonRoot"]), null)
	v := {
		"msg": message(c, value, pod_value in {true, "true"}),
		"path": array.concat(c.path, ["securityContext", "runAsNonRoot"]),
	}
}

# No message (no finding) for a container that leaves the pod's true alone.
message(c, value, pod_non_root) := sprintf("%s of %s sets securityContext.runAsNonRoot to %s, overriding the pod's true", [pods.name(c), objects.display, fields.show(value)]) if {
	pod_non_root
	value != null
}

message(c, value, pod_non_root) := sprintf("%s of %s does not set securityContext.runAsNonRoot to true, and neither does the pod", [pods.name(c), objects.display]) if {
	not pod_non_root
	value == null
}

message(c, value, pod_non_root) := sprintf("%s of %s sets securityContext.runAsNonRoot to %s; it must be true", [pods.name(c), objects.display, fields.show(value)]) if {
	not pod_non_root
	value != null
}
