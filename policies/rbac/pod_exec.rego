package hubspoke.rbac.pod_exec

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC007",
	"title": "pod-exec",
	"severity": "warning",
	"security_severity": 7.0,
	"description": "A Role or ClusterRole lets its holders exec into or attach to running containers (`pods/exec`, `pods/attach`). A shell in a container is a shell with that pod's service account token, mounted Secrets and network position, so the role reaches every identity the pods of its namespaces run as. Reported: `create` (how kubectl exec is authorized), `get` (enough for the WebSocket form on clusters before Kubernetes 1.31) or `*`, on `pods/exec` or `pods/attach`, `*/exec`, `*/attach` or `*`, in the core API group (or `*`).",
	"help": "Grant exec to people for debugging through a separate, time-limited role (or use `kubectl debug` with ephemeral containers under review), not to service accounts or standing roles. The rules written in an aggregated ClusterRole are not checked, since the aggregation controller replaces them.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.kinds,
	"kyverno": [],
	"trivy": ["KSV053", "KSV054"],
	"checkov": ["CKV2_K8S_2"],
}

streams := {"pods/exec", "pods/attach", "*/exec", "*/attach", "*"}

violations contains v if {
	some pr in rbac.policy_rules
	verbs := pr.verbs & {"create", "get", "*"}
	count(verbs) > 0
	count(pr.groups & {"", "*"}) > 0
	resources := pr.resources & streams
	count(resources) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s: its holders can run commands in containers%s", [pr.index, objects.display, rbac.quoted(verbs), rbac.quoted(resources), rbac.named(pr)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}
