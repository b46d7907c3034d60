# Pod specs and containers of Pods and of every controller's pod template.
# This is Kyverno's auto-gen: a rule written against these helpers covers
# Deployment, DaemonSet, StatefulSet, ReplicaSet, Job and CronJob for free.
package hubspoke.lib.pods

# Kinds whose documents hold a pod spec.
kinds := ["core/Pod", "core/ReplicationController", "apps/Deployment", "apps/DaemonSet", "apps/StatefulSet", "apps/ReplicaSet", "batch/Job", "batch/CronJob"]

template_kinds := {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"}

container_fields := ["initContainers", "containers", "ephemeralContainers"]

# Every pod spec of the input: {"spec": <pod spec>, "path": [<keys to it>]}.
# Arrays, not partial sets: every rule iterates them, and sets of objects cost
# an ordered insert and a tree walk per element (a fifth of the evaluation time
# on the 10,000-file benchmark repository, benches/README.md).
specs := array.concat(array.concat(pod_specs, template_specs), cronjob_specs)

pod_specs := [{"spec": input.spec, "path": ["spec"]} |
	input.kind == "Pod"
	is_object(input.spec)
]

template_specs := [{"spec": spec, "path": ["spec", "template", "spec"]} |
	input.kind in template_kinds
	spec := input.spec.template.spec
	is_object(spec)
]

cronjob_specs := [{"spec": spec, "path": ["spec", "jobTemplate", "spec", "template", "spec"]} |
	input.kind == "CronJob"
	spec := input.spec.jobTemplate.spec.template.spec
	is_object(spec)
]

# Every container of every pod spec:
# {"spec": <container>, "path": [...], "field": "containers" | "initContainers" | "ephemeralContainers", "pod_path": [...]}.
containers := [c |
	some s in specs
	some field in container_fields
	list := s.spec[field]
	is_array(list)
	some i, container in list
	is_object(container)
	c := {"spec": container, "path": array.concat(s.path, [field, i]), "field": field, "pod_path": s.path}
]

# A container's display name for messages.
name(c) := sprintf("%s %q", [kind_word[c.field], c.spec.name]) if is_string(c.spec.name)

name(c) := sprintf("%s #%d", [kind_word[c.field], c.path[count(c.path) - 1]]) if not is_string(c.spec.name)

kind_word := {"containers": "container", "initContainers": "init container", "ephemeralContainers": "ephemeral container"}
