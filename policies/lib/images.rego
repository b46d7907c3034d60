# Parsing container image references: [registry[:port]/]path[:tag][@digest].
package hubspoke.lib.images

# The reference without its digest.
without_digest(image) := split(image, "@")[0]

# The last path component (name[:tag]); a registry port never lands here.
last_component(image) := parts[count(parts) - 1] if {
	# without_digest(image), spelled out: a call costs more than the split on the VM.
	parts := split(split(image, "@")[0], "/")
}
