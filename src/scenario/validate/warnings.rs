//! Settings a valid scenario declares but that cannot take effect: warnings,
//! not errors.

use super::{BENEFIT_TYPE_NAMES, Model, Num, Scenario, quoted, schema, shown_name};

/// A benefit type participants are drawn with (a weight above 0 that the
/// eligibility rules admit) whose weekly rate is 0, the default, while
/// another type's is not: most likely left out of `benefit_rates`, and
/// those participants' `benefit_paid` is 0 at every horizon.
pub(super) fn unpaid_benefit_types(model: &Model) -> Vec<String> {
    if model.benefit_rates.iter().all(|&r| r == 0.0) {
        return Vec::new(); // nobody is paid: benefit_paid is not in use
    }
    let drawn = |b: usize| model.population.benefit_type[b] > 0.0 && model.population.eligibility.benefit_types[b];
    (0..BENEFIT_TYPE_NAMES.len())
        .filter(|&b| drawn(b) && model.benefit_rates[b] == 0.0)
        .map(|b| {
            format!(
                "benefit_rates.{name}: 0 (the default), though population.benefit_type draws {name} for a share \
                 {} of candidates and eligibility admits them: their benefit_paid is 0; give its weekly rate if \
                 they are paid",
                Num(model.population.benefit_type[b]),
                name = BENEFIT_TYPE_NAMES[b]
            )
        })
        .collect()
}

/// Settings a valid scenario declares but that cannot take effect, one
/// message per service: those that apply only to clients holding a slot
/// (`caseload_cap`, `effects.job_loss`, `navigators`, `engagement`, `exit`)
/// on a service that no arm offers (it is only a fallback, or unused), every
/// setting of a service no arm uses, a job-loss effect on a service whose
/// clients leave it in the week they start a job, Navigators numbering 0, and
/// site weights under `PerSite` enrolment; and a benefit rate that looks left
/// out (see `unpaid_benefit_types`). Not errors: the
/// scenario runs as documented, but the settings say something the run does
/// not do.
pub fn unused_settings(s: &Scenario, model: &Model) -> Vec<String> {
    let mut warnings = Vec::new();
    for (index, (name, svc)) in s.services.iter().enumerate() {
        if model.offers(index) {
            warnings.extend(offered_but_unused(name, svc));
        } else if !model.is_fallback(index) {
            warnings.push(format!(
                "services.{}: no arm uses this service, so none of its settings takes effect",
                shown_name(name)
            ));
        } else {
            warnings.extend(set_on_a_fallback(model, index, name, svc));
        }
    }
    warnings.extend(unpaid_benefit_types(model));
    if matches!(s.enrolment, schema::Enrolment::PerSite { .. }) && s.sites.iter().any(|site| site.weight != 1.0) {
        warnings.push(
            "sites: weight takes no effect: PerSite enrolment sets each site's arrivals in enrolment.weekly, \
             and site weights apply only under Total enrolment"
                .to_string(),
        );
    }
    warnings
}

/// Settings of a service some arm offers that cannot take effect: a job-loss
/// effect while clients leave in the week of their job, and no Navigators.
fn offered_but_unused(name: &str, svc: &schema::Service) -> Vec<String> {
    let mut warnings = Vec::new();
    // The effect applies while a client holding a slot begins a week
    // Employed, which `Weeks(0)` never lets happen.
    if svc.effects.job_loss != 1.0 && matches!(svc.exit.in_work_support, schema::InWorkSupport::Weeks(0)) {
        warnings.push(format!(
            "services.{}: effects.job_loss takes no effect: exit.in_work_support is Weeks(0) (the \
             default), so clients leave the service in the week they start a job, before any week of \
             in-work support; give in_work_support weeks, or Unlimited, for the effect to apply",
            shown_name(name)
        ));
    }
    if svc.navigators.as_ref().is_some_and(|n| n.per_site == 0) {
        warnings.push(format!(
            "services.{}: navigators take no effect: navigators.per_site is 0, so no client is ever \
             assigned one",
            shown_name(name)
        ));
    }
    warnings
}

/// The settings of service `index`, only a fallback, that apply only to
/// clients holding a slot, if any are set: one message naming them all.
fn set_on_a_fallback(model: &Model, index: usize, name: &str, svc: &schema::Service) -> Option<String> {
    let exit = &svc.exit;
    let set: Vec<&str> = [
        ("caseload_cap", svc.caseload_cap.is_some()),
        ("effects.job_loss", svc.effects.job_loss != 1.0),
        ("navigators", svc.navigators.is_some()),
        ("engagement", svc.engagement.disengage != 0.0 || svc.engagement.reengage != 0.0),
        (
            "exit",
            exit.max_weeks.is_some()
                || exit.disengaged_weeks.is_some()
                || !matches!(exit.in_work_support, schema::InWorkSupport::Weeks(0)),
        ),
    ]
    .into_iter()
    .filter_map(|(field, is_set)| is_set.then_some(field))
    .collect();
    if set.is_empty() {
        return None;
    }
    // An arm naming the service as its fallback too (the control does by
    // default) is served by it as a fallback, without slots: said so, as the
    // file names it as the arm's service.
    let own_fallback: Vec<String> =
        model.arms.iter().filter(|arm| arm.service == index).map(|arm| quoted(&arm.name)).collect();
    let why = match own_fallback.as_slice() {
        [] => "it is only a fallback".to_string(),
        [arm] if model.arms[model.control].service == index => format!(
            "the control arm {arm} has it as its fallback too, so it serves that arm's participants as a fallback \
             does, without slots"
        ),
        [arm] => format!(
            "arm {arm} names it as its fallback too, so it serves that arm's participants as a fallback does, \
             without slots"
        ),
        arms => format!(
            "arms {} have it as their fallback too, so it serves their participants as a fallback does, without \
             slots",
            arms.join(", ")
        ),
    };
    Some(format!(
        "services.{}: {} take{} no effect: no arm offers {} with slots ({why}), and {} to \
         clients holding a slot",
        shown_name(name),
        set.join(", "),
        if set.len() == 1 { "s" } else { "" },
        quoted(name),
        if set.len() == 1 { "it applies only" } else { "they apply only" },
    ))
}
