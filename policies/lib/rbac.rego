# The rules of a Role or ClusterRole, read the way the Kubernetes authorizer
# reads them (k8s.io/component-helpers/auth/rbac/validation):
# - `*` in apiGroups matches every group, `*` in verbs every verb, `*` in
#   resources every resource and subresource, and `*/<sub>` (e.g. `*/exec`)
#   that subresource of every resource;
# - `create` and `deletecollection` cannot be narrowed by resourceNames, so a
#   rule granting them grants them on every object of the resource;
# - the rules written in a ClusterRole with an `aggregationRule` are
#   overwritten by the aggregation controller: it grants what the ClusterRoles
#   its selectors match grant, and those are checked where they are written.
#
# A list field written as something else (a string, a mapping) grants nothing:
# the API server rejects the object, and schema validation reports it at its
# line. The rules below then see an empty set, never an error.
package hubspoke.lib.rbac

kinds := ["rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/ClusterRole"]

binding_kinds := ["rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding"]

# Every rule entry that is a mapping:
# {"index", "groups", "resources", "verbs", "names", "urls"} (all but the index
# sets of strings). Computed once per document; the rules test these sets inline.
policy_rules := [pr |
	not is_object(input.aggregationRule)
	rules := input.rules
	is_array(rules)
	some i, rule in rules
	is_object(rule)
	pr := {
		"index": i,
		"groups": string_set(rule, "apiGroups"),
		"resources": string_set(rule, "resources"),
		"verbs": string_set(rule, "verbs"),
		"names": string_set(rule, "resourceNames"),
		"urls": string_set(rule, "nonResourceURLs"),
	}
]

# The strings of a list field as a set; empty when the field is not a list.
string_set(rule, key) := {s | some s in rule[key]; is_string(s)} if {
	is_array(rule[key])
} else := set()

# The index of the first list entry of field `key` of rule `i` among `values`:
# where a finding about that entry points.
entry(i, key, values) := min([j | some j, value in input.rules[i][key]; value in values])

# Verbs that change objects (and so, for pods and their controllers, choose
# what runs and as whom).
write_verbs := {"create", "update", "patch", "delete", "deletecollection", "*"}

# Verbs that read objects.
read_verbs := {"get", "list", "watch", "*"}

# Sorted, quoted list of a set's strings, for messages.
quoted(values) := concat(", ", [sprintf("%q", [v]) | some v in sort(values)])

# What a rule grants on, for messages: its resources, else its URLs.
target(pr) := sprintf("resources %s", [quoted(pr.resources)]) if {
	count(pr.resources) > 0
} else := sprintf("non-resource URLs %s", [quoted(pr.urls)]) if {
	count(pr.urls) > 0
} else := "no resource"

# ` (only resourceNames ...)` when the rule names its objects, for messages.
named(pr) := sprintf(" (only resourceNames %s)", [quoted(pr.names)]) if {
	count(pr.names) > 0
} else := ""

# The API groups of a rule for messages: `every API group` for `*`, the core
# group spelled `"" (core)`.
groups_text(groups) := "every API group" if {
	"*" in groups
} else := sprintf("API groups %s", [concat(", ", [group_text(g) | some g in sort(groups)])])

group_text(g) := "\"\" (core)" if g == ""

group_text(g) := sprintf("%q", [g]) if g != ""

# The verbs of a rule for messages: `every verb` for `*`.
verbs_text(verbs) := "every verb" if {
	"*" in verbs
} else := quoted(verbs)
