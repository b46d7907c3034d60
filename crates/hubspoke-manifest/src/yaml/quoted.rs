//! The true end of a quoted scalar. saphyr ends a quoted scalar's span after the
//! blanks and the comment that follow its closing quote (it scans them to check for
//! trailing content), so `image: "nginx:1.0" # pinned` would be underlined up to the
//! end of the comment. The closing quote is found again in the source text.

use crate::position::Mark;

/// The mark just past the closing quote of the quoted scalar whose properties (an
/// optional tag and anchor) and opening quote start at `start`. `text` starts at the
/// beginning of `start`'s line. `None` when the text there is not a quoted scalar,
/// which only a disagreement with the parser about lines could cause.
pub(super) fn quoted_end(text: &str, start: Mark) -> Option<Mark> {
    let mut chars = text.chars().peekable();
    let mut mark = Mark {
        line: start.line,
        col: 0,
    };
    while mark.col < start.col {
        match chars.next()? {
            '\n' => return None,
            _ => mark.col += 1,
        }
    }
    // Properties (`!tag`, `&anchor`) come before the quote, each followed by blanks.
    while matches!(chars.peek(), Some('!' | '&')) {
        while chars.next_if(|c| !c.is_whitespace()).is_some() {
            mark.col += 1;
        }
        while let Some(c) = chars.next_if(|c| c.is_whitespace()) {
            advance(&mut mark, c);
        }
    }
    let quote = chars.next().filter(|c| matches!(c, '"' | '\''))?;
    mark.col += 1;
    while let Some(c) = chars.next() {
        advance(&mut mark, c);
        match c {
            // `\"` and `\\` in a double-quoted scalar; a single-quoted one has no escapes.
            '\\' if quote == '"' => advance(&mut mark, chars.next()?),
            // `''` is a quote inside a single-quoted scalar.
            '\'' if quote == '\'' && chars.peek() == Some(&'\'') => {
                chars.next();
                mark.col += 1;
            }
            c if c == quote => return Some(mark),
            _ => {}
        }
    }
    None
}

/// Move `mark` past `c`.
fn advance(mark: &mut Mark, c: char) {
    if c == '\n' {
        mark.line += 1;
        mark.col = 0;
    } else {
        mark.col += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::Span;
    use crate::yaml::{parse_stream, ParseLimits};

    fn parse(text: &str) -> crate::yaml::YamlStream {
        parse_stream(text, ParseLimits::default())
    }

    #[test]
    fn a_quoted_scalar_ends_at_its_closing_quote_not_after_its_comment() {
        let s = parse("image: \"nginx:1.0\" # pinned\n'k'  : 'v' # c\nplain: x # c\n");
        let root = &s.documents[0].root;
        let span = |key: &str| root.get(key).map(|n| n.span);
        let at = |line, col| Mark { line, col };
        assert_eq!(
            span("image"),
            Some(Span {
                start: at(1, 7),
                end: at(1, 18)
            })
        );
        assert_eq!(
            span("k"),
            Some(Span {
                start: at(2, 7),
                end: at(2, 10)
            })
        );
        assert_eq!(
            root.get_entry("k").map(|(key, _)| key.span),
            Some(Span {
                start: at(2, 0),
                end: at(2, 3)
            })
        );
        // Plain scalars already ended at their last character.
        assert_eq!(
            span("plain"),
            Some(Span {
                start: at(3, 7),
                end: at(3, 8)
            })
        );
    }

    fn at(line: u32, col: u32) -> Mark {
        Mark { line, col }
    }

    #[test]
    fn the_end_is_just_past_the_closing_quote() {
        assert_eq!(
            quoted_end("image: \"nginx:1.0\" # pinned\n", at(1, 7)),
            Some(at(1, 18))
        );
        assert_eq!(quoted_end("a: 'x''y'   # c", at(1, 3)), Some(at(1, 9)));
        assert_eq!(quoted_end(r#"a: "x\"y" # c"#, at(1, 3)), Some(at(1, 9)));
        assert_eq!(quoted_end(r#"a: "x\\" # c"#, at(1, 3)), Some(at(1, 8)));
    }

    #[test]
    fn properties_and_line_breaks_are_followed() {
        assert_eq!(
            quoted_end("a: !!str &x \"v\" # c", at(1, 3)),
            Some(at(1, 15))
        );
        assert_eq!(
            quoted_end("a: \"one\n  two\" # c\n", at(1, 3)),
            Some(at(2, 6))
        );
    }

    #[test]
    fn text_that_is_not_a_quoted_scalar_gives_none() {
        assert_eq!(quoted_end("a: plain # c", at(1, 3)), None);
        assert_eq!(quoted_end("a: \"open", at(1, 3)), None);
        assert_eq!(quoted_end("a", at(1, 5)), None);
    }
}
