package hubspoke.pod_security.unsafe_sysctl

import data.hubspoke.lib.fields
import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS013",
	"title": "unsafe-sysctl",
	"severity": "error",
	"security_severity": 6.0,
	"description": "A pod sets a sysctl outside the safe set. Other sysctls can switch off security mechanisms or affect every pod on the node; the Pod Security Standards baseline profile (as Kyverno's restrict-sysctls checks it) allows only kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies and net.ipv4.ping_group_range.",
	"help": "Remove the sysctl from spec.securityContext.sysctls, or run the workload on dedicated nodes where it is allowed.",
	"tags": ["pod-security", "baseline", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "restrict-sysctls", "rule": "check-sysctls"}],
}

allowed := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
}

# Kyverno's pattern `=(sysctls): - =(name): "<the five names>"`.
violations contains v if {
	some s in pods.specs
	sysctls := s.spec.securityContext.sysctls
	is_array(sysctls)
	some i, sysctl in sysctls
	sysctl.name != null
	not sysctl.name in allowed
	v := {
		"msg": sprintf("%s sets the sysctl %s, which is not in the safe set", [objects.display, fields.show(sysctl.name)]),
		"path": array.concat(s.path, ["securityContext", "sysctls", i, "name"]),
	}
}
