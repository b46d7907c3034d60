# Unit tests of pss.rego: the Pod Security Standards checks on every container
# list and pod template, absent and null fields, Windows pods, the restricted
# checks that replace baseline ones, and Kyverno's `exclude` exemptions.
package hubspoke.lib.pss_test

import data.hubspoke.lib.pss

# A pod whose every container is fine at the restricted level.
hardened := {
	"allowPrivilegeEscalation": false,
	"runAsNonRoot": true,
	"seccompProfile": {"type": "RuntimeDefault"},
	"capabilities": {"drop": ["ALL"]},
}

pod(spec) := {"kind": "Pod", "metadata": {"name": "p"}, "spec": spec}

container(name, sc) := {"name": name, "image": "ghcr.io/acme/app:1", "securityContext": sc}

# [check, field] of each violation: what a finding names.
checks(violations) := {[v.check, v.field] | some v in violations}

# --- a clean pod ----------------------------------------------------------------

test_success_a_hardened_pod_breaks_no_check if {
	body := pod({"containers": [container("app", hardened)], "initContainers": [container("init", hardened)]})
	count(pss.baseline) == 0 with input as body
	count(pss.restricted) == 0 with input as body
}

# Pod-level runAsNonRoot and seccompProfile cover containers that set neither.
test_success_pod_level_settings_cover_the_containers if {
	sc := {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
	body := pod({
		"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
		"containers": [container("app", sc)],
	})
	count(pss.restricted) == 0 with input as body
}

# --- baseline: every container list and every template --------------------------

test_fail_privileged_in_every_container_list if {
	privileged := {"privileged": true}
	body := pod({
		"initContainers": [container("init", privileged)],
		"containers": [container("app", privileged)],
		"ephemeralContainers": [container("debug", privileged)],
	})
	got := checks(pss.baseline) with input as body
	got == {
		["privileged", "spec.initContainers[*].securityContext.privileged"],
		["privileged", "spec.containers[*].securityContext.privileged"],
		["privileged", "spec.ephemeralContainers[*].securityContext.privileged"],
	}
}

test_fail_privileged_in_a_cronjob_template if {
	body := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container("app", {"privileged": true})]}}}}}}
	[found] := [v | some v in pss.baseline] with input as body
	found.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "privileged"]
	found.pod == ["spec", "jobTemplate", "spec", "template", "spec"]
	found.field == "spec.containers[*].securityContext.privileged"
	found.control == "Privileged Containers"
	found.image == "ghcr.io/acme/app:1"
	found.msg == `container "app" must not set securityContext.privileged to true`
}

test_fail_host_namespaces_are_pod_level if {
	body := pod({"hostNetwork": true, "hostPID": true, "hostIPC": false, "containers": []})
	violations := pss.baseline with input as body
	checks(violations) == {["hostNamespaces", "spec.hostNetwork"], ["hostNamespaces", "spec.hostPID"]}
	every v in violations {
		not v.image
		v.msg == sprintf("the pod must not set %s to true", [v.path[1]])
	}
}

# Absent, null and empty security contexts break no baseline check.
test_success_absent_null_and_empty_fields_break_no_baseline_check if {
	every c in [
		{"name": "a"},
		{"name": "a", "securityContext": null},
		{"name": "a", "securityContext": {}},
		{"name": "a", "securityContext": {"capabilities": null, "seLinuxOptions": null, "seccompProfile": null, "procMount": null}},
		{"name": "a", "securityContext": {"capabilities": {"add": null}, "privileged": null}},
		{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 0}, {"containerPort": 82, "hostPort": null}]},
	] {
		count(pss.baseline) == 0 with input as pod({"containers": [c], "securityContext": null, "volumes": null})
	}
}

test_fail_added_capabilities_outside_the_baseline_set if {
	body := pod({"containers": [container("app", {"capabilities": {"add": ["CHOWN", "SYS_ADMIN", "NET_RAW"]}})]})
	got := {[v.check, v.path[count(v.path) - 1], v.values] | some v in pss.baseline} with input as body
	got == {["capabilities_baseline", 1, ["SYS_ADMIN"]], ["capabilities_baseline", 2, ["NET_RAW"]]}
}

test_fail_host_path_volumes_and_host_ports if {
	body := pod({
		"volumes": [{"name": "data", "emptyDir": {}}, {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}],
		"containers": [{"name": "app", "ports": [{"containerPort": 80, "hostPort": 8080}]}],
	})
	got := {[v.check, v.field, v.msg] | some v in pss.baseline} with input as body
	got == {
		["hostPathVolumes", "spec.volumes[*].hostPath", `the pod must not use the hostPath volume "sock"`],
		["hostPorts", "spec.containers[*].ports[*].hostPort", `container "app" must not use the hostPort 8080`],
	}
}

test_fail_probe_and_lifecycle_hosts if {
	body := pod({"containers": [{
		"name": "app",
		"livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}},
		"readinessProbe": {"tcpSocket": {"host": "", "port": 80}},
		"lifecycle": {"preStop": {"httpGet": {"host": "example.com", "port": 80}}},
	}]})
	got := checks(pss.baseline) with input as body
	got == {
		["hostProbesAndHostLifecycle", "spec.containers[*].livenessProbe.httpGet.host"],
		["hostProbesAndHostLifecycle", "spec.containers[*].lifecycle.preStop.httpGet.host"],
	}
}

test_fail_apparmor_profiles_and_annotations if {
	body := {"kind": "Deployment", "spec": {"template": {
		"metadata": {"annotations": {
			"container.apparmor.security.beta.kubernetes.io/app": "unconfined",
			"container.apparmor.security.beta.kubernetes.io/ok": "runtime/default",
			"container.apparmor.security.beta.kubernetes.io/local": "localhost/profile",
			"other": "unconfined",
		}},
		"spec": {
			"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
			"containers": [container("app", {"appArmorProfile": {"type": "RuntimeDefault"}})],
		},
	}}}
	got := {[v.check, v.path] | some v in pss.baseline} with input as body
	got == {
		["appArmorProfile", ["spec", "template", "metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/app"]],
		["appArmorProfile", ["spec", "template", "spec", "securityContext", "appArmorProfile", "type"]],
	}
}

test_fail_selinux_type_user_and_role if {
	body := pod({
		"securityContext": {"seLinuxOptions": {"type": "spc_t", "level": "s0:c1"}},
		"containers": [container("app", {"seLinuxOptions": {"type": "container_t", "user": "root", "role": ""}})],
	})
	got := checks(pss.baseline) with input as body
	got == {
		["seLinuxOptions", "spec.securityContext.seLinuxOptions.type"],
		["seLinuxOptions", "spec.containers[*].securityContext.seLinuxOptions.user"],
	}
}

test_success_selinux_types_the_standard_allows if {
	every type in ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"] {
		count(pss.baseline) == 0 with input as pod({"securityContext": {"seLinuxOptions": {"type": type}}, "containers": []})
	}
}

test_fail_proc_mount_seccomp_and_sysctls if {
	body := pod({
		"securityContext": {
			"seccompProfile": {"type": "Unconfined"},
			"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}],
		},
		"containers": [container("app", {"procMount": "Unmasked"}), container("ok", {"procMount": "Default"})],
	})
	got := checks(pss.baseline) with input as body
	got == {
		["seccompProfile_baseline", "spec.securityContext.seccompProfile.type"],
		["sysctls", "spec.securityContext.sysctls[*].name"],
		["procMount", "spec.containers[*].securityContext.procMount"],
	}
}

test_fail_host_process_at_pod_and_container_level if {
	body := pod({
		"securityContext": {"windowsOptions": {"hostProcess": true}},
		"containers": [container("app", {"windowsOptions": {"hostProcess": true}}), container("ok", {"windowsOptions": {"hostProcess": false}})],
	})
	got := checks(pss.baseline) with input as body
	got == {
		["windowsHostProcess", "spec.securityContext.windowsOptions.hostProcess"],
		["windowsHostProcess", "spec.containers[*].securityContext.windowsOptions.hostProcess"],
	}
}

# --- restricted -----------------------------------------------------------------

test_fail_a_bare_container_misses_every_restricted_setting if {
	body := pod({"containers": [{"name": "app", "image": "nginx"}]})
	got := checks(pss.restricted) with input as body
	got == {
		["allowPrivilegeEscalation", "spec.containers[*].securityContext.allowPrivilegeEscalation"],
		["runAsNonRoot", "spec.containers[*].securityContext.runAsNonRoot"],
		["seccompProfile_restricted", "spec.containers[*].securityContext.seccompProfile.type"],
		["capabilities_restricted", "spec.containers[*].securityContext.capabilities.drop"],
	}
}

test_fail_restricted_checks_reach_init_and_ephemeral_containers if {
	body := pod({
		"initContainers": [container("init", object.remove(hardened, ["allowPrivilegeEscalation"]))],
		"containers": [container("app", hardened)],
		"ephemeralContainers": [container("debug", object.union(hardened, {"runAsNonRoot": false}))],
	})
	got := checks(pss.restricted) with input as body
	got == {
		["allowPrivilegeEscalation", "spec.initContainers[*].securityContext.allowPrivilegeEscalation"],
		["runAsNonRoot", "spec.ephemeralContainers[*].securityContext.runAsNonRoot"],
	}
}

# A container's own runAsNonRoot: false is a violation even in a non-root pod.
test_fail_container_run_as_non_root_false_overrides_the_pod if {
	body := pod({"securityContext": {"runAsNonRoot": true}, "containers": [container("app", object.union(hardened, {"runAsNonRoot": false}))]})
	got := checks(pss.restricted) with input as body
	got == {["runAsNonRoot", "spec.containers[*].securityContext.runAsNonRoot"]}
}

test_fail_run_as_user_zero if {
	body := pod({"securityContext": {"runAsUser": 0}, "containers": [container("app", object.union(hardened, {"runAsUser": 0})), container("ok", object.union(hardened, {"runAsUser": 1000}))]})
	got := checks(pss.restricted) with input as body
	got == {["runAsUser", "spec.securityContext.runAsUser"], ["runAsUser", "spec.containers[*].securityContext.runAsUser"]}
}

# As in pod-security-admission, an explicitly bad profile hides the missing ones of its pod.
test_fail_a_bad_seccomp_profile_hides_the_missing_ones if {
	without_seccomp := object.remove(hardened, ["seccompProfile"])
	body := pod({"containers": [
		container("bad", object.union(without_seccomp, {"seccompProfile": {"type": "Unconfined"}})),
		container("missing", without_seccomp),
	]})
	[found] := [v | some v in pss.restricted] with input as body
	found.check == "seccompProfile_restricted"
	found.values == ["Unconfined"]
	found.path == ["spec", "containers", 0, "securityContext", "seccompProfile", "type"]
}

test_success_windows_pods_are_exempt_from_some_restricted_checks if {
	body := pod({"os": {"name": "windows"}, "containers": [{"name": "app", "securityContext": {"runAsNonRoot": true}}]})
	count(pss.restricted) == 0 with input as body
}

test_fail_volume_types_outside_the_restricted_list if {
	body := pod({"containers": [], "volumes": [
		{"name": "ok", "configMap": {"name": "c"}},
		{"name": "nfs", "nfs": {"server": "s", "path": "/"}},
		{"name": "odd", "someFutureSource": {}},
		{"name": "empty"},
	]})
	got := {[v.path, v.msg] | some v in pss.restricted} with input as body
	got == {
		[["spec", "volumes", 1, "nfs"], `the pod must not use the volume "nfs" of type nfs`],
		[["spec", "volumes", 2], `the pod must not use the volume "odd" of type unknown`],
		[["spec", "volumes", 3], `the pod must not use the volume "empty" of type unknown`],
	}
}

# The restricted capabilities check replaces the baseline one on the same field:
# one violation, not two; the baseline set still reports it.
test_success_a_replaced_baseline_violation_is_reported_once if {
	sc := object.union(hardened, {"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}})
	body := pod({"containers": [container("app", sc)]})
	restricted := {[v.check, v.path] | some v in pss.restricted} with input as body
	restricted == {["capabilities_restricted", ["spec", "containers", 0, "securityContext", "capabilities", "add", 0]]}
	baseline := {[v.check, v.path] | some v in pss.baseline} with input as body
	baseline == {["capabilities_baseline", ["spec", "containers", 0, "securityContext", "capabilities", "add", 0]]}
}

test_success_net_bind_service_is_the_one_capability_restricted_allows if {
	sc := object.union(hardened, {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})
	count(pss.restricted) == 0 with input as pod({"containers": [container("app", sc)]})
}

# --- field_text -----------------------------------------------------------------

test_success_field_text_writes_kyverno_restricted_fields if {
	pss.field_text(["spec", "containers", 0, "securityContext", "capabilities", "add", 2]) == "spec.containers[*].securityContext.capabilities.add"
	pss.field_text(["spec", "volumes", 3, "hostPath"]) == "spec.volumes[*].hostPath"
	pss.field_text(["spec", "hostNetwork"]) == "spec.hostNetwork"
	pss.field_text(["spec", "securityContext", "sysctls", 0, "name"]) == "spec.securityContext.sysctls[*].name"
}

# --- exempt ---------------------------------------------------------------------

pod_level := {"control": "Host Namespaces", "field": "spec.hostNetwork", "values": ["true"]}

container_level := {
	"control": "Capabilities",
	"field": "spec.containers[*].securityContext.capabilities.add",
	"values": ["NET_RAW"],
	"image": "ghcr.io/acme/app:1",
}

test_success_exempt_by_control_name_at_pod_level if {
	pss.exempt(pod_level, [{"controlName": "Host Namespaces"}])
	pss.exempt(pod_level, [{"controlName": "Seccomp"}, {"controlName": "Host Namespaces"}])
}

test_fail_exempt_needs_the_same_control if {
	not pss.exempt(pod_level, [{"controlName": "host namespaces"}])
	not pss.exempt(pod_level, [{"controlName": "Seccomp"}])
	not pss.exempt(pod_level, [])
	not pss.exempt(pod_level, [{"images": ["*"]}])
}

# Without images only pod-level fields are exempt; with images only containers
# whose image matches one of them.
test_success_exempt_containers_by_image if {
	pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["ghcr.io/acme/*"]}])
	pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["quay.io/*", "ghcr.io/acme/app:?"]}])
}

test_fail_exempt_scope_is_pod_or_matching_containers if {
	not pss.exempt(container_level, [{"controlName": "Capabilities"}])
	not pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["quay.io/*"]}])
	not pss.exempt(pod_level, [{"controlName": "Host Namespaces", "images": ["*"]}])
}

test_success_exempt_narrowed_by_field_and_values if {
	pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["*"], "restrictedField": "spec.containers[*].securityContext.capabilities.add", "values": ["NET_*"]}])
	pss.exempt(pod_level, [{"controlName": "Host Namespaces", "restrictedField": "spec.hostNetwork", "values": ["true"]}])
}

test_fail_exempt_field_and_values_must_match if {
	not pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["*"], "restrictedField": "spec.initContainers[*].securityContext.capabilities.add"}])
	not pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["*"], "values": ["SYS_*"]}])
	not pss.exempt(object.union(container_level, {"values": ["NET_RAW", "SYS_ADMIN"]}), [{"controlName": "Capabilities", "images": ["*"], "values": ["NET_RAW"]}])
}

# Kyverno decodes `exclude` into a Go struct: null lists and fields are empty ones.
test_success_exempt_reads_null_as_absent if {
	pss.exempt(pod_level, [{"controlName": "Host Namespaces", "images": null, "restrictedField": null, "values": null}])
	pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["*"], "restrictedField": null, "values": null}])
	pss.exempt(pod_level, [{"controlName": "Host Namespaces", "restrictedField": ""}])
}

# Kyverno's wildcards make only `*` and `?` special: a bracket in an image
# pattern is a bracket, not a character class.
test_fail_exempt_image_patterns_are_wildcards_not_globs if {
	not pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["ghcr.io/acme/app:[0-9]"]}])
	pss.exempt(object.union(container_level, {"image": "ghcr.io/acme/app:[0-9]"}), [{"controlName": "Capabilities", "images": ["ghcr.io/acme/app:[0-9]"]}])
	not pss.exempt(container_level, [{"controlName": "Capabilities", "images": ["ghcr.io/acme/{app,web}:1"]}])
}
