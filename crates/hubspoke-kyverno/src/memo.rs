//! A bounded per-thread memo of values computed from a text: compiled JMESPath
//! expressions, `regex_*` patterns and parsed image references. Policies evaluate the
//! same few texts on every object, and computing them each time was a large part of a
//! run's cost; texts built from the objects themselves are new every time, so the
//! memo is emptied when full rather than allowed to grow without bound.

use std::cell::RefCell;
use std::collections::HashMap;

/// Values by the text they were computed from; used from a `thread_local!`.
pub(crate) struct ThreadMemo<V> {
    entries: RefCell<HashMap<String, V>>,
    limit: usize,
}

impl<V: Clone> ThreadMemo<V> {
    /// A memo that starts over once it holds `limit` entries.
    pub(crate) fn new(limit: usize) -> Self {
        ThreadMemo {
            entries: RefCell::new(HashMap::new()),
            limit,
        }
    }

    /// The value remembered for `key`, or `compute`'s, remembered. No borrow is held
    /// while `compute` runs, so it may use this memo itself (nested variables).
    pub(crate) fn get_or_insert_with(&self, key: &str, compute: impl FnOnce() -> V) -> V {
        if let Some(known) = self.entries.borrow().get(key) {
            return known.clone();
        }
        let value = compute();
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= self.limit {
            entries.clear();
        }
        entries.insert(key.to_owned(), value.clone());
        value
    }
}

#[cfg(test)]
mod tests {
    use super::ThreadMemo;
    use std::cell::Cell;

    #[test]
    fn computes_each_text_once_and_starts_over_when_full() {
        let memo = ThreadMemo::new(2);
        let calls = Cell::new(0);
        let compute = |text: &str| {
            memo.get_or_insert_with(text, || {
                calls.set(calls.get() + 1);
                text.len()
            })
        };
        assert_eq!((compute("a"), compute("a"), compute("bb")), (1, 1, 2));
        assert_eq!(calls.get(), 2);
        // Full: the third text empties the memo, so "a" is computed again.
        assert_eq!((compute("ccc"), compute("a")), (3, 1));
        assert_eq!(calls.get(), 4);
    }

    #[test]
    fn compute_may_use_the_memo_itself() {
        let memo = ThreadMemo::new(8);
        let outer = memo.get_or_insert_with("outer", || memo.get_or_insert_with("inner", || 1) + 1);
        assert_eq!((outer, memo.get_or_insert_with("inner", || 0)), (2, 1));
    }
}
