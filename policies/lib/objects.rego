# Facts about the object under evaluation shared by rules.
package hubspoke.lib.objects

# The namespace the object declares, or "default" when it declares none.
namespace := ns if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
} else := "default"

# "Kind/name" for messages.
display := sprintf("%s %q", [input.kind, input.metadata.name]) if is_string(input.metadata.name)

display := input.kind if not is_string(input.metadata.name)
