package hubspoke.secrets.plaintext_secret

import data.hubspoke.lib.objects

metadata := {
	"id": "SEC001",
	"title": "plaintext-secret",
	"severity": "error",
	"security_severity": 8.5,
	"description": "A Secret holds its values in plain text (base64 is an encoding, not encryption). Everyone with read access to the repository can read it, forever, through git history.",
	"help": "Encrypt the file with SOPS (it then carries a top-level `sops:` key), or replace the Secret by an ExternalSecret or a SealedSecret; then rotate the leaked values.",
	"tags": ["secrets", "security"],
	"scope": "document",
	"kinds": ["core/Secret"],
	"kyverno": [],
}

violations contains v if {
	input.apiVersion == "v1"
	not input.sops
	some field in ["data", "stringData"]
	values := input[field]
	is_object(values)
	count(values) > 0
	v := {
		"msg": sprintf("%s stores %d value(s) in plain text under %s", [objects.display, count(values), field]),
		"path": [field],
	}
}
