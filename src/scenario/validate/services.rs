//! The rules on services: staffing and caseloads, intensity, effects,
//! fidelity, quality, Navigators and exit rules.

use super::{
    Checker, IntensityCurve, MAX_CASE_MANAGERS_PER_SITE, MAX_CASELOAD, MAX_HOURS, MAX_QUALITY_SD, NavigatorModel, Num,
    ServiceModel, got, schema, shown_name, stage_ref, week0_clients_leave,
};

/// One multiplier per stage. `All(x)` is checked once, as written, not once
/// for each stage it applies to; entries of `PerStage` past the last stage
/// are not checked.
pub(super) fn per_stage(c: &mut Checker, path: &str, m: &schema::Multiplier, n: usize) -> Vec<f64> {
    let v = match m {
        schema::Multiplier::All(v) => {
            c.multiplier(path, *v);
            vec![*v; n]
        }
        schema::Multiplier::PerStage(v) => {
            if v.len() != n && !c.stages_unusable {
                c.fail(path, format!("needs one multiplier per stage ({n}) (got {})", v.len()));
            }
            let mut v = v.clone();
            v.resize(n, 1.0);
            for (i, &x) in v.iter().enumerate() {
                c.multiplier(&format!("{path}[{i}]"), x);
            }
            v
        }
    };
    v.iter().map(|&x| if x > 0.0 && x.is_finite() { libm::log(x) } else { 0.0 }).collect()
}

pub(super) fn intensity(c: &mut Checker, path: &str, i: &schema::Intensity) -> IntensityCurve {
    match i {
        schema::Intensity::Saturating { half } => {
            if c.finite(&format!("{path}.half"), *half) && *half <= 0.0 {
                c.fail(format!("{path}.half"), format!("must be positive hours per client per week {}", got(*half)));
            }
            IntensityCurve::Saturating { half: *half }
        }
        schema::Intensity::Exponential { scale } => {
            if c.finite(&format!("{path}.scale"), *scale) && *scale <= 0.0 {
                c.fail(format!("{path}.scale"), format!("must be positive hours per client per week {}", got(*scale)));
            }
            IntensityCurve::Exponential { scale: *scale }
        }
        schema::Intensity::Piecewise(points) => {
            if points.is_empty() {
                c.fail(path, "needs at least one (hours, response) point");
            }
            for (k, &(x, g)) in points.iter().enumerate() {
                let p = format!("{path}[{k}]");
                // Both halves of a point share its path, so a message names its half.
                for (half, v) in [("hours", x), ("response", g)] {
                    if !v.is_finite() {
                        c.fail(&p, format!("{half} must be a finite number {}", got(v)));
                    }
                }
                if x.is_finite() && x < 0.0 {
                    c.fail(&p, format!("hours must not be negative {}", got(x)));
                }
                if g.is_finite() && !(0.0..1.0).contains(&g) {
                    c.fail(&p, format!("response must be in [0, 1) {}", got(g)));
                } else if x == 0.0 && g != 0.0 && g.is_finite() {
                    c.fail(&p, format!("response at 0 hours must be 0: no contact, no effect {}", got(g)));
                }
                if k > 0 && x <= points[k - 1].0 {
                    c.fail(&p, format!("hours must increase from point to point {}", got(x)));
                }
            }
            IntensityCurve::Piecewise(points.clone())
        }
    }
}

pub(super) fn service(c: &mut Checker, name: &str, s: &schema::Service, stages: &[schema::Stage]) -> ServiceModel {
    let p = format!("services.{}", shown_name(name));
    let n = stages.len();
    staffing_rules(c, &p, s);
    c.rate(&format!("{p}.initial_exit_rate"), s.initial_exit_rate);
    let e = &s.effects;
    let prog = per_stage(c, &format!("{p}.effects.progress"), &e.progress, n);
    let reg = per_stage(c, &format!("{p}.effects.regress"), &e.regress, n);
    let job = per_stage(c, &format!("{p}.effects.job"), &e.job, n);
    let oth = per_stage(c, &format!("{p}.effects.other_exit"), &e.other_exit, n);
    c.multiplier(&format!("{p}.effects.job_loss"), e.job_loss);
    let fidelity = fidelity(c, &format!("{p}.fidelity"), &s.fidelity);
    quality_sd(c, &p, s.quality_sd);
    let navigators = s.navigators.as_ref().map(|nv| navigators(c, &format!("{p}.navigators"), nv, stages));
    c.rate(&format!("{p}.engagement.disengage"), s.engagement.disengage);
    c.rate(&format!("{p}.engagement.reengage"), s.engagement.reengage);
    let (support_weeks, support_end_rate) = exit_rules(c, &p, &s.exit);
    ServiceModel {
        name: name.to_string(),
        case_managers_per_site: s.case_managers_per_site,
        cap: s.caseload_cap,
        hours: s.hours_per_week,
        background: s.background_caseload,
        initial_caseload: s.initial_caseload,
        initial_exit_rate: s.initial_exit_rate,
        intensity: intensity(c, &format!("{p}.intensity"), &s.intensity),
        ln_stage_effects: (0..n).map(|i| [prog[i], reg[i], job[i], oth[i]]).collect(),
        ln_job_loss_effect: if e.job_loss > 0.0 && e.job_loss.is_finite() { libm::log(e.job_loss) } else { 0.0 },
        fidelity,
        quality_sd: s.quality_sd,
        navigators,
        disengage: s.engagement.disengage,
        reengage: s.engagement.reengage,
        support_weeks,
        support_end_rate,
        max_weeks: s.exit.max_weeks,
        disengaged_weeks: s.exit.disengaged_weeks,
    }
}

/// The rules on a service's case managers, caseloads and hours.
fn staffing_rules(c: &mut Checker, p: &str, s: &schema::Service) {
    if s.case_managers_per_site == 0 {
        c.fail(format!("{p}.case_managers_per_site"), "must be at least 1 (got 0)");
    }
    for (field, v, max) in [
        ("case_managers_per_site", s.case_managers_per_site, MAX_CASE_MANAGERS_PER_SITE),
        ("background_caseload", s.background_caseload, MAX_CASELOAD),
        ("initial_caseload", s.initial_caseload, MAX_CASELOAD),
        ("caseload_cap", s.caseload_cap.unwrap_or(0), MAX_CASELOAD),
    ] {
        if v > max {
            c.fail(format!("{p}.{field}"), format!("must be at most {max} (got {v})"));
        }
    }
    if let Some(cap) = s.caseload_cap {
        if cap == 0 {
            c.fail(format!("{p}.caseload_cap"), "must be at least 1 (got 0); leave it out for no cap");
        } else if s.background_caseload < cap
            && u64::from(s.background_caseload) + u64::from(s.initial_caseload) > u64::from(cap)
        {
            c.fail(
                format!("{p}.initial_caseload"),
                format!("puts case managers over their cap: background_caseload + initial_caseload must be at most caseload_cap ({cap}) (got {})", s.initial_caseload),
            );
        } else if u64::from(s.background_caseload) + u64::from(s.initial_caseload) >= u64::from(cap)
            && !week0_clients_leave(s.initial_exit_rate)
            && s.background_caseload < cap
        {
            c.fail(
                format!("{p}.initial_caseload"),
                format!("fills every slot for good: background_caseload + initial_caseload must be below caseload_cap ({cap}) unless initial_exit_rate lets week-0 clients leave (above about 5.6e-17 a week; got {} clients at rate {})", s.initial_caseload, Num(s.initial_exit_rate)),
            );
        } else if s.background_caseload >= cap {
            c.fail(
                format!("{p}.background_caseload"),
                format!(
                    "must be below caseload_cap ({cap}) so trial clients can be served (got {})",
                    s.background_caseload
                ),
            );
        }
    }
    if c.finite(&format!("{p}.hours_per_week"), s.hours_per_week) && !(0.0..=MAX_HOURS).contains(&s.hours_per_week) {
        c.fail(format!("{p}.hours_per_week"), format!("must be from 0 to {MAX_HOURS} {}", got(s.hours_per_week)));
    }
}

/// The fidelity `f` a service's `fidelity` field gives, after its rules.
fn fidelity(c: &mut Checker, fp: &str, fidelity: &schema::Fidelity) -> f64 {
    match *fidelity {
        schema::Fidelity::Full => 1.0,
        schema::Fidelity::Value(f) => {
            c.effect_share(fp, f);
            f
        }
        schema::Fidelity::Ips25 { score, zero_at, full_at } => {
            if c.finite(&format!("{fp}.score"), score) && !(25.0..=125.0).contains(&score) {
                c.fail(format!("{fp}.score"), format!("IPS-25 scores run from 25 to 125 {}", got(score)));
            }
            let mut both_finite = true;
            for (field, v) in [("zero_at", zero_at), ("full_at", full_at)] {
                if !c.finite(&format!("{fp}.{field}"), v) {
                    both_finite = false;
                } else if !(25.0..=125.0).contains(&v) {
                    c.fail(format!("{fp}.{field}"), format!("IPS-25 scores run from 25 to 125 {}", got(v)));
                }
            }
            if both_finite && zero_at >= full_at {
                c.fail(fp, format!("needs zero_at < full_at (got {} and {})", Num(zero_at), Num(full_at)));
            }
            ips25_fidelity(score, zero_at, full_at)
        }
    }
}

/// The rules on the spread of case-manager quality.
fn quality_sd(c: &mut Checker, p: &str, sd: f64) {
    c.non_negative(&format!("{p}.quality_sd"), sd);
    if sd > MAX_QUALITY_SD && sd.is_finite() {
        c.fail(
            format!("{p}.quality_sd"),
            format!(
                "must be at most {MAX_QUALITY_SD} {}: beyond it, almost every case manager's quality is 0",
                got(sd)
            ),
        );
    }
}

/// A service's Navigators, after their rules.
fn navigators(c: &mut Checker, np: &str, nv: &schema::Navigators, stages: &[schema::Stage]) -> NavigatorModel {
    let max_stage = stage_ref(c, &format!("{np}.max_stage"), &nv.max_stage, stages);
    if nv.clients_per_navigator == 0 {
        c.fail(format!("{np}.clients_per_navigator"), "must be at least 1 (got 0)");
    }
    c.multiplier(&format!("{np}.progress"), nv.progress);
    c.multiplier(&format!("{np}.disengage"), nv.disengage);
    NavigatorModel {
        capacity_per_site: nv.per_site.saturating_mul(nv.clients_per_navigator),
        max_stage,
        progress: nv.progress,
        disengage: nv.disengage,
    }
}

/// The rules on leaving a service; returns in-work support's weeks (if
/// limited) and end rate (if not).
fn exit_rules(c: &mut Checker, p: &str, exit: &schema::ServiceExit) -> (Option<u32>, f64) {
    let support = match exit.in_work_support {
        schema::InWorkSupport::Weeks(w) => (Some(w), 0.0),
        schema::InWorkSupport::Unlimited { end_rate } => {
            c.rate(&format!("{p}.exit.in_work_support.end_rate"), end_rate);
            (None, end_rate)
        }
    };
    if exit.max_weeks == Some(0) {
        c.fail(format!("{p}.exit.max_weeks"), "must be at least 1 (got 0); leave it out for no limit");
    }
    if exit.disengaged_weeks == Some(0) {
        c.fail(format!("{p}.exit.disengaged_weeks"), "must be at least 1 (got 0); leave it out for no limit");
    }
    support
}

/// Fidelity from an IPS-25 score: 0 at or below `zero_at`, 1 at or above
/// `full_at`, linear between.
pub fn ips25_fidelity(score: f64, zero_at: f64, full_at: f64) -> f64 {
    ((score - zero_at) / (full_at - zero_at)).clamp(0.0, 1.0)
}
