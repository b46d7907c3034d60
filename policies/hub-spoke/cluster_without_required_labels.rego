package hubspoke.hub_spoke.cluster_without_required_labels

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB015",
	"title": "cluster-without-required-labels",
	"severity": "error",
	"security_severity": 1.0,
	"description": "A cluster does not declare every label the fleet selects clusters by. Placement, cost reports and policy exceptions keyed on environment, region, cluster-type, team or cost-center then miss it. Labels are read from ConfigMaps named cluster-labels, cluster-config or cluster-info applied to the cluster (metadata.labels and data), and from the postBuild.substitute of the Kustomizations applied to it; keys are compared in kebab-case (cost_center is cost-center). The parameter `required_labels` lists them; its default depends on the repository's profile (the five labels for hub-spoke, none otherwise). A spoke that only Flux Kustomizations no cluster applies connect to (a template) is not a cluster. An error where the repository adopted the label set (the configuration sets `required_labels`, or some cluster declares one of the labels); a warning where the set is only the profile's default and no cluster declares any of its labels.",
	"help": "Add the missing keys to the cluster's cluster-labels ConfigMap (e.g. clusters/<name>/cluster-labels.yaml), or to the postBuild.substitute of the Kustomization that reconciles it.",
	"tags": ["hub-spoke", "topology"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "required_labels", "type": "string-list", "default": ["environment", "region", "cluster-type", "team", "cost-center"], "profile_defaults": {"multi-tenant": [], "single-tenant": []}, "description": "Labels every cluster must declare (compared in kebab-case: `cost_center` is `cost-center`). The five labels are the hub-spoke profile's convention; under the multi-tenant and single-tenant profiles none is required unless configured."},
	],
	"workload_fields": [],
}

required := {replace(lower(l), "_", "-") | some l in params.profile_string_list(metadata.id, "required_labels")}

declared(c, l) if {
	value := c.labels[l]
	is_string(value)
	trim_space(value) != ""
}

# Where the finding lands: the first label source, else what reconciles the
# cluster, else the first Kustomization applied to it, else the first object or
# kustomization.yaml of its directory. An `else` chain, not an array of
# candidates: regorus' bytecode VM put undefined values in such arrays.
anchor(c) := {"object": min(c.label_sources), "path": source_path(input.objects[min(c.label_sources)])} if {
	count(c.label_sources) > 0
} else := {"object": input.flux_kustomizations[min(c.reconciled_by)].object, "path": ["metadata", "name"]} if {
	count(c.reconciled_by) > 0
} else := {"object": input.flux_kustomizations[min(c.kustomizations)].object, "path": ["metadata", "name"]} if {
	count(c.kustomizations) > 0
} else := {"object": min(ids), "path": ["metadata", "name"]} if {
	ids := in_directory(c)
	count(ids) > 0
} else := {"kustomize_file": min(ks), "path": []} if {
	ks := kustomize_in_directory(c)
	count(ks) > 0
}

in_directory(c) := {o.id | some o in input.objects; is_string(c.directory); repo.within(o.file, c.directory)}

kustomize_in_directory(c) := {k | some k, kf in input.kustomize_files; is_string(c.directory); repo.within(kf.file, c.directory)}

source_path(o) := ["metadata", "labels"] if {
	o.kind == "ConfigMap"
	o.body.metadata.labels
} else := ["data"] if {
	o.kind == "ConfigMap"
	o.body.data
} else := ["spec", "postBuild", "substitute"] if {
	o.kind == "Kustomization"
} else := ["metadata", "name"]

# The repository adopted the label set: the configuration names it, or some cluster
# declares one of its labels. Otherwise the set is only the profile's default, a
# convention the repository may never have taken up: a warning that says so.
adopted if params.configured(metadata.id, "required_labels")

adopted if {
	some c in input.clusters
	some l in required
	declared(c, l)
}

judged := ["error", ""] if {
	adopted
} else := ["warning", " (the profile's default label set, of which no cluster declares any: if the fleet selects clusters by other labels, or none, set HUB015's required_labels)"]

violations contains v if {
	some c in input.clusters
	not repo.unreached_spoke(c)
	gaps := {l | some l in required; not declared(c, l)}
	count(gaps) > 0
	where := anchor(c)
	[severity, why] := judged
	v := object.union(where, {
		"msg": sprintf("cluster %q does not declare the label(s) %s%s", [c.name, repo.quoted_list(gaps), why]),
		"severity": severity,
	})
}
