//! Flux's own envsubst tables (fluxcd/pkg `envsubst/eval_test.go` at
//! e2cfd1a2d1815a81b3e77ef750e6528282ccccd6: `TestExpand`, `TestExpandStrict`),
//! ported case by case, then the parser's edges they leave out.

use super::envsubst::{Lookup, ParseErrorKind, Template, VariableState};

/// Variables, input, expected output.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

fn lookup<'a>(params: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Lookup<'a> + 'a {
    move |name| {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(Lookup::Undefined, |(_, v)| Lookup::Value(v))
    }
}

/// Non-strict evaluation, as `TestExpand` runs it.
fn expand(params: &[(&str, &str)], input: &str) -> String {
    let template = Template::parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
    let expansion = template.expand(&lookup(params));
    assert_eq!(expansion.panicked, None, "{input}");
    String::from_utf8(expansion.output).expect("utf-8")
}

/// Strict evaluation: `Err(())` where Flux fails with `variable not set`.
fn expand_strict(params: &[(&str, &str)], input: &str) -> Result<String, ()> {
    let template = Template::parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
    let expansion = template.expand(&lookup(params));
    if expansion.references.iter().any(|r| r.fails_strict()) {
        return Err(());
    }
    Ok(String::from_utf8(expansion.output).expect("utf-8"))
}

#[test]
fn flux_test_expand() {
    let z = "abcABC123ABCabc";
    let cases: &[Case] = &[
        (&[], "abcdEFGH28ij", "abcdEFGH28ij"),
        (&[("var01", "abcdEFGH28ij")], "${#var01}", "12"),
        (&[("var01", "abcdEFGH28ij")], "${var01^}", "AbcdEFGH28ij"),
        (&[("var01", "abcdEFGH28ij")], "${var01^^}", "ABCDEFGH28IJ"),
        (&[("var01", "ABCDEFGH28IJ")], "${var01,}", "aBCDEFGH28IJ"),
        (&[("var01", "ABCDEFGH28IJ")], "${var01,,}", "abcdefgh28ij"),
        (
            &[("path_name", "/home/bozo/ideas/thoughts.for.today")],
            "${path_name:11}",
            "ideas/thoughts.for.today",
        ),
        (
            &[("path_name", "/home/bozo/ideas/thoughts.for.today")],
            "${path_name:11:5}",
            "ideas",
        ),
        (&[("var", "abc")], "${var=xyz}", "abc"),
        (&[], "${var=xyz}", "xyz"),
        (
            &[("default_var", "foo")],
            "something ${var=${default_var}}",
            "something foo",
        ),
        (
            &[("default_var", "foo1")],
            "foo: ${var=${default_var}-suffix}",
            "foo: foo1-suffix",
        ),
        (
            &[("default_var", "foo1")],
            "foo: ${var=prefix${default_var}-suffix}",
            "foo: prefixfoo1-suffix",
        ),
        (&[], "${var:=xyz}", "xyz"),
        (&[("stringZ", z)], "${stringZ/%abc/XYZ}", "abcABC123ABCXYZ"),
        (&[("stringZ", z)], "${stringZ/#abc/XYZ}", "XYZABC123ABCabc"),
        (&[("stringZ", z)], "${stringZ//abc/xyz}", "xyzABC123ABCxyz"),
        (&[("stringZ", z)], "${stringZ/abc/xyz}", "xyzABC123ABCabc"),
        (
            &[("filename", "bash.string.txt")],
            "${filename#*.}",
            "string.txt",
        ),
        (&[("filename", "path/to/file")], "${filename#*/}", "to/file"),
        (
            &[("filename", "/path/to/file")],
            "${filename#*/}",
            "path/to/file",
        ),
        (&[("filename", "bash.string.txt")], "${filename##*.}", "txt"),
        (&[("filename", "path/to/file")], "${filename##*/}", "file"),
        (&[("filename", "/path/to/file")], "${filename##*/}", "file"),
        (
            &[("filename", "bash.string.txt")],
            "${filename%.*}",
            "bash.string",
        ),
        (
            &[("filename", "bash.string.txt")],
            "${filename%%.*}",
            "bash",
        ),
        (
            &[("var01", "abcdEFGH28ij")],
            "${var=${var01^^}}",
            "ABCDEFGH28IJ",
        ),
        (&[("var01", "abcdEFGH28ij")], "$${var01}", "${var01}"),
        (
            &[("var01", "abcdEFGH28ij")],
            "some text ${var01}$${var$${var01}$var01${var01}",
            "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij",
        ),
        (
            &[("default_var", "foo")],
            "something $${var=${default_var}}",
            "something ${var=foo}",
        ),
        (&[("stringZ", "foo/bar")], r"${stringZ/\//-}", "foo-bar"),
        (
            &[("stringZ", "foo/bar/baz")],
            r"${stringZ//\//-}",
            "foo-bar-baz",
        ),
        (
            &[("default_var", "foo")],
            r"\\something ${var=${default_var}}",
            r"\\something foo",
        ),
        (&[("stringZ", "foo.bar")], "${stringZ/./}", "foobar"),
    ];
    for (params, input, output) in cases {
        assert_eq!(expand(params, input), *output, "{input}");
    }
}

#[test]
fn flux_test_expand_strict() {
    let ok: &[Case] = &[
        (&[], "abcdEFGH28ij", "abcdEFGH28ij"),
        (&[("foo", "bar")], "${foo}", "bar"),
        (&[("foo", "")], "${foo}", ""),
        (&[("foo", "bar")], "${missing:=default}", "default"),
        (&[], "${missing:-fallback}", "fallback"),
        (&[], "${missing:=assigned}", "assigned"),
        (&[], "${missing=assigned}", "assigned"),
    ];
    for (params, input, output) in ok {
        assert_eq!(
            expand_strict(params, input),
            Ok((*output).to_owned()),
            "{input}"
        );
    }
    // Regression coverage of fluxcd/flux2#5836: operators that read the value fail too.
    for input in [
        "${missing}",
        "${#missing}",
        "${missing^}",
        "${missing^^}",
        "${missing,}",
        "${missing,,}",
        "${missing:0}",
        "${missing:0:10}",
        "${missing/pattern/replacement}",
        "${missing//pattern/replacement}",
        "${missing/#pattern/replacement}",
        "${missing/%pattern/replacement}",
        "${missing#pattern}",
        "${missing##pattern}",
        "${missing%pattern}",
        "${missing%%pattern}",
    ] {
        assert_eq!(expand_strict(&[], input), Err(()), "{input}");
    }
}

#[test]
fn operators_the_readme_lists_but_the_parser_rejects_or_reads_differently() {
    // Without a colon, only `=` is an operator.
    for input in ["${var-default}", "${var+alt}", "${var?err}"] {
        let error = Template::parse(input).expect_err(input);
        assert_eq!(error.kind, ParseErrorKind::MissingClosingBrace, "{input}");
    }
    // `:+` and `:?` evaluate as `:-`: the value when set and non-empty, else the word.
    assert_eq!(expand(&[("v", "x")], "${v:+alt}"), "x");
    assert_eq!(expand(&[], "${v:+alt}"), "alt");
    assert_eq!(expand(&[], "${v:?oops}"), "oops");
    assert_eq!(expand_strict(&[], "${v:+alt}"), Ok("alt".to_owned()));
    // `=` also replaces an empty value (unlike a shell).
    assert_eq!(expand(&[("v", "")], "${v=x}"), "x");
    // A mixed casing operator evaluates to the value.
    assert_eq!(expand(&[("v", "Ab")], "${v,^}"), "Ab");
}

#[test]
fn parse_errors_are_the_ones_flux_raises() {
    let cases = [
        ("${}", ParseErrorKind::VariableName),
        ("${ x}", ParseErrorKind::VariableName),
        ("${x", ParseErrorKind::MissingClosingBrace),
        ("${x y}", ParseErrorKind::MissingClosingBrace),
        ("${x:=y", ParseErrorKind::FunctionArgument),
        ("${x:}", ParseErrorKind::FunctionArgument),
        ("${x:", ParseErrorKind::BadSubstitution),
        ("${x#}", ParseErrorKind::FunctionArgument),
        ("${x/a}", ParseErrorKind::BadSubstitution),
        ("${x//a}", ParseErrorKind::BadSubstitution),
        ("${x///a}", ParseErrorKind::FunctionArgument),
        ("${#}", ParseErrorKind::BadSubstitution),
        ("${x^^^}", ParseErrorKind::BadSubstitution),
        ("${x:1:2", ParseErrorKind::BadSubstitution),
    ];
    for (input, kind) in cases {
        let error = Template::parse(input).expect_err(input);
        assert_eq!(error.kind, kind, "{input}");
        assert_eq!(error.at.start, 0, "{input}");
    }
    let error = Template::parse("ok ${a} then ${b").expect_err("unclosed");
    assert_eq!(error.at.start, 13);
}

#[test]
fn an_unfinished_expression_in_prose_fails_the_whole_string() {
    // The classic: a shell script in a ConfigMap under a Kustomization with postBuild.
    let error = Template::parse("echo $HOME ${ and more").expect_err("fails");
    assert_eq!(error.kind, ParseErrorKind::VariableName);
    assert_eq!(error.at.start, 11);
}

#[test]
fn bare_dollars_escapes_and_backslashes_outside_expressions() {
    assert_eq!(expand(&[("var", "v")], "$var $ $}"), "$var $ $}");
    assert_eq!(expand(&[], "a$$b$$$c"), "a$b$$c");
    assert_eq!(expand(&[], r"a\/b\\c"), r"a\/b\\c");
    assert_eq!(expand(&[("v", "x")], "$$$${v}"), "$${v}");
    assert_eq!(expand(&[("v", "x")], "$$${v}"), "$x");
    // Escapes inside a replacement's pattern and word.
    assert_eq!(expand(&[("v", r"a\b")], r"${v/\\/\/}"), "a/b");
    // `$$` is not an escape in a default word, and `$` alone is text there.
    assert_eq!(expand(&[], "${v:=a$$b}"), "a$$b");
}

#[test]
fn segments_and_references_locate_every_expression() {
    let template = Template::parse("ab${x}c${y:=${z}}").expect("parses");
    let expansion = template.expand(&lookup(&[("x", "XX"), ("z", "Z")]));
    assert_eq!(
        String::from_utf8(expansion.output).expect("utf-8"),
        "abXXcZ"
    );
    let segments: Vec<_> = expansion
        .segments
        .iter()
        .map(|s| (s.output.clone(), s.source.clone(), s.expression))
        .collect();
    assert_eq!(
        segments,
        vec![
            (0..2, 0..2, false),
            (2..4, 2..6, true),
            (4..5, 6..7, false),
            (5..6, 7..17, true),
        ]
    );
    let references: Vec<_> = expansion
        .references
        .iter()
        .map(|r| {
            (
                r.variable.as_str(),
                r.source.clone(),
                r.state,
                r.tolerates_unset,
            )
        })
        .collect();
    assert_eq!(
        references,
        vec![
            ("x", 2..6, VariableState::Defined, false),
            ("z", 12..16, VariableState::Defined, false),
            ("y", 7..17, VariableState::Undefined, true),
        ]
    );
}

#[test]
fn nested_arguments_are_evaluated_even_when_unused() {
    // Go evaluates the default before reading the variable: strict mode fails
    // on `missing` although `v` is set.
    assert_eq!(expand_strict(&[("v", "x")], "${v:=${missing}}"), Err(()));
}

#[test]
fn unknown_values_are_reported_not_invented() {
    let template = Template::parse("${secret:=x}").expect("parses");
    let expansion = template.expand(&|_| Lookup::Unknown);
    assert_eq!(expansion.references[0].state, VariableState::Unknown);
    assert!(!expansion.references[0].fails_strict());
}

#[test]
fn negative_lengths_panic_in_go_and_fail_here() {
    let template = Template::parse("a ${v:2:-1}").expect("parses");
    let expansion = template.expand(&lookup(&[("v", "abcdef")]));
    assert_eq!(expansion.panicked, Some(2..11));
}

#[test]
fn hostile_nesting_stops() {
    let input = "${a:=".repeat(200) + &"}".repeat(200);
    let error = Template::parse(&input).expect_err("too deep");
    assert_eq!(error.kind, ParseErrorKind::TooDeep);
}

#[test]
fn a_nul_character_ends_the_input_as_in_go() {
    assert_eq!(expand(&[("v", "x")], "a${v}\0b${v}"), "ax");
}

mod never_panics {
    use proptest::prelude::*;

    use super::super::envsubst::{Lookup, Template};
    use super::super::scalar::{substitute_string, Placement};

    /// Strings dense in the characters the grammar reacts to.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("$".to_owned()),
                Just("${".to_owned()),
                Just("}".to_owned()),
                Just("$$".to_owned()),
                Just(":".to_owned()),
                Just("=".to_owned()),
                Just("-".to_owned()),
                Just("#".to_owned()),
                Just("%".to_owned()),
                Just("/".to_owned()),
                Just("\\".to_owned()),
                Just("^".to_owned()),
                Just(",".to_owned()),
                Just("*".to_owned()),
                Just("[".to_owned()),
                Just("]".to_owned()),
                Just("v".to_owned()),
                Just("é".to_owned()),
                Just(" ".to_owned()),
                Just("\n".to_owned()),
                Just("'".to_owned()),
                Just("\"".to_owned()),
                "[0-9]{1,2}".prop_map(|s| s),
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parsing_and_expanding_any_text(input in text(), value in text()) {
            if let Ok(template) = Template::parse(&input) {
                let expansion = template.expand(&|name| if name == "v" { Lookup::Value(&value) } else { Lookup::Undefined });
                for segment in &expansion.segments {
                    prop_assert!(segment.source.end <= input.len());
                    prop_assert!(segment.output.end <= expansion.output.len());
                }
            }
            for placement in [Placement::Value, Placement::Item, Placement::Key] {
                let _ = substitute_string(&input, placement, &|name| if name == "v" { Lookup::Value(&value) } else { Lookup::Unknown });
            }
        }
    }
}

/// fluxcd/pkg `envsubst/parse/parse_test.go` `TestParse`: the parse tree of
/// each case (Go nests lists to the right; ours are flat).
#[test]
fn flux_test_parse() {
    let cases = [
        ("text", r#""text""#),
        ("}text", r#""}text""#),
        ("http://github.com", r#""http://github.com""#),
        ("$${string}", r#""${string}""#),
        ("$$string", r#""$string""#),
        (r"\\.\pipe\pipename", r#""\\\\.\\pipe\\pipename""#),
        ("${string}", r#"f(string, "", [])"#),
        ("${string,}", r#"f(string, ",", [])"#),
        ("${string,,}", r#"f(string, ",,", [])"#),
        ("${string^}", r#"f(string, "^", [])"#),
        ("${string^^}", r#"f(string, "^^", [])"#),
        ("${string:position}", r#"f(string, ":", ["position"])"#),
        (
            "${string:position:length}",
            r#"f(string, ":", ["position" + "length"])"#,
        ),
        ("${string#substring}", r##"f(string, "#", ["substring"])"##),
        (
            "${string##substring}",
            r###"f(string, "##", ["substring"])"###,
        ),
        ("${string%substring}", r#"f(string, "%", ["substring"])"#),
        ("${string%%substring}", r#"f(string, "%%", ["substring"])"#),
        (
            "${string/substring/replacement}",
            r#"f(string, "/", ["substring" + "replacement"])"#,
        ),
        (
            "${string//substring/replacement}",
            r#"f(string, "//", ["substring" + "replacement"])"#,
        ),
        (
            "${string/#substring/replacement}",
            r##"f(string, "/#", ["substring" + "replacement"])"##,
        ),
        (
            "${string/%substring/replacement}",
            r#"f(string, "/%", ["substring" + "replacement"])"#,
        ),
        ("${string=default}", r#"f(string, "=", ["default"])"#),
        ("${string:=default}", r#"f(string, ":=", ["default"])"#),
        ("${string:-default}", r#"f(string, ":-", ["default"])"#),
        ("${string:?default}", r#"f(string, ":?", ["default"])"#),
        ("${string:+default}", r#"f(string, ":+", ["default"])"#),
        ("${#string}", r##"f(string, "#", [])"##),
        ("${string#$%:*{}", r##"f(string, "#", ["$%:*{"])"##),
        (
            "hello ${#string} world",
            r##""hello " + f(string, "#", []) + " world""##,
        ),
        (
            r"\\ hello ${#string} world \\",
            r##""\\\\ hello " + f(string, "#", []) + " world \\\\""##,
        ),
        (
            r"${string/\/position/length}",
            r#"f(string, "/", ["/position" + "length"])"#,
        ),
        (
            r"${string/\/position\\/length}",
            r#"f(string, "/", ["/position\\" + "length"])"#,
        ),
        (
            r"${string/position/\/length}",
            r#"f(string, "/", ["position" + "/length"])"#,
        ),
        (
            r"${string/position/\/length\\}",
            r#"f(string, "/", ["position" + "/length\\"])"#,
        ),
        (
            r"${string/position/\/leng\\th}",
            r#"f(string, "/", ["position" + "/leng\\th"])"#,
        ),
        (
            "${string:${position}}",
            r#"f(string, ":", [f(position, "", [])])"#,
        ),
        (
            "${string:${stringy:position:length}:${stringz,,}}",
            r#"f(string, ":", [f(stringy, ":", ["position" + "length"]) + f(stringz, ",,", [])])"#,
        ),
        (
            "${string#${stringz}}",
            r##"f(string, "#", [f(stringz, "", [])])"##,
        ),
        (
            "${string=${stringz}}",
            r#"f(string, "=", [f(stringz, "", [])])"#,
        ),
        (
            "${string=prefix-${var}}",
            r#"f(string, "=", ["prefix-" + f(var, "", [])])"#,
        ),
        (
            "${string=${var}-suffix}",
            r#"f(string, "=", [f(var, "", []) + "-suffix"])"#,
        ),
        (
            "${string=prefix-${var}-suffix}",
            r#"f(string, "=", ["prefix-" + f(var, "", []) + "-suffix"])"#,
        ),
        (
            "${string=prefix${var} suffix}",
            r#"f(string, "=", ["prefix" + f(var, "", []) + " suffix"])"#,
        ),
        (
            "${string//${stringy}/${stringz}}",
            r#"f(string, "//", [f(stringy, "", []) + f(stringz, "", [])])"#,
        ),
    ];
    for (input, tree) in cases {
        let template = Template::parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
        assert_eq!(template.tree(), tree, "{input}");
    }
}
