# Kyverno's wildcard patterns: `*` matches any run of characters (also none),
# `?` exactly one; every other character stands for itself.
package hubspoke.lib.wildcard

# The anchored regular expression of a wildcard pattern.
regex_of(pattern) := concat("", ["^", replace(replace(escaped, "?", "."), "*", ".*"), "$"]) if {
	escaped := regex.replace(pattern, `([.+^$()\[\]{}|\\])`, `\$1`)
}

# Whether `value` matches the wildcard `pattern`.
match(pattern, value) if {
	is_string(pattern)
	is_string(value)
	regex.match(regex_of(pattern), value)
}

# Whether `value` matches any of `patterns`.
match_any(patterns, value) if {
	some pattern in patterns
	match(pattern, value)
}
