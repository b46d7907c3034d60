package hubspoke.pod_security.host_port

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS006",
	"title": "host-port",
	"severity": "error",
	"security_severity": 6.0,
	"description": "A container binds a port on its node's network interfaces (hostPort). Host ports bypass network policies, tie the pod to one port per node and expose it outside the cluster network; the Pod Security Standards baseline profile forbids them.",
	"help": "Remove hostPort (or set it to 0) and expose the container through a Service instead.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-host-ports", "rule": "host-ports-none"}],
}

# Kyverno's pattern `=(ports): - =(hostPort): 0` on every kind of container.
violations contains v if {
	some c in pods.containers
	is_array(c.spec.ports)
	some i, port in c.spec.ports
	port.hostPort != null
	not zero(port.hostPort)
	v := {
		"msg": sprintf("%s of %s binds host port %v", [pods.name(c), objects.display, port.hostPort]),
		"path": array.concat(c.path, ["ports", i, "hostPort"]),
	}
}

zero(value) if value == 0

zero(value) if {
	is_string(value)
	to_number(value) == 0
}
