package hubspoke.best_practices.untrusted_image_registry

import data.hubspoke.lib.objects
import data.hubspoke.lib.params
import data.hubspoke.lib.pods
import data.hubspoke.lib.registries

metadata := {
	"id": "BP006",
	"title": "untrusted-image-registry",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A container image comes from a registry outside the allowed list. Images from unknown public registries may be unscanned, unmaintained or malicious, and pulling them bypasses the organisation's supply-chain controls.",
	"help": "List the registries you trust in the parameter `allowed_registries` (registry hosts, optionally with a path such as `ghcr.io/acme`; an image matches when it starts with an entry followed by `/`; images without a registry count as `docker.io/library/...`), then pull every other image from one of them (mirror it there if needed). The rule is off until the list is set: with the default empty list it reports nothing, since no default can know your registries (`hubspoke-lint init` proposes, commented out, the registries your repository's images come from).",
	"tags": ["best-practices", "supply-chain"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "restrict-image-registries", "rule": "validate-registries"}],
	"parameters": [
		{"name": "allowed_registries", "type": "string-list", "default": [], "description": "Registry prefixes images may come from (`ghcr.io/myorg/`, `registry.example.com`); Docker Hub images are `docker.io/...`. Empty (the default): not configured, nothing is reported."},
	],
}

allowed := params.string_list(metadata.id, "allowed_registries")

allowed_prefixes := registries.prefixes(allowed)

violations contains v if {
	# No list, no check: the rule is off until the user names their registries.
	count(allowed) > 0
	some c in pods.containers
	image := c.spec.image
	is_string(image)
	not registries.from_any(image, allowed_prefixes)
	v := {
		"msg": sprintf("%s of %s uses image %q from a registry outside the allowed list (%s)", [pods.name(c), objects.display, image, concat(", ", allowed)]),
		"path": array.concat(c.path, ["image"]),
	}
}
