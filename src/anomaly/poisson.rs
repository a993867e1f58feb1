//! Model tails: the exact Poisson upper tail, for low-rate count series (expected < 1 per bucket) where √-space
//! z-scores fail, and the two-sided normal tail of a z-score.

use std::f64::consts::LN_10;

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// −log10 P(X ≥ k) for X ~ Poisson(λ), for λ > 0 and integer k ≥ 0. 0 when k ≤ λ is not even exceeded.
pub(crate) fn upper_tail_surprise(k: f64, lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 || k.is_nan() || k < 1.0 || k.is_infinite() {
        return 0.0;
    }
    let k = k.round();
    if k <= lambda {
        // Tail is large; not worth computing exactly for a spike detector (only used for λ < 1 anyway).
        return 0.0;
    }
    // P(X ≥ k) = P(X = k) · Σ_{j≥0} λ^j k! / (k+j)!, and the series converges fast for k > λ.
    let ln_pk = -lambda + k * lambda.ln() - ln_gamma(k + 1.0);
    let mut term = 1.0;
    let mut sum = 1.0;
    for j in 1..200 {
        term *= lambda / (k + j as f64);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    let ln_p = (ln_pk + sum.ln()).min(0.0);
    -ln_p / LN_10
}

/// −log10 of the two-sided normal tail P(|Z| ≥ |z|), without underflow for large |z|.
pub(crate) fn normal_two_sided_surprise(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    if x.is_nan() {
        return 0.0;
    }
    // ln erfc(x) by the Chebyshev fit of Numerical Recipes (erfcc, relative error < 1.2e-7 in erfc).
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let ln_p = (t.ln() - x * x + poly).min(0.0);
    -ln_p / LN_10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail() {
        assert!((normal_two_sided_surprise(0.0) - 0.0).abs() < 1e-6);
        assert!((normal_two_sided_surprise(1.959_964) - 1.30103).abs() < 1e-4); // p = 0.05
        assert!((normal_two_sided_surprise(3.290_527) - 3.0).abs() < 1e-4); // p = 1e-3
        assert!((normal_two_sided_surprise(-3.890_592) - 4.0).abs() < 1e-4); // p = 1e-4
        assert!(normal_two_sided_surprise(1e12).is_finite());
        assert_eq!(normal_two_sided_surprise(f64::NAN), 0.0);
    }

    #[test]
    fn ln_gamma_factorials() {
        let mut f = 1.0f64;
        for n in 1..30 {
            f *= n as f64;
            assert!((ln_gamma(n as f64 + 1.0) - f.ln()).abs() < 1e-10, "n={n}");
        }
    }

    #[test]
    fn tail_matches_direct_sum() {
        for &lambda in &[0.01f64, 0.3, 0.9] {
            for k in 1..15u32 {
                // Sum the upper terms directly (no cancellation).
                let mut pmf = (-lambda).exp();
                for j in 0..k {
                    pmf *= lambda / f64::from(j + 1);
                }
                let mut direct = 0.0;
                for j in k..k + 60 {
                    direct += pmf;
                    pmf *= lambda / f64::from(j + 1);
                }
                let s = upper_tail_surprise(f64::from(k), lambda);
                assert!((s + direct.log10()).abs() < 1e-9, "λ={lambda} k={k}");
            }
        }
        // The design's example: expected 0.3, saw 12 → p ≈ 1e-14 or rarer.
        assert!(upper_tail_surprise(12.0, 0.3) > 13.0);
        assert!(upper_tail_surprise(1e12, 0.5).is_finite());
        assert_eq!(upper_tail_surprise(f64::NAN, 0.5), 0.0);
    }
}
