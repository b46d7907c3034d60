package hubspoke.rbac.service_account_token_create

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC009",
	"title": "service-account-token-create",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A Role or ClusterRole may mint tokens for service accounts (`create` on `serviceaccounts/token`). A token is the service account's identity: the holder acts with every permission of every service account in the namespaces the role applies to, without running a pod. Reported: `create` or `*` on `serviceaccounts/token`, `*/token` or `*`, in the core API group (or `*`); `resourceNames` limit it to the named service accounts, and the message lists them.",
	"help": "Remove the grant. Workloads get their own tokens through projected volumes, which need no RBAC; a controller that must mint tokens for one account names it in `resourceNames` (suppress the finding there with the reason). The rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.kinds,
	"kyverno": [],
	"trivy": [],
	"checkov": [],
}

tokens := {"serviceaccounts/token", "*/token", "*"}

violations contains v if {
	some pr in rbac.policy_rules
	verbs := pr.verbs & {"create", "*"}
	count(verbs) > 0
	count(pr.groups & {"", "*"}) > 0
	resources := pr.resources & tokens
	count(resources) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s: its holders can mint service account tokens%s", [pr.index, objects.display, rbac.quoted(verbs), rbac.quoted(resources), rbac.named(pr)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}
