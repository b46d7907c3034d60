package hubspoke.secrets.plaintext_secret

import data.hubspoke.lib.objects
import data.hubspoke.lib.secret_values

metadata := {
	"id": "SEC001",
	"title": "plaintext-secret",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A Secret holds its values in plain text (base64 is an encoding, not encryption): anyone who can read the repository reads them, forever, through git history. `data` values are decoded first. A value that only refers to a secret kept elsewhere holds none: a Flux substitution without a default (`${DB_PASSWORD}`), a template action (`{{ .password }}`), a whole-value reference of 1Password (`op://...`), argocd-vault-plugin (`<path:...#key>`; `<key>` under an `avp.kubernetes.io/path` annotation), vals (`ref+vault://...`) or bank-vaults (`vault:...`). Nor do empty values, obvious placeholders (a whole value of four or more `X`, a word in angle brackets such as `<your-token>`, `changeme`, `replace-me`, `todo`, `tbd`, `example`, `placeholder`, `redacted`) or SSH public keys and `known_hosts` lines. Real material is reported inside any of these: a PEM private key (also base64-encoded) or a known token (GitHub, GitLab, Slack, AWS, Google, age). A `data` value not base64 is reported at its key.",
	"help": "Encrypt the file with SOPS (it then carries a top-level `sops:` key), replace the Secret by an ExternalSecret or a SealedSecret, or leave only references in it (`${VAR}` substitutions from a SOPS-encrypted Secret, a secret manager's references); then rotate the leaked values. Put plain text under `stringData`, not `data`, which holds base64.",
	"tags": ["secrets", "security"],
	"scope": "document",
	"kinds": ["core/Secret"],
	"kyverno": [],
}

annotations := object.get(input, ["metadata", "annotations"], {})

# Literal secret values, per field.
violations contains v if {
	input.apiVersion == "v1"
	not input.sops
	some field in ["data", "stringData"]
	values := input[field]
	is_object(values)
	held := [key | some key, value in values; secret_values.holds_secret(field, value, annotations)]
	count(held) > 0
	v := {
		"msg": sprintf("%s stores %d value(s) in plain text under %s", [objects.display, count(held), field]),
		"path": [field],
	}
}

# `data` holds base64; anything else is rejected by the API server.
violations contains v if {
	input.apiVersion == "v1"
	not input.sops
	values := input.data
	is_object(values)
	some key, value in values
	is_string(value)
	not secret_values.refers(value, annotations)
	not secret_values.go_base64(value)
	v := {
		"msg": sprintf("%s: data.%s is not base64, so the API server rejects the Secret (plain text belongs under stringData)", [objects.display, key]),
		"path": ["data", key],
	}
}
