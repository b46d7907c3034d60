package hubspoke.pod_security.seccomp_profile

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS012",
	"title": "seccomp-profile",
	"severity": "error",
	"security_severity": 6.5,
	"description": "A pod or container sets a seccomp profile type other than RuntimeDefault or Localhost. An Unconfined profile lets the container make every system call, including the ones kernel exploits use; the Pod Security Standards baseline profile forbids it.",
	"help": "Remove seccompProfile.type, or set it to RuntimeDefault (or Localhost with a localhostProfile).",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "restrict-seccomp", "rule": "check-seccomp"}],
}

allowed := {"RuntimeDefault", "Localhost"}

# Kyverno's pattern `=(seccompProfile): =(type): "RuntimeDefault | Localhost"`
# on the pod and on every container.
violations contains v if {
	some s in pods.specs
	profile := s.spec.securityContext.seccompProfile
	profile.type != null
	not profile.type in allowed
	v := {
		"msg": sprintf("%s sets the pod's seccompProfile.type to %s", [objects.display, fields.show(profile.type)]),
		"path": array.concat(s.path, ["securityContext", "seccompProfile", "type"]),
	}
}

violations contains v if {
	some c in pods.containers
	profile := c.spec.securityContext.seccompProfile
	profile.type != null
	not profile.type in allowed
	v := {
		"msg": sprintf("%s of %s sets seccompProfile.type to %s", [pods.name(c), objects.display, fields.show(profile.type)]),
		"path": array.concat(c.path, ["securityContext", "seccompProfile", "type"]),
	}
}
