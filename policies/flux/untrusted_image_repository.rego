package hubspoke.flux.untrusted_image_repository

import data.hubspoke.lib.objects
import data.hubspoke.lib.params
import data.hubspoke.lib.wildcard

metadata := {
	"id": "FLUX008",
	"title": "untrusted-image-repository",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A Flux ImageRepository scans images outside the trusted locations. Image automation then writes tags from that repository into Git, so an untrusted registry decides what the cluster runs.",
	"help": "Point spec.image at your organisation's registry, or add the repository to `allowed_images`. Parameters: `allowed_images` (list of Kyverno-style wildcard patterns, `*` any run of characters, `?` one character; default `[]`: not configured, so the rule reports nothing until you set it; `hubspoke-lint init` proposes, commented out, the images your ImageRepositories scan) and `excluded_namespaces` (list of namespaces whose objects are not checked, default `[\"flux-system\"]`, where the platform's own sources live).",
	"tags": ["flux", "supply-chain"],
	"scope": "document",
	"kinds": ["image.toolkit.fluxcd.io/ImageRepository"],
	"kyverno": [{"policy": "verify-flux-sources", "rule": "flux-image-repositories"}],
	"parameters": [
		{"name": "allowed_images", "type": "string-list", "default": [], "description": "Image repositories ImageRepositories may scan; `*` and `?` are wildcards. Empty (the default): not configured, nothing is reported."},
		{"name": "excluded_namespaces", "type": "string-list", "default": ["flux-system"], "description": "Namespaces whose ImageRepositories are not checked."},
	],
}

allowed := params.string_list(metadata.id, "allowed_images")

excluded := params.string_list(metadata.id, "excluded_namespaces")

# Kyverno's exclusion of flux-system: the rule does not apply there (skip).
skip if objects.namespace in excluded

violations contains v if {
	# No list, no check: the rule is off until the user names their trusted sources.
	count(allowed) > 0
	not skip
	value := object.get(input, ["spec", "image"], null)
	not wildcard.match_any(allowed, value)
	v := {
		"msg": message(value),
		"path": ["spec", "image"],
	}
}

message(value) := sprintf("%s has no spec.image", [objects.display]) if {
	not is_string(value)
} else := sprintf("%s scans the image %q, which matches none of the allowed patterns (%s)", [objects.display, value, concat(", ", allowed)])
