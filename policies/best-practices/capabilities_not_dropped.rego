package hubspoke.best_practices.capabilities_not_dropped

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP010",
	"title": "capabilities-not-dropped",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A container keeps the runtime's default Linux capabilities instead of dropping them all. Those defaults include CAP_NET_RAW, CAP_CHOWN and CAP_SETUID, which let a compromised process forge packets or change file ownership; least privilege drops everything and adds back only what is needed.",
	"help": "Add securityContext.capabilities.drop: [\"ALL\"] to every container, init container and ephemeral container, and list in capabilities.add only what the process really needs (often nothing; NET_BIND_SERVICE for ports below 1024). The entry is matched case-insensitively.",
	"tags": ["best-practices", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "drop-all-capabilities", "rule": "require-drop-all"}],
}

drops_all(container) if {
	some cap in object.get(container, ["securityContext", "capabilities", "drop"], [])
	is_string(cap)
	upper(cap) == "ALL"
}

violations contains v if {
	some c in pods.containers
	not drops_all(c.spec)
	v := {
		"msg": sprintf("%s of %s does not drop ALL capabilities", [pods.name(c), objects.display]),
		"path": array.concat(c.path, ["securityContext", "capabilities", "drop"]),
	}
}
