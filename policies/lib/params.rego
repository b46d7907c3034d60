# Rule parameters: `data.hubspoke.config.params[<rule id>][<name>]`. Bundled rules declare
# theirs in `metadata.parameters` and read them with `value`/`string_list`; `get` and
# `strings` (with a fallback) serve policies that read settings they do not declare.
package hubspoke.lib.params

# The value of parameter `name` of rule `id`, else `fallback`.
get(id, name, fallback) := value if {
	value := object.get(data.hubspoke.config, ["params", id, name], fallback)
} else := fallback

# A list-of-strings parameter; any other shape (a bare string, a number) is
# wrapped or ignored so that a typo in the config cannot make a rule crash.
strings(id, name, fallback) := [s | some s in value; is_string(s)] if {
	value := object.get(data.hubspoke.config, ["params", id, name], fallback)
	is_array(value)
} else := [value] if {
	value := object.get(data.hubspoke.config, ["params", id, name], fallback)
	is_string(value)
} else := fallback

# The value of a parameter the rule declares in its metadata (`parameters`): the
# engine fills every declared default in, and configuration validation guarantees
# the declared type, so no fallback is needed.
value(id, name) := data.hubspoke.config.params[id][name]

# A declared `string-list` parameter as a list (a bare string is a list of one).
string_list(id, name) := [name_value] if {
	name_value := data.hubspoke.config.params[id][name]
	is_string(name_value)
} else := data.hubspoke.config.params[id][name]

# A declared `string-list` parameter whose default depends on the repository's profile
# (`profile_defaults` in its declaration; `input.profile` of a repository rule): the
# configured value, else the profile's default, else the declared default.
# `object.get` and a test, not `value := data...[input.profile]`: regorus' bytecode VM
# lets an assignment of an undefined value through, so the `else` was never taken.
profile_string_list(id, name) := value if {
	value := object.get(data.hubspoke.config, ["profile_defaults", id, name, input.profile], null)
	value != null
} else := string_list(id, name)

# Whether the configuration sets parameter `name` of rule `id` (a parameter with
# `profile_defaults` only: its profile default is listed under `profile_defaults`
# exactly when the configuration does not set it).
configured(id, name) if {
	object.get(data.hubspoke.config, ["profile_defaults", id, name], null) == null
}
