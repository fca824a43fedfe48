//! Generating participants: observed covariates, latent readiness, eligibility.
//!
//! A person's covariates are keyed by their ticket, so the same seed gives the
//! same people whatever else changes in the run. Covariates are fixed at
//! randomisation; they enter the rates through `exp(β_j·x + ℓ_j·u)`, computed
//! once per person ([`RateMultipliers`], which works out the model's part once
//! for all of them) so the weekly step only multiplies.

use crate::rng::{Keyed, Purpose, below_one, pick_cumulative};
use crate::scenario::{CovariateEffects, Model, PopulationModel, log_weeks_distance, transition, whole_count};

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
///
/// Inlined into the cohort's loop over tickets, so that what depends only on
/// `pop` (the categories' cumulative weights, the uniform draws' spans, the
/// fields read) is worked out once a replicate, not once a participant:
/// about a hundred instructions of the two thousand a participant costs.
#[inline]
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
        if !e.admits_age(age) {
            continue;
        }
        let age_first_benefit = pop.age_first_benefit.draw(u(1));
        if !e.admits_age_first_benefit(age_first_benefit, age) {
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
            weeks_on_benefit: whole_count(pop.weeks_on_benefit.draw(u(4))),
            prior_spells: whole_count(pop.prior_spells.draw(u(5))),
            starting_stage: pick_cumulative(&pop.starting_stage, u(6)) as u8,
            readiness: pop.readiness_sd * keyed.normal(replicate, Purpose::Readiness, ticket, attempt),
        });
    }
    None
}

/// `exp(β_j·x + ℓ_j·u)` for every transition: the person's fixed rate multipliers.
///
/// # Formula
/// `x` is measured from the population's reference values: age and age at
/// first benefit in years, `ln((w+1)/(w_ref+1))` for weeks on benefit, prior
/// spells; benefit type and health enter as one coefficient per category.
///
/// Most scenarios give most transitions few coefficients, so exponents repeat
/// (a loading of 1 alone, or of −1 alone) or are zero. Transitions whose
/// exponents sum the same numbers share one `exp`, and a zero exponent goes
/// to `exp` not at all (`exp(±0) = 1` exactly).
/// `ln((w+1)/(w_ref+1))` is taken only when a coefficient reads it: it is
/// finite (`w_ref ≥ 0` by validation), so under zero coefficients it adds a
/// zero whatever its value, and at most the sign of a zero exponent changes.
/// The multipliers are bit for bit those of one `exp` per transition.
///
/// Each call works out the model's part again (a table over benefit types
/// and health conditions, with its `exp`s): for many people, build it once
/// with [`RateMultipliers::new`] and call [`RateMultipliers::of`] for each.
pub fn rate_multipliers(model: &Model, p: &Person) -> [f64; transition::COUNT] {
    RateMultipliers::new(model).of(p)
}

/// What a model's rate multipliers owe to the model alone, worked out before
/// any person is drawn, for each benefit type and health condition: which
/// transitions' exponents sum the same numbers as an earlier one's (and so
/// share its multiplier), the multiplier of a transition that reads no
/// covariate but type and health, and for one that reads readiness too the
/// sum of its terms before readiness's. Only a transition with an age,
/// weeks or spells coefficient sums every term per person.
///
/// Each exponent is the same sum, in the same order, as [`rate_multipliers`]
/// documents: a term whose coefficient is zero is `0.0` whatever its
/// covariate, so the terms before readiness's are the same for every person
/// of a type and health, and adding them up once gives the same bits.
#[derive(Debug, Clone)]
pub struct RateMultipliers<'a> {
    model: &'a Model,
    /// Whether a transition reads age, age at first benefit, weeks on
    /// benefit or prior spells, so that a person's [`Distances`] are needed.
    distances: bool,
    /// Whether a transition reads `ln((w+1)/(w_ref+1))`.
    log_weeks: bool,
    /// How each transition's multiplier is found, by benefit type, health
    /// condition and transition.
    steps: [[[Step; transition::COUNT]; 5]; 3],
}

/// How one transition's multiplier is found for a person of a given benefit
/// type and health condition.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// That of an earlier transition, whose exponent sums the same numbers.
    Same(usize),
    /// Reads no covariate but type and health: the same for everyone.
    Fixed(f64),
    /// Reads readiness, and no covariate but type and health:
    /// `exp(before + loading · u)`, `before` the sum of the terms before
    /// readiness's.
    Readiness { before: f64, loading: f64 },
    /// Reads age, age at first benefit, weeks on benefit or prior spells.
    Covariates,
}

/// A person's covariates as distances from the reference, as the exponent
/// reads them.
#[derive(Debug, Clone, Copy, Default)]
struct Distances {
    age: f64,
    age_first_benefit: f64,
    log_weeks: f64,
    prior_spells: f64,
}

impl<'a> RateMultipliers<'a> {
    /// The model's part of every person's rate multipliers.
    pub fn new(model: &'a Model) -> Self {
        let steps = std::array::from_fn(|b| std::array::from_fn(|h| steps(model, b, h)));
        let distances = model.transitions.iter().any(reads_covariates);
        let log_weeks = model.transitions.iter().any(|e| e.log_weeks_on_benefit != 0.0);
        Self { model, distances, log_weeks, steps }
    }

    /// Person `p`'s rate multipliers, as [`rate_multipliers`] computes them.
    pub fn of(&self, p: &Person) -> [f64; transition::COUNT] {
        let (b, h) = (p.benefit_type as usize, p.health as usize);
        let x = if self.distances { self.distances(p) } else { Distances::default() };
        let mut m = [1.0; transition::COUNT];
        for (j, step) in self.steps[b][h].iter().enumerate() {
            m[j] = match *step {
                Step::Same(k) => m[k],
                Step::Fixed(multiplier) => multiplier,
                Step::Readiness { before, loading } => exp_unless_zero(before + loading * p.readiness),
                Step::Covariates => {
                    let e = &self.model.transitions[j];
                    exp_unless_zero(before_readiness(e, &x, b, h) + term(e.loading, p.readiness))
                }
            };
        }
        m
    }

    /// `p`'s covariates as the exponent reads them.
    fn distances(&self, p: &Person) -> Distances {
        let r = &self.model.population.reference;
        Distances {
            age: p.age - r.age,
            age_first_benefit: p.age_first_benefit - r.age_first_benefit,
            log_weeks: if self.log_weeks {
                log_weeks_distance(p.weeks_on_benefit as f64, r.weeks_on_benefit)
            } else {
                0.0
            },
            prior_spells: p.prior_spells as f64 - r.prior_spells,
        }
    }
}

/// How each transition's multiplier is found for benefit type `b` and
/// health condition `h`.
fn steps(model: &Model, b: usize, h: usize) -> [Step; transition::COUNT] {
    let summed = |j: usize| {
        let e = &model.transitions[j];
        [e.age, e.age_first_benefit, e.log_weeks_on_benefit, e.prior_spells, e.benefit_type[b], e.health[h], e.loading]
            .map(f64::to_bits)
    };
    std::array::from_fn(|j| {
        let e = &model.transitions[j];
        if let Some(k) = (0..j).find(|&k| summed(k) == summed(j)) {
            Step::Same(k)
        } else if reads_covariates(e) {
            Step::Covariates
        } else if e.loading != 0.0 {
            Step::Readiness { before: before_readiness(e, &Distances::default(), b, h), loading: e.loading }
        } else {
            // `+ term(0, u)` adds `0.0`, as the exponent of every person does.
            Step::Fixed(exp_unless_zero(before_readiness(e, &Distances::default(), b, h) + 0.0))
        }
    })
}

/// Whether transition `e` reads age, age at first benefit, weeks on benefit
/// or prior spells.
fn reads_covariates(e: &CovariateEffects) -> bool {
    [e.age, e.age_first_benefit, e.log_weeks_on_benefit, e.prior_spells].iter().any(|&c| c != 0.0)
}

/// `exp(eta)`, and 1 for a zero `eta` without the call (`exp(±0) = 1` exactly).
#[inline]
fn exp_unless_zero(eta: f64) -> f64 {
    if eta == 0.0 { 1.0 } else { libm::exp(eta) }
}

/// The terms of transition `e`'s exponent before readiness's, summed in order.
fn before_readiness(e: &CovariateEffects, x: &Distances, b: usize, h: usize) -> f64 {
    term(e.age, x.age)
        + term(e.age_first_benefit, x.age_first_benefit)
        + term(e.log_weeks_on_benefit, x.log_weeks)
        + term(e.prior_spells, x.prior_spells)
        + e.benefit_type[b]
        + e.health[h]
}

/// A coefficient times its covariate. A zero coefficient leaves its covariate
/// out, even one so far from its reference that the difference is infinite
/// (0 · ∞ would be NaN).
#[inline]
fn term(coefficient: f64, x: f64) -> f64 {
    if coefficient == 0.0 { 0.0 } else { coefficient * x }
}
