package hubspoke.hub_spoke.production_source_not_pinned

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB020",
	"title": "production-source-not-pinned",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A GitRepository or OCIRepository applied to a production spoke follows a moving reference: a branch (or no ref, the default branch), or the OCI tag `latest`. Whatever is pushed there reaches production at the next interval, without review in this repository. A tag, a semver range, a commit or a digest counts as pinned. The repository being linted (the flux-system source and the sources of Kustomizations that apply this repository's own paths) is exempt: following its branch is GitOps. Production spokes are found as for HUB019 (parameters `environment_label`, `production_environments`).",
	"help": "Pin spec.ref to a tag, a semver range or a commit (GitRepository), or to a tag, semver or digest (OCIRepository), and promote by changing it here.",
	"tags": ["hub-spoke", "supply-chain"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "environment_label", "type": "string", "default": "environment", "description": "The cluster label that names a cluster's environment."},
		{"name": "production_environments", "type": "string-list", "default": ["prod", "production"], "description": "Values of that label that make a cluster production."},
	],
	"workload_fields": [],
}

environment_label := params.value(metadata.id, "environment_label")

environments := params.string_list(metadata.id, "production_environments")

production := {c.name |
	some c in input.clusters
	c.role == "spoke"
	c.labels[environment_label] in environments
}

# Sources that are this repository.
own_sources contains [ns, name] if {
	some fk in input.flux_kustomizations
	fk.local_source
	o := input.objects[fk.object]
	name := o.body.spec.sourceRef.name
	ns := object.get(o.body.spec.sourceRef, "namespace", repo.namespace_of(o))
}

own(o) if o.name == "flux-system"

own(o) if [repo.namespace_of(o), o.name] in own_sources

pinned_git(ref) if {
	some field in ["tag", "semver", "commit"]
	is_string(ref[field])
	ref[field] != ""
}

pinned_git(ref) if startswith(ref.name, "refs/tags/")

pinned_oci(ref) if {
	some field in ["semver", "digest"]
	is_string(ref[field])
	ref[field] != ""
}

pinned_oci(ref) if {
	is_string(ref.tag)
	not ref.tag in {"", "latest"}
}

# [what moves, field path] of an unpinned source.
moving(o) := ["the default branch", ["spec"]] if {
	o.kind == "GitRepository"
	not o.body.spec.ref
} else := [sprintf("branch %q", [o.body.spec.ref.branch]), ["spec", "ref", "branch"]] if {
	o.kind == "GitRepository"
	not pinned_git(o.body.spec.ref)
	is_string(o.body.spec.ref.branch)
} else := [sprintf("%q", [o.body.spec.ref.name]), ["spec", "ref", "name"]] if {
	o.kind == "GitRepository"
	not pinned_git(o.body.spec.ref)
	is_string(o.body.spec.ref.name)
} else := ["the tag latest", ["spec", "ref", "tag"]] if {
	o.kind == "OCIRepository"
	not pinned_oci(o.body.spec.ref)
	o.body.spec.ref.tag == "latest"
} else := ["the tag latest", ["spec"]] if {
	o.kind == "OCIRepository"
	not pinned_oci(object.get(o.body.spec, "ref", {}))
}

violations contains v if {
	some kind in ["GitRepository", "OCIRepository"]
	some id in repo.of_kind(concat("/", [repo.flux_source_group, kind]))
	o := input.objects[id]
	clusters := {c | some c in o.clusters; c in production}
	count(clusters) > 0
	not own(o)
	found := moving(o)
	v := {
		"msg": sprintf("%s follows %s%s; pin a tag, semver range, commit or digest", [repo.display(o), found[0], repo.on_clusters(clusters)]),
		"object": o.id,
		"path": found[1],
	}
}
