package hubspoke.rbac.workload_write

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC008",
	"title": "workload-write",
	"severity": "warning",
	"security_severity": 6.5,
	"description": "A Role or ClusterRole may create or change pods or the controllers that make them. Whoever can write a pod spec chooses its service account and image: the role reaches every service account of the namespaces it applies to (of every namespace, bound cluster-wide), and their Secrets through volumes. Reported: `create`, `update`, `patch` or `*` on `pods`, `pods/ephemeralcontainers`, `replicationcontrollers` (core), `deployments`, `daemonsets`, `statefulsets`, `replicasets` (apps), `jobs`, `cronjobs` (batch), or `*` in those groups; `resourceNames` do not narrow `create`.",
	"help": "Give write access to workloads only to the identities that deploy them (a tenant's reconciler, a CI deployer) and bind it in their own namespace; give everyone else read access. Where a deployer is intended, suppress the finding with the reason. The rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.kinds,
	"kyverno": [],
	"trivy": ["KSV048"],
	"checkov": [],
}

workloads := {
	"": {"pods", "pods/ephemeralcontainers", "replicationcontrollers"},
	"apps": {"deployments", "daemonsets", "statefulsets", "replicasets"},
	"batch": {"jobs", "cronjobs"},
}

violations contains v if {
	some pr in rbac.policy_rules
	verbs := pr.verbs & {"create", "update", "patch", "*"}
	count(verbs) > 0
	resources := {r |
		some group, names in workloads
		count(pr.groups & {group, "*"}) > 0
		some r in pr.resources & (names | {"*"})
	}
	count(resources) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s: its holders choose what runs and as which service account%s", [pr.index, objects.display, rbac.quoted(verbs), rbac.quoted(resources), rbac.named(pr)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}
