package hubspoke.pod_security.host_process

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS004",
	"title": "host-process",
	"severity": "error",
	"security_severity": 9.0,
	"description": "A Windows container runs as a HostProcess container. A HostProcess container runs directly on the Windows node with the node's privileges; the Pod Security Standards baseline profile forbids it.",
	"help": "Remove securityContext.windowsOptions.hostProcess from the container, or set it to false.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-host-process", "rule": "host-process-containers"}],
}

# Kyverno's pattern checks the containers only (not spec.securityContext):
# `=(securityContext): =(windowsOptions): =(hostProcess): "false"`.
violations contains v if {
	some c in pods.containers
	options := c.spec.securityContext.windowsOptions
	options.hostProcess != null
	not options.hostProcess in {false, "false"}
	v := {
		"msg": sprintf("%s of %s sets securityContext.windowsOptions.hostProcess to %s; only false is allowed", [pods.name(c), objects.display, fields.show(options.hostProcess)]),
		"path": array.concat(c.path, ["securityContext", "windowsOptions", "hostProcess"]),
	}
}
