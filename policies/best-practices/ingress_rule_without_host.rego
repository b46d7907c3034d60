package hubspoke.best_practices.ingress_rule_without_host

import data.hubspoke.lib.objects

metadata := {
	"id": "BP016",
	"title": "ingress-rule-without-host",
	"severity": "warning",
	"security_severity": 3.0,
	"description": "An Ingress rule routes HTTP traffic without naming a host. Such a rule answers for every host name that reaches the ingress controller, so the service is exposed under names nobody chose and can shadow other teams' Ingresses.",
	"help": "Set spec.rules[].host to the name the service is published under (a wildcard such as *.example.com is allowed). An empty string counts as no host, as it does for Kubernetes; Kyverno's disallow-empty-ingress-host counts hosts and http blocks instead and accepts `host: \"\"`.",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["networking.k8s.io/Ingress", "extensions/Ingress"],
	"kyverno": [{"policy": "disallow-empty-ingress-host", "rule": "disallow-empty-ingress-host"}],
}

violations contains v if {
	rules := input.spec.rules
	is_array(rules)
	some i, rule in rules
	is_object(rule)
	object.get(rule, "http", null) != null
	object.get(rule, "host", "") in {"", null}
	v := {
		"msg": sprintf("rule #%d of %s routes HTTP traffic without a host", [i, objects.display]),
		"path": ["spec", "rules", i, "host"],
	}
}
