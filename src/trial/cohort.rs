//! A replicate's cohort: arrivals, people, arms and rate multipliers.
//!
//! Validation bounds what the people drawn can be (the share of candidates
//! the eligibility rules admit, every rate multiplier a participant can
//! draw), so that a scenario it accepts generates every replicate's people;
//! the checks here stop a run, as bad input, should a draw pass those bounds
//! all the same. Case managers' qualities are checked here, for every
//! replicate before a run simulates any (see `scenario::multipliers` for why
//! they are not bounded when the file is read).

use super::{RunError, arrivals, randomise};
use crate::engine::Cohort;
use crate::engine::capacity::Place;
use crate::population;
use crate::rng::{Keyed, largest_normal_draw, normal_cdf};
use crate::scenario::{MAX_MULTIPLIER, Model, ServiceModel, transition};
use crate::service as services;

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
/// [`CohortError`] when a person's rate multiplier overflows, a case
/// manager's quality raises a service multiplier past the bound (neither can
/// happen in a validated model), or (with a chance below 10⁻²¹) a
/// participant's candidates are all rejected.
pub fn cohort(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, CohortError> {
    let keyed = &keyed.for_replicate(replicate);
    check_case_managers(model, keyed, replicate)?;
    people(model, keyed, replicate)
}

/// Checks the case-manager quality draws of every replicate of the
/// scenario at its seed, as a run checks its own before simulating any:
/// `rctsim validate` then reports, without running, the first
/// replicate with a quality that raises an effect past the bound, so that a
/// file it passes runs at its own seed and replicates.
///
/// # Errors
/// [`RunError::Cohort`] for the first such replicate.
pub fn check_scenario_case_managers(model: &Model) -> Result<(), RunError> {
    check_case_managers_of_run(model, &Keyed::new(model.seed), model.replicates)
}

/// Checks the case-manager quality draws of every replicate of a run before
/// any is simulated, so that a run that would meet a quality past the bound
/// in a late replicate stops at once, naming the first such replicate, at
/// its first such case manager (where its [`cohort`] would stop). Only
/// services whose best possible quality passes the bound are drawn, one draw
/// per case manager and replicate: none in the shipped scenarios (at
/// `quality_sd: 0.3` no effect up to the largest allowed, 1e6, can pass it),
/// all of a service with `quality_sd: 1` and an effect above 1.11. A draw
/// costs about a tenth of a microsecond, far less than simulating the case
/// manager's weeks.
///
/// # Errors
/// [`RunError::Cohort`] for the first such replicate.
pub(super) fn check_case_managers_of_run(model: &Model, keyed: &Keyed, replicates: u32) -> Result<(), RunError> {
    use rayon::prelude::*;
    if !model.services.iter().any(quality_can_pass_bound) {
        return Ok(());
    }
    let first = (0..u64::from(replicates))
        .into_par_iter()
        .find_map_first(|r| check_case_managers(model, &keyed.for_replicate(r), r).err().map(|e| (r, e)));
    first.map_or(Ok(()), |(replicate, cause)| Err(RunError::Cohort { replicate, cause }))
}

/// Checks that no case manager's quality draw in replicate `replicate`
/// raises a service multiplier above [`MAX_MULTIPLIER`]. It goes through the
/// case managers in the engine's order, service by service, site by site
/// ([`staffing`](crate::engine::capacity::staffing)), so that it checks the
/// very draws a run makes and names the first; services whose best possible
/// quality cannot pass the bound are not drawn.
fn check_case_managers(model: &Model, keyed: &Keyed, replicate: u64) -> Result<(), CohortError> {
    let limit = libm::log(MAX_MULTIPLIER);
    for (s, service) in model.services.iter().enumerate().filter(|(_, service)| quality_can_pass_bound(service)) {
        for site in 0..model.sites.len() as u32 {
            for number in 0..service.case_managers_per_site {
                let place = Place { service: s as u16, site, number };
                let quality = services::quality(keyed, replicate, place.key(), service.quality_sd);
                let ln = services::largest_ln_multiplier(service, quality);
                if ln.is_nan() || ln > limit {
                    return Err(CohortError::CaseManagerEffect {
                        service: service.name.clone(),
                        site: model.sites[site as usize].clone(),
                        case_manager: number,
                        quality,
                        ln,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Whether some quality draw of a case manager of `service` can raise its
/// largest multiplier past [`MAX_MULTIPLIER`]: whether the best quality a
/// run can draw does. Quality rises with its normal draw, which rises with
/// its uniform, and uniforms stay in [`UNIFORM_REACH`](crate::rng::UNIFORM_REACH).
fn quality_can_pass_bound(service: &ServiceModel) -> bool {
    let best = services::quality_at(service.quality_sd, largest_normal_draw());
    let ln = services::largest_ln_multiplier(service, best);
    ln.is_nan() || ln > libm::log(MAX_MULTIPLIER)
}

/// A service some of whose case managers' quality draws would stop a run,
/// and how likely a draw is to.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityRisk {
    /// The service.
    pub service: String,
    /// The quality above which a case manager's largest multiplier passes
    /// [`MAX_MULTIPLIER`].
    pub quality: f64,
    /// How many standard deviations up a normal draw gives that quality.
    pub sds: f64,
    /// The chance that one case manager's draw does: `1 − Φ(sds)`.
    pub per_draw: f64,
    /// The service's case managers in a replicate.
    pub case_managers: u64,
}

/// The services whose case managers' quality draws can pass the bound, each
/// with the chance that a draw does: what `rctsim validate` tells of runs
/// at other seeds, or with more replicates, than the scenario's, whose
/// draws it has checked.
pub fn quality_risks(model: &Model) -> Vec<QualityRisk> {
    let limit = libm::log(MAX_MULTIPLIER);
    let sites = model.sites.len() as u64;
    model
        .services
        .iter()
        .filter(|service| quality_can_pass_bound(service))
        .map(|service| {
            // `f · q · ln m` passes the limit above this quality; a service
            // that can pass it has an effect and a quality spread above 0.
            let quality = limit / services::largest_ln_multiplier(service, 1.0);
            let sd = service.quality_sd;
            debug_assert!(sd > 0.0 && quality.is_finite());
            let sds = (libm::log(quality) + sd * sd / 2.0) / sd;
            QualityRisk {
                service: service.name.clone(),
                quality,
                sds,
                per_draw: normal_cdf(-sds),
                case_managers: u64::from(service.case_managers_per_site) * sites,
            }
        })
        .collect()
}

/// The chance that a run of `replicates` replicates at a seed of its own
/// meets some quality draw of `risks` past the bound:
/// `1 − ∏ₛ (1 − pₛ)^(replicates × case managersₛ)`, the draws being independent.
pub fn chance_a_run_stops(risks: &[QualityRisk], replicates: u32) -> f64 {
    let ln_none: f64 =
        risks.iter().map(|r| f64::from(replicates) * r.case_managers as f64 * libm::log1p(-r.per_draw)).sum();
    -libm::expm1(ln_none)
}

/// Replicate `replicate`'s arrivals as people, with their arms and rate multipliers.
fn people(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, CohortError> {
    let arrivals = arrivals(model, keyed, replicate);
    let ratios: Vec<f64> = model.arms.iter().map(|a| a.ratio).collect();
    let expected = model.enrolment.expected_participants().min(arrivals.size_hint().1.unwrap_or(usize::MAX));
    let mut c = Cohort {
        persons: Vec::with_capacity(expected),
        arms: Vec::with_capacity(expected),
        rate_multipliers: Vec::with_capacity(expected),
    };
    for (ticket, (week, site)) in arrivals.enumerate() {
        let p = population::generate(&model.population, keyed, replicate, ticket as u64, site, week)
            .ok_or(CohortError::Eligibility { attempts: model.population.max_attempts })?;
        let pm = population::rate_multipliers(model, &p);
        if let Some(j) = pm.iter().position(|&m| m.is_nan() || m > MAX_MULTIPLIER) {
            return Err(CohortError::RateOverflow { ticket: ticket as u64, transition: transition::NAMES[j] });
        }
        c.rate_multipliers.push(pm);
        c.persons.push(p);
        c.arms.push(randomise(&ratios, keyed, replicate, ticket as u64));
    }
    Ok(c)
}
