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

violations contains v if {
	some s in pods.specs
	some i, volume in s.spec.volumes
	volume.hostPath != null
	v := {
		"msg": sprintf("volume %q of %s mounts the node path %q", [object.get(volume, "name", ""), objects.display, object.get(volume.hostPath, "path", "")]),
		"path": array.concat(s.path, ["volumes", i, "hostPath"]),
	}
}
