# Unit tests of rbac.rego: rule entries read as the Kubernetes authorizer reads
# them, and the texts messages are built from.
package hubspoke.lib.rbac_test

import data.hubspoke.lib.rbac

role(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}, "rules": rules}

# --- policy_rules -----------------------------------------------------------------

test_success_every_list_field_is_read_as_a_set if {
	body := role([{
		"apiGroups": ["", "apps"],
		"resources": ["pods", "pods/exec", "pods"],
		"verbs": ["get"],
		"resourceNames": ["web"],
	}])
	got := rbac.policy_rules with input as body
	got == [{
		"index": 0,
		"groups": {"", "apps"},
		"resources": {"pods", "pods/exec"},
		"verbs": {"get"},
		"names": {"web"},
		"urls": set(),
	}]
}

test_success_non_resource_urls_are_read if {
	body := role([{"nonResourceURLs": ["/metrics", "/healthz/*"], "verbs": ["get"]}])
	[pr] := rbac.policy_rules with input as body
	pr.urls == {"/metrics", "/healthz/*"}
	pr.resources == set()
}

# Entries that are not mappings, and list fields written as something else, grant
# nothing (schema validation reports them at their line).
test_success_malformed_entries_grant_nothing if {
	body := role([
		"get pods",
		{"apiGroups": "", "resources": "pods", "verbs": "get"},
		{"apiGroups": [""], "resources": [1, "secrets"], "verbs": [null, "list"]},
	])
	got := rbac.policy_rules with input as body
	got == [
		{"index": 1, "groups": set(), "resources": set(), "verbs": set(), "names": set(), "urls": set()},
		{"index": 2, "groups": {""}, "resources": {"secrets"}, "verbs": {"list"}, "names": set(), "urls": set()},
	]
}

test_success_rules_that_are_not_a_list_grant_nothing if {
	got := rbac.policy_rules with input as role("get pods")
	got == []
}

# An aggregated ClusterRole's written rules are overwritten by the controller.
test_success_an_aggregated_cluster_role_has_no_rules_of_its_own if {
	body := {
		"kind": "ClusterRole",
		"aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]},
		"rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
	}
	got := rbac.policy_rules with input as body
	got == []
}

# --- entry ------------------------------------------------------------------------

test_success_entry_is_the_first_matching_index if {
	body := role([{"verbs": ["get", "bind", "escalate"]}])
	got := rbac.entry(0, "verbs", {"escalate", "bind"}) with input as body
	got == 1
}

# --- message texts ----------------------------------------------------------------

test_success_targets_name_resources_else_urls if {
	rbac.target({"resources": {"secrets", "configmaps"}, "urls": set()}) == `resources "configmaps", "secrets"`
	rbac.target({"resources": set(), "urls": {"/metrics"}}) == `non-resource URLs "/metrics"`
	rbac.target({"resources": set(), "urls": set()}) == "no resource"
}

test_success_named_lists_resource_names_only_when_there_are_some if {
	rbac.named({"names": {"b", "a"}}) == ` (only resourceNames "a", "b")`
	rbac.named({"names": set()}) == ""
}

test_success_groups_spell_out_the_core_group_and_the_wildcard if {
	rbac.groups_text({"", "apps"}) == `API groups "" (core), "apps"`
	rbac.groups_text({"*", "apps"}) == "every API group"
}

test_success_verbs_spell_out_the_wildcard if {
	rbac.verbs_text({"list", "get"}) == `"get", "list"`
	rbac.verbs_text({"*"}) == "every verb"
}

test_success_write_and_read_verbs if {
	{"create", "patch", "*"} & rbac.write_verbs == {"create", "patch", "*"}
	not "get" in rbac.write_verbs
	{"get", "list", "watch"} & rbac.read_verbs == {"get", "list", "watch"}
}
