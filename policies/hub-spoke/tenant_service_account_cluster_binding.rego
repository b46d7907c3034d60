package hubspoke.hub_spoke.tenant_service_account_cluster_binding

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB010",
	"title": "tenant-service-account-cluster-binding",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A tenant's service account is bound cluster-wide by a ClusterRoleBinding. The tenant's reconciler impersonates that account, so the tenant can then act in every namespace (with cluster-admin, on the whole cluster), which defeats Flux multi-tenancy. Tenant service accounts are those named by tenant reconcilers (see HUB008; parameters `tenant_label`, `exempt_namespaces`). A RoleBinding to a ClusterRole listed in the parameter `forbidden_roles` (default [\"cluster-admin\"]) is reported too: inside its namespace cluster-admin still lets the tenant rewrite its own RBAC, quotas and network policies. `flux create tenant` generates exactly such a RoleBinding; teams that accept it set `forbidden_roles: []`.",
	"help": "Bind the tenant's service account with a RoleBinding in the tenant's namespace (to a Role, or to the admin/edit ClusterRole), and delete the ClusterRoleBinding.",
	"tags": ["hub-spoke", "multi-tenancy", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "tenant_label", "type": "string", "default": "toolkit.fluxcd.io/tenant", "description": "The namespace label that marks a tenant."},
		{"name": "exempt_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces that are never tenants."},
		{"name": "forbidden_roles", "type": "string-list", "default": ["cluster-admin"], "description": "ClusterRoles a tenant's service account must not be bound to, even by a RoleBinding in its namespace."},
	],
	"workload_fields": [],
}

label := params.value(metadata.id, "tenant_label")

exempt := params.string_list(metadata.id, "exempt_namespaces")

forbidden_roles := params.string_list(metadata.id, "forbidden_roles")

labelled := repo.labelled_tenant_namespaces(label, exempt)

tenant_accounts := {[repo.namespace_of(o), repo.service_account_name(o)] |
	some id in repo.tenant_reconcilers(label, exempt, labelled)
	o := input.objects[id]
}

bindings contains [o.id, i, subject] if {
	some kind in ["rbac.authorization.k8s.io/ClusterRoleBinding", "rbac.authorization.k8s.io/RoleBinding"]
	some id in repo.of_kind(kind)
	o := input.objects[id]
	# A list, or iterating it is an error (`subjects: team-a` must not stop the rule).
	subjects := object.get(o.body, "subjects", [])
	is_array(subjects)
	some i, subject in subjects
	subject.kind == "ServiceAccount"
	ns := object.get(subject, "namespace", repo.namespace_of(o))
	[ns, subject.name] in tenant_accounts
}

violations contains v if {
	some b in bindings
	id := b[0]
	i := b[1]
	subject := b[2]
	o := input.objects[id]
	o.kind == "ClusterRoleBinding"
	v := {
		"msg": sprintf("ClusterRoleBinding %q grants %s %q to tenant service account %s/%s in every namespace", [o.name, object.get(o.body, ["roleRef", "kind"], "role"), object.get(o.body, ["roleRef", "name"], ""), object.get(subject, "namespace", ""), subject.name]),
		"object": id,
		"path": ["subjects", i],
	}
}

violations contains v if {
	some b in bindings
	id := b[0]
	i := b[1]
	subject := b[2]
	o := input.objects[id]
	o.kind == "RoleBinding"
	o.body.roleRef.kind == "ClusterRole"
	o.body.roleRef.name in forbidden_roles
	v := {
		"msg": sprintf("RoleBinding %s/%s grants ClusterRole %q to tenant service account %s/%s", [repo.namespace_of(o), o.name, o.body.roleRef.name, object.get(subject, "namespace", repo.namespace_of(o)), subject.name]),
		"object": id,
		"path": ["subjects", i],
	}
}
