package hubspoke.pod_security.restricted_profile_violation

import data.hubspoke.lib.params
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods
import data.hubspoke.lib.pss

metadata := {
	"id": "PSS022",
	"title": "restricted-profile-violation",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A pod breaks the Pod Security Standards restricted profile, checked as a whole. This is the check the Kubernetes Pod Security Admission controller (and Kyverno's podSecurity rule) applies at version latest, covering every baseline and restricted control in one rule; the per-control rules report the same problems one control at a time.",
	"help": "Fix the field the finding names. To exempt a control, give the rule an `exclude` parameter in Kyverno's podSecurity form: [{controlName, images, restrictedField, values}]; without images only pod-level fields are exempt, with images only the matching containers.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	# Off by default: it repeats the per-control PSS rules in one finding per
	# control and costs about ten of them; enable it for Kyverno podSecurity parity.
	"default_enabled": false,
	"kyverno": [
		{"policy": "podsecurity-subrule-restricted", "rule": "restricted"},
		{"policy": "podsecurity-subrule-restricted-capabilities", "rule": "restricted-exempt-capabilities"},
		{"policy": "podsecurity-subrule-restricted-seccomp", "rule": "restricted-exempt-seccomp"},
	],
	"parameters": [
		{"name": "exclude", "type": "object-list", "default": [], "description": "Exemptions in the form of Kyverno's podSecurity `exclude`: each entry names a `controlName` and optionally `images` (wildcards), a `restrictedField` and its allowed `values`.", "fields": {"controlName": "string", "images": "string-list", "restrictedField": "string", "values": "string-list"}},
	],
	"fixes": [
		{"field": "securityContext.privileged", "value": false},
		{"field": "securityContext.allowPrivilegeEscalation", "value": false},
		{"field": "securityContext.runAsNonRoot", "value": true},
	],
}

exclusions := params.value(metadata.id, "exclude")

violations contains v if {
	some problem in pss.restricted
	not pss.exempt(problem, exclusions)
	v := {
		"msg": sprintf("%s: %s (restricted profile, %s)", [objects.display, problem.msg, problem.control]),
		"path": problem.path,
	}
}
