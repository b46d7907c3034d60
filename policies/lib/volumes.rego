# Volumes of Pods and of every controller's pod template.
package hubspoke.lib.volumes

import data.hubspoke.lib.pods

# Every hostPath volume:
# {"name": <volume name>, "path": <hostPath.path as written>, "field": [<keys to hostPath.path>]}.
host_paths contains h if {
	some s in pods.specs
	list := s.spec.volumes
	is_array(list)
	some i, volume in list
	is_object(volume)
	path := volume.hostPath.path
	is_string(path)
	h := {
		"name": volume_name(volume, i),
		"path": path,
		"field": array.concat(s.path, ["volumes", i, "hostPath", "path"]),
	}
}

# A volume's name for messages; by its index when it has none (or not a string).
volume_name(volume, _) := volume.name if is_string(volume.name)

volume_name(volume, i) := sprintf("#%d", [i]) if not is_string(volume.name)

# A host path in a comparable form: repeated and trailing slashes removed, and
# /run spelled /var/run (on every mainstream distribution one links to the other).
normalize(path) := p if {
	collapsed := regex.replace(path, `/+`, "/")
	trimmed := trim_right_slash(collapsed)
	p := var_run(trimmed)
}

trim_right_slash(p) := p if p == "/"

trim_right_slash(p) := trim_right(p, "/") if p != "/"

var_run(p) := concat("", ["/var", p]) if {
	startswith(p, "/run/")
} else := "/var/run" if {
	p == "/run"
} else := p
