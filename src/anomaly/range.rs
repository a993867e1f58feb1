//! The range of learned values over the last 28 days, for the novelty component.
//!
//! Hourly maxima and minima in a ring of 672 hours: bounded memory whatever the grain, and old peaks expire.
//! While every value kept came within the last 28 days the range is the running max/min of all of them; once
//! older hours must expire, the overall max/min is recomputed when the hour changes (672 comparisons once an
//! hour: amortised O(1) for minutes, but for an hourly series that would be every point).

const HOURS: usize = 28 * 24;

#[derive(Debug, Clone)]
pub(crate) struct Range {
    /// (hour, max, min) per ring slot; hour = i64::MIN for empty.
    ring: Vec<(i64, f64, f64)>,
    /// Max and min over the ring, valid for `cached_hour`.
    cached: Option<(f64, f64)>,
    cached_hour: i64,
    /// Max and min of every value the ring took, and the first and last hour it took one in.
    kept: Option<(f64, f64)>,
    first_hour: i64,
    last_hour: i64,
}

impl Default for Range {
    fn default() -> Self {
        Self {
            ring: vec![(i64::MIN, f64::NEG_INFINITY, f64::INFINITY); HOURS],
            cached: None,
            cached_hour: i64::MIN,
            kept: None,
            first_hour: i64::MAX,
            last_hour: i64::MIN,
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
        self.kept = Some(self.kept.map_or((y, y), |(hi, lo)| (hi.max(y), lo.min(y))));
        self.first_hour = self.first_hour.min(h);
        self.last_hour = self.last_hour.max(h);
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
        let oldest = h.saturating_sub(HOURS as i64 - 1);
        // Every value taken lies inside the window (so no slot was ever reused): the ring holds them all.
        if self.first_hour >= oldest && self.last_hour <= h {
            return self.kept;
        }
        if h != self.cached_hour {
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

    /// The range as the ring holds it, by a scan of every slot: what `bounds` must always answer.
    fn scanned(r: &Range, t: i64) -> Option<(f64, f64)> {
        let h = hour_of(t);
        let oldest = h.saturating_sub(HOURS as i64 - 1);
        r.ring
            .iter()
            .filter(|e| e.0 >= oldest && e.0 <= h)
            .fold(None, |acc, e| {
                Some(acc.map_or((e.1, e.2), |(hi, lo): (f64, f64)| (hi.max(e.1), lo.min(e.2))))
            })
    }

    proptest::proptest! {
        /// Any order of adds and questions, times forward, backward or years apart: the running range gives
        /// exactly what a scan of the ring gives.
        #[test]
        fn the_running_range_is_the_scanned_range(
            steps in proptest::collection::vec(
                (proptest::prop_oneof![
                    4 => 0i64..3_600,
                    2 => 3_600i64..86_400,
                    1 => -86_400i64..0,
                    1 => 86_400i64 * 20..86_400 * 40,
                ], -1e6f64..1e6, proptest::bool::ANY),
                1..600,
            ),
        ) {
            let mut r = Range::default();
            let mut t = 1_700_000_000i64;
            for (dt, y, ask) in steps {
                t += dt;
                if ask {
                    let expected = scanned(&r, t);
                    proptest::prop_assert_eq!(r.bounds(t), expected);
                } else {
                    r.add(t, y);
                }
            }
        }
    }
}
