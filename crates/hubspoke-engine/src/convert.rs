//! YAML nodes straight into regorus values, with no JSON text in between.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use hubspoke_manifest::yaml::{Node, NodeValue};
use regorus::Value;

/// Convert a node tree into the value rules see as `input`, whatever its nodes'
/// positions are (a parsed file's spans, a rendered object's origins).
pub fn to_rego_value<S>(node: &Node<S>) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::from(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) if f.is_finite() => Value::from(*f),
        // Rego numbers cannot hold inf/nan; rules see the YAML spelling instead.
        NodeValue::Float(f) => Value::from(f.to_string()),
        NodeValue::Str(s) => Value::from(s.as_str()),
        NodeValue::Seq(items) => {
            Value::from(items.iter().map(to_rego_value::<S>).collect::<Vec<_>>())
        }
        NodeValue::Map(entries) => {
            let mut map = BTreeMap::new();
            for (key, value) in entries {
                let key = match &key.value {
                    NodeValue::Str(s) => Value::from(s.as_str()),
                    _ => Value::from(key.key_text()),
                };
                map.insert(key, to_rego_value(value));
            }
            // Built whole, then frozen: regorus keeps an object made from a map as one
            // sorted slice, where inserting into `Value::new_object()` leaves a B-tree.
            // The rules look fields up by binary search in it and freeing it is one
            // deallocation; the value (sorted, the last of duplicate keys) is the same.
            Value::from(map)
        }
    }
}

/// Converts trees that stay alive (the repository model rules see) sharing
/// every repeated string and subtree: `capabilities: {drop: [ALL]}` or a
/// probe block written in thousands of manifests becomes one value. Values
/// are immutable (copy-on-write), so sharing is invisible to rules. On the
/// generated 10,000-file repository it cut the model input from ~150 MB to
/// ~40 MB (benches/README.md).
#[derive(Default)]
pub(crate) struct Sharer {
    strings: HashMap<String, Value, BuildHasherDefault<Fx>>,
    /// One subtree per hash (on a collision the newcomer is simply not shared).
    trees: HashMap<u64, Value, BuildHasherDefault<Fx>>,
}

/// FxHash (rustc's): the tables above hash short strings and finished hashes,
/// where SipHash cost a quarter of the conversion.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(last) ^ (bytes.len() as u64) << 56);
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Sharer {
    /// [`to_rego_value`], sharing what was seen before (the root itself, usually
    /// unique, is not remembered).
    pub(crate) fn convert<S>(&mut self, node: &Node<S>) -> Value {
        match &node.value {
            NodeValue::Map(_) | NodeValue::Seq(_) => self.tree(node, false).0,
            _ => self.shared(node).0,
        }
    }

    /// `text` as a value, shared with every earlier equal string.
    pub(crate) fn string_value(&mut self, text: &str) -> Value {
        self.string(text).0
    }

    fn string(&mut self, text: &str) -> (Value, u64) {
        let hash = mix(0x5354_5249_4e47, hash_str(text));
        if text.len() > 64 {
            return (Value::from(text), hash);
        }
        if let Some(value) = self.strings.get(text) {
            return (value.clone(), hash);
        }
        let value = Value::from(text);
        self.strings.insert(text.to_owned(), value.clone());
        (value, hash)
    }

    fn intern(&mut self, hash: u64, value: Value) -> Value {
        match self.trees.get(&hash) {
            Some(existing) if *existing == value => existing.clone(),
            Some(_) => value,
            None => {
                self.trees.insert(hash, value.clone());
                value
            }
        }
    }

    fn shared<S>(&mut self, node: &Node<S>) -> (Value, u64) {
        match &node.value {
            NodeValue::Str(s) => self.string(s),
            NodeValue::Seq(_) | NodeValue::Map(_) => self.tree(node, true),
            NodeValue::Null => (Value::Null, 0x4e55_4c4c),
            NodeValue::Bool(b) => (Value::from(*b), 0x424f_4f4c ^ u64::from(*b)),
            NodeValue::Int(i) => (Value::from(*i), mix(0x0049_4e54, *i as u64)),
            NodeValue::Float(f) => (to_rego_value(node), mix(0x0046_4c4f_4154, f.to_bits())),
        }
    }

    fn tree<S>(&mut self, node: &Node<S>, remember: bool) -> (Value, u64) {
        let (value, hash, shareable) = self.build(node);
        if remember && shareable {
            (self.intern(hash, value), hash)
        } else {
            (value, hash)
        }
    }

    fn build<S>(&mut self, node: &Node<S>) -> (Value, u64, bool) {
        match &node.value {
            NodeValue::Seq(items) => {
                let mut hash = 0x5345_5155_454e_4345;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let (value, h) = self.shared(item);
                    hash = mix(hash, h);
                    values.push(value);
                }
                (Value::from(values), hash, true)
            }
            NodeValue::Map(entries) => {
                let mut map = BTreeMap::new();
                // Order-independent, as the object is: a sum of entry hashes.
                let mut hash: u64 = 0x4d41_5050_494e_4753;
                for (key, value) in entries {
                    let (key, hk) = match &key.value {
                        NodeValue::Str(s) => self.string(s),
                        _ => {
                            let text = key.key_text();
                            self.string(&text)
                        }
                    };
                    let (value, hv) = self.shared(value);
                    hash = hash.wrapping_add(mix(hk, hv));
                    map.insert(key, value);
                }
                // Duplicate keys (the last wins): not worth sharing.
                let shareable = map.len() == entries.len();
                // Frozen into one sorted slice, as in `to_rego_value`.
                (Value::from(map), hash, shareable)
            }
            _ => {
                let (value, hash) = self.shared(node);
                (value, hash, false)
            }
        }
    }
}

fn hash_str(text: &str) -> u64 {
    let mut hasher = Fx::default();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Order-dependent combination of two hashes (splitmix64 finaliser).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(29) ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
