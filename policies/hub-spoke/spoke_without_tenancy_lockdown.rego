package hubspoke.hub_spoke.spoke_without_tenancy_lockdown

import data.hubspoke.lib.params

metadata := {
	"id": "HUB014",
	"title": "spoke-without-tenancy-lockdown",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A spoke that bootstraps its own Flux (`clusters/<name>/flux-system/kustomization.yaml`, or a FluxInstance) does not lock its controllers down for multi-tenancy. Without `--no-cross-namespace-refs=true` a tenant can use another namespace's sources, and without `--default-service-account` every Kustomization or HelmRelease that names no service account runs with the controller's cluster-admin rights. The flags are looked for in the patches of that kustomization.yaml (JSON 6902 or strategic merge, inline or in a file) targeting each controller of the parameter `controllers` (default kustomize-controller and helm-controller), in the controllers' own args in that directory, and in the cluster's FluxInstance (`spec.cluster.multitenant: true` sets both, `spec.kustomize.patches`); the parameter `flags` lists them.",
	"help": "Add to clusters/<name>/flux-system/kustomization.yaml patches appending --no-cross-namespace-refs=true and --default-service-account=default to the args of kustomize-controller and helm-controller (see fluxcd/flux2-multi-tenancy), or set spec.cluster.multitenant: true on the spoke's FluxInstance.",
	"tags": ["hub-spoke", "multi-tenancy", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "flags", "type": "string-list", "default": ["--no-cross-namespace-refs=true", "--default-service-account"], "description": "Controller flags the lockdown needs (a flag without `=value` matches any value)."},
		{"name": "controllers", "type": "string-list", "default": ["kustomize-controller", "helm-controller"], "description": "The controllers that must carry them."},
	],
	"workload_fields": [],
}

flags := params.string_list(metadata.id, "flags")

controllers := params.string_list(metadata.id, "controllers")

kustomize_file_index := {kf.file: k | some k, kf in input.kustomize_files}

# `object.get` and a test, not `k := index[path]`: regorus' bytecode VM lets an
# assignment of an undefined value through where the interpreter fails the
# iteration, so the loop's last, missing name made the function undefined.
bootstrap_file(c) := k if {
	some name in ["kustomization.yaml", "kustomization.yml"]
	k := object.get(kustomize_file_index, concat("/", [c.directory, "flux-system", name]), null)
	k != null
}

# The model gathers each controller's args from the bootstrap (patches of
# flux-system/kustomization.yaml, the controllers' Deployments there, a FluxInstance's
# multitenant profile and patches); a flag without `=value` matches any value.
flag_set(c, flag, controller) if {
	some arg in object.get(object.get(c, "controller_args", {}), controller, [])
	startswith(arg, flag)
}

anchor_path(kf) := ["patches"] if kf.body.patches

anchor_path(kf) := ["resources"] if {
	not kf.body.patches
	kf.body.resources
}

anchor_path(kf) := [] if {
	not kf.body.patches
	not kf.body.resources
}

# Lockdown flags the spoke's controllers lack, as "flag on controller".
gaps(c) := {sprintf("%s on %s", [flag, controller]) |
	some flag in flags
	some controller in controllers
	not flag_set(c, flag, controller)
}

message(c, missing) := sprintf("spoke %q bootstraps its own Flux without the multi-tenancy lockdown: missing %s", [c.name, concat(", ", sort(missing))])

spokes contains c if {
	some c in input.clusters
	c.role == "spoke"
	is_string(c.directory)
}

# Reported on the bootstrap's kustomization.yaml ...
violations contains v if {
	some c in spokes
	k := bootstrap_file(c)
	kf := input.kustomize_files[k]
	missing := gaps(c)
	count(missing) > 0
	v := {"msg": message(c, missing), "kustomize_file": k, "path": anchor_path(kf)}
}

# ... or, for a spoke the Flux Operator bootstraps, on its FluxInstance.
violations contains v if {
	some c in spokes
	not bootstrap_file(c)
	instances := {i | some i in c.bootstrap; input.objects[i].kind == "FluxInstance"}
	count(instances) > 0
	missing := gaps(c)
	count(missing) > 0
	v := {"msg": message(c, missing), "object": min(instances), "path": ["spec", "cluster"]}
}
