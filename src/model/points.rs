//! The values of a metric series, stored so that consecutive snapshots share them.

use std::fmt;
use std::sync::Arc;

/// A window of values: a block shared with the copies of this series in earlier snapshots, then the values
/// this copy has of its own. A refresh moves the window by a bucket now and then and rewrites the newest few
/// buckets: it allocates only those (of a week of 168 hourly values, a refresh's own are a few to a few dozen)
/// instead of a second copy of the week beside the one on screen.
#[derive(Clone, Default)]
pub struct Points {
    shared: Arc<[f32]>,
    /// Where the window starts in `shared`.
    skip: u32,
    /// How many of `shared`'s values from `skip` on are in the window.
    kept: u32,
    /// The window's values after the shared ones.
    own: Vec<f32>,
}

impl Points {
    pub fn len(&self) -> usize {
        self.kept as usize + self.own.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The window's values in two parts, in order: the shared ones, then this copy's own.
    pub fn as_slices(&self) -> (&[f32], &[f32]) {
        let from = self.skip as usize;
        (&self.shared[from..from + self.kept as usize], &self.own)
    }

    pub fn iter(&self) -> impl Iterator<Item = f32> + '_ {
        let (shared, own) = self.as_slices();
        shared.iter().chain(own).copied()
    }

    pub fn get(&self, index: usize) -> Option<f32> {
        let (shared, own) = self.as_slices();
        match index.checked_sub(shared.len()) {
            None => Some(shared[index]),
            Some(in_own) => own.get(in_own).copied(),
        }
    }

    pub fn to_vec(&self) -> Vec<f32> {
        self.iter().collect()
    }

    /// Sets the value at `index`; nothing outside the window. A shared value is never written: the shared
    /// values from `index` on become this copy's own first.
    pub fn set(&mut self, index: usize, value: f32) {
        if index >= self.len() {
            return;
        }
        let kept = self.kept as usize;
        if index < kept {
            let from = self.skip as usize;
            let unshared = &self.shared[from + index..from + kept];
            self.own.splice(0..0, unshared.iter().copied());
            self.kept = index as u32;
        }
        self.own[index - self.kept as usize] = value;
    }

    pub fn truncate(&mut self, len: usize) {
        let kept = self.kept as usize;
        if len <= kept {
            self.kept = len as u32;
            self.own = Vec::new();
        } else {
            self.own.truncate(len - kept);
        }
    }

    /// The window `shift` buckets later and `len` long: its values before `keep_until` are this window's
    /// (zero where it has none), the others zero until [`Points::set`]. The carried values stay shared with
    /// this copy unless `alone`, which gives the new window a block of its own; a caller asks for that now and
    /// then, so that a shared block does not keep values long out of the window alive, nor the own values grow.
    pub fn shifted(&self, shift: usize, len: usize, keep_until: usize, alone: bool) -> Points {
        let keep_until = keep_until.min(len);
        let carried = |position: usize| position.checked_add(shift).and_then(|at| self.get(at));
        let shareable = (self.kept as usize).saturating_sub(shift).min(keep_until);
        if alone || shareable == 0 {
            let mut values = vec![0.0; len];
            for (position, slot) in values.iter_mut().enumerate().take(keep_until) {
                *slot = carried(position).unwrap_or(0.0);
            }
            return Points::from(values);
        }
        let mut own = vec![0.0; len - shareable];
        for (position, slot) in (shareable..keep_until).zip(own.iter_mut()) {
            *slot = carried(position).unwrap_or(0.0);
        }
        Points {
            shared: self.shared.clone(),
            skip: self.skip + shift as u32,
            kept: shareable as u32,
            own,
        }
    }

    /// Whether `self` and `other` share their block (a test of the sharing, not of the values).
    pub fn shares_with(&self, other: &Points) -> bool {
        self.kept > 0 && other.kept > 0 && Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Bytes of the shared block, in full (a clone of `self` does not copy them, its own values it does).
    pub fn shared_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.shared)
    }
}

impl From<Vec<f32>> for Points {
    fn from(values: Vec<f32>) -> Self {
        values.into_iter().collect()
    }
}

impl FromIterator<f32> for Points {
    fn from_iter<I: IntoIterator<Item = f32>>(values: I) -> Self {
        let shared: Arc<[f32]> = values.into_iter().collect();
        Points {
            kept: shared.len() as u32,
            shared,
            skip: 0,
            own: Vec::new(),
        }
    }
}

/// Equal when the windows hold the same values, however they are stored.
impl PartialEq for Points {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl PartialEq<Vec<f32>> for Points {
    fn eq(&self, other: &Vec<f32>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl fmt::Debug for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn week() -> Points {
        (0..168).map(|v| v as f32).collect()
    }

    #[test]
    fn a_shifted_window_shares_the_values_it_carries() {
        let old = week();
        let mut new = old.shifted(1, 168, 165, false);
        for position in 165..168 {
            new.set(position, 1000.0 + position as f32);
        }
        assert!(new.shares_with(&old));
        let expected: Vec<f32> = (1..166)
            .map(|v| v as f32)
            .chain((165..168).map(|p| 1000.0 + p as f32))
            .collect();
        assert_eq!(new.to_vec(), expected);
        assert_eq!(old, week(), "the earlier window is untouched");
        assert_eq!(new.own.len(), 3, "only the rewritten buckets are the new copy's own");
    }

    #[test]
    fn alone_gives_the_window_its_own_block() {
        let old = week();
        let new = old.shifted(2, 168, 160, true);
        assert!(!new.shares_with(&old));
        assert_eq!(new.get(0), Some(2.0));
        assert_eq!(new.get(159), Some(161.0));
        assert_eq!(new.get(160), Some(0.0));
    }

    #[test]
    fn setting_a_shared_value_unshares_from_there_and_leaves_the_other_copy_alone() {
        let old = week();
        let mut new = old.shifted(0, 168, 168, false);
        new.set(10, -1.0);
        assert_eq!(new.get(9), Some(9.0));
        assert_eq!(new.get(10), Some(-1.0));
        assert_eq!(new.get(11), Some(11.0));
        assert_eq!(old.get(10), Some(10.0));
        assert!(new.shares_with(&old), "values before the one set stay shared");
    }

    #[test]
    fn outside_the_window_nothing_is_read_or_written() {
        let mut points: Points = vec![1.0, 2.0].into();
        points.set(2, 9.0);
        assert_eq!(points.get(2), None);
        assert_eq!(points.to_vec(), vec![1.0, 2.0]);
        let longer = points.shifted(1, 4, 4, false);
        assert_eq!(
            longer.to_vec(),
            vec![2.0, 0.0, 0.0, 0.0],
            "zeros where the old window has nothing"
        );
    }

    /// The reference: the same operations on a plain vector.
    fn shifted_plainly(values: &[f32], shift: usize, len: usize, keep_until: usize) -> Vec<f32> {
        (0..len)
            .map(|p| match p < keep_until {
                true => values.get(p + shift).copied().unwrap_or(0.0),
                false => 0.0,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn any_sequence_of_refreshes_equals_the_plain_vector(
            start in proptest::collection::vec(0u16..1000, 0..60),
            steps in proptest::collection::vec(
                (0usize..8, 0usize..70, 0usize..70, any::<bool>(), proptest::collection::vec((0usize..70, 0u16..1000), 0..6)),
                1..12,
            ),
        ) {
            let mut plain: Vec<f32> = start.iter().map(|v| f32::from(*v)).collect();
            let mut points = Points::from(plain.clone());
            let mut history = vec![(points.clone(), plain.clone())];
            for (shift, len, keep_until, alone, writes) in steps {
                points = points.shifted(shift, len, keep_until, alone);
                plain = shifted_plainly(&plain, shift, len, keep_until);
                for (at, value) in writes {
                    points.set(at, f32::from(value));
                    if let Some(slot) = plain.get_mut(at) {
                        *slot = f32::from(value);
                    }
                }
                if len % 5 == 0 {
                    points.truncate(len / 2);
                    plain.truncate(len / 2);
                }
                prop_assert_eq!(points.to_vec(), plain.clone());
                prop_assert_eq!(points.len(), plain.len());
                history.push((points.clone(), plain.clone()));
            }
            for (kept, expected) in history {
                prop_assert_eq!(kept.to_vec(), expected, "an earlier copy never changes");
            }
        }
    }
}
