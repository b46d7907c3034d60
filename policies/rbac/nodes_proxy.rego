package hubspoke.rbac.nodes_proxy

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC004",
	"title": "nodes-proxy",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A ClusterRole grants access to `nodes/proxy`. It lets its holders talk to every kubelet's API through the API server: read every pod's logs and environment and, with `create`, run commands in any container of the node, while the API server's audit log and admission controllers see only a proxy request.",
	"help": "Remove `nodes/proxy` (or the `*` that covers it) from the rule. Metrics collectors need `nodes/metrics` and `nodes/stats`, not the proxy. Only the core API group (`\"\"` or `*`) holds nodes; the rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": ["rbac.authorization.k8s.io/ClusterRole"],
	"kyverno": [{"policy": "restrict-clusterrole-nodesproxy", "rule": "clusterrole-nodesproxy"}],
	"trivy": ["KSV047"],
	"checkov": ["CKV2_K8S_2"],
}

proxy := {"nodes/proxy", "*", "*/proxy"}

violations contains v if {
	some pr in rbac.policy_rules
	count(pr.resources & proxy) > 0
	count(pr.groups & {"", "*"}) > 0
	count(pr.verbs) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s: the kubelet API of every node", [pr.index, objects.display, rbac.verbs_text(pr.verbs), rbac.quoted(pr.resources & proxy)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", proxy)],
	}
}
