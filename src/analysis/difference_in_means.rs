//! Difference in means with the HC2 (Neyman) standard error and
//! Welch–Satterthwaite degrees of freedom, as R's
//! `estimatr::difference_in_means` computes it for simple randomisation.

use super::student_t;

/// One estimate with its inference. NaN marks a value that does not exist
/// (written `NA`): a standard error needs two people per arm; a p-value and
/// interval need a positive standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Estimated effect.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Lower end of the 95% confidence interval.
    pub ci_low: f64,
    /// Upper end of the 95% confidence interval.
    pub ci_high: f64,
    /// Two-sided p-value against no effect.
    pub p_value: f64,
}

/// Name of the estimator, as written in outputs.
pub const NAME: &str = "difference_in_means_hc2";

/// One arm's outcome values, with their sum when it is known to be exact.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// The values.
    pub values: &'a [f64],
    /// The sum of `values`, given only when every partial sum of them, in
    /// order, is a double (as with whole numbers totalling at most 2^53, which
    /// a caller can sum in integers). Then each of `mean`'s additions is exact:
    /// `t = sum + v` exactly, so `w = t − sum = v` and both rounding-error
    /// terms are +0, `lost` stays +0 and `sum` ends at this exact total. The
    /// mean is then `refined_mean(exact_sum, 0, n)`, without the additions.
    pub exact_sum: Option<f64>,
}

impl<'a> From<&'a [f64]> for Sample<'a> {
    fn from(values: &'a [f64]) -> Self {
        Self { values, exact_sum: None }
    }
}

fn mean_and_var(x: Sample) -> (f64, f64) {
    let n = x.values.len() as f64;
    let mean = match x.exact_sum {
        Some(sum) => refined_mean(sum, 0.0, n),
        None => mean(x.values),
    };
    let ss: f64 = x.values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, ss / (n - 1.0))
}

/// The mean as R's `mean()` gives it: the sum kept in more precision than a
/// double (R's long double; here a double plus the exact rounding errors of
/// the additions) and divided by n before rounding. A plain
/// sum made two arms holding the same values in another order differ by
/// 3.6e-12, where estimatr gives an effect of exactly 0.
fn mean(x: &[f64]) -> f64 {
    let (mut sum, mut lost) = (0.0f64, 0.0f64);
    for &v in x {
        // Knuth's TwoSum: t + e = sum + v exactly, without a branch.
        let t = sum + v;
        let w = t - sum;
        lost += (sum - (t - w)) + (v - w);
        sum = t;
    }
    refined_mean(sum, lost, x.len() as f64)
}

/// `(sum + lost) / n` for a sum of `n` values held as a double `sum` plus the
/// rounding errors `lost` of its additions.
fn refined_mean(sum: f64, lost: f64, n: f64) -> f64 {
    let q = sum / n;
    if !q.is_finite() {
        // An infinite value (or an overflow) decides the mean, as in R.
        return q;
    }
    // The remainder sum − q·n (exact, by the fma) plus the additions'
    // rounding errors refines q.
    q + (libm::fma(-q, n, sum) + lost) / n
}

/// Difference in means of `treated` and `control` with a 95% interval.
///
/// # Formula
/// `τ̂ = ȳ₁ − ȳ₀`; `SE = √(s₁²/n₁ + s₀²/n₀)` (HC2 for this design);
/// `df = (s₁²/n₁ + s₀²/n₀)² / ((s₁²/n₁)²/(n₁−1) + (s₀²/n₀)²/(n₀−1))`;
/// `CI = τ̂ ± t_{0.975, df}·SE`; `p = 2·P(T_df ≥ |τ̂/SE|)`.
///
/// # References
/// Gerber & Green (2012) *Field Experiments*, eq. 3.6; Blair et al.,
/// estimatr "Mathematical notes", difference_in_means.
pub fn difference_in_means(treated: &[f64], control: &[f64]) -> Estimate {
    difference_in_means_of(treated.into(), control.into())
}

/// [`difference_in_means`] of two samples, either of which may come with its
/// exact sum (see [`Sample::exact_sum`]), which spares adding its values again.
pub fn difference_in_means_of(treated: Sample, control: Sample) -> Estimate {
    let nan = f64::NAN;
    let (n1, n0) = (treated.values.len(), control.values.len());
    if n1 == 0 || n0 == 0 {
        return Estimate { estimate: nan, se: nan, df: nan, ci_low: nan, ci_high: nan, p_value: nan };
    }
    let (m1, v1) = mean_and_var(treated);
    let (m0, v0) = mean_and_var(control);
    let estimate = m1 - m0;
    if n1 < 2 || n0 < 2 {
        return Estimate { estimate, se: nan, df: nan, ci_low: nan, ci_high: nan, p_value: nan };
    }
    let (a, b) = (v1 / n1 as f64, v0 / n0 as f64);
    let se = (a + b).sqrt();
    let df = (a + b) * (a + b) / (a * a / (n1 as f64 - 1.0) + b * b / (n0 as f64 - 1.0));
    let p_value = student_t::two_sided_p(estimate / se, df);
    let half = student_t::two_sided_critical(0.05, df) * se;
    Estimate { estimate, se, df, ci_low: estimate - half, ci_high: estimate + half, p_value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_worked_case() {
        // Treated 3,5,7,9,11 (mean 7, var 10); control 2,4,4,6 (mean 4, var 8/3).
        // SE² = 10/5 + (8/3)/4 = 8/3; df = (8/3)² / (2²/4 + (2/3)²/3) = 192/31.
        let e = difference_in_means(&[3.0, 5.0, 7.0, 9.0, 11.0], &[2.0, 4.0, 4.0, 6.0]);
        assert_eq!(e.estimate, 3.0);
        assert!((e.se - (8.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!((e.df - 192.0 / 31.0).abs() < 1e-13);
    }

    #[test]
    fn the_same_values_in_another_order_give_exactly_zero() {
        // Benefit paid: NZ$337.73 a week for 0–103 weeks, 50 people per arm.
        let treated: Vec<f64> = (0..50).map(|i| 337.73 * f64::from((i * 37 + 11) % 104)).collect();
        // Person 3i mod 50 first: summed plainly, the means differ by 3.6e-12.
        let control: Vec<f64> = (0..50).map(|i| treated[(i * 3) % 50]).collect();
        let plain = |x: &[f64]| x.iter().sum::<f64>() / 50.0;
        assert!(plain(&treated) != plain(&control));
        assert_eq!(difference_in_means(&treated, &control).estimate, 0.0);
        assert_eq!(mean(&[0.1; 10]), 0.1);
        assert_eq!(mean(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert_eq!(mean(&[1.0, 0.0, 0.0]), 1.0 / 3.0);
    }

    #[test]
    fn an_exact_sum_gives_the_same_bits_as_adding_the_values() {
        // Weeks 0–103 and 1/0 flags, as whole-number outcomes give them.
        let weeks: Vec<f64> = (0..997u32).map(|i| f64::from((i * 7919 + 13) % 104)).collect();
        let flags: Vec<f64> = (0..1003u32).map(|i| f64::from((i * 31 + 5) % 7 < 3)).collect();
        fn with_sum(x: &[f64]) -> Sample<'_> {
            Sample { values: x, exact_sum: Some(x.iter().sum()) }
        }
        let plain = difference_in_means(&weeks, &flags);
        let summed = difference_in_means_of(with_sum(&weeks), with_sum(&flags));
        for (p, s) in [(plain.estimate, summed.estimate), (plain.se, summed.se), (plain.p_value, summed.p_value)] {
            assert_eq!(p.to_bits(), s.to_bits());
        }
        assert_eq!(mean(&weeks).to_bits(), refined_mean(weeks.iter().sum(), 0.0, 997.0).to_bits());
    }

    #[test]
    fn too_few_people_give_na_not_a_panic() {
        let e = difference_in_means(&[1.0], &[2.0, 3.0]);
        assert_eq!(e.estimate, -1.5);
        assert!(e.se.is_nan() && e.p_value.is_nan());
        let e = difference_in_means(&[], &[2.0]);
        assert!(e.estimate.is_nan());
        let e = difference_in_means(&[1.0, 1.0], &[1.0, 1.0]);
        assert_eq!(e.se, 0.0);
        assert!(e.p_value.is_nan() && e.ci_low.is_nan());
    }
}
