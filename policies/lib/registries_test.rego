# Unit tests of registries.rego: Docker Hub's implicit forms, registry hosts,
# and prefix matching as BP006 (untrusted-image-registry) uses it.
package hubspoke.lib.registries_test

import data.hubspoke.lib.registries

# --- has_registry ---------------------------------------------------------------

test_success_a_first_component_with_a_dot_a_port_or_localhost_is_a_host if {
	registries.has_registry("ghcr.io/fluxcd/flux-cli:v2.4.0")
	registries.has_registry("registry:5000/app")
	registries.has_registry("localhost/app")
	registries.has_registry("localhost:5000/app@sha256:0123")
	registries.has_registry("docker.io/library/nginx")
}

test_fail_docker_hub_forms_have_no_host if {
	not registries.has_registry("nginx")
	not registries.has_registry("nginx:1.27")
	not registries.has_registry("bitnami/redis:7")
	not registries.has_registry("team/app@sha256:00")
	not registries.has_registry("localhost")
}

# A digest may hold a colon; it is not a port.
test_fail_a_digest_does_not_make_a_host if {
	not registries.has_registry("nginx@sha256:0123")
}

# --- canonical ------------------------------------------------------------------

test_success_canonical_spells_out_docker_hub if {
	registries.canonical("nginx") == "docker.io/library/nginx"
	registries.canonical("nginx:1.27") == "docker.io/library/nginx:1.27"
	registries.canonical("nginx@sha256:0123") == "docker.io/library/nginx@sha256:0123"
	registries.canonical("bitnami/redis:7") == "docker.io/bitnami/redis:7"
	registries.canonical("team/app@sha256:00") == "docker.io/team/app@sha256:00"
}

# Docker's own normalisation (distribution/reference): an official image named
# on docker.io lives under library/, and index.docker.io is docker.io.
test_success_canonical_of_docker_hub_with_its_host if {
	registries.canonical("docker.io/nginx") == "docker.io/library/nginx"
	registries.canonical("docker.io/nginx:1.27@sha256:0123") == "docker.io/library/nginx:1.27@sha256:0123"
	registries.canonical("docker.io/library/nginx") == "docker.io/library/nginx"
	registries.canonical("docker.io/bitnami/redis") == "docker.io/bitnami/redis"
	registries.canonical("index.docker.io/nginx") == "docker.io/library/nginx"
	registries.canonical("index.docker.io/bitnami/redis:7") == "docker.io/bitnami/redis:7"
}

test_success_canonical_keeps_other_registries_as_written if {
	registries.canonical("ghcr.io/fluxcd/flux-cli:v2.4.0") == "ghcr.io/fluxcd/flux-cli:v2.4.0"
	registries.canonical("localhost/app:1") == "localhost/app:1"
	registries.canonical("registry:5000/app:1") == "registry:5000/app:1"
	registries.canonical("my.docker.io/nginx") == "my.docker.io/nginx"
}

# --- prefixes and from_any ------------------------------------------------------

test_success_prefixes_end_in_one_slash if {
	registries.prefixes(["ghcr.io", "ghcr.io/acme/", "docker.io/library"]) == ["ghcr.io/", "ghcr.io/acme/", "docker.io/library/"]
	registries.prefixes([]) == []
}

test_success_docker_hub_registries_admit_the_short_forms if {
	registries.from_any("nginx:1.27", registries.prefixes(["docker.io"]))
	registries.from_any("nginx:1.27", registries.prefixes(["docker.io/library"]))
	registries.from_any("docker.io/nginx:1.27", registries.prefixes(["docker.io/library"]))
	registries.from_any("index.docker.io/nginx", registries.prefixes(["docker.io"]))
	registries.from_any("bitnami/redis", registries.prefixes(["docker.io/bitnami/"]))
}

test_fail_docker_hub_paths_are_told_apart if {
	not registries.from_any("nginx:1.27", registries.prefixes(["docker.io/bitnami"]))
	not registries.from_any("bitnami/redis", registries.prefixes(["docker.io/library"]))
	not registries.from_any("nginx", registries.prefixes(["quay.io", "ghcr.io"]))
}

test_success_an_image_from_one_of_several_registries if {
	registries.from_any("ghcr.io/fluxcd/x", registries.prefixes(["quay.io", "ghcr.io/fluxcd"]))
	registries.from_any("registry:5000/app", registries.prefixes(["registry:5000"]))
}

# A prefix matches whole path components: ghcr.io/flux is not ghcr.io/fluxcd,
# and eu.foo.io is not eu.foo.io.evil.example.
test_fail_a_prefix_matches_whole_components if {
	not registries.from_any("ghcr.io/fluxcd/x", registries.prefixes(["ghcr.io/flux"]))
	not registries.from_any("eu.foo.io.evil.example/app", registries.prefixes(["eu.foo.io"]))
	not registries.from_any("registry:50001/app", registries.prefixes(["registry:5000"]))
}

test_fail_no_registries_admit_nothing if {
	not registries.from_any("nginx", [])
	not registries.from_any("ghcr.io/acme/app", registries.prefixes([]))
}
