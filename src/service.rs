//! What a service does to the weekly rates of the clients it serves.
//!
//! A case manager's multiplier on transition `j` is
//! `M_j = m_j^(g(c) · f · q)`: `m_j` the effect at full intensity, `g(c)` the
//! response to contact hours per client per week, `f` the fidelity and `q` the
//! case manager's quality. No contact, no effect; a better case manager scales
//! the effect, not the baseline. Multipliers are computed once per case
//! manager and week, never per client.

use crate::rng::{Keyed, Purpose};
use crate::scenario::{IntensityCurve, ServiceModel};

/// `g(c)`: the share of the full effect delivered at `c` contact hours per client per week.
///
/// # Formula
/// Saturating `c / (c + half)`; exponential `1 − exp(−c / scale)`; piecewise
/// linear from the origin through the declared points, flat beyond the last.
/// At `c = ∞` (a case manager with no clients) the limit: 1, or the last point.
pub fn response(curve: &IntensityCurve, c: f64) -> f64 {
    match curve {
        IntensityCurve::Saturating { half } => {
            if c.is_infinite() {
                1.0
            } else {
                c / (c + half)
            }
        }
        IntensityCurve::Exponential { scale } => 1.0 - libm::exp(-c / scale),
        IntensityCurve::Piecewise(points) => {
            let (first, last) = (points[0], points[points.len() - 1]);
            if c <= first.0 {
                // From the origin to the first point: no contact, no effect.
                return if first.0 > 0.0 { first.1 * c / first.0 } else { first.1 };
            }
            if c >= last.0 {
                return last.1;
            }
            let k = points.partition_point(|p| p.0 <= c);
            let (a, b) = (points[k - 1], points[k]);
            a.1 + (b.1 - a.1) * (c - a.0) / (b.0 - a.0)
        }
    }
}

/// Contact hours per client per week for a case manager with `caseload` clients.
#[inline]
pub fn contact_hours(hours: f64, caseload: u32) -> f64 {
    if caseload == 0 { f64::INFINITY } else { hours / caseload as f64 }
}

/// Case-manager quality `q = exp(w − σ²/2)`, `w ~ Normal(0, σ²)`: mean 1.
///
/// Drawn per case manager (keyed by its place, `cm`: see
/// [`Place::key`](crate::engine::capacity::Place::key)) and replicate.
pub fn quality(keyed: &Keyed, replicate: u64, cm: u64, sd: f64) -> f64 {
    if sd == 0.0 {
        return 1.0;
    }
    quality_at(sd, keyed.normal(replicate, Purpose::CaseManagerQuality, cm, 0))
}

/// The quality of a case manager whose standard normal draw is `z`: it
/// rises with `z`, so the largest draw a run can make gives the best
/// quality any case manager can have.
pub fn quality_at(sd: f64, z: f64) -> f64 {
    libm::exp(sd * z - sd * sd / 2.0)
}

/// The natural log of the largest multiplier `m^(g·f·q)` a case manager of
/// quality `q` can give, over every intensity `g` in [0, 1]: `f · q · ln m`
/// for the largest effect `m` (0 if no effect raises a rate).
pub fn largest_ln_multiplier(service: &ServiceModel, q: f64) -> f64 {
    let stage = service.ln_stage_effects.iter().flatten();
    let ln_max = stage.chain([&service.ln_job_loss_effect]).fold(0.0f64, |a, &b| a.max(b));
    if ln_max == 0.0 { 0.0 } else { service.fidelity * q * ln_max }
}

/// Transitions out of a stage a service's effects multiply: progress,
/// regress, job and other exit.
pub const STAGE_MOVES: usize = 4;

/// Where stage `stage`'s multipliers start in a case manager's row (see
/// [`multipliers`]).
#[inline]
pub fn stage_offset(stage: usize) -> usize {
    STAGE_MOVES * stage
}

/// Where the job-loss multiplier lies in a case manager's row, after the
/// `stages` stages' (see [`multipliers`]).
#[inline]
pub fn job_loss_offset(stages: usize) -> usize {
    stage_offset(stages)
}

/// Number of multipliers per case manager: each stage's moves, then job loss.
pub fn multiplier_count(stages: usize) -> usize {
    job_loss_offset(stages) + 1
}

/// Whether a service leaves every rate as it is, whatever its caseloads: all
/// its multipliers are exactly 1.
pub fn is_inert(service: &ServiceModel) -> bool {
    service.ln_job_loss_effect == 0.0 && service.ln_stage_effects.iter().all(|e| e.iter().all(|&x| x == 0.0))
}

/// Fills `out` with `m_j^(g(c)·f·q)` for every stage transition and job loss.
///
/// Layout: `out[4·s + j]` ([`stage_offset`]) for stage `s` and transition
/// `j` in (progress, regress, job, other exit); `out[4·S]`
/// ([`job_loss_offset`]) for job loss.
pub fn multipliers(service: &ServiceModel, caseload: u32, q: f64, out: &mut [f64]) {
    let g = response(&service.intensity, contact_hours(service.hours, caseload));
    let e = g * service.fidelity * q;
    for (s, ln) in service.ln_stage_effects.iter().enumerate() {
        for (j, &ln) in ln.iter().enumerate() {
            out[stage_offset(s) + j] = if ln == 0.0 { 1.0 } else { libm::exp(e * ln) };
        }
    }
    out[job_loss_offset(service.ln_stage_effects.len())] = libm::exp(e * service.ln_job_loss_effect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_curves_match_their_formulas() {
        let s = IntensityCurve::Saturating { half: 0.5 };
        assert_eq!(response(&s, 0.5), 0.5);
        assert_eq!(response(&s, 1.5), 0.75);
        assert_eq!(response(&s, f64::INFINITY), 1.0);
        let e = IntensityCurve::Exponential { scale: 2.0 };
        assert!((response(&e, 2.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-15);
        let p = IntensityCurve::Piecewise(vec![(1.0, 0.5), (3.0, 0.9)]);
        assert_eq!(response(&p, 0.5), 0.25);
        assert_eq!(response(&p, 0.0), 0.0);
        assert!((response(&p, 2.0) - 0.7).abs() < 1e-15);
        assert_eq!(response(&p, 10.0), 0.9);
        assert_eq!(response(&p, f64::INFINITY), 0.9);
    }

    /// Below the first point the curve rises from the origin, so it divides by
    /// the first point's hours: at 2 h (not 1, where `x / 1 = x % 1 = x · 1`
    /// for `x < 1`) a wrong operator shows. Between points the slope is
    /// multiplied by `c − a.0 = 0.5` (not 1, where `· 1 = / 1`). A first point
    /// at 0 h (response 0, by validation) with 0 contact hours (a service of
    /// `hours_per_week: 0`) gives 0, not `0 · 0 / 0 = NaN`.
    #[test]
    fn piecewise_response_rises_from_the_origin_and_between_points() {
        let p = IntensityCurve::Piecewise(vec![(2.0, 0.5), (4.0, 0.9)]);
        // 0.5 · 1 / 2 = 0.25 exactly.
        assert_eq!(response(&p, 1.0), 0.25);
        // 0.5 + (0.9 − 0.5) · (2.5 − 2) / (4 − 2) = 0.6, to rounding.
        assert!((response(&p, 2.5) - 0.6).abs() < 1e-15, "{}", response(&p, 2.5));
        let from_zero = IntensityCurve::Piecewise(vec![(0.0, 0.0), (2.0, 0.5)]);
        assert_eq!(response(&from_zero, 0.0), 0.0);
        assert_eq!(response(&from_zero, contact_hours(0.0, 10)), 0.0);
        // 0.5 · 1 / 2 on the segment from (0, 0).
        assert_eq!(response(&from_zero, 1.0), 0.25);
    }

    /// A service of one stage with the given effects (as `ln m`) and fidelity.
    fn service(stage: [f64; 4], job_loss: f64, fidelity: f64) -> ServiceModel {
        ServiceModel {
            name: "svc".to_string(),
            case_managers_per_site: 1,
            cap: None,
            hours: 1.0,
            background: 0,
            initial_caseload: 0,
            initial_exit_rate: 0.0,
            intensity: IntensityCurve::Saturating { half: 1.0 },
            ln_stage_effects: vec![stage],
            ln_job_loss_effect: job_loss,
            fidelity,
            quality_sd: 0.0,
            navigators: None,
            disengage: 0.0,
            reengage: 0.0,
            support_weeks: None,
            support_end_rate: 0.0,
            max_weeks: None,
            disengaged_weeks: None,
        }
    }

    /// The bound checked against 1e100 is `f · q · ln m` for the largest
    /// effect that raises a rate (here job loss, m = 3; an effect below 1
    /// never counts): with f = 0.5 and q = 3 it is 1.5 · ln 3, which neither
    /// `f + q` nor `f / q` gives. No raising effect: 0 whatever f and q.
    #[test]
    fn largest_ln_multiplier_is_fidelity_times_quality_times_the_largest_effect() {
        let s = service([2f64.ln(), 0.5f64.ln(), 0.0, 0.0], 3f64.ln(), 0.5);
        let got = largest_ln_multiplier(&s, 3.0);
        assert!((got - 1.5 * 3f64.ln()).abs() < 1e-15, "{got}");
        let lowering = service([0.0, 0.5f64.ln(), 0.0, 0.0], 0.0, 0.5);
        assert_eq!(largest_ln_multiplier(&lowering, 3.0), 0.0);
    }

    /// Inert means every effect is exactly 1 (`ln m = 0`): the engine then
    /// never computes the service's multipliers, so a service whose only
    /// effect is on job loss, or with effects on every stage transition and
    /// none on job loss, must not be inert, or its effects are lost. (Calling
    /// a service without effects not inert changes no output, only speed.)
    #[test]
    fn only_a_service_without_effects_is_inert() {
        assert!(is_inert(&service([0.0; 4], 0.0, 1.0)));
        assert!(!is_inert(&service([0.0, 0.0, 1.5f64.ln(), 0.0], 0.0, 1.0)));
        assert!(!is_inert(&service([0.0; 4], 0.6f64.ln(), 1.0)));
        assert!(!is_inert(&service([1.5f64.ln(), 0.8f64.ln(), 2f64.ln(), 0.9f64.ln()], 0.0, 1.0)));
    }

    #[test]
    fn contact_hours_divide_by_caseload() {
        assert_eq!(contact_hours(30.0, 40), 0.75);
        assert_eq!(contact_hours(30.0, 41), 30.0 / 41.0);
        assert!(contact_hours(30.0, 0).is_infinite());
    }
}
