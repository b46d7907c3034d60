package hubspoke.best_practices.ingress_wildcard_host

import data.hubspoke.lib.objects

metadata := {
	"id": "BP027",
	"title": "ingress-wildcard-host",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "An Ingress rule's host contains a wildcard (`*.example.com`). The Ingress then answers for every name under the domain, including names other teams publish or have not published yet: traffic meant for them can reach this service, and in a shared cluster one tenant can capture another's hosts.",
	"help": "Name each host the service is published under. Where a wildcard is the product (a multi-tenant front end), suppress the finding with the reason.",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["networking.k8s.io/Ingress", "extensions/Ingress"],
	"kyverno": [{"policy": "restrict-ingress-wildcard", "rule": "block-ingress-wildcard"}],
	"trivy": [],
	"checkov": [],
}

violations contains v if {
	rules := input.spec.rules
	is_array(rules)
	some i, rule in rules
	host := rule.host
	is_string(host)
	contains(host, "*")
	v := {
		"msg": sprintf("rule #%d of %s answers for the wildcard host %q", [i, objects.display, host]),
		"path": ["spec", "rules", i, "host"],
	}
}
