package hubspoke.rbac.wildcard_verb

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC001",
	"title": "wildcard-verb",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Role or ClusterRole rule grants every verb (`*`). The wildcard covers verbs that do not exist yet and the dangerous ones (`escalate`, `bind`, `impersonate`, `deletecollection`), so whoever holds the role can do far more than its author meant; least privilege names each verb.",
	"help": "List the verbs the holder needs (for example `get`, `list`, `watch`). Checked on every rule of the role, non-resource URLs included; the rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.kinds,
	"kyverno": [{"policy": "restrict-wildcard-verbs", "rule": "wildcard-verbs"}],
	"trivy": ["KSV044", "KSV045"],
	"checkov": ["CKV_K8S_49"],
}

violations contains v if {
	some pr in rbac.policy_rules
	"*" in pr.verbs
	v := {
		"msg": sprintf("rule #%d of %s grants every verb (`*`) on %s", [pr.index, objects.display, rbac.target(pr)]),
		"path": ["rules", pr.index, "verbs", rbac.entry(pr.index, "verbs", {"*"})],
	}
}
