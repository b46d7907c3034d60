package hubspoke.pod_security.proc_mount

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS008",
	"title": "proc-mount",
	"severity": "error",
	"security_severity": 6.5,
	"description": "A container changes its /proc mount type from Default. An Unmasked /proc exposes kernel interfaces the default mask hides from containers; the Pod Security Standards baseline profile requires the default.",
	"help": "Remove securityContext.procMount from the container, or set it to Default.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-proc-mount", "rule": "check-proc-mount"}],
}

# Kyverno's pattern `=(securityContext): =(procMount): "Default"`.
violations contains v if {
	some c in pods.containers
	sc := c.spec.securityContext
	sc.procMount != null
	sc.procMount != "Default"
	v := {
		"msg": sprintf("%s of %s sets securityContext.procMount to %s; only Default is allowed", [pods.name(c), objects.display, fields.show(sc.procMount)]),
		"path": array.concat(c.path, ["securityContext", "procMount"]),
	}
}
