# Unit tests of objects.rego: the namespace an object lands in, and its name
# for messages.
package hubspoke.lib.objects_test

import data.hubspoke.lib.objects

# --- namespace ------------------------------------------------------------------

test_success_namespace_is_the_objects_own if {
	objects.namespace == "team-a" with input as {"kind": "Pod", "metadata": {"name": "p", "namespace": "team-a"}}
}

# Outside a lint run `hubspoke.context` knows nothing: an object without a
# namespace of its own lands in "default", as kubectl would put it.
test_success_namespace_defaults_to_default if {
	every metadata in [{"name": "p"}, {"name": "p", "namespace": null}, {"name": "p", "namespace": ""}, {"name": "p", "namespace": 7}] {
		objects.namespace == "default" with input as {"kind": "Pod", "metadata": metadata}
	}
	objects.namespace == "default" with input as {"kind": "Pod"}
}

# The namespace the repository model gives (kustomization.yaml, or the Flux
# Kustomization's targetNamespace) comes from `hubspoke.context`, which a test
# cannot replace (regorus' `with` mocks no functions): the fixtures of the
# rules that read `objects.namespace` and the CLI tests cover that branch.

# --- display --------------------------------------------------------------------

test_success_display_names_kind_and_name if {
	objects.display == `Deployment "web"` with input as {"kind": "Deployment", "metadata": {"name": "web"}}
}

test_success_display_without_a_name_is_the_kind if {
	every metadata in [{}, {"name": null}, {"name": 3}] {
		objects.display == "ConfigMap" with input as {"kind": "ConfigMap", "metadata": metadata}
	}
	objects.display == "ConfigMap" with input as {"kind": "ConfigMap"}
}
