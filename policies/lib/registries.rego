# Where a container image comes from. An image without a registry host
# (`nginx`, `bitnami/redis`) is pulled from Docker Hub, so its canonical form is
# `docker.io/library/nginx`, `docker.io/bitnami/redis`.
package hubspoke.lib.registries

import data.hubspoke.lib.images

# Whether the first path component of the image names a registry host.
has_registry(image) if {
	parts := split(images.without_digest(image), "/")
	count(parts) > 1
	host_like(parts[0])
}

host_like(s) if contains(s, ".")

host_like(s) if contains(s, ":")

host_like(s) if s == "localhost"

# The image with its implicit Docker Hub registry (and `library/`) spelled out,
# as Docker normalises it (distribution/reference): no host is docker.io,
# index.docker.io is docker.io, and an image directly under docker.io is an
# official one (`docker.io/nginx` is `docker.io/library/nginx`).
# One else-chain, so that `has_registry` runs once: BP006 asks for every container.
canonical(image) := docker_hub(image) if {
	not has_registry(image)
} else := docker_hub(substring(image, count("docker.io/"), -1)) if {
	startswith(image, "docker.io/")
} else := docker_hub(substring(image, count("index.docker.io/"), -1)) if {
	startswith(image, "index.docker.io/")
} else := image

# A repository path on Docker Hub, official images under `library/`.
docker_hub(path) := concat("/", ["docker.io", path]) if {
	contains(images.without_digest(path), "/")
} else := concat("/", ["docker.io", "library", path])

# Whether the image comes from any of the registries whose `prefixes(registries)` are
# given: each registry a host (`ghcr.io`), optionally with a path (`ghcr.io/acme`).
# The image is compared as written and in canonical form, so `docker.io` admits
# `nginx` and `docker.io/library` admits `nginx` too. Prefixes, not registries: a
# rule asking for every container computes them once per document.
from_any(image, prefixes) if {
	some p in prefixes
	startswith(image, p)
}

from_any(image, prefixes) if {
	form := canonical(image)
	some p in prefixes
	startswith(form, p)
}

# Each registry as the prefix of the images it holds (ending in `/`).
prefixes(registries) := [prefix(registry) | some registry in registries]

prefix(registry) := registry if {
	endswith(registry, "/")
} else := concat("", [registry, "/"])
