package hubspoke.hub_spoke.depends_on_not_found

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB004",
	"title": "depends-on-not-found",
	"severity": "error",
	"security_severity": 4.0,
	"description": "A Flux Kustomization or HelmRelease depends on one that the repository does not define. Flux waits for the dependency forever, so this object is never applied. An entry without a namespace means the object's own namespace; the bootstrap Kustomization `flux-system/flux-system` is assumed to exist (parameter `assume_defined`: a list of `Kind/namespace/name`). Objects that no cluster applies (when the repository has a bootstrap) never reconcile and are not checked.",
	"help": "Fix the name or namespace of the dependsOn entry, define the dependency, or remove the entry.",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "assume_defined", "type": "string-list", "default": ["Kustomization/flux-system/flux-system"], "description": "Objects created outside the repository that `dependsOn` may name, as `Kind/namespace/name`."},
	],
	"workload_fields": [],
}

assume_defined := params.string_list(metadata.id, "assume_defined")

violations contains v if {
	some id in repo.reconciler_ids
	o := input.objects[id]
	repo.applied(o)
	some i, entry in object.get(o.body, ["spec", "dependsOn"], [])
	is_string(entry.name)
	not repo.templated(entry.name)
	ns := object.get(entry, "namespace", repo.namespace_of(o))
	is_string(ns)
	not repo.templated(ns)
	not repo.defined(o.group, o.kind, ns, entry.name)
	not sprintf("%s/%s/%s", [o.kind, ns, entry.name]) in assume_defined
	v := {
		"msg": sprintf("%s depends on %s %s/%s, which is not defined in this repository", [repo.display(o), o.kind, ns, entry.name]),
		"object": o.id,
		"path": ["spec", "dependsOn", i],
	}
}
