//! The rules on the population: covariate distributions, eligibility and
//! the share of candidates it admits, and the bound on the rate multipliers
//! participants can draw.

use super::{
    BENEFIT_TYPE_NAMES, Checker, CovariateEffects, CovariateReference, Dist, EligibilityModel, HEALTH_NAMES,
    MAX_MULTIPLIER, MAX_TERM, MIN_ADMITTED, NORMAL_REACH, Num, PopulationModel, TruncatedNormal, attempts_for,
    benefit_type_index, eligibility_share, got, health_index, schema, transition,
};
use crate::scenario::multiplier_bounds as bounds;

/// A covariate distribution, and the smallest and largest values it can
/// draw when it breaks no rule. Its draws must be finite numbers: parameters
/// that are each finite can still overflow (`Uniform(min: -1e308, max:
/// 1e308)` spans more than a number can hold), and a draw that is not a
/// number would turn every rate it reaches into one.
pub(super) fn dist(c: &mut Checker, path: &str, d: &schema::Distribution) -> (Dist, Option<(f64, f64)>) {
    let before = c.problems.len();
    let model = dist_parameters(c, path, d);
    if c.problems.len() > before {
        return (model, None);
    }
    let (lo, hi) = model.reach();
    if lo.is_finite() && hi.is_finite() {
        return (model, Some((lo, hi)));
    }
    let reached = format!("got draws from {} to {}", Num(lo), Num(hi));
    let message = match *d {
        schema::Distribution::Uniform { min, max } => {
            format!("needs max − min to be a finite number (got min {}, max {})", Num(min), Num(max))
        }
        schema::Distribution::LogNormal { .. } => format!(
            "must draw finite numbers ({reached}): the log of a draw can fall {NORMAL_REACH} sigmas from ln median \
             unless min or max stops it"
        ),
        _ => format!(
            "must draw finite numbers ({reached}): a draw can fall {NORMAL_REACH} SDs from the mean unless min or max \
             stops it"
        ),
    };
    c.fail(path, message);
    (model, None)
}

/// The rules on each distribution's own parameters.
pub(super) fn dist_parameters(c: &mut Checker, path: &str, d: &schema::Distribution) -> Dist {
    use schema::Distribution as D;
    let bounds = |c: &mut Checker, min: Option<f64>, max: Option<f64>| {
        for (field, v) in [("min", min), ("max", max)] {
            if v.is_some_and(f64::is_nan) {
                c.fail(format!("{path}.{field}"), "must be a number (got NaN); leave it out for no bound");
            }
        }
        let (lo, hi) = (min.unwrap_or(f64::NEG_INFINITY), max.unwrap_or(f64::INFINITY));
        if lo >= hi {
            c.fail(path, format!("needs min < max (got min {}, max {})", Num(lo), Num(hi)));
        }
        (lo, hi)
    };
    match *d {
        D::Fixed(v) => {
            c.finite(path, v);
            Dist::Fixed(v)
        }
        D::Uniform { min, max } => {
            if c.finite(&format!("{path}.min"), min) & c.finite(&format!("{path}.max"), max) && min > max {
                c.fail(path, format!("needs min ≤ max (got min {}, max {})", Num(min), Num(max)));
            }
            Dist::Uniform(min, max)
        }
        D::Normal { mean, sd, min, max } => {
            c.finite(&format!("{path}.mean"), mean);
            if c.finite(&format!("{path}.sd"), sd) && sd <= 0.0 {
                c.fail(format!("{path}.sd"), format!("must be positive {}", got(sd)));
            }
            let (min, max) = bounds(c, min, max);
            Dist::normal(mean, sd, min, max)
        }
        D::LogNormal { median, sigma, min, max } => {
            if c.finite(&format!("{path}.median"), median) && median <= 0.0 {
                c.fail(format!("{path}.median"), format!("must be positive {}", got(median)));
            }
            if c.finite(&format!("{path}.sigma"), sigma) && sigma <= 0.0 {
                c.fail(format!("{path}.sigma"), format!("must be positive {}", got(sigma)));
            }
            // A bound at or below 0 is no bound for a log-normal: a `min`
            // there truncates nothing, and a `max` there leaves no values.
            let (min, max) = match max {
                Some(m) if m <= 0.0 => {
                    c.fail(format!("{path}.max"), format!("must be positive for a log-normal {}", got(m)));
                    (0.0, f64::INFINITY)
                }
                _ => bounds(c, min, max),
            };
            let mu = libm::log(median.max(f64::MIN_POSITIVE));
            let lo = if min > 0.0 { (libm::log(min) - mu) / sigma } else { f64::NEG_INFINITY };
            let hi = if max.is_finite() { (libm::log(max) - mu) / sigma } else { f64::INFINITY };
            Dist::LogNormal { mu, sigma, z: TruncatedNormal::new(lo, hi), range: (min, max) }
        }
    }
}

/// The starting stages' weights, normalised: one per stage; those past the
/// last stage are not checked one by one.
fn starting_stage(c: &mut Checker, weights: &[f64], n_stages: usize) -> Vec<f64> {
    if weights.len() != n_stages && !c.stages_unusable {
        c.fail("population.starting_stage", format!("needs one weight per stage ({n_stages}) (got {})", weights.len()));
    }
    let checked = &weights[..weights.len().min(n_stages)];
    let names: Vec<String> = (0..checked.len()).map(|i| format!("[{i}]")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if c.stages_unusable { Vec::new() } else { c.weights("population.starting_stage", &names, checked) }
}

/// The covariate values at which the baseline rates apply, after their rules.
fn reference(c: &mut Checker, r: &schema::Reference) -> CovariateReference {
    for (field, v) in [
        ("age", r.age),
        ("age_first_benefit", r.age_first_benefit),
        ("weeks_on_benefit", r.weeks_on_benefit),
        ("prior_spells", r.prior_spells),
    ] {
        c.finite(&format!("population.reference.{field}"), v);
    }
    // -inf is already reported as not finite.
    if r.weeks_on_benefit < 0.0 && r.weeks_on_benefit.is_finite() {
        c.fail("population.reference.weeks_on_benefit", format!("must not be negative {}", got(r.weeks_on_benefit)));
    }
    CovariateReference {
        age: r.age,
        age_first_benefit: r.age_first_benefit,
        weeks_on_benefit: r.weeks_on_benefit,
        prior_spells: r.prior_spells,
    }
}

/// The benefit types and health conditions the eligibility rules admit: all,
/// or those listed.
fn admitted_categories(e: &schema::Eligibility) -> ([bool; 3], [bool; 5]) {
    let mut benefit_types = [true; 3];
    if let Some(list) = &e.benefit_types {
        benefit_types = [false; 3];
        for &t in list {
            benefit_types[benefit_type_index(t)] = true;
        }
    }
    let mut health = [true; 5];
    if let Some(list) = &e.health {
        health = [false; 5];
        for &t in list {
            health[health_index(t)] = true;
        }
    }
    (benefit_types, health)
}

/// The population after its rules: readiness, category weights, starting
/// stages, reference values, eligibility and the covariate distributions,
/// then the share of candidates the rules admit, once the fields it reads
/// have passed.
pub(super) fn population(c: &mut Checker, p: &schema::Population, n_stages: usize) -> PopulationModel {
    let before = c.problems.len();
    let sd = p.readiness_sd;
    c.non_negative("population.readiness_sd", sd);
    if sd.is_finite() && (sd * NORMAL_REACH).is_infinite() {
        // A readiness that is not a number would be written as missing.
        c.fail(
            "population.readiness_sd",
            format!("must draw finite numbers: a draw can fall {NORMAL_REACH} SDs from 0 {}", got(sd)),
        );
    }
    let b = &p.benefit_type;
    let benefit_type =
        c.weights("population.benefit_type", &BENEFIT_TYPE_NAMES, &[b.work_ready, b.health_disability, b.other]);
    let h = &p.health;
    let health = c.weights(
        "population.health",
        &HEALTH_NAMES,
        &[h.no_condition, h.common_mental, h.severe_mental, h.physical, h.substance_use],
    );
    let starting_stage = starting_stage(c, &p.starting_stage, n_stages);
    let reference = reference(c, &p.reference);
    let e = &p.eligibility;
    let (benefit_types, allowed_health) = admitted_categories(e);
    eligibility_rules(c, e, &benefit_type, &health, benefit_types, allowed_health);
    let (age, age_reach) = dist(c, "population.age", &p.age);
    let (age_first_benefit, first_reach) = dist(c, "population.age_first_benefit", &p.age_first_benefit);
    if let (Some(age_reach), Some(first_reach)) = (age_reach, first_reach) {
        no_candidate(c, p, age_reach, first_reach);
    }
    let (weeks_on_benefit, _) = dist(c, "population.weeks_on_benefit", &p.weeks_on_benefit);
    let (prior_spells, _) = dist(c, "population.prior_spells", &p.prior_spells);
    let mut model = PopulationModel {
        readiness_sd: sd,
        age,
        age_first_benefit,
        benefit_type: benefit_type.try_into().unwrap_or([0.0; 3]),
        health: health.try_into().unwrap_or([0.0; 5]),
        weeks_on_benefit,
        prior_spells,
        starting_stage,
        reference,
        eligibility: EligibilityModel {
            min_age: e.min_age.unwrap_or(f64::NEG_INFINITY),
            max_age: e.max_age.unwrap_or(f64::INFINITY),
            max_age_first_benefit: e.max_age_first_benefit.unwrap_or(f64::INFINITY),
            benefit_types,
            health: allowed_health,
        },
        admitted: 1.0,
        max_attempts: attempts_for(1.0),
    };
    // The share is only meaningful for the distributions, weights and rules
    // it reads having passed (and no rule already found that nobody passes).
    let reads =
        ["age", "age_first_benefit", "benefit_type", "health", "eligibility"].map(|f| format!("population.{f}"));
    if !c.problems[before..].iter().any(|p| reads.iter().any(|r| p.is_within(r))) {
        admission(c, &mut model);
    }
    model
}

/// Participants' rate multipliers past [`MAX_MULTIPLIER`] that some draw of
/// a run could make, reported with the largest value, so that no run meets
/// one part way (see [`mod@crate::scenario::multiplier_bounds`]).
pub(super) fn multiplier_bounds(
    c: &mut Checker,
    transitions: &[CovariateEffects; transition::COUNT],
    pop: &PopulationModel,
) {
    let limit = bounds::largest_exponent_allowed();
    for (effects, name) in transitions.iter().zip(transition::NAMES) {
        let terms = bounds::exponent_terms(effects, pop);
        let too_large = |t: &&bounds::Term| !(t.smallest.abs() <= MAX_TERM && t.largest.abs() <= MAX_TERM);
        // Every such term is reported, each at its own field.
        let mut any = false;
        for t in terms.iter().filter(too_large) {
            any = true;
            c.fail(
                format!("transitions.{name}.{}", t.field()),
                format!(
                    "makes a term, {}, that runs from {} to {} over the covariates the population can draw; each \
                     term must stay within ±{MAX_TERM:e} (e^−1e6 is already 0, and e^1e6 past any rate), so that \
                     no term swallows another when they are added",
                    t.name,
                    short(t.smallest),
                    short(t.largest)
                ),
            );
        }
        if any {
            continue;
        }
        let exponent: f64 = terms.iter().map(|t| t.largest).sum();
        if exponent > limit {
            let shown: Vec<String> =
                terms.iter().filter(|t| t.largest != 0.0).map(|t| format!("{} {}", t.name, short(t.largest))).collect();
            c.fail(
                format!("transitions.{name}"),
                format!(
                    "lets a participant's rate multiplier exp(β·x + ℓ·u) reach e^{}, where at most e^230.26 \
                     ({MAX_MULTIPLIER:e}) is allowed, for covariates the population can draw (its terms at their \
                     largest: {}); lower the coefficients or the loading, or narrow the distributions (min and max)",
                    short(exponent),
                    shown.join(", ")
                ),
            );
        }
    }
}

/// A value to one decimal, or to two with an exponent from a million up or
/// below 0.1 (where one decimal would show 0.0).
fn short(v: f64) -> String {
    if v == 0.0 || (0.1..1e6).contains(&v.abs()) { format!("{v:.1}") } else { format!("{v:.2e}") }
}

/// Rules that admit fewer than [`MIN_ADMITTED`] of the candidates would make
/// generating participants crawl, or fail in some later replicate: they are
/// reported here, with the share they admit.
fn admission(c: &mut Checker, pop: &mut PopulationModel) {
    let admitted = eligibility_share::admitted(pop);
    let share = admitted.share();
    // A share that is not a number is refused too.
    if share.is_nan() || share < MIN_ADMITTED {
        c.fail(
            "population.eligibility",
            format!(
                "admits {} of those the population draws (with the rule that age at first benefit is at most \
                 age); at least 1 in {:.0} must pass: widen the rules or move the distributions towards them",
                one_candidate_in(&admitted),
                1.0 / MIN_ADMITTED
            ),
        );
    }
    pop.admitted = share;
    // The floor only keeps a refused model's attempts finite; it never runs.
    pop.max_attempts = attempts_for(admitted.low.max(0.5 * MIN_ADMITTED));
}

/// A share of candidates below [`MIN_ADMITTED`] in words: "about 1 candidate
/// in N" to three digits (more where three would round it to the limit),
/// "at most 1 candidate in N" where the bounds are too far apart for that
/// (N rounded down, so it stays a bound), or "no candidate".
fn one_candidate_in(admitted: &eligibility_share::Admitted) -> String {
    if admitted.high <= 0.0 {
        return "no candidate".into();
    }
    // A share below 1/f64::MAX (a category weight of 1e-310) is shown as that.
    let one_in = |share: f64| (1.0 / share).min(f64::MAX);
    if !admitted.is_precise() {
        return format!("at most 1 candidate in {}", shown(three_digits(one_in(admitted.high), f64::floor)));
    }
    let n = one_in(admitted.share());
    let rounded = three_digits(n, f64::round);
    if rounded <= 1.0 / MIN_ADMITTED {
        format!("about 1 candidate in {n:.1}")
    } else {
        format!("about 1 candidate in {}", shown(rounded))
    }
}

/// A whole number of three significant digits, with an exponent from a million up.
fn shown(n: f64) -> String {
    if n < 1e6 { format!("{n}") } else { format!("{n:.2e}") }
}

/// `x` (at least 100) rounded to three significant digits by `round`.
fn three_digits(x: f64, round: fn(f64) -> f64) -> f64 {
    let unit = 10f64.powi(x.log10().floor() as i32 - 2);
    // Rounding the largest doubles up would pass f64::MAX.
    (round(x / unit) * unit).min(f64::MAX)
}

/// Age rules that no candidate can pass, whatever is drawn, named rule by
/// rule. `age` and `first` are the smallest and largest draws of age and age
/// at first benefit. Only certain cases are found here; rules that admit few
/// candidates are left to [`admission`], which gives the share.
fn no_candidate(c: &mut Checker, p: &schema::Population, age: (f64, f64), first: (f64, f64)) {
    let (age_is, first_is) = (written(&p.age), written(&p.age_first_benefit));
    let first_above_age = surely_above(first.0, age.1);
    if first_above_age {
        c.fail(
            "population.age_first_benefit",
            format!(
                "must allow values at or below population.age, as a candidate's age at first benefit is at most their \
                 age (got {first_is}, never below {}, and population.age {age_is}, never above {})",
                Num(first.0),
                Num(age.1)
            ),
        );
    }
    let e = &p.eligibility;
    let q = "population.eligibility";
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    // min_age above max_age is a problem of its own, reported with the bounds.
    let ordered = !matches!((e.min_age, e.max_age), (Some(lo), Some(hi)) if lo > hi);
    if let Some(min) = finite(e.min_age).filter(|_| ordered)
        && surely_above(min, age.1)
    {
        c.fail(
            format!("{q}.min_age"),
            format!(
                "admits no age population.age can draw (got {}; {age_is} never draws above {})",
                Num(min),
                Num(age.1)
            ),
        );
    }
    if let Some(max) = finite(e.max_age).filter(|_| ordered) {
        if surely_above(age.0, max) {
            c.fail(
                format!("{q}.max_age"),
                format!(
                    "admits no age population.age can draw (got {}; {age_is} never draws below {})",
                    Num(max),
                    Num(age.0)
                ),
            );
        } else if surely_above(first.0, max) && !first_above_age {
            c.fail(
                format!("{q}.max_age"),
                format!(
                    "admits only ages below every age at first benefit population.age_first_benefit can draw, and a \
                     candidate's age at first benefit is at most their age (got {}; {first_is} never draws below {})",
                    Num(max),
                    Num(first.0)
                ),
            );
        }
    }
    if let Some(max) = finite(e.max_age_first_benefit)
        && surely_above(first.0, max)
    {
        c.fail(
            format!("{q}.max_age_first_benefit"),
            format!(
                "admits no age at first benefit population.age_first_benefit can draw (got {}; {first_is} never \
                     draws below {})",
                Num(max),
                Num(first.0)
            ),
        );
    }
}

/// Whether `a` is above `b` by more than rounding: draws computed in floating
/// point may pass their distribution's bounds by a few units in the last place.
pub(super) fn surely_above(a: f64, b: f64) -> bool {
    a - b > 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// A distribution as written in the file, for messages.
pub(super) fn written(d: &schema::Distribution) -> String {
    use schema::Distribution as D;
    let bounds = |min: Option<f64>, max: Option<f64>| {
        let min = min.map(|v| format!(", min: {}", Num(v))).unwrap_or_default();
        let max = max.map(|v| format!(", max: {}", Num(v))).unwrap_or_default();
        min + &max
    };
    match *d {
        D::Fixed(v) => format!("Fixed({})", Num(v)),
        D::Uniform { min, max } => format!("Uniform(min: {}, max: {})", Num(min), Num(max)),
        D::Normal { mean, sd, min, max } => format!("Normal(mean: {}, sd: {}{})", Num(mean), Num(sd), bounds(min, max)),
        D::LogNormal { median, sigma, min, max } => {
            format!("LogNormal(median: {}, sigma: {}{})", Num(median), Num(sigma), bounds(min, max))
        }
    }
}

fn eligibility_rules(
    c: &mut Checker,
    e: &schema::Eligibility,
    benefit_weights: &[f64],
    health_weights: &[f64],
    benefit_types: [bool; 3],
    health: [bool; 5],
) {
    let p = "population.eligibility";
    for (field, v) in
        [("min_age", e.min_age), ("max_age", e.max_age), ("max_age_first_benefit", e.max_age_first_benefit)]
    {
        if let Some(v) = v {
            c.finite(&format!("{p}.{field}"), v);
        }
    }
    if let (Some(lo), Some(hi)) = (e.min_age, e.max_age)
        && lo > hi
    {
        c.fail(format!("{p}.max_age"), format!("must be at least min_age ({}) {}", Num(lo), got(hi)));
    }
    // Weights with a problem come back as zeros, and that problem is reported already.
    let admits = |weights: &[f64], allowed: &[bool]| {
        weights.iter().all(|&w| w == 0.0) || weights.iter().zip(allowed).any(|(&w, &ok)| ok && w > 0.0)
    };
    if !admits(benefit_weights, &benefit_types) {
        c.fail(
            format!("{p}.benefit_types"),
            "admits no benefit type that population.benefit_type gives a positive weight",
        );
    }
    if !admits(health_weights, &health) {
        c.fail(format!("{p}.health"), "admits no health condition that population.health gives a positive weight");
    }
}
