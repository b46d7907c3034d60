package hubspoke.best_practices.pod_without_required_labels

import data.hubspoke.lib.objects
import data.hubspoke.lib.params
import data.hubspoke.lib.pods

metadata := {
	"id": "BP005",
	"title": "pod-without-required-labels",
	"severity": "note",
	"security_severity": 1.0,
	"description": "A pod (or a controller's pod template) lacks a label the organisation requires. Common labels let dashboards, cost reports, network policies and `kubectl get -l` find every part of an application the same way.",
	"help": "Add each required label with a non-empty value to the pod's metadata.labels, or to spec.template.metadata.labels of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob. Parameter `required_labels` (list of label keys, default `[\"app.kubernetes.io/name\"]`) names the labels.",
	"tags": ["best-practices", "labels"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "require-labels", "rule": "check-for-labels"}],
	"parameters": [
		{"name": "required_labels", "type": "string-list", "default": ["app.kubernetes.io/name"], "description": "Labels every pod and pod template must carry."},
	],
}

required := params.string_list(metadata.id, "required_labels")

# Where the pod's labels live: on the Pod itself, or on the controller's pod
# template (Kyverno's auto-gen checks the template, not the controller).
labels_path := ["metadata", "labels"] if input.kind == "Pod"

labels_path := ["spec", "template", "metadata", "labels"] if input.kind in {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"}

labels_path := ["spec", "jobTemplate", "spec", "template", "metadata", "labels"] if input.kind == "CronJob"

# The labels, or none when they are not a mapping. Missing labels are tested
# inline in `violations`: a helper call per label cost more than the test on the VM.
labels := value if {
	value := object.get(input, labels_path, {})
	is_object(value)
} else := {}

subject := objects.display if input.kind == "Pod"

subject := sprintf("the pod template of %s", [objects.display]) if input.kind != "Pod"

violations contains v if {
	some key in required
	object.get(labels, key, null) in {null, ""}
	v := {
		"msg": sprintf("%s lacks the required label %q", [subject, key]),
		"path": array.concat(labels_path, [key]),
	}
}
