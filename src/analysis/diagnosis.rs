//! How a design performs across replicate trials: the diagnosands and their
//! Monte Carlo standard errors.
//!
//! Each replicate contributes an estimate with its inference and its sample
//! effect (SATE, the mean over its participants of `Y_i(a) − Y_i(c)`). The
//! population effect (PATE) is the mean SATE over replicates.

use super::{Estimate, difference_in_means};
use crate::rng::Stream;

/// Bootstrap resamples behind the Monte Carlo SE of `coverage`: the SE's own
/// relative error is about `1/√(2B)`, 2%.
const COVERAGE_BOOTSTRAP: usize = 1000;

/// The bootstrap's fixed seed: the SE is a function of the replicates alone.
const BOOTSTRAP_SEED: u64 = 0x5eed_c0de_0000_0001;

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
    /// Replicates with an estimate (`R`).
    pub replicates: usize,
    /// Of those, replicates with a standard error (`R_se`), behind `mean_se`.
    pub replicates_with_se: usize,
    /// Of those, replicates with a p-value and interval (`R_t`), behind
    /// `power`, `coverage` and `coverage_sate`.
    pub replicates_tested: usize,
    /// The mean 95% interval `[mean ci_low, mean ci_high]` over the
    /// `R_t` replicates with one (NaN if none), each end with its Monte
    /// Carlo SE: the interval a typical replicate reports, not an interval
    /// for any diagnosand.
    pub mean_ci: [Value; 2],
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
    /// Each diagnosand with its name, in [`DIAGNOSANDS`] order: the one place
    /// that pairs a name with its field, so that no output can label one
    /// diagnosand with another's name.
    pub fn named(&self) -> [(&'static str, Value); 9] {
        [
            ("pate", self.pate),
            ("mean_estimate", self.mean_estimate),
            ("bias", self.bias),
            ("rmse", self.rmse),
            ("sd_estimate", self.sd_estimate),
            ("mean_se", self.mean_se),
            ("power", self.power),
            ("coverage", self.coverage),
            ("coverage_sate", self.coverage_sate),
        ]
    }

    /// The diagnosands in [`DIAGNOSANDS`] order.
    pub fn values(&self) -> [Value; 9] {
        self.named().map(|(_, value)| value)
    }
}

/// The mean of `x` as the estimator takes it (the sum carried with its
/// rounding errors): `sum / n` alone can miss, as three estimates of 0.1
/// average to 0.10000000000000002, which would give them a spread of about
/// 1e-17 and a Monte Carlo SE, where equal estimates have none.
fn mean(x: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = x.clone().count() as f64;
    difference_in_means::mean(x, n)
}

/// Mean and its standard error `sd / √n`.
fn mean_value(x: impl Iterator<Item = f64> + Clone) -> Value {
    let n = x.clone().count() as f64;
    let mean = mean(x.clone());
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
/// Means carry `sd/√R`; power and the coverage of the SATE `√(p(1−p)/R_t)`,
/// over the `R_t` replicates with a p-value;
/// bias is `mean(τ̂ − SATE)` with `sd(τ̂ − SATE)/√R`; RMSE
/// `√mean((τ̂ − PATE)²)` with `sd(z)/(2·RMSE·√R)`, where
/// `z = (τ̂ − PATE)² − 2·bias·(SATE − PATE)` (the delta method, counting that
/// the PATE is the mean of the same replicates' SATEs); the SD `s` of
/// estimates with `s/2 · √((b₂ − (R−3)/(R−1))/R)`, `b₂ = m₄/m₂²` the
/// sample kurtosis (`m_k` the k-th central moment, over R). The coverage of
/// the PATE takes the SD of its value over `COVERAGE_BOOTSTRAP` (1,000)
/// bootstrap resamples of the replicates, the PATE recomputed in each (see
/// `coverage_mc_se`).
pub fn diagnose(draws: &[Draw]) -> Diagnosis {
    let ok: Vec<&Draw> = draws.iter().filter(|d| d.estimate.estimate.is_finite()).collect();
    let n = ok.len();
    let est = ok.iter().map(|d| d.estimate.estimate);
    let pate = mean_value(ok.iter().map(|d| d.sate));
    let mean_estimate = mean_value(est.clone());
    let bias = mean_value(ok.iter().map(|d| d.estimate.estimate - d.sate));
    let rmse = rmse(&ok, pate.value, bias.value);
    let sd_estimate = sd_estimate(est, mean_estimate.value);
    let with_se: Vec<&&Draw> = ok.iter().filter(|d| d.estimate.se.is_finite()).collect();
    let mean_se = mean_value(with_se.iter().map(|d| d.estimate.se));
    let tested: Vec<&&Draw> = ok.iter().filter(|d| d.estimate.p_value.is_finite()).collect();
    let power = share(tested.iter().filter(|d| d.estimate.p_value < 0.05).count(), tested.len());
    let coverage = share(tested.iter().filter(|d| covers(d, pate.value)).count(), tested.len());
    let coverage = Value { mc_se: if tested.len() > 1 { coverage_mc_se(&ok) } else { f64::NAN }, ..coverage };
    let coverage_sate = share(tested.iter().filter(|d| covers(d, d.sate)).count(), tested.len());
    let mean_ci =
        [mean_value(tested.iter().map(|d| d.estimate.ci_low)), mean_value(tested.iter().map(|d| d.estimate.ci_high))];
    Diagnosis {
        replicates: n,
        replicates_with_se: with_se.len(),
        replicates_tested: tested.len(),
        mean_ci,
        pate,
        mean_estimate,
        bias,
        rmse,
        sd_estimate,
        mean_se,
        power,
        coverage,
        coverage_sate,
    }
}

/// The RMSE against the PATE and its Monte Carlo SE (see [`diagnose`]'s
/// formula). `z`'s mean is the MSE, as the SATEs' deviations from the PATE
/// sum to zero.
fn rmse(ok: &[&Draw], pate: f64, bias: f64) -> Value {
    let n = ok.len();
    let mse = ok.iter().map(|d| square(d.estimate.estimate - pate)).sum::<f64>() / n as f64;
    let lean = 2.0 * bias;
    let z = mean_value(ok.iter().map(|d| square(d.estimate.estimate - pate) - lean * (d.sate - pate)));
    // Every estimate on the PATE: RMSE 0 with no Monte Carlo error (not 0/0);
    // but one replicate, like any other diagnosand, has none at all.
    let mc_se = if n < 2 {
        f64::NAN
    } else if z.mc_se == 0.0 || mse == 0.0 {
        0.0
    } else {
        z.mc_se / (2.0 * mse.sqrt())
    };
    Value { value: mse.sqrt(), mc_se }
}

/// The SD of the estimates `est`, whose mean is `m`, over `R − 1`, and its
/// Monte Carlo SE (see [`diagnose`]'s formula). The kurtosis is `b₂`, both
/// central moments over R: `m₄/s⁴`, with `s²` over `R − 1`, is
/// `b₂·((R−1)/R)²`, and would understate the SE by 30% at R = 10 and 7% at
/// R = 50 for normal estimates, where `b₂` does by 17% and 4%.
fn sd_estimate(est: impl Iterator<Item = f64> + Clone, m: f64) -> Value {
    let rn = est.clone().count() as f64;
    let squares = est.clone().map(|v| square(v - m)).sum::<f64>();
    let var = squares / (rn - 1.0);
    let m2 = squares / rn;
    let kurtosis = est.map(|v| square(square(v - m))).sum::<f64>() / rn / (m2 * m2);
    // With no estimate, the sum of squares over n − 1 = −1 is −0, not NaN.
    let sd = if rn == 0.0 { f64::NAN } else { var.sqrt() };
    // Every estimate the same: no spread and no error in it (not 0/0).
    let mc_se = if sd == 0.0 { 0.0 } else { sd / 2.0 * ((kurtosis - (rn - 3.0) / (rn - 1.0)) / rn).max(0.0).sqrt() };
    Value { value: sd, mc_se }
}

fn covers(d: &Draw, target: f64) -> bool {
    d.estimate.ci_low <= target && target <= d.estimate.ci_high
}

/// The Monte Carlo SE of the coverage of the PATE, by bootstrap over
/// replicates.
///
/// The PATE is the mean of the same replicates' SATEs, so the coverage moves
/// with it. When the estimates are biased and the SATEs vary, the binomial
/// `√(p(1−p)/R)` misses that, and can be far off either way (46% too small
/// with a bias of 1.5 SE and SATEs that vary by 2 SE). Each resample draws
/// `R` replicates with replacement, each with its estimate, interval and
/// SATE, and recounts the intervals (of those with one) that contain the
/// resample's own PATE; the SE is the SD of those shares. Without bias, or
/// with a PATE that does not vary, it agrees with the binomial SE.
fn coverage_mc_se(ok: &[&Draw]) -> f64 {
    let n = ok.len();
    let mut stream = Stream::new(BOOTSTRAP_SEED);
    let mut picks = vec![0usize; n];
    let mut shares = Vec::with_capacity(COVERAGE_BOOTSTRAP);
    for _ in 0..COVERAGE_BOOTSTRAP {
        let mut sum = 0.0;
        for p in &mut picks {
            *p = stream.below(n);
            sum += ok[*p].sate;
        }
        let pate = sum / n as f64;
        let (mut tested, mut hits) = (0usize, 0usize);
        for &p in &picks {
            if ok[p].estimate.p_value.is_finite() {
                tested += 1;
                hits += usize::from(covers(ok[p], pate));
            }
        }
        if tested > 0 {
            shares.push(hits as f64 / tested as f64);
        }
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    (shares.iter().map(|v| square(v - mean)).sum::<f64>() / (shares.len() as f64 - 1.0)).sqrt()
}

/// `x²` as one multiplication, written out: `powi`'s result may depend on the
/// compiler (its documentation calls its precision non-deterministic), and
/// these sums reach `summary.json`, which must be the same from every build.
fn square(x: f64) -> f64 {
    x * x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_diagnosand_carries_its_own_name_in_output_order() {
        // Five replicates whose nine diagnosands all differ (PATE 1.08, mean
        // estimate 1.6, power 0.4, coverage 0.8, coverage of the SATE 0.6, ...).
        let d = diagnose(&[
            draw(1.0, 0.5, 0.01, 1.5),
            draw(2.0, 0.7, 0.2, 0.5),
            draw(3.0, 0.2, 0.001, 1.2),
            draw(0.5, 1.0, 0.5, 0.8),
            draw(1.5, 0.3, 0.3, 1.4),
        ]);
        let names: Vec<&str> = d.named().iter().map(|(name, _)| *name).collect();
        assert_eq!(names, DIAGNOSANDS);
        let fields =
            [d.pate, d.mean_estimate, d.bias, d.rmse, d.sd_estimate, d.mean_se, d.power, d.coverage, d.coverage_sate];
        // Bits, so that a NaN Monte Carlo SE compares equal to itself.
        let bits = |v: Value| (v.value.to_bits(), v.mc_se.to_bits());
        assert_eq!(d.named().map(|(_, v)| bits(v)), fields.map(bits));
        // The nine differ, so no two fields can swap unseen.
        let values: Vec<f64> = fields.iter().map(|v| v.value).collect();
        assert!(values.iter().enumerate().all(|(i, a)| values[i + 1..].iter().all(|b| a != b)), "{values:?}");
    }

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
        assert_eq!((d.replicates, d.replicates_with_se, d.replicates_tested), (4, 4, 4));
        // Mean interval: lows −1, 0, 1, 4 and highs 3, 4, 5, 8.
        assert_eq!(d.mean_ci.map(|v| v.value), [1.0, 5.0]);
        // The lows spread as the estimates do: sd √(14/3), MC SE sd/2.
        assert!((d.mean_ci[0].mc_se - (14.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
        // The PATE is the same in every resample, so the bootstrap SE is that of a
        // share: √(p(1−p)/R) up to its own Monte Carlo error, √((κ−1)/4B) relative,
        // κ = 3 + (1 − 6p(1−p))/(Rp(1−p)) the kurtosis of a binomial share.
        let binomial = (0.75f64 * 0.25 / 4.0).sqrt();
        let kurtosis = 3.0 + (1.0 - 6.0 * 0.75 * 0.25) / (4.0 * 0.75 * 0.25);
        let tolerance = 4.0 * ((kurtosis - 1.0) / (4.0 * COVERAGE_BOOTSTRAP as f64)).sqrt();
        assert!((d.coverage.mc_se / binomial - 1.0).abs() < tolerance, "{} vs {binomial}", d.coverage.mc_se);
    }

    #[test]
    fn one_replicate_has_no_monte_carlo_error_even_on_the_pate() {
        // The estimate equals the SATE, so the RMSE is 0; with one replicate its
        // Monte Carlo SE is unknown, like every other one, not 0.
        let d = diagnose(&[draw(2.0, 1.0, 0.01, 2.0)]);
        assert_eq!(d.rmse.value, 0.0);
        for v in [d.pate, d.mean_estimate, d.bias, d.rmse, d.mean_se, d.power, d.coverage, d.coverage_sate] {
            assert!(v.mc_se.is_nan(), "{v:?}");
        }
        // With two on the PATE, it is 0: every estimate on it.
        let d = diagnose(&[draw(2.0, 1.0, 0.01, 2.0), draw(2.0, 1.0, 0.01, 2.0)]);
        assert_eq!((d.rmse.value, d.rmse.mc_se), (0.0, 0.0));
    }

    /// The ideal bootstrap's SE of the coverage, and the kurtosis of the
    /// coverage over resamples: every one of the Rᴿ ordered resamples of
    /// `draws`, equally likely. A resample's coverage is over its draws with
    /// a p-value; one with none has no coverage and is left out, or, with
    /// `untested_as_0`, counted as a coverage of 0.
    fn exact_bootstrap_coverage(draws: &[Draw], untested_as_0: bool) -> (f64, f64) {
        let r = draws.len();
        let shares: Vec<f64> = (0..r.pow(r as u32))
            .filter_map(|k| {
                let picks: Vec<&Draw> = (0..r).map(|j| &draws[k / r.pow(j as u32) % r]).collect();
                let pate = picks.iter().map(|d| d.sate).sum::<f64>() / r as f64;
                let tested: Vec<&&Draw> = picks.iter().filter(|d| d.estimate.p_value.is_finite()).collect();
                let hits = tested.iter().filter(|d| covers(d, pate)).count() as f64;
                match tested.len() {
                    0 if untested_as_0 => Some(0.0),
                    0 => None,
                    n => Some(hits / n as f64),
                }
            })
            .collect();
        let total = shares.len() as f64;
        let mean = shares.iter().sum::<f64>() / total;
        let var = shares.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / total;
        let m4 = shares.iter().map(|c| (c - mean).powi(4)).sum::<f64>() / total;
        (var.sqrt(), m4 / (var * var))
    }

    #[test]
    fn coverage_mc_se_is_the_bootstrap_se_with_the_pate_recomputed() {
        // Intervals ±2·SE: [3,7], [2,8], [2,6], [2,6]; SATEs 1, 1, 0, 6, PATE 2:
        // three of four cover it, but a resample's PATE moves far, and with it
        // the coverage (the ideal bootstrap's SE is about twice the binomial one).
        let draws =
            [draw(5.0, 1.0, 0.5, 1.0), draw(5.0, 1.5, 0.5, 1.0), draw(4.0, 1.0, 0.5, 0.0), draw(4.0, 1.0, 0.5, 6.0)];
        let (exact, kurtosis) = exact_bootstrap_coverage(&draws, false);
        let d = diagnose(&draws);
        assert_eq!(d.coverage.value, 0.75);
        // The SD of B shares: relative Monte Carlo error √((κ−1)/4B).
        let tolerance = 4.0 * ((kurtosis - 1.0) / (4.0 * COVERAGE_BOOTSTRAP as f64)).sqrt();
        assert!((d.coverage.mc_se / exact - 1.0).abs() < tolerance, "{} vs exact {exact}", d.coverage.mc_se);
        // A bootstrap that kept the full sample's PATE would give the binomial SE.
        let binomial = (0.75f64 * 0.25 / 4.0).sqrt();
        assert!((binomial / exact - 1.0).abs() > tolerance, "the test cannot tell {binomial} from {exact}");
    }

    /// `sets` simulated studies of `r` replicates each: SATE ~ N(0, sate_sd²),
    /// estimate = SATE + bias + N(0, noise_sd²) if it `tracks` the SATE, else
    /// bias + N(0, noise_sd²); intervals ±1.96·noise_sd.
    fn studies(sets: u64, r: u64, bias: f64, sate_sd: f64, noise_sd: f64, tracks: bool) -> Vec<Diagnosis> {
        use crate::rng::{Keyed, Purpose};
        let keyed = Keyed::new(20_261_123);
        (0..sets)
            .map(|set| {
                let draws: Vec<Draw> = (0..r)
                    .map(|i| {
                        let sate = sate_sd * keyed.normal(set, Purpose::Covariate, i, 0);
                        let centre = if tracks { sate } else { 0.0 };
                        let est = centre + bias + noise_sd * keyed.normal(set, Purpose::Covariate, i, 1);
                        let mut d = draw(est, noise_sd, 0.5, sate);
                        d.estimate.ci_low = est - 1.96 * noise_sd;
                        d.estimate.ci_high = est + 1.96 * noise_sd;
                        d
                    })
                    .collect();
                diagnose(&draws)
            })
            .collect()
    }

    /// Checks that the mean reported Monte Carlo SE of a diagnosand equals the
    /// SD of its values across independent `studies`, within 4 Monte Carlo SE
    /// of that SD (relative `√((κ−1)/4K)`, κ the values' kurtosis, K studies).
    /// Returns the SD, the tolerance (so a caller can show that a wrong SE
    /// fails it) and the values' mean.
    fn check_mc_se(what: &str, studies: &[Diagnosis], pick: impl Fn(&Diagnosis) -> Value) -> (f64, f64, f64) {
        let k = studies.len() as f64;
        let values: Vec<f64> = studies.iter().map(|d| pick(d).value).collect();
        let mean = values.iter().sum::<f64>() / k;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0);
        let m2 = var * (k - 1.0) / k;
        let kurtosis = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / k / (m2 * m2);
        let tolerance = 4.0 * ((kurtosis - 1.0) / (4.0 * k)).sqrt();
        let sd = var.sqrt();
        let reported = studies.iter().map(|d| pick(d).mc_se).sum::<f64>() / k;
        eprintln!("{what}: mean MC SE {reported:.5}, SD across studies {sd:.5}, tolerance {tolerance:.3} relative");
        assert!((reported / sd - 1.0).abs() < tolerance, "{what}: mean MC SE {reported}, SD across studies {sd}");
        (sd, tolerance, mean)
    }

    #[test]
    fn rmse_mc_se_matches_the_spread_across_studies_when_biased() {
        // Estimates that track their SATE closely, with a bias: the plain delta
        // method, which takes the PATE as known, overstates the SE by about half.
        let s = studies(400, 400, 1.0, 1.0, 0.3, true);
        let (sd, tolerance, _) = check_mc_se("rmse", &s, |d| d.rmse);
        // Var((τ̂−P)²) under normality: 2σ⁴ + 4b²σ², σ² = 1.09, b = 1.
        let naive = (2.0 * 1.09f64.powi(2) + 4.0 * 1.09).sqrt() / 20.0 / (2.0 * (1.0f64 + 1.09).sqrt());
        eprintln!("rmse: the delta method with the PATE known would give {naive:.5}");
        assert!((naive / sd - 1.0).abs() > tolerance, "the test cannot tell the naive SE {naive} from {sd}");
    }

    #[test]
    fn coverage_mc_se_matches_the_spread_across_studies_when_biased() {
        // A bias of 1.5 and SATEs that vary by 2, in units of the noise, with
        // estimates that do not follow their SATE: the PATE's own Monte Carlo
        // error moves every interval's chance of covering it the same way.
        let s = studies(400, 400, 1.5, 2.0, 1.0, false);
        let (sd, tolerance, p) = check_mc_se("coverage", &s, |d| d.coverage);
        let binomial = (p * (1.0 - p) / 400.0).sqrt();
        eprintln!("coverage: the binomial SE would give {binomial:.5}");
        assert!((binomial / sd - 1.0).abs() > tolerance, "the test cannot tell the binomial SE {binomial} from {sd}");
    }

    #[test]
    fn coverage_mc_se_matches_the_spread_across_studies_without_bias() {
        check_mc_se("coverage", &studies(400, 400, 0.0, 1.0, 1.0, true), |d| d.coverage);
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
        // (τ̂ − PATE)² = 1, 0, 1, 16: MSE 4.5. z = (τ̂ − PATE)² − 2·bias·(SATE − PATE)
        // = 3, -6, 3, 18: mean 4.5, deviations -1.5, -10.5, -1.5, 13.5, var 297/3 = 99.
        close("rmse", d.rmse.value, 4.5f64.sqrt());
        close("rmse mc_se", d.rmse.mc_se, 99f64.sqrt() / 2.0 / (2.0 * 4.5f64.sqrt()));
        // s² = 14/3, m₂ = 14/4 = 3.5, m₄ = (16 + 1 + 0 + 81)/4 = 24.5,
        // b₂ = m₄/m₂² = 2: (2 − 1/3)/4 = 5/12.
        let s = (14.0f64 / 3.0).sqrt();
        close("sd_estimate", d.sd_estimate.value, s);
        close("sd_estimate mc_se", d.sd_estimate.mc_se, s / 2.0 * (5.0f64 / 12.0).sqrt());
        // SEs 1, 1, 2, 1.5: mean 1.375, squared deviations sum 0.6875.
        close("mean_se", d.mean_se.value, 1.375);
        close("mean_se mc_se", d.mean_se.mc_se, (0.6875f64 / 3.0).sqrt() / 2.0);
        // p < 0.05 twice; PATE 2 in three intervals; own SATE in two ([-1,3] ∋ 1, [-1,7] ∋ 1).
        close("power", d.power.value, 0.5);
        close("power mc_se", d.power.mc_se, 0.25);
        close("coverage", d.coverage.value, 0.75);
        close("coverage_sate", d.coverage_sate.value, 0.5);
        close("coverage_sate mc_se", d.coverage_sate.mc_se, 0.25);
    }

    #[test]
    fn diagnosis_scales_with_the_outcome() {
        // Doubling every estimate, SE and SATE (a bias of 2, where the
        // hand-worked cases have 1) doubles every diagnosand in the outcome's
        // unit and its Monte Carlo SE, and leaves the shares as they were:
        // exactly, as a factor of 2 rounds nothing.
        let draws = [(1.0, 1.0, 0.5, 1.0), (2.0, 1.0, 0.01, 5.0), (3.0, 2.0, 0.04, 1.0), (6.0, 1.5, 0.2, 1.0)];
        let d = diagnose(&draws.map(|(e, se, p, sate)| draw(e, se, p, sate)));
        let doubled = diagnose(&draws.map(|(e, se, p, sate)| draw(2.0 * e, 2.0 * se, p, 2.0 * sate)));
        assert_eq!(doubled.bias.value, 2.0);
        for (i, (name, (a, b))) in DIAGNOSANDS.iter().zip(d.values().into_iter().zip(doubled.values())).enumerate() {
            let factor = if i < 6 { 2.0 } else { 1.0 }; // pate … mean_se; then power and coverages
            assert_eq!((b.value, b.mc_se), (factor * a.value, factor * a.mc_se), "{name}");
        }
    }

    #[test]
    fn power_and_coverage_count_only_replicates_with_a_p_value() {
        // A zero SE (as estimatr gives it): an estimate, no interval or p-value.
        let mut flat = draw(0.0, 0.0, f64::NAN, 0.0);
        (flat.estimate.ci_low, flat.estimate.ci_high) = (f64::NAN, f64::NAN);
        let mut no_se = flat;
        no_se.estimate.se = f64::NAN;
        let d = diagnose(&[draw(1.0, 1.0, 0.01, 2.0), flat, no_se, draw(3.0, 1.0, 0.5, 2.0)]);
        assert_eq!((d.replicates, d.replicates_with_se, d.replicates_tested), (4, 3, 2));
        assert_eq!(d.mean_estimate.value, 1.0);
        assert_eq!(d.mean_se.value, 2.0 / 3.0);
        assert_eq!((d.power.value, d.power.mc_se), (0.5, (0.25f64 / 2.0).sqrt()));
        // PATE 1: [−1, 3] and [1, 5] both contain it.
        assert_eq!(d.coverage.value, 1.0);
        assert_eq!(d.mean_ci.map(|v| v.value), [0.0, 4.0]);
    }

    #[test]
    fn power_counts_p_below_the_level_only() {
        // p = 0.05 exactly is not below 0.05.
        let d = diagnose(&[draw(1.0, 1.0, 0.05, 0.0), draw(3.0, 1.0, 0.049, 0.0)]);
        assert_eq!(d.power.value, 0.5);
    }

    #[test]
    fn coverage_mc_se_skips_resamples_without_a_p_value() {
        // One replicate in three has no p-value: about 37 of the 1,000
        // resamples draw only it, have no coverage, and are left out.
        let mut untested = draw(2.0, 0.0, f64::NAN, 2.0);
        (untested.estimate.ci_low, untested.estimate.ci_high) = (f64::NAN, f64::NAN);
        // Intervals [−2, 2] and [2, 6], SATEs 0 and 4, and the untested
        // replicate's 2: a resample's PATE runs from 0 to 4, and the coverage
        // with it.
        let draws = [draw(0.0, 1.0, 0.5, 0.0), draw(4.0, 1.0, 0.01, 4.0), untested];
        let d = diagnose(&draws);
        assert_eq!(d.replicates_tested, 2);
        // The SE is the ideal bootstrap's with those resamples left out,
        // within the Monte Carlo error of an SD of about 963 shares (see
        // `coverage_mc_se_is_the_bootstrap_se_with_the_pate_recomputed`);
        // counting them as a coverage of 0 would give another.
        let (exact, kurtosis) = exact_bootstrap_coverage(&draws, false);
        let tolerance = 4.0 * ((kurtosis - 1.0) / (4.0 * COVERAGE_BOOTSTRAP as f64 * 26.0 / 27.0)).sqrt();
        assert!((d.coverage.mc_se / exact - 1.0).abs() < tolerance, "{} vs exact {exact}", d.coverage.mc_se);
        let (as_0, _) = exact_bootstrap_coverage(&draws, true);
        assert!((as_0 / exact - 1.0).abs() > tolerance, "the test cannot tell {as_0} from {exact}");
    }

    #[test]
    fn no_estimate_gives_every_diagnosand_na() {
        let mut d = draw(f64::NAN, f64::NAN, f64::NAN, 1.0);
        d.estimate.ci_low = f64::NAN;
        d.estimate.ci_high = f64::NAN;
        let diagnosis = diagnose(&[d, d]);
        assert_eq!((diagnosis.replicates, diagnosis.replicates_with_se, diagnosis.replicates_tested), (0, 0, 0));
        assert!(diagnosis.mean_ci.iter().all(|v| v.value.is_nan() && v.mc_se.is_nan()));
        for (name, v) in DIAGNOSANDS.iter().zip(diagnosis.values()) {
            assert!(v.value.is_nan() && v.mc_se.is_nan(), "{name}: {v:?}");
        }
    }

    #[test]
    fn estimates_all_on_the_pate_have_rmse_zero_with_mc_se_zero() {
        let d = diagnose(&[draw(2.0, 1.0, 0.05, 2.0), draw(2.0, 1.0, 0.05, 2.0), draw(2.0, 1.0, 0.05, 2.0)]);
        assert_eq!((d.rmse.value, d.rmse.mc_se), (0.0, 0.0));
        assert_eq!((d.bias.value, d.bias.mc_se), (0.0, 0.0));
        // SATEs that vary, every estimate on their mean: the bias rounds to
        // about 1e-17, not 0, and the RMSE's SE must still be 0, not 0/0 = ∞.
        let pate = mean([0.1, 0.2, 0.3].into_iter());
        let d = diagnose(&[0.1, 0.2, 0.3].map(|sate| draw(pate, 1.0, 0.5, sate)));
        assert_eq!(d.pate.value, pate);
        assert!(d.bias.value != 0.0 && d.bias.value.abs() < 1e-16, "{}", d.bias.value);
        assert_eq!((d.rmse.value, d.rmse.mc_se), (0.0, 0.0));
    }

    #[test]
    fn equal_estimates_off_zero_have_no_spread() {
        // 0.1 + 0.1 + 0.1 = 0.30000000000000004, a third of which is not 0.1:
        // the mean must still be 0.1, and the spreads 0 with no error.
        let d = diagnose(&[draw(0.1, 1.0, 0.5, 0.1), draw(0.1, 1.0, 0.5, 0.1), draw(0.1, 1.0, 0.5, 0.1)]);
        assert_eq!((d.mean_estimate.value, d.mean_estimate.mc_se), (0.1, 0.0));
        assert_eq!((d.pate.value, d.pate.mc_se), (0.1, 0.0));
        assert_eq!((d.sd_estimate.value, d.sd_estimate.mc_se), (0.0, 0.0));
        assert_eq!((d.rmse.value, d.rmse.mc_se), (0.0, 0.0));
        assert_eq!((d.mean_se.value, d.mean_se.mc_se), (1.0, 0.0));
    }

    #[test]
    fn the_mean_is_the_exact_mean_of_the_doubles_rounded() {
        // 0.1, 0.2 and 0.3 as doubles sum to 0.6000000000000000055511…, a
        // third of which, 0.20000000000000000185…, is nearest the double 0.2;
        // the plain sum over 3 gives the next double up.
        assert_eq!((0.1 + 0.2 + 0.3) / 3.0, 0.20000000000000004);
        assert_eq!(mean([0.1, 0.2, 0.3].into_iter()), 0.2);
        assert_eq!(mean([1.0, f64::INFINITY].into_iter()), f64::INFINITY);
        assert!(mean(std::iter::empty()).is_nan());
    }

    #[test]
    fn spreads_do_not_depend_on_the_outcome_s_level() {
        // Squared deviations from the mean, not the mean of squares minus the
        // squared mean: a level of a million leaves every spread as it was,
        // to the rounding of the shifted values (half a unit in the last
        // place at 1e6 is 5.8e-11, against spreads of about 0.08: some 1e-9
        // of an SE; 2.8e-10 at most here), where the mean of squares would
        // carry errors of about 1e-4 in variances of about 0.006.
        let draws = [(0.13, 1.1, 0.5, 0.21), (0.29, 0.9, 0.01, 0.35), (0.41, 1.3, 0.04, 0.17), (0.77, 1.2, 0.2, 0.33)];
        let d = diagnose(&draws.map(|(e, se, p, sate)| draw(e, se, p, sate)));
        let shifted = diagnose(&draws.map(|(e, se, p, sate)| draw(1e6 + e, 1e6 + se, p, 1e6 + sate)));
        for (name, (a, b)) in DIAGNOSANDS.iter().zip(d.values().into_iter().zip(shifted.values())).take(6) {
            assert!((b.mc_se / a.mc_se - 1.0).abs() < 1e-8, "{name}: {} vs {}", b.mc_se, a.mc_se);
        }
    }
}
