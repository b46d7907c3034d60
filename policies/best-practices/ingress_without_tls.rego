package hubspoke.best_practices.ingress_without_tls

import data.hubspoke.lib.objects

metadata := {
	"id": "BP025",
	"title": "ingress-without-tls",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "An Ingress has no TLS section. Its hosts are then served over plain HTTP, so credentials, cookies and data cross the network readable and modifiable by anyone on the path.",
	"help": "Add `spec.tls` with the Ingress's hosts and the Secret holding their certificate (cert-manager fills it when the Ingress carries its annotation). An empty `tls: []` counts as none (Kyverno's require-ingress-https accepts it, since it only looks for the key).",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["networking.k8s.io/Ingress", "extensions/Ingress"],
	"kyverno": [{"policy": "require-ingress-https", "rule": "has-tls"}],
	"trivy": [],
	"checkov": [],
}

violations contains v if {
	is_object(input.spec)
	tls := object.get(input.spec, "tls", null)
	not has_entries(tls)
	v := {
		"msg": sprintf("%s serves its hosts over plain HTTP: it has no spec.tls", [objects.display]),
		"path": ["spec", "tls"],
	}
}

has_entries(tls) if {
	is_array(tls)
	count(tls) > 0
}
