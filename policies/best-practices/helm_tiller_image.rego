package hubspoke.best_practices.helm_tiller_image

import data.hubspoke.lib.images
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP017",
	"title": "helm-tiller-image",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A container runs Helm v2's Tiller. Tiller holds cluster-admin rights and serves any authenticated user without its own authorisation, so everyone who can reach it can escalate to cluster-admin; Helm v2 is unmaintained since 2020.",
	"help": "Remove Tiller and manage releases with Helm v3 (no server side) or a Flux HelmRelease. An image counts as Tiller when its name (the last path component, without tag or digest) contains `tiller`.",
	"tags": ["best-practices", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-helm-tiller", "rule": "validate-helm-tiller"}],
}

# The repository name without registry, path, tag or digest: `tiller` in
# `ghcr.io/helm/tiller:v2.17.0`.
image_name(image) := split(images.last_component(image), ":")[0]

violations contains v if {
	some c in pods.containers
	image := c.spec.image
	is_string(image)
	contains(image_name(image), "tiller")
	v := {
		"msg": sprintf("%s of %s runs Helm Tiller (image %q)", [pods.name(c), objects.display, image]),
		"path": array.concat(c.path, ["image"]),
	}
}
