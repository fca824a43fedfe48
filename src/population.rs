//! Generating participants: observed covariates, latent readiness, eligibility.
//!
//! A person's covariates are keyed by their ticket, so the same seed gives the
//! same people whatever else changes in the run. Covariates are fixed at
//! randomisation; they enter the rates through `exp(β_j·x + ℓ_j·u)`, computed
//! once per person ([`rate_multipliers`]) so the weekly step only multiplies.

use crate::rng::{Keyed, Purpose, below_one, pick_cumulative};
use crate::scenario::{Dist, EligibilityModel, Model, PopulationModel, transition};

/// One participant's baseline record.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Site index.
    pub site: u16,
    /// Calendar week of randomisation.
    pub week: u32,
    /// Age at selection, years.
    pub age: f64,
    /// Age at first benefit, years.
    pub age_first_benefit: f64,
    /// Benefit type index (work-ready, health & disability, other).
    pub benefit_type: u8,
    /// Health condition index.
    pub health: u8,
    /// Weeks already on benefit at selection.
    pub weeks_on_benefit: u32,
    /// Prior benefit spells.
    pub prior_spells: u32,
    /// Stage index at randomisation.
    pub starting_stage: u8,
    /// Latent readiness `u`.
    pub readiness: f64,
}

/// The largest rate multiplier a person's covariates, or a case manager's
/// effects, may give. With rates and declared multipliers at most
/// [`crate::scenario::MAX_RATE`], every rate the engine forms then stays below
/// 1e6 · 1e100 · 1e100 · 1e6, far from overflow: a rate that overflowed would
/// stop a life's clock (or, times a zero rate, make it NaN) without a word.
pub const MAX_MULTIPLIER: f64 = 1e100;

/// How many candidates may be rejected before giving up.
pub const MAX_ATTEMPTS: u32 = 10_000;

/// Draws one value of a declared distribution from uniform `u ∈ (0, 1)`.
///
/// Truncated distributions are drawn by inversion on the truncated range, so
/// no draw is ever rejected.
pub fn draw(d: &Dist, u: f64) -> f64 {
    match *d {
        Dist::Fixed(v) => v,
        Dist::Uniform(a, b) => a + (b - a) * u,
        Dist::Normal { mean, sd, z } => mean + sd * z.draw(u),
        Dist::LogNormal { mu, sigma, z } => libm::exp(mu + sigma * z.draw(u)),
    }
}

/// Generates the eligible person holding `ticket`, at `site` and `week`.
///
/// Candidates are drawn until one passes every eligibility rule (and has a
/// first benefit no later than their current age).
///
/// `None` after [`MAX_ATTEMPTS`] rejections in a row.
pub fn generate(
    pop: &PopulationModel,
    keyed: &Keyed,
    replicate: u64,
    ticket: u64,
    site: u16,
    week: u32,
) -> Option<Person> {
    let e = &pop.eligibility;
    let covariates = keyed.entity(replicate, Purpose::Covariate, ticket);
    for attempt in 0..MAX_ATTEMPTS as u64 {
        let u = |k: u64| below_one(covariates.uniform(attempt * 8 + k));
        // Of the four covariates eligibility reads, each is drawn only once
        // the rules on those before it have passed (in ics_x.ron two in three
        // candidates fail one), and the others only for a candidate admitted.
        // Each draw has its own key, so skipping draws for the rejected
        // changes nobody's values.
        let age = draw(&pop.age, u(0));
        if !admits_age(e, age) {
            continue;
        }
        let age_first_benefit = draw(&pop.age_first_benefit, u(1));
        if !admits_age_first_benefit(e, age_first_benefit, age) {
            continue;
        }
        let benefit_type = pick_cumulative(&pop.benefit_type, u(2)) as u8;
        if !e.benefit_types[benefit_type as usize] {
            continue;
        }
        let health = pick_cumulative(&pop.health, u(3)) as u8;
        if !e.health[health as usize] {
            continue;
        }
        return Some(Person {
            site,
            week,
            age,
            age_first_benefit,
            benefit_type,
            health,
            weeks_on_benefit: draw(&pop.weeks_on_benefit, u(4)).round().max(0.0) as u32,
            prior_spells: draw(&pop.prior_spells, u(5)).round().max(0.0) as u32,
            starting_stage: pick_cumulative(&pop.starting_stage, u(6)) as u8,
            readiness: pop.readiness_sd * keyed.normal(replicate, Purpose::Readiness, ticket, attempt),
        });
    }
    None
}

/// The rules on age at selection.
#[inline]
fn admits_age(e: &EligibilityModel, age: f64) -> bool {
    age >= e.min_age && age <= e.max_age
}

/// The rules on age at first benefit, given age at selection.
#[inline]
fn admits_age_first_benefit(e: &EligibilityModel, age_first_benefit: f64, age: f64) -> bool {
    age_first_benefit <= e.max_age_first_benefit && age_first_benefit <= age
}

/// `exp(β_j·x + ℓ_j·u)` for every transition: the person's fixed rate multipliers.
///
/// # Formula
/// `x` is measured from the population's reference values: age and age at
/// first benefit in years, `ln((w+1)/(w_ref+1))` for weeks on benefit, prior
/// spells; benefit type and health enter as one coefficient per category.
///
/// Most scenarios give most transitions few coefficients, so exponents repeat
/// (a loading of 1 alone, or of −1 alone) or are zero. Each distinct exponent
/// is passed to `exp` once, and a zero one not at all (`exp(±0) = 1` exactly).
/// `ln((w+1)/(w_ref+1))` is taken only when a coefficient reads it: it is
/// finite (`w_ref ≥ 0` by validation), so under zero coefficients it adds a
/// zero whatever its value, and at most the sign of a zero exponent changes.
/// The multipliers are bit for bit those of one `exp` per transition.
pub fn rate_multipliers(model: &Model, p: &Person) -> [f64; transition::COUNT] {
    let r = &model.population.reference;
    let log_weeks = if model.transitions.iter().any(|e| e.log_weeks_on_benefit != 0.0) {
        libm::log((p.weeks_on_benefit as f64 + 1.0) / (r[2] + 1.0))
    } else {
        0.0
    };
    // A zero coefficient leaves its covariate out, even one so far from its
    // reference that the difference is infinite (0 · ∞ would be NaN).
    let term = |coefficient: f64, x: f64| if coefficient == 0.0 { 0.0 } else { coefficient * x };
    let eta: [f64; transition::COUNT] = std::array::from_fn(|j| {
        let e = &model.transitions[j];
        term(e.age, p.age - r[0])
            + term(e.age_first_benefit, p.age_first_benefit - r[1])
            + term(e.log_weeks_on_benefit, log_weeks)
            + term(e.prior_spells, p.prior_spells as f64 - r[3])
            + e.benefit_type[p.benefit_type as usize]
            + e.health[p.health as usize]
            + term(e.loading, p.readiness)
    });
    let mut m = [1.0; transition::COUNT];
    for j in 0..transition::COUNT {
        if eta[j] == 0.0 {
            continue;
        }
        m[j] = match (0..j).find(|&k| eta[k].to_bits() == eta[j].to_bits()) {
            Some(k) => m[k],
            None => libm::exp(eta[j]),
        };
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::TruncatedNormal;

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
        let d = Dist::Normal { mean: 20.0, sd: 3.0, z: TruncatedNormal::new(-2.0 / 3.0, 5.0 / 3.0) };
        // The middle one is the truncated median, Φ⁻¹((Φ(-2/3) + Φ(5/3))/2) = 0.2594… sd above the mean.
        let expected = [18.000000000006573, 20.778312050349946, 24.999999999978897];
        for (u, expected) in [1e-12, 0.5, 1.0 - 1e-12].into_iter().zip(expected) {
            let got = draw(&d, u);
            assert!((got - expected).abs() <= NORMAL_TOL, "u = {u}: {got}, expected {expected}");
        }
    }

    /// A truncated log-normal is `exp(mu + sigma·z)`, `z` truncated to
    /// `[(ln min − mu)/sigma, (ln max − mu)/sigma]`, so its draws run from min
    /// to max as `u` rises. Median 10, sigma 0.5, range [5, 40]: `z` in
    /// [2 ln 0.5, 2 ln 4]. (`exp(mu − sigma·z)` would run from 20 down to 2.5.)
    #[test]
    fn truncated_log_normal_stays_in_range() {
        let z = TruncatedNormal::new(2.0 * 0.5f64.ln(), 2.0 * 4f64.ln());
        let d = Dist::LogNormal { mu: 10f64.ln(), sigma: 0.5, z };
        let expected = [5.000000000014979, 10.515308236488043, 39.99999999785954];
        for (u, expected) in [1e-12, 0.5, 1.0 - 1e-12].into_iter().zip(expected) {
            let got = draw(&d, u);
            assert!((got - expected).abs() <= LOG_NORMAL_TOL * expected, "u = {u}: {got}, expected {expected}");
        }
    }
}
