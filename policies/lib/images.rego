# Parsing container image references: [registry[:port]/]path[:tag][@digest].
package hubspoke.lib.images

# The reference without its digest.
without_digest(image) := split(image, "@")[0]

has_digest(image) if contains(image, "@")

# The last path component (name[:tag]); a registry port never lands here.
last_component(image) := parts[count(parts) - 1] if {
	# without_digest(image), spelled out: a call costs more than the split on the VM.
	parts := split(split(image, "@")[0], "/")
}

has_tag(image) if contains(last_component(image), ":")

tag(image) := t if {
	parts := split(last_component(image), ":")
	count(parts) == 2
	t := parts[1]
}
