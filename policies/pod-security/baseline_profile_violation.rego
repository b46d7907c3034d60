package hubspoke.pod_security.baseline_profile_violation

import data.hubspoke.lib.params
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods
import data.hubspoke.lib.pss

metadata := {
	"id": "PSS021",
	"title": "baseline-profile-violation",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A pod breaks the Pod Security Standards baseline profile, checked as a whole. This is the check the Kubernetes Pod Security Admission controller (and Kyverno's podSecurity rule) applies at version latest, covering every baseline control in one rule; the per-control rules PSS001-PSS013 report the same problems one control at a time.",
	"help": "Fix the field the finding names. To exempt a control, give the rule an `exclude` parameter in Kyverno's podSecurity form: [{controlName, images, restrictedField, values}]; without images only pod-level fields are exempt.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	# Off by default: it repeats the per-control PSS rules in one finding per
	# control and costs about ten of them; enable it for Kyverno podSecurity parity.
	"default_enabled": false,
	"kyverno": [{"policy": "podsecurity-subrule-baseline", "rule": "baseline"}],
	"parameters": [
		{"name": "exclude", "type": "object-list", "default": [], "description": "Exemptions in the form of Kyverno's podSecurity `exclude`: each entry names a `controlName` and optionally `images` (wildcards), a `restrictedField` and its allowed `values`.", "fields": {"controlName": "string", "images": "string-list", "restrictedField": "string", "values": "string-list"}},
	],
	"fixes": [
		{"field": "securityContext.privileged", "value": false},
	],
}

exclusions := params.value(metadata.id, "exclude")

violations contains v if {
	some problem in pss.baseline
	not pss.exempt(problem, exclusions)
	v := {
		"msg": sprintf("%s: %s (baseline profile, %s)", [objects.display, problem.msg, problem.control]),
		"path": problem.path,
	}
}
