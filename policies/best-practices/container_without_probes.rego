package hubspoke.best_practices.container_without_probes

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "BP004",
	"title": "container-without-probes",
	"severity": "warning",
	"security_severity": 2.0,
	"description": "A long-running container has no liveness, readiness or startup probe. Kubernetes then cannot tell a hung process from a healthy one, sends traffic to pods that are not ready, and rolls a broken release out to every replica.",
	"help": "Give each container of a Pod, Deployment, StatefulSet or DaemonSet at least one of livenessProbe, readinessProbe or startupProbe (a readinessProbe is the one that protects rollouts). Jobs and CronJobs are not checked; init containers neither, as they run to completion.",
	"tags": ["best-practices", "reliability"],
	"scope": "document",
	# Kyverno's require-pod-probes limits auto-generation to these controllers.
	"kinds": ["core/Pod", "apps/Deployment", "apps/DaemonSet", "apps/StatefulSet"],
	"kyverno": [{"policy": "require-pod-probes", "rule": "validate-probes"}],
}

violations contains v if {
	some c in pods.containers
	c.field == "containers"
	# No probe of the three; tested inline, as a helper call costs more than the
	# tests on the VM.
	object.get(c.spec, "livenessProbe", null) == null
	object.get(c.spec, "readinessProbe", null) == null
	object.get(c.spec, "startupProbe", null) == null
	v := {
		"msg": sprintf("%s of %s has no liveness, readiness or startup probe", [pods.name(c), objects.display]),
		"path": c.path,
	}
}
