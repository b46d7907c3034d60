package hubspoke.best_practices.image_without_tag

import data.hubspoke.lib.images
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP001",
	"title": "image-without-tag",
	"severity": "error",
	"security_severity": 5.0,
	"description": "A container image has neither a tag nor a digest. Without one the runtime pulls `latest`, so what runs changes without a commit and rollbacks do not roll back.",
	"help": "Pin the image to an explicit version tag (nginx:1.27.2) or, better, a digest (nginx@sha256:…).",
	"tags": ["best-practices", "supply-chain"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-latest-tag", "rule": "require-image-tag"}],
}

violations contains v if {
	some c in pods.containers
	image := c.spec.image
	is_string(image)
	# No tag on the last component, no digest; tested inline, as a helper call
	# costs more than the test on the VM.
	not contains(images.last_component(image), ":")
	not contains(image, "@")
	v := {
		"msg": sprintf("%s of %s uses image %q with no tag or digest", [pods.name(c), objects.display, image]),
		"path": array.concat(c.path, ["image"]),
	}
}
