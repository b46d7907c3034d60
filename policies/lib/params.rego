# Rule parameters: `data.hubspoke.config.params[<rule id>][<name>]`, with the
# rule's default when the configuration does not set it (or sets no config at all).
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
