//! Random count series for the unit tests of the detector and of its callers.

use rand::Rng;
use rand::rngs::SmallRng;

/// A Poisson draw by Knuth's method: exact, and fast enough for the rates of unit tests (≲ 100).
pub(crate) fn poisson(rng: &mut SmallRng, rate: f64) -> f64 {
    let limit = (-rate).exp();
    let (mut k, mut product) = (0.0, rng.random::<f64>());
    while product > limit {
        k += 1.0;
        product *= rng.random::<f64>();
    }
    k
}

/// One Poisson count per point, at `rate(i)`.
pub(crate) fn poisson_series(rng: &mut SmallRng, len: usize, rate: impl Fn(usize) -> f64) -> Vec<f64> {
    (0..len).map(|i| poisson(rng, rate(i))).collect()
}

/// Token totals of `calls` calls per point, each call bringing 800 to 1,200 tokens.
pub(crate) fn tokens_of(rng: &mut SmallRng, calls: &[f64]) -> Vec<f64> {
    calls
        .iter()
        .map(|&n| {
            (0..n as usize)
                .map(|_| rng.random_range(800.0..1_200.0_f64).round())
                .sum()
        })
        .collect()
}
