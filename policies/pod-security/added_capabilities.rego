package hubspoke.pod_security.added_capabilities

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS005",
	"title": "added-capabilities",
	"severity": "error",
	"security_severity": 7.0,
	"description": "A container adds a Linux capability beyond the baseline set. Capabilities such as SYS_ADMIN, NET_ADMIN or NET_RAW give a process root-like powers over the node's kernel; the Pod Security Standards baseline profile only allows AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT.",
	"help": "Remove the capability from securityContext.capabilities.add; if the workload truly needs it, run it in a namespace exempt from the baseline profile.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-capabilities", "rule": "adding-capabilities"}],
}

allowed := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

# Kyverno: deny when `spec.[ephemeralContainers, initContainers, containers][]
# .securityContext.capabilities.add[]` has any value outside the list. Kyverno's
# AnyNotIn also lets wildcards through both ways (`SYS_*`, `*`); capabilities
# are names, not patterns, so we compare exactly.
violations contains v if {
	some c in pods.containers
	added := c.spec.securityContext.capabilities.add
	is_array(added)
	some i, capability in added
	capability != null
	not capability in allowed
	v := {
		"msg": sprintf("%s of %s adds the capability %v, which the baseline profile does not allow", [pods.name(c), objects.display, capability]),
		"path": array.concat(c.path, ["securityContext", "capabilities", "add", i]),
	}
}
