package hubspoke.pod_security.seccomp_profile_strict

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS019",
	"title": "seccomp-profile-strict",
	"severity": "warning",
	"security_severity": 5.5,
	"description": "A container runs without a RuntimeDefault or Localhost seccomp profile. Without one it may make every system call, including the ones kernel exploits use; the Pod Security Standards restricted profile requires the pod, or else every container, to set one.",
	"help": "Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod (containers may then leave it unset), or set it on every container.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "restrict-seccomp-strict", "rule": "check-seccomp-strict"}],
}

allowed := {"RuntimeDefault", "Localhost"}

# Kyverno's anyPattern passes a pod when either
# 1. spec.securityContext.seccompProfile.type is allowed and no container sets
#    another type, or
# 2. every container sets an allowed securityContext.seccompProfile.type.
violations contains v if {
	some s in pods.specs
	pod_allowed(s.spec)
	some c in pods.containers
	c.pod_path == s.path
	profile := c.spec.securityContext.seccompProfile
	profile.type != null
	not profile.type in allowed
	v := {
		"msg": sprintf("%s of %s sets seccompProfile.type to %s, overriding the pod's profile", [pods.name(c), objects.display, fields.show(profile.type)]),
		"path": array.concat(c.path, ["securityContext", "seccompProfile", "type"]),
	}
}

violations contains v if {
	some s in pods.specs
	not pod_allowed(s.spec)
	some c in pods.containers
	c.pod_path == s.path
	value := object.get(c.spec, ["securityContext", "seccompProfile", "type"], null)
	not value in allowed
	v := {
		"msg": message(c, value),
		"path": array.concat(c.path, ["securityContext", "seccompProfile", "type"]),
	}
}

pod_allowed(spec) if spec.securityContext.seccompProfile.type in allowed

message(c, value) := sprintf("%s of %s sets no seccompProfile.type, and the pod sets no RuntimeDefault or Localhost profile", [pods.name(c), objects.display]) if value == null

message(c, value) := sprintf("%s of %s sets seccompProfile.type to %s; it must be RuntimeDefault or Localhost", [pods.name(c), objects.display, fields.show(value)]) if value != null
