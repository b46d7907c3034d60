package hubspoke.hub_spoke.kustomization_path_not_found

import data.hubspoke.lib.repo

metadata := {
	"id": "HUB001",
	"title": "kustomization-path-not-found",
	"severity": "error",
	"security_severity": 5.0,
	"description": "A Flux Kustomization reconciles a path of this repository that does not exist. The Kustomization fails to build, and whatever it should deliver (policies, tenants, a whole spoke) never arrives; a path that climbs above the repository root with `../` is reported too and never read. Only Kustomizations whose source is this repository are checked: `${VAR}` paths and remote sources are left alone. A Kustomization that no cluster applies (when the repository has a bootstrap: a template that setup scripts copy) never reconciles and is not checked; a bootstrap's own sync Kustomization always is.",
	"help": "Point spec.path at an existing directory of the repository (relative to its root, e.g. ./infrastructure/hub/policies), or fix the directory name.",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"workload_fields": [],
}

# Kustomizations whose source is this repository, with a checkable spec.path.
checked contains i if {
	some i, fk in input.flux_kustomizations
	fk.local_source
	repo.applied(input.objects[fk.object])
	is_object(fk.path)
	not fk.path.unresolved
}

violations contains v if {
	some i in checked
	fk := input.flux_kustomizations[i]
	p := fk.path
	o := input.objects[fk.object]
	p.escapes
	v := {
		"msg": sprintf("%s reconciles %q, which climbs above the repository root; it is not read", [repo.display(o), p.raw]),
		"object": fk.object,
		"path": p.path,
	}
}

violations contains v if {
	some i in checked
	fk := input.flux_kustomizations[i]
	p := fk.path
	o := input.objects[fk.object]
	not p.escapes
	not p.exists
	v := {
		"msg": sprintf("%s reconciles %q, but %s does not exist in this repository", [repo.display(o), p.raw, p.target]),
		"object": fk.object,
		"path": p.path,
	}
}

violations contains v if {
	some i in checked
	fk := input.flux_kustomizations[i]
	p := fk.path
	o := input.objects[fk.object]
	p.exists
	p.target in input.files
	v := {
		"msg": sprintf("%s reconciles %q, a file: Flux expects a directory", [repo.display(o), p.raw]),
		"object": fk.object,
		"path": p.path,
	}
}
