# Facts about the object under evaluation shared by rules.
package hubspoke.lib.objects

# The namespace the object lands in, as the repository model resolves it: the
# reconciling Flux Kustomization's targetNamespace (which overrides the object's
# own), else its own, else an enclosing kustomization.yaml's; outside a
# repository, its own; else "default".
namespace := ns if {
	ns := hubspoke.context("namespace")
	is_string(ns)
	ns != ""
} else := ns if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
} else := "default"

# "Kind/name" for messages.
display := sprintf("%s %q", [input.kind, input.metadata.name]) if is_string(input.metadata.name)

display := input.kind if not is_string(input.metadata.name)
