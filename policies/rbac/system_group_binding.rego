package hubspoke.rbac.system_group_binding

import data.hubspoke.lib.objects
import data.hubspoke.lib.rbac

metadata := {
	"id": "RBAC013",
	"title": "system-group-binding",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A RoleBinding or ClusterRoleBinding grants a role to one of Kubernetes' built-in catch-all identities. `system:anonymous` and `system:unauthenticated` are every request without credentials, `system:authenticated` is everyone holding any valid credential (every service account of every namespace included), `system:serviceaccounts` every service account of every namespace, and `system:masters` is already unrestricted by RBAC, so a binding to it only hides who holds the grant.",
	"help": "Bind the users, groups or service accounts that need the role instead. Reported whatever the subject's kind: a User named `system:anonymous` is the anonymous user.",
	"tags": ["rbac", "security"],
	"scope": "document",
	"kinds": rbac.binding_kinds,
	"kyverno": [
		{"policy": "restrict-binding-system-groups", "rule": "restrict-anonymous"},
		{"policy": "restrict-binding-system-groups", "rule": "restrict-unauthenticated"},
		{"policy": "restrict-binding-system-groups", "rule": "restrict-masters"},
	],
	"trivy": ["KSV122", "KSV01011", "KSV0123"],
	"checkov": [],
}

who := {
	"system:anonymous": "every request without credentials",
	"system:unauthenticated": "every request without credentials",
	"system:authenticated": "everyone with a valid credential, every service account included",
	"system:serviceaccounts": "every service account of every namespace",
	"system:masters": "a group RBAC cannot restrict",
}

violations contains v if {
	subjects := input.subjects
	is_array(subjects)
	some i, subject in subjects
	# Iterated, not looked up: regorus' VM lets `x := <undefined>` through.
	some name, description in who
	subject.name == name
	v := {
		"msg": sprintf("%s grants %s %q to %s (%s)", [objects.display, role_kind, role_name, name, description]),
		"path": ["subjects", i, "name"],
	}
}

role_kind := input.roleRef.kind if is_string(input.roleRef.kind)

role_kind := "role" if not is_string(input.roleRef.kind)

role_name := input.roleRef.name if is_string(input.roleRef.name)

role_name := "" if not is_string(input.roleRef.name)
