package hubspoke.secrets.service_account_token_secret

import data.hubspoke.lib.objects

metadata := {
	"id": "SEC004",
	"title": "service-account-token-secret",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Secret of type `kubernetes.io/service-account-token` asks Kubernetes for a legacy service account token. Such a token never expires and is not bound to a pod, so once it leaks (it is readable by everyone who can read Secrets in the namespace) it works until the Secret is deleted; since Kubernetes 1.24 pods get short-lived, automatically rotated tokens instead.",
	"help": "Delete the Secret and let pods use their projected token; a client outside the cluster gets a bounded token with `kubectl create token` (the TokenRequest API).",
	"tags": ["secrets", "service-accounts", "security"],
	"scope": "document",
	"kinds": ["core/Secret"],
	"kyverno": [{"policy": "deny-secret-service-account-token-type", "rule": "deny-secret-service-account-token-type"}],
	"trivy": [],
	"checkov": [],
}

violations contains v if {
	input.type == "kubernetes.io/service-account-token"
	v := {
		"msg": sprintf("%s is a legacy, never-expiring token of service account %s", [objects.display, account]),
		"path": ["type"],
	}
}

account := sprintf("%q", [name]) if {
	name := input.metadata.annotations["kubernetes.io/service-account.name"]
	is_string(name)
} else := "(unnamed)"
