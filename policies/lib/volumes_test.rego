# Unit tests of volumes.rego: hostPath volumes of every pod spec, and host
# paths in a comparable form (the socket-mount rules BP012-BP015 rely on it).
package hubspoke.lib.volumes_test

import data.hubspoke.lib.volumes

# --- host_paths -----------------------------------------------------------------

test_success_host_paths_of_a_pod if {
	body := {"kind": "Pod", "spec": {"volumes": [
		{"name": "cache", "emptyDir": {}},
		{"name": "sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
	]}}
	got := volumes.host_paths with input as body
	got == {{"name": "sock", "path": "/var/run/docker.sock", "field": ["spec", "volumes", 1, "hostPath", "path"]}}
}

test_success_host_paths_of_every_controller_template if {
	volume := {"name": "sock", "hostPath": {"path": "/run/containerd/containerd.sock"}}
	every kind in ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"] {
		got := volumes.host_paths with input as {"kind": kind, "spec": {"template": {"spec": {"volumes": [volume]}}}}
		got == {{"name": "sock", "path": "/run/containerd/containerd.sock", "field": ["spec", "template", "spec", "volumes", 0, "hostPath", "path"]}}
	}
	cronjob := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"volumes": [volume]}}}}}}
	[found] := [h | some h in volumes.host_paths] with input as cronjob
	found.field == ["spec", "jobTemplate", "spec", "template", "spec", "volumes", 0, "hostPath", "path"]
}

# A volume without a usable name is named by its index, as the messages show it.
test_success_a_nameless_volume_is_named_by_its_index if {
	body := {"kind": "Pod", "spec": {"volumes": [
		{"hostPath": {"path": "/a"}},
		{"name": null, "hostPath": {"path": "/b"}},
		{"name": 3, "hostPath": {"path": "/c"}},
	]}}
	got := {[h.name, h.path] | some h in volumes.host_paths} with input as body
	got == {["#0", "/a"], ["#1", "/b"], ["#2", "/c"]}
}

test_fail_no_host_path_to_compare if {
	every spec_volumes in [
		null,
		"sock",
		{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}},
		[null, "sock", {"name": "a", "hostPath": null}, {"name": "b", "hostPath": {}}, {"name": "c", "hostPath": {"path": null}}, {"name": "d", "hostPath": {"path": 1}}],
	] {
		count(volumes.host_paths) == 0 with input as {"kind": "Pod", "spec": {"volumes": spec_volumes}}
	}
	count(volumes.host_paths) == 0 with input as {"kind": "Pod", "spec": {}}
	count(volumes.host_paths) == 0 with input as {"kind": "Service", "spec": {"volumes": [{"name": "x", "hostPath": {"path": "/"}}]}}
}

# --- normalize ------------------------------------------------------------------

test_success_normalize_removes_repeated_and_trailing_slashes if {
	volumes.normalize("//var//run///docker.sock") == "/var/run/docker.sock"
	volumes.normalize("/var/run/docker.sock/") == "/var/run/docker.sock"
	volumes.normalize("/var/lib/") == "/var/lib"
}

test_success_normalize_keeps_the_root if {
	volumes.normalize("/") == "/"
	volumes.normalize("///") == "/"
}

test_success_normalize_spells_run_as_var_run if {
	volumes.normalize("/run/containerd/containerd.sock") == "/var/run/containerd/containerd.sock"
	volumes.normalize("/run") == "/var/run"
	volumes.normalize("/run/") == "/var/run"
	volumes.normalize("//run//crio/crio.sock") == "/var/run/crio/crio.sock"
}

test_fail_normalize_leaves_other_paths_alone if {
	volumes.normalize("/running/docker.sock") == "/running/docker.sock"
	volumes.normalize("/srv/run/docker.sock") == "/srv/run/docker.sock"
	volumes.normalize("/var/run/docker.sock") == "/var/run/docker.sock"
	volumes.normalize("relative/run") == "relative/run"
	volumes.normalize("") == ""
}
