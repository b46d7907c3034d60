package hubspoke.best_practices.crio_socket_mount

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods
import data.hubspoke.lib.volumes

metadata := {
	"id": "BP014",
	"title": "crio-socket-mount",
	"severity": "error",
	"security_severity": 9.0,
	"description": "A pod mounts the CRI-O socket `/var/run/crio/crio.sock` from its node. Whoever can talk to that socket controls every container on the node and, through a privileged container, the node itself.",
	"help": "Remove the hostPath volume. Build images with a daemonless builder (kaniko, buildkit rootless) and read container metadata through the Kubernetes API instead of the runtime socket. The path is compared after removing repeated and trailing slashes, with /run and /var/run treated alike.",
	"tags": ["best-practices", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-container-sock-mounts", "rule": "validate-crio-sock-mount"}],
}

socket := "/var/run/crio/crio.sock"

violations contains v if {
	some h in volumes.host_paths
	volumes.normalize(h.path) == socket
	v := {
		"msg": sprintf("volume %q of %s mounts the CRI-O socket %q from the node", [h.name, objects.display, h.path]),
		"path": h.field,
	}
}
