# The Pod Security Standards as Kyverno's `validate.podSecurity` evaluates them
# at version "latest": the checks of k8s.io/pod-security-admission (Kyverno
# pins its fork kyverno/pod-security-admission at 46f20778, 2025-10-31, whose
# newest check is Kubernetes 1.34's probe and lifecycle hosts), with Kyverno's
# `exclude` exemptions. Kyverno runs every check of the level and ignores
# pod-security-admission's overrides; the verdicts are the same, and a baseline
# violation a restricted check repeats on the same field is reported once.
#
# `baseline` and `restricted` are sets of violations, each
# {"control", "check", "level", "path", "field", "values", "image", "pod", "msg"}:
# - control: the PSS control name Kyverno's `exclude.controlName` uses;
# - path: keys to the offending field in the document (for a required field,
#   the field itself: the engine points at its parent);
# - field: the pod-relative field as Kyverno's `restrictedField` writes it
#   (`spec.containers[*].securityContext.runAsNonRoot`);
# - values: the offending values (for `exclude.values`);
# - image: the container's image, for container-level violations only;
# - pod: the path of the pod spec it belongs to.
#
# Where the checks are stricter or looser than Kyverno's per-control policies
# (the empty SELinux type, container_engine_t, the newer safe sysctls, the
# `image` volume type, Windows pods in the restricted checks, pod-level
# hostProcess), this library follows pod-security-admission: it is what
# Kyverno's podSecurity rules run.
package hubspoke.lib.pss

import data.hubspoke.lib.pod_metadata
import data.hubspoke.lib.pods
import data.hubspoke.lib.wildcard

# The restricted checks that replace a baseline check in pod-security-admission.
overrides := {"capabilities_baseline", "hostPathVolumes", "seccompProfile_baseline"}

# Every baseline violation of every pod spec of the input.
baseline := baseline_checks

# Every restricted violation: the restricted ones, and the baseline ones except
# where a restricted check that replaces it reports the same field.
restricted contains v if {
	some v in restricted_checks
}

restricted contains v if {
	some v in baseline_checks
	not replaced(v)
}

replaced(v) if {
	v.check in overrides
	v.path in restricted_paths
}

restricted_paths := {v.path | some v in restricted_checks}

# Whether Kyverno's `exclude` list exempts a violation: the control matches;
# without `images` only pod-level (and metadata) fields are exempt, with
# `images` only the fields of containers whose image matches one of them;
# `restrictedField` and `values`, when given, narrow it further.
exempt(v, exclusions) if {
	some e in exclusions
	e.controlName == v.control
	scope_matches(e, v)
	field_matches(e, v)
	values_match(e, v)
}

# An exclusion's fields read as Kyverno's Go struct decodes them: an absent or
# null `images`, `restrictedField` or `values` is an empty one.
scope_matches(e, v) if {
	count(list(e, "images")) == 0
	not v.image
}

scope_matches(e, v) if {
	is_string(v.image)
	some pattern in list(e, "images")
	wildcard.match(pattern, v.image)
}

field_matches(e, _) if text(e, "restrictedField") == ""

field_matches(e, v) if e.restrictedField == v.field

values_match(e, _) if count(list(e, "values")) == 0

values_match(e, v) if {
	patterns := list(e, "values")
	count(patterns) > 0
	every value in v.values {
		some pattern in patterns
		wildcard.match(pattern, value)
	}
}

# --- helpers ------------------------------------------------------------------

# A pod spec's or container's securityContext, {} when unset.
security_context(obj) := sc if {
	sc := obj.securityContext
	is_object(sc)
} else := {}

# A nested object, {} when unset.
child(obj, key) := value if {
	value := obj[key]
	is_object(value)
} else := {}

# A string field as Go decodes it: "" when unset or null.
text(obj, key) := value if {
	value := obj[key]
	is_string(value)
} else := ""

list(obj, key) := value if {
	value := obj[key]
	is_array(value)
} else := []

windows(spec) if spec.os.name == "windows"

# Each container with its securityContext (and capabilities) read once.
container_views contains {"c": c, "sc": sc, "caps": child(sc, "capabilities")} if {
	some c in pods.containers
	sc := security_context(c.spec)
}

# Each pod spec with its securityContext read once.
pod_views contains {"s": s, "sc": security_context(s.spec)} if {
	some s in pods.specs
}

# Pod spec paths of Windows pods (exempt from some restricted checks).
windows_pods := {s.path | some s in pods.specs; windows(s.spec)}

# A path as Kyverno's `restrictedField` writes it: indices become [*], and a
# trailing index is dropped (`...capabilities.add`, `spec.volumes[*].hostPath`).
field_text(path) := replace(concat(".", [segment(p) | some p in trim_index(path)]), ".[*]", "[*]")

segment(p) := p if is_string(p)

segment(p) := "[*]" if is_number(p)

trim_index(path) := array.slice(path, 0, count(path) - 1) if is_number(path[count(path) - 1])

trim_index(path) := path if not is_number(path[count(path) - 1])

volume_name(volume, _) := sprintf("%q", [volume.name]) if is_string(volume.name)

volume_name(volume, i) := sprintf("#%d", [i]) if not is_string(volume.name)

image_of(c) := c.spec.image if is_string(c.spec.image)

image_of(c) := "" if not is_string(c.spec.image)

container_violation(c, control, check, level, rest_path, values, detail) := {
	"control": control,
	"check": check,
	"level": level,
	"path": array.concat(c.path, rest_path),
	"field": field_text(array.concat(["spec", c.field, 0], rest_path)),
	"values": values,
	"image": image_of(c),
	"pod": c.pod_path,
	"msg": sprintf("%s %s", [pods.name(c), detail]),
}

pod_violation(s, control, check, level, rest_path, values, detail) := {
	"control": control,
	"check": check,
	"level": level,
	"path": array.concat(s.path, rest_path),
	"field": field_text(array.concat(["spec"], rest_path)),
	"values": values,
	"pod": s.path,
	"msg": sprintf("the pod %s", [detail]),
}

# --- baseline checks ----------------------------------------------------------

# HostProcess (windowsHostProcess)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	p.sc.windowsOptions.hostProcess == true
	v := pod_violation(s, "HostProcess", "windowsHostProcess", "baseline", ["securityContext", "windowsOptions", "hostProcess"], ["true"], "must not set securityContext.windowsOptions.hostProcess to true")
}

baseline_checks contains v if {
	some x in container_views
	c := x.c
	x.sc.windowsOptions.hostProcess == true
	v := container_violation(c, "HostProcess", "windowsHostProcess", "baseline", ["securityContext", "windowsOptions", "hostProcess"], ["true"], "must not set securityContext.windowsOptions.hostProcess to true")
}

# Host Namespaces (hostNamespaces)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	s.spec[field] == true
	v := pod_violation(s, "Host Namespaces", "hostNamespaces", "baseline", [field], ["true"], sprintf("must not set %s to true", [field]))
}

# Privileged Containers (privileged)
baseline_checks contains v if {
	some x in container_views
	c := x.c
	x.sc.privileged == true
	v := container_violation(c, "Privileged Containers", "privileged", "baseline", ["securityContext", "privileged"], ["true"], "must not set securityContext.privileged to true")
}

baseline_capabilities := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

# Capabilities (capabilities_baseline)
baseline_checks contains v if {
	some x in container_views
	c := x.c
	some i, capability in list(x.caps, "add")
	not capability in baseline_capabilities
	v := container_violation(c, "Capabilities", "capabilities_baseline", "baseline", ["securityContext", "capabilities", "add", i], [capability], sprintf("must not add the capability %v", [capability]))
}

# HostPath Volumes (hostPathVolumes)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	some i, volume in list(s.spec, "volumes")
	volume.hostPath != null
	v := pod_violation(s, "HostPath Volumes", "hostPathVolumes", "baseline", ["volumes", i, "hostPath"], [], sprintf("must not use the hostPath volume %s", [volume_name(volume, i)]))
}

# Host Ports (hostPorts)
baseline_checks contains v if {
	some x in container_views
	c := x.c
	some i, port in list(c.spec, "ports")
	port.hostPort != null
	port.hostPort != 0
	v := container_violation(c, "Host Ports", "hostPorts", "baseline", ["ports", i, "hostPort"], [sprintf("%v", [port.hostPort])], sprintf("must not use the hostPort %v", [port.hostPort]))
}

# Probe and lifecycle hosts (hostProbesAndHostLifecycle, Kubernetes 1.34+; no
# Kyverno control name, so no exclusion reaches it).
baseline_checks contains v if {
	some x in container_views
	c := x.c
	some handler in ["livenessProbe", "readinessProbe", "startupProbe"]
	some action in ["httpGet", "tcpSocket"]
	host := c.spec[handler][action].host
	is_string(host)
	host != ""
	v := container_violation(c, "Host Probes / Lifecycle Hooks", "hostProbesAndHostLifecycle", "baseline", [handler, action, "host"], [host], sprintf("must not set %s.%s.host", [handler, action]))
}

baseline_checks contains v if {
	some x in container_views
	c := x.c
	some hook in ["postStart", "preStop"]
	some action in ["httpGet", "tcpSocket"]
	host := c.spec.lifecycle[hook][action].host
	is_string(host)
	host != ""
	v := container_violation(c, "Host Probes / Lifecycle Hooks", "hostProbesAndHostLifecycle", "baseline", ["lifecycle", hook, action, "host"], [host], sprintf("must not set lifecycle.%s.%s.host", [hook, action]))
}

apparmor_types := {"RuntimeDefault", "Localhost"}

apparmor_prefix := "container.apparmor.security.beta.kubernetes.io/"

# AppArmor (appArmorProfile)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	profile := p.sc.appArmorProfile
	profile != null
	type := text(profile, "type")
	not type in apparmor_types
	v := pod_violation(s, "AppArmor", "appArmorProfile", "baseline", ["securityContext", "appArmorProfile", "type"], [type], sprintf("must not set the AppArmor profile type %q", [type]))
}

baseline_checks contains v if {
	some x in container_views
	c := x.c
	profile := x.sc.appArmorProfile
	profile != null
	type := text(profile, "type")
	not type in apparmor_types
	v := container_violation(c, "AppArmor", "appArmorProfile", "baseline", ["securityContext", "appArmorProfile", "type"], [type], sprintf("must not set the AppArmor profile type %q", [type]))
}

baseline_checks contains v if {
	some p in pod_views
	s := p.s
	some key, value in pod_metadata.annotations(s.path)
	startswith(key, apparmor_prefix)
	is_string(value)
	value != ""
	value != "runtime/default"
	not startswith(value, "localhost/")
	v := {
		"control": "AppArmor",
		"check": "appArmorProfile",
		"level": "baseline",
		"path": array.concat(pod_metadata.path(s.path), ["annotations", key]),
		"field": sprintf("metadata.annotations[%s]", [key]),
		"values": [value],
		"pod": s.path,
		"msg": sprintf("the pod must not set the annotation %s to %q", [key, value]),
	}
}

selinux_types := {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

# SELinux (seLinuxOptions)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	options := child(p.sc, "seLinuxOptions")
	some violation in selinux(options)
	v := pod_violation(s, "SELinux", "seLinuxOptions", "baseline", ["securityContext", "seLinuxOptions", violation.field], [violation.value], violation.detail)
}

baseline_checks contains v if {
	some x in container_views
	c := x.c
	options := child(x.sc, "seLinuxOptions")
	some violation in selinux(options)
	v := container_violation(c, "SELinux", "seLinuxOptions", "baseline", ["securityContext", "seLinuxOptions", violation.field], [violation.value], violation.detail)
}

selinux(options) := array.concat(selinux_type(options), selinux_user_role(options))

selinux_type(options) := [{"field": "type", "value": type, "detail": sprintf("must not set the SELinux type %q", [type])} |
	type := text(options, "type")
	not type in selinux_types
]

selinux_user_role(options) := [{"field": field, "value": value, "detail": sprintf("must not set the SELinux %s", [field])} |
	some field in ["user", "role"]
	value := text(options, field)
	value != ""
]

# /proc Mount Type (procMount)
baseline_checks contains v if {
	some x in container_views
	c := x.c
	mount := x.sc.procMount
	mount != null
	mount != "Default"
	v := container_violation(c, "/proc Mount Type", "procMount", "baseline", ["securityContext", "procMount"], [mount], sprintf("must not set securityContext.procMount to %q", [mount]))
}

seccomp_types := {"RuntimeDefault", "Localhost"}

# Seccomp (seccompProfile_baseline)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	profile := p.sc.seccompProfile
	profile != null
	type := text(profile, "type")
	not type in seccomp_types
	v := pod_violation(s, "Seccomp", "seccompProfile_baseline", "baseline", ["securityContext", "seccompProfile", "type"], [type], sprintf("must not set securityContext.seccompProfile.type to %q", [type]))
}

baseline_checks contains v if {
	some x in container_views
	c := x.c
	profile := x.sc.seccompProfile
	profile != null
	type := text(profile, "type")
	not type in seccomp_types
	v := container_violation(c, "Seccomp", "seccompProfile_baseline", "baseline", ["securityContext", "seccompProfile", "type"], [type], sprintf("must not set securityContext.seccompProfile.type to %q", [type]))
}

safe_sysctls := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
}

# Sysctls (sysctls)
baseline_checks contains v if {
	some p in pod_views
	s := p.s
	some i, sysctl in list(p.sc, "sysctls")
	name := text(sysctl, "name")
	not name in safe_sysctls
	v := pod_violation(s, "Sysctls", "sysctls", "baseline", ["securityContext", "sysctls", i, "name"], [name], sprintf("must not set the sysctl %q", [name]))
}

# --- restricted checks --------------------------------------------------------

allowed_volume_sources := [
	"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
	"persistentVolumeClaim", "projected", "secret",
]

# pod-security-admission's order: the first of these a volume sets is named.
restricted_volume_sources := [
	"hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs",
	"iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc",
	"azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
	"portworxVolume", "scaleIO", "storageos",
]

# Volume Types (restrictedVolumes)
restricted_checks contains v if {
	some p in pod_views
	s := p.s
	some i, volume in list(s.spec, "volumes")
	not allowed_volume(volume)
	rest := volume_source_path(volume, i)
	v := pod_violation(s, "Volume Types", "restrictedVolumes", "restricted", rest, [], sprintf("must not use the volume %s of type %s", [volume_name(volume, i), volume_type(volume)]))
}

allowed_volume(volume) if {
	some source in allowed_volume_sources
	volume[source] != null
}

used_restricted_sources(volume) := [source | some source in restricted_volume_sources; volume[source] != null]

volume_type(volume) := used_restricted_sources(volume)[0] if count(used_restricted_sources(volume)) > 0

volume_type(volume) := "unknown" if count(used_restricted_sources(volume)) == 0

volume_source_path(volume, i) := ["volumes", i, volume_type(volume)] if volume_type(volume) != "unknown"

volume_source_path(volume, i) := ["volumes", i] if volume_type(volume) == "unknown"

# Privilege Escalation (allowPrivilegeEscalation; Windows pods are exempt)
restricted_checks contains v if {
	some x in container_views
	c := x.c
	not c.pod_path in windows_pods
	value := object.get(x.sc, "allowPrivilegeEscalation", null)
	value != false
	v := container_violation(c, "Privilege Escalation", "allowPrivilegeEscalation", "restricted", ["securityContext", "allowPrivilegeEscalation"], [sprintf("%v", [value])], "must set securityContext.allowPrivilegeEscalation to false")
}

# Running as Non-root (runAsNonRoot)
restricted_checks contains v if {
	some p in pod_views
	s := p.s
	p.sc.runAsNonRoot == false
	v := pod_violation(s, "Running as Non-root", "runAsNonRoot", "restricted", ["securityContext", "runAsNonRoot"], ["false"], "must not set securityContext.runAsNonRoot to false")
}

restricted_checks contains v if {
	some x in container_views
	c := x.c
	x.sc.runAsNonRoot == false
	v := container_violation(c, "Running as Non-root", "runAsNonRoot", "restricted", ["securityContext", "runAsNonRoot"], ["false"], "must not set securityContext.runAsNonRoot to false")
}

restricted_checks contains v if {
	some x in container_views
	c := x.c
	not c.pod_path in non_root_pods
	object.get(x.sc, "runAsNonRoot", null) == null
	v := container_violation(c, "Running as Non-root", "runAsNonRoot", "restricted", ["securityContext", "runAsNonRoot"], [], "must set securityContext.runAsNonRoot to true (or the pod must)")
}

non_root_pods := {p.s.path | some p in pod_views; p.sc.runAsNonRoot == true}

# Running as Non-root user (runAsUser)
restricted_checks contains v if {
	some p in pod_views
	s := p.s
	p.sc.runAsUser == 0
	v := pod_violation(s, "Running as Non-root user", "runAsUser", "restricted", ["securityContext", "runAsUser"], ["0"], "must not set securityContext.runAsUser to 0")
}

restricted_checks contains v if {
	some x in container_views
	c := x.c
	x.sc.runAsUser == 0
	v := container_violation(c, "Running as Non-root user", "runAsUser", "restricted", ["securityContext", "runAsUser"], ["0"], "must not set securityContext.runAsUser to 0")
}

# Seccomp (seccompProfile_restricted; Windows pods are exempt). As in
# pod-security-admission, explicitly bad profiles hide the missing ones.
seccomp_bad_setters contains v if {
	some p in pod_views
	s := p.s
	not s.path in windows_pods
	profile := p.sc.seccompProfile
	profile != null
	type := text(profile, "type")
	not type in seccomp_types
	v := pod_violation(s, "Seccomp", "seccompProfile_restricted", "restricted", ["securityContext", "seccompProfile", "type"], [type], sprintf("must not set securityContext.seccompProfile.type to %q", [type]))
}

seccomp_bad_setters contains v if {
	some x in container_views
	c := x.c
	not c.pod_path in windows_pods
	profile := x.sc.seccompProfile
	profile != null
	type := text(profile, "type")
	not type in seccomp_types
	v := container_violation(c, "Seccomp", "seccompProfile_restricted", "restricted", ["securityContext", "seccompProfile", "type"], [type], sprintf("must not set securityContext.seccompProfile.type to %q", [type]))
}

restricted_checks contains v if {
	some v in seccomp_bad_setters
}

restricted_checks contains v if {
	some x in container_views
	c := x.c
	not c.pod_path in windows_pods
	not c.pod_path in seccomp_set_pods
	object.get(x.sc, "seccompProfile", null) == null
	v := container_violation(c, "Seccomp", "seccompProfile_restricted", "restricted", ["securityContext", "seccompProfile", "type"], [], "must set securityContext.seccompProfile.type to RuntimeDefault or Localhost (or the pod must)")
}

# Pods that set a profile themselves (a valid one covers their containers) or
# whose pod or containers set a bad one (which hides the missing ones).
seccomp_set_pods contains s.path if {
	some p in pod_views
	s := p.s
	object.get(p.sc, "seccompProfile", null) != null
}

seccomp_set_pods contains v.pod if {
	some v in seccomp_bad_setters
}

# Capabilities (capabilities_restricted; Windows pods are exempt)
restricted_checks contains v if {
	some x in container_views
	c := x.c
	not c.pod_path in windows_pods
	not "ALL" in list(x.caps, "drop")
	v := container_violation(c, "Capabilities", "capabilities_restricted", "restricted", ["securityContext", "capabilities", "drop"], [sprintf("%v", [d]) | some d in list(x.caps, "drop")], "must set securityContext.capabilities.drop to [\"ALL\"]")
}

restricted_checks contains v if {
	some x in container_views
	c := x.c
	not c.pod_path in windows_pods
	some i, capability in list(x.caps, "add")
	capability != "NET_BIND_SERVICE"
	v := container_violation(c, "Capabilities", "capabilities_restricted", "restricted", ["securityContext", "capabilities", "add", i], [capability], sprintf("must not add the capability %v", [capability]))
}
