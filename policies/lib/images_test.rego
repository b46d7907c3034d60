# Unit tests of images.rego: every part of [registry[:port]/]path[:tag][@digest].
package hubspoke.lib.images_test

import data.hubspoke.lib.images

test_success_without_digest_drops_the_digest if {
	images.without_digest("nginx@sha256:0123") == "nginx"
	images.without_digest("ghcr.io/acme/app:1.2@sha256:0123") == "ghcr.io/acme/app:1.2"
	images.without_digest("registry:5000/app@sha256:0123") == "registry:5000/app"
}

test_success_without_digest_keeps_an_image_without_one if {
	images.without_digest("nginx") == "nginx"
	images.without_digest("registry:5000/app:1") == "registry:5000/app:1"
	images.without_digest("") == ""
}

test_success_last_component_is_name_and_tag if {
	images.last_component("nginx") == "nginx"
	images.last_component("nginx:1.27") == "nginx:1.27"
	images.last_component("bitnami/redis:7") == "redis:7"
	images.last_component("ghcr.io/acme/team/app:v1") == "app:v1"
}

# The port of a registry is never taken for a tag.
test_success_last_component_never_holds_a_registry_port if {
	images.last_component("registry:5000/app") == "app"
	images.last_component("localhost:5000/team/app:1.0") == "app:1.0"
}

test_success_last_component_leaves_out_the_digest if {
	images.last_component("ghcr.io/acme/app@sha256:0123") == "app"
	images.last_component("app:1@sha256:0123") == "app:1"
}

test_success_last_component_of_an_empty_reference_is_empty if {
	images.last_component("") == ""
}
