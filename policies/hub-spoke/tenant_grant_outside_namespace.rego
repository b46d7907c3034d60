package hubspoke.hub_spoke.tenant_grant_outside_namespace

import data.hubspoke.lib.params
import data.hubspoke.lib.rbac
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB022",
	"title": "tenant-grant-outside-namespace",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A binding in the repository lets a tenant's reconciler service account act outside the tenant's namespace. The tenant's Flux objects run as that account, so whatever it may do, everyone who can commit to the tenant's repository may do: escalate (`bind`, `escalate`, `impersonate`), read or change Secrets, create or change objects, or act as cluster-admin, in every namespace (through a ClusterRoleBinding) or in another tenant's or the platform's namespace (through a RoleBinding there). Read-only access to objects other than Secrets is not reported.",
	"help": "Bind the tenant's service account with a RoleBinding in its own namespace only, and grant what it needs elsewhere to a platform identity. The finding lands on the binding's subject, with each rule that grants the access as a related location. Tenant service accounts are those named by tenant reconcilers (see HUB008; parameters `tenant_label`, `exempt_namespaces`). A subject counts when it is the account, its user name `system:serviceaccount:<ns>:<name>`, or a group holding it (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`). Roles are followed to the rules the repository writes, through `aggregationRule` label selectors and the repository's additions to the built-in `admin`, `edit` and `view` (labels `rbac.authorization.k8s.io/aggregate-to-*`); of the built-in roles, `cluster-admin`, `admin` and `edit` are known.",
	"tags": ["hub-spoke", "multi-tenancy", "rbac", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"trivy": [],
	"checkov": ["CKV2_K8S_1", "CKV2_K8S_2", "CKV2_K8S_3", "CKV2_K8S_5"],
	"parameters": [
		{"name": "tenant_label", "type": "string", "default": "toolkit.fluxcd.io/tenant", "description": "The namespace label that marks a tenant."},
		{"name": "exempt_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces that are never tenants."},
	],
	"workload_fields": [],
}

label := params.value(metadata.id, "tenant_label")

exempt := params.string_list(metadata.id, "exempt_namespaces")

labelled := repo.labelled_tenant_namespaces(label, exempt)

# [namespace, name] of each tenant reconciler's service account.
tenant_accounts := {[repo.namespace_of(o), repo.service_account_name(o)] |
	some id in repo.tenant_reconcilers(label, exempt, labelled)
	o := input.objects[id]
}

group := "rbac.authorization.k8s.io"

bindings := array.concat(repo.of_kind("rbac.authorization.k8s.io/ClusterRoleBinding"), repo.of_kind("rbac.authorization.k8s.io/RoleBinding"))

cluster_roles := repo.of_kind("rbac.authorization.k8s.io/ClusterRole")

# --- Who: subjects that are, or include, a tenant's service account ------------

# [binding id, subject index, account] for each such subject.
subjects contains [id, i, account] if {
	some b in binding_subjects
	id := b[0]
	i := b[1]
	subject := b[2]
	subject.kind == "ServiceAccount"
	account := [subject_namespace(subject, input.objects[id]), subject.name]
	account in tenant_accounts
}

subjects contains [id, i, account] if {
	some b in binding_subjects
	id := b[0]
	i := b[1]
	subject := b[2]
	subject.kind == "User"
	parts := split(subject.name, ":")
	count(parts) == 4
	parts[0] == "system"
	parts[1] == "serviceaccount"
	account := [parts[2], parts[3]]
	account in tenant_accounts
}

subjects contains [id, i, account] if {
	some b in binding_subjects
	id := b[0]
	i := b[1]
	subject := b[2]
	subject.kind == "Group"
	some account in tenant_accounts
	includes(subject.name, account)
}

# [binding id, subject index, subject] of every well-formed subject.
binding_subjects contains [id, i, subject] if {
	some id in bindings
	list := input.objects[id].body.subjects
	is_array(list)
	some i, subject in list
	is_object(subject)
	is_string(subject.name)
}

subject_namespace(subject, _) := subject.namespace if is_string(subject.namespace)

subject_namespace(subject, binding) := repo.namespace_of(binding) if not is_string(subject.namespace)

includes(name, _) if name in {"system:serviceaccounts", "system:authenticated"}

includes(name, account) if name == concat(":", ["system:serviceaccounts", account[0]])

# --- Where: bindings that reach beyond the tenant's namespace ------------------

# [binding id, subject index, account, scope]: scope "*" for every namespace.
reach contains [id, i, account, scope] if {
	some s in subjects
	id := s[0]
	i := s[1]
	account := s[2]
	scope := scope_of(input.objects[id])
	scope != ""
	scope != account[0]
}

# Total (`""` when unknown): regorus' VM lets `x := <undefined>` through.
scope_of(o) := "*" if {
	o.kind == "ClusterRoleBinding"
} else := ns if {
	ns := repo.namespace_of(o)
	not repo.templated(ns)
} else := ""

reaching := {r[0] | some r in reach}

# --- What: the rules each reaching binding grants --------------------------------

# Ids of the role a binding's roleRef names.
referenced(o) := repo.ids(group, "Role", repo.namespace_of(o), o.body.roleRef.name) if o.body.roleRef.kind == "Role"

referenced(o) := repo.ids(group, "ClusterRole", "", o.body.roleRef.name) if o.body.roleRef.kind == "ClusterRole"

# [binding id, role id] for each role whose written rules the binding grants:
# the named role itself, unless it is aggregated ...
grants_role contains [id, role] if {
	some id in reaching
	some role in referenced(input.objects[id])
	same_cluster(input.objects[id], input.objects[role])
	not is_object(input.objects[role].body.aggregationRule)
}

# ... the ClusterRoles its aggregationRule selects (one level: the written rules
# of a selected ClusterRole that is itself aggregated are replaced, and its own
# selectors are not followed) ...
grants_role contains [id, component] if {
	some id in reaching
	some role in referenced(input.objects[id])
	selectors := input.objects[role].body.aggregationRule.clusterRoleSelectors
	is_array(selectors)
	some component in cluster_roles
	component != role
	c := input.objects[component]
	not is_object(c.body.aggregationRule)
	same_cluster(input.objects[id], c)
	some selector in selectors
	selects(selector, labels_of(c))
}

# ... and, for a built-in aggregated role the repository does not define, the
# repository's ClusterRoles that add to it.
grants_role contains [id, component] if {
	some id in reaching
	o := input.objects[id]
	o.body.roleRef.kind == "ClusterRole"
	count(referenced(o)) == 0
	some name, keys in builtin_aggregation
	name == o.body.roleRef.name
	some component in cluster_roles
	c := input.objects[component]
	not is_object(c.body.aggregationRule)
	same_cluster(o, c)
	labels := labels_of(c)
	some key in keys
	labels[key] == "true"
}

# The labels each built-in aggregated ClusterRole collects (edit is itself
# aggregated into admin, and view into edit).
builtin_aggregation := {
	"admin": ["rbac.authorization.k8s.io/aggregate-to-admin", "rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-view"],
	"edit": ["rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-view"],
	"view": ["rbac.authorization.k8s.io/aggregate-to-view"],
}

# What the built-in roles grant that matters here, when the repository does not
# define them (`edit` and `admin` include `impersonate` on serviceaccounts).
builtin_grants := {
	"cluster-admin": {"cluster-admin"},
	"admin": {"escalate", "secrets", "write"},
	"edit": {"escalate", "secrets", "write"},
}

labels_of(o) := labels if {
	labels := o.body.metadata.labels
	is_object(labels)
} else := {}

# A Kubernetes label selector: every matchLabels entry and every
# matchExpressions requirement holds (an empty selector selects everything).
# Counted rather than written with `every`, which regorus' VM does not
# evaluate like the interpreter inside a function.
selects(selector, labels) if {
	is_object(selector)
	match_labels := object.get(selector, "matchLabels", {})
	is_object(match_labels)
	count([key |
		some key, value in match_labels
		not labels[key] == value
	]) == 0
	expressions := object.get(selector, "matchExpressions", [])
	is_array(expressions)
	count([r |
		some r in expressions
		not holds(r, labels)
	]) == 0
}

holds(r, labels) if {
	r.operator == "In"
	is_array(r.values)
	labels[r.key] in r.values
}

holds(r, labels) if {
	r.operator == "NotIn"
	is_array(r.values)
	not labels[r.key] in r.values
}

holds(r, labels) if {
	r.operator == "Exists"
	labels[r.key]
}

holds(r, labels) if {
	r.operator == "DoesNotExist"
	not labels[r.key]
}

same_cluster(a, b) if count(a.clusters) == 0

same_cluster(a, b) if count(b.clusters) == 0

same_cluster(a, b) if {
	some c in a.clusters
	c in b.clusters
}

# --- Which grants let the tenant out -------------------------------------------

# [role id, rule index, rule as sets] of every rule a reaching binding grants.
granted_rules contains [role, j, pr] if {
	some pair in grants_role
	role := pair[1]
	rules := input.objects[role].body.rules
	is_array(rules)
	some j, rule in rules
	is_object(rule)
	pr := {
		"groups": rbac.string_set(rule, "apiGroups"),
		"resources": rbac.string_set(rule, "resources"),
		"verbs": rbac.string_set(rule, "verbs"),
	}
}

access_verbs := {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"}

# [role id, rule index, what it grants]: "escalate", "secrets" or "write".
dangers contains [role, j, "escalate"] if {
	some g in granted_rules
	role := g[0]
	j := g[1]
	pr := g[2]
	count(pr.verbs & {"bind", "escalate", "*"}) > 0
	count(pr.groups & {group, "*"}) > 0
	count(pr.resources & {"roles", "clusterroles", "*"}) > 0
}

dangers contains [role, j, "escalate"] if {
	some g in granted_rules
	role := g[0]
	j := g[1]
	pr := g[2]
	count(pr.verbs & {"impersonate", "*"}) > 0
	count(pr.groups & {"", "authentication.k8s.io", "*"}) > 0
	count(pr.resources & {"users", "groups", "serviceaccounts", "uids", "*"}) > 0
}

dangers contains [role, j, "secrets"] if {
	some g in granted_rules
	role := g[0]
	j := g[1]
	pr := g[2]
	count(pr.verbs & access_verbs) > 0
	count(pr.groups & {"", "*"}) > 0
	count(pr.resources & {"secrets", "*"}) > 0
}

dangers contains [role, j, "write"] if {
	some g in granted_rules
	role := g[0]
	j := g[1]
	pr := g[2]
	count(pr.verbs & rbac.write_verbs) > 0
	count(pr.groups) > 0
	count(pr.resources) > 0
}

# --- Findings ------------------------------------------------------------------

violations contains v if {
	some r in reach
	id := r[0]
	o := input.objects[id]
	roles := {pair[1] | some pair in grants_role; pair[0] == id}
	found := {d | some d in dangers; d[0] in roles}
	kinds := {d[2] | some d in found}
	builtin := builtin_of(o)
	count(kinds) + count(builtin) > 0
	v := {
		"msg": sprintf("%s lets tenant service account %s/%s %s %s%s", [repo.display(o), r[2][0], r[2][1], phrases(kinds, builtin), where(r[3]), role_text(o)]),
		"object": id,
		"path": ["subjects", r[1]],
		"related": [{"object": g[0], "path": ["rules", g[1]], "message": sprintf("rule #%d of %s grants it: %s", [g[1], repo.display(input.objects[g[0]]), concat(", ", sort({phrase[d[2]] | some d in found; d[0] == g[0]; d[1] == g[1]}))])} |
			some g in sort({[d[0], d[1]] | some d in found})
		],
	}
}

# What a built-in role grants, when the repository does not define it (and
# cluster-admin whatever the repository says). A comprehension, so that it is
# always defined: on regorus' VM an else-chain after a failed iteration was not.
builtin_of(o) := {grant |
	o.body.roleRef.kind == "ClusterRole"
	some name, grants in builtin_grants
	name == o.body.roleRef.name
	builtin_applies(o, name)
	some grant in grants
}

builtin_applies(_, name) if name == "cluster-admin"

builtin_applies(o, name) if {
	name != "cluster-admin"
	count(referenced(o)) == 0
}

phrase := {
	"cluster-admin": "act as cluster-admin",
	"escalate": "escalate its privileges (bind, escalate or impersonate)",
	"secrets": "read or change Secrets",
	"write": "create or change objects",
}

phrases(kinds, builtin) := concat(", ", [phrase[k] | some k in sort({name | some part in [kinds, builtin]; some name in part})])

where("*") := "cluster-wide"

where(ns) := sprintf("in namespace %q", [ns]) if ns != "*"

role_text(o) := sprintf(" (%s %q)", [o.body.roleRef.kind, o.body.roleRef.name]) if {
	is_string(o.body.roleRef.kind)
	is_string(o.body.roleRef.name)
} else := ""
