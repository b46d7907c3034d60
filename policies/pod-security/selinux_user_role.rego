package hubspoke.pod_security.selinux_user_role

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS010",
	"title": "selinux-user-role",
	"severity": "error",
	"security_severity": 6.5,
	"description": "A pod or container sets an SELinux user or role. A custom SELinux user or role can lift the confinement SELinux puts on containers; the Pod Security Standards baseline profile forbids both.",
	"help": "Remove seLinuxOptions.user and seLinuxOptions.role from the pod and its containers.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-selinux", "rule": "selinux-user-role"}],
}

# Kyverno's pattern `=(seLinuxOptions): X(user): "null"; X(role): "null"` on
# the pod and on every container: the keys must not be set at all.
violations contains v if {
	some s in pods.specs
	options := s.spec.securityContext.seLinuxOptions
	some field in ["user", "role"]
	options[field] != null
	v := {
		"msg": sprintf("%s sets the pod's seLinuxOptions.%s to %s", [objects.display, field, fields.show(options[field])]),
		"path": array.concat(s.path, ["securityContext", "seLinuxOptions", field]),
	}
}

violations contains v if {
	some c in pods.containers
	options := c.spec.securityContext.seLinuxOptions
	some field in ["user", "role"]
	options[field] != null
	v := {
		"msg": sprintf("%s of %s sets seLinuxOptions.%s to %s", [pods.name(c), objects.display, field, fields.show(options[field])]),
		"path": array.concat(c.path, ["securityContext", "seLinuxOptions", field]),
	}
}
