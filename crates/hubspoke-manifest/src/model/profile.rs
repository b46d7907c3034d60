//! The repository's profile: which conventions it opted into, so that a home lab
//! is not told it breaks multi-tenancy. Set in the configuration (`profile:`), or
//! detected from the model: a hub-and-spoke topology, else signs of multi-tenancy
//! (a FluxInstance with `spec.cluster.multitenant`, controllers run with the lockdown
//! flags, a `tenants/` directory), else a single tenant.

use serde::Serialize;

use super::paths::base_name;
use super::types::RepoModel;

/// What a repository is: rules read it (`input.profile`), parameters take their
/// default from it, and the linter drops the multi-tenancy lockdown rules of a
/// single-tenant repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// A hub reconciles spokes; every tenant is locked down; clusters carry the fleet's labels.
    HubSpoke,
    /// Several tenants share clusters: the multi-tenancy lockdown applies.
    MultiTenant,
    /// One team owns the clusters (a home lab, a single product).
    SingleTenant,
}

impl Profile {
    /// Every profile, in the order the documentation lists them.
    pub const ALL: [Profile; 3] = [
        Profile::HubSpoke,
        Profile::MultiTenant,
        Profile::SingleTenant,
    ];

    /// Its name in the configuration and in `input.profile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::HubSpoke => "hub-spoke",
            Profile::MultiTenant => "multi-tenant",
            Profile::SingleTenant => "single-tenant",
        }
    }

    /// The profile named `name`, if any.
    pub fn parse(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Controller flags that lock a Flux installation down for tenants.
const LOCKDOWN_FLAGS: [&str; 2] = ["--no-cross-namespace-refs", "--default-service-account"];

/// The profile the model shows, and why (for the summary and `graph`).
pub(super) fn detect_profile(model: &RepoModel) -> (Profile, &'static str) {
    if model
        .clusters
        .iter()
        .any(|c| c.role == "hub" || c.role == "spoke")
    {
        return (Profile::HubSpoke, "a hub reconciles spokes");
    }
    if model.flux_instances.iter().any(|i| i.multitenant) {
        return (Profile::MultiTenant, "a FluxInstance is multitenant");
    }
    let locked_down = model.clusters.iter().any(|c| {
        c.controller_args
            .values()
            .flatten()
            .any(|arg| LOCKDOWN_FLAGS.iter().any(|flag| arg.starts_with(flag)))
    });
    if locked_down {
        return (
            Profile::MultiTenant,
            "the Flux controllers run with the tenancy lockdown flags",
        );
    }
    if model.directories.iter().any(|d| base_name(d) == "tenants") {
        return (Profile::MultiTenant, "a tenants/ directory");
    }
    (
        Profile::SingleTenant,
        "no hub and spokes, no tenancy lockdown, no tenants/ directory",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for profile in Profile::ALL {
            assert_eq!(Profile::parse(profile.as_str()), Some(profile));
            assert_eq!(
                serde_json::to_value(profile).ok(),
                Some(serde_json::Value::from(profile.as_str()))
            );
        }
        assert_eq!(Profile::parse("hub_spoke"), None);
    }
}
