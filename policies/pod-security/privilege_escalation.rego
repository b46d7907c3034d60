package hubspoke.pod_security.privilege_escalation

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS014",
	"title": "privilege-escalation",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A container does not set allowPrivilegeEscalation to false. Unless it is false, a process can gain more privileges than its parent (through set-user-ID binaries or file capabilities); the Pod Security Standards restricted profile requires false.",
	"help": "Set securityContext.allowPrivilegeEscalation: false on every container, init container and ephemeral container.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-privilege-escalation", "rule": "privilege-escalation"}],
	"fixes": [
		{"field": "securityContext.allowPrivilegeEscalation", "value": false},
	],
}

# Kyverno's pattern `- securityContext: allowPrivilegeEscalation: "false"` on
# every kind of container: the field is required.
violations contains v if {
	some c in pods.containers
	value := object.get(c.spec, ["securityContext", "allowPrivilegeEscalation"], null)
	not value in {false, "false"}
	v := {
		"msg": message(c, value),
		"path": array.concat(c.path, ["securityContext", "allowPrivilegeEscalation"]),
	}
}

message(c, value) := sprintf("%s of %s does not set securityContext.allowPrivilegeEscalation to false", [pods.name(c), objects.display]) if value == null

message(c, value) := sprintf("%s of %s sets securityContext.allowPrivilegeEscalation to %s; it must be false", [pods.name(c), objects.display, fields.show(value)]) if value != null
