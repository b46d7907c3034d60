package hubspoke.rbac.cluster_role_secret_read

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC010",
	"title": "cluster-role-secret-read",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A ClusterRole lets its holders read Secrets (`get`, `list` or `watch`) without naming them. Bound by a ClusterRoleBinding it reads every Secret of the cluster (service account tokens, registry and cloud credentials, TLS keys); in most clusters one of those belongs to an identity bound to cluster-admin, so the role is as good as cluster-admin. Reported: `get`, `list`, `watch` or `*` on `secrets` or `*` in the core API group (or `*`), when the rule has no `resourceNames`.",
	"help": "Name the Secrets the holder needs in `resourceNames`, or mount them into the pod that needs them, and bind namespaced access with a Role. The same grant in a Role is RBAC011 (a warning: it stops at its namespace). Kyverno's restrict-secret-role-verbs also rejects a rule that names its Secrets and one in another API group; this rule accepts both. The rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "secrets", "security"],
	"scope": "document",
	"kinds": ["rbac.authorization.k8s.io/ClusterRole"],
	"kyverno": [{"policy": "restrict-secret-role-verbs", "rule": "secret-verbs"}],
	"trivy": ["KSV041"],
	"checkov": ["CKV2_K8S_5"],
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
		"msg": sprintf("rule #%d of %s grants %s on %s: bound cluster-wide, it reads every Secret of the cluster", [pr.index, objects.display, rbac.quoted(verbs), rbac.quoted(resources)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}
