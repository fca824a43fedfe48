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
    let w = sd * keyed.normal(replicate, Purpose::CaseManagerQuality, cm, 0);
    libm::exp(w - sd * sd / 2.0)
}

/// The natural log of the largest multiplier `m^(g·f·q)` a case manager of
/// quality `q` can give, over every intensity `g` in [0, 1]: `f · q · ln m`
/// for the largest effect `m` (0 if no effect raises a rate).
pub fn largest_ln_multiplier(service: &ServiceModel, q: f64) -> f64 {
    let stage = service.ln_stage_effects.iter().flatten();
    let ln_max = stage.chain([&service.ln_job_loss_effect]).fold(0.0f64, |a, &b| a.max(b));
    if ln_max == 0.0 { 0.0 } else { service.fidelity * q * ln_max }
}

/// Number of multipliers per case manager: four stage transitions per stage, then job loss.
pub fn multiplier_count(stages: usize) -> usize {
    4 * stages + 1
}

/// Whether a service leaves every rate as it is, whatever its caseloads: all
/// its multipliers are exactly 1.
pub fn is_inert(service: &ServiceModel) -> bool {
    service.ln_job_loss_effect == 0.0 && service.ln_stage_effects.iter().all(|e| e.iter().all(|&x| x == 0.0))
}

/// Fills `out` with `m_j^(g(c)·f·q)` for every stage transition and job loss.
///
/// Layout: `out[4·s + j]` for stage `s` and transition `j` in (progress,
/// regress, job, other exit); `out[4·S]` for job loss.
pub fn multipliers(service: &ServiceModel, caseload: u32, q: f64, out: &mut [f64]) {
    let g = response(&service.intensity, contact_hours(service.hours, caseload));
    let e = g * service.fidelity * q;
    for (s, ln) in service.ln_stage_effects.iter().enumerate() {
        for j in 0..4 {
            out[4 * s + j] = if ln[j] == 0.0 { 1.0 } else { libm::exp(e * ln[j]) };
        }
    }
    out[4 * service.ln_stage_effects.len()] = libm::exp(e * service.ln_job_loss_effect);
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

    #[test]
    fn contact_hours_divide_by_caseload() {
        assert_eq!(contact_hours(30.0, 40), 0.75);
        assert_eq!(contact_hours(30.0, 41), 30.0 / 41.0);
        assert!(contact_hours(30.0, 0).is_infinite());
    }
}
