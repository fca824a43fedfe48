//! A replicate's cohort: arrivals, people, arms and rate multipliers, and the
//! checks that find, before a run, a scenario whose cohort cannot be generated.

use super::{arrivals, randomise};
use crate::engine::Cohort;
use crate::engine::capacity::staffing;
use crate::population::{self, PopulationError};
use crate::rng::Keyed;
use crate::scenario::{Model, transition};
use crate::service as services;

/// Generates replicate `replicate`'s cohort: arrivals, people, arms, rate multipliers.
///
/// # Errors
/// [`PopulationError`] when the eligibility rules admit almost nobody, a
/// person's rate multiplier overflows, or a case manager's quality raises a
/// service multiplier past the bound.
pub fn cohort(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, PopulationError> {
    let keyed = &keyed.for_replicate(replicate);
    check_case_managers(model, keyed, replicate)?;
    cohort_of(model, keyed, replicate, arrivals(model, keyed, replicate))
}

/// Checks that no case manager's quality draw raises a service multiplier
/// above [`population::MAX_MULTIPLIER`]. It numbers the case managers as the
/// engine does ([`staffing`]), so that it checks the very draws that run.
fn check_case_managers(model: &Model, keyed: &Keyed, replicate: u64) -> Result<(), PopulationError> {
    let limit = libm::log(population::MAX_MULTIPLIER);
    for place in staffing(model).0 {
        let service = &model.services[place.service as usize];
        if services::largest_ln_multiplier(service, 1.0) == 0.0 {
            continue; // no effect raises a rate, whatever the quality
        }
        let quality = services::quality(keyed, replicate, place.key(), service.quality_sd);
        let ln = services::largest_ln_multiplier(service, quality);
        if ln.is_nan() || ln > limit {
            return Err(PopulationError::CaseManagerEffect {
                service: service.name.clone(),
                site: model.sites[place.site as usize].clone(),
                case_manager: place.number,
                quality,
                ln,
            });
        }
    }
    Ok(())
}

/// The cohort of `arrivals`, the first of replicate `replicate`'s.
fn cohort_of(
    model: &Model,
    keyed: &Keyed,
    replicate: u64,
    arrivals: impl Iterator<Item = (u32, u16)>,
) -> Result<Cohort, PopulationError> {
    let ratios: Vec<f64> = model.arms.iter().map(|a| a.ratio).collect();
    let expected = model.enrolment.expected_participants().min(arrivals.size_hint().1.unwrap_or(usize::MAX));
    let mut c = Cohort {
        persons: Vec::with_capacity(expected),
        arms: Vec::with_capacity(expected),
        rate_multipliers: Vec::with_capacity(expected),
    };
    for (ticket, (week, site)) in arrivals.enumerate() {
        let p = population::generate(&model.population, keyed, replicate, ticket as u64, site, week)?;
        let pm = population::rate_multipliers(model, &p);
        if let Some(j) = pm.iter().position(|&m| m.is_nan() || m > population::MAX_MULTIPLIER) {
            return Err(PopulationError::RateOverflow { ticket: ticket as u64, transition: transition::NAMES[j] });
        }
        c.rate_multipliers.push(pm);
        c.persons.push(p);
        c.arms.push(randomise(&ratios, keyed, replicate, ticket as u64));
    }
    Ok(c)
}

/// How many participants [`check_population`] generates.
pub const POPULATION_CHECK: usize = 10_000;

/// Generates the first [`POPULATION_CHECK`] participants of replicate 0 at the
/// scenario's seed, as a run would: a population the scenario cannot
/// generate is then found by `rctsim validate`, without running, in the
/// common case that it fails at once. (A run can still meet a failure later,
/// in a rarer draw.)
///
/// # Errors
/// The [`PopulationError`] a run would stop with in these participants.
pub fn check_population(model: &Model) -> Result<(), PopulationError> {
    let keyed = &Keyed::new(model.seed).for_replicate(0);
    check_case_managers(model, keyed, 0)?;
    cohort_of(model, keyed, 0, arrivals(model, keyed, 0).take(POPULATION_CHECK)).map(drop)
}
