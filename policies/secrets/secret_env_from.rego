package hubspoke.secrets.secret_env_from

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "SEC003",
	"title": "secret-env-from",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A container loads a whole Secret into its environment (`envFrom[].secretRef`). Every key of the Secret, including ones added later, becomes an environment variable that crash reports, debug endpoints and log lines printing the environment can leak, and that every process of the container inherits.",
	"help": "Mount the Secret as a volume and let the application read the files it needs. Init and ephemeral containers are checked too (Kyverno's secrets-not-from-env-vars only looks at `containers`).",
	"tags": ["secrets", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "secrets-not-from-env-vars", "rule": "secrets-not-from-envfrom"}],
	"trivy": [],
	"checkov": ["CKV_K8S_35"],
}

violations contains v if {
	some c in pods.containers
	sources := c.spec.envFrom
	is_array(sources)
	some i, source in sources
	source.secretRef != null
	v := {
		"msg": sprintf("%s of %s loads every key of Secret %s into its environment", [pods.name(c), objects.display, secret_name(source.secretRef)]),
		"path": array.concat(c.path, ["envFrom", i, "secretRef"]),
	}
}

secret_name(ref) := sprintf("%q", [ref.name]) if is_string(ref.name)

secret_name(ref) := "(unnamed)" if not is_string(ref.name)
