package hubspoke.best_practices.node_port_service

import data.hubspoke.lib.objects

metadata := {
	"id": "BP018",
	"title": "node-port-service",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A Service has type NodePort. It opens its port on every node to any source that can reach the nodes, and NetworkPolicies cannot restrict traffic to node ports.",
	"help": "Use type ClusterIP behind an Ingress or Gateway, or a LoadBalancer with source ranges, unless an upstream firewall guards the node ports.",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["core/Service"],
	"kyverno": [{"policy": "restrict-nodeport", "rule": "validate-nodeport"}],
}

violations contains v if {
	input.spec.type == "NodePort"
	v := {
		"msg": sprintf("%s has type NodePort, which opens its port on every node", [objects.display]),
		"path": ["spec", "type"],
	}
}
