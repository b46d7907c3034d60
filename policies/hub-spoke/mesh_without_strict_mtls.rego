package hubspoke.hub_spoke.mesh_without_strict_mtls

import data.hubspoke.lib.params
import data.hubspoke.lib.repo

metadata := {
	"id": "HUB018",
	"title": "mesh-without-strict-mtls",
	"severity": "warning",
	"security_severity": 6.0,
	"description": "A spoke runs a service mesh but does not enforce mutual TLS. Sidecars then still accept plain-text traffic, so workloads outside the mesh can reach tenants unauthenticated and the encryption the mesh promises is optional. Istio is recognised by an istiod HelmRelease, an IstioOperator, or a Namespace labelled istio-injection=enabled or istio.io/rev, and is strict with a mesh-wide PeerAuthentication (no selector, in the parameter `istio_root_namespace`, default istio-system) of mode STRICT. Linkerd is recognised by a linkerd-control-plane or linkerd2 HelmRelease or a Namespace annotated linkerd.io/inject=enabled, and is strict when the control plane's values set proxy.defaultInboundPolicy (or policyController.defaultAllowPolicy) to deny or all-authenticated, or every injected Namespace is annotated config.linkerd.io/default-inbound-policy with one of them.",
	"help": "Istio: add a PeerAuthentication named default in istio-system with spec.mtls.mode STRICT. Linkerd: set proxy.defaultInboundPolicy: all-authenticated (or deny) in the control plane's values.",
	"tags": ["hub-spoke", "security"],
	"scope": "repository",
	"kinds": [],
	"kyverno": [],
	"parameters": [
		{"name": "istio_root_namespace", "type": "string", "default": "istio-system", "description": "Istio's root namespace, where a mesh-wide PeerAuthentication lives."},
	],
	"workload_fields": [],
}

istio_root := params.value(metadata.id, "istio_root_namespace")

strict_linkerd_policies := {"deny", "all-authenticated"}

# Clusters a HelmRelease installs into, by object id.
release_targets := {hr.object: hr.target_clusters | some hr in input.helm_releases}

# Clusters an object is installed into (HelmReleases count where they install).
installed_into(o) := object.get(release_targets, o.id, []) if o.kind == "HelmRelease"

installed_into(o) := o.clusters if o.kind != "HelmRelease"

installed(o, c) if {
	not o.patch
	c in installed_into(o)
}

chart(o) := o.body.spec.chart.spec.chart

# [mesh, field path] of each sign of a mesh an object shows.
signals(o) := {["istio", ["spec", "chart", "spec", "chart"]] | o.kind == "HelmRelease"; chart(o) == "istiod"} | {["istio", ["metadata", "name"]] | o.kind == "IstioOperator"} | {["istio", ["metadata", "labels", "istio-injection"]] | o.kind == "Namespace"; o.body.metadata.labels["istio-injection"] == "enabled"} | {["istio", ["metadata", "labels", "istio.io/rev"]] | o.kind == "Namespace"; is_string(o.body.metadata.labels["istio.io/rev"])} | {["linkerd", ["spec", "chart", "spec", "chart"]] | o.kind == "HelmRelease"; chart(o) in {"linkerd-control-plane", "linkerd2"}} | {["linkerd", ["metadata", "annotations", "linkerd.io/inject"]] | o.kind == "Namespace"; o.body.metadata.annotations["linkerd.io/inject"] == "enabled"}

# [cluster, mesh, object id, field path] of what shows a mesh runs.
evidence contains [c, found[0], o.id, found[1]] if {
	some kind in ["helm.toolkit.fluxcd.io/HelmRelease", "install.istio.io/IstioOperator", "/Namespace"]
	some id in repo.of_kind(kind)
	o := input.objects[id]
	some found in signals(o)
	some c in installed_into(o)
}

strict("istio", c) if {
	some kind in ["security.istio.io/PeerAuthentication"]
	some id in repo.of_kind(kind)
	o := input.objects[id]
	installed(o, c)
	o.effective_namespace == istio_root
	not o.body.spec.selector
	o.body.spec.mtls.mode == "STRICT"
}

strict("linkerd", c) if {
	some id in repo.of_kind("helm.toolkit.fluxcd.io/HelmRelease")
	o := input.objects[id]
	chart(o) in {"linkerd-control-plane", "linkerd2"}
	installed(o, c)
	some policy in [object.get(o.body, ["spec", "values", "proxy", "defaultInboundPolicy"], ""), object.get(o.body, ["spec", "values", "policyController", "defaultAllowPolicy"], "")]
	policy in strict_linkerd_policies
}

strict("linkerd", c) if {
	injected := {o.id |
		some id in repo.of_kind("/Namespace")
		o := input.objects[id]
		installed(o, c)
		o.body.metadata.annotations["linkerd.io/inject"] == "enabled"
	}
	count(injected) > 0
	every id in injected {
		input.objects[id].body.metadata.annotations["config.linkerd.io/default-inbound-policy"] in strict_linkerd_policies
	}
}

# [mesh, cluster, first evidence] for spokes running a mesh that is not strict.
lax contains [mesh, c.name, first] if {
	some c in input.clusters
	c.role == "spoke"
	found := {[e[1], e[2], e[3]] | some e in evidence; e[0] == c.name}
	some mesh in {e[0] | some e in found}
	not strict(mesh, c.name)
	first := min({[e[1], e[2]] | some e in found; e[0] == mesh})
}

violations contains v if {
	some l in lax
	mesh := l[0]
	first := l[2]
	clusters := {x[1] | some x in lax; x[0] == mesh; x[2] == first}
	v := {
		"msg": sprintf("%s runs%s without enforcing mutual TLS", [mesh_name[mesh], repo.on_clusters(clusters)]),
		"object": first[0],
		"path": first[1],
	}
}

mesh_name := {"istio": "Istio", "linkerd": "Linkerd"}
