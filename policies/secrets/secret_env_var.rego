package hubspoke.secrets.secret_env_var

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "SEC002",
	"title": "secret-env-var",
	"severity": "warning",
	"security_severity": 4.0,
	"description": "A container takes a Secret's value as an environment variable (`env[].valueFrom.secretKeyRef`). Environment variables end up in crash reports, debug endpoints, `kubectl describe` of child processes and log lines that print the environment, and every process of the container inherits them; a Secret mounted as a file is read only by whoever opens it and is updated in place when the Secret changes.",
	"help": "Mount the Secret as a volume (or a projected volume) and let the application read the file. Init and ephemeral containers are checked too (Kyverno's secrets-not-from-env-vars only looks at `containers`).",
	"tags": ["secrets", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "secrets-not-from-env-vars", "rule": "secrets-not-from-env-vars"}],
	"trivy": [],
	"checkov": ["CKV_K8S_35"],
}

violations contains v if {
	some c in pods.containers
	env := c.spec.env
	is_array(env)
	some i, variable in env
	variable.valueFrom.secretKeyRef != null
	v := {
		"msg": sprintf("%s of %s reads Secret %s into the environment variable %s", [pods.name(c), objects.display, secret_name(variable.valueFrom.secretKeyRef), variable_name(variable)]),
		"path": array.concat(c.path, ["env", i, "valueFrom", "secretKeyRef"]),
	}
}

secret_name(ref) := sprintf("%q", [ref.name]) if is_string(ref.name)

secret_name(ref) := "(unnamed)" if not is_string(ref.name)

variable_name(variable) := sprintf("%q", [variable.name]) if is_string(variable.name)

variable_name(variable) := "(unnamed)" if not is_string(variable.name)
