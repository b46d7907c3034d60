# Facts about the object under evaluation shared by rules.
package hubspoke.lib.objects

# The namespace the object lands in: its own; else the one an enclosing
# kustomization.yaml or the reconciling Flux Kustomization's targetNamespace
# gives it (from the repository model); else "default".
namespace := ns if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
} else := ns if {
	ns := hubspoke.context("namespace")
	is_string(ns)
	ns != ""
} else := "default"

# "Kind/name" for messages.
display := sprintf("%s %q", [input.kind, input.metadata.name]) if is_string(input.metadata.name)

display := input.kind if not is_string(input.metadata.name)
