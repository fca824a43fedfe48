//! How a design performs across replicate trials: the diagnosands and their
//! Monte Carlo standard errors.
//!
//! Each replicate contributes an estimate with its inference and its sample
//! effect (SATE, the mean over its participants of `Y_i(a) − Y_i(c)`). The
//! population effect (PATE) is the mean SATE over replicates.

use super::Estimate;

/// One replicate's estimate and true sample effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// The estimate and its inference.
    pub estimate: Estimate,
    /// The replicate's true sample average effect.
    pub sate: f64,
}

/// A diagnosand and its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    /// The diagnosand.
    pub value: f64,
    /// Its Monte Carlo standard error (NaN with fewer than two replicates).
    pub mc_se: f64,
}

/// The diagnosis of one contrast × outcome × horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diagnosis {
    /// Replicates with an estimate.
    pub replicates: usize,
    /// Mean SATE over replicates.
    pub pate: Value,
    /// Mean estimate.
    pub mean_estimate: Value,
    /// Mean of estimate − SATE, i.e. mean estimate − PATE.
    pub bias: Value,
    /// Root mean squared error against the PATE.
    pub rmse: Value,
    /// Standard deviation of the estimates.
    pub sd_estimate: Value,
    /// Mean standard error.
    pub mean_se: Value,
    /// Share of replicates with p < 0.05.
    pub power: Value,
    /// Share of 95% intervals containing the PATE.
    pub coverage: Value,
    /// Share of 95% intervals containing their own replicate's SATE.
    pub coverage_sate: Value,
}

/// Names of the diagnosands, in output order.
pub const DIAGNOSANDS: [&str; 9] =
    ["pate", "mean_estimate", "bias", "rmse", "sd_estimate", "mean_se", "power", "coverage", "coverage_sate"];

impl Diagnosis {
    /// The diagnosands in [`DIAGNOSANDS`] order.
    pub fn values(&self) -> [Value; 9] {
        [
            self.pate,
            self.mean_estimate,
            self.bias,
            self.rmse,
            self.sd_estimate,
            self.mean_se,
            self.power,
            self.coverage,
            self.coverage_sate,
        ]
    }
}

/// Mean and its standard error `sd / √n`.
fn mean_value(x: impl Iterator<Item = f64> + Clone) -> Value {
    let n = x.clone().count() as f64;
    let mean = x.clone().sum::<f64>() / n;
    let var = x.map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    Value { value: mean, mc_se: (var / n).sqrt() }
}

/// A share and its binomial standard error `√(p(1−p)/n)`.
fn share(hits: usize, n: usize) -> Value {
    let p = hits as f64 / n as f64;
    Value { value: p, mc_se: if n > 1 { (p * (1.0 - p) / n as f64).sqrt() } else { f64::NAN } }
}

/// Diagnoses one contrast × outcome × horizon from its replicates.
///
/// Replicates whose estimate is NA are left out; those with an estimate but no
/// p-value or interval (a zero or missing standard error) count in the
/// estimate-based diagnosands only, so power and coverage are NA when no
/// replicate has an interval.
///
/// # Formula
/// Means carry `sd/√R`; shares `√(p(1−p)/R)`; bias is `mean(τ̂ − SATE)` with
/// `sd(τ̂ − SATE)/√R`; RMSE `√mean((τ̂ − PATE)²)` with the delta-method
/// `sd((τ̂−PATE)²)/(2·RMSE·√R)`; the SD `s` of estimates with
/// `s/2 · √((m₄/s⁴ − (R−3)/(R−1))/R)`, `m₄` the fourth central moment.
pub fn diagnose(draws: &[Draw]) -> Diagnosis {
    let ok: Vec<&Draw> = draws.iter().filter(|d| d.estimate.estimate.is_finite()).collect();
    let n = ok.len();
    let est = ok.iter().map(|d| d.estimate.estimate);
    let pate = mean_value(ok.iter().map(|d| d.sate));
    let mean_estimate = mean_value(est.clone());
    let bias = mean_value(ok.iter().map(|d| d.estimate.estimate - d.sate));
    let sq = ok.iter().map(|d| (d.estimate.estimate - pate.value).powi(2));
    let mse = mean_value(sq);
    // Every estimate on the PATE: RMSE 0 with no Monte Carlo error (not 0/0).
    let rmse_mc_se = if mse.mc_se == 0.0 { 0.0 } else { mse.mc_se / (2.0 * mse.value.sqrt()) };
    let rmse = Value { value: mse.value.sqrt(), mc_se: rmse_mc_se };
    let m = mean_estimate.value;
    let var = est.clone().map(|v| (v - m).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let m4 = est.map(|v| (v - m).powi(4)).sum::<f64>() / n as f64;
    let rn = n as f64;
    let sd = var.sqrt();
    let sd_estimate =
        Value { value: sd, mc_se: sd / 2.0 * ((m4 / (var * var) - (rn - 3.0) / (rn - 1.0)) / rn).max(0.0).sqrt() };
    let with_se: Vec<&&Draw> = ok.iter().filter(|d| d.estimate.se.is_finite()).collect();
    let mean_se = mean_value(with_se.iter().map(|d| d.estimate.se));
    let tested: Vec<&&Draw> = ok.iter().filter(|d| d.estimate.p_value.is_finite()).collect();
    let power = share(tested.iter().filter(|d| d.estimate.p_value < 0.05).count(), tested.len());
    let covers = |d: &Draw, target: f64| d.estimate.ci_low <= target && target <= d.estimate.ci_high;
    let coverage = share(tested.iter().filter(|d| covers(d, pate.value)).count(), tested.len());
    let coverage_sate = share(tested.iter().filter(|d| covers(d, d.sate)).count(), tested.len());
    Diagnosis { replicates: n, pate, mean_estimate, bias, rmse, sd_estimate, mean_se, power, coverage, coverage_sate }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(estimate: f64, se: f64, p: f64, sate: f64) -> Draw {
        Draw {
            estimate: Estimate {
                estimate,
                se,
                df: 10.0,
                ci_low: estimate - 2.0 * se,
                ci_high: estimate + 2.0 * se,
                p_value: p,
            },
            sate,
        }
    }

    #[test]
    fn hand_worked_diagnosis() {
        // Estimates 1, 2, 3, 6; SATEs 2, 2, 2, 2 (PATE 2); SEs 1; p 0.5, 0.01, 0.04, 0.2.
        let d = diagnose(&[
            draw(1.0, 1.0, 0.5, 2.0),
            draw(2.0, 1.0, 0.01, 2.0),
            draw(3.0, 1.0, 0.04, 2.0),
            draw(6.0, 1.0, 0.2, 2.0),
        ]);
        assert_eq!(d.pate.value, 2.0);
        assert_eq!(d.pate.mc_se, 0.0);
        assert_eq!(d.mean_estimate.value, 3.0);
        assert_eq!(d.bias.value, 1.0);
        // sd of (1,2,3,6) = √(14/3); MC SE = sd/2.
        assert!((d.bias.mc_se - (14.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
        // Squared errors vs PATE: 1, 0, 1, 16 → MSE 4.5.
        assert!((d.rmse.value - 4.5f64.sqrt()).abs() < 1e-15);
        assert!((d.sd_estimate.value - (14.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(d.power.value, 0.5);
        assert_eq!(d.power.mc_se, (0.25f64 / 4.0).sqrt());
        // Intervals ±2: [-1,3], [0,4], [1,5], [4,8]: three contain 2.
        assert_eq!(d.coverage.value, 0.75);
        assert_eq!(d.coverage_sate.value, 0.75);
        assert_eq!(d.mean_se.value, 1.0);
    }

    #[test]
    fn hand_worked_diagnosis_with_effects_that_vary() {
        // Estimates 1, 2, 3, 6; SATEs 1, 5, 1, 1 (PATE 2); SEs 1, 1, 2, 1.5;
        // intervals estimate ± 2·SE: [-1,3], [0,4], [-1,7], [3,9].
        let d = diagnose(&[
            draw(1.0, 1.0, 0.5, 1.0),
            draw(2.0, 1.0, 0.01, 5.0),
            draw(3.0, 2.0, 0.04, 1.0),
            draw(6.0, 1.5, 0.2, 1.0),
        ]);
        let close = |what: &str, got: f64, want: f64| {
            assert!((got - want).abs() <= 1e-14 * want.abs(), "{what}: {got} vs {want}");
        };
        // SATE deviations -1, 3, -1, -1: var 12/3 = 4, MC SE 2/2.
        close("pate", d.pate.value, 2.0);
        close("pate mc_se", d.pate.mc_se, 1.0);
        // Estimate deviations -2, -1, 0, 3: var 14/3.
        close("mean_estimate", d.mean_estimate.value, 3.0);
        close("mean_estimate mc_se", d.mean_estimate.mc_se, (14.0f64 / 3.0).sqrt() / 2.0);
        // τ̂ − SATE = 0, -3, 2, 5: mean 1, deviations -1, -4, 1, 4, var 34/3.
        close("bias", d.bias.value, 1.0);
        close("bias mc_se", d.bias.mc_se, (34.0f64 / 3.0).sqrt() / 2.0);
        // (τ̂ − PATE)² = 1, 0, 1, 16: MSE 4.5, their var 177/3 = 59; delta method.
        close("rmse", d.rmse.value, 4.5f64.sqrt());
        close("rmse mc_se", d.rmse.mc_se, 59f64.sqrt() / 2.0 / (2.0 * 4.5f64.sqrt()));
        // s² = 14/3, m₄ = (16 + 1 + 0 + 81)/4 = 24.5, m₄/s⁴ = 9/8: (9/8 − 1/3)/4 = 19/96.
        let s = (14.0f64 / 3.0).sqrt();
        close("sd_estimate", d.sd_estimate.value, s);
        close("sd_estimate mc_se", d.sd_estimate.mc_se, s / 2.0 * (19.0f64 / 96.0).sqrt());
        // SEs 1, 1, 2, 1.5: mean 1.375, squared deviations sum 0.6875.
        close("mean_se", d.mean_se.value, 1.375);
        close("mean_se mc_se", d.mean_se.mc_se, (0.6875f64 / 3.0).sqrt() / 2.0);
        // p < 0.05 twice; PATE 2 in three intervals; own SATE in two ([-1,3] ∋ 1, [-1,7] ∋ 1).
        close("power", d.power.value, 0.5);
        close("power mc_se", d.power.mc_se, 0.25);
        close("coverage", d.coverage.value, 0.75);
        close("coverage mc_se", d.coverage.mc_se, (0.75f64 * 0.25 / 4.0).sqrt());
        close("coverage_sate", d.coverage_sate.value, 0.5);
        close("coverage_sate mc_se", d.coverage_sate.mc_se, 0.25);
    }

    #[test]
    fn estimates_all_on_the_pate_have_rmse_zero_with_mc_se_zero() {
        let d = diagnose(&[draw(2.0, 1.0, 0.05, 2.0), draw(2.0, 1.0, 0.05, 2.0), draw(2.0, 1.0, 0.05, 2.0)]);
        assert_eq!((d.rmse.value, d.rmse.mc_se), (0.0, 0.0));
        assert_eq!((d.bias.value, d.bias.mc_se), (0.0, 0.0));
    }
}
