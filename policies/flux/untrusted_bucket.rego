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
	"help": "Point spec.endpoint at your organisation's object storage, or add the endpoint to `allowed_endpoints`. Parameters: `allowed_endpoints` (list of Kyverno-style wildcard patterns, `*` any run of characters, `?` one character; default `[\"*.myorg.com\"]`, the Kyverno sample's placeholders: set your own before enabling this rule) and `excluded_namespaces` (list of namespaces whose objects are not checked, default `[\"flux-system\"]`, where the platform's own sources live).",
	"tags": ["flux", "supply-chain"],
	"scope": "document",
	"kinds": ["source.toolkit.fluxcd.io/Bucket"],
	"kyverno": [{"policy": "verify-flux-sources", "rule": "flux-buckets"}],
}

# Kyverno's sample patterns, kept as the default so the conformance cases hold.
default_patterns := ["*.myorg.com"]

allowed := params.strings(metadata.id, "allowed_endpoints", default_patterns)

excluded := params.strings(metadata.id, "excluded_namespaces", ["flux-system"])

# Kyverno's exclusion of flux-system: the rule does not apply there (skip).
skip if objects.namespace in excluded

violations contains v if {
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
