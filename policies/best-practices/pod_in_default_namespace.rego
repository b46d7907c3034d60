package hubspoke.best_practices.pod_in_default_namespace

import data.hubspoke.lib.objects

metadata := {
	"id": "BP007",
	"title": "pod-in-default-namespace",
	"severity": "warning",
	"security_severity": 3.0,
	"description": "A Pod runs in the `default` namespace, explicitly or because it names none. Workloads there share one bucket of RBAC, quotas and network policies with everything else nobody placed deliberately.",
	"help": "Set metadata.namespace to the application's own namespace (or let the enclosing kustomization.yaml or Flux Kustomization set it).",
	"tags": ["best-practices", "multi-tenancy"],
	"scope": "document",
	"kinds": ["core/Pod"],
	"kyverno": [{"policy": "disallow-default-namespace", "rule": "validate-namespace"}],
}

violations contains v if {
	objects.namespace == "default"
	v := {
		"msg": sprintf("%s runs in the default namespace", [objects.display]),
		"path": ["metadata", "namespace"],
	}
}
