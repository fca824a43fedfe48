//! The largest rate multipliers a scenario's participants can draw.
//!
//! A person's rate multipliers `exp(β_j·x + ℓ_j·u)` must stay at most
//! [`MAX_MULTIPLIER`]: past it, a rate the engine forms could overflow.
//! Validation bounds them over every person a run can draw, so that a
//! scenario it accepts cannot meet one part way through a run.
//!
//! Draws are made by inversion from uniforms in [`UNIFORM_REACH`], and rise
//! with them, so a covariate lies between its draws at the two ends, and a
//! standard normal draw (readiness) between `Φ⁻¹(2⁻⁵³)` and `Φ⁻¹(1 − 2⁻⁵³)`,
//! about ±8.2. Each term of an exponent moves one way with its covariate, so
//! its largest value is at one end of the covariate's range, and the sum of
//! the largest terms bounds the exponent. (Age and age at first benefit are
//! linked by the rule that the second is at most the first; bounding them
//! apart only loosens the bound.) Realistic coefficients are far from it:
//! a loading and readiness SD whose product passes 28 would be needed to
//! reach it alone.
//!
//! Case managers' qualities are not bounded so: a quality `exp(σz − σ²/2)`
//! 8.2 SDs up is so large (2,200 at σ = 1) that its bound would refuse
//! effects a run all but never overflows (1.5 at σ = 1: one case manager in
//! 2.5·10¹¹). A run checks them as it draws them (`trial::cohort`).

use super::model::{CovariateEffects, Dist, MAX_MULTIPLIER, PopulationModel};
use crate::rng::{UNIFORM_REACH, normal_quantile};

/// The largest exponent allowed, `ln` [`MAX_MULTIPLIER`], less a margin for
/// the roundings by which a run's sum of the terms may differ from the bound's.
pub fn largest_exponent_allowed() -> f64 {
    libm::log(MAX_MULTIPLIER) - 1e-9
}

/// One term of an exponent at its largest: what it multiplies, and its value.
pub type Term = (&'static str, f64);

/// The largest exponent `β·x + ℓ·u` of a transition's rate multiplier over
/// the participants a run can draw from `pop`, and the terms that make it up
/// (those that are not 0).
pub fn largest_exponent(effects: &CovariateEffects, pop: &PopulationModel) -> (f64, Vec<Term>) {
    let e = &pop.eligibility;
    let [age_ref, first_ref, weeks_ref, spells_ref] = pop.reference;
    let (age_lo, age_hi) = drawn(&pop.age);
    let (age_lo, age_hi) = (age_lo.max(e.min_age), age_hi.min(e.max_age));
    let (first_lo, first_hi) = drawn(&pop.age_first_benefit);
    let first_hi = first_hi.min(e.max_age_first_benefit).min(age_hi);
    // Weeks and spells are rounded to whole numbers, at least 0, as generated.
    let whole = |v: f64| f64::from(v.round().max(0.0) as u32);
    let (weeks_lo, weeks_hi) = drawn(&pop.weeks_on_benefit);
    let log_weeks = |w: f64| libm::log((whole(w) + 1.0) / (weeks_ref + 1.0));
    let (spells_lo, spells_hi) = drawn(&pop.prior_spells);
    let z = normal_quantile(UNIFORM_REACH.1);
    let allowed = |values: &[f64], weights: &[f64], allowed: &[bool]| {
        let admitted = values.iter().zip(weights).zip(allowed).filter(|&((_, &w), &a)| a && w > 0.0);
        admitted.map(|((&v, _), _)| v).fold(f64::NEG_INFINITY, f64::max)
    };
    let terms = [
        ("age", largest(effects.age, age_lo - age_ref, age_hi - age_ref)),
        ("age_first_benefit", largest(effects.age_first_benefit, first_lo - first_ref, first_hi - first_ref)),
        ("log_weeks_on_benefit", largest(effects.log_weeks_on_benefit, log_weeks(weeks_lo), log_weeks(weeks_hi))),
        ("prior_spells", largest(effects.prior_spells, whole(spells_lo) - spells_ref, whole(spells_hi) - spells_ref)),
        ("benefit_type", allowed(&effects.benefit_type, &pop.benefit_type, &e.benefit_types)),
        ("health", allowed(&effects.health, &pop.health, &e.health)),
        ("loading × readiness", largest(effects.loading, -pop.readiness_sd * z, pop.readiness_sd * z)),
    ];
    let sum = terms.iter().map(|t| t.1).sum();
    (sum, terms.into_iter().filter(|t| t.1 != 0.0).collect())
}

/// The smallest and largest values a run draws from `d`.
fn drawn(d: &Dist) -> (f64, f64) {
    (d.draw(UNIFORM_REACH.0), d.draw(UNIFORM_REACH.1))
}

/// The largest `coefficient · x` for `x` from `lo` to `hi`, 0 for a zero
/// coefficient whatever `x` (as the rate multipliers take it).
fn largest(coefficient: f64, lo: f64, hi: f64) -> f64 {
    if coefficient == 0.0 { 0.0 } else { (coefficient * lo).max(coefficient * hi) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::TruncatedNormal;
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
            reference: [25.0, 18.0, 51.0, 1.0],
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
        let z = normal_quantile(UNIFORM_REACH.1);
        let expected = [1.4, 1.0, 2.0 * (312f64 / 52.0).ln(), 3.0, 1.5, -1.0, 0.25 * 2.0 * z];
        let (sum, terms) = largest_exponent(&e, &population());
        let names = ["age", "age_first_benefit", "log_weeks_on_benefit", "prior_spells", "benefit_type", "health"];
        for ((name, value), expected) in terms.iter().zip(expected) {
            assert!((value - expected).abs() < 1e-13, "{name}: {value}, expected {expected}");
        }
        assert_eq!(terms.iter().map(|t| t.0).collect::<Vec<_>>()[..6], names);
        assert!((sum - expected.iter().sum::<f64>()).abs() < 1e-12, "{sum}");
    }

    /// A zero coefficient leaves its covariate out, even one whose distance
    /// from the reference is infinite; a truncated normal is bounded by its
    /// own bounds, and an untruncated one by the largest normal draw.
    #[test]
    fn zero_coefficients_add_nothing_and_normals_reach_8_2_sds() {
        let mut pop = population();
        pop.age = Dist::Fixed(1e308);
        pop.reference[0] = -1e308;
        (pop.eligibility.min_age, pop.eligibility.max_age) = (f64::NEG_INFINITY, f64::INFINITY);
        assert_eq!(largest_exponent(&effects(), &pop), (0.0, vec![]));
        let z = normal_quantile(UNIFORM_REACH.1);
        pop.age = Dist::Normal { mean: 30.0, sd: 4.0, z: TruncatedNormal::new(f64::NEG_INFINITY, f64::INFINITY) };
        pop.reference[0] = 30.0;
        let mut e = effects();
        e.age = -1.0;
        let (sum, _) = largest_exponent(&e, &pop);
        assert!((sum - 4.0 * z).abs() < 1e-12, "{sum}");
        pop.age = Dist::Normal { mean: 30.0, sd: 4.0, z: TruncatedNormal::new(-2.0, 2.0) };
        assert!((largest_exponent(&e, &pop).0 - 8.0).abs() < 1e-12);
    }
}
