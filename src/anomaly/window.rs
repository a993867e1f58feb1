//! Rolling window of the last `cap` values with exact median, MAD and mean absolute deviation (public so the
//! benchmark can time it alone).
//!
//! The order-statistic structure is a sorted `Vec` beside a ring of insertion order. Insert and remove are a
//! binary search plus a `memmove` of at most `cap` f64s; for `cap = 720` that is a few hundred bytes on
//! average and measured by `benches/detector.rs` (`window/push`). Median and MAD are O(log cap): the MAD is the
//! median of two sorted sequences (deviations left and right of the median), found by binary search. The sum of
//! the lower half is maintained incrementally, so the mean absolute deviation around the median is O(1).
//! Running sums are recomputed exactly once every `cap` pushes, so rounding drift stays bounded.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct RollingOrder {
    cap: usize,
    ring: VecDeque<f64>,
    sorted: Vec<f64>,
    sum: f64,
    sum_sq: f64,
    /// Sum of `sorted[..len/2]`.
    low_sum: f64,
    since_exact: usize,
}

impl RollingOrder {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        Self {
            cap,
            ring: VecDeque::with_capacity(cap),
            sorted: Vec::with_capacity(cap),
            sum: 0.0,
            sum_sq: 0.0,
            low_sum: 0.0,
            since_exact: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Adds `v` (must be finite), evicting the oldest value when full.
    pub fn push(&mut self, v: f64) {
        debug_assert!(v.is_finite());
        let v = v + 0.0; // −0 → +0
        if self.ring.len() == self.cap
            && let Some(old) = self.ring.pop_front()
        {
            self.remove_sorted(old);
        }
        self.ring.push_back(v);
        self.insert_sorted(v);
        self.since_exact += 1;
        if self.since_exact >= self.cap {
            self.recompute();
        }
    }

    fn insert_sorted(&mut self, v: f64) {
        let n = self.sorted.len();
        let h = n / 2;
        let p = self.sorted.partition_point(|&a| a < v);
        if p < h {
            self.low_sum += v - self.sorted[h - 1];
        }
        self.sorted.insert(p, v);
        if n % 2 == 1 {
            // The new length is even: the lower half gains the element at h.
            self.low_sum += self.sorted[h];
        }
        self.sum += v;
        self.sum_sq += v * v;
    }

    fn remove_sorted(&mut self, v: f64) {
        let n = self.sorted.len();
        let h = n / 2;
        let q = self.sorted.partition_point(|&a| a < v);
        if q >= n {
            // Cannot happen (the value came from the ring); stay consistent anyway.
            self.recompute();
            return;
        }
        if q < h {
            self.low_sum += self.sorted[h] - self.sorted[q];
        }
        self.sorted.remove(q);
        if h > 0 && n.is_multiple_of(2) {
            // The new length is odd: the lower half loses its top element.
            self.low_sum -= self.sorted[h - 1];
        }
        self.sum -= v;
        self.sum_sq -= v * v;
    }

    fn recompute(&mut self) {
        self.since_exact = 0;
        self.sum = self.sorted.iter().sum();
        self.sum_sq = self.sorted.iter().map(|v| v * v).sum();
        self.low_sum = self.sorted[..self.sorted.len() / 2].iter().sum();
    }

    pub fn median(&self) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        let h = n / 2;
        Some(if n % 2 == 1 {
            self.sorted[h]
        } else {
            0.5 * (self.sorted[h - 1] + self.sorted[h])
        })
    }

    pub fn mean(&self) -> Option<f64> {
        let n = self.sorted.len();
        (n > 0).then(|| self.sum / n as f64)
    }

    pub fn mean_sq(&self) -> Option<f64> {
        let n = self.sorted.len();
        (n > 0).then(|| (self.sum_sq / n as f64).max(0.0))
    }

    /// Mean of |v − median|.
    pub fn mean_abs_dev(&self) -> Option<f64> {
        let n = self.sorted.len();
        let m = self.median()?;
        let odd = (n % 2) as f64;
        let total = self.sum - 2.0 * self.low_sum - m * odd;
        Some((total / n as f64).max(0.0))
    }

    /// Median of |v − median| (unscaled MAD).
    pub fn mad(&self) -> Option<f64> {
        let n = self.sorted.len();
        let m = self.median()?;
        let h = n / 2;
        let a = &self.sorted;
        // Deviations left of the median, increasing: m − a[h−1−j]; right of it, increasing: a[h+j] − m.
        let left = |j: usize| m - a[h - 1 - j];
        let right = |j: usize| a[h + j] - m;
        let k = n / 2;
        let hi = kth_of_two(left, h, right, n - h, k);
        Some(if n % 2 == 1 {
            hi
        } else {
            0.5 * (kth_of_two(left, h, right, n - h, k - 1) + hi)
        })
    }
}

/// The `k`-th smallest (0-based) of the union of two ascending sequences given by index functions.
fn kth_of_two(l: impl Fn(usize) -> f64, nl: usize, r: impl Fn(usize) -> f64, nr: usize, k: usize) -> f64 {
    // i elements from l and j = k + 1 − i from r make up the k + 1 smallest.
    let take = k + 1;
    let mut lo = take.saturating_sub(nr);
    let mut hi = take.min(nl);
    loop {
        let i = lo + (hi - lo) / 2;
        let j = take - i;
        if i > 0 && j < nr && l(i - 1) > r(j) {
            hi = i - 1;
        } else if j > 0 && i < nl && r(j - 1) > l(i) {
            lo = i + 1;
        } else {
            let a = if i > 0 { l(i - 1) } else { f64::NEG_INFINITY };
            let b = if j > 0 { r(j - 1) } else { f64::NEG_INFINITY };
            return a.max(b);
        }
        if lo > hi {
            // Only reachable with inconsistent (non-sorted) input; return something finite.
            return if nl > 0 { l(0) } else { r(0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_median(v: &[f64]) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        if n % 2 == 1 {
            s[n / 2]
        } else {
            0.5 * (s[n / 2 - 1] + s[n / 2])
        }
    }

    fn check(w: &RollingOrder, tail: &[f64]) {
        let m = brute_median(tail);
        assert!((w.median().unwrap() - m).abs() < 1e-9);
        let devs: Vec<f64> = tail.iter().map(|v| (v - m).abs()).collect();
        let mad = brute_median(&devs);
        assert!(
            (w.mad().unwrap() - mad).abs() < 1e-9,
            "mad {} vs {}",
            w.mad().unwrap(),
            mad
        );
        let mean_ad = devs.iter().sum::<f64>() / devs.len() as f64;
        assert!((w.mean_abs_dev().unwrap() - mean_ad).abs() < 1e-9);
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        assert!((w.mean().unwrap() - mean).abs() < 1e-9);
    }

    #[test]
    fn matches_brute_force() {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 17) as f64 - 5.0 + if state & 1 == 0 { 0.5 } else { 0.0 }
        };
        for cap in [1, 2, 3, 7, 50] {
            let mut w = RollingOrder::new(cap);
            let mut all = Vec::new();
            for _ in 0..400 {
                let v = next();
                all.push(v);
                w.push(v);
                let tail = &all[all.len().saturating_sub(cap)..];
                check(&w, tail);
            }
        }
    }

    #[test]
    fn empty_window_has_no_statistics() {
        let w = RollingOrder::new(10);
        assert!(w.median().is_none() && w.mad().is_none() && w.mean_abs_dev().is_none());
    }
}
