package hubspoke.pod_security.host_path_volume

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS002",
	"title": "host-path-volume",
	"severity": "error",
	"security_severity": 7.5,
	"description": "A pod mounts a hostPath volume. hostPath exposes the node's filesystem to the pod and is a common path to escaping the container; the Pod Security Standards baseline profile forbids it.",
	"help": "Use a persistentVolumeClaim, configMap, secret, emptyDir or projected volume instead of hostPath.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-host-path", "rule": "host-path"}],
}

# Kyverno's pattern `=(volumes): - X(hostPath): "null"`: no volume may carry hostPath.
violations contains v if {
	some s in pods.specs
	is_array(s.spec.volumes)
	some i, volume in s.spec.volumes
	volume.hostPath != null
	v := {
		"msg": sprintf("volume %s of %s mounts the node path %s", [volume_name(volume, i), objects.display, node_path(volume.hostPath)]),
		"path": array.concat(s.path, ["volumes", i, "hostPath"]),
	}
}

volume_name(volume, _) := sprintf("%q", [volume.name]) if is_string(volume.name)

volume_name(volume, i) := sprintf("#%d", [i]) if not is_string(volume.name)

node_path(host_path) := sprintf("%q", [host_path.path]) if is_string(host_path.path)

node_path(host_path) := "(no path)" if not is_string(host_path.path)
