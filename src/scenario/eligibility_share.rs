//! The share of candidates the eligibility rules admit.
//!
//! Participants are drawn by rejection: candidates come from the declared
//! distributions until one passes every rule, so the number of candidates a
//! participant takes is geometric with mean `1 / share`. Knowing the share
//! lets validation refuse rules that admit almost nobody before anything runs
//! (instead of a run failing in some later replicate), and bound how many
//! rejections in a row can only mean a fault (see [`attempts_for`]).
//!
//! # Formula
//! Benefit type and health are drawn independently of each other and of the
//! ages, so
//!
//! `share = P(benefit type allowed) · P(health allowed) · P(ages admitted)`.
//!
//! Age `A = Q_A(U)` and age at first benefit `F = Q_F(V)` are drawn by
//! inversion from independent uniforms, and the age rules admit a candidate
//! when `min_age ≤ A ≤ max_age` and `F ≤ min(max_age_first_benefit, A)`:
//!
//! `P(ages admitted) = ∫_a^b G(min(max_age_first_benefit, Q_A(u))) du`,
//!
//! where `[a, b]` is the interval of `u` whose age is within the age bounds
//! and `G(x) = P(Q_F(V) ≤ x)`. Both are found by bisection on the draws
//! themselves ([`super::Dist::draw`]), so they hold for every distribution the
//! scenario can declare. The integrand is non-decreasing in `u` (`Q_A`, the
//! minimum and `G` all are), so on any piece of `[a, b]` its values at the two
//! ends bound the piece's integral from below and above. Pieces are halved
//! until the integrand rises across each by at most a thousandth of its value
//! (or by 10⁻⁷, where it is near 0): the bounds on the share are then within a
//! thousandth of it, plus 10⁻⁷. The shipped scenarios take 0.4–2.2 ms; the
//! most, about 15,000 evaluations of the integrand (about 0.1 s), is taken
//! by a smooth integrand that rises from 0 across many orders of magnitude,
//! as untruncated normal ages do.

use super::model::PopulationModel;

/// The bounds on one piece stop being refined when the integrand rises
/// across it by at most this share of its value at the piece's start...
const RELATIVE: f64 = 1e-3;

/// ... or by at most this much.
const ABSOLUTE: f64 = 1e-7;

/// Pieces shorter than this are not halved: at a jump of the integrand (a
/// `Fixed` age at first benefit) the bounds then differ by this at most.
const SHORTEST: f64 = 1e-13;

/// Halvings in a bisection: the crossing is then known to within 2⁻⁶⁴, finer
/// than the grid of uniforms the generator draws from (multiples of 2⁻⁵³).
const BISECTIONS: u32 = 64;

/// The share of candidates admitted, with bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Admitted {
    /// At least this share is admitted.
    pub low: f64,
    /// At most this share is admitted.
    pub high: f64,
}

impl Admitted {
    /// The share: the midpoint of the bounds, which differ by at most a
    /// thousandth of it plus 10⁻⁷.
    pub fn share(&self) -> f64 {
        0.5 * (self.low + self.high)
    }

    /// Whether [`Admitted::share`] is within a thousandth of it of either
    /// bound, so right to about three digits. Far below 10⁻⁴ the absolute
    /// part of the tolerance can leave the bounds further apart.
    pub fn is_precise(&self) -> bool {
        self.high - self.low <= 2.0 * RELATIVE * self.share()
    }
}

/// The share of candidates drawn from `pop` that its eligibility rules admit.
pub fn admitted(pop: &PopulationModel) -> Admitted {
    let e = &pop.eligibility;
    let categories = allowed_weight(&pop.benefit_type, &e.benefit_types) * allowed_weight(&pop.health, &e.health);
    let (low, high) = ages_admitted(pop);
    Admitted { low: categories * low, high: categories * high }
}

/// How many rejections in a row to allow for a participant when at least
/// `share` of candidates pass: `⌈50 / share⌉`, for which the chance that a
/// participant is rejected that often, `(1 − share)^n ≤ e^(−share·n)`, is at
/// most `e^(−50) ≈ 2·10⁻²²`. At least 10,000.
pub fn attempts_for(share: f64) -> u32 {
    (50.0 / share).ceil().clamp(10_000.0, f64::from(u32::MAX)) as u32
}

/// The weight of the allowed categories (the weights are normalised).
fn allowed_weight<const N: usize>(weights: &[f64; N], allowed: &[bool; N]) -> f64 {
    weights.iter().zip(allowed).filter(|&(_, &a)| a).map(|(w, _)| w).sum::<f64>().min(1.0)
}

/// Bounds on `P(ages admitted)` (see the module's formula).
fn ages_admitted(pop: &PopulationModel) -> (f64, f64) {
    let e = &pop.eligibility;
    // The rules admit `min_age ≤ age ≤ max_age` (`EligibilityModel::admits_age`).
    let a = crossing(|u| pop.age.draw(u) < e.min_age);
    let b = crossing(|u| pop.age.draw(u) <= e.max_age);
    if a >= b {
        return (0.0, 0.0);
    }
    let g = |u: f64| {
        let oldest_first_benefit = e.max_age_first_benefit.min(pop.age.draw(u));
        crossing(|v| pop.age_first_benefit.draw(v) <= oldest_first_benefit)
    };
    let (mut low, mut high) = (0.0, 0.0);
    let mut pieces = vec![(a, b, g(a), g(b))];
    while let Some((l, r, gl, gr)) = pieces.pop() {
        let rise = gr - gl;
        if rise <= (RELATIVE * gl).max(ABSOLUTE) || r - l <= SHORTEST {
            low += (r - l) * gl;
            high += (r - l) * gr;
            continue;
        }
        let m = 0.5 * (l + r);
        let gm = g(m);
        pieces.extend([(l, m, gl, gm), (m, r, gm, gr)]);
    }
    (low, high.min(1.0))
}

/// The share of `u ∈ [0, 1]` for which `holds(u)`, a condition on a draw
/// that holds up to some `u` and not beyond (draws rise with `u`): the point
/// where it stops holding, found by bisection.
fn crossing(holds: impl Fn(f64) -> bool) -> f64 {
    if holds(1.0) {
        return 1.0;
    }
    if !holds(0.0) {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..BISECTIONS {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if holds(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::TruncatedNormal;
    use crate::scenario::Dist;
    use crate::scenario::{CovariateReference, EligibilityModel};

    /// A population of the given ages, with benefit type and health weights,
    /// and rules.
    fn population(
        age: Dist,
        first: Dist,
        categories: ([f64; 3], [f64; 5]),
        rules: EligibilityModel,
    ) -> PopulationModel {
        PopulationModel {
            readiness_sd: 1.0,
            age,
            age_first_benefit: first,
            benefit_type: categories.0,
            health: categories.1,
            weeks_on_benefit: Dist::Fixed(0.0),
            prior_spells: Dist::Fixed(0.0),
            starting_stage: vec![1.0],
            reference: CovariateReference {
                age: 0.0,
                age_first_benefit: 0.0,
                weeks_on_benefit: 0.0,
                prior_spells: 0.0,
            },
            eligibility: rules,
            admitted: 1.0,
            max_attempts: 10_000,
        }
    }

    fn rules(min_age: f64, max_age: f64, max_age_first_benefit: f64) -> EligibilityModel {
        EligibilityModel { min_age, max_age, max_age_first_benefit, benefit_types: [true; 3], health: [true; 5] }
    }

    /// All weight on the first benefit type and health condition, which
    /// [`rules`] allow: the categories admit everyone.
    const FIRST_CATEGORIES: ([f64; 3], [f64; 5]) = ([1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0]);

    /// The bounds hold `exact` (to a rounding of the draws) and are as close
    /// as the refinement promises.
    fn assert_brackets(pop: &PopulationModel, exact: f64) {
        let a = admitted(pop);
        let slack = 1e-12;
        assert!(a.low <= exact + slack && exact <= a.high + slack, "{a:?} does not hold {exact}");
        assert!(a.high - a.low <= RELATIVE * a.low + ABSOLUTE + SHORTEST, "{a:?} wider than promised");
        assert!((a.share() - exact).abs() <= 0.5 * (RELATIVE * exact + ABSOLUTE) + slack, "{a:?} against {exact}");
        assert!(a.is_precise(), "{a:?}");
    }

    /// Age uniform on [18, 45], admitted on [20, 30]; age at first benefit
    /// uniform on [16, 24], at most 22 (and at most age). By hand:
    /// `(1/27)·(∫_20^22 (a − 16)/8 da + ∫_22^30 6/8 da) = (1.25 + 6)/27`, times
    /// the allowed benefit types (0.85) and health conditions (0.6 + 0.25).
    #[test]
    fn uniform_ages_with_every_rule_admit_the_share_worked_by_hand() {
        let mut e = rules(20.0, 30.0, 22.0);
        e.benefit_types = [true, false, false];
        e.health = [true, true, false, false, false];
        let categories = ([0.85, 0.15, 0.0], [0.6, 0.25, 0.0, 0.1, 0.05]);
        let pop = population(Dist::Uniform(18.0, 45.0), Dist::Uniform(16.0, 24.0), categories, e);
        assert_brackets(&pop, 0.85 * 0.85 * 7.25 / 27.0);
    }

    /// A fixed age at first benefit makes the integrand a step: only ages of
    /// at least 20 pass, `P(N(24, 4²) ≥ 20) = Φ(1)` (the age rule at 18 is
    /// then idle).
    #[test]
    fn a_fixed_age_at_first_benefit_admits_the_ages_above_it() {
        let age = Dist::normal(24.0, 4.0, f64::NEG_INFINITY, f64::INFINITY);
        let pop = population(age, Dist::Fixed(20.0), FIRST_CATEGORIES, rules(18.0, f64::INFINITY, f64::INFINITY));
        assert_brackets(&pop, 0.8413447460685429);
    }

    /// A fixed age of 21 and an age at first benefit N(20, 2²) truncated to
    /// [15, 25], at most 22: `P(F ≤ 21) = (Φ(0.5) − Φ(−2.5)) / (Φ(2.5) − Φ(−2.5))`
    /// (`tests/reference/eligibility_share.py`, as the others with `Φ`).
    #[test]
    fn a_fixed_age_admits_the_share_of_ages_at_first_benefit_below_it() {
        let first = Dist::normal(20.0, 2.0, 15.0, 25.0);
        let pop = population(Dist::Fixed(21.0), first, FIRST_CATEGORIES, rules(f64::NEG_INFINITY, 30.0, 22.0));
        assert_brackets(&pop, 0.6938701993836409);
    }

    /// Half of a log-normal lies below its median, less the ages below a
    /// fixed age at first benefit of 10: `½ − Φ(ln(10/30)/0.2)`.
    #[test]
    fn a_log_normal_age_cut_at_its_median_admits_half_less_the_youngest() {
        let age = Dist::LogNormal {
            mu: 30f64.ln(),
            sigma: 0.2,
            z: TruncatedNormal::new(f64::NEG_INFINITY, f64::INFINITY),
            range: (0.0, f64::INFINITY),
        };
        let pop = population(age, Dist::Fixed(10.0), FIRST_CATEGORIES, rules(f64::NEG_INFINITY, 30.0, f64::INFINITY));
        assert_brackets(&pop, 0.4999999802487361);
    }

    /// Bounds that only touch the ages drawn admit (almost) nobody, and
    /// disjoint ones nobody at all.
    #[test]
    fn rules_that_only_touch_the_ages_drawn_admit_almost_nobody() {
        let touching =
            population(Dist::Uniform(18.0, 39.0), Dist::Uniform(16.0, 19.0), FIRST_CATEGORIES, rules(39.0, 50.0, 30.0));
        assert!(admitted(&touching).high < 1e-9, "{:?}", admitted(&touching));
        let apart =
            population(Dist::Uniform(18.0, 39.0), Dist::Uniform(16.0, 19.0), FIRST_CATEGORIES, rules(40.0, 50.0, 30.0));
        assert_eq!(admitted(&apart), Admitted { low: 0.0, high: 0.0 });
    }

    /// Far below 10⁻⁴ the bounds still hold the share but may be too far
    /// apart for three digits: ages uniform on [18, 22] of [18, 39] with
    /// first benefits N(30, 1²), `(1/21)·∫_18^22 Φ(a − 30) da = 3.595·10⁻¹⁸`
    /// (mpmath, `tests/reference/eligibility_share.py`).
    #[test]
    fn a_tiny_share_is_bounded_but_not_precise() {
        let first = Dist::normal(30.0, 1.0, f64::NEG_INFINITY, f64::INFINITY);
        let pop = population(Dist::Uniform(18.0, 39.0), first, FIRST_CATEGORIES, rules(18.0, 22.0, f64::INFINITY));
        let a = admitted(&pop);
        let exact = 3.595363053307857e-18;
        assert!(a.low <= exact && exact <= a.high && a.high <= ABSOLUTE, "{a:?}");
        assert!(!a.is_precise(), "{a:?}");
    }

    #[test]
    fn attempts_make_a_participant_fail_with_a_chance_below_1e_21() {
        for share in [1.0, 0.3, 0.01, 1e-3, 5e-4] {
            let n = attempts_for(share);
            assert!(n >= 10_000 && f64::from(n) * share >= 50.0, "{share}: {n}");
            // ln((1 − share)^n) < −48.35 = ln(1e-21)
            assert!(f64::from(n) * (-share).ln_1p() < -48.35, "{share}: {n}");
        }
        assert_eq!(attempts_for(1e-3), 50_000);
    }
}
