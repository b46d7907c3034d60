package hubspoke.best_practices.writable_root_filesystem

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP009",
	"title": "writable-root-filesystem",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A container's root filesystem is writable. An attacker who gets code execution can then drop binaries and tamper with the image's files, and state written there silently disappears on restart.",
	"help": "Set securityContext.readOnlyRootFilesystem: true on each container and mount an emptyDir (or a volume) where the application must write, such as /tmp. Init and ephemeral containers are not checked.",
	"tags": ["best-practices", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "require-ro-rootfs", "rule": "validate-readOnlyRootFilesystem"}],
}

violations contains v if {
	some c in pods.containers
	c.field == "containers"
	object.get(c.spec, ["securityContext", "readOnlyRootFilesystem"], null) != true
	v := {
		"msg": sprintf("%s of %s does not set securityContext.readOnlyRootFilesystem: true", [pods.name(c), objects.display]),
		"path": array.concat(c.path, ["securityContext", "readOnlyRootFilesystem"]),
	}
}
