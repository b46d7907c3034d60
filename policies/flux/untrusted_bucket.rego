package hubspoke.flux.untrusted_bucket

import data.hubspoke.lib.objects
import data.hubspoke.lib.params
import data.hubspoke.lib.wildcard

metadata := {
	"id": "FLUX006",
	"title": "untrusted-bucket",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Flux Bucket reads from an object-storage endpoint outside the trusted locations. Whatever that bucket contains is applied to the cluster, so an untrusted endpoint hands the cluster to whoever controls it.",
	"help": "Point spec.endpoint at your organisation's object storage, or add the endpoint to `allowed_endpoints`. Parameters: `allowed_endpoints` (list of Kyverno-style wildcard patterns, `*` any run of characters, `?` one character; default `[]`: not configured, so the rule reports nothing until you set it; `hubspoke-lint init` proposes, commented out, the endpoints your Buckets read from) and `excluded_namespaces` (list of namespaces whose objects are not checked, default `[\"flux-system\"]`, where the platform's own sources live).",
	"tags": ["flux", "supply-chain"],
	"scope": "document",
	"kinds": ["source.toolkit.fluxcd.io/Bucket"],
	"kyverno": [{"policy": "verify-flux-sources", "rule": "flux-buckets"}],
	"parameters": [
		{"name": "allowed_endpoints", "type": "string-list", "default": [], "description": "Object-storage endpoints Buckets may read from; `*` and `?` are wildcards. Empty (the default): not configured, nothing is reported."},
		{"name": "excluded_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces whose Buckets are not checked."},
	],
}

allowed := params.string_list(metadata.id, "allowed_endpoints")

excluded := params.string_list(metadata.id, "excluded_namespaces")

# Kyverno's exclusion of flux-system: the rule does not apply there (skip).
skip if objects.namespace in excluded

violations contains v if {
	# No list, no check: the rule is off until the user names their trusted sources.
	count(allowed) > 0
	not skip
	value := object.get(input, ["spec", "endpoint"], null)
	not wildcard.match_any(allowed, value)
	v := {
		"msg": message(value),
		"path": ["spec", "endpoint"],
	}
}

message(value) := sprintf("%s has no spec.endpoint", [objects.display]) if {
	not is_string(value)
} else := sprintf("%s reads from the endpoint %q, which matches none of the allowed patterns (%s)", [objects.display, value, concat(", ", allowed)])
