# The metadata of the pod a pod spec belongs to: the Pod's own, or the pod
# template's for controllers (Kyverno's auto-gen rewrites `metadata` patterns
# to `spec.template.metadata` the same way).
package hubspoke.lib.pod_metadata

# Path of the metadata beside a pod spec path from `pods.specs`.
path(spec_path) := array.concat(array.slice(spec_path, 0, count(spec_path) - 1), ["metadata"])

# The pod's annotations, or {} when it has none.
annotations(spec_path) := value if {
	value := object.get(input, array.concat(path(spec_path), ["annotations"]), {})
	is_object(value)
} else := {}
