package hubspoke.best_practices.net_raw_not_dropped

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP011",
	"title": "net-raw-not-dropped",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A container keeps the CAP_NET_RAW capability, which container runtimes grant by default. With it a compromised process can forge packets and bind to any interface, the basis of ARP and DNS spoofing attacks on its neighbours.",
	"help": "Add NET_RAW (or ALL) to securityContext.capabilities.drop of every container, init container and ephemeral container. `NET_RAW`, `CAP_NET_RAW` and `ALL` are accepted in any case; Kyverno's drop-cap-net-raw does not accept `ALL`, which drops NET_RAW as well.",
	"tags": ["best-practices", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "drop-cap-net-raw", "rule": "require-drop-cap-net-raw"}],
}

dropping_net_raw := {"NET_RAW", "CAP_NET_RAW", "ALL"}

drops_net_raw(container) if {
	some cap in object.get(container, ["securityContext", "capabilities", "drop"], [])
	is_string(cap)
	upper(cap) in dropping_net_raw
}

violations contains v if {
	some c in pods.containers
	not drops_net_raw(c.spec)
	v := {
		"msg": sprintf("%s of %s does not drop the NET_RAW capability", [pods.name(c), objects.display]),
		"path": array.concat(c.path, ["securityContext", "capabilities", "drop"]),
	}
}
