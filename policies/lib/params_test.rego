# Unit tests of params.rego: a rule's parameters from the configuration
# (`data.hubspoke.config.params.<ID>.<name>`), with the rule's default otherwise.
package hubspoke.lib.params_test

import data.hubspoke.lib.params

config(value) := {"params": {"BP006": {"allowed_registries": value}}}

# --- get ------------------------------------------------------------------------

test_success_get_reads_the_configured_value if {
	params.get("BP006", "allowed_registries", ["x"]) == ["ghcr.io"] with data.hubspoke.config as config(["ghcr.io"])
	params.get("BP006", "allowed_registries", 3) == 0 with data.hubspoke.config as config(0)
	params.get("BP006", "allowed_registries", true) == false with data.hubspoke.config as config(false)
}

test_success_get_falls_back_without_config if {
	params.get("BP006", "allowed_registries", ["x"]) == ["x"]
	params.get("BP006", "allowed_registries", ["x"]) == ["x"] with data.hubspoke.config as {}
	params.get("BP006", "allowed_registries", ["x"]) == ["x"] with data.hubspoke.config as {"params": {}}
}

# Another rule's parameter, or another parameter of the same rule, is not this one.
test_fail_get_reads_only_its_own_rule_and_name if {
	params.get("BP007", "allowed_registries", "d") == "d" with data.hubspoke.config as config(["ghcr.io"])
	params.get("BP006", "allowed_registry", "d") == "d" with data.hubspoke.config as config(["ghcr.io"])
}

# A rule entry that is not an object (a typo the config validation would
# reject) still leaves the rule with its default.
test_success_get_falls_back_through_non_objects if {
	params.get("BP006", "allowed_registries", "d") == "d" with data.hubspoke.config as {"params": {"BP006": "ghcr.io"}}
	params.get("BP006", "allowed_registries", "d") == "d" with data.hubspoke.config as {"params": null}
}

# --- strings --------------------------------------------------------------------

test_success_strings_reads_a_list if {
	params.strings("BP006", "allowed_registries", ["d"]) == ["ghcr.io", "quay.io"] with data.hubspoke.config as config(["ghcr.io", "quay.io"])
}

test_success_strings_keeps_an_empty_list if {
	params.strings("BP006", "allowed_registries", ["d"]) == [] with data.hubspoke.config as config([])
}

test_success_strings_wraps_a_single_string if {
	params.strings("BP006", "allowed_registries", ["d"]) == ["ghcr.io"] with data.hubspoke.config as config("ghcr.io")
}

test_success_strings_drops_what_is_not_a_string if {
	params.strings("BP006", "allowed_registries", ["d"]) == ["ghcr.io"] with data.hubspoke.config as config([1, "ghcr.io", null, ["x"]])
}

test_success_strings_falls_back_on_other_shapes if {
	every value in [null, 3, true, {"a": "b"}] {
		params.strings("BP006", "allowed_registries", ["d"]) == ["d"] with data.hubspoke.config as config(value)
	}
	params.strings("BP006", "allowed_registries", ["d"]) == ["d"]
}

# --- value and string_list: declared parameters ------------------------------------
# The engine fills every declared default in, so a declared parameter is always there.

test_success_value_reads_the_declared_parameter if {
	params.value("BP006", "allowed_registries") == ["ghcr.io"] with data.hubspoke.config as config(["ghcr.io"])
	params.value("PSS007", "min") == 5000 with data.hubspoke.config as {"params": {"PSS007": {"min": 5000}}}
}

test_fail_value_is_undefined_for_an_undeclared_parameter if {
	not params.value("BP006", "allowed_registry") with data.hubspoke.config as config(["ghcr.io"])
	not params.value("BP007", "allowed_registries") with data.hubspoke.config as config(["ghcr.io"])
}

test_success_string_list_wraps_a_bare_string if {
	params.string_list("BP006", "allowed_registries") == ["ghcr.io"] with data.hubspoke.config as config("ghcr.io")
	params.string_list("BP006", "allowed_registries") == ["a", "b"] with data.hubspoke.config as config(["a", "b"])
	params.string_list("BP006", "allowed_registries") == [] with data.hubspoke.config as config([])
}

# --- profile_string_list: defaults by the repository's profile ---------------------

labels_config := {
	"params": {"HUB015": {"required_labels": ["environment", "team"]}},
	"profile_defaults": {"HUB015": {"required_labels": {"single-tenant": [], "multi-tenant": ["team"]}}},
}

test_success_profile_string_list_takes_the_profile_default if {
	params.profile_string_list("HUB015", "required_labels") == [] with data.hubspoke.config as labels_config with input as {"profile": "single-tenant"}
	params.profile_string_list("HUB015", "required_labels") == ["team"] with data.hubspoke.config as labels_config with input as {"profile": "multi-tenant"}
}

test_success_profile_string_list_falls_back_to_the_parameter if {
	# hub-spoke has no entry: the declared default (or the configured value, which the
	# engine then leaves out of profile_defaults).
	params.profile_string_list("HUB015", "required_labels") == ["environment", "team"] with data.hubspoke.config as labels_config with input as {"profile": "hub-spoke"}
	params.profile_string_list("HUB015", "required_labels") == ["environment", "team"] with data.hubspoke.config as {"params": labels_config.params} with input as {"profile": "single-tenant"}
}

# --- configured: set by the configuration, not the declared or profile default ----------

test_success_configured_when_no_profile_default_is_listed if {
	params.configured("HUB015", "required_labels") with data.hubspoke.config as {"params": labels_config.params}
}

test_failure_not_configured_when_the_profile_default_is_listed if {
	not params.configured("HUB015", "required_labels") with data.hubspoke.config as labels_config
}
