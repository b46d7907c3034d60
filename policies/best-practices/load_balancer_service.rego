package hubspoke.best_practices.load_balancer_service

import data.hubspoke.lib.objects

metadata := {
	"id": "BP029",
	"title": "load-balancer-service",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A Service has type LoadBalancer. In a cloud the provider then creates a load balancer, usually with a public address, for this one Service: it is exposed outside the cluster, bypasses the shared ingress and its TLS and policies, and adds cost for every such Service.",
	"help": "Use type ClusterIP behind the shared Ingress or Gateway. For the ingress controller's own Service (or another reviewed exception), suppress the finding with the reason; restrict sources with `loadBalancerSourceRanges` or an internal load balancer where the cloud offers one.",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["core/Service"],
	"kyverno": [{"policy": "no-loadbalancer-service", "rule": "no-LoadBalancer"}],
	"trivy": [],
	"checkov": [],
}

violations contains v if {
	input.spec.type == "LoadBalancer"
	v := {
		"msg": sprintf("%s has type LoadBalancer, which gives it its own load balancer outside the cluster", [objects.display]),
		"path": ["spec", "type"],
	}
}
