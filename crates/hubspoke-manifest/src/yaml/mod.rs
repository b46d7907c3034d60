//! YAML with spans: the node tree, Kubernetes' scalar rules and the event-driven builder.

mod builder;
mod lines;
mod merge;
mod node;
mod quoted;
mod scalar;
mod tag;

pub use builder::{parse_stream, ParseLimits, RawDocument, YamlProblem, YamlStream};
pub use node::{Node, NodeValue};
