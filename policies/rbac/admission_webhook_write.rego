package hubspoke.rbac.admission_webhook_write

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC006",
	"title": "admission-webhook-write",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A ClusterRole may create, change or delete mutating or validating admission webhook configurations. A webhook sees, and a mutating one rewrites, every object the API server admits, Secrets and pod specs included; deleting one switches off the policy engine it belongs to. Reported: `create`, `update`, `patch`, `delete` or `deletecollection` (or `*`) on `mutatingwebhookconfigurations` or `validatingwebhookconfigurations` (or `*`) of admissionregistration.k8s.io (or `*`).",
	"help": "Keep webhook configurations to the controller that owns them, with `resourceNames` naming its own configuration where the API allows it (`create` cannot be narrowed by name), and suppress the finding there with the reason. Kyverno's restrict-clusterrole-mutating-validating-admission-webhooks does not count `delete`; this rule does.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": ["rbac.authorization.k8s.io/ClusterRole"],
	"kyverno": [{"policy": "restrict-clusterrole-mutating-validating-admission-webhooks", "rule": "restrict-clusterrole"}],
	"trivy": ["KSV114"],
	"checkov": ["CKV_K8S_155"],
}

webhooks := {"mutatingwebhookconfigurations", "validatingwebhookconfigurations", "*"}

violations contains v if {
	some pr in rbac.policy_rules
	verbs := pr.verbs & rbac.write_verbs
	count(verbs) > 0
	count(pr.groups & {"admissionregistration.k8s.io", "*"}) > 0
	resources := pr.resources & webhooks
	count(resources) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s%s", [pr.index, objects.display, rbac.quoted(verbs), rbac.quoted(resources), rbac.named(pr)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}
