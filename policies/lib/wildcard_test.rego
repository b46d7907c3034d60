# Unit tests of wildcard.rego, Kyverno's wildcard patterns (`*` any run of
# characters, `?` exactly one, everything else literal). The brackets, braces
# and backslash cases are why there is one matcher: regorus' glob.quote_meta
# leaves `[`, `{` and `\` unescaped, so a glob-based copy read `[ab]` as a class.
package hubspoke.lib.wildcard_test

import data.hubspoke.lib.wildcard

# [pattern, value, matches]
cases := [
	["https://github.com/fluxcd/?*", "https://github.com/fluxcd/flux2", true],
	["https://github.com/fluxcd/?*", "https://github.com/fluxcd/", false],
	["https://github.com/fluxcd/?*", "https://github.com/fluxcdx/flux2", false],
	["*", "", true],
	["*", "anything at all", true],
	["?", "", false],
	["?", "a", true],
	["?", "ab", false],
	["a*c", "ac", true],
	["a*c", "abbbc", true],
	["a*c", "abcd", false],
	["*.example.com", "a.b.example.com", true],
	["*.example.com", "example.com", false],
	["exact", "exact", true],
	["exact", "exact ", false],
	["exact", "Exact", false],
	# Characters special to regular expressions or globs stand for themselves.
	["a.c", "abc", false],
	["a.c", "a.c", true],
	["a+", "aa", false],
	["a+", "a+", true],
	["(x|y)", "x", false],
	["(x|y)", "(x|y)", true],
	["[ab]", "a", false],
	["[ab]", "[ab]", true],
	["{a,b}", "a", false],
	["{a,b}", "{a,b}", true],
	["^a$", "^a$", true],
	["a\\b", "a\\b", true],
	["a/*", "a/b/c", true],
	["registry.io:*", "registry.io:5000", true],
]

test_success_match_follows_every_case if {
	every case in cases {
		[pattern, value, expected] := case
		matched(pattern, value) == expected
	}
}

matched(pattern, value) := true if {
	wildcard.match(pattern, value)
} else := false

test_fail_non_strings_never_match if {
	not wildcard.match(null, "")
	not wildcard.match(1, "1")
	not wildcard.match("*", null)
	not wildcard.match("*", 1)
	not wildcard.match("*", ["a"])
	not wildcard.match("*", {"a": 1})
}

test_success_match_any if {
	wildcard.match_any(["quay.io/*", "ghcr.io/acme/*"], "ghcr.io/acme/app")
	not wildcard.match_any(["quay.io/*", "ghcr.io/acme/*"], "ghcr.io/other/app")
	not wildcard.match_any([], "anything")
}

test_success_regex_of_is_anchored_and_escaped if {
	wildcard.regex_of("a.b*?") == `^a\.b.*.$`
	wildcard.regex_of("") == "^$"
}
