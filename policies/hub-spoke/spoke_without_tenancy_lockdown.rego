package hubspoke.hub_spoke.spoke_without_tenancy_lockdown

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB014",
	"title": "spoke-without-tenancy-lockdown",
	"severity": "error",
	"security_severity": 8.0,
	"description": "A spoke that bootstraps its own Flux (`clusters/<name>/flux-system/kustomization.yaml`) does not lock its controllers down for multi-tenancy. Without `--no-cross-namespace-refs=true` a tenant can use another namespace's sources, and without `--default-service-account` every Kustomization or HelmRelease that names no service account runs with the controller's cluster-admin rights. The flags are looked for in the kustomize patches of that file, targeting each controller of the parameter `controllers` (default kustomize-controller and helm-controller), or in the controllers' own args in that directory; the parameter `flags` lists them.",
	"help": "Add to clusters/<name>/flux-system/kustomization.yaml patches appending --no-cross-namespace-refs=true and --default-service-account=default to the args of kustomize-controller and helm-controller (see fluxcd/flux2-multi-tenancy).",
	"tags": ["hub-spoke", "multi-tenancy", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "flags", "type": "string-list", "default": ["--no-cross-namespace-refs=true", "--default-service-account"], "description": "Controller flags the lockdown needs (a flag without `=value` matches any value)."},
		{"name": "controllers", "type": "string-list", "default": ["kustomize-controller", "helm-controller"], "description": "The controllers that must carry them."},
	],
	"workload_fields": ["containers.args"],
}

flags := params.string_list(metadata.id, "flags")

controllers := params.string_list(metadata.id, "controllers")

kustomize_file_index := {kf.file: k | some k, kf in input.kustomize_files}

# `object.get` and a test, not `k := index[path]`: regorus' bytecode VM lets an
# assignment of an undefined value through where the interpreter fails the
# iteration, so the loop's last, missing name made the function undefined.
bootstrap(c) := k if {
	some name in ["kustomization.yaml", "kustomization.yml"]
	k := object.get(kustomize_file_index, concat("/", [c.directory, "flux-system", name]), null)
	k != null
}

# A kustomize target (fields are anchored regular expressions) selects the controller's Deployment.
selects(target, controller) if {
	matches_field(target, "kind", "Deployment")
	matches_field(target, "name", controller)
	matches_field(target, "group", "apps")
}

matches_field(target, field, value) if not is_string(target[field])

matches_field(target, field, value) if regex.match(concat("", ["^(?:", target[field], ")$"]), value)

patch_sets(kf, flag, controller) if {
	some field in ["patches", "patchesJson6902"]
	some p in object.get(kf.body, field, [])
	is_string(p.patch)
	contains(p.patch, flag)
	selects(object.get(p, "target", {}), controller)
}

# Or the controller's Deployment in the bootstrap directory already carries the flag.
args_set(c, flag, controller) if {
	some id in repo.of_kind("apps/Deployment")
	o := input.objects[id]
	o.name == controller
	startswith(o.file, concat("/", [c.directory, "flux-system", ""]))
	some container in o.body.spec.template.spec.containers
	some arg in object.get(container, "args", [])
	startswith(arg, flag)
}

missing(c, kf, flag, controller) if {
	not patch_sets(kf, flag, controller)
	not args_set(c, flag, controller)
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

violations contains v if {
	some c in input.clusters
	c.role == "spoke"
	is_string(c.directory)
	k := bootstrap(c)
	kf := input.kustomize_files[k]
	gaps := {sprintf("%s on %s", [flag, controller]) |
		some flag in flags
		some controller in controllers
		missing(c, kf, flag, controller)
	}
	count(gaps) > 0
	v := {
		"msg": sprintf("spoke %q bootstraps its own Flux without the multi-tenancy lockdown: missing %s", [c.name, concat(", ", sort(gaps))]),
		"kustomize_file": k,
		"path": anchor_path(kf),
	}
}
