package hubspoke.rbac.escalation_verb

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC003",
	"title": "escalation-verb",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A Role or ClusterRole rule grants `bind`, `escalate` or `impersonate`. These verbs are Kubernetes' deliberate exits from its privilege-escalation checks: `escalate` lets the holder write roles granting more than it has, `bind` lets it bind roles it does not hold, and `impersonate` lets it act as another user, group or service account; each is a path to cluster-admin. Reported: any of the three verbs on `roles` or `clusterroles` of rbac.authorization.k8s.io (as Kyverno's restrict-escalation-verbs-roles does, although `impersonate` there grants nothing), and `impersonate` on `users`, `groups`, `serviceaccounts`, `uids` or `userextras`, wildcards (`*`) included.",
	"help": "Remove the verb. Where a controller must delegate (an operator binding one fixed role), name the roles or accounts in `resourceNames` and suppress the finding with the reason; the message lists the names the rule is limited to. The rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.kinds,
	"kyverno": [{"policy": "restrict-escalation-verbs-roles", "rule": "escalate"}],
	"trivy": ["KSV043", "KSV050"],
	"checkov": ["CKV_K8S_157", "CKV_K8S_158"],
}

rbac_group := {"rbac.authorization.k8s.io", "*"}

role_resources := {"roles", "clusterroles", "*"}

identity_groups := {"", "authentication.k8s.io", "*"}

identity_resources := {"users", "groups", "serviceaccounts", "uids", "*"}

violations contains v if {
	some pr in rbac.policy_rules
	granted := {verb | some verb in ["bind", "escalate", "impersonate"]; grants(pr, verb)}
	count(granted) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s%s", [pr.index, objects.display, rbac.quoted(granted), rbac.target(pr), rbac.named(pr)]),
		"path": ["rules", pr.index, "verbs", rbac.entry(pr.index, "verbs", granted | {"*"})],
	}
}

grants(pr, verb) if {
	count(pr.verbs & {verb, "*"}) > 0
	count(pr.groups & rbac_group) > 0
	count(pr.resources & role_resources) > 0
}

grants(pr, "impersonate") if {
	count(pr.verbs & {"impersonate", "*"}) > 0
	count(pr.groups & identity_groups) > 0
	impersonable(pr.resources)
}

impersonable(resources) if count(resources & identity_resources) > 0

# userextras/<key>: impersonating one extra attribute of the user.
impersonable(resources) if {
	some r in resources
	startswith(r, "userextras")
}
