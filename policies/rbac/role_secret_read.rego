package hubspoke.rbac.role_secret_read

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC011",
	"title": "role-secret-read",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Role lets its holders read every Secret of its namespace (`get`, `list` or `watch` without `resourceNames`). Among them are the tokens and credentials of every other workload there, so the holder can act as any of them, and as whatever they are bound to outside the namespace. Reported: `get`, `list`, `watch` or `*` on `secrets` or `*` in the core API group (or `*`), when the rule has no `resourceNames`.",
	"help": "Name the Secrets the holder needs in `resourceNames`, or mount them into the pod that needs them. The same grant in a ClusterRole is RBAC010, an error. Kyverno's restrict-secret-role-verbs also rejects a rule that names its Secrets and one in another API group; this rule accepts both.",
	"tags": ["rbac", "secrets", "security"],
	"scope": "document",
	"kinds": ["rbac.authorization.k8s.io/Role"],
	"kyverno": [{"policy": "restrict-secret-role-verbs", "rule": "secret-verbs"}],
	"trivy": ["KSV113"],
	"checkov": [],
}

violations contains v if {
	some pr in rbac.policy_rules
	count(pr.names) == 0
	verbs := pr.verbs & rbac.read_verbs
	count(verbs) > 0
	count(pr.groups & {"", "*"}) > 0
	resources := pr.resources & {"secrets", "*"}
	count(resources) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s: it reads every Secret of namespace %q", [pr.index, objects.display, rbac.quoted(verbs), rbac.quoted(resources), objects.namespace]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}
