package hubspoke.rbac.service_account_token_automount

import data.hubspoke.lib.objects
import data.hubspoke.lib.params

metadata := {
	"id": "RBAC015",
	"title": "service-account-token-automount",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A ServiceAccount does not set `automountServiceAccountToken: false`. Every pod running as it then gets its API token mounted into every container, where anyone who breaks into a container can use it; most workloads never call the Kubernetes API, and identities that Flux impersonates never need a mounted token at all.",
	"help": "Set `automountServiceAccountToken: false` on the ServiceAccount. A workload that does call the API opts back in with `automountServiceAccountToken: true` in its own pod spec, which wins over the account's setting. Parameter `exempt_namespaces`: namespaces whose ServiceAccounts are not checked (default `[\"flux-system\"]`: Flux's controllers call the API by design, and `flux bootstrap` regenerates their manifests).",
	"tags": ["rbac", "service-accounts", "security"],
	"scope": "document",
	"kinds": ["core/ServiceAccount"],
	"kyverno": [{"policy": "restrict-sa-automount-sa-token", "rule": "validate-sa-automountServiceAccountToken"}],
	"trivy": [],
	"checkov": ["CKV_K8S_41"],
	"parameters": [
		{"name": "exempt_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces whose ServiceAccounts are not checked."},
	],
}

exempt := params.string_list(metadata.id, "exempt_namespaces")

# Not checked in the exempt namespaces (skip).
skip if objects.namespace in exempt

violations contains v if {
	not skip
	object.get(input, "automountServiceAccountToken", null) != false
	v := {
		"msg": sprintf("%s lets its token be mounted into every pod that runs as it (automountServiceAccountToken is not false)", [objects.display]),
		"path": ["automountServiceAccountToken"],
	}
}
