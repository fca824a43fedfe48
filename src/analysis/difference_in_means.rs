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

/// What the estimator needs of one arm's values of an outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of values.
    pub n: usize,
    /// Their mean, as R's `mean()` gives it.
    pub mean: f64,
    /// Their variance, with denominator `n − 1`.
    pub var: f64,
}

impl Moments {
    /// The moments of `values`.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len() as f64;
        let mean = mean(values.iter().copied(), n);
        let mut ss = Compensated::default();
        for v in values {
            ss.add((v - mean) * (v - mean));
        }
        Self { n: values.len(), mean, var: ss.total() / (n - 1.0) }
    }

    /// The moments of each column of `rows`, read as rows of `W` values,
    /// bit for bit those [`Moments::of`] gives for the column alone.
    ///
    /// `exact_sums[w]` may give column `w`'s sum when every partial sum of it,
    /// in order, is a double (as with whole numbers totalling at most 2^53,
    /// which a caller can sum in integers). Then each of `mean`'s additions
    /// is exact: `t = sum + v` exactly, so `w = t − sum = v` and both
    /// rounding-error terms are +0, `lost` stays +0 and `sum` ends at this
    /// exact total; so the mean is `refined_mean(exact_sum, 0, n)`, without
    /// the additions. The squared deviations of all columns are summed in one
    /// pass over the rows, each column's in its own order.
    ///
    /// # Panics
    /// If `rows` does not hold whole rows.
    pub fn of_columns<const W: usize>(rows: &[f64], exact_sums: [Option<f64>; W]) -> [Self; W] {
        assert!(rows.len().is_multiple_of(W), "whole rows of {W}");
        let count = rows.len() / W;
        let n = count as f64;
        let means: [f64; W] = std::array::from_fn(|w| match exact_sums[w] {
            Some(sum) => refined_mean(sum, 0.0, n),
            None => mean(rows.chunks_exact(W).map(|row| row[w]), n),
        });
        let mut ss = [Compensated::default(); W];
        for row in rows.chunks_exact(W) {
            for w in 0..W {
                ss[w].add((row[w] - means[w]) * (row[w] - means[w]));
            }
        }
        std::array::from_fn(|w| Self { n: count, mean: means[w], var: ss[w].total() / (n - 1.0) })
    }
}

/// The mean as R's `mean()` gives it: the sum kept in more precision than a
/// double (R's long double; here a double plus the exact rounding errors of
/// the additions) and divided by n before rounding. A plain
/// sum made two arms holding the same values in another order differ by
/// 3.6e-12, where estimatr gives an effect of exactly 0.
pub(super) fn mean(x: impl Iterator<Item = f64>, n: f64) -> f64 {
    let mut sum = Compensated::default();
    for v in x {
        sum.add(v);
    }
    refined_mean(sum.sum, sum.lost, n)
}

/// A sum kept as a double plus the exact rounding errors of its additions
/// (Knuth's TwoSum), as [`mean`] keeps its own: the squared deviations are
/// summed so, as R sums them in a long double for `var()`. Summed plainly,
/// they made the SE of a million binary outcomes an arm 5e-12 off, and its
/// p-value 4e-9 off, at t = 27.
#[derive(Debug, Clone, Copy, Default)]
struct Compensated {
    sum: f64,
    lost: f64,
}

impl Compensated {
    #[inline]
    fn add(&mut self, v: f64) {
        // Knuth's TwoSum: t + e = sum + v exactly, without a branch.
        let t = self.sum + v;
        let w = t - self.sum;
        self.lost += (self.sum - (t - w)) + (v - w);
        self.sum = t;
    }

    fn total(&self) -> f64 {
        self.sum + self.lost
    }
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
    // An empty arm's moments are NaN; `difference_of_moments` answers NA for it.
    difference_of_moments(Moments::of(treated), Moments::of(control))
}

/// [`difference_in_means`] from each arm's [`Moments`].
pub fn difference_of_moments(treated: Moments, control: Moments) -> Estimate {
    let nan = f64::NAN;
    let (n1, n0) = (treated.n, control.n);
    if n1 == 0 || n0 == 0 {
        return Estimate { estimate: nan, se: nan, df: nan, ci_low: nan, ci_high: nan, p_value: nan };
    }
    let (m1, v1) = (treated.mean, treated.var);
    let (m0, v0) = (control.mean, control.var);
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

    fn mean(x: &[f64]) -> f64 {
        super::mean(x.iter().copied(), x.len() as f64)
    }

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
    fn columns_with_exact_sums_give_the_same_bits_as_each_column_alone() {
        // Rows of weeks 0–103, a 1/0 flag and money, as whole-number outcomes and benefit paid give them.
        let rows: Vec<f64> = (0..997u32)
            .flat_map(|i| {
                let weeks = f64::from((i * 7919 + 13) % 104);
                [weeks, f64::from((i * 31 + 5) % 7 < 3), 337.73 * weeks]
            })
            .collect();
        let column = |w: usize| rows.iter().skip(w).step_by(3).copied().collect::<Vec<f64>>();
        let exact = |w: usize| Some(column(w).iter().sum());
        let by_columns = Moments::of_columns::<3>(&rows, [exact(0), exact(1), None]);
        for (w, m) in by_columns.iter().enumerate() {
            let alone = Moments::of(&column(w));
            assert_eq!((m.n, m.mean.to_bits(), m.var.to_bits()), (alone.n, alone.mean.to_bits(), alone.var.to_bits()));
        }
    }

    #[test]
    fn a_million_binary_outcomes_an_arm_give_the_closed_form_se() {
        // 0/1 outcomes in a scrambled order; s² = k(n − k)/(n(n − 1)) exactly,
        // so SE² = (k₁(n − k₁) + k₀(n − k₀)) / (n²(n − 1)) with n₁ = n₀ = n:
        // whole numbers below 2⁹⁰, each rounded once to a double, so the
        // closed form is within 1e-15 of the exact SE.
        let n = 1_000_000u64;
        let arm = |share: u64| -> Vec<f64> { (0..n).map(|i| f64::from((i * 7919 + 13) % 1000 < share)).collect() };
        let (treated, control) = (arm(300), arm(290));
        let k = |x: &[f64]| x.iter().sum::<f64>() as u128;
        let (k1, k0, n) = (k(&treated), k(&control), u128::from(n));
        let se = (((k1 * (n - k1) + k0 * (n - k0)) as f64) / ((n * n * (n - 1)) as f64)).sqrt();
        let e = difference_in_means(&treated, &control);
        assert!((e.se / se - 1.0).abs() < 1e-14, "SE {} against {se}", e.se);
        // Summed plainly, the squared deviations miss it by far more.
        let plain = |x: &[f64]| {
            let m = super::mean(x.iter().copied(), x.len() as f64);
            x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0) / x.len() as f64
        };
        let plain_se = (plain(&treated) + plain(&control)).sqrt();
        assert!((plain_se / se - 1.0).abs() > 1e-13, "plain SE {plain_se} against {se}");
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
