package hubspoke.rbac.csr_approval

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC005",
	"title": "csr-approval",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A ClusterRole grants the right to approve CertificateSigningRequests. Approving a CSR issues a client certificate for any user or group the request names, `system:masters` included, so the role is as powerful as cluster-admin. Reported: `update` or `patch` on `certificatesigningrequests/approval`, and `approve` on `signers` (what Kyverno's restrict-clusterrole-csr checks, whatever the API group), wildcards included; a `*` resource counts only in the certificates.k8s.io group (or `*`).",
	"help": "Leave CSR approval to the control plane's own approvers. A controller that must approve one kind of certificate needs `approve` on its one signer, named in `resourceNames` (e.g. `example.com/my-signer`); suppress the finding there with the reason.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": ["rbac.authorization.k8s.io/ClusterRole"],
	"kyverno": [
		{"policy": "restrict-clusterrole-csr", "rule": "certificatesigningrequests-update-prevention"},
		{"policy": "restrict-clusterrole-csr", "rule": "signers-approve-prevention"},
	],
	"trivy": [],
	"checkov": ["CKV_K8S_156"],
}

certificates_group := {"certificates.k8s.io", "*"}

violations contains v if {
	some pr in rbac.policy_rules
	some grant in grants
	count(pr.verbs & grant.verbs) > 0
	resources := targets(pr, grant)
	count(resources) > 0
	v := {
		"msg": sprintf("rule #%d of %s grants %s on %s%s: it approves certificate signing requests", [pr.index, objects.display, rbac.quoted(pr.verbs & grant.verbs), rbac.quoted(resources), rbac.named(pr)]),
		"path": ["rules", pr.index, "resources", rbac.entry(pr.index, "resources", resources)],
	}
}

grants := [
	{"resource": "certificatesigningrequests/approval", "verbs": {"update", "patch", "*"}, "wildcards": {"*", "*/approval"}},
	{"resource": "signers", "verbs": {"approve", "*"}, "wildcards": {"*"}},
]

# The resource entries that name the resource, in any group (the names are the
# certificates.k8s.io API's own), or cover it by a wildcard in its group; empty
# when none does.
targets(pr, grant) := found if {
	found := pr.resources & {grant.resource}
	count(found) > 0
} else := found if {
	count(pr.groups & certificates_group) > 0
	found := pr.resources & grant.wildcards
} else := set()
