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

# The image with its implicit Docker Hub registry (and `library/`) spelled out.
# One else-chain, so that `has_registry` runs once: BP006 asks for every container.
canonical(image) := image if {
	has_registry(image)
} else := concat("/", ["docker.io", image]) if {
	contains(images.without_digest(image), "/")
} else := concat("/", ["docker.io", "library", image])

# Whether the image comes from any of `registries`: each a host (`ghcr.io`), optionally
# with a path (`ghcr.io/acme`). The image is compared as written and in canonical form,
# so `docker.io` admits `nginx` and `docker.io/library` admits `nginx` too. The canonical
# form is computed once per image, not once per registry: BP006 runs on every container.
from_any(image, registries) if {
	forms := [image, canonical(image)]
	some registry in registries
	p := prefix(registry)
	some form in forms
	startswith(form, p)
}

prefix(registry) := registry if {
	endswith(registry, "/")
} else := concat("", [registry, "/"])
