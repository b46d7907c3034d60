package hubspoke.best_practices.api_removed_in_v1_32

import data.hubspoke.lib.objects

metadata := {
	"id": "BP024",
	"title": "api-removed-in-v1-32",
	"severity": "error",
	"security_severity": 3.0,
	"description": "A manifest uses an API version that Kubernetes v1.32 no longer serves. Applying it to a cluster of that version or later fails, so the deployment breaks at the next cluster upgrade.",
	"help": "Move the manifest to the replacement API version named in the message (see https://kubernetes.io/docs/reference/using-api/deprecation-guide/); `kubectl convert` rewrites most of them.",
	"tags": ["best-practices", "deprecated-api"],
	"scope": "document",
	"kinds": ["flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration"],
	"kyverno": [{"policy": "check-deprecated-apis", "rule": "validate-v1-32-removals"}],
}

# Removed apiVersion -> what to use instead.
replacements := {"flowcontrol.apiserver.k8s.io/v1beta3": "flowcontrol.apiserver.k8s.io/v1"}

# Kyverno's precondition: only the removed apiVersions are checked; the
# conformance harness reads this as "the rule does not apply" (skip).
skip if not replacements[input.apiVersion]

violations contains v if {
	replacement := replacements[input.apiVersion]
	v := {
		"msg": sprintf("%s uses %s, which Kubernetes v1.32 no longer serves; use %s", [objects.display, input.apiVersion, replacement]),
		"path": ["apiVersion"],
	}
}
