//! The validated model: what the engine runs.
//!
//! Every value here has passed validation, so downstream code does not
//! re-check it. A [`Model`] is made only by validation (it is
//! `#[non_exhaustive]`, so no other crate can build one); its fields are
//! public to read, and a caller that changes one after loading takes on what
//! validation guaranteed. The run checks again only what would otherwise fail
//! without a word: a person's rate multiplier past [`MAX_MULTIPLIER`]. Rates are per week; multipliers are stored as natural logarithms so that
//! `m^(g·f·q)` is one `exp` per multiplier, computed for a case manager only
//! in a week its caseload changed.

use crate::rng::TruncatedNormal;
use crate::scenario::schema::{BenefitType, Health};

/// Index of a transition in per-transition arrays.
pub mod transition {
    /// Stage s → s+1.
    pub const PROGRESS: usize = 0;
    /// Stage s → s−1.
    pub const REGRESS: usize = 1;
    /// Stage → Employed.
    pub const JOB: usize = 2;
    /// Stage → OtherExit.
    pub const OTHER_EXIT: usize = 3;
    /// Employed → re-entry stage.
    pub const JOB_LOSS: usize = 4;
    /// OtherExit → first stage.
    pub const RETURN: usize = 5;
    /// How many transitions there are.
    pub const COUNT: usize = 6;
    /// Names, as written in scenarios and outputs.
    pub const NAMES: [&str; COUNT] = ["progress", "regress", "job", "other_exit", "job_loss", "return_to_benefit"];
}

/// A validated scenario.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Model {
    /// Optional label.
    pub name: Option<String>,
    /// Replicate trials to simulate.
    pub replicates: u32,
    /// Root of every keyed draw.
    pub seed: u64,
    /// Horizons in weeks, ascending and distinct.
    pub horizons: Vec<u32>,
    /// Stage names, lowest first.
    pub stages: Vec<String>,
    /// Baseline weekly rates per stage: progress, regress, job, other exit.
    pub stage_rates: Vec<[f64; 4]>,
    /// Job-loss rate by tenure.
    pub job_loss: Piecewise,
    /// Stage entered after a job loss.
    pub reentry_stage: u8,
    /// Return-to-benefit rate by weeks off benefit.
    pub return_rate: Piecewise,
    /// Covariate coefficients and readiness loading per transition (the
    /// scenario's `transitions`; a service's effects are in [`ServiceModel`]).
    pub transitions: [CovariateEffects; transition::COUNT],
    /// How people are generated and who is eligible.
    pub population: PopulationModel,
    /// Site names.
    pub sites: Vec<String>,
    /// Relative chance of an arrival at each site (total enrolment).
    pub site_weights: Vec<f64>,
    /// Weekly benefit rate by benefit type.
    pub benefit_rates: [f64; 3],
    /// Services in name order.
    pub services: Vec<ServiceModel>,
    /// Trial arms in file order.
    pub arms: Vec<ArmModel>,
    /// Index of the control arm.
    pub control: usize,
    /// How participants arrive.
    pub enrolment: EnrolmentModel,
}

impl Model {
    /// The number of stages on the ladder. Validation allows at most 100, so
    /// that the stages, `Employed` (index `S`) and `OtherExit` (`S + 1`) are
    /// all state indices in a `u8`.
    pub fn stage_count(&self) -> u8 {
        self.stages.len() as u8
    }

    /// The longest horizon: how long every participant is followed.
    ///
    /// # Panics
    /// With no horizon, which validation refuses.
    pub fn longest_horizon(&self) -> u32 {
        *self.horizons.last().expect("validation requires at least one horizon")
    }

    /// Whether some arm offers service `s` as its service, with slots (not
    /// only in the fallback role).
    pub fn offers(&self, s: usize) -> bool {
        self.arms.iter().any(|a| a.service == s && !a.is_fallback_only())
    }

    /// Whether some arm falls back on service `s`.
    pub fn is_fallback(&self, s: usize) -> bool {
        self.arms.iter().any(|a| a.fallback == s)
    }
}

/// A weekly rate that is constant between breakpoints of a duration in weeks.
#[derive(Debug, Clone, PartialEq)]
pub struct Piecewise {
    /// `by_week[d]` is the rate at duration `d`; the last entry holds beyond.
    by_week: Vec<f64>,
    /// `next_change[d]`: the first duration after `d` whose rate differs, or `u32::MAX`.
    next_change: Vec<u32>,
}

impl Piecewise {
    /// A rate from its value at each duration; the last holds beyond.
    /// Built by validation, which gives it at least one value.
    pub(crate) fn new(by_week: Vec<f64>) -> Self {
        assert!(!by_week.is_empty(), "a piecewise rate needs at least one value");
        let mut next_change = vec![u32::MAX; by_week.len()];
        for d in (0..by_week.len() - 1).rev() {
            next_change[d] = if by_week[d + 1] != by_week[d] { d as u32 + 1 } else { next_change[d + 1] };
        }
        Self { by_week, next_change }
    }

    /// The first duration after `weeks` at which the rate may differ from its
    /// rate at `weeks`, or `u32::MAX` when it never does.
    #[inline]
    pub fn next_change(&self, weeks: u32) -> u32 {
        self.next_change.get(weeks as usize).copied().unwrap_or(u32::MAX)
    }

    /// The rate at duration `weeks`.
    #[inline]
    pub fn at(&self, weeks: u32) -> f64 {
        let last = self.by_week.len() - 1;
        self.by_week[(weeks as usize).min(last)]
    }
}

/// Log-rate coefficients and readiness loading of one transition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CovariateEffects {
    /// `ℓ_j`.
    pub loading: f64,
    /// Per year of age above the reference.
    pub age: f64,
    /// Per year of age at first benefit above the reference.
    pub age_first_benefit: f64,
    /// Per unit of `ln((w+1)/(w_ref+1))`, `w` = weeks already on benefit.
    pub log_weeks_on_benefit: f64,
    /// Per prior spell above the reference.
    pub prior_spells: f64,
    /// Per benefit type (work-ready, health & disability, other).
    pub benefit_type: [f64; 3],
    /// Per health condition.
    pub health: [f64; 5],
}

/// A validated covariate distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[min, max]`.
    Uniform(f64, f64),
    /// Normal(mean, sd) truncated to `[min, max]` (`range`, infinite when
    /// absent): `mean + sd·z`, `z` standard normal truncated to
    /// `[(min − mean)/sd, (max − mean)/sd]`.
    #[allow(missing_docs)]
    Normal { mean: f64, sd: f64, z: TruncatedNormal, range: (f64, f64) },
    /// exp(Normal(mu, sigma)), `mu = ln median`, truncated to `[min, max]`
    /// (`range`): `exp(mu + sigma·z)`, `z` truncated to
    /// `[(ln min − mu)/sigma, (ln max − mu)/sigma]`.
    #[allow(missing_docs)]
    LogNormal { mu: f64, sigma: f64, z: TruncatedNormal, range: (f64, f64) },
}

impl Dist {
    /// Draws one value from uniform `u ∈ (0, 1)`, by inversion: draws rise
    /// with `u` (to a rounding or two of `Φ⁻¹`).
    ///
    /// Truncated distributions are drawn by inversion on the truncated range, so
    /// no draw is ever rejected.
    ///
    /// A truncated draw is kept within `[min, max]`: `z` is, but `mean + sd·z`
    /// rounds, and where the mean is far larger than the range (a mean of
    /// 4e9 truncated to [0, 1]) it can round past a bound by an ulp of the mean.
    pub fn draw(&self, u: f64) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform(a, b) => a + (b - a) * u,
            Dist::Normal { mean, sd, z, range } => at(z.draw(u), |z| mean + sd * z, range),
            Dist::LogNormal { mu, sigma, z, range } => at(z.draw(u), |z| libm::exp(mu + sigma * z), range),
        }
    }

    /// The smallest and largest values a draw can take, as [`Dist::draw`]
    /// computes it.
    pub fn reach(&self) -> (f64, f64) {
        match *self {
            Dist::Fixed(v) => (v, v),
            Dist::Uniform(a, b) => (a, a + (b - a)),
            Dist::Normal { mean, sd, z, range } => {
                let (lo, hi) = z.reach();
                let value = |z| mean + sd * z;
                (at(lo, value, range), at(hi, value, range))
            }
            Dist::LogNormal { mu, sigma, z, range } => {
                let (lo, hi) = z.reach();
                let value = |z| libm::exp(mu + sigma * z);
                (at(lo, value, range), at(hi, value, range))
            }
        }
    }

    /// Normal(mean, sd) truncated to `[min, max]` (infinite for no bound).
    pub fn normal(mean: f64, sd: f64, min: f64, max: f64) -> Self {
        Dist::Normal { mean, sd, z: TruncatedNormal::new((min - mean) / sd, (max - mean) / sd), range: (min, max) }
    }
}

/// The value of a truncated draw `z` (in SDs from the mean), kept within
/// `range`. A `z` of +∞ comes only from a lower bound so many SDs above the
/// mean that their number overflows (min 18 with sd 1e-307): the whole
/// truncated distribution is then at that bound, as it is at the bound
/// nearest the mean when the range lies far from it; and −∞ likewise from
/// an upper bound.
fn at(z: f64, value: impl Fn(f64) -> f64, range: (f64, f64)) -> f64 {
    match z {
        f64::INFINITY if range.0.is_finite() => range.0,
        f64::NEG_INFINITY if range.1.is_finite() => range.1,
        _ => within(value(z), range),
    }
}

/// A finite `v` moved into `[lo, hi]`: a rounding past a bound undone. One
/// that is not a finite number (a bound no finite number of SDs from the
/// mean) is left as it is, for validation to refuse, not made a bound.
/// Unlike `clamp`, it does not panic on a range validation refuses
/// (`lo > hi`), which later checks of the same file may still read.
fn within(v: f64, (lo, hi): (f64, f64)) -> f64 {
    if v.is_finite() { v.max(lo).min(hi) } else { v }
}

/// How people are generated.
#[derive(Debug, Clone)]
pub struct PopulationModel {
    /// `σ_u`.
    pub readiness_sd: f64,
    /// Age at selection, years.
    pub age: Dist,
    /// Age at first benefit, years.
    pub age_first_benefit: Dist,
    /// Benefit type weights, normalised.
    pub benefit_type: [f64; 3],
    /// Health condition weights, normalised.
    pub health: [f64; 5],
    /// Weeks already on benefit (rounded to whole weeks).
    pub weeks_on_benefit: Dist,
    /// Prior benefit spells (rounded to whole spells).
    pub prior_spells: Dist,
    /// Starting stage weights, normalised.
    pub starting_stage: Vec<f64>,
    /// Covariate values at which baseline rates apply.
    pub reference: CovariateReference,
    /// Who may be randomised.
    pub eligibility: EligibilityModel,
    /// The share of candidates the eligibility rules admit, at least
    /// [`MIN_ADMITTED`], computed when the scenario is validated.
    pub admitted: f64,
    /// Rejections in a row after which generating a participant gives up: so
    /// many that, at the share admitted, it happens with a chance below 10⁻²¹.
    pub max_attempts: u32,
}

/// Covariate values at which the baseline rates apply: a term of a rate
/// multiplier is its coefficient times the covariate's distance from these.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CovariateReference {
    /// Age, years.
    pub age: f64,
    /// Age at first benefit, years.
    pub age_first_benefit: f64,
    /// Weeks on benefit (the term reads `ln((w + 1)/(this + 1))`).
    pub weeks_on_benefit: f64,
    /// Prior benefit spells.
    pub prior_spells: f64,
}

/// The largest rate multiplier a person's covariates, or a case manager's
/// effects, may give. With rates and declared multipliers at most
/// [`super::MAX_RATE`], every rate the engine forms then stays below
/// 1e6 · 1e100 · 1e100 · 1e6, far from overflow: a rate that overflowed would
/// stop a life's clock (or, times a zero rate, make it NaN) without a word.
/// Validation bounds the multipliers a run can draw by it.
pub const MAX_MULTIPLIER: f64 = 1e100;

/// The smallest share of candidates the eligibility rules may admit: below
/// it, each participant would take more than 1,000 candidates to find.
pub const MIN_ADMITTED: f64 = 1e-3;

/// Eligibility rules; a person must pass all of them.
#[derive(Debug, Clone, Default)]
pub struct EligibilityModel {
    /// Youngest age at selection.
    pub min_age: f64,
    /// Oldest age at selection.
    pub max_age: f64,
    /// Oldest age at first benefit.
    pub max_age_first_benefit: f64,
    /// Allowed benefit types.
    pub benefit_types: [bool; 3],
    /// Allowed health conditions.
    pub health: [bool; 5],
}

impl EligibilityModel {
    /// The rules on age at selection: `min_age ≤ age ≤ max_age`.
    /// (`eligibility_share` bounds the share these admit from the same two
    /// comparisons.)
    #[inline]
    pub fn admits_age(&self, age: f64) -> bool {
        age >= self.min_age && age <= self.max_age
    }

    /// The rules on age at first benefit, given age at selection: at most
    /// `max_age_first_benefit`, and not after selection.
    #[inline]
    pub fn admits_age_first_benefit(&self, age_first_benefit: f64, age: f64) -> bool {
        age_first_benefit <= self.max_age_first_benefit && age_first_benefit <= age
    }
}

/// A drawn count (weeks on benefit, prior spells) as a person holds it:
/// rounded to a whole number, at least 0. The multiplier bounds round the
/// ends of a distribution's range with it, so that they bound what people
/// hold.
#[inline]
pub fn whole_count(drawn: f64) -> u32 {
    drawn.round().max(0.0) as u32
}

/// What a covariate effect on weeks on benefit multiplies:
/// `ln((weeks + 1) / (reference + 1))`, 0 at the reference, defined at 0 weeks.
#[inline]
pub fn log_weeks_distance(weeks: f64, reference: f64) -> f64 {
    libm::log((weeks + 1.0) / (reference + 1.0))
}

/// The response of effects to contact hours per client per week.
#[derive(Debug, Clone, PartialEq)]
pub enum IntensityCurve {
    /// `c / (c + half)`.
    #[allow(missing_docs)]
    Saturating { half: f64 },
    /// `1 − exp(−c / scale)`.
    #[allow(missing_docs)]
    Exponential { scale: f64 },
    /// Linear interpolation between points sorted by `c`, flat beyond them.
    Piecewise(Vec<(f64, f64)>),
}

/// A validated service.
#[derive(Debug, Clone)]
pub struct ServiceModel {
    /// Scenario name.
    pub name: String,
    /// Case managers at each site.
    pub case_managers_per_site: u32,
    /// Caseload cap per case manager; `None` = no cap.
    pub cap: Option<u32>,
    /// Client-facing hours per case manager per week.
    pub hours: f64,
    /// Clients outside the trial, constant.
    pub background: u32,
    /// Clients outside the trial at week 0, who leave at `initial_exit_rate`.
    pub initial_caseload: u32,
    /// Weekly rate at which week-0 clients leave (see [`week0_clients_leave`]).
    pub initial_exit_rate: f64,
    /// `g(c)`.
    pub intensity: IntensityCurve,
    /// `ln m_j` per stage for progress, regress, job, other exit.
    pub ln_stage_effects: Vec<[f64; 4]>,
    /// `ln m` for job loss while in service.
    pub ln_job_loss_effect: f64,
    /// Fidelity `f`.
    pub fidelity: f64,
    /// `σ_cm`.
    pub quality_sd: f64,
    /// Navigator rules, if any.
    pub navigators: Option<NavigatorModel>,
    /// Weekly rate active → disengaged.
    pub disengage: f64,
    /// Weekly rate disengaged → active.
    pub reengage: f64,
    /// Weeks of continuous work after which in-work support ends (`None` = unlimited).
    pub support_weeks: Option<u32>,
    /// Weekly rate at which unlimited in-work support ends.
    pub support_end_rate: f64,
    /// Longest time in service.
    pub max_weeks: Option<u32>,
    /// Weeks of continuous disengagement that end service.
    pub disengaged_weeks: Option<u32>,
}

/// Navigator rules of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct NavigatorModel {
    /// Clients who can have a Navigator at once, per site.
    pub capacity_per_site: u32,
    /// Highest stage index (0-based) in which clients get one.
    pub max_stage: u8,
    /// Multiplier on progress while assigned.
    pub progress: f64,
    /// Multiplier on disengagement while assigned.
    pub disengage: f64,
}

/// A validated arm.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmModel {
    /// Scenario name.
    pub name: String,
    /// Index of the service the arm offers.
    pub service: usize,
    /// Index of the service that serves participants whenever they are not in `service`.
    pub fallback: usize,
    /// Allocation ratio.
    pub ratio: f64,
}

impl ArmModel {
    /// Whether participants are served by their fallback service throughout,
    /// needing no slot (the usual control arm).
    pub fn is_fallback_only(&self) -> bool {
        self.service == self.fallback
    }
}

/// How participants arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum EnrolmentModel {
    /// Exactly `n` participants, the i-th randomised in week `⌊i·weeks/n⌋`.
    #[allow(missing_docs)]
    Total { n: u32, weeks: u32 },
    /// Poisson arrivals at `weekly[site]` a week for `weeks` weeks.
    #[allow(missing_docs)]
    PerSite { weeks: u32, weekly: Vec<f64> },
}

impl EnrolmentModel {
    /// Weeks over which participants are randomised.
    pub fn weeks(&self) -> u32 {
        match self {
            Self::Total { weeks, .. } | Self::PerSite { weeks, .. } => *weeks,
        }
    }

    /// Calendar weeks from the first enrolment week to the week the last
    /// possible arrival reaches `longest_horizon`, included: the most weeks a
    /// replicate's caseload history can hold. Validation bounds case managers
    /// × these weeks, and the engine's memory estimate counts them.
    pub fn calendar_weeks(&self, longest_horizon: u32) -> u64 {
        u64::from(self.weeks()) + u64::from(longest_horizon) + 1
    }

    /// Participants a replicate is expected to have: `n`, or the expected
    /// number of arrivals, rounded up.
    pub fn expected_participants(&self) -> usize {
        match self {
            Self::Total { n, .. } => *n as usize,
            Self::PerSite { weeks, weekly } => (weekly.iter().sum::<f64>() * f64::from(*weeks)).ceil() as usize,
        }
    }
}

/// Whether week-0 clients leaving at `rate` a week ever leave: each leaves
/// a week with probability `1 − exp(−rate)`, which is 0 in floating point
/// for any rate below about 5.6e-17 (`exp(−rate)` rounds to 1). The engine
/// draws no departures then, and validation refuses week-0 clients who would
/// fill every slot for good.
pub fn week0_clients_leave(rate: f64) -> bool {
    1.0 - libm::exp(-rate) > 0.0
}

/// Index of a benefit type in per-type arrays.
pub fn benefit_type_index(b: BenefitType) -> usize {
    match b {
        BenefitType::WorkReady => 0,
        BenefitType::HealthDisability => 1,
        BenefitType::Other => 2,
    }
}

/// Index of a health condition in per-condition arrays.
pub fn health_index(h: Health) -> usize {
    match h {
        Health::NoCondition => 0,
        Health::CommonMental => 1,
        Health::SevereMental => 2,
        Health::Physical => 3,
        Health::SubstanceUse => 4,
    }
}

/// Benefit type names as written in outputs.
pub const BENEFIT_TYPE_NAMES: [&str; 3] = ["work_ready", "health_disability", "other"];
/// Health condition names as written in outputs.
pub const HEALTH_NAMES: [&str; 5] = ["no_condition", "common_mental", "severe_mental", "physical", "substance_use"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piecewise_rates_know_where_they_change() {
        let p = Piecewise::new(vec![0.5, 0.5, 0.2, 0.2, 0.2, 0.1]);
        assert_eq!([p.next_change(0), p.next_change(1), p.next_change(2), p.next_change(4)], [2, 2, 5, 5]);
        assert_eq!((p.next_change(5), p.next_change(900)), (u32::MAX, u32::MAX));
        assert_eq!((p.at(3), p.at(900)), (0.2, 0.1));
        let flat = Piecewise::new(vec![0.3, 0.3]);
        assert_eq!(flat.next_change(0), u32::MAX);
    }

    // Expected draws from mpmath (`tests/reference/truncated_ends.py`).
    // Near a bound `z`, `Φ` is held to about 2⁻⁵³ and a draw moves by that
    // over `φ(z)` standard deviations: 3.3e-15 in 25 (sd 3, z = 5/3), and
    // 6.5e-15 relative in 40 (σ 0.5, z = 2 ln 4). About a dozen such
    // roundings are allowed in each.

    /// Allowed absolute error of the truncated normal's draws.
    const NORMAL_TOL: f64 = 4e-14;
    /// Allowed relative error of the truncated log-normal's draws.
    const LOG_NORMAL_TOL: f64 = 8e-14;

    #[test]
    fn truncated_normal_stays_in_range_and_inverts() {
        let d = Dist::normal(20.0, 3.0, 18.0, 25.0);
        // The middle one is the truncated median, Φ⁻¹((Φ(-2/3) + Φ(5/3))/2) = 0.2594… sd above the mean.
        let expected = [18.000000000006573, 20.778312050349946, 24.999999999978897];
        for (u, expected) in [1e-12, 0.5, 1.0 - 1e-12].into_iter().zip(expected) {
            let got = d.draw(u);
            assert!((got - expected).abs() <= NORMAL_TOL, "u = {u}: {got}, expected {expected}");
        }
    }

    /// A bound far from the mean in standard deviations, and near it in
    /// units of the mean's last place: `mean + sd·z` at the bound rounds
    /// past it (to −4.8e-7 below a `min` of 0 here), and the draw is kept in
    /// range, as the reach is. Likewise a log-normal whose range lies far
    /// below its median.
    #[test]
    fn draws_rounding_past_a_bound_are_kept_within_it() {
        let age = Dist::normal(4294967295.0, 3.651, 0.0, 1e-300);
        let log_normal = {
            let (mu, sigma, range) = (libm::log(1e300), 0.001, (1.0, 2.0));
            let z = TruncatedNormal::new((libm::log(range.0) - mu) / sigma, (libm::log(range.1) - mu) / sigma);
            Dist::LogNormal { mu, sigma, z, range }
        };
        for (d, (min, max)) in [(age, (0.0, 1e-300)), (log_normal, (1.0, 2.0))] {
            let (lo, hi) = d.reach();
            assert!(min <= lo && lo <= hi && hi <= max, "{d:?}: reach {lo}, {hi}");
            for u in [1e-300, 1e-12, 0.5, 1.0 - 1e-12, 1.0 - f64::EPSILON / 2.0] {
                let v = d.draw(u);
                assert!(min <= v && v <= max, "{d:?}: u = {u} draws {v}");
            }
        }
    }

    /// A truncated log-normal is `exp(mu + sigma·z)`, `z` truncated to
    /// `[(ln min − mu)/sigma, (ln max − mu)/sigma]`, so its draws run from min
    /// to max as `u` rises. Median 10, sigma 0.5, range [5, 40]: `z` in
    /// [2 ln 0.5, 2 ln 4]. (`exp(mu − sigma·z)` would run from 20 down to 2.5.)
    #[test]
    fn truncated_log_normal_stays_in_range() {
        let z = TruncatedNormal::new(2.0 * 0.5f64.ln(), 2.0 * 4f64.ln());
        let d = Dist::LogNormal { mu: 10f64.ln(), sigma: 0.5, z, range: (5.0, 40.0) };
        let expected = [5.000000000014979, 10.515308236488043, 39.99999999785954];
        for (u, expected) in [1e-12, 0.5, 1.0 - 1e-12].into_iter().zip(expected) {
            let got = d.draw(u);
            assert!((got - expected).abs() <= LOG_NORMAL_TOL * expected, "u = {u}: {got}, expected {expected}");
        }
    }

    /// A range so many SDs from the mean that their number overflows is
    /// drawn at the bound nearest the mean, as a range far from it is.
    #[test]
    fn a_range_too_many_sds_away_to_count_draws_its_nearest_bound() {
        let below = Dist::normal(0.0, 1e-307, 18.0, 39.0);
        let above = Dist::normal(100.0, 1e-307, 18.0, 39.0);
        let far = Dist::normal(0.0, 1e-300, 18.0, 39.0);
        for u in [1e-12, 0.5, 1.0 - 1e-12] {
            assert_eq!((below.draw(u), above.draw(u), far.draw(u)), (18.0, 39.0, 18.0));
        }
        assert_eq!((below.reach(), above.reach()), ((18.0, 18.0), (39.0, 39.0)));
        let log_weeks = |w: f64| (w.ln() - 0.0) / 5e-324;
        let z = TruncatedNormal::new(log_weeks(5.0), log_weeks(40.0));
        let d = Dist::LogNormal { mu: 0.0, sigma: 5e-324, z, range: (5.0, 40.0) };
        assert_eq!((d.draw(0.5), d.reach()), (5.0, (5.0, 5.0)));
    }
}
