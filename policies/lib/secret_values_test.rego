# Unit tests of secret_values.rego: which Secret values hold a secret (SEC001) and which
# are references, placeholders or public keys. `data` values are base64 of the text.
package hubspoke.lib.secret_values_test

import data.hubspoke.lib.secret_values

# [field, value, holds a secret]
cases := [
	# Placeholders: the whole value, case-insensitive.
	["stringData", "XXXX", false],
	["stringData", "xxxxxxxx", false],
	["stringData", " XXXX-XXXX_XXXX ", false],
	["data", "XXXX", false], # valid base64 itself: judged as written too
	["data", base64.encode("XXXXXXXX"), false],
	["stringData", "<your-token>", false],
	["stringData", "<GITHUB TOKEN>", false],
	["data", base64.encode("<password>"), false],
	["stringData", "changeme", false],
	["stringData", "CHANGE_ME", false],
	["stringData", "replace-me", false],
	["stringData", "REPLACE_ME", false],
	["stringData", "TODO", false],
	["stringData", "tbd", false],
	["stringData", "example", false],
	["stringData", "placeholder", false],
	["stringData", "redacted", false],
	# Not placeholders: too short, or more than the placeholder, or a weak real value.
	["stringData", "XXX", true],
	["stringData", "XXXX1", true],
	["stringData", "token-XXXX", true],
	["stringData", "changeme123", true],
	["stringData", "password", true],
	["stringData", "admin", true],
	["stringData", "<a>b", true],
	["stringData", "s3cr3t", true],
	["data", base64.encode("hunter2"), true],
	# Real material stays whatever surrounds it.
	["stringData", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", true],
	["data", base64.encode("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"), true],
	["stringData", "ghp_0123456789abcdefghijABCDEFGHIJ012345", true],
	["stringData", "<ghp_0123456789abcdefghijABCDEFGHIJ012345>", true],
	# Public keys: known_hosts lines and SSH public keys.
	["stringData", "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=", false],
	["stringData", "@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n# comment\ngithub.com ssh-rsa AAAAB3NzaC1yc2E=\n", false],
	["data", base64.encode("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB flux"), false],
	["stringData", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB flux\nhunter2", true],
	# References.
	["stringData", "op://vault/item/field", false],
	["stringData", "${DB_PASSWORD}", false],
	["stringData", "", false],
	["stringData", 42, true],
	["stringData", null, false],
]

test_success_holds_secret_follows_every_case if {
	every case in cases {
		[field, value, expected] := case
		held(field, value) == expected
	}
}

held(field, value) := true if {
	secret_values.holds_secret(field, value, {})
} else := false

test_success_holds_nothing_secret if {
	secret_values.holds_nothing_secret({"stringData": {"a": "op://v/i/f", "b": "XXXX"}, "data": {"c": ""}})
	secret_values.holds_nothing_secret({"metadata": {"name": "no-values"}})
	not secret_values.holds_nothing_secret({"stringData": {"a": "op://v/i/f", "b": "real"}})
	not secret_values.holds_nothing_secret({"data": {"a": base64.encode("real")}})
}

test_success_avp_key_needs_its_annotation if {
	not secret_values.holds_secret("stringData", "<password>", {"avp.kubernetes.io/path": "secret/data/db"})
	secret_values.refers("<password>", {"avp.kubernetes.io/path": "secret/data/db"})
	not secret_values.refers("<password>", {})
}
