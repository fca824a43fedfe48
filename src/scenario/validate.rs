//! Rules a parsed scenario must satisfy, and its conversion to a [`Model`].
//!
//! Validation collects every problem rather than stopping at the first, so a
//! user fixes a file in one pass. Each problem names the field path, the rule
//! and the value. The two rules that read many fields (the eligibility share,
//! the bound on rate multipliers) wait only for those fields to pass.

use super::eligibility::{self, attempts_for};
use super::model::*;
use super::multiplier_bounds::{self, MAX_TERM};
use super::schema::{self, Scenario};
use super::text::{SHOWN_CHARS, cut, quoted};
use super::{NON_STAGE_SHARES, column_name};
use crate::rng::{NORMAL_REACH, TruncatedNormal};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// One broken rule: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path, e.g. `services.ics.caseload_cap`.
    pub path: String,
    /// The rule and the value, e.g. `must be at least 1 (got 0)`.
    pub message: String,
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

/// A service name as it goes in a field path: as is if it is a plain word
/// (letters, digits, `_` and `-`), so the path reads as written; otherwise
/// quoted, with escapes for control characters (which are refused), so that
/// a name with a `.`, a space or nothing at all cannot be misread as part of
/// the path (`services."a.b".caseload_cap`).
pub fn shown_name(name: &str) -> String {
    let plain = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if plain && name.chars().count() <= SHOWN_CHARS { name.to_string() } else { quoted(name) }
}

fn has_control(name: &str) -> bool {
    name.chars().any(|c| c.is_control() || is_invisible_format(c))
}

/// The invisible characters that change how text around them is shown:
/// zero-width ones, direction marks (the Arabic letter mark among them),
/// embeddings, overrides and isolates (`"mini\u{202e}mal"` prints as
/// "minilam"), the Mongolian vowel separator, the byte order mark inside
/// text, and the line and paragraph separators, which break a line as a
/// line feed does but are not control characters.
fn is_invisible_format(c: char) -> bool {
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

/// The largest weekly rate, and the largest multiplier on one, a scenario
/// may declare. Far beyond any real rate (a move at 50 a week happens within
/// the week with certainty), it keeps every product the engine forms (base
/// rate × person multiplier × service multiplier × Navigator factor) finite:
/// see [`MAX_MULTIPLIER`].
pub const MAX_RATE: f64 = 1e6;

/// The most client-facing hours a week. More than a week's 168 can stand for
/// contact without limit (a test device); the bound keeps `hours / caseload +
/// half` of a saturating intensity curve finite.
const MAX_HOURS: f64 = 1e6;

/// The largest SD of case managers' log quality. Quality `exp(w − σ²/2)`
/// stays finite (a draw reaches at most about 8.3 σ); at σ = 10 the median
/// case manager's quality is already e⁻⁵⁰.
const MAX_QUALITY_SD: f64 = 10.0;

/// The largest weekly benefit rate: outcomes summed over people and weeks
/// stay far from overflow, and their squares (the variances) too.
pub const MAX_BENEFIT_RATE: f64 = 1e6;

/// The smallest weekly benefit rate above 0. Below it the squares of
/// `benefit_paid`'s deviations (in its variance) and of its variance (in the
/// Welch degrees of freedom) would underflow: at 1e-160 a week the degrees
/// of freedom came out as 0/0, at 1e-200 the standard error as 0. From here
/// to [`MAX_BENEFIT_RATE`], both stay in range.
pub const MIN_BENEFIT_RATE: f64 = 1e-6;

/// The most horizons: the engine finds a week's horizon in a `u8` index,
/// `u8::MAX` meaning none.
const MAX_HORIZONS: usize = 100;
const _: () = assert!(MAX_HORIZONS < u8::MAX as usize);

/// The most stages: a life's state is a `u8` numbering the stages, then
/// Employed and OtherExit.
const MAX_STAGES: usize = 100;
const _: () = assert!(MAX_STAGES + 2 <= u8::MAX as usize);

/// The most arms: a participant's arm is a `u8`, and each contrast adds
/// columns to the outputs (`persons.csv` has a set per arm).
const MAX_ARMS: usize = 64;
const _: () = assert!(MAX_ARMS <= u8::MAX as usize + 1);

/// The longest horizon, in weeks. With [`MAX_ENROLMENT_WEEKS`] it bounds
/// every calendar and own week a trial has (7,000), which the engine keeps
/// in 16 bits and compares with its clocks' [`FAR`](crate::engine::life::FAR).
pub const MAX_HORIZON: u32 = 2000;

/// The longest enrolment window, in weeks (see [`MAX_HORIZON`]).
pub const MAX_ENROLMENT_WEEKS: u32 = 5000;

/// The last `from_week` of a piecewise rate or intensity curve: its table
/// holds a value for every week up to it.
const MAX_FROM_WEEK: u32 = 5000;

/// The most services, sites, and case managers per site of a service. A
/// case manager's place holds them in 16, 20 and 20 bits, and the key of its
/// draws packs them side by side (see
/// [`Place::key`](crate::engine::capacity::Place::key)).
pub const MAX_SERVICES: usize = 1_000;
/// See [`MAX_SERVICES`].
pub const MAX_SITES: usize = 10_000;
/// See [`MAX_SERVICES`].
pub const MAX_CASE_MANAGERS_PER_SITE: u32 = 10_000;

/// The most case managers in all (sites × case managers per site, summed
/// over services).
const MAX_CASE_MANAGERS: u64 = 100_000;

/// The most participants a replicate may enrol, or expect to under
/// `PerSite`; also the bound on case managers × calendar weeks (the engine
/// keeps each case manager's weekly caseload) and on the week-0 clients
/// expected to leave (each costs a draw).
const MAX_PARTICIPANTS: u32 = 50_000_000;

/// The most arrivals a week a site may expect under `PerSite` enrolment.
/// The keys of a week's arrival draws number Poisson pieces of rate 16 in
/// 20 bits, far more than this needs.
pub const MAX_ARRIVALS_PER_WEEK: f64 = 10_000.0;

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
    let br = &s.benefit_rates;
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
    let services: Vec<ServiceModel> = if c.at_most("services", s.services.len(), MAX_SERVICES) {
        for name in s.services.keys() {
            c.printable(&format!("services.{}", shown_name(name)), name);
        }
        s.services.iter().map(|(name, svc)| service(&mut c, name, svc, &s.stages)).collect()
    } else {
        Vec::new()
    };
    let (arms, control) = arms(&mut c, &s.arms, &s.services);
    let enrolment = enrolment(&mut c, &s.enrolment, s.sites.len());
    staff_bounds(&mut c, &s.services, s.sites.len(), &horizons, &enrolment);
    // The bounds read the built population and transitions, and mean
    // something only once those have passed; a problem elsewhere does not
    // hide them.
    let read = |p: &Problem| ["population", "transitions"].iter().any(|r| within(&p.path, r));
    if !c.problems.iter().any(read) {
        multiplier_bounds(&mut c, &transitions, &population);
    }
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
                    "must not be Employed, Other exit, Waitlisted or In service, which would give the column \
                     share_{column}: trajectories.csv reports those shares beside the stages' (got {})",
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

/// A covariate distribution, and the smallest and largest values it can
/// draw when it breaks no rule. Its draws must be finite numbers: parameters
/// that are each finite can still overflow (`Uniform(min: -1e308, max:
/// 1e308)` spans more than a number can hold), and a draw that is not a
/// number would turn every rate it reaches into one.
fn dist(c: &mut Checker, path: &str, d: &schema::Distribution) -> (Dist, Option<(f64, f64)>) {
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
fn dist_parameters(c: &mut Checker, path: &str, d: &schema::Distribution) -> Dist {
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

fn population(c: &mut Checker, p: &schema::Population, n_stages: usize) -> PopulationModel {
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
    if p.starting_stage.len() != n_stages && !c.stages_unusable {
        c.fail(
            "population.starting_stage",
            format!("needs one weight per stage ({n_stages}) (got {})", p.starting_stage.len()),
        );
    }
    // Past the last stage, weights are not checked one by one.
    let checked = &p.starting_stage[..p.starting_stage.len().min(n_stages)];
    let names: Vec<String> = (0..checked.len()).map(|i| format!("[{i}]")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let starting_stage =
        if c.stages_unusable { Vec::new() } else { c.weights("population.starting_stage", &names, checked) };
    let r = &p.reference;
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
    let e = &p.eligibility;
    let mut benefit_types = [true; 3];
    if let Some(list) = &e.benefit_types {
        benefit_types = [false; 3];
        for &t in list {
            benefit_types[benefit_type_index(t)] = true;
        }
    }
    let mut allowed_health = [true; 5];
    if let Some(list) = &e.health {
        allowed_health = [false; 5];
        for &t in list {
            allowed_health[health_index(t)] = true;
        }
    }
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
        reference: CovariateReference {
            age: r.age,
            age_first_benefit: r.age_first_benefit,
            weeks_on_benefit: r.weeks_on_benefit,
            prior_spells: r.prior_spells,
        },
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
    let read_has_problem = |path: &str| reads.iter().any(|r| within(path, r));
    if !c.problems[before..].iter().any(|p| read_has_problem(&p.path)) {
        admission(c, &mut model);
    }
    model
}

/// Whether a problem's `path` is the field `field` or lies within it.
fn within(path: &str, field: &str) -> bool {
    path.strip_prefix(field).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// Participants' rate multipliers past [`MAX_MULTIPLIER`] that some draw of
/// a run could make, reported with the largest value, so that no run meets
/// one part way (see [`mod@super::multiplier_bounds`]).
fn multiplier_bounds(c: &mut Checker, transitions: &[CovariateEffects; transition::COUNT], pop: &PopulationModel) {
    let limit = multiplier_bounds::largest_exponent_allowed();
    for (effects, name) in transitions.iter().zip(transition::NAMES) {
        let terms = multiplier_bounds::exponent_terms(effects, pop);
        let too_large = |t: &&multiplier_bounds::Term| !(t.smallest.abs() <= MAX_TERM && t.largest.abs() <= MAX_TERM);
        if let Some(t) = terms.iter().find(too_large) {
            c.fail(
                format!("transitions.{name}"),
                format!(
                    "has a term, {}, that runs from {} to {} over the covariates the population can draw; each \
                     term must stay within ±{MAX_TERM:e} (e^−1e6 is already 0, and e^1e6 past any rate), so that \
                     no term swallows another when they are added",
                    t.name,
                    short(t.smallest),
                    short(t.largest)
                ),
            );
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
    let admitted = eligibility::admitted(pop);
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
fn one_candidate_in(admitted: &eligibility::Admitted) -> String {
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
fn surely_above(a: f64, b: f64) -> bool {
    a - b > 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// A distribution as written in the file, for messages.
fn written(d: &schema::Distribution) -> String {
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

/// One multiplier per stage. `All(x)` is checked once, as written, not once
/// for each stage it applies to; entries of `PerStage` past the last stage
/// are not checked.
fn per_stage(c: &mut Checker, path: &str, m: &schema::Multiplier, n: usize) -> Vec<f64> {
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

fn intensity(c: &mut Checker, path: &str, i: &schema::Intensity) -> IntensityCurve {
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

/// Largest caseload a case manager may carry (background, week-0 clients or cap).
const MAX_CASELOAD: u32 = 1_000_000;

fn service(c: &mut Checker, name: &str, s: &schema::Service, stages: &[schema::Stage]) -> ServiceModel {
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

fn arms(c: &mut Checker, arms: &[schema::Arm], services: &schema::Services) -> (Vec<ArmModel>, usize) {
    if arms.len() < 2 {
        c.fail("arms", format!("must list at least two arms (got {})", arms.len()));
    }
    if !c.at_most("arms", arms.len(), MAX_ARMS) {
        return (Vec::new(), 0);
    }
    let controls: Vec<usize> = arms.iter().enumerate().filter(|(_, a)| a.control).map(|(i, _)| i).collect();
    let control = match controls.as_slice() {
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
    };
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
        if !a.name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') || a.name.is_empty() {
            c.fail(
                format!("{p}.name"),
                format!("must be letters, digits and _ only, for column names (got {})", quoted(&a.name)),
            );
        } else {
            c.readable_value(&format!("{p}.name"), &a.name);
        }
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
    // Each arm is compared with the first arm that offers its service; an
    // arm naming no service, or no fallback, is reported already.
    let mut first = HashMap::new();
    for (i, a) in out.iter().enumerate().filter(|&(i, _)| named[i]) {
        let &mut (k, fallback) = first.entry(a.service).or_insert((i, a.fallback));
        if fallback != a.fallback {
            c.fail(
                format!("arms[{i}].fallback"),
                format!("differs from arms[{k}]'s, which offers the same service; arms that share a service must share a fallback"),
            );
        }
    }
    (out, control)
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
    let weeks = u64::from(e.weeks()) + u64::from(horizons.last().copied().unwrap_or(0)) + 1;
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

/// A benefit type participants are drawn with (a weight above 0 that the
/// eligibility rules admit) whose weekly rate is 0, the default, while
/// another type's is not: most likely left out of `benefit_rates`, and
/// those participants' `benefit_paid` is 0 at every horizon.
fn unpaid_benefit_types(model: &Model) -> Vec<String> {
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
        let offered = model.offers(index);
        if offered {
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
            continue;
        }
        if !model.is_fallback(index) {
            warnings.push(format!(
                "services.{}: no arm uses this service, so none of its settings takes effect",
                shown_name(name)
            ));
            continue;
        }
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
        if !set.is_empty() {
            // A treated arm naming the service as its fallback too is served
            // by it as a fallback, without slots: said so, as the file names
            // it as the arm's service (the control's is the usual case).
            let own_fallback: Vec<String> = (model.arms.iter().enumerate())
                .filter(|&(a, arm)| arm.service == index && a != model.control)
                .map(|(_, arm)| quoted(&arm.name))
                .collect();
            let why = if own_fallback.is_empty() {
                "it is only a fallback".to_string()
            } else {
                let one = own_fallback.len() == 1;
                format!(
                    "arm{} {} name{} it as {} fallback too, so it serves {} participants as a fallback does, \
                     without slots",
                    if one { "" } else { "s" },
                    own_fallback.join(", "),
                    if one { "s" } else { "" },
                    if one { "its" } else { "their" },
                    if one { "that arm's" } else { "their" },
                )
            };
            warnings.push(format!(
                "services.{}: {} take{} no effect: no arm offers {} as its service ({why}), and {} to \
                 clients holding a slot",
                shown_name(name),
                set.join(", "),
                if set.len() == 1 { "s" } else { "" },
                quoted(name),
                if set.len() == 1 { "it applies only" } else { "they apply only" },
            ));
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
