package hubspoke.best_practices.service_external_ips

import data.hubspoke.lib.objects

metadata := {
	"id": "BP019",
	"title": "service-external-ips",
	"severity": "error",
	"security_severity": 7.0,
	"description": "A Service sets spec.externalIPs. Any user who can create a Service can claim an arbitrary external address this way and intercept the cluster's traffic to it (CVE-2020-8554).",
	"help": "Remove spec.externalIPs and publish the service through a LoadBalancer or an Ingress; if external IPs are truly needed, restrict them with an admission policy to a known list. An empty list is accepted (Kyverno's restrict-external-ips rejects the key itself).",
	"tags": ["best-practices", "networking", "security"],
	"scope": "document",
	"kinds": ["core/Service"],
	"kyverno": [{"policy": "restrict-external-ips", "rule": "check-ips"}],
}

violations contains v if {
	ips := input.spec.externalIPs
	ips != null
	ips != []
	v := {
		"msg": sprintf("%s sets externalIPs, which lets it capture traffic to those addresses", [objects.display]),
		"path": ["spec", "externalIPs"],
	}
}
