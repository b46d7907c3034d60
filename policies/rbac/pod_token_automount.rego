package hubspoke.rbac.pod_token_automount

import data.hubspoke.lib.objects
import data.hubspoke.lib.params
import data.hubspoke.lib.pods

metadata := {
	"id": "RBAC014",
	"title": "pod-token-automount",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A pod does not set `automountServiceAccountToken: false`. Kubernetes then mounts its service account's API token into every container, where anyone who breaks into the container can use it with every permission the account holds; most applications never call the Kubernetes API. Off by default: RBAC015 asks the same of each ServiceAccount once, which covers every pod that does not opt back in.",
	"help": "Set `automountServiceAccountToken: false` in the pod spec (the pod template of a controller) unless the workload calls the Kubernetes API. Parameter `exempt_labels`: `key=value` labels of the object that exempt it (default `[\"app.kubernetes.io/part-of=policy-reporter\"]`, the exemption Kyverno's restrict-automount-sa-token ships for its own policy reporter).",
	"tags": ["rbac", "service-accounts", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	# Off by default: most workloads leave the field unset, and RBAC015 covers
	# them through their ServiceAccount.
	"default_enabled": false,
	"kyverno": [{"policy": "restrict-automount-sa-token", "rule": "validate-automountServiceAccountToken"}],
	"trivy": ["KSV036"],
	"checkov": ["CKV_K8S_38"],
	"parameters": [
		{"name": "exempt_labels", "type": "string-list", "default": ["app.kubernetes.io/part-of=policy-reporter"], "description": "Labels (`key=value`) that exempt a pod or controller."},
	],
}

exempt := params.string_list(metadata.id, "exempt_labels")

# Kyverno's precondition reads the object's own labels (a controller's, not its
# pod template's): the rule does not apply to an exempt object (skip).
skip if {
	labels := input.metadata.labels
	is_object(labels)
	some pair in exempt
	parts := split(pair, "=")
	count(parts) == 2
	labels[parts[0]] == parts[1]
}

violations contains v if {
	not skip
	some s in pods.specs
	not s.spec.automountServiceAccountToken in {false, "false"}
	v := {
		"msg": sprintf("%s mounts its service account token into every container (automountServiceAccountToken is not false)", [objects.display]),
		"path": array.concat(s.path, ["automountServiceAccountToken"]),
	}
}
