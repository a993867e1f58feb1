//! The range of learned values over the last 28 days, for the novelty component.
//!
//! Hourly maxima and minima in a ring of 672 hours: bounded memory whatever the grain, and old peaks expire.
//! The overall max/min is recomputed when the hour changes (672 comparisons once an hour, so amortised O(1)).

const HOURS: usize = 28 * 24;

#[derive(Debug, Clone)]
pub(crate) struct Range {
    /// (hour, max, min) per ring slot; hour = i64::MIN for empty.
    ring: Vec<(i64, f64, f64)>,
    /// Max and min over the ring, valid for `cached_hour`.
    cached: Option<(f64, f64)>,
    cached_hour: i64,
}

impl Default for Range {
    fn default() -> Self {
        Self {
            ring: vec![(i64::MIN, f64::NEG_INFINITY, f64::INFINITY); HOURS],
            cached: None,
            cached_hour: i64::MIN,
        }
    }
}

fn hour_of(t: i64) -> i64 {
    t.div_euclid(3600)
}

impl Range {
    pub(crate) fn add(&mut self, t: i64, y: f64) {
        let h = hour_of(t);
        let i = h.rem_euclid(HOURS as i64) as usize;
        let e = &mut self.ring[i];
        if e.0 != h {
            if e.0 > h {
                return; // time went backwards past the ring
            }
            *e = (h, y, y);
        } else {
            e.1 = e.1.max(y);
            e.2 = e.2.min(y);
        }
        if h == self.cached_hour
            && let Some((hi, lo)) = &mut self.cached
        {
            *hi = hi.max(y);
            *lo = lo.min(y);
        } else {
            self.cached_hour = i64::MIN; // stale
        }
    }

    /// (max, min) of values learned in the 28 days up to `t`.
    pub(crate) fn bounds(&mut self, t: i64) -> Option<(f64, f64)> {
        let h = hour_of(t);
        if h != self.cached_hour {
            let oldest = h.saturating_sub(HOURS as i64 - 1);
            self.cached = self.ring.iter().filter(|e| e.0 >= oldest && e.0 <= h).fold(
                None,
                |acc: Option<(f64, f64)>, e| match acc {
                    None => Some((e.1, e.2)),
                    Some((hi, lo)) => Some((hi.max(e.1), lo.min(e.2))),
                },
            );
            self.cached_hour = h;
        }
        self.cached
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_and_expires() {
        let mut r = Range::default();
        assert!(r.bounds(0).is_none());
        r.add(0, 5.0);
        r.add(60, -1.0);
        assert_eq!(r.bounds(120), Some((5.0, -1.0)));
        r.add(180, 7.0);
        assert_eq!(r.bounds(200), Some((7.0, -1.0)));
        r.add(86_400, 2.0);
        assert_eq!(r.bounds(86_400), Some((7.0, -1.0)));
        // 28 days and an hour later the first hour has expired.
        let later = 28 * 86_400 + 3600;
        assert_eq!(r.bounds(later), Some((2.0, 2.0)));
        r.add(later, 3.0);
        assert_eq!(r.bounds(later + 10), Some((3.0, 2.0)));
    }
}
