//! The profile a repository shows: hub-spoke, multi-tenant or single-tenant.

use super::{model_of, model_with};
use crate::model::types::{ModelOptions, Profile, RepoModel};

const BOOTSTRAP: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {path: ./clusters/main, sourceRef: {kind: GitRepository, name: flux-system}}\n";

fn profile(model: &RepoModel) -> (Profile, &str) {
    (model.profile, model.profile_reason.as_str())
}

#[test]
fn a_home_lab_is_single_tenant() {
    let model = model_of(&[("clusters/main/flux-system/gotk-sync.yaml", BOOTSTRAP)]);
    assert_eq!(
        profile(&model),
        (
            Profile::SingleTenant,
            "no hub and spokes, no tenancy lockdown, no tenants/ directory"
        )
    );
}

#[test]
fn a_hub_reconciling_a_spoke_is_hub_spoke() {
    let model = model_of(&[
        ("clusters/main/flux-system/gotk-sync.yaml", BOOTSTRAP),
        ("clusters/main/edge.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: edge, namespace: flux-system}\nspec: {path: ./clusters/edge, sourceRef: {kind: GitRepository, name: flux-system}, kubeConfig: {secretRef: {name: edge-kubeconfig}}}\n"),
        ("clusters/edge/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n"),
        // A tenants/ directory does not outrank the topology.
        ("tenants/a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"),
    ]);
    assert_eq!(
        profile(&model),
        (Profile::HubSpoke, "a hub reconciles spokes")
    );
}

#[test]
fn lockdown_flags_and_tenants_directories_are_multi_tenant() {
    let patched = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\npatches:\n  - target: {kind: Deployment, name: kustomize-controller}\n    patch: |\n      - op: add\n        path: /spec/template/spec/containers/0/args/-\n        value: --no-cross-namespace-refs=true\n";
    let model = model_of(&[
        ("clusters/main/flux-system/gotk-sync.yaml", BOOTSTRAP),
        ("clusters/main/flux-system/kustomization.yaml", patched),
    ]);
    assert_eq!(
        profile(&model),
        (
            Profile::MultiTenant,
            "the Flux controllers run with the tenancy lockdown flags"
        )
    );
    let model = model_of(&[
        ("clusters/main/flux-system/gotk-sync.yaml", BOOTSTRAP),
        (
            "tenants/base/team-a/rbac.yaml",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: team-a, namespace: team-a}\n",
        ),
    ]);
    assert_eq!(
        profile(&model),
        (Profile::MultiTenant, "a tenants/ directory")
    );
}

#[test]
fn a_configured_profile_wins() {
    let options = ModelOptions {
        profile: Some(Profile::HubSpoke),
        ..ModelOptions::default()
    };
    let model = model_with(
        &[("clusters/main/flux-system/gotk-sync.yaml", BOOTSTRAP)],
        &options,
    );
    assert_eq!(profile(&model), (Profile::HubSpoke, "configured"));
}
