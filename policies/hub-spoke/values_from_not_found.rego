package hubspoke.hub_spoke.values_from_not_found

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB006",
	"title": "values-from-not-found",
	"severity": "error",
	"security_severity": 4.0,
	"description": "A HelmRelease takes values from (`spec.valuesFrom`), or a Flux Kustomization substitutes variables from (`spec.postBuild.substituteFrom`), a ConfigMap or Secret that the repository does not provide: the reconciliation fails until it exists. Provided: a ConfigMap defined or generated; a Secret SOPS-encrypted, generated, made by a producer (ExternalSecret, SealedSecret, OnePasswordItem, Certificate... and `model.producers`), or committed holding only a secret manager's references (`op://...`, as SEC001 reads them) where a cluster applies it. An error where the repository shows the reference is wrong (it has the object only in other namespaces, or the Secret in plain text); otherwise a warning: it may be created outside the repository, and is declared with the parameter `assume_defined` (`Kind/namespace/name`) or, for a Secret, `model.external-secrets`. Entries `optional: true` and objects no cluster applies (when the repository has a bootstrap) are not checked.",
	"help": "Add the ConfigMap or Secret to the referencing object's namespace (encrypt Secrets with SOPS, or use an ExternalSecret or SealedSecret), fix the name or the namespace, or mark the entry optional; if it is created outside the repository, declare it (`assume_defined`, or `model.external-secrets` for a Secret).",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "assume_defined", "type": "string-list", "default": [], "description": "ConfigMaps and Secrets created outside the repository, as `Kind/namespace/name`."},
	],
	"workload_fields": [],
}

assume_defined := params.string_list(metadata.id, "assume_defined")

references contains [o.id, i, entry, ["spec", "valuesFrom", i]] if {
	some id in repo.of_kind("helm.toolkit.fluxcd.io/HelmRelease")
	o := input.objects[id]
	some i, entry in object.get(o.body, ["spec", "valuesFrom"], [])
}

references contains [o.id, i, entry, ["spec", "postBuild", "substituteFrom", i]] if {
	some id in repo.of_kind("kustomize.toolkit.fluxcd.io/Kustomization")
	o := input.objects[id]
	some i, entry in object.get(o.body, ["spec", "postBuild", "substituteFrom"], [])
}

missing(kind, ns, name) if {
	kind == "ConfigMap"
	not repo.configmap_provided(ns, name)
}

missing(kind, ns, name) if {
	kind == "Secret"
	not repo.secret_provided(ns, name)
}

# Declared as created outside the repository: the parameter, or (Secrets) the
# configuration's `model.external-secrets`, as for HUB007.
declared(kind, ns, name) if sprintf("%s/%s/%s", [kind, ns, name]) in assume_defined

declared("Secret", ns, name) if {
	some entry in object.get(input, "external_secrets", [])
	entry.name == name
	object.get(entry, "namespace", null) in {null, ns}
}

# What the repository shows about a missing reference: [severity, why]. An error where
# the repository shows the reference is wrong (the object is elsewhere, or committed in
# plain text); a warning where it only cannot see the object, which may be created
# outside it (a bootstrap script, Terraform, Cluster API).
judged(kind, ns, name) := ["error", sprintf("is not defined there: the repository defines it in namespace %s", [repo.quoted_list(others)])] if {
	others := repo.other_namespaces(kind, ns, name)
	count(others) > 0
} else := ["error", "is only defined unencrypted"] if {
	kind == "Secret"
	repo.secret_in_plain_text(ns, name)
} else := ["warning", sprintf("is only defined in a file no cluster applies; if it is created outside the repository, %s", [how_to_declare(kind)])] if {
	kind == "Secret"
	repo.secret_outside_clusters(ns, name)
} else := ["warning", sprintf("is not defined in this repository; if it is created outside it, %s", [how_to_declare(kind)])]

how_to_declare("Secret") := "declare it under model.external-secrets"

how_to_declare("ConfigMap") := "declare it in HUB006's assume_defined"

violations contains v if {
	some r in references
	id := r[0]
	entry := r[2]
	path := r[3]
	o := input.objects[id]
	repo.applied(o)
	not entry.optional == true
	is_string(entry.kind)
	is_string(entry.name)
	not repo.templated(entry.name)
	ns := repo.namespace_of(o)
	missing(entry.kind, ns, entry.name)
	not declared(entry.kind, ns, entry.name)
	[severity, why] := judged(entry.kind, ns, entry.name)
	v := {
		"msg": sprintf("%s reads %s %s/%s, which %s", [repo.display(o), entry.kind, ns, entry.name, why]),
		"object": id,
		"path": array.concat(path, ["name"]),
		"severity": severity,
	}
}
