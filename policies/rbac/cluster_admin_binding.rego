package hubspoke.rbac.cluster_admin_binding

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC012",
	"title": "cluster-admin-binding",
	"severity": "error",
	"security_severity": 9.0,
	"description": "A RoleBinding or ClusterRoleBinding grants `cluster-admin`. Bound cluster-wide it allows every action on every resource, and it is the first thing an attacker looks for; bound in a namespace it still lets its subjects rewrite that namespace's RBAC, quotas and network policies. Every binding to it should be a reviewed exception.",
	"help": "Bind a role that lists what the subjects need (the built-in `admin`, `edit` or `view`, or your own), namespaced where possible. Where cluster-admin is intended (the identity a platform add-on is installed with), suppress the finding on the binding with the reason. As in Kyverno's restrict-binding-clusteradmin, a roleRef named cluster-admin is reported whatever its kind.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.binding_kinds,
	"kyverno": [{"policy": "restrict-binding-clusteradmin", "rule": "clusteradmin-bindings"}],
	"trivy": ["KSV111"],
	"checkov": [],
}

violations contains v if {
	input.roleRef.name == "cluster-admin"
	v := {
		"msg": message,
		"path": ["roleRef", "name"],
	}
}

message := sprintf("%s grants cluster-admin in every namespace", [objects.display]) if input.kind == "ClusterRoleBinding"

message := sprintf("%s grants cluster-admin in namespace %q", [objects.display, objects.namespace]) if input.kind != "ClusterRoleBinding"
