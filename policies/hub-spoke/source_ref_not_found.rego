package hubspoke.hub_spoke.source_ref_not_found

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB003",
	"title": "source-ref-not-found",
	"severity": "error",
	"security_severity": 5.0,
	"description": "A Flux Kustomization or HelmRelease (or an ArtifactGenerator, in `spec.sources`) takes its source from a GitRepository, OCIRepository, Bucket, HelmRepository, HelmChart or ExternalArtifact that the repository does not define. It never becomes ready, and everything that depends on it waits. The namespace defaults to the referencing object's own. Generated sources count as defined: the ExternalArtifacts an ArtifactGenerator's `spec.artifacts` name, and the source a FluxInstance's `spec.sync` creates (also when a values file of the flux-instance chart names it in `instance.sync` and the chart is installed from outside the tree, by Terraform or a script: that source counts in any namespace, the release's being unknown). The bootstrap source `flux-system/flux-system` is assumed to exist (parameter `assume_defined`: a list of `Kind/namespace/name`). Objects that no cluster applies (when the repository has a bootstrap) never reconcile and are not checked.",
	"help": "Define the source in the referencing object's namespace (or name its namespace in sourceRef), or fix the kind or name.",
	"tags": ["hub-spoke", "references"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "assume_defined", "type": "string-list", "default": ["GitRepository/flux-system/flux-system", "OCIRepository/flux-system/flux-system"], "description": "Sources created outside the repository (at bootstrap), as `Kind/namespace/name`."},
	],
	"workload_fields": [],
}

assume_defined := params.string_list(metadata.id, "assume_defined")

# [object id, reference, field path of the reference] for every source reference.
references contains [o.id, ref, ["spec", "sourceRef"]] if {
	some id in repo.of_kind("kustomize.toolkit.fluxcd.io/Kustomization")
	o := input.objects[id]
	ref := o.body.spec.sourceRef
}

references contains [o.id, ref, ["spec", "chart", "spec", "sourceRef"]] if {
	some id in repo.of_kind("helm.toolkit.fluxcd.io/HelmRelease")
	o := input.objects[id]
	ref := o.body.spec.chart.spec.sourceRef
}

# The sources an ArtifactGenerator (Flux source-watcher) composes its artifacts from.
references contains [o.id, ref, ["spec", "sources", i]] if {
	some id in repo.of_kind("source.extensions.fluxcd.io/ArtifactGenerator")
	o := input.objects[id]
	sources := o.body.spec.sources
	is_array(sources)
	some i, ref in sources
}

references contains [o.id, ref, ["spec", "chartRef"]] if {
	some id in repo.of_kind("helm.toolkit.fluxcd.io/HelmRelease")
	o := input.objects[id]
	ref := o.body.spec.chartRef
}

violations contains v if {
	some r in references
	id := r[0]
	ref := r[1]
	path := r[2]
	o := input.objects[id]
	repo.applied(o)
	is_string(ref.kind)
	is_string(ref.name)
	not repo.templated(ref.name)
	ns := object.get(ref, "namespace", repo.namespace_of(o))
	is_string(ns)
	not repo.templated(ns)
	not repo.defined(repo.flux_source_group, ref.kind, ns, ref.name)
	not repo.chart_values_source(ref.kind, ref.name)
	not sprintf("%s/%s/%s", [ref.kind, ns, ref.name]) in assume_defined
	v := {
		"msg": sprintf("%s takes its source from %s %s/%s, which is not defined in this repository", [repo.display(o), ref.kind, ns, ref.name]),
		"object": id,
		"path": array.concat(path, ["name"]),
	}
}
