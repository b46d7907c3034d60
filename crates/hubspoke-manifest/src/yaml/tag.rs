//! YAML tags as Kubernetes' decoder tells them apart: standard ones it applies or
//! ignores, custom ones it ignores (and we report).

use saphyr_parser::{ScalarStyle, Tag};

use super::scalar::Decode;

/// The `tag:yaml.org,2002:` prefix of YAML's standard tags (`!!` by default).
const STANDARD_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// YAML 1.1's standard tags (yaml.org/type): Kubernetes' decoder applies or ignores each,
/// never complains about one.
const STANDARD_TAGS: [&str; 15] = [
    "binary",
    "bool",
    "float",
    "int",
    "map",
    "merge",
    "null",
    "omap",
    "pairs",
    "seq",
    "set",
    "str",
    "timestamp",
    "value",
    "yaml",
];

/// A node's tag, as Kubernetes' decoder tells them apart.
#[derive(Clone, Copy)]
pub(super) enum TagKind<'a> {
    Untagged,
    /// `!`: the node is not resolved (a scalar stays a string).
    NonSpecific,
    /// `!!int`, `!<tag:yaml.org,2002:int>`, ...: the suffix.
    Standard(&'a str),
    /// Anything else (`!Ref`, `!!python/tuple`).
    Custom(&'a Tag),
}

impl<'a> TagKind<'a> {
    pub(super) fn of(tag: Option<&'a Tag>) -> Self {
        let Some(tag) = tag else {
            return TagKind::Untagged;
        };
        // saphyr gives `!` as an empty handle and the suffix `!`, and a verbatim tag
        // (`!<tag:yaml.org,2002:str>`) as an empty handle and the whole tag.
        if tag.handle.is_empty() && tag.suffix == "!" {
            return TagKind::NonSpecific;
        }
        let suffix = if tag.handle == STANDARD_TAG_PREFIX {
            Some(tag.suffix.as_str())
        } else if tag.handle.is_empty() {
            tag.suffix.strip_prefix(STANDARD_TAG_PREFIX)
        } else {
            None
        };
        match suffix {
            Some(suffix) if STANDARD_TAGS.contains(&suffix) => TagKind::Standard(suffix),
            _ => TagKind::Custom(tag),
        }
    }

    pub(super) fn decode(self, style: ScalarStyle) -> Decode {
        match self {
            TagKind::Untagged if style == ScalarStyle::Plain => Decode::Implicit,
            TagKind::Standard(suffix) => Decode::for_standard_tag(suffix),
            TagKind::Untagged | TagKind::NonSpecific | TagKind::Custom(_) => Decode::Text,
        }
    }

    /// Whether a `<<` key with this tag merges (go-yaml: the scalar is implicit, that is
    /// plain and untagged or tagged `!`, or it is tagged `!!merge`).
    pub(super) fn marks_merge_key(self, style: ScalarStyle) -> bool {
        match self {
            TagKind::Untagged => style == ScalarStyle::Plain,
            TagKind::NonSpecific => true,
            TagKind::Standard(suffix) => suffix == "merge",
            TagKind::Custom(_) => false,
        }
    }
}

/// A tag as its author would write it.
pub(super) fn tag_text(tag: &Tag) -> String {
    match tag.handle.as_str() {
        "!" => format!("!{}", tag.suffix),
        "" => format!("!<{}>", tag.suffix),
        STANDARD_TAG_PREFIX => format!("!!{}", tag.suffix),
        prefix => format!("!<{prefix}{}>", tag.suffix),
    }
}
