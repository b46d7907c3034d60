package hubspoke.flux.kustomization_without_service_account

import data.hubspoke.lib.objects

metadata := {
	"id": "FLUX001",
	"title": "kustomization-without-service-account",
	"severity": "error",
	"security_severity": 7.5,
	"description": "A Flux Kustomization outside flux-system reconciles without its own service account. It then acts with kustomize-controller's cluster-admin rights, so a tenant can create anything anywhere; Flux multi-tenancy lockdown requires every tenant reconciler to impersonate a namespaced service account. Not reported where the cluster's kustomize-controller runs with `--default-service-account` (patched in by the bootstrap's `flux-system/kustomization.yaml`, or set by a FluxInstance with `spec.cluster.multitenant: true`): it then impersonates that account.",
	"help": "Set spec.serviceAccountName to a service account of the tenant's namespace that is bound to a namespaced Role (run the controller with --default-service-account to enforce it cluster-wide).",
	"tags": ["flux", "multi-tenancy", "tenancy-lockdown", "security"],
	"scope": "document",
	"kinds": ["kustomize.toolkit.fluxcd.io/Kustomization"],
	"kyverno": [],
	"fixes": [
		{"field": "serviceAccountName", "value_from": "namespace-service-account"},
	],
}

violations contains v if {
	objects.namespace != "flux-system"
	# A hub reconciler of a spoke acts with the spoke's kubeconfig, not the local controller.
	not hubspoke.context("remote")
	# The cluster's kustomize-controller runs with --default-service-account (a bootstrap patch, or
	# a FluxInstance with spec.cluster.multitenant): it impersonates that account instead.
	not controller_default_account
	not has_service_account
	v := {
		"msg": sprintf("%s in namespace %q has no spec.serviceAccountName, so it reconciles with the controller's cluster-admin rights", [objects.display, objects.namespace]),
		"path": ["spec", "serviceAccountName"],
	}
}

controller_default_account if is_string(hubspoke.context("default_service_account"))

has_service_account if {
	sa := input.spec.serviceAccountName
	is_string(sa)
	trim_space(sa) != ""
}
