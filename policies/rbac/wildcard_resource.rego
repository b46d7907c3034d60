package hubspoke.rbac.wildcard_resource

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC002",
	"title": "wildcard-resource",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Role or ClusterRole rule grants its verbs on every resource (`*`) of its API groups. The wildcard covers Secrets, subresources such as `pods/exec` and `nodes/proxy`, and every resource a CRD adds later, so the role grows without anyone editing it.",
	"help": "List the resources the holder needs. A wildcard scoped to one custom API group you own is the usual exception; suppress the finding there with a reason. The rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.kinds,
	"kyverno": [{"policy": "restrict-wildcard-resources", "rule": "wildcard-resources"}],
	"trivy": ["KSV044", "KSV046", "KSV112"],
	"checkov": ["CKV_K8S_49"],
}

violations contains v if {
	some pr in rbac.policy_rules
	"*" in pr.resources
	# A rule without verbs or API groups grants nothing.
	count(pr.verbs) > 0
	count(pr.groups) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on every resource (`*`) of %s", [pr.index, objects.display, rbac.verbs_text(pr.verbs), rbac.groups_text(pr.groups)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", {"*"})],
	}
}
