package hubspoke.flux.helm_release_cross_namespace_source

import data.hubspoke.lib.objects

metadata := {
	"id": "FLUX004",
	"title": "helm-release-cross-namespace-source",
	"severity": "error",
	"security_severity": 6.5,
	"description": "A Flux HelmRelease takes its chart from another namespace. Cross-namespace references let one tenant use another tenant's (or the platform's) chart sources; Flux multi-tenancy lockdown (--no-cross-namespace-refs) rejects them.",
	"help": "Define the HelmRepository, GitRepository, OCIRepository or HelmChart in the release's own namespace and drop the sourceRef's namespace.",
	"tags": ["flux", "multi-tenancy", "tenancy-lockdown", "security"],
	"scope": "document",
	"kinds": ["helm.toolkit.fluxcd.io/HelmRelease"],
	"kyverno": [],
}

ref_paths := [["spec", "chart", "spec", "sourceRef"], ["spec", "chartRef"]]

violations contains v if {
	# A hub reconciler of a spoke acts with the spoke's kubeconfig, not the local controller.
	not hubspoke.context("remote")
	some ref_path in ref_paths
	ref := object.get(input, ref_path, null)
	ref_ns := ref.namespace
	is_string(ref_ns)
	ref_ns != objects.namespace
	v := {
		"msg": sprintf("%s in namespace %q takes its chart from namespace %q", [objects.display, objects.namespace, ref_ns]),
		"path": array.concat(ref_path, ["namespace"]),
	}
}
