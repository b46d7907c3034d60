package hubspoke.pod_security.apparmor_profile

import data.hubspoke.lib.objects
import data.hubspoke.lib.pod_metadata
import data.hubspoke.lib.pods
import data.hubspoke.lib.wildcard

metadata := {
	"id": "PSS011",
	"title": "apparmor-profile",
	"severity": "error",
	"security_severity": 6.0,
	"description": "A pod's AppArmor annotation selects a profile other than runtime/default or localhost/*. Other profiles (notably unconfined) switch off the AppArmor confinement the runtime applies by default; the Pod Security Standards baseline profile forbids them.",
	"help": "Set the container.apparmor.security.beta.kubernetes.io/<container> annotation to runtime/default or localhost/<profile>, or remove it.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "restrict-apparmor-profiles", "rule": "app-armor"}],
}

prefix := "container.apparmor.security.beta.kubernetes.io/"

# Kyverno's pattern `=(metadata): =(annotations):
# =(container.apparmor.security.beta.kubernetes.io/*): "runtime/default | localhost/*"`;
# auto-gen checks the pod template's metadata. Non-string values are ignored,
# as Kyverno's wildcard expansion ignores them.
violations contains v if {
	some s in pods.specs
	some key, value in pod_metadata.annotations(s.path)
	startswith(key, prefix)
	is_string(value)
	not wildcard.match_any(["runtime/default", "localhost/*"], value)
	v := {
		"msg": sprintf("%s selects the AppArmor profile %q for container %q; only runtime/default and localhost/* are allowed", [objects.display, value, substring(key, count(prefix), -1)]),
		"path": array.concat(pod_metadata.path(s.path), ["annotations", key]),
	}
}
