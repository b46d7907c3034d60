package hubspoke.best_practices.ingress_http_allowed

import data.hubspoke.lib.objects

metadata := {
	"id": "BP026",
	"title": "ingress-http-allowed",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "An Ingress does not set the annotation `kubernetes.io/ingress.allow-http: \"false\"`. Ingress controllers that honour it (the GKE ingress controller) then keep serving plain HTTP beside HTTPS. Off by default: other controllers (ingress-nginx redirects to HTTPS when TLS is set) ignore the annotation.",
	"help": "Add the annotation `kubernetes.io/ingress.allow-http: \"false\"` to every Ingress served by a controller that reads it, and enable this rule in such fleets.",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["networking.k8s.io/Ingress", "extensions/Ingress"],
	# Off by default: only the GKE ingress controller reads the annotation.
	"default_enabled": false,
	"kyverno": [{"policy": "require-ingress-https", "rule": "has-annotation"}],
	"trivy": [],
	"checkov": [],
}

annotation := "kubernetes.io/ingress.allow-http"

violations contains v if {
	not input.metadata.annotations[annotation] == "false"
	v := {
		"msg": sprintf("%s may be served over plain HTTP: its annotation %s is not \"false\"", [objects.display, annotation]),
		"path": path,
	}
}

path := ["metadata", "annotations", annotation] if is_object(input.metadata.annotations)

path := ["metadata", "annotations"] if not is_object(input.metadata.annotations)
