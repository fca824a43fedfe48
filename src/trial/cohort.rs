//! A replicate's cohort: arrivals, people, arms and rate multipliers.
//!
//! Validation bounds what the people drawn can be (the share of candidates
//! the eligibility rules admit, every rate multiplier a participant can
//! draw), so that a scenario it accepts generates every replicate's people;
//! the checks here stop a run, as bad input, should a draw pass those bounds
//! all the same. Case managers' qualities are checked here, for every
//! replicate before a run simulates any (see `scenario::multipliers` for why
//! they are not bounded when the file is read).

use super::{arrivals, randomise};
use crate::engine::Cohort;
use crate::engine::capacity::staffing;
use crate::population;
use crate::rng::{Keyed, UNIFORM_REACH, normal_cdf, normal_quantile};
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

/// Draws replicate 0's case managers at the scenario's seed, as a run would,
/// and checks that no quality raises an effect past the bound: `rctsim
/// validate` then reports a service whose quality spread lets effects pass
/// [`MAX_MULTIPLIER`] without running, in the common case that the first
/// replicate's draws already do. (A later replicate can still meet one, in a
/// rarer draw.)
///
/// # Errors
/// The [`CohortError`] a run would stop with in its first replicate.
pub fn check_first_case_managers(model: &Model) -> Result<(), CohortError> {
    check_case_managers(model, &Keyed::new(model.seed).for_replicate(0), 0)
}

/// Checks that no case manager's quality draw raises a service multiplier
/// above [`MAX_MULTIPLIER`]. It numbers the case managers as the
/// engine does ([`staffing`]), so that it checks the very draws that run.
fn check_case_managers(model: &Model, keyed: &Keyed, replicate: u64) -> Result<(), CohortError> {
    let limit = libm::log(MAX_MULTIPLIER);
    let at_risk: Vec<bool> = model.services.iter().map(quality_can_pass_bound).collect();
    if !at_risk.contains(&true) {
        return Ok(());
    }
    for place in staffing(model).0 {
        let service = &model.services[place.service as usize];
        if !at_risk[place.service as usize] {
            continue; // no draw of its quality can pass the bound
        }
        let quality = services::quality(keyed, replicate, place.key(), service.quality_sd);
        let ln = services::largest_ln_multiplier(service, quality);
        if ln.is_nan() || ln > limit {
            return Err(CohortError::CaseManagerEffect {
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

/// Checks the case-manager quality draws of every replicate of a run before
/// any is simulated, so that a run that would meet a quality past the bound
/// in a late replicate stops at once, naming the first such replicate (each
/// replicate's [`cohort`] would stop there all the same). It costs nothing
/// unless some service's best possible quality passes the bound, as none
/// does in the shipped scenarios; then one draw per case manager and
/// replicate, far less than simulating them.
///
/// # Errors
/// The first replicate's [`CohortError`], with its number.
pub(super) fn check_case_managers_of_run(
    model: &Model,
    keyed: &Keyed,
    replicates: u32,
) -> Result<(), (u64, CohortError)> {
    use rayon::prelude::*;
    if !model.services.iter().any(quality_can_pass_bound) {
        return Ok(());
    }
    let first = (0..u64::from(replicates))
        .into_par_iter()
        .find_map_first(|r| check_case_managers(model, &keyed.for_replicate(r), r).err().map(|e| (r, e)));
    first.map_or(Ok(()), Err)
}

/// Whether some quality draw of a case manager of `service` can raise its
/// largest multiplier past [`MAX_MULTIPLIER`]: whether the best quality a
/// run can draw does. Quality rises with its normal draw, which rises with
/// its uniform, and uniforms stay in [`UNIFORM_REACH`].
fn quality_can_pass_bound(service: &ServiceModel) -> bool {
    let best = services::quality_at(service.quality_sd, normal_quantile(UNIFORM_REACH.1));
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

impl QualityRisk {
    /// The chance that a run of `replicates` replicates meets such a draw
    /// of this service: `1 − (1 − p)^(replicates × case managers)`.
    pub fn in_run(&self, replicates: u32) -> f64 {
        let draws = f64::from(replicates) * self.case_managers as f64;
        -libm::expm1(draws * libm::log1p(-self.per_draw))
    }
}

/// The services whose case managers' quality draws can pass the bound (a
/// run checks every replicate's before simulating), each with the chance
/// that a draw does, for `rctsim validate` to say how likely a run is to
/// stop: it draws only replicate 0's case managers.
pub fn quality_risks(model: &Model) -> Vec<QualityRisk> {
    let limit = libm::log(MAX_MULTIPLIER);
    let sites = model.sites.len() as u64;
    model
        .services
        .iter()
        .filter(|service| quality_can_pass_bound(service))
        .map(|service| {
            // `f · q · ln m` passes the limit above this quality.
            let quality = limit / services::largest_ln_multiplier(service, 1.0);
            let sd = service.quality_sd;
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
