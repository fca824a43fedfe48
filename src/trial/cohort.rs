//! A replicate's cohort: arrivals, people, arms and rate multipliers.
//!
//! Validation bounds what the people drawn can be (the share of candidates
//! the eligibility rules admit, every rate multiplier a participant can
//! draw), so that a scenario it accepts generates every replicate's people;
//! the checks here stop a run, as bad input, should a draw pass those bounds
//! all the same. Case managers' qualities are checked too (see
//! [`quality_bound`](super::quality_bound)), as a run checks every replicate's before
//! simulating any.

use super::quality_bound::{check_case_managers, places_at_risk};
use super::{arrivals, randomise};
use crate::engine::Cohort;
use crate::population;
use crate::rng::Keyed;
use crate::scenario::{MAX_MULTIPLIER, Model, transition};

/// Why a replicate's people, or its case managers, could not be generated.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CohortError {
    /// A case manager's quality draw raises a service multiplier above
    /// [`MAX_MULTIPLIER`].
    #[error(
        "services.{shown}: case manager {case_manager} at site {site:?} (numbered from 0) has quality \
         {quality:.2} in this replicate's draws, which raises the service's largest effect multiplier to \
         e^{ln:.0}, above {MAX_MULTIPLIER:e}; lower quality_sd or the effects",
        shown = crate::scenario::shown_name(service)
    )]
    CaseManagerEffect {
        /// The service.
        service: String,
        /// The site.
        site: String,
        /// The case manager's number among the service's at the site, from 0.
        case_manager: u32,
        /// Its quality `q`.
        quality: f64,
        /// `ln` of the largest multiplier it can give: `f · q · ln m`.
        ln: f64,
    },
    /// No eligible person could be generated: validation sets the attempts
    /// from the share of candidates the rules admit so that this has a
    /// chance below 10⁻²¹.
    #[error(
        "population.eligibility rejected {attempts} generated people in a row, although at the share of \
         candidates its rules admit that has a chance below 1e-21"
    )]
    Eligibility {
        /// Attempts made.
        attempts: u32,
    },
    /// `exp(β·x + ℓ·u)` is above [`MAX_MULTIPLIER`] for a generated person.
    /// Either side of the product can be at fault: the coefficients in
    /// `transitions`, or the spread of what they multiply (`readiness_sd`,
    /// the covariate distributions), so the message names both.
    #[error(
        "participant {ticket}: transitions.{transition} gives a rate multiplier exp(β·x + ℓ·u) above {MAX_MULTIPLIER:e} \
         (or not a finite number); its covariate coefficients or readiness loading are too large for the \
         covariates drawn, or population.readiness_sd or a covariate distribution in population spreads them \
         too widely"
    )]
    RateOverflow {
        /// The participant's ticket.
        ticket: u64,
        /// The transition.
        transition: &'static str,
    },
}

/// Generates replicate `replicate`'s cohort: arrivals, people, arms, rate multipliers.
///
/// # Errors
/// [`CohortError`] when a person's rate multiplier overflows (which cannot
/// happen in a validated model), a case manager's quality raises a service
/// multiplier past the bound (which validation does not bound, and a run
/// checks for every replicate before simulating any), or (with a chance
/// below 10⁻²¹) a participant's candidates are all rejected.
pub fn cohort(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, CohortError> {
    let keyed = &keyed.for_replicate(replicate);
    check_case_managers(model, &places_at_risk(model), keyed, replicate)?;
    people(model, keyed, replicate)
}

/// Replicate `replicate`'s arrivals as people, with their arms and rate multipliers.
fn people(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, CohortError> {
    let arrivals = arrivals(model, keyed, replicate);
    let ratios: Vec<f64> = model.arms.iter().map(|a| a.ratio).collect();
    let multipliers = population::RateMultipliers::new(model);
    let expected = model.enrolment.expected_participants().min(arrivals.size_hint().1.unwrap_or(usize::MAX));
    let mut c = Cohort {
        persons: Vec::with_capacity(expected),
        arms: Vec::with_capacity(expected),
        rate_multipliers: Vec::with_capacity(expected),
    };
    for (ticket, (week, site)) in arrivals.enumerate() {
        let p = population::generate(&model.population, keyed, replicate, ticket as u64, site, week)
            .ok_or(CohortError::Eligibility { attempts: model.population.max_attempts })?;
        let pm = multipliers.of(&p);
        // Validation rules this out, but a library caller may run a `Model`
        // it built or changed itself (its fields are public): a multiplier
        // past the bound would stop clocks without a word. Six comparisons
        // a person.
        if let Some(j) = pm.iter().position(|&m| m.is_nan() || m > MAX_MULTIPLIER) {
            return Err(CohortError::RateOverflow { ticket: ticket as u64, transition: transition::NAMES[j] });
        }
        c.rate_multipliers.push(pm);
        c.persons.push(p);
        c.arms.push(randomise(&ratios, keyed, replicate, ticket as u64));
    }
    Ok(c)
}
