package hubspoke.pod_security.added_capabilities_strict

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS016",
	"title": "added-capabilities-strict",
	"severity": "warning",
	"security_severity": 5.5,
	"description": "A container adds a Linux capability other than NET_BIND_SERVICE. Every added capability widens what a compromised process can do to the node's kernel; the Pod Security Standards restricted profile allows adding only NET_BIND_SERVICE.",
	"help": "Remove the capability from securityContext.capabilities.add; keep NET_BIND_SERVICE only if the process binds a port below 1024.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-capabilities-strict", "rule": "adding-capabilities-strict"}],
}

# Kyverno: foreach container, deny when `capabilities.add[] || []` holds a
# value other than NET_BIND_SERVICE (or the empty string); compared exactly,
# without Kyverno's two-way wildcards.
violations contains v if {
	some c in pods.containers
	added := c.spec.securityContext.capabilities.add
	is_array(added)
	some i, capability in added
	capability != null
	not capability in {"NET_BIND_SERVICE", ""}
	v := {
		"msg": sprintf("%s of %s adds the capability %v; only NET_BIND_SERVICE is allowed", [pods.name(c), objects.display, capability]),
		"path": array.concat(c.path, ["securityContext", "capabilities", "add", i]),
	}
}

# Kyverno's foreach has nothing to check, so the rule does not apply.
skip if count(pods.containers) == 0
