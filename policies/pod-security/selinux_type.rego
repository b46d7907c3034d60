package hubspoke.pod_security.selinux_type

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS009",
	"title": "selinux-type",
	"severity": "error",
	"security_severity": 6.5,
	"description": "A pod or container sets an SELinux type other than container_t, container_init_t or container_kvm_t. A custom SELinux type can lift the confinement SELinux puts on containers; the Pod Security Standards baseline profile restricts the type to these three.",
	"help": "Remove seLinuxOptions.type, or set it to container_t, container_init_t or container_kvm_t.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "disallow-selinux", "rule": "selinux-type"}],
}

allowed := {"container_t", "container_init_t", "container_kvm_t"}

# Kyverno's pattern `=(seLinuxOptions): =(type): "container_t | container_init_t
# | container_kvm_t"` on the pod and on every container.
violations contains v if {
	some s in pods.specs
	options := s.spec.securityContext.seLinuxOptions
	options.type != null
	not options.type in allowed
	v := {
		"msg": sprintf("%s sets the pod's seLinuxOptions.type to %s", [objects.display, fields.show(options.type)]),
		"path": array.concat(s.path, ["securityContext", "seLinuxOptions", "type"]),
	}
}

violations contains v if {
	some c in pods.containers
	options := c.spec.securityContext.seLinuxOptions
	options.type != null
	not options.type in allowed
	v := {
		"msg": sprintf("%s of %s sets seLinuxOptions.type to %s", [pods.name(c), objects.display, fields.show(options.type)]),
		"path": array.concat(c.path, ["securityContext", "seLinuxOptions", "type"]),
	}
}
