# Unit tests of fields.rego: values as messages show them.
package hubspoke.lib.fields_test

import data.hubspoke.lib.fields

test_success_show_quotes_strings if {
	fields.show("Unconfined") == `"Unconfined"`
	fields.show("") == `""`
	fields.show(`say "hi"`) == `"say \"hi\""`
}

test_success_show_writes_other_values_as_json if {
	fields.show(true) == "true"
	fields.show(0) == "0"
	fields.show(null) == "null"
	fields.show(["a", 1]) == `["a",1]`
	fields.show({"b": 1}) == `{"b":1}`
}
