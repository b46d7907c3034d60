# What the values of a Secret hold: secret material, or only references to a secret kept
# elsewhere, or placeholders. Shared by SEC001 (plaintext-secret), which judges each
# value, and the repository helpers (repo.rego), which count a Secret holding nothing
# secret as a committed object that Flux can apply.
package hubspoke.lib.secret_values

# Whether the value under `field` ("data" or "stringData") holds a secret. `annotations`
# are the Secret's (argocd-vault-plugin's `<key>` form needs `avp.kubernetes.io/path`).
holds_secret(field, value, annotations) if {
	not is_string(value)
	value != null
}

holds_secret(field, value, annotations) if {
	text := text_of(field, value, annotations)
	is_string(text)
	trim_space(text) != ""
	not refers(text, annotations)
	not placeholder(value) # `data: XXXX` is valid base64 too: the value as written
	not placeholder(text)
	not public_keys(text)
}

holds_secret(field, value, annotations) if {
	text := text_of(field, value, annotations)
	is_string(text)
	material(text)
}

# Whether a Secret body holds no secret in `data` or `stringData` (SEC001 reports none of
# its values).
holds_nothing_secret(body) if {
	annotations := object.get(body, ["metadata", "annotations"], {})
	not any_secret(body, annotations)
}

any_secret(body, annotations) if {
	some field in ["data", "stringData"]
	values := body[field]
	is_object(values)
	some value in values
	holds_secret(field, value, annotations)
}

# The text a value stands for: `stringData` as written, `data` decoded when it is base64.
text_of("stringData", value, annotations) := value

text_of("data", value, annotations) := base64.decode(without_line_breaks(value)) if {
	is_string(value)
	not refers(value, annotations)
	# The decoder the rule has is stricter than Go's (non-zero trailing bits); such a value
	# stays as written, an opaque literal.
	base64.is_valid(without_line_breaks(value))
} else := value

# Go's base64 (what the API server decodes `data` with): padded, line breaks ignored.
go_base64(value) if regex.match(`^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`, without_line_breaks(value))

without_line_breaks(value) := replace(replace(value, "\n", ""), "\r", "")

# The value only points at a secret kept elsewhere, or is a template filled in later.
# A 1Password reference is op://<vault>/<item>[/<section>]/<field>, whose names may hold
# spaces; the others are one token.
refers(text, annotations) if regex.match(`^\s*(?:op://[^/\s][^/\n]*(?:/[^/\n]*[^/\s]){2,3}|<path:[^>]+>|(?:secret)?ref\+[a-z0-9]+://\S+|(?:>>)?vault:\S+)\s*$`, text)

refers(text, annotations) if {
	is_string(annotations["avp.kubernetes.io/path"])
	regex.match(`^\s*<[A-Za-z0-9_.-]+>\s*$`, text)
}

# A Flux substitution without a default (an empty default is none), or a template action.
refers(text, annotations) if regex.match(`\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=])?\}|\{\{[^{}]*\}\}`, text)

# An obvious placeholder, the whole value (case-insensitive, surrounding space ignored): a
# run of four or more `X` (`XXXX`; runs joined by `-`, `_` or `.`: `xxxx-xxxx`), a word in
# angle brackets written to be replaced (`<your-token>`, `<PASSWORD>`: letters, digits,
# `-`, `_`, `.` and spaces), or one of `changeme`, `change-me`, `change_me`, `replaceme`,
# `replace-me`, `replace_me`, `todo`, `tbd`, `example`, `placeholder`, `redacted`. Kept
# short on purpose: a weak real password (`password`, `admin`) is not one, and real
# material inside any value is still caught by `material`.
placeholder(text) if regex.match(`(?i)^\s*(?:x{4,}(?:[-_.]x{4,})*|<[a-z0-9][a-z0-9 _.-]*>|change[-_]?me|replace[-_]?me|todo|tbd|example|placeholder|redacted)\s*$`, text)

# Public keys only: every line an SSH public key, optionally after a known_hosts marker and
# host list (`known_hosts`, `identity.pub` of `flux create secret git`), or a comment.
public_keys(text) if {
	lines := [line | some line in split(text, "\n"); trim_space(line) != ""]
	count(lines) > 0
	keys := [line | some line in lines; public_key_line(line)]
	count(keys) == count(lines)
}

public_key_line(line) if regex.match(`^\s*(?:@[a-z-]+\s+)?(?:\S+\s+)?(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+AAAA[0-9A-Za-z+/]+=*(?:\s.*)?$`, line)

public_key_line(line) if regex.match(`^\s*#`, line)

# Secret material, whatever surrounds it.
material(text) if regex.match(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\bgh[pousr]_[A-Za-z0-9]{36}|\bgithub_pat_[A-Za-z0-9_]{22,}|\bglpat-[A-Za-z0-9_-]{20}|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{35}|AGE-SECRET-KEY-1[0-9A-Z]{58}`, text)

# A base64-encoded PEM private key inside the value (a kubeconfig's client-key-data).
material(text) if {
	some blob in regex.find_n(`LS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2}`, text, -1)
	base64.is_valid(blob)
	regex.match(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY`, base64.decode(blob))
}
