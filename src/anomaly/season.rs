//! Seasonal memory: one value per time-of-day slot per day, for the last 29 days.
//!
//! Slots are at least 5 minutes wide (1-minute points are averaged into 5-minute buckets) and divide the day
//! exactly. The daily baseline of a slot is the median of its values on the previous 7 days; the weekly
//! baseline is the median of the same slot 7, 14, 21 and 28 days back. Both come from the same ring, so the
//! state is 29 × P values (P = 288 at 5-minute slots): about 67 KB per series.

/// Days kept: today plus 28 days back (4 weeks).
const DAYS: usize = 29;
pub(crate) const DAILY_K: usize = 7;
pub(crate) const WEEKLY_K: usize = 4;

/// A seasonal baseline and the number of past values it is the median of.
pub(crate) type Baseline = Option<(f64, usize)>;

#[derive(Debug, Clone)]
pub(crate) struct SeasonStore {
    slot_secs: i64,
    per_day: usize,
    /// `DAYS` rows of `per_day` values; NaN = no value.
    values: Vec<f64>,
    /// Which day each row holds.
    row_day: [i64; DAYS],
    /// Bucket being accumulated: (bucket index, sum, count).
    open: Option<(i64, f64, u32)>,
}

/// The smallest divisor of a day that is at least `max(step, 300)` seconds.
fn slot_secs_for(step_secs: u32) -> i64 {
    let want = i64::from(step_secs).clamp(300, 86_400);
    (want..=86_400).find(|d| 86_400 % d == 0).unwrap_or(86_400)
}

impl SeasonStore {
    pub(crate) fn new(step_secs: u32) -> Self {
        let slot_secs = slot_secs_for(step_secs);
        let per_day = (86_400 / slot_secs) as usize;
        Self {
            slot_secs,
            per_day,
            values: vec![f64::NAN; DAYS * per_day],
            row_day: [i64::MIN; DAYS],
            open: None,
        }
    }

    fn bucket(&self, t: i64) -> i64 {
        t.div_euclid(self.slot_secs)
    }

    /// (day, slot) of a bucket.
    fn split(&self, bucket: i64) -> (i64, usize) {
        let p = self.per_day as i64;
        (bucket.div_euclid(p), bucket.rem_euclid(p) as usize)
    }

    fn get(&self, day: i64, slot: usize) -> Option<f64> {
        let row = day.rem_euclid(DAYS as i64) as usize;
        if self.row_day[row] != day {
            return None;
        }
        let v = self.values[row * self.per_day + slot];
        (!v.is_nan()).then_some(v)
    }

    fn commit(&mut self, bucket: i64, mean: f64) {
        let (day, slot) = self.split(bucket);
        let row = day.rem_euclid(DAYS as i64) as usize;
        if self.row_day[row] != day {
            if self.row_day[row] > day {
                return; // older than what the row holds: time went backwards
            }
            self.row_day[row] = day;
            self.values[row * self.per_day..(row + 1) * self.per_day].fill(f64::NAN);
        }
        self.values[row * self.per_day + slot] = mean;
    }

    /// Learns a value at time `t`.
    pub(crate) fn add(&mut self, t: i64, y: f64) {
        let b = self.bucket(t);
        match &mut self.open {
            Some((ob, sum, n)) if *ob == b => {
                *sum += y;
                *n += 1;
            }
            _ => {
                if let Some((ob, sum, n)) = self.open.take() {
                    self.commit(ob, sum / f64::from(n));
                }
                self.open = Some((b, y, 1));
            }
        }
    }

    /// Daily and weekly baselines at time `t`, each with the number of values it was taken from.
    pub(crate) fn baselines(&self, t: i64) -> (Baseline, Baseline) {
        let (day, slot) = self.split(self.bucket(t));
        let mut buf = [0.0; DAILY_K];
        let mut n = 0;
        for k in 1..=DAILY_K as i64 {
            if let Some(v) = self.get(day - k, slot) {
                buf[n] = v;
                n += 1;
            }
        }
        let daily = (n > 0).then(|| (small_median(&mut buf[..n]), n));
        let mut wbuf = [0.0; WEEKLY_K];
        let mut m = 0;
        for k in 1..=WEEKLY_K as i64 {
            if let Some(v) = self.get(day - 7 * k, slot) {
                wbuf[m] = v;
                m += 1;
            }
        }
        let weekly = (m > 0).then(|| (small_median(&mut wbuf[..m]), m));
        (daily, weekly)
    }
}

fn small_median(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_divide_the_day() {
        assert_eq!(slot_secs_for(60), 300);
        assert_eq!(slot_secs_for(300), 300);
        assert_eq!(slot_secs_for(420), 432);
        assert_eq!(slot_secs_for(3600), 3600);
        assert_eq!(slot_secs_for(0), 300);
        assert_eq!(slot_secs_for(u32::MAX), 86_400);
    }

    #[test]
    fn daily_and_weekly_medians() {
        let mut s = SeasonStore::new(60);
        let day = 86_400;
        // 30 days of 1-minute points; slot value = day number at 10:00, 0 elsewhere.
        for d in 0..30i64 {
            for m in 0..1440i64 {
                let t = d * day + m * 60;
                let v = if (600..605).contains(&m) { d as f64 } else { 0.0 };
                s.add(t, v);
            }
        }
        let t = 30 * day + 600 * 60;
        let (daily, weekly) = s.baselines(t);
        assert_eq!(daily, Some((26.0, 7))); // median of days 23..29
        assert_eq!(weekly, Some((12.5, 4))); // median of days 2, 9, 16, 23
    }

    #[test]
    fn gaps_leave_no_stale_values() {
        let mut s = SeasonStore::new(300);
        s.add(0, 5.0);
        s.add(300, 1.0);
        // 40 days later nothing is remembered.
        let (d, w) = s.baselines(40 * 86_400);
        assert!(d.is_none() && w.is_none());
        let (d, _) = s.baselines(86_400);
        assert_eq!(d, Some((5.0, 1)));
    }
}
