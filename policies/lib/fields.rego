# Reading fields the way our pod-security rules must, to agree with both
# Kubernetes and Kyverno's validation patterns:
# - an explicit null is an absent field, as Kubernetes decodes it (Kyverno's
#   patterns would reject a null; no Kyverno conformance case writes one);
# - a pattern value such as "false" accepts the boolean and the string;
# - Kyverno wildcards (`*` any run of characters, `?` one) are wildcard.rego's.
package hubspoke.lib.fields

# The rules test presence and Kyverno's true/false patterns inline, not through
# helpers here: `obj.key != null` (a lookup in anything but an object is
# undefined) and `value in {false, "false"}`. On the VM a helper call costs more
# than the test.

# A value for messages: strings quoted, everything else as JSON.
show(value) := sprintf("%q", [value]) if is_string(value)

show(value) := json.marshal(value) if not is_string(value)
