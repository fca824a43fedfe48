//! Rules a parsed scenario must satisfy, and its conversion to a [`Model`].
//!
//! Validation collects every problem rather than stopping at the first, so a
//! user fixes a file in one pass. Each problem names the field path, the rule
//! and the value. The two rules that read many fields (the eligibility share,
//! the bound on rate multipliers) wait only for those fields to pass.
//!
//! This file holds the checker, the order of the checks and the smaller
//! sections; the limits, the population's rules, the services' rules and the
//! warnings have files of their own.

use super::eligibility_share::{self, attempts_for};
use super::model::{
    ArmModel, BENEFIT_TYPE_NAMES, CovariateEffects, CovariateReference, Dist, EligibilityModel, EnrolmentModel,
    HEALTH_NAMES, IntensityCurve, MAX_MULTIPLIER, MIN_ADMITTED, Model, NavigatorModel, Piecewise, PopulationModel,
    ServiceModel, benefit_type_index, health_index, transition, week0_clients_leave,
};
use super::multiplier_bounds::MAX_TERM;
use super::schema::{self, Scenario};
pub use super::text::shown_name;
use super::text::{cut, quoted};
use super::{NON_STAGE_SHARES, column_name};
use crate::rng::{NORMAL_REACH, TruncatedNormal};
use std::collections::{HashMap, HashSet};
use std::fmt;

mod limits;
mod population;
mod services;
mod warnings;

pub use limits::*;
use population::{multiplier_bounds, population};
pub use services::ips25_fidelity;
use services::service;
pub use warnings::unused_settings;

/// One broken rule: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path, e.g. `services.ics.caseload_cap`.
    pub path: String,
    /// The rule and the value, e.g. `must be at least 1 (got 0)`.
    pub message: String,
}

impl Problem {
    /// Whether the problem is in the field `field` or lies within it.
    fn is_within(&self, field: &str) -> bool {
        self.path.strip_prefix(field).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.message)
    }
}

/// A number in a message: as written when of everyday size, in exponent form
/// when very large or small (`1e308`, not 309 digits).
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v == 0.0 || !v.is_finite() || (1e-6..1e15).contains(&v.abs()) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}

/// Collects problems while building the model.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
    /// The stages list is empty or over its limit, which is reported once:
    /// the rules that compare other fields with it are then skipped.
    stages_unusable: bool,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { path: path.into(), message: message.into() });
    }

    fn finite(&mut self, path: &str, v: f64) -> bool {
        if v.is_finite() {
            return true;
        }
        self.fail(path, format!("must be a finite number {}", got(v)));
        false
    }

    /// Whether a list of `len` entries keeps within `max`; if not, says so.
    /// The caller then skips the checks of each entry: on a list thousands
    /// long they would bury this one message under thousands of others.
    fn at_most(&mut self, path: &str, len: usize, max: usize) -> bool {
        if len > max {
            self.fail(path, format!("may list at most {max} entries (got {len})"));
        }
        len <= max
    }

    /// A weekly rate: finite, not negative and at most [`MAX_RATE`].
    fn rate(&mut self, path: &str, v: f64) {
        if !self.finite(path, v) {
            return;
        }
        if v < 0.0 {
            self.fail(path, format!("is a weekly rate and must not be negative {}", got(v)));
        } else if v > MAX_RATE {
            self.fail(
                path,
                format!("is a weekly rate and must be at most {MAX_RATE} {}; a move at 50 a week is already certain within the week", got(v)),
            );
        }
    }

    /// A share of a service's full effect (its fidelity): finite and in [0, 1].
    fn effect_share(&mut self, path: &str, v: f64) {
        if self.finite(path, v) && !(0.0..=1.0).contains(&v) {
            self.fail(path, format!("is the share of the full effect delivered and must be in [0, 1] {}", got(v)));
        }
    }

    /// A multiplier on a rate: finite, positive and at most [`MAX_RATE`].
    fn multiplier(&mut self, path: &str, v: f64) {
        if !self.finite(path, v) {
            return;
        }
        if v <= 0.0 {
            self.fail(path, format!("is a rate multiplier and must be positive {}", got(v)));
        } else if v > MAX_RATE {
            self.fail(path, format!("is a rate multiplier and must be at most {MAX_RATE} {}", got(v)));
        }
    }

    fn non_negative(&mut self, path: &str, v: f64) {
        if self.finite(path, v) && v < 0.0 {
            self.fail(path, format!("must not be negative {}", got(v)));
        }
    }

    /// A name shown in messages, tables and files: no control characters
    /// (a line feed would break a one-problem-per-line listing, an escape
    /// sequence would drive the terminal).
    fn printable(&mut self, path: &str, name: &str) {
        if has_control(name) {
            self.fail(
                path,
                format!("must not contain control characters or invisible format characters (got {})", quoted(name)),
            );
        }
    }

    /// A name written as a value in the CSV files (an arm, site or stage):
    /// not one that R or pandas reads back as missing, which would lose the
    /// evaluator's arm, site or stage.
    fn readable_value(&mut self, path: &str, name: &str) {
        if READ_AS_MISSING.contains(&name) {
            self.fail(
                path,
                format!(
                    "is written as a value in the CSV files, where R's read.csv or pandas' read_csv would read \
                     {} as missing; choose another name",
                    quoted(name)
                ),
            );
        }
    }

    /// Weights: each finite and non-negative, some positive; returns them normalised.
    fn weights(&mut self, path: &str, names: &[&str], w: &[f64]) -> Vec<f64> {
        let mut ok = true;
        for (name, &v) in names.iter().zip(w) {
            let p = if name.starts_with('[') { format!("{path}{name}") } else { format!("{path}.{name}") };
            if !self.finite(&p, v) {
                ok = false;
            } else if v < 0.0 {
                self.fail(p, format!("is a weight and must not be negative {}", got(v)));
                ok = false;
            }
        }
        let total: f64 = w.iter().sum();
        if ok && total <= 0.0 {
            self.fail(path, "needs at least one positive weight (all are 0)");
        } else if ok && !total.is_finite() {
            self.fail(path, "has weights whose sum overflows; scale them down (only their proportions matter)");
            ok = false;
        }
        if ok && total > 0.0 { w.iter().map(|v| v / total).collect() } else { vec![0.0; w.len()] }
    }
}

/// The values R's `read.csv` (`"NA"`) or pandas' `read_csv` (the rest;
/// pandas 2's default `na_values`, with the empty field) reads as missing.
const READ_AS_MISSING: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "NaN", "None", "n/a", "nan", "null",
];

fn has_control(name: &str) -> bool {
    name.chars().any(|c| c.is_control() || is_invisible_format(c))
}

/// The invisible characters that change how text around them is shown:
/// zero-width ones, direction marks (the Arabic letter mark among them),
/// embeddings, overrides and isolates (`"mini\u{202e}mal"` prints as
/// "minilam"), the Mongolian vowel separator, the byte order mark inside
/// text, and the line and paragraph separators, which break a line as a
/// line feed does but are not control characters.
pub(super) fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// `(got v)` for a message, `v` as [`Num`] shows it.
fn got(v: f64) -> String {
    format!("(got {})", Num(v))
}

/// Checks a parsed scenario and builds the model.
///
/// # Errors
/// Every broken rule, in a fixed order: the fields as this function visits
/// them, and services by name.
pub fn validate(s: &Scenario) -> Result<Model, Vec<Problem>> {
    let mut c = Checker::default();
    if let Some(name) = &s.name {
        c.printable("name", name);
    }
    if s.replicates == 0 {
        c.fail("replicates", "must be at least 1 (got 0)");
    }
    let horizons = horizons(&mut c, &s.horizons);
    let stages = stages(&mut c, &s.stages);
    let n_stages = s.stages.len();
    let job_loss = piecewise(&mut c, "job_loss.rates", &s.job_loss.rates);
    let reentry_stage = stage_ref(&mut c, "job_loss.reentry_stage", &s.job_loss.reentry_stage, &s.stages);
    let return_rate = piecewise(&mut c, "return_to_benefit.rates", &s.return_to_benefit.rates);
    let transitions = transition_effects(&mut c, &s.transitions);
    let population = population(&mut c, &s.population, n_stages);
    let (sites, site_weights) = sites(&mut c, &s.sites);
    let benefit_rates = benefit_rates(&mut c, &s.benefit_rates);
    let services = services(&mut c, s);
    let (arms, control) = arms(&mut c, &s.arms, &s.services);
    let enrolment = enrolment(&mut c, &s.enrolment, s.sites.len());
    staff_bounds(&mut c, &s.services, s.sites.len(), &horizons, &enrolment);
    multiplier_bounds_once_read(&mut c, &transitions, &population);
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(Model {
        name: s.name.clone(),
        replicates: s.replicates,
        seed: s.seed,
        horizons,
        stages: s.stages.iter().map(|st| st.name.clone()).collect(),
        stage_rates: stages,
        job_loss,
        reentry_stage,
        return_rate,
        transitions,
        population,
        sites,
        site_weights,
        benefit_rates,
        services,
        arms,
        control,
        enrolment,
    })
}

/// The weekly benefit rate of each benefit type, in [`BENEFIT_TYPE_NAMES`] order.
fn benefit_rates(c: &mut Checker, br: &schema::BenefitRates) -> [f64; 3] {
    let benefit_rates = [br.work_ready, br.health_disability, br.other];
    for (name, v) in BENEFIT_TYPE_NAMES.iter().zip(benefit_rates) {
        c.non_negative(&format!("benefit_rates.{name}"), v);
        if v > MAX_BENEFIT_RATE && v.is_finite() {
            c.fail(format!("benefit_rates.{name}"), format!("must be at most {MAX_BENEFIT_RATE} a week {}", got(v)));
        } else if v > 0.0 && v < MIN_BENEFIT_RATE {
            c.fail(
                format!("benefit_rates.{name}"),
                format!(
                    "must be 0 or at least {MIN_BENEFIT_RATE:e} a week {}; state the rates in a smaller unit of currency",
                    got(v)
                ),
            );
        }
    }
    benefit_rates
}

/// Every service, by name; none when there are more than [`MAX_SERVICES`].
fn services(c: &mut Checker, s: &Scenario) -> Vec<ServiceModel> {
    if !c.at_most("services", s.services.len(), MAX_SERVICES) {
        return Vec::new();
    }
    for name in s.services.keys() {
        c.printable(&format!("services.{}", shown_name(name)), name);
    }
    s.services.iter().map(|(name, svc)| service(c, name, svc, &s.stages)).collect()
}

/// The bounds on the rate multipliers ([`multiplier_bounds()`]). They read
/// the transitions and the population's covariates, category weights and
/// eligibility, and mean something only once those have passed; a problem
/// elsewhere (the starting stages, say) does not hide them.
fn multiplier_bounds_once_read(
    c: &mut Checker,
    transitions: &[CovariateEffects; transition::COUNT],
    population: &PopulationModel,
) {
    let reads = [
        "transitions",
        "population.age",
        "population.age_first_benefit",
        "population.weeks_on_benefit",
        "population.prior_spells",
        "population.readiness_sd",
        "population.reference",
        "population.benefit_type",
        "population.health",
        "population.eligibility",
    ];
    let read = |p: &Problem| reads.iter().any(|r| p.is_within(r));
    if !c.problems.iter().any(read) {
        multiplier_bounds(c, transitions, population);
    }
}

fn stage_list(stages: &[schema::Stage]) -> String {
    name_list(stages.iter().map(|s| &s.name))
}

/// The index of the stage a field at `path` names. A name no stage has is a
/// problem (0 stands in), unless the stages themselves are unusable, which
/// is already reported.
fn stage_ref(c: &mut Checker, path: &str, name: &str, stages: &[schema::Stage]) -> u8 {
    match stages.iter().position(|st| st.name == name) {
        Some(i) => i as u8,
        None if c.stages_unusable => 0,
        None => {
            c.fail(path, format!("names no stage (got {}; stages are {})", quoted(name), stage_list(stages)));
            0
        }
    }
}

/// Names quoted for a message, the first 20 of a longer list and then how
/// many there are in all.
fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a String>) -> String {
    const SHOWN: usize = 20;
    let n = names.len();
    let shown: Vec<String> = names.take(SHOWN).map(|s| quoted(s)).collect();
    if n > SHOWN { format!("{}, … ({n} in all)", shown.join(", ")) } else { shown.join(", ") }
}

fn horizons(c: &mut Checker, h: &[u32]) -> Vec<u32> {
    if h.is_empty() {
        c.fail("horizons", "must list at least one horizon in weeks");
    }
    let mut seen = HashSet::new();
    let each = if c.at_most("horizons", h.len(), MAX_HORIZONS) { h } else { &[] };
    for (i, &w) in each.iter().enumerate() {
        if w == 0 {
            c.fail(format!("horizons[{i}]"), "must be at least 1 week (got 0)");
        }
        if w > MAX_HORIZON {
            c.fail(format!("horizons[{i}]"), format!("must be at most {MAX_HORIZON} weeks (got {w})"));
        }
        if !seen.insert(w) {
            c.fail(format!("horizons[{i}]"), format!("repeats an earlier horizon (got {w})"));
        }
    }
    let mut v = h.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn stages(c: &mut Checker, stages: &[schema::Stage]) -> Vec<[f64; 4]> {
    if stages.is_empty() {
        c.fail("stages", "must list at least one stage");
    }
    c.stages_unusable = stages.is_empty() || stages.len() > MAX_STAGES;
    let last = stages.len().saturating_sub(1);
    let mut columns = HashSet::new();
    let each = if c.at_most("stages", stages.len(), MAX_STAGES) { stages } else { &[] };
    for (i, st) in each.iter().enumerate() {
        let p = format!("stages[{i}]");
        let column = column_name(&st.name);
        c.printable(&format!("{p}.name"), &st.name);
        if !column.is_empty() {
            c.readable_value(&format!("{p}.name"), &st.name);
        }
        if column.is_empty() {
            c.fail(
                format!("{p}.name"),
                format!("needs an ASCII letter or digit, for its column name (got {})", quoted(&st.name)),
            );
        } else if !columns.insert(column.clone()) {
            c.fail(
                format!("{p}.name"),
                format!(
                    "must give a column name other than an earlier stage's (got {}, column share_{})",
                    quoted(&st.name),
                    cut(&column)
                ),
            );
        }
        if NON_STAGE_SHARES.contains(&column.as_str()) {
            c.fail(
                format!("{p}.name"),
                format!(
                    "must not be {}, which would give the column share_{column}: trajectories.csv reports those \
                     shares beside the stages' (got {})",
                    non_stage_names(),
                    quoted(&st.name)
                ),
            );
        }
        for (field, v) in
            [("progress", st.progress), ("regress", st.regress), ("job", st.job), ("other_exit", st.other_exit)]
        {
            c.rate(&format!("{p}.{field}"), v);
        }
        if i == last && st.progress != 0.0 {
            c.fail(format!("{p}.progress"), format!("must be 0 in the last stage {}", got(st.progress)));
        }
        if i == 0 && st.regress != 0.0 {
            c.fail(format!("{p}.regress"), format!("must be 0 in the first stage {}", got(st.regress)));
        }
    }
    stages.iter().map(|s| [s.progress, s.regress, s.job, s.other_exit]).collect()
}

fn piecewise(c: &mut Checker, path: &str, pieces: &[schema::Piece]) -> Piecewise {
    if pieces.is_empty() {
        c.fail(path, "must list at least one piece, starting with from_week: 0");
        return Piecewise::new(vec![0.0]);
    }
    if pieces[0].from_week != 0 {
        c.fail(format!("{path}[0].from_week"), format!("must be 0 (got {})", pieces[0].from_week));
    }
    // Weeks 0 to MAX_FROM_WEEK, strictly increasing, leave room for one piece more.
    if !c.at_most(path, pieces.len(), MAX_FROM_WEEK as usize + 1) {
        return Piecewise::new(vec![0.0]);
    }
    for (i, p) in pieces.iter().enumerate() {
        c.rate(&format!("{path}[{i}].rate"), p.rate);
        if i > 0 && p.from_week <= pieces[i - 1].from_week {
            c.fail(
                format!("{path}[{i}].from_week"),
                format!("must be greater than the previous piece's (got {})", p.from_week),
            );
        }
        if p.from_week > MAX_FROM_WEEK {
            c.fail(format!("{path}[{i}].from_week"), format!("must be at most {MAX_FROM_WEEK} (got {})", p.from_week));
        }
    }
    let last = pieces.iter().map(|p| p.from_week).max().unwrap_or(0).min(MAX_FROM_WEEK) as usize;
    let by_week =
        (0..=last).map(|w| pieces.iter().rev().find(|p| p.from_week as usize <= w).map_or(0.0, |p| p.rate)).collect();
    Piecewise::new(by_week)
}

fn transition_effects(c: &mut Checker, t: &schema::Transitions) -> [CovariateEffects; transition::COUNT] {
    let all = [&t.progress, &t.regress, &t.job, &t.other_exit, &t.job_loss, &t.return_to_benefit];
    let default_loading = [1.0, -1.0, 1.0, 0.0, -1.0, 0.0];
    std::array::from_fn(|j| {
        let e = all[j];
        let p = format!("transitions.{}", transition::NAMES[j]);
        let b = &e.benefit_type;
        let h = &e.health;
        let out = CovariateEffects {
            loading: e.loading.unwrap_or(default_loading[j]),
            age: e.age,
            age_first_benefit: e.age_first_benefit,
            log_weeks_on_benefit: e.log_weeks_on_benefit,
            prior_spells: e.prior_spells,
            benefit_type: [b.work_ready, b.health_disability, b.other],
            health: [h.no_condition, h.common_mental, h.severe_mental, h.physical, h.substance_use],
        };
        for (field, v) in [
            ("loading", out.loading),
            ("age", out.age),
            ("age_first_benefit", out.age_first_benefit),
            ("log_weeks_on_benefit", out.log_weeks_on_benefit),
            ("prior_spells", out.prior_spells),
        ] {
            c.finite(&format!("{p}.{field}"), v);
        }
        for (name, v) in BENEFIT_TYPE_NAMES.iter().zip(out.benefit_type) {
            c.finite(&format!("{p}.benefit_type.{name}"), v);
        }
        for (name, v) in HEALTH_NAMES.iter().zip(out.health) {
            c.finite(&format!("{p}.health.{name}"), v);
        }
        out
    })
}

fn sites(c: &mut Checker, sites: &[schema::Site]) -> (Vec<String>, Vec<f64>) {
    if sites.is_empty() {
        c.fail("sites", "must list at least one site");
    }
    if !c.at_most("sites", sites.len(), MAX_SITES) {
        return (Vec::new(), Vec::new());
    }
    let mut seen = HashSet::new();
    for (i, s) in sites.iter().enumerate() {
        c.printable(&format!("sites[{i}].name"), &s.name);
        c.readable_value(&format!("sites[{i}].name"), &s.name);
        if !seen.insert(&s.name) {
            c.fail(format!("sites[{i}].name"), format!("repeats an earlier site name (got {})", quoted(&s.name)));
        }
    }
    let names: Vec<String> = (0..sites.len()).map(|i| format!("[{i}].weight")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let w: Vec<f64> = sites.iter().map(|s| s.weight).collect();
    let weights = if sites.is_empty() { vec![] } else { c.weights("sites", &names, &w) };
    (sites.iter().map(|s| s.name.clone()).collect(), weights)
}

fn arms(c: &mut Checker, arms: &[schema::Arm], services: &schema::Services) -> (Vec<ArmModel>, usize) {
    if arms.len() < 2 {
        c.fail("arms", format!("must list at least two arms (got {})", arms.len()));
    }
    if !c.at_most("arms", arms.len(), MAX_ARMS) {
        return (Vec::new(), 0);
    }
    let control = control_arm(c, arms);
    let index = |name: &str| services.keys().position(|k| k == name);
    let known = name_list(services.keys());
    // Unless declared, an arm falls back on the control arm's fallback, which
    // is the control arm's own service unless declared.
    let default_fallback =
        arms.get(control).map(|a| a.fallback.clone().unwrap_or_else(|| a.service.clone())).unwrap_or_default();
    let mut out = Vec::with_capacity(arms.len());
    // Whether each arm names a known service and fallback.
    let mut named = Vec::with_capacity(arms.len());
    let mut names = HashSet::new();
    for (i, a) in arms.iter().enumerate() {
        let p = format!("arms[{i}]");
        if !names.insert(&a.name) {
            c.fail(format!("{p}.name"), format!("repeats an earlier arm name (got {})", quoted(&a.name)));
        }
        arm_name(c, &p, &a.name);
        let service = index(&a.service).unwrap_or_else(|| {
            c.fail(
                format!("{p}.service"),
                format!("names no service (got {}; services are {known})", quoted(&a.service)),
            );
            0
        });
        let fb_name = a.fallback.clone().unwrap_or_else(|| default_fallback.clone());
        let fallback = index(&fb_name).unwrap_or_else(|| {
            if a.fallback.is_some() {
                c.fail(
                    format!("{p}.fallback"),
                    format!("names no service (got {}; services are {known})", quoted(&fb_name)),
                );
            }
            0
        });
        named.push(index(&a.service).is_some() && index(&fb_name).is_some());
        if c.finite(&format!("{p}.ratio"), a.ratio) && a.ratio <= 0.0 {
            c.fail(format!("{p}.ratio"), format!("must be positive {}", got(a.ratio)));
        }
        out.push(ArmModel { name: a.name.clone(), service, fallback, ratio: a.ratio });
    }
    // Randomisation draws against the sum of the ratios.
    let total: f64 = out.iter().map(|a| a.ratio).sum();
    if out.iter().all(|a| a.ratio.is_finite()) && !total.is_finite() {
        c.fail("arms", "have ratios whose sum overflows; scale them down (only their proportions matter)");
    }
    shared_fallbacks(c, &out, &named);
    (out, control)
}

/// The index of the one arm marked `control: true`.
fn control_arm(c: &mut Checker, arms: &[schema::Arm]) -> usize {
    let controls: Vec<usize> = arms.iter().enumerate().filter(|(_, a)| a.control).map(|(i, _)| i).collect();
    match controls.as_slice() {
        [one] => *one,
        [] => {
            c.fail("arms", "must mark exactly one arm `control: true` (none is)");
            0
        }
        many => {
            let names: Vec<String> = many.iter().map(|&i| quoted(&arms[i].name)).collect();
            c.fail("arms", format!("must mark exactly one arm `control: true` (got {})", names.join(", ")));
            many[0]
        }
    }
}

/// An arm's name goes into column names (`<outcome>_<h>_if_<arm>`) and
/// cells that R and pandas read: letters, digits and `_`, and not a value
/// they read as missing.
fn arm_name(c: &mut Checker, path: &str, name: &str) {
    if !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') || name.is_empty() {
        c.fail(
            format!("{path}.name"),
            format!("must be letters, digits and _ only, for column names (got {})", quoted(name)),
        );
    } else {
        c.readable_value(&format!("{path}.name"), name);
    }
}

/// Each arm is compared with the first arm that offers its service, so arms
/// that share a service must share a fallback; an arm naming no service, or
/// no fallback (`named` false), is reported already.
fn shared_fallbacks(c: &mut Checker, arms: &[ArmModel], named: &[bool]) {
    let mut first = HashMap::new();
    for (i, a) in arms.iter().enumerate().filter(|&(i, _)| named[i]) {
        let &mut (k, fallback) = first.entry(a.service).or_insert((i, a.fallback));
        if fallback != a.fallback {
            c.fail(
                format!("arms[{i}].fallback"),
                format!("differs from arms[{k}]'s, which offers the same service; arms that share a service must share a fallback"),
            );
        }
    }
}

fn enrolment(c: &mut Checker, e: &schema::Enrolment, n_sites: usize) -> EnrolmentModel {
    match e {
        schema::Enrolment::Total { n, weeks } => {
            if *n < 2 {
                c.fail("enrolment.n", format!("must be at least 2 (got {n})"));
            }
            if *n > MAX_PARTICIPANTS {
                c.fail("enrolment.n", format!("must be at most {MAX_PARTICIPANTS} (got {n})"));
            }
            enrolment_weeks(c, *weeks);
            EnrolmentModel::Total { n: *n, weeks: *weeks }
        }
        schema::Enrolment::PerSite { weeks, weekly } => {
            let before = c.problems.len();
            enrolment_weeks(c, *weeks);
            if weekly.len() != n_sites {
                c.fail(
                    "enrolment.weekly",
                    format!("needs one arrival rate per site ({n_sites}) (got {})", weekly.len()),
                );
            }
            // Past the last site, rates are not checked one by one.
            for (i, &v) in weekly.iter().take(n_sites).enumerate() {
                let path = format!("enrolment.weekly[{i}]");
                if !c.finite(&path, v) {
                    continue;
                }
                if v < 0.0 {
                    c.fail(path, format!("is a weekly rate and must not be negative {}", got(v)));
                } else if v > MAX_ARRIVALS_PER_WEEK {
                    c.fail(path, format!("must be at most {MAX_ARRIVALS_PER_WEEK} a week {}", got(v)));
                }
            }
            // Rates refused above do not count (a negative one would hide a
            // positive one, and one past the limit is told of once, not again
            // as a total of many digits, or inf).
            let accepted_rate = |v: f64| v.is_finite() && v > 0.0 && v <= MAX_ARRIVALS_PER_WEEK;
            let expected: f64 = weekly.iter().filter(|&&v| accepted_rate(v)).sum::<f64>() * f64::from(*weeks);
            // Too few is told only of rates and weeks all accepted: with one refused, the count is unknown.
            let accepted = c.problems.len() == before;
            if expected == 0.0 && accepted {
                c.fail("enrolment.weekly", "expects no arrivals at all: some site needs a positive rate");
            } else if ten_digits(expected) < 2.0 && accepted {
                // As `Total` needs n ≥ 2: fewer would leave nearly every replicate
                // without an estimate. Compared as shown, without the sum's
                // rounding error (5 × (0.05 + 0.35) is 2, not 1.9999999999999998).
                c.fail(
                    "enrolment.weekly",
                    format!(
                        "expects {} arrivals in all (Σ weekly × weeks); a trial needs at least 2",
                        Num(ten_digits(expected))
                    ),
                );
            }
            if expected > f64::from(MAX_PARTICIPANTS) {
                c.fail(
                    "enrolment.weekly",
                    format!("expects {expected:.0} arrivals in all; at most {MAX_PARTICIPANTS} are supported"),
                );
            }
            EnrolmentModel::PerSite { weeks: *weeks, weekly: weekly.clone() }
        }
    }
}

/// `v` to ten significant digits: a figure derived from the scenario's,
/// shown without the rounding error of its arithmetic (1.8, not
/// 1.7999999999999998).
fn ten_digits(v: f64) -> f64 {
    format!("{v:.9e}").parse().unwrap_or(v)
}

/// Case managers in all, and case managers × calendar weeks (the engine keeps
/// each case manager's weekly caseload), must stay within memory.
fn staff_bounds(c: &mut Checker, services: &schema::Services, sites: usize, horizons: &[u32], e: &EnrolmentModel) {
    if e.weeks() > MAX_ENROLMENT_WEEKS || horizons.iter().any(|&h| h > MAX_HORIZON) {
        return; // already reported; the weeks would be those of a scenario that cannot run
    }
    let total: u64 =
        services.values().map(|s| u64::from(s.case_managers_per_site)).sum::<u64>().saturating_mul(sites as u64);
    let weeks = e.calendar_weeks(horizons.last().copied().unwrap_or(0));
    if total > MAX_CASE_MANAGERS {
        c.fail(
            "services",
            format!(
                "staff {total} case managers in all (sites × case_managers_per_site); at most {MAX_CASE_MANAGERS} are \
                 supported"
            ),
        );
    } else if total * weeks > u64::from(MAX_PARTICIPANTS) {
        c.fail(
            "services",
            format!("staff {total} case managers over {weeks} calendar weeks; case managers × weeks must be at most {MAX_PARTICIPANTS}"),
        );
    } else if services.values().all(|s| {
        (1..=MAX_CASE_MANAGERS_PER_SITE).contains(&s.case_managers_per_site)
            && s.initial_caseload <= MAX_CASELOAD
            && (0.0..=MAX_RATE).contains(&s.initial_exit_rate)
    }) {
        // Each week-0 client who leaves costs a draw. Counted only from values
        // all accepted: a refused one would add a message, or hide one.
        let leaving: f64 = services
            .values()
            .map(|s| {
                let clients = f64::from(s.case_managers_per_site) * sites as f64 * f64::from(s.initial_caseload);
                clients * -libm::expm1(-s.initial_exit_rate * weeks as f64)
            })
            .sum();
        if leaving > f64::from(MAX_PARTICIPANTS) {
            c.fail(
                "services",
                format!(
                    "expect {} week-0 clients to leave over {weeks} calendar weeks (sites × case_managers_per_site × \
                     initial_caseload × (1 − exp(−initial_exit_rate × weeks)), summed over services); at most \
                     {MAX_PARTICIPANTS} are supported",
                    Num(leaving.round())
                ),
            );
        }
    }
}

fn enrolment_weeks(c: &mut Checker, weeks: u32) {
    if weeks == 0 {
        c.fail("enrolment.weeks", "must be at least 1 (got 0)");
    }
    if weeks > MAX_ENROLMENT_WEEKS {
        c.fail("enrolment.weeks", format!("must be at most {MAX_ENROLMENT_WEEKS} (got {weeks})"));
    }
}

/// [`NON_STAGE_SHARES`] as a stage would be named: "Employed, Other exit,
/// Waitlisted or In service".
fn non_stage_names() -> String {
    let names: Vec<String> = NON_STAGE_SHARES
        .iter()
        .map(|column| {
            let words = column.replace('_', " ");
            words[..1].to_uppercase() + &words[1..]
        })
        .collect();
    let (last, rest) = names.split_last().expect("NON_STAGE_SHARES is not empty");
    format!("{} or {last}", rest.join(", "))
}
