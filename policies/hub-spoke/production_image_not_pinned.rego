package hubspoke.hub_spoke.production_image_not_pinned

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB019",
	"title": "production-image-not-pinned",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A container on a production spoke uses an image tag that can move (`7`, `7.2`, `stable`, `alpine`). A registry push then changes what production runs without any change in Git, and a rollback restores nothing. An image counts as pinned with a digest (`@sha256:...`) or an exact version (`1.2.3`, `v1.2.3`, `1.2.3-alpine`). Production spokes are spokes whose cluster label of the parameter `environment_label` (default environment) is in the parameter `production_environments` (default prod, production). Untagged and `latest` images are left to BP001 and BP002.",
	"help": "Pin the image to an exact version, or better to its digest (image: registry/name:1.2.3@sha256:...).",
	"tags": ["hub-spoke", "supply-chain"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "environment_label", "type": "string", "default": "environment", "description": "The cluster label that names a cluster's environment."},
		{"name": "production_environments", "type": "string-list", "default": ["prod", "production"], "description": "Values of that label that make a cluster production."},
	],
	"workload_fields": ["containers.image"],
}

environment_label := params.value(metadata.id, "environment_label")

environments := params.string_list(metadata.id, "production_environments")

production := {c.name |
	some c in input.clusters
	c.role == "spoke"
	c.labels[environment_label] in environments
}

exact_version := `^v?[0-9]+\.[0-9]+\.[0-9]+([-+.][0-9A-Za-z.+_-]*)?$`

# The tag of an image reference without digest ("" when untagged).
tag(image) := t if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	t := split(last, ":")[1]
} else := ""

moving(image) if {
	not contains(image, "@")
	not repo.templated(image)
	t := tag(image)
	t != ""
	t != "latest"
	not regex.match(exact_version, t)
}

violations contains v if {
	some kind in ["/Pod", "/ReplicationController", "apps/Deployment", "apps/DaemonSet", "apps/StatefulSet", "apps/ReplicaSet", "batch/Job", "batch/CronJob"]
	some id in repo.of_kind(kind)
	o := input.objects[id]
	clusters := {c | some c in o.clusters; c in production}
	count(clusters) > 0
	some container in repo.containers(o.body)
	image := container.spec.image
	is_string(image)
	moving(image)
	v := {
		"msg": sprintf("%s runs image %q%s: tag %q can move; pin an exact version or a digest", [repo.display(o), image, repo.on_clusters(clusters), tag(image)]),
		"object": o.id,
		"path": array.concat(container.path, ["image"]),
	}
}
