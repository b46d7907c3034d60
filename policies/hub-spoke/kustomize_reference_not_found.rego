package hubspoke.hub_spoke.kustomize_reference_not_found

import data.hubspoke.lib.repo

metadata := {
	"id": "HUB002",
	"title": "kustomize-reference-not-found",
	"severity": "error",
	"security_severity": 5.0,
	"description": "A kustomization.yaml names a file that does not exist. It may be a resource, component, base or patch, a replacement source, a `crds`, `configurations`, `generators`, `transformers` or `validators` file, or a `files`/`envs`/`env` input of a `configMapGenerator` or `secretGenerator` (after its `key=` prefix). `kustomize build` fails, so the Flux Kustomization that applies this directory stops reconciling everything in it. A reference that climbs above the repository root with `../`, or an absolute path, is reported as leaving the repository and is never read. Remote references (URLs, `?ref=`) and `${VAR}` templates are not checked, nor are kustomization files the root `.sourceignore` keeps out of Flux's artifacts (no Flux Kustomization builds them). A kustomization.yaml that no cluster builds (when the repository has a bootstrap: no file of its directory lands on a cluster) is not checked.",
	"help": "Fix the path (it is relative to the kustomization.yaml's directory), add the missing file, or drop the entry.",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"workload_fields": [],
}

violations contains v if {
	some k, kf in input.kustomize_files
	not kf.source_ignored
	repo.kustomize_file_applied(kf)
	some r in kf.references
	not r.unresolved
	r.absolute
	v := {
		"msg": sprintf("%s of %s names %q, an absolute path outside the repository; it is not read", [r.path[0], kf.file, r.raw]),
		"kustomize_file": k,
		"path": r.path,
	}
}

violations contains v if {
	some k, kf in input.kustomize_files
	not kf.source_ignored
	repo.kustomize_file_applied(kf)
	some r in kf.references
	not r.unresolved
	r.escapes
	not r.absolute
	v := {
		"msg": sprintf("%s of %s names %q, which climbs above the repository root; it is not read", [r.path[0], kf.file, r.raw]),
		"kustomize_file": k,
		"path": r.path,
	}
}

violations contains v if {
	some k, kf in input.kustomize_files
	not kf.source_ignored
	repo.kustomize_file_applied(kf)
	some r in kf.references
	not r.unresolved
	not r.escapes
	not r.exists
	v := {
		"msg": sprintf("%s of %s names %q, but %s does not exist", [r.path[0], kf.file, r.raw, r.target]),
		"kustomize_file": k,
		"path": r.path,
	}
}
