package hubspoke.best_practices.controller_in_default_namespace

import data.hubspoke.lib.objects

metadata := {
	"id": "BP008",
	"title": "controller-in-default-namespace",
	"severity": "warning",
	"security_severity": 3.0,
	"description": "A Deployment, StatefulSet, DaemonSet or Job runs in the `default` namespace, explicitly or because it names none. Workloads there share one bucket of RBAC, quotas and network policies with everything else nobody placed deliberately.",
	"help": "Set the controller's own metadata.namespace (not the pod template's) to the application's namespace, or let the enclosing kustomization.yaml or Flux Kustomization set it.",
	"tags": ["best-practices", "multi-tenancy"],
	"scope": "document",
	# The kinds of Kyverno's validate-podcontroller-namespace (auto-gen is off there).
	"kinds": ["apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "batch/Job"],
	"kyverno": [{"policy": "disallow-default-namespace", "rule": "validate-podcontroller-namespace"}],
}

violations contains v if {
	objects.namespace == "default"
	v := {
		"msg": sprintf("%s runs in the default namespace", [objects.display]),
		"path": ["metadata", "namespace"],
	}
}
