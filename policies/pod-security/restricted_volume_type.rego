package hubspoke.pod_security.restricted_volume_type

import data.hubspoke.lib.objects
import data.hubspoke.lib.pods

metadata := {
	"id": "PSS020",
	"title": "restricted-volume-type",
	"severity": "warning",
	"security_severity": 5.0,
	"description": "A pod uses a volume type outside the restricted set. Network and node-backed volumes (nfs, iscsi, hostPath, …) reach storage outside the pod's control; the Pod Security Standards restricted profile, as Kyverno's restrict-volume-types checks it, allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret.",
	"help": "Use one of the allowed volume types; for network storage, mount it through a persistentVolumeClaim.",
	"tags": ["pod-security", "restricted", "security"],
	"scope": "document",
	"kinds": pods.kinds,
	"kyverno": [{"policy": "restrict-volume-types", "rule": "restricted-volumes"}],
}

allowed := {
	"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
	"persistentVolumeClaim", "projected", "secret",
}

# Kyverno: deny when some key of some volume (`spec.volumes[].keys(@)[]`) is
# not in the list.
violations contains v if {
	some s in pods.specs
	is_array(s.spec.volumes)
	some i, volume in s.spec.volumes
	is_object(volume)
	some key, value in volume
	value != null
	not key in allowed
	v := {
		"msg": sprintf("volume %s of %s is of type %s, which the restricted profile does not allow", [volume_name(volume, i), objects.display, key]),
		"path": array.concat(s.path, ["volumes", i, key]),
	}
}

volume_name(volume, _) := sprintf("%q", [volume.name]) if is_string(volume.name)

volume_name(volume, i) := sprintf("#%d", [i]) if not is_string(volume.name)
