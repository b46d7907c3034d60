# Unit tests of pods.rego: every controller's pod template, every container
# list, and the shapes a broken or partial manifest can take.
package hubspoke.lib.pods_test

import data.hubspoke.lib.pods

spec := {"containers": [{"name": "app", "image": "nginx"}]}

# --- specs --------------------------------------------------------------------

test_success_pod_spec_is_the_pod_spec if {
	body := {"kind": "Pod", "spec": spec}
	pods.specs == [{"spec": spec, "path": ["spec"]}] with input as body
}

test_success_every_template_kind_has_its_pod_spec_in_the_template if {
	every kind in ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"] {
		specs := pods.specs with input as {"kind": kind, "spec": {"template": {"spec": spec}}}
		specs == [{"spec": spec, "path": ["spec", "template", "spec"]}]
	}
}

test_success_cronjob_pod_spec_is_in_the_job_template if {
	specs := pods.specs with input as {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
	specs == [{"spec": spec, "path": ["spec", "jobTemplate", "spec", "template", "spec"]}]
}

# Each kind is read at its own path only: a Deployment shaped like a Pod or a
# CronJob, or a CronJob shaped like a Deployment, yields nothing.
test_fail_kind_and_shape_disagree if {
	pods.specs == [] with input as {"kind": "Deployment", "spec": spec}
	pods.specs == [] with input as {"kind": "Deployment", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
	pods.specs == [] with input as {"kind": "CronJob", "spec": {"template": {"spec": spec}}}
}

test_fail_kinds_without_pods if {
	pods.specs == [] with input as {"kind": "ConfigMap", "data": {"spec": "x"}}
	pods.specs == [] with input as {"kind": "PodTemplate", "template": {"spec": spec}}
	pods.specs == [] with input as {"spec": spec}
}

test_fail_absent_null_and_non_object_specs if {
	every body in [
		{"kind": "Pod"},
		{"kind": "Pod", "spec": null},
		{"kind": "Pod", "spec": "containers"},
		{"kind": "Pod", "spec": []},
		{"kind": "Deployment", "spec": {"template": null}},
		{"kind": "Deployment", "spec": {"template": {"spec": null}}},
		{"kind": "Job", "spec": {"template": {"spec": ["x"]}}},
		{"kind": "CronJob", "spec": {"jobTemplate": {"spec": null}}},
		{"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": 3}}}}},
	] {
		pods.specs == [] with input as body
	}
}

# An empty pod spec is still a pod spec: rules about missing fields need it.
test_success_empty_pod_spec_counts if {
	pods.specs == [{"spec": {}, "path": ["spec"]}] with input as {"kind": "Pod", "spec": {}}
}

# --- containers ---------------------------------------------------------------

test_success_init_regular_and_ephemeral_containers_in_that_order if {
	body := {"kind": "Pod", "spec": {
		"ephemeralContainers": [{"name": "debug"}],
		"containers": [{"name": "app"}, {"name": "sidecar"}],
		"initContainers": [{"name": "setup"}],
	}}
	got := [[c.field, c.spec.name, c.path, c.pod_path] | some c in pods.containers] with input as body
	got == [
		["initContainers", "setup", ["spec", "initContainers", 0], ["spec"]],
		["containers", "app", ["spec", "containers", 0], ["spec"]],
		["containers", "sidecar", ["spec", "containers", 1], ["spec"]],
		["ephemeralContainers", "debug", ["spec", "ephemeralContainers", 0], ["spec"]],
	]
}

test_success_container_paths_below_a_cronjob_template if {
	body := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"initContainers": [{"name": "a"}]}}}}}}
	[c] := pods.containers with input as body
	c.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0]
	c.pod_path == ["spec", "jobTemplate", "spec", "template", "spec"]
	c.field == "initContainers"
}

test_success_container_spec_is_the_whole_container if {
	container := {"name": "app", "image": "nginx", "securityContext": {"privileged": true}}
	[c] := pods.containers with input as {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [container]}}}}
	c.spec == container
}

# A malformed entry is skipped, and the indices of the others stay those of the document.
test_success_non_object_entries_are_skipped_keeping_indices if {
	body := {"kind": "Pod", "spec": {"containers": [null, "app", {"name": "b"}, 7, {}]}}
	got := [c.path | some c in pods.containers] with input as body
	got == [["spec", "containers", 2], ["spec", "containers", 4]]
}

test_fail_container_lists_that_are_not_lists if {
	every list in [null, {}, {"name": "app"}, "app", 1] {
		pods.containers == [] with input as {"kind": "Pod", "spec": {"containers": list, "initContainers": list}}
	}
}

test_fail_no_containers_without_a_pod_spec if {
	pods.containers == [] with input as {"kind": "Service", "spec": {"containers": [{"name": "x"}]}}
}

# --- name ---------------------------------------------------------------------

test_success_name_says_which_list_the_container_is_in if {
	pods.name({"spec": {"name": "app"}, "field": "containers", "path": ["spec", "containers", 0]}) == `container "app"`
	pods.name({"spec": {"name": "setup"}, "field": "initContainers", "path": ["spec", "initContainers", 0]}) == `init container "setup"`
	pods.name({"spec": {"name": "debug"}, "field": "ephemeralContainers", "path": ["spec", "ephemeralContainers", 0]}) == `ephemeral container "debug"`
}

test_success_name_of_a_nameless_container_is_its_index if {
	pods.name({"spec": {}, "field": "containers", "path": ["spec", "containers", 3]}) == "container #3"
	pods.name({"spec": {"name": null}, "field": "initContainers", "path": ["spec", "initContainers", 0]}) == "init container #0"
	pods.name({"spec": {"name": 5}, "field": "containers", "path": ["spec", "containers", 1]}) == "container #1"
}

# --- kinds --------------------------------------------------------------------

# Every kind whose pod template `specs` reads is among the kinds rules declare,
# with its API group (a template kind missing there would never be dispatched).
test_success_kinds_cover_every_template_kind if {
	every kind in pods.template_kinds {
		some declared in pods.kinds
		declared_kind(declared) == kind
	}
	"core/Pod" in pods.kinds
	"batch/CronJob" in pods.kinds
	count(pods.kinds) == count(pods.template_kinds) + 2
}

declared_kind(declared) := parts[count(parts) - 1] if parts := split(declared, "/")
