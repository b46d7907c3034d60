package hubspoke.flux.kustomization_cross_namespace_source

import data.hubspoke.lib.objects

metadata := {
	"id": "FLUX003",
	"title": "kustomization-cross-namespace-source",
	"severity": "error",
	"security_severity": 6.5,
	"description": "A Flux Kustomization takes its source from another namespace. Cross-namespace references let one tenant read another tenant's (or the platform's) sources; Flux multi-tenancy lockdown (--no-cross-namespace-refs) rejects them.",
	"help": "Define the GitRepository, OCIRepository or Bucket in the Kustomization's own namespace and drop spec.sourceRef.namespace.",
	"tags": ["flux", "multi-tenancy", "tenancy-lockdown", "security"],
	"scope": "document",
	"kinds": ["kustomize.toolkit.fluxcd.io/Kustomization"],
	"kyverno": [],
}

violations contains v if {
	# A hub reconciler of a spoke acts with the spoke's kubeconfig, not the local controller.
	not hubspoke.context("remote")
	ref_ns := input.spec.sourceRef.namespace
	is_string(ref_ns)
	ref_ns != objects.namespace
	v := {
		"msg": sprintf("%s in namespace %q takes its source from namespace %q", [objects.display, objects.namespace, ref_ns]),
		"path": ["spec", "sourceRef", "namespace"],
	}
}
