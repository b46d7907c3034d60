//! Pretty-printed JSON rendered in parallel: each element of a long array (SARIF
//! results, JSON findings) is printed on its own on a worker thread, then placed into
//! the document as it would have been printed in place, so the bytes are the same as a
//! serial `serde_json::to_writer_pretty` of the whole document whatever the thread count.

use rayon::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;

/// The two spaces `serde_json`'s pretty printer indents each level by.
const INDENT: &str = "  ";

/// `items` pretty-printed in parallel as elements of an array `depth` levels deep in the
/// document (the top-level object's fields are at depth 1, so an array there holds its
/// elements at depth 2), in the order of `items`.
pub(crate) fn elements<'a, T, I, F>(
    items: &'a [I],
    depth: usize,
    to_value: F,
) -> Result<Vec<Box<RawValue>>, serde_json::Error>
where
    T: Serialize,
    I: Sync,
    F: Fn(&'a I) -> T + Sync,
{
    items
        .par_iter()
        .map(|item| element(&to_value(item), depth))
        .collect()
}

/// One value pretty-printed as the pretty printer writes it `depth` levels deep: the
/// printer puts the first line after its own indentation, and every later line of the
/// value moves right by the depth's indentation. `serde_json` escapes line breaks
/// inside strings, so every `\n` of the text separates tokens.
fn element<T: Serialize>(value: &T, depth: usize) -> Result<Box<RawValue>, serde_json::Error> {
    let text = serde_json::to_string_pretty(value)?;
    let indent = INDENT.repeat(depth);
    let lines = text.bytes().filter(|b| *b == b'\n').count();
    let mut nested = String::with_capacity(text.len() + lines * indent.len());
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            nested.push('\n');
            nested.push_str(&indent);
        }
        nested.push_str(line);
    }
    RawValue::from_string(nested)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Document<T> {
        name: &'static str,
        outer: Vec<Inner<T>>,
    }

    #[derive(Serialize)]
    struct Inner<T> {
        items: Vec<T>,
        last: bool,
    }

    #[derive(Serialize)]
    struct Item {
        text: String,
        list: Vec<u32>,
        empty: Vec<u32>,
        nested: Option<Box<Item>>,
    }

    fn item(n: u32) -> Item {
        Item {
            text: format!("line {n}\nwith \"quotes\", a tab\t and ünïcödé"),
            list: (0..n % 4).collect(),
            empty: Vec::new(),
            nested: n.is_multiple_of(3).then(|| Box::new(item(n + 1))),
        }
    }

    #[test]
    fn elements_print_as_they_would_in_place_whatever_the_thread_count() {
        let items: Vec<u32> = (0..200).collect();
        let serial = serde_json::to_string_pretty(&Document {
            name: "d",
            outer: vec![Inner {
                items: items.iter().map(|n| item(*n)).collect::<Vec<_>>(),
                last: true,
            }],
        })
        .expect("serialize");
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            // `outer[0].items[i]` is four levels down: the document's fields, `outer`'s
            // elements, their fields, `items`' elements.
            let parallel = pool.install(|| {
                let rendered = elements(&items, 4, |n| item(*n)).expect("render");
                serde_json::to_string_pretty(&Document {
                    name: "d",
                    outer: vec![Inner {
                        items: rendered,
                        last: true,
                    }],
                })
                .expect("serialize")
            });
            assert_eq!(parallel, serial, "{threads} threads");
        }
    }

    #[test]
    fn an_empty_array_prints_as_one() {
        let rendered = elements(&[] as &[u32], 2, |n| *n).expect("render");
        assert_eq!(
            serde_json::to_string_pretty(&Inner {
                items: rendered,
                last: false
            })
            .expect("serialize"),
            "{\n  \"items\": [],\n  \"last\": false\n}"
        );
    }
}
