package hubspoke.flux.untrusted_helm_repository

import data.hubspoke.lib.objects
import data.hubspoke.lib.params
import data.hubspoke.lib.wildcard

metadata := {
	"id": "FLUX007",
	"title": "untrusted-helm-repository",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Flux HelmRepository serves charts from outside the trusted locations. Charts from there are installed with the controller's rights, so an untrusted repository hands the cluster to whoever publishes to it.",
	"help": "Mirror the charts to your organisation's chart repository and point spec.url at it, or add its location to `allowed_urls`. Parameters: `allowed_urls` (list of Kyverno-style wildcard patterns, `*` any run of characters, `?` one character; default `[]`: not configured, so the rule reports nothing until you set it; `hubspoke-lint init` proposes, commented out, the chart repository URLs your HelmRepositories use) and `excluded_namespaces` (list of namespaces whose objects are not checked, default `[\"flux-system\"]`, where the platform's own sources live).",
	"tags": ["flux", "supply-chain"],
	"scope": "document",
	"kinds": ["source.toolkit.fluxcd.io/HelmRepository"],
	"kyverno": [{"policy": "verify-flux-sources", "rule": "flux-helm-repositories"}],
	"parameters": [
		{"name": "allowed_urls", "type": "string-list", "default": [], "description": "Chart repository URLs HelmRepositories may point at; `*` and `?` are wildcards. Empty (the default): not configured, nothing is reported."},
		{"name": "excluded_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces whose HelmRepositories are not checked."},
	],
}

allowed := params.string_list(metadata.id, "allowed_urls")

excluded := params.string_list(metadata.id, "excluded_namespaces")

# Kyverno's exclusion of flux-system: the rule does not apply there (skip).
skip if objects.namespace in excluded

violations contains v if {
	# No list, no check: the rule is off until the user names their trusted sources.
	count(allowed) > 0
	not skip
	value := object.get(input, ["spec", "url"], null)
	not wildcard.match_any(allowed, value)
	v := {
		"msg": message(value),
		"path": ["spec", "url"],
	}
}

message(value) := sprintf("%s has no spec.url", [objects.display]) if {
	not is_string(value)
} else := sprintf("%s pulls charts from %q, which matches none of the allowed patterns (%s)", [objects.display, value, concat(", ", allowed)])
