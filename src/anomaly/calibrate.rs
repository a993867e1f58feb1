//! Per-series calibration: how rare is this statistic *for this series*?
//!
//! An exponentially decayed histogram of a non-negative statistic over 96 log-spaced bins, held in a Fenwick
//! tree so that adding and tail queries are O(log B). Decay is lazy: instead of shrinking every bin each step,
//! each new point weighs `γ^−t` more than the first; the whole tree is rescaled when the weights grow large.
//!
//! The tail probability is the conformal p-value `p = (W(≥ z) + w) / (W + w)`, where `w` is the weight the
//! current point would get: a statistic beyond anything in the history gets `p ≈ 1 / n`, never 0. So with `n`
//! points of (decayed) history no statistic can be rarer than `1/n`: p < 1e-3 needs about 1,000 points and
//! p < 1e-4 about 10,000; with a half-life of 20,000 points the floor settles near `1/28,900`.

const BINS: usize = 96;
/// Bin 0 is `[0, Z_LO)`, the last bin `[Z_HI, ∞)`, the rest log-spaced in between.
const Z_LO: f64 = 1e-2;
const Z_HI: f64 = 1e3;
const HALF_LIFE: f64 = 20_000.0;
const RESCALE_AT: f64 = 1e100;

#[derive(Debug, Clone)]
pub(crate) struct Calibrator {
    /// Fenwick tree over bin masses.
    tree: [f64; BINS],
    bins: [f64; BINS],
    total: f64,
    /// Weight the next point gets.
    w: f64,
    growth: f64,
}

/// The bins' geometry, worked out once: the detector asks for it several times per point of every series, and
/// each question cost logarithms and exponentials of constants. The values are those the formulas give, so
/// nothing the detector decides changes.
struct Geometry {
    log_step: f64,
    /// Edges `[lo, hi)` of each bin (the last bin's upper edge is infinite).
    edges: [(f64, f64); BINS],
    /// `ln(hi / lo)` of each log-spaced bin.
    ln_width: [f64; BINS],
}

fn geometry() -> &'static Geometry {
    static GEOMETRY: std::sync::OnceLock<Geometry> = std::sync::OnceLock::new();
    GEOMETRY.get_or_init(|| {
        let log_step = (Z_HI / Z_LO).ln() / (BINS - 2) as f64;
        let edges: [(f64, f64); BINS] = std::array::from_fn(|b| match b {
            0 => (0.0, Z_LO),
            _ if b >= BINS - 1 => (Z_HI, f64::INFINITY),
            _ => (
                Z_LO * ((b - 1) as f64 * log_step).exp(),
                Z_LO * (b as f64 * log_step).exp(),
            ),
        });
        let ln_width = std::array::from_fn(|b| {
            let (lo, hi) = edges[b];
            (hi / lo).ln()
        });
        Geometry {
            log_step,
            edges,
            ln_width,
        }
    })
}

fn bin_of(z: f64) -> usize {
    if z.is_nan() || z < Z_LO {
        return 0;
    }
    if z >= Z_HI {
        return BINS - 1;
    }
    let b = 1 + ((z / Z_LO).ln() / geometry().log_step) as usize;
    b.min(BINS - 2)
}

/// Edges `[lo, hi)` of bin `b` (the last bin's upper edge is infinite).
fn edges(b: usize) -> (f64, f64) {
    geometry().edges[b.min(BINS - 1)]
}

/// Share of bin `b`'s mass at or above `z` (linear in log z inside a bin, linear in z in bin 0).
fn share_above(b: usize, z: f64) -> f64 {
    let (_, hi) = edges(b);
    let f = match b {
        0 => (hi - z) / hi,
        _ if b >= BINS - 1 => 1.0,
        _ => (hi / z).ln() / geometry().ln_width[b],
    };
    f.clamp(0.0, 1.0)
}

impl Default for Calibrator {
    fn default() -> Self {
        Self {
            tree: [0.0; BINS],
            bins: [0.0; BINS],
            total: 0.0,
            w: 1.0,
            growth: 2f64.powf(1.0 / HALF_LIFE),
        }
    }
}

impl Calibrator {
    /// Mass of bins `0..b`.
    fn prefix(&self, b: usize) -> f64 {
        let mut i = b;
        let mut s = 0.0;
        while i > 0 {
            s += self.tree[i - 1];
            i &= i - 1;
        }
        s
    }

    fn add_to_bin(&mut self, b: usize, v: f64) {
        self.bins[b] += v;
        let mut i = b + 1;
        while i <= BINS {
            self.tree[i - 1] += v;
            i += i & i.wrapping_neg();
        }
    }

    /// Learns one value of the statistic.
    pub(crate) fn add(&mut self, z: f64) {
        let b = bin_of(z);
        self.add_to_bin(b, self.w);
        self.total += self.w;
        self.w *= self.growth;
        if self.w > RESCALE_AT {
            self.rescale();
        }
    }

    fn rescale(&mut self) {
        let k = 1.0 / self.w;
        self.w = 1.0;
        let bins = self.bins.map(|m| m * k);
        self.tree = [0.0; BINS];
        self.bins = [0.0; BINS];
        self.total = 0.0;
        for (b, m) in bins.into_iter().enumerate() {
            if m > 0.0 {
                self.add_to_bin(b, m);
                self.total += m;
            }
        }
    }

    fn tail_mass(&self, z: f64) -> f64 {
        let z = if z > 0.0 { z } else { 0.0 }; // NaN and negatives count as 0
        let b = bin_of(z);
        let above = (self.total - self.prefix(b + 1)).max(0.0);
        above + self.bins[b] * share_above(b, z)
    }

    /// Conformal tail probability of `z` against the history (in (0, 1]).
    pub(crate) fn p_value(&self, z: f64) -> f64 {
        let p = (self.tail_mass(z) + self.w) / (self.total + self.w);
        p.clamp(f64::MIN_POSITIVE, 1.0)
    }

    /// −log10 of [`Self::p_value`].
    pub(crate) fn surprise(&self, z: f64) -> f64 {
        -self.p_value(z).log10()
    }

    /// The smallest statistic whose p-value is at most `p`, if the history is long enough for one to exist.
    pub(crate) fn threshold(&self, p: f64) -> Option<f64> {
        // tail_mass(z) ≤ target
        let target = p * (self.total + self.w) - self.w;
        if target.is_nan() || target < 0.0 {
            return None;
        }
        let mut above = 0.0; // mass of bins above b
        for b in (0..BINS).rev() {
            let m = self.bins[b];
            if above + m > target {
                // The crossing is inside bin b: solve above + m·share(z) = target.
                let need = ((target - above) / m).clamp(0.0, 1.0);
                let (lo, hi) = edges(b);
                let z = match b {
                    0 => hi * (1.0 - need),
                    _ if b >= BINS - 1 => return Some(Z_HI.max(lo)),
                    _ => hi * (lo / hi).powf(need),
                };
                return Some(z.max(0.0));
            }
            above += m;
        }
        Some(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked-out geometry must be exactly what the formulas give: the cache may not move a single
    /// decision of the detector.
    #[test]
    fn geometry_is_exactly_the_formulas() {
        let log_step = (Z_HI / Z_LO).ln() / (BINS - 2) as f64;
        assert_eq!(geometry().log_step.to_bits(), log_step.to_bits());
        for b in 1..BINS - 1 {
            let lo = Z_LO * ((b - 1) as f64 * log_step).exp();
            let hi = Z_LO * (b as f64 * log_step).exp();
            assert_eq!(edges(b), (lo, hi));
            assert_eq!(geometry().ln_width[b].to_bits(), (hi / lo).ln().to_bits());
        }
        assert_eq!(edges(0), (0.0, Z_LO));
        assert_eq!(edges(BINS - 1), (Z_HI, f64::INFINITY));
    }

    #[test]
    fn beyond_history_is_one_over_n() {
        let mut c = Calibrator::default();
        for i in 0..999 {
            c.add((i % 10) as f64 * 0.3);
        }
        let s = c.surprise(100.0);
        assert!((s - 3.0).abs() < 0.01, "surprise {s}");
        assert!(c.surprise(0.0) < 0.01);
    }

    #[test]
    fn tail_matches_empirical_and_threshold_inverts_it() {
        let mut c = Calibrator::default();
        // Uniform on a log grid from 0.01 to 100.
        for i in 0..20_000 {
            let u = (i * 7919 % 20_000) as f64 / 20_000.0;
            c.add(0.01 * 10f64.powf(4.0 * u));
        }
        let p = c.p_value(1.0); // half of the mass is above 1
        assert!((p - 0.5).abs() < 0.02, "p {p}");
        let z = c.threshold(1e-2).unwrap();
        assert!((c.p_value(z) - 1e-2).abs() < 1e-3, "z {z} p {}", c.p_value(z));
        assert!(c.p_value(z * 1.01) <= 1e-2);
        assert!(Calibrator::default().threshold(1e-3).is_none());
    }

    #[test]
    fn decays_and_rescales_without_losing_shape() {
        let mut c = Calibrator::default();
        for i in 0..100_000u64 {
            c.add(if i % 100 == 0 { 5.0 } else { 0.5 });
        }
        let before = c.p_value(4.0);
        assert!((before - 0.01).abs() < 0.002, "p {before}");
        c.rescale();
        assert!((c.p_value(4.0) - before).abs() < 1e-12);
        assert!(c.total.is_finite() && c.w.is_finite());
    }

    #[test]
    fn garbage_is_safe() {
        let mut c = Calibrator::default();
        for z in [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e300] {
            c.add(z);
            let s = c.surprise(z);
            assert!(s.is_finite() && s >= 0.0);
        }
    }
}
