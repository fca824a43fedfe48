//! What `rctsim validate` tells of a valid scenario beyond its rules: the
//! checks a run makes before it simulates anything, made without running,
//! for the scenario's own seed and replicates.

use super::quality_bound::places_at_risk;
use super::{RunError, RunOptions, chance_a_run_stops, check_memory, check_scenario_case_managers, quality_risks};
use crate::scenario::{MAX_MULTIPLIER, Model, shown_name};

/// A case manager whose quality draw, at the scenario's seed, raises an
/// effect past the bound: a run of the scenario would stop before simulating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[error("drawing the case managers of {} at the scenario's seed: {cause}", replicates_in_words(*.replicates))]
pub struct PreflightError {
    /// The scenario's replicates, whose case managers were drawn.
    pub replicates: u32,
    /// The first replicate's error.
    pub cause: RunError,
}

/// The chance, for a run of the scenario's replicates at another seed, from
/// which a warning says that a case manager's quality draw could stop it:
/// one run in a million.
pub const QUALITY_WARNING: f64 = 1e-6;

/// The most case-manager quality draws [`preflight`] makes: about ten
/// seconds on two cores (a draw takes about a tenth of a microsecond). A
/// small file can ask for far more (a million replicates of 100,000 case
/// managers whose quality could pass the bound: hours); a run draws them all
/// the same before simulating, at a cost far below the simulation's.
pub const MAX_PREFLIGHT_DRAWS: u64 = 100_000_000;

/// Checks what a run of `model` checks before simulating, at the scenario's
/// seed and replicates: every replicate's case managers are drawn, as a run
/// draws them; and returns warnings of what could stop another run: a
/// quality spread that a run at another seed would meet past the bound with
/// a chance of at least [`QUALITY_WARNING`], and a run this machine could
/// not hold on every core. If it could not hold even the replicates'
/// estimates, no case manager is drawn, as a run would stop before drawing
/// them (drawing them could take from minutes to an hour); nor are they when there are more
/// than [`MAX_PREFLIGHT_DRAWS`] draws, and a warning says so.
///
/// # Errors
/// [`PreflightError`] for the first replicate with a case manager whose
/// quality stops the run.
pub fn preflight(model: &Model) -> Result<Vec<String>, PreflightError> {
    let one_thread = RunOptions { threads: Some(1), ..Default::default() };
    let too_many = matches!(check_memory(model, &one_thread), Err(RunError::ResultsMemory { .. }));
    let draws = places_at_risk(model).len() as u64 * u64::from(model.replicates);
    let too_long = draws > MAX_PREFLIGHT_DRAWS;
    if !too_many && !too_long {
        check_scenario_case_managers(model).map_err(|cause| PreflightError { replicates: model.replicates, cause })?;
    }
    let mut warnings: Vec<String> = quality_warning(model).into_iter().collect();
    if too_long && !too_many {
        warnings.push(format!(
            "its case managers' quality draws at its seed were not checked: {draws} draws ({} × {} case managers \
             whose quality could pass the bound) are more than the {MAX_PREFLIGHT_DRAWS} checked without running; a \
             run makes them before simulating and stops at the first past the bound",
            replicates_in_words(model.replicates),
            draws / u64::from(model.replicates)
        ));
    }
    // Not a problem of the scenario, but of this machine.
    if let Err(e) = check_memory(model, &RunOptions::default()) {
        let unchecked = if too_many && !quality_risks(model).is_empty() {
            " (so its case managers' quality draws, which a run checks after this, were not checked)"
        } else {
            ""
        };
        warnings.push(format!(
            "run with its {} replicates on every core, it would stop at once: {e}{unchecked}",
            model.replicates
        ));
    }
    Ok(warnings)
}

/// "1 replicate", "20 replicates".
fn replicates_in_words(n: u32) -> String {
    if n == 1 { "1 replicate".into() } else { format!("{n} replicates") }
}

/// How likely a run at another seed than the scenario's, whose draws are
/// checked, is to stop on a case manager's quality: the services at risk,
/// the quality past which a case manager stops a run, and the chance for a
/// run of the scenario's replicates, if at least [`QUALITY_WARNING`].
fn quality_warning(model: &Model) -> Option<String> {
    let risks = quality_risks(model);
    let chance = chance_a_run_stops(&risks, model.replicates);
    if chance < QUALITY_WARNING {
        return None;
    }
    let services: Vec<String> = risks
        .iter()
        .map(|r| {
            let one_in = 1.0 / r.per_draw;
            let one_in = if one_in < 1e6 { format!("{one_in:.0}") } else { format!("{one_in:.2e}") };
            format!(
                "services.{} above {:.1} ({:.2} SDs up, 1 case manager in {one_in})",
                shown_name(&r.service),
                r.quality,
                r.sds
            )
        })
        .collect();
    let chance = if chance >= 0.01 { format!("{chance:.2}") } else { format!("{chance:.1e}") };
    Some(format!(
        "a case manager's quality can raise an effect multiplier past {MAX_MULTIPLIER:e}, which stops a run: {}; \
         at another seed, a run of {} would meet one with chance {chance}; lower quality_sd or the effects",
        services.join(", "),
        replicates_in_words(model.replicates)
    ))
}
