//! Generating participants: observed covariates, latent readiness, eligibility.
//!
//! A person's covariates are keyed by their ticket, so the same seed gives the
//! same people whatever else changes in the run. Covariates are fixed at
//! randomisation; they enter the rates through `exp(β_j·x + ℓ_j·u)`, computed
//! once per person ([`rate_multipliers`]) so the weekly step only multiplies.

use crate::rng::{Keyed, Purpose, below_one, pick_cumulative};
use crate::scenario::{EligibilityModel, Model, PopulationModel, transition};

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

impl Person {
    /// The weekly benefit rate of the person's benefit type.
    #[inline]
    pub fn benefit_rate(&self, model: &Model) -> f64 {
        model.benefit_rates[self.benefit_type as usize]
    }
}

/// Generates the eligible person holding `ticket`, at `site` and `week`.
///
/// Candidates are drawn until one passes every eligibility rule (and has a
/// first benefit no later than their current age).
///
/// `None` after `pop.max_attempts` rejections in a row, which validation
/// sets so that this practically never happens.
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
    for attempt in 0..u64::from(pop.max_attempts) {
        let u = |k: u64| below_one(covariates.uniform(attempt * 8 + k));
        // Of the four covariates eligibility reads, each is drawn only once
        // the rules on those before it have passed (in ics_x.ron two in three
        // candidates fail one), and the others only for a candidate admitted.
        // Each draw has its own key, so skipping draws for the rejected
        // changes nobody's values.
        let age = pop.age.draw(u(0));
        if !admits_age(e, age) {
            continue;
        }
        let age_first_benefit = pop.age_first_benefit.draw(u(1));
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
            weeks_on_benefit: pop.weeks_on_benefit.draw(u(4)).round().max(0.0) as u32,
            prior_spells: pop.prior_spells.draw(u(5)).round().max(0.0) as u32,
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
        libm::log((p.weeks_on_benefit as f64 + 1.0) / (r.weeks_on_benefit + 1.0))
    } else {
        0.0
    };
    // A zero coefficient leaves its covariate out, even one so far from its
    // reference that the difference is infinite (0 · ∞ would be NaN).
    let term = |coefficient: f64, x: f64| if coefficient == 0.0 { 0.0 } else { coefficient * x };
    let eta: [f64; transition::COUNT] = std::array::from_fn(|j| {
        let e = &model.transitions[j];
        term(e.age, p.age - r.age)
            + term(e.age_first_benefit, p.age_first_benefit - r.age_first_benefit)
            + term(e.log_weeks_on_benefit, log_weeks)
            + term(e.prior_spells, p.prior_spells as f64 - r.prior_spells)
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
