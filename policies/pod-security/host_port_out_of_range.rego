package hubspoke.pod_security.host_port_out_of_range

import data.hubspoke.lib.params
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS007",
	"title": "host-port-out-of-range",
	"severity": "error",
	"security_severity": 6.0,
	"description": "A container binds a host port outside the permitted range (5000-6000 unless configured). Host ports bypass network policies and expose the pod outside the cluster network, so the ones allowed should be few and known.",
	"help": "Use a hostPort inside the permitted range, set it to 0, or expose the container through a Service. The range is the rule's `min` and `max` parameters.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-host-ports-range", "rule": "host-port-range"}],
	"parameters": [
		{"name": "min", "type": "integer", "default": 5000, "description": "The lowest host port allowed."},
		{"name": "max", "type": "integer", "default": 6000, "description": "The highest host port allowed."},
	],
}

low := params.value(metadata.id, "min")

high := params.value(metadata.id, "max")

# Kyverno denies when some hostPort is outside the range and some hostPort is
# not 0, two independent conditions over all the pod's host ports; so it also
# denies a 0 beside an in-range port. We report each port that is both outside
# the range and not 0 (no conformance case tells the two apart).
violations contains v if {
	some c in pods.containers
	is_array(c.spec.ports)
	some i, port in c.spec.ports
	port.hostPort != null
	not zero(port.hostPort)
	outside(port.hostPort)
	v := {
		"msg": sprintf("%s of %s binds host port %v, outside the permitted range %v-%v", [pods.name(c), objects.display, port.hostPort, low, high]),
		"path": array.concat(c.path, ["ports", i, "hostPort"]),
	}
}

number(value) := value if is_number(value)

number(value) := to_number(value) if is_string(value)

outside(value) if number(value) < low

outside(value) if number(value) > high

zero(value) if number(value) == 0
