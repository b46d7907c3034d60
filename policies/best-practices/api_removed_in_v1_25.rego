package hubspoke.best_practices.api_removed_in_v1_25

import data.hubspoke.lib.objects

metadata := {
	"id": "BP020",
	"title": "api-removed-in-v1-25",
	"severity": "error",
	"security_severity": 3.0,
	"description": "A manifest uses an API version that Kubernetes v1.25 no longer serves. Applying it to a cluster of that version or later fails, so the deployment breaks at the next cluster upgrade.",
	"help": "Move the manifest to the replacement API version named in the message (see https://kubernetes.io/docs/reference/using-api/deprecation-guide/); `kubectl convert` rewrites most of them.",
	"tags": ["best-practices", "deprecated-api"],
	"scope": "document",
	"kinds": ["batch/CronJob", "discovery.k8s.io/EndpointSlice", "events.k8s.io/Event", "policy/PodDisruptionBudget", "policy/PodSecurityPolicy", "node.k8s.io/RuntimeClass"],
	"kyverno": [{"policy": "check-deprecated-apis", "rule": "validate-v1-25-removals"}],
}

# Removed apiVersion -> what to use instead.
replacements := {
	"batch/v1beta1": "batch/v1",
	"discovery.k8s.io/v1beta1": "discovery.k8s.io/v1",
	"events.k8s.io/v1beta1": "events.k8s.io/v1",
	"policy/v1beta1": "policy/v1",
	"node.k8s.io/v1beta1": "node.k8s.io/v1",
}

# PodSecurityPolicy was removed without a successor API.
replacement := "Pod Security Admission (PodSecurityPolicy has no successor API)" if {
	input.apiVersion == "policy/v1beta1"
	input.kind == "PodSecurityPolicy"
} else := replacements[input.apiVersion]

# Kyverno's precondition: only the removed apiVersions are checked; the
# conformance harness reads this as "the rule does not apply" (skip).
skip if not replacements[input.apiVersion]

violations contains v if {
	v := {
		"msg": sprintf("%s uses %s, which Kubernetes v1.25 no longer serves; use %s", [objects.display, input.apiVersion, replacement]),
		"path": ["apiVersion"],
	}
}
