# Unit tests of repo.rego, the repository model's helpers, on small
# hand-written models (the shape `hubspoke-lint graph` prints).
package hubspoke.lib.repo_test

import data.hubspoke.lib.repo

obj(id, group, kind, ns, name, body) := {
	"id": id,
	"group": group,
	"kind": kind,
	"name": name,
	"effective_namespace": ns,
	"clusters": [],
	"body": body,
}

# --- names and messages ---------------------------------------------------------

test_success_templated_names if {
	repo.templated("${CLUSTER_NAME}")
	repo.templated("apps-${ENV}")
	not repo.templated("$CLUSTER")
	not repo.templated("apps")
}

test_success_namespace_of if {
	repo.namespace_of({"effective_namespace": "team-a"}) == "team-a"
	repo.namespace_of({"effective_namespace": null}) == ""
	repo.namespace_of({}) == ""
}

test_success_display_with_and_without_a_namespace if {
	repo.display({"kind": "Kustomization", "name": "apps", "effective_namespace": "flux-system"}) == "Kustomization flux-system/apps"
	repo.display({"kind": "Namespace", "name": "team-a", "effective_namespace": null}) == "Namespace team-a"
	repo.display({"kind": "ConfigMap", "name": "c", "effective_namespace": ""}) == "ConfigMap c"
	repo.display({"kind": "ConfigMap", "name": "c"}) == "ConfigMap c"
}

test_success_lists_for_messages_are_sorted if {
	repo.join_sorted({"b", "a", "c"}) == "a, b, c"
	repo.join_sorted([2, 10, 1]) == "1, 10, 2"
	repo.quoted_list(["spoke-b", "spoke-a"]) == `"spoke-a", "spoke-b"`
	repo.quoted_list([]) == ""
}

test_success_on_clusters_phrases if {
	repo.on_clusters([]) == ""
	repo.on_clusters([""]) == ""
	repo.on_clusters(["", "prod"]) == ` on cluster "prod"`
	repo.on_clusters({"prod-b", "prod-a"}) == ` on clusters "prod-a", "prod-b"`
}

# --- lookups --------------------------------------------------------------------

lookup_model := {
	"objects": [
		obj(0, "kustomize.toolkit.fluxcd.io", "Kustomization", "flux-system", "apps", {}),
		obj(1, "helm.toolkit.fluxcd.io", "HelmRelease", "team-a", "web", {}),
		obj(2, "", "ConfigMap", "team-a", "settings", {}),
	],
	"kinds": {
		"kustomize.toolkit.fluxcd.io/Kustomization": [0],
		"helm.toolkit.fluxcd.io/HelmRelease": [1],
		"/ConfigMap": [2],
	},
	"index": {
		"kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps": [0],
		"helm.toolkit.fluxcd.io/HelmRelease/team-a/web": [1],
		"/ConfigMap/team-a/settings": [2],
	},
}

test_success_of_kind_and_reconciler_ids if {
	repo.of_kind("/ConfigMap") == [2] with input as lookup_model
	repo.of_kind("apps/Deployment") == [] with input as lookup_model
	repo.reconciler_ids == [0, 1] with input as lookup_model
}

test_success_ids_and_defined if {
	repo.ids("", "ConfigMap", "team-a", "settings") == [2] with input as lookup_model
	repo.defined("helm.toolkit.fluxcd.io", "HelmRelease", "team-a", "web") with input as lookup_model
}

test_success_generated_objects_are_defined if {
	generated := object.union(lookup_model, {"generated": {"source.toolkit.fluxcd.io/ExternalArtifact/apps/manifests": [3]}})
	repo.generated_by("source.toolkit.fluxcd.io", "ExternalArtifact", "apps", "manifests") == [3] with input as generated
	repo.defined("source.toolkit.fluxcd.io", "ExternalArtifact", "apps", "manifests") with input as generated
	not repo.defined("source.toolkit.fluxcd.io", "ExternalArtifact", "apps", "other") with input as generated
	# A model without `generated` (a user's hand-written input) generates nothing.
	not repo.defined("source.toolkit.fluxcd.io", "ExternalArtifact", "apps", "manifests") with input as lookup_model
}

test_fail_defined_needs_group_kind_namespace_and_name if {
	not repo.defined("", "ConfigMap", "team-b", "settings") with input as lookup_model
	not repo.defined("", "Secret", "team-a", "settings") with input as lookup_model
	not repo.defined("apps", "ConfigMap", "team-a", "settings") with input as lookup_model
	not repo.defined("", "ConfigMap", "team-a", "Settings") with input as lookup_model
}

# --- Secrets and ConfigMaps -----------------------------------------------------

secrets_model := {
	"objects": [
		object.union(obj(0, "", "Secret", "apps", "encrypted", {}), {"sops": true}),
		object.union(obj(1, "", "Secret", "apps", "plain", {"stringData": {"password": "hunter2"}}), {"sops": false}),
		obj(2, "external-secrets.io", "ExternalSecret", "apps", "es", {"spec": {"target": {"name": "from-vault"}}}),
		obj(3, "external-secrets.io", "ExternalSecret", "apps", "es-own-name", {"spec": {}}),
		obj(4, "bitnami.com", "SealedSecret", "apps", "sealed", {"spec": {"template": {"metadata": {"name": "unsealed"}}}}),
		obj(5, "bitnami.com", "SealedSecret", "apps", "sealed-own-name", {"spec": {}}),
		obj(6, "", "ConfigMap", "apps", "defined", {}),
		object.union(obj(7, "", "Secret", "apps", "referenced", {"stringData": {"token": "op://vault/item/token"}}), {"sops": false}),
	],
	"kinds": {
		"/Secret": [0, 1, 7],
		"external-secrets.io/ExternalSecret": [2, 3],
		"bitnami.com/SealedSecret": [4, 5],
		"/ConfigMap": [6],
	},
	"index": {
		"/Secret/apps/encrypted": [0],
		"/Secret/apps/plain": [1],
		"/ConfigMap/apps/defined": [6],
		"/Secret/apps/referenced": [7],
	},
	# The Secrets the producers make, as the model computes them (model/producers.rs).
	"generated": {
		"/Secret/apps/from-vault": [2],
		"/Secret/apps/es-own-name": [3],
		"/Secret/apps/unsealed": [4],
		"/Secret/apps/sealed-own-name": [5],
	},
	"kustomize_files": [
		{"namespace": "apps", "body": {"secretGenerator": [{"name": "generated"}], "configMapGenerator": [{"name": "generated-cm"}, {"name": "elsewhere", "namespace": "other"}]}},
		{"namespace": null, "body": {"secretGenerator": [{"name": "open"}, {"namespace": "apps"}]}},
	],
}

test_success_secrets_provided_safely if {
	every name in ["encrypted", "from-vault", "es-own-name", "unsealed", "sealed-own-name", "generated", "open"] {
		repo.secret_provided("apps", name) with input as secrets_model
	}
}

test_fail_secrets_not_provided_safely if {
	not repo.secret_provided("apps", "plain") with input as secrets_model
	not repo.secret_provided("apps", "missing") with input as secrets_model
	not repo.secret_provided("other", "encrypted") with input as secrets_model
	not repo.secret_provided("other", "from-vault") with input as secrets_model
	not repo.secret_provided("apps", "es") with input as secrets_model
	not repo.secret_provided("apps", "sealed") with input as secrets_model
}

# A Secret holding only a secret manager's references is provided where a cluster applies it
# (here: no topology is known, so any object may be applied); in a repository with a
# bootstrap, a file no cluster applies holds it outside the clusters.
test_success_reference_only_secret_provided_where_applied if {
	repo.secret_provided("apps", "referenced") with input as secrets_model
	not repo.secret_in_plain_text("apps", "referenced") with input as secrets_model
	not repo.secret_outside_clusters("apps", "referenced") with input as secrets_model
	with_topology := object.union(secrets_model, {"clusters": [{"name": "hub", "role": "standalone", "bootstrap": [9]}]})
	not repo.secret_provided("apps", "referenced") with input as with_topology
	repo.secret_outside_clusters("apps", "referenced") with input as with_topology
	on_hub := json.patch(with_topology, [{"op": "replace", "path": "/objects/7/clusters", "value": ["hub"]}])
	repo.secret_provided("apps", "referenced") with input as on_hub
}

test_success_other_namespaces if {
	repo.other_namespaces("Secret", "other", "plain") == ["apps"] with input as secrets_model
	repo.other_namespaces("Secret", "other", "from-vault") == ["apps"] with input as secrets_model
	repo.other_namespaces("ConfigMap", "apps", "elsewhere") == ["other"] with input as secrets_model
	repo.other_namespaces("ConfigMap", "apps", "defined") == [] with input as secrets_model
	repo.other_namespaces("Secret", "apps", "open") == [] with input as secrets_model
}

test_success_secret_in_plain_text if {
	repo.secret_in_plain_text("apps", "plain") with input as secrets_model
	not repo.secret_in_plain_text("apps", "encrypted") with input as secrets_model
	not repo.secret_in_plain_text("apps", "missing") with input as secrets_model
}

test_success_configmaps_defined_or_generated if {
	repo.configmap_provided("apps", "defined") with input as secrets_model
	repo.configmap_provided("apps", "generated-cm") with input as secrets_model
	repo.configmap_provided("other", "elsewhere") with input as secrets_model
	not repo.configmap_provided("apps", "elsewhere") with input as secrets_model
	not repo.configmap_provided("apps", "generated") with input as secrets_model
}

# A generator without a name generates nothing to find.
test_success_generators_read_only_named_entries if {
	got := repo.generators with input as secrets_model
	got == {
		["secretGenerator", "apps", "generated"],
		["configMapGenerator", "apps", "generated-cm"],
		["configMapGenerator", "other", "elsewhere"],
		["secretGenerator", "", "open"],
	}
}

# --- clusters and paths ---------------------------------------------------------

test_success_cluster_by_name if {
	repo.cluster("edge") == {"name": "edge", "role": "spoke"} with input as {"clusters": [{"name": "hub", "role": "hub"}, {"name": "edge", "role": "spoke"}]}
	not repo.cluster("lab") with input as {"clusters": [{"name": "hub", "role": "hub"}]}
}

test_success_within_a_directory if {
	repo.within("apps/web", "apps/web")
	repo.within("apps/web/base", "apps/web")
	not repo.within("apps/webshop", "apps/web")
	not repo.within("apps", "apps/web")
}

test_success_clusters_of_and_on_cluster if {
	repo.clusters_of({"clusters": ["a", "b"]}) == ["a", "b"]
	repo.clusters_of({"clusters": []}) == [""]
	repo.on_cluster({"clusters": ["a"]}, "a")
	repo.on_cluster({"clusters": ["a"]}, "")
	repo.on_cluster({"clusters": []}, "b")
	not repo.on_cluster({"clusters": ["a"]}, "b")
}

test_success_covered_pairs if {
	pairs := {["team-a", "edge"], ["team-b", ""]}
	repo.covered(pairs, "team-a", "edge")
	repo.covered(pairs, "team-b", "anywhere")
	repo.covered(pairs, "team-a", "")
	not repo.covered(pairs, "team-a", "lab")
	not repo.covered(pairs, "team-c", "")
}

test_success_anchor_path if {
	repo.anchor_path({"kind": "Namespace", "body": {"metadata": {"name": "team-a"}}}) == ["metadata", "name"]
	repo.anchor_path({"kind": "Kustomization", "body": {"metadata": {"name": "k", "namespace": "team-a"}}}) == ["metadata", "namespace"]
	repo.anchor_path({"kind": "Kustomization", "body": {"metadata": {"name": "k"}}}) == ["metadata", "name"]
}

# --- tenants --------------------------------------------------------------------

label := "toolkit.fluxcd.io/tenant"

tenant_model := {
	"objects": [
		obj(0, "", "Namespace", null, "team-a", {"metadata": {"name": "team-a", "labels": {label: "team-a"}}}),
		obj(1, "", "Namespace", null, "platform", {"metadata": {"name": "platform"}}),
		obj(2, "", "Namespace", null, "flux-system", {"metadata": {"name": "flux-system", "labels": {label: "flux"}}}),
		obj(3, "kustomize.toolkit.fluxcd.io", "Kustomization", "team-b", "apps", {"spec": {"serviceAccountName": "team-b"}}),
		obj(4, "helm.toolkit.fluxcd.io", "HelmRelease", "platform", "ingress", {"spec": {"serviceAccountName": "ingress"}}),
		obj(5, "helm.toolkit.fluxcd.io", "HelmRelease", "team-a", "web", {"spec": {"serviceAccountName": "web"}}),
		obj(6, "helm.toolkit.fluxcd.io", "HelmRelease", "platform", "labelled", {"metadata": {"labels": {label: "team-c"}}, "spec": {"serviceAccountName": "x"}}),
		obj(7, "kustomize.toolkit.fluxcd.io", "Kustomization", "flux-system", "infra", {"spec": {"serviceAccountName": "kustomize-controller"}}),
		obj(8, "kustomize.toolkit.fluxcd.io", "Kustomization", "hub", "spoke", {"spec": {"serviceAccountName": "sa", "kubeConfig": {"secretRef": {"name": "k"}}}}),
		obj(9, "kustomize.toolkit.fluxcd.io", "Kustomization", "team-d", "no-sa", {"spec": {"serviceAccountName": ""}}),
		obj(10, "kustomize.toolkit.fluxcd.io", "Kustomization", "${TENANT}", "templated", {"spec": {"serviceAccountName": "sa"}}),
		object.union(obj(11, "", "Namespace", null, "patched", {"metadata": {"name": "patched", "labels": {label: "x"}}}), {"patch": true}),
		obj(12, "rbac.authorization.k8s.io", "RoleBinding", "team-a", "gotk-reconciler", {"metadata": {"labels": {label: "team-a"}}}),
		obj(13, "", "Namespace", null, "cert-manager", {"metadata": {"name": "cert-manager", "labels": {label: "sre-team"}}}),
		obj(14, "rbac.authorization.k8s.io", "RoleBinding", "flux-system", "reconciler", {}),
	],
	"kinds": {
		"/Namespace": [0, 1, 2, 11, 13],
		"rbac.authorization.k8s.io/RoleBinding": [12, 14],
		"kustomize.toolkit.fluxcd.io/Kustomization": [3, 7, 8, 9, 10],
		"helm.toolkit.fluxcd.io/HelmRelease": [4, 5, 6],
	},
	"index": {
		"/Namespace//team-a": [0],
		"/Namespace//platform": [1],
		"/Namespace//flux-system": [2],
	},
}

exempt := {"flux-system"}

# A labelled namespace is a tenant's when a RoleBinding grants access in it
# (team-a), not for the label alone (cert-manager, the platform's own), and never
# when exempt (flux-system) or a patch.
test_success_labelled_tenant_namespaces if {
	model := tenant_model
	got := repo.labelled_tenant_namespaces(label, exempt) with input as model
	got == {"team-a"}
	no_binding := json.patch(model, [{"op": "replace", "path": "/kinds/rbac.authorization.k8s.io~1RoleBinding", "value": [14]}])
	repo.labelled_tenant_namespaces(label, exempt) == set() with input as no_binding
}

test_success_reconciler_and_service_account if {
	repo.reconciler({"group": "kustomize.toolkit.fluxcd.io", "kind": "Kustomization"})
	repo.reconciler({"group": "helm.toolkit.fluxcd.io", "kind": "HelmRelease"})
	not repo.reconciler({"group": "kustomize.config.k8s.io", "kind": "Kustomization"})
	repo.service_account_name({"body": {"spec": {"serviceAccountName": "sa"}}}) == "sa"
	not repo.service_account_name({"body": {"spec": {"serviceAccountName": ""}}})
	not repo.service_account_name({"body": {"spec": {}}})
}

# Kustomizations with a service account are tenants; HelmReleases only when
# labelled or in a labelled namespace; kubeconfigs, exempt and templated
# namespaces never.
test_success_tenant_reconcilers if {
	model := tenant_model
	labelled := repo.labelled_tenant_namespaces(label, exempt) with input as model
	got := repo.tenant_reconcilers(label, exempt, labelled) with input as model
	got == {3, 5, 6}
}

test_success_tenant_namespaces_pair_namespaces_and_clusters if {
	model := json.patch(tenant_model, [
		{"op": "replace", "path": "/objects/0/clusters", "value": ["edge", "lab"]},
		{"op": "replace", "path": "/objects/3/clusters", "value": ["edge"]},
	])
	labelled := repo.labelled_tenant_namespaces(label, exempt) with input as model
	reconcilers := repo.tenant_reconcilers(label, exempt, labelled) with input as model
	got := repo.tenant_namespaces(label, labelled, reconcilers) with input as model
	got == {["team-a", "edge"], ["team-a", "lab"], ["team-b", "edge"], ["team-a", ""], ["platform", ""]}
}

test_success_tenant_anchor_prefers_the_namespace_object if {
	repo.tenant_anchor("team-a", "", {5}) == 0 with input as tenant_model
	repo.tenant_anchor("team-b", "", {3}) == 3 with input as tenant_model
}

# --- containers -----------------------------------------------------------------

spec := {"containers": [{"name": "app", "image": "nginx:1.27"}], "initContainers": [{"name": "init", "image": "busybox"}]}

test_success_containers_of_every_workload_kind if {
	every kind in ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"] {
		got := [[c.spec.name, c.path] | some c in repo.containers({"kind": kind, "spec": {"template": {"spec": spec}}})]
		got == [["init", ["spec", "template", "spec", "initContainers", 0]], ["app", ["spec", "template", "spec", "containers", 0]]]
	}
	[c | some c in repo.containers({"kind": "Pod", "spec": spec})][1].path == ["spec", "containers", 0]
	[c | some c in repo.containers({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}})][0].path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0]
}

test_fail_no_containers_outside_workloads_or_in_broken_ones if {
	every body in [
		{"kind": "ConfigMap", "spec": spec},
		{"kind": "Pod"},
		{"kind": "Pod", "spec": null},
		{"kind": "Deployment", "spec": spec},
		{"kind": "Deployment", "spec": {"template": {"spec": null}}},
		{"kind": "Pod", "spec": {"containers": [null, "x"]}},
		{"kind": "Pod", "spec": {"containers": null}},
	] {
		repo.containers(body) == []
	}
}
