package hubspoke.best_practices.ingress_host_without_tls

import data.hubspoke.lib.objects

metadata := {
	"id": "BP028",
	"title": "ingress-host-without-tls",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "An Ingress with TLS routes a host that none of its `spec.tls[].hosts` covers. That host is served with a certificate that does not name it (or over plain HTTP), so clients reject the connection or, worse, are trained to click through certificate warnings.",
	"help": "Add the host to the `hosts` of the TLS entry whose certificate covers it (a `*.example.com` TLS host covers `a.example.com`). An Ingress without any TLS section is BP025's finding, not this rule's (Kyverno's ingress-host-match-tls rejects it as well).",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["networking.k8s.io/Ingress", "extensions/Ingress"],
	"kyverno": [{"policy": "ingress-host-match-tls", "rule": "host-match-tls"}],
	"trivy": [],
	"checkov": [],
}

tls_hosts := {host |
	some entry in input.spec.tls
	hosts := entry.hosts
	is_array(hosts)
	some host in hosts
	is_string(host)
}

violations contains v if {
	tls := input.spec.tls
	is_array(tls)
	count(tls) > 0
	rules := input.spec.rules
	is_array(rules)
	some i, rule in rules
	host := rule.host
	is_string(host)
	host != ""
	not covered(host)
	v := {
		"msg": sprintf("rule #%d of %s routes host %q, which no spec.tls entry covers", [i, objects.display, host]),
		"path": ["spec", "rules", i, "host"],
	}
}

covered(host) if host in tls_hosts

# A wildcard TLS host covers exactly one leading label.
covered(host) if {
	some pattern in tls_hosts
	startswith(pattern, "*.")
	parts := split(host, ".")
	count(parts) > 1
	concat(".", array.concat(["*"], array.slice(parts, 1, count(parts)))) == pattern
}
