//! The largest rate multipliers a scenario's participants can draw.
//!
//! A person's rate multipliers `exp(β_j·x + ℓ_j·u)` must stay at most
//! [`MAX_MULTIPLIER`]: past it, a rate the engine forms could overflow.
//! Validation bounds them over every person a run can draw, so that a
//! scenario it accepts cannot meet one part way through a run.
//!
//! Draws are made by inversion from uniforms in [`UNIFORM_REACH`], and rise
//! with them (to a rounding or two, which a widening of each range by
//! 16 units in the last place of its size covers), so a covariate lies between its draws at the two ends, and a
//! standard normal draw (readiness) between `Φ⁻¹(2⁻⁵³)` and `Φ⁻¹(1 − 2⁻⁵³)`,
//! about ±8.2. Each term of an exponent moves one way with its covariate, so
//! its largest value is at one end of the covariate's range, and the sum of
//! the largest terms bounds the exponent. (Age and age at first benefit are
//! linked by the rule that the second is at most the first; bounding them
//! apart only loosens the bound.) Realistic coefficients are far from it:
//! a loading and readiness SD whose product passes 28 would be needed to
//! reach it alone. Each term must also stay within ±[`MAX_TERM`], so that the
//! sum a run forms is the sum of the terms.
//!
//! Case managers' qualities are not bounded so: a quality `exp(σz − σ²/2)`
//! 8.2 SDs up is so large (2,200 at σ = 1) that its bound would refuse
//! effects a run all but never overflows (1.5 at σ = 1: one case manager in
//! 2.5·10¹¹). A run checks every replicate's draws before simulating any,
//! `validate` checks those of the scenario's seed and replicates, and warns
//! of the chance that a run at another seed meets one (`trial::quality_bound`,
//! `trial::preflight`).

use super::model::{
    CovariateEffects, CovariateReference, Dist, MAX_MULTIPLIER, PopulationModel, log_weeks_distance, whole_count,
};
use crate::rng::{UNIFORM_REACH, largest_normal_draw};

/// The largest exponent allowed, `ln` [`MAX_MULTIPLIER`], less a margin for
/// the roundings by which a run's sum of the terms may differ from the bound's.
pub fn largest_exponent_allowed() -> f64 {
    libm::log(MAX_MULTIPLIER) - 1e-9
}

/// The largest size a term of an exponent may have over the people a run
/// can draw: `e^−1e6` is already 0 and `e^1e6` past any rate, and terms this
/// size add without one swallowing another (at 1e300, a term of 1e18 beside
/// two that cancel would vanish from the sum).
pub const MAX_TERM: f64 = 1e6;

/// Draws rise with their uniform to a rounding or two (of `Φ⁻¹`, in a
/// truncated normal): each covariate's range is widened by this share of its
/// size, so that a draw a few units in the last place past an end is still
/// inside the bound.
const ROUNDINGS: f64 = 16.0 * f64::EPSILON;

/// One term of a transition's exponent `β·x + ℓ·u`: what it multiplies, and
/// its smallest and largest values over the people a run can draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    /// The covariate, or "loading × readiness".
    pub name: &'static str,
    /// Its smallest value.
    pub smallest: f64,
    /// Its largest value.
    pub largest: f64,
}

impl Term {
    /// The field of a transition's covariate effects the term comes from:
    /// the first word of its name (`loading` for "loading × readiness").
    pub fn field(&self) -> &'static str {
        self.name.split(' ').next().unwrap_or(self.name)
    }
}

/// The terms of a transition's exponent `β·x + ℓ·u`, each over the people a
/// run can draw from `pop`. The sum of their largest values bounds the
/// exponent.
pub fn exponent_terms(effects: &CovariateEffects, pop: &PopulationModel) -> [Term; 7] {
    let e = &pop.eligibility;
    let CovariateReference {
        age: age_ref,
        age_first_benefit: first_ref,
        weeks_on_benefit: weeks_ref,
        prior_spells: spells_ref,
    } = pop.reference;
    let (age_lo, age_hi) = drawn(&pop.age);
    let (age_lo, age_hi) = (age_lo.max(e.min_age), age_hi.min(e.max_age));
    let (first_lo, first_hi) = drawn(&pop.age_first_benefit);
    let first_hi = first_hi.min(e.max_age_first_benefit).min(age_hi);
    // Weeks and spells are rounded to whole numbers, at least 0, as generated.
    let whole = |v: f64| f64::from(whole_count(v));
    let wholes = |(lo, hi): (f64, f64)| (whole(lo - lo.abs() * ROUNDINGS), whole(hi + hi.abs() * ROUNDINGS));
    let (weeks_lo, weeks_hi) = wholes(drawn(&pop.weeks_on_benefit));
    let log_weeks = |w: f64| log_weeks_distance(w, weeks_ref);
    let (spells_lo, spells_hi) = wholes(drawn(&pop.prior_spells));
    let u = pop.readiness_sd * largest_normal_draw();
    let term = |name, (smallest, largest)| Term { name, smallest, largest };
    [
        term("age", linear(effects.age, age_lo, age_hi, age_ref, ROUNDINGS)),
        term("age_first_benefit", linear(effects.age_first_benefit, first_lo, first_hi, first_ref, ROUNDINGS)),
        term(
            "log_weeks_on_benefit",
            linear(effects.log_weeks_on_benefit, log_weeks(weeks_lo), log_weeks(weeks_hi), 0.0, 0.0),
        ),
        term("prior_spells", linear(effects.prior_spells, spells_lo, spells_hi, spells_ref, 0.0)),
        term("benefit_type", categories(&effects.benefit_type, &pop.benefit_type, &e.benefit_types)),
        term("health", categories(&effects.health, &pop.health, &e.health)),
        term("loading × readiness", linear(effects.loading, -u, u, 0.0, ROUNDINGS)),
    ]
}

/// The smallest and largest values a run draws from `d`.
fn drawn(d: &Dist) -> (f64, f64) {
    (d.draw(UNIFORM_REACH.0), d.draw(UNIFORM_REACH.1))
}

/// The smallest and largest `coefficient · (x − reference)` for `x` from
/// `lo` to `hi`, widened by `roundings` of the size of `x`; 0 for a zero
/// coefficient whatever `x` (as the rate multipliers take it).
fn linear(coefficient: f64, lo: f64, hi: f64, reference: f64, roundings: f64) -> (f64, f64) {
    if coefficient == 0.0 {
        return (0.0, 0.0);
    }
    let (a, b) = (coefficient * (lo - reference), coefficient * (hi - reference));
    // An infinite slack goes with infinite ends, which it would only make NaN.
    let slack = (coefficient.abs() * lo.abs().max(hi.abs()) * roundings).min(f64::MAX);
    (a.min(b) - slack, a.max(b) + slack)
}

/// The smallest and largest effect among the categories the rules allow and
/// the population gives a weight.
fn categories(effects: &[f64], weights: &[f64], allowed: &[bool]) -> (f64, f64) {
    let admitted = effects.iter().zip(weights).zip(allowed).filter(|&((_, &w), &a)| a && w > 0.0);
    admitted.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), ((&v, _), _)| (lo.min(v), hi.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::EligibilityModel;

    fn effects() -> CovariateEffects {
        CovariateEffects {
            age: 0.0,
            age_first_benefit: 0.0,
            log_weeks_on_benefit: 0.0,
            prior_spells: 0.0,
            benefit_type: [0.0; 3],
            health: [0.0; 5],
            loading: 0.0,
        }
    }

    fn population() -> PopulationModel {
        PopulationModel {
            readiness_sd: 2.0,
            age: Dist::Uniform(18.0, 45.0),
            age_first_benefit: Dist::Uniform(16.0, 24.0),
            benefit_type: [0.6, 0.4, 0.0],
            health: [0.5, 0.0, 0.0, 0.5, 0.0],
            weeks_on_benefit: Dist::Uniform(-3.0, 311.0),
            prior_spells: Dist::Fixed(2.0),
            starting_stage: vec![1.0],
            reference: CovariateReference {
                age: 25.0,
                age_first_benefit: 18.0,
                weeks_on_benefit: 51.0,
                prior_spells: 1.0,
            },
            eligibility: EligibilityModel {
                min_age: 18.0,
                max_age: 39.0,
                max_age_first_benefit: 20.0,
                benefit_types: [true, true, true],
                health: [true, true, true, false, true],
            },
            admitted: 0.3,
            max_attempts: 10_000,
        }
    }

    /// The largest values of the terms of `effects`, and their sum.
    fn largest(effects: &CovariateEffects, pop: &PopulationModel) -> ([f64; 7], f64) {
        let terms = exponent_terms(effects, pop).map(|t| t.largest);
        (terms, terms.iter().sum())
    }

    /// By hand, term by term at the end of each range that raises the
    /// exponent: age 39 (the rule's bound, not the distribution's 45) less 25,
    /// times 0.1; age at first benefit 16 less 18, times −0.5; weeks up to
    /// 311 less 2⁻⁵³·314, rounded to 311: `ln(312/52)`, times 2; prior spells
    /// 2 less 1, times 3; the larger benefit-type effect with weight (1.5;
    /// `other`'s 9 has none); health effects of allowed conditions with
    /// weight (−1; `physical`'s 4 is not allowed); readiness at the largest
    /// normal draw, 2·8.2, times −0.25 (its sign is immaterial).
    #[test]
    fn the_largest_exponent_sums_each_term_at_its_largest() {
        let mut e = effects();
        e.age = 0.1;
        e.age_first_benefit = -0.5;
        e.log_weeks_on_benefit = 2.0;
        e.prior_spells = 3.0;
        e.benefit_type = [1.0, 1.5, 9.0];
        e.health = [-1.0, 0.0, 0.0, 4.0, 7.0];
        e.loading = -0.25;
        let z = largest_normal_draw();
        let expected = [1.4, 1.0, 2.0 * (312f64 / 52.0).ln(), 3.0, 1.5, -1.0, 0.25 * 2.0 * z];
        let (terms, sum) = largest(&e, &population());
        for ((t, value), expected) in exponent_terms(&e, &population()).iter().zip(terms).zip(expected) {
            assert!((value - expected).abs() < 1e-13, "{}: {value}, expected {expected}", t.name);
        }
        assert!((sum - expected.iter().sum::<f64>()).abs() < 1e-12, "{sum}");
        // The smallest values, at the other ends: age 18, first benefit 20,
        // 0 weeks (−3 rounded up to 0: ln(1/52)), the health effect alone.
        let smallest = exponent_terms(&e, &population()).map(|t| t.smallest);
        let expected = [-0.7, -1.0, 2.0 * (1f64 / 52.0).ln(), 3.0, 1.0, -1.0, -0.25 * 2.0 * z];
        for (value, expected) in smallest.into_iter().zip(expected) {
            assert!((value - expected).abs() < 1e-13, "{value}, expected {expected}");
        }
    }

    /// A zero coefficient leaves its covariate out, even one whose distance
    /// from the reference is infinite; a truncated normal is bounded by its
    /// own bounds, and an untruncated one by the largest normal draw.
    #[test]
    fn zero_coefficients_add_nothing_and_normals_reach_8_2_sds() {
        let mut pop = population();
        pop.age = Dist::Fixed(1e308);
        pop.reference.age = -1e308;
        (pop.eligibility.min_age, pop.eligibility.max_age) = (f64::NEG_INFINITY, f64::INFINITY);
        assert_eq!(largest(&effects(), &pop), ([0.0; 7], 0.0));
        let z = largest_normal_draw();
        pop.age = Dist::normal(30.0, 4.0, f64::NEG_INFINITY, f64::INFINITY);
        pop.reference.age = 30.0;
        let mut e = effects();
        e.age = -1.0;
        assert!((largest(&e, &pop).1 - 4.0 * z).abs() < 1e-12);
        pop.age = Dist::normal(30.0, 4.0, 22.0, 38.0);
        assert!((largest(&e, &pop).1 - 8.0).abs() < 1e-12);
    }

    /// A draw some units in the last place past an end of an extremely
    /// narrow range still lies within the bound: ages of one value, 11.3,
    /// under a coefficient of 1e15 give a term within ±1e15 · 11.3 · 16ε,
    /// about ±40, not 0.
    #[test]
    fn each_range_is_widened_by_some_roundings() {
        let mut pop = population();
        pop.age = Dist::Uniform(11.3, 11.3);
        pop.reference.age = 11.3;
        (pop.eligibility.min_age, pop.eligibility.max_age) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut e = effects();
        e.age = 1e15;
        let age = exponent_terms(&e, &pop)[0];
        let slack = 1e15 * 11.3 * 16.0 * f64::EPSILON;
        assert_eq!((age.smallest, age.largest), (-slack, slack));
    }
}
