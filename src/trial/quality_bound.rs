//! Case managers' quality draws that would raise an effect multiplier past
//! its bound: checked for every replicate before a run simulates any, and
//! for the scenario's seed and replicates by `rctsim validate`, which also
//! tells how likely a run at another seed is to meet one (see
//! `scenario::multiplier_bounds` for why they are not bounded when the file
//! is read, and `trial::preflight` for the warning).

use super::RunError;
use super::cohort::CohortError;
use crate::engine::capacity::{Place, staffing};
use crate::normal::normal_cdf;
use crate::rng::{Keyed, largest_normal_draw};
use crate::scenario::{MAX_MULTIPLIER, Model, ServiceModel};
use crate::service;

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
/// its first such case manager (where its [`cohort`](super::cohort()) would
/// stop). Only services whose best possible quality passes the bound are
/// drawn, one draw per case manager and replicate: none in the shipped
/// scenarios (at `quality_sd: 0.3` no effect up to the largest allowed, 1e6,
/// can pass it), all of a service with `quality_sd: 1` and an effect above
/// 1.11. A draw costs about a tenth of a microsecond, far less than
/// simulating the case manager's weeks.
///
/// # Errors
/// [`RunError::Cohort`] for the first such replicate.
pub(super) fn check_case_managers_of_run(model: &Model, keyed: &Keyed, replicates: u32) -> Result<(), RunError> {
    use rayon::prelude::*;
    let places = places_at_risk(model);
    if places.is_empty() {
        return Ok(());
    }
    let first = (0..u64::from(replicates))
        .into_par_iter()
        .find_map_first(|r| check_case_managers(model, &places, &keyed.for_replicate(r), r).err().map(|e| (r, e)));
    first.map_or(Ok(()), |(replicate, cause)| Err(RunError::Cohort { replicate, cause }))
}

/// The case managers, in the engine's numbering ([`staffing`]), of the
/// services whose best possible quality passes the bound: the only ones
/// whose draws need checking (none, and no allocation, in most scenarios).
pub(super) fn places_at_risk(model: &Model) -> Vec<Place> {
    if !model.services.iter().any(quality_can_pass_bound) {
        return Vec::new();
    }
    let (places, _) = staffing(model);
    places.into_iter().filter(|p| quality_can_pass_bound(&model.services[usize::from(p.service)])).collect()
}

/// Checks that no case manager of `places` draws, in replicate `replicate`
/// (`keyed` for it), a quality that raises a multiplier of its service above
/// [`MAX_MULTIPLIER`]: the very draws a run makes, the first named.
pub(super) fn check_case_managers(
    model: &Model,
    places: &[Place],
    keyed: &Keyed,
    replicate: u64,
) -> Result<(), CohortError> {
    for &place in places {
        let s = &model.services[usize::from(place.service)];
        let quality = service::quality(keyed, replicate, place.key(), s.quality_sd);
        let ln = service::largest_ln_multiplier(s, quality);
        if passes_bound(ln) {
            return Err(CohortError::CaseManagerEffect {
                service: s.name.clone(),
                site: model.sites[place.site as usize].clone(),
                case_manager: place.number,
                quality,
                ln,
            });
        }
    }
    Ok(())
}

/// Whether a multiplier of `ln` (or one that is not a number) is past
/// [`MAX_MULTIPLIER`].
fn passes_bound(ln: f64) -> bool {
    ln.is_nan() || ln > libm::log(MAX_MULTIPLIER)
}

/// Whether some quality draw of a case manager of `s` can raise its
/// largest multiplier past [`MAX_MULTIPLIER`]: whether the best quality a
/// run can draw does. Quality rises with its normal draw, which rises with
/// its uniform, and uniforms stay in [`UNIFORM_REACH`](crate::rng::UNIFORM_REACH).
fn quality_can_pass_bound(s: &ServiceModel) -> bool {
    let best = service::quality_at(s.quality_sd, largest_normal_draw());
    passes_bound(service::largest_ln_multiplier(s, best))
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
    let sites = model.sites.len() as u64;
    model
        .services
        .iter()
        .filter(|s| quality_can_pass_bound(s))
        .map(|s| {
            // `f · q · ln m` passes the limit above this quality; a service
            // that can pass it has an effect and a quality spread above 0.
            let quality = libm::log(MAX_MULTIPLIER) / service::largest_ln_multiplier(s, 1.0);
            let sd = s.quality_sd;
            debug_assert!(sd > 0.0 && quality.is_finite());
            let sds = (libm::log(quality) + sd * sd / 2.0) / sd;
            QualityRisk {
                service: s.name.clone(),
                quality,
                sds,
                per_draw: normal_cdf(-sds),
                case_managers: u64::from(s.case_managers_per_site) * sites,
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
