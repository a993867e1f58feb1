//! How much more a count series varies than Poisson counts of the same size.
//!
//! The detector's count model (√ scale, σ ≈ 0.5) holds for counts of independent events such as calls. A
//! token total is a *compound* count: each call brings hundreds of tokens, so an hour's total varies about
//! that many times more than a Poisson count of its size, and a quiet hour of a low-traffic deployment looks
//! like an outage. Dividing such a series by its index of dispersion puts it back in call-like units.
//!
//! The index is measured on the series itself, robustly: for consecutive points a and b of a Poisson-like
//! series with dispersion D, (a − b)² / (a + b) is D times a χ²₁ variable, whose median is 0.4549; so D is the
//! median of that ratio over 0.4549. A median keeps an attack's few hours from inflating D and hiding itself.

/// Median of the χ² distribution with one degree of freedom.
const CHI2_1_MEDIAN: f64 = 0.454_936_423_119_572_8;
/// Fewer informative pairs than this, and the series is taken as Poisson (D = 1).
const MIN_PAIRS: usize = 24;

/// Index of dispersion of a non-negative count series (≥ 1; 1 for a Poisson series or when too little is
/// known). Pairs with a missing value or two zeros say nothing and are skipped.
pub fn dispersion_index(values: &[f64]) -> f64 {
    let mut ratios: Vec<f64> = values
        .windows(2)
        .filter_map(|pair| {
            let (a, b) = (pair[0], pair[1]);
            let (difference, sum) = (a - b, a + b);
            // Written as |a − b| · (|a − b| / (a + b)) so that no value Azure could send overflows to infinity.
            (a.is_finite() && b.is_finite() && a >= 0.0 && b >= 0.0 && sum > 0.0)
                .then(|| difference * (difference / sum))
        })
        .collect();
    if ratios.len() < MIN_PAIRS {
        return 1.0;
    }
    let middle = ratios.len() / 2;
    let (_, median, _) = ratios.select_nth_unstable_by(middle, f64::total_cmp);
    (*median / CHI2_1_MEDIAN).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use crate::anomaly::sample::{poisson_series, tokens_of};

    fn daily(i: usize, mean: f64) -> f64 {
        mean * (1.0 + 0.6 * (i as f64 / 24.0 * std::f64::consts::TAU).sin())
    }

    #[test]
    fn poisson_counts_have_a_dispersion_near_one() {
        let mut rng = SmallRng::seed_from_u64(1);
        let calls = poisson_series(&mut rng, 168, |i| daily(i, 20.0));
        let d = dispersion_index(&calls);
        assert!((1.0..1.6).contains(&d), "{d}");
    }

    #[test]
    fn token_totals_disperse_by_about_the_tokens_per_call() {
        let mut rng = SmallRng::seed_from_u64(2);
        let calls = poisson_series(&mut rng, 168, |i| daily(i, 20.0));
        let tokens = tokens_of(&mut rng, &calls);
        let d = dispersion_index(&tokens);
        assert!((700.0..1_600.0).contains(&d), "{d}");
    }

    #[test]
    fn a_few_attack_hours_do_not_inflate_it() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut calls = poisson_series(&mut rng, 168, |i| daily(i, 20.0));
        let quiet = dispersion_index(&calls);
        for v in &mut calls[160..164] {
            *v *= 8.0;
        }
        let attacked = dispersion_index(&calls);
        assert!(attacked < quiet * 1.3, "{quiet} → {attacked}");
    }

    proptest::proptest! {
        /// Whatever Azure sends (gaps, zeros, negatives, huge values), the index is a finite divisor ≥ 1.
        #[test]
        fn any_series_gives_a_finite_index_of_at_least_one(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::f64::ANY,
                    0.0..1e6f64,
                    proptest::strategy::Just(0.0),
                ],
                0..300,
            )
        ) {
            let d = dispersion_index(&values);
            proptest::prop_assert!(d.is_finite() && d >= 1.0, "{}", d);
        }
    }

    #[test]
    fn too_little_or_nothing_informative_is_poisson() {
        assert_eq!(dispersion_index(&[]), 1.0);
        assert_eq!(dispersion_index(&[5.0; 10]), 1.0);
        assert_eq!(dispersion_index(&[0.0; 200]), 1.0);
        assert_eq!(dispersion_index(&[f64::NAN; 200]), 1.0);
        // A flat series has no spread at all: never below 1.
        assert_eq!(dispersion_index(&[7.0; 200]), 1.0);
        // Values whose squares overflow still give a finite index.
        let extreme: Vec<f64> = (0..200).map(|i| if i % 2 == 0 { 1e300 } else { 0.0 }).collect();
        assert!(dispersion_index(&extreme).is_finite());
    }
}
