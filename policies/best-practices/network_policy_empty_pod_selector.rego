package hubspoke.best_practices.network_policy_empty_pod_selector

import data.hubspoke.lib.objects
import data.hubspoke.lib.params

metadata := {
	"id": "BP030",
	"title": "network-policy-empty-pod-selector",
	"severity": "warning",
	"security_severity": 3.0,
	"description": "A NetworkPolicy other than the namespace's default-deny selects every pod of its namespace (`podSelector: {}`). Whatever it allows then applies to every workload there, present and future, instead of the pods that need it, which is how namespaces drift from deny-by-default to allow-by-default. Off by default: many fleets allow DNS egress to every pod on purpose.",
	"help": "Select the pods the policy is for with `podSelector.matchLabels` or `matchExpressions`. Parameter `exempt_names`: names of NetworkPolicies allowed to select every pod (default `[\"default-deny\"]`, Kyverno's exclusion); add your deny-all and allow-DNS policies' names.",
	"tags": ["best-practices", "networking"],
	"scope": "document",
	"kinds": ["networking.k8s.io/NetworkPolicy"],
	# Off by default: selecting every pod is how fleets allow DNS to all of them.
	"default_enabled": false,
	"kyverno": [{"policy": "restrict-networkpolicy-empty-podselector", "rule": "empty-podselector"}],
	"trivy": [],
	"checkov": [],
	"parameters": [
		{"name": "exempt_names", "type": "string-list", "default": ["default-deny"], "description": "NetworkPolicy names allowed to select every pod (default-deny policies)."},
	],
}

exempt := params.string_list(metadata.id, "exempt_names")

# Kyverno's exclusion by name: the rule does not apply to those (skip).
skip if input.metadata.name in exempt

violations contains v if {
	not skip
	is_object(input.spec)
	selector := object.get(input.spec, "podSelector", {})
	empty(selector)
	v := {
		"msg": sprintf("%s selects every pod of its namespace (empty podSelector)", [objects.display]),
		"path": ["spec", "podSelector"],
	}
}

empty(selector) if selector == null

empty(selector) if {
	is_object(selector)
	count(selector) == 0
}
