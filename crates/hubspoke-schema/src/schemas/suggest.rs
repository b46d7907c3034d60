//! "Did you mean": the fields the schema defines where an unknown one was found,
//! and the closest of them.

use serde_json::Value;

use super::lookup::Source;
use super::Schemas;
use crate::crd::K8S_DEFINITIONS_URI;

impl Schemas {
    /// The `properties` names of the schema node holding a failed `additionalProperties`.
    pub(super) fn sibling_properties(&self, source: Source<'_>, location: &str) -> Vec<String> {
        let (base, fragment) = location.split_once('#').unwrap_or((location, ""));
        let pointer = fragment
            .strip_suffix("/additionalProperties")
            .unwrap_or(fragment);
        let root: &Value = match source {
            _ if base == K8S_DEFINITIONS_URI => &self.kubernetes.definitions,
            Source::Repository(entry) | Source::Flux(entry) => &entry.schema,
            Source::Kubernetes => &self.kubernetes.definitions,
        };
        let decoded = percent_decode(pointer);
        root.pointer(&decoded)
            .and_then(|node| node.get("properties"))
            .and_then(Value::as_object)
            .map(|props| props.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// A URI fragment with its `%XX` escapes decoded, to use it as a JSON pointer.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The known name closest to a misspelt one (edit distance ≤ 2, or differing only in case).
pub(super) fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| {
            let d = if k.to_ascii_lowercase() == lower {
                0
            } else {
                levenshtein(name, k)
            };
            (d, k)
        })
        .filter(|(d, _)| *d <= 2.min(name.len() / 3 + 1))
        .min()
        .map(|(_, k)| k.as_str())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_need_a_close_name() {
        let known = vec![
            "imagePullPolicy".to_owned(),
            "image".to_owned(),
            "name".to_owned(),
        ];
        assert_eq!(closest("imagePullPolicyy", &known), Some("imagePullPolicy"));
        assert_eq!(closest("IMAGE", &known), Some("image"));
        assert_eq!(closest("colour", &known), None);
    }
}
