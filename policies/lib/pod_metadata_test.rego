# Unit tests of pod_metadata.rego: the metadata beside each pod spec that
# pods.specs yields (Kyverno's auto-gen rewrites `metadata` the same way).
package hubspoke.lib.pod_metadata_test

import data.hubspoke.lib.pod_metadata
import data.hubspoke.lib.pods

test_success_path_of_every_pod_spec_shape if {
	pod_metadata.path(["spec"]) == ["metadata"]
	pod_metadata.path(["spec", "template", "spec"]) == ["spec", "template", "metadata"]
	pod_metadata.path(["spec", "jobTemplate", "spec", "template", "spec"]) == ["spec", "jobTemplate", "spec", "template", "metadata"]
}

annotated := {"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}

test_success_annotations_of_a_pod if {
	body := {"kind": "Pod", "metadata": {"annotations": annotated}, "spec": {}}
	pod_metadata.annotations(["spec"]) == annotated with input as body
}

# A controller's own annotations are not its pods'.
test_success_annotations_of_a_template_are_the_templates if {
	body := {
		"kind": "Deployment",
		"metadata": {"annotations": {"owner": "team-a"}},
		"spec": {"template": {"metadata": {"annotations": annotated}, "spec": {}}},
	}
	pod_metadata.annotations(["spec", "template", "spec"]) == annotated with input as body
}

test_success_annotations_of_a_cronjob_template if {
	body := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"annotations": annotated}, "spec": {}}}}}}
	[s] := pods.specs with input as body
	pod_metadata.annotations(s.path) == annotated with input as body
}

test_fail_no_annotations_is_an_empty_object if {
	every metadata in [{}, {"annotations": null}, {"annotations": "a=b"}, {"annotations": ["a"]}] {
		pod_metadata.annotations(["spec", "template", "spec"]) == {} with input as {"kind": "Job", "spec": {"template": {"metadata": metadata, "spec": {}}}}
	}
	pod_metadata.annotations(["spec"]) == {} with input as {"kind": "Pod", "spec": {}}
	pod_metadata.annotations(["spec"]) == {} with input as {"kind": "Pod", "metadata": null, "spec": {}}
}
