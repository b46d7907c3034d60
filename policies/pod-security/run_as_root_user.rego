package hubspoke.pod_security.run_as_root_user

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS018",
	"title": "run-as-root-user",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A pod or container sets runAsUser to 0 (root) or to a value that is not a positive user id. A process running as root inside the container is one kernel or runtime bug away from root on the node; the Pod Security Standards restricted profile forbids user id 0.",
	"help": "Set runAsUser to a non-zero user id, or remove it and let the image's non-root user apply.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "require-run-as-non-root-user", "rule": "run-as-non-root-user"}],
}

# Kyverno's pattern `=(runAsUser): ">0"` on the pod and on every container.
violations contains v if {
	some s in pods.specs
	sc := s.spec.securityContext
	sc.runAsUser != null
	not positive(sc.runAsUser)
	v := {
		"msg": sprintf("%s sets the pod's runAsUser to %s; it must be greater than 0", [objects.display, fields.show(sc.runAsUser)]),
		"path": array.concat(s.path, ["securityContext", "runAsUser"]),
	}
}

violations contains v if {
	some c in pods.containers
	sc := c.spec.securityContext
	sc.runAsUser != null
	not positive(sc.runAsUser)
	v := {
		"msg": sprintf("%s of %s sets runAsUser to %s; it must be greater than 0", [pods.name(c), objects.display, fields.show(sc.runAsUser)]),
		"path": array.concat(c.path, ["securityContext", "runAsUser"]),
	}
}

positive(value) if {
	is_number(value)
	value > 0
}

positive(value) if {
	is_string(value)
	to_number(value) > 0
}
