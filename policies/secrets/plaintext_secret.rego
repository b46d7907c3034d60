package hubspoke.secrets.plaintext_secret

import data.hubspoke.lib.objects

metadata := {
	"id": "SEC001",
	"title": "plaintext-secret",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A Secret holds its values in plain text (base64 is an encoding, not encryption): everyone who can read the repository can read them, forever, through git history. `data` values are decoded first. A value that only refers to a secret kept elsewhere holds none: a Flux substitution without a default (`${DB_PASSWORD}`, also inside a longer value), a template action (`{{ .password }}`), or a whole-value reference of 1Password (`op://...`), argocd-vault-plugin (`<path:...#key>`; `<key>` under an `avp.kubernetes.io/path` annotation), vals (`ref+vault://...`) or bank-vaults (`vault:...`). Real material is reported even inside such a value: a PEM private key (also base64-encoded, as a kubeconfig's `client-key-data`) or a well-known token (GitHub, GitLab, Slack, AWS, Google API, age). Empty values hold nothing. A `data` value that is not base64 is reported at its key: the API server rejects it.",
	"help": "Encrypt the file with SOPS (it then carries a top-level `sops:` key), replace the Secret by an ExternalSecret or a SealedSecret, or leave only references in it (`${VAR}` substitutions from a SOPS-encrypted Secret, a secret manager's references); then rotate the leaked values. Put plain text under `stringData`, not `data`, which holds base64.",
	"tags": ["secrets", "security"],
	"scope": "document",
	"kinds": ["core/Secret"],
	"kyverno": [],
}

# Literal secret values, per field.
violations contains v if {
	input.apiVersion == "v1"
	not input.sops
	some field in ["data", "stringData"]
	values := input[field]
	is_object(values)
	held := [key | some key, value in values; holds_secret(field, value)]
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
	not refers(value)
	not go_base64(value)
	v := {
		"msg": sprintf("%s: data.%s is not base64, so the API server rejects the Secret (plain text belongs under stringData)", [objects.display, key]),
		"path": ["data", key],
	}
}

# The text a value stands for: `stringData` as written, `data` decoded when it is base64.
text_of("stringData", value) := value

text_of("data", value) := base64.decode(without_line_breaks(value)) if {
	is_string(value)
	not refers(value)
	# The decoder the rule has is stricter than Go's (non-zero trailing bits); such a value
	# stays as written, an opaque literal.
	base64.is_valid(without_line_breaks(value))
} else := value

holds_secret(field, value) if {
	not is_string(value)
	value != null
}

holds_secret(field, value) if {
	text := text_of(field, value)
	is_string(text)
	trim_space(text) != ""
	not refers(text)
}

holds_secret(field, value) if {
	text := text_of(field, value)
	is_string(text)
	material(text)
}

# Go's base64 (what the API server decodes `data` with): padded, line breaks ignored.
go_base64(value) if regex.match(`^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`, without_line_breaks(value))

without_line_breaks(value) := replace(replace(value, "\n", ""), "\r", "")

# The value only points at a secret kept elsewhere, or is a template filled in later.
# A 1Password reference is op://<vault>/<item>[/<section>]/<field>, whose names may hold
# spaces; the others are one token.
refers(text) if regex.match(`^\s*(?:op://[^/\s][^/\n]*(?:/[^/\n]*[^/\s]){2,3}|<path:[^>]+>|(?:secret)?ref\+[a-z0-9]+://\S+|(?:>>)?vault:\S+)\s*$`, text)

refers(text) if {
	is_string(input.metadata.annotations["avp.kubernetes.io/path"])
	regex.match(`^\s*<[A-Za-z0-9_.-]+>\s*$`, text)
}

# A Flux substitution without a default (an empty default is none), or a template action.
refers(text) if regex.match(`\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=])?\}|\{\{[^{}]*\}\}`, text)

# Secret material, whatever surrounds it.
material(text) if regex.match(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\bgh[pousr]_[A-Za-z0-9]{36}|\bgithub_pat_[A-Za-z0-9_]{22,}|\bglpat-[A-Za-z0-9_-]{20}|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{35}|AGE-SECRET-KEY-1[0-9A-Z]{58}`, text)

# A base64-encoded PEM private key inside the value (a kubeconfig's client-key-data).
material(text) if {
	some blob in regex.find_n(`LS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2}`, text, -1)
	base64.is_valid(blob)
	regex.match(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY`, base64.decode(blob))
}
