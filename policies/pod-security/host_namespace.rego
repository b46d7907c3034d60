package hubspoke.pod_security.host_namespace

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS003",
	"title": "host-namespace",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A pod shares the node's network, process or IPC namespace. Host namespaces let a pod see and reach everything on its node; the Pod Security Standards baseline profile forbids hostNetwork, hostPID and hostIPC.",
	"help": "Remove hostNetwork, hostPID and hostIPC from the pod spec, or set them to false.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-host-namespaces", "rule": "host-namespaces"}],
}

# Kyverno's pattern `=(hostPID): "false"` (and hostIPC, hostNetwork).
violations contains v if {
	some s in pods.specs
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	s.spec[field] != null
	not s.spec[field] in {false, "false"}
	v := {
		"msg": sprintf("%s sets %s: %s", [objects.display, field, fields.show(s.spec[field])]),
		"path": array.concat(s.path, [field]),
	}
}
