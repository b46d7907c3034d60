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
}

# Kyverno's anyPattern passes a pod when either
# 1. spec.securityContext.runAsNonRoot is true and no container sets it to
#    anything but true, or
# 2. every container sets securityContext.runAsNonRoot to true.
violations contains v if {
	some s in pods.specs
	pod_non_root(s.spec)
	some c in pods.containers
	c.pod_path == s.path
	value := c.spec.securityContext.runAsNonRoot
	value != null
	not value in {true, "true"}
	v := {
		"msg": sprintf("%s of %s sets securityContext.runAsNonRoot to %s, overriding the pod's true", [pods.name(c), objects.display, fields.show(value)]),
		"path": array.concat(c.path, ["securityContext", "runAsNonRoot"]),
	}
}

violations contains v if {
	some s in pods.specs
	not pod_non_root(s.spec)
	some c in pods.containers
	c.pod_path == s.path
	value := object.get(c.spec, ["securityContext", "runAsNonRoot"], null)
	not value in {true, "true"}
	v := {
		"msg": message(c, value),
		"path": array.concat(c.path, ["securityContext", "runAsNonRoot"]),
	}
}

pod_non_root(spec) if spec.securityContext.runAsNonRoot in {true, "true"}

message(c, value) := sprintf("%s of %s does not set securityContext.runAsNonRoot to true, and neither does the pod", [pods.name(c), objects.display]) if value == null

message(c, value) := sprintf("%s of %s sets securityContext.runAsNonRoot to %s; it must be true", [pods.name(c), objects.display, fields.show(value)]) if value != null
