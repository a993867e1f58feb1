//! Borrowed text that compares, hashes and orders without ASCII case: keys for the collector's maps of
//! Azure names (resource ids, metric names) without a lower-cased copy of each.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// Text compared and hashed without ASCII case, borrowed (no lower-case copy per series).
#[derive(Clone, Copy, Debug)]
pub(super) struct Caseless<'a>(pub &'a str);

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Caseless<'_> {}

impl Hash for Caseless<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lower-cased a chunk at a time on the stack; the length ends the field.
        let mut chunk = [0u8; 64];
        for part in self.0.as_bytes().chunks(chunk.len()) {
            let lowered = &mut chunk[..part.len()];
            lowered.copy_from_slice(part);
            lowered.make_ascii_lowercase();
            state.write(lowered);
        }
        state.write_usize(self.0.len());
    }
}

impl Ord for Caseless<'_> {
    /// The order of the lower-cased texts.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.0.bytes(), other.0.bytes());
        a.map(|x| x.to_ascii_lowercase()).cmp(b.map(|y| y.to_ascii_lowercase()))
    }
}

impl PartialOrd for Caseless<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn ignores_ascii_case_only_and_orders_as_lower_case_text() {
        let hasher = foldhash::fast::RandomState::default();
        assert_eq!(Caseless("/Sub/A"), Caseless("/sub/a"));
        assert_eq!(hasher.hash_one(Caseless("/Sub/A")), hasher.hash_one(Caseless("/sub/a")));
        // Only ASCII letters fold, and a difference inside a multi-byte character is compared, not cut.
        assert_ne!(Caseless("/x/\u{c9}"), Caseless("/x/\u{e9}"));
        assert_eq!(Caseless("/x/\u{e9}").cmp(&Caseless("/x/\u{e8}")), Ordering::Greater);
        assert_eq!(Caseless("/a").cmp(&Caseless("/A/b")), Ordering::Less);
        // The length ends a field: ("ab", "c") and ("a", "bc") hash apart.
        assert_ne!(
            hasher.hash_one((Caseless("ab"), Caseless("c"))),
            hasher.hash_one((Caseless("a"), Caseless("bc")))
        );
    }
}
