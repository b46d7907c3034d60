package hubspoke.best_practices.image_latest_tag

import data.hubspoke.lib.images
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP002",
	"title": "image-latest-tag",
	"severity": "error",
	"security_severity": 5.0,
	"description": "A container image uses the mutable `latest` tag. What runs then changes without a commit, nodes may run different versions, and rollbacks do not roll back.",
	"help": "Pin the image to an explicit version tag (nginx:1.27.2) or, better, a digest (nginx@sha256:…). An image that carries a digest is not reported, even when its tag is `latest`.",
	"tags": ["best-practices", "supply-chain"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-latest-tag", "rule": "validate-image-tag"}],
}

violations contains v if {
	some c in pods.containers
	image := c.spec.image
	is_string(image)
	# The tag is "latest"; tested inline, as a helper call costs more than the test on the VM.
	parts := split(images.last_component(image), ":")
	count(parts) == 2
	parts[1] == "latest"
	# A digest pins the image whatever the tag says (Kyverno's `!*:latest` agrees).
	not contains(image, "@")
	v := {
		"msg": sprintf("%s of %s uses the mutable tag in image %q", [pods.name(c), objects.display, image]),
		"path": array.concat(c.path, ["image"]),
	}
}
