package hubspoke.hub_spoke.hub_without_monitoring

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB017",
	"title": "hub-without-monitoring",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "The hub does not reconcile its monitoring and audit-logging stack. A hub that breaks stops every spoke from receiving changes, and without its own metrics and audit logs nobody notices. The stack is the directory of the parameter `monitoring_path` (default infrastructure/hub/monitoring); a suspended Kustomization does not count.",
	"help": "Add to the hub a Flux Kustomization with spec.path ./infrastructure/hub/monitoring (or your monitoring_path), or resume the suspended one.",
	"tags": ["hub-spoke", "topology"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "monitoring_path", "type": "string", "default": "infrastructure/hub/monitoring", "description": "The directory of the hub's monitoring stack, from the repository root."},
	],
	"workload_fields": [],
}

monitoring_path := trim_suffix(trim_prefix(params.value(metadata.id, "monitoring_path"), "./"), "/")

# Kustomization indices applying the monitoring stack to the hub.
monitoring(hub) := {i |
	some i, fk in input.flux_kustomizations
	hub.name in fk.target_clusters
	fk.local_source
	repo.within(fk.path.target, monitoring_path)
}

active(hub) if {
	some j in monitoring(hub)
	not suspended(j)
}

suspended(i) if input.objects[input.flux_kustomizations[i].object].body.spec.suspend == true

violations contains v if {
	some hub in input.clusters
	hub.role == "hub"
	some i in monitoring(hub)
	suspended(i)
	not active(hub)
	v := {
		"msg": sprintf("the monitoring of hub %q is suspended", [hub.name]),
		"object": input.flux_kustomizations[i].object,
		"path": ["spec", "suspend"],
	}
}

# The hub's bootstrap Kustomization, else the first Kustomization it runs.
anchor(hub) := min(boot) if {
	boot := {fk.object |
		some i in hub.kustomizations
		fk := input.flux_kustomizations[i]
		contains(input.objects[fk.object].file, "/flux-system/")
	}
	count(boot) > 0
} else := min({fk.object |
	some fk in input.flux_kustomizations
	hub.name in fk.source_clusters
})

violations contains v if {
	some hub in input.clusters
	hub.role == "hub"
	count(monitoring(hub)) == 0
	v := {
		"msg": sprintf("hub %q reconciles no monitoring: no Kustomization applies ./%s to it", [hub.name, monitoring_path]),
		"object": anchor(hub),
		"path": ["metadata", "name"],
	}
}
