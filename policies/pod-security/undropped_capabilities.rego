package hubspoke.pod_security.undropped_capabilities

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS015",
	"title": "undropped-capabilities",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A container does not drop ALL Linux capabilities. The runtime's default capabilities (such as NET_RAW, CHOWN or SETUID) are more than most processes need; the Pod Security Standards restricted profile requires dropping ALL.",
	"help": "Add securityContext.capabilities.drop: [\"ALL\"] to every container, init container and ephemeral container, and add back only NET_BIND_SERVICE if needed.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [
		{"policy": "disallow-capabilities-strict", "rule": "require-drop-all"},
		{"policy": "drop-all-capabilities", "rule": "require-drop-all"},
	],
}

# Kyverno: foreach container, deny when "ALL" is not in
# `element.securityContext.capabilities.drop[] || []`. The match is
# case-sensitive (unlike BP010); Kyverno's wildcards (`*`) are not honoured.
violations contains v if {
	some c in pods.containers
	not drops_all(c.spec)
	v := {
		"msg": sprintf("%s of %s does not drop ALL capabilities", [pods.name(c), objects.display]),
		"path": array.concat(c.path, ["securityContext", "capabilities", "drop"]),
	}
}

drops_all(container) if {
	drop := container.securityContext.capabilities.drop
	is_array(drop)
	"ALL" in drop
}

# Kyverno's foreach has nothing to check, so the rule does not apply.
skip if count(pods.containers) == 0
