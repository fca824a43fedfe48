//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod prec;
pub mod small;

use rctsim::scenario::{self, Model};
use std::path::{Path, PathBuf};

/// Path of a file in `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Path of a shipped scenario.
pub fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// Loads a fixture, panicking with the error message if it is not valid.
pub fn model(name: &str) -> Model {
    scenario::load(&fixture(name)).unwrap_or_else(|e| panic!("{e}")).model
}

/// Loads a scenario file, panicking with the error message if it is not valid.
pub fn model_at(path: &Path) -> Model {
    scenario::load(path).unwrap_or_else(|e| panic!("{e}")).model
}

/// Parses scenario text, panicking with the error message if it is not valid.
pub fn model_from(text: &str) -> Model {
    scenario::parse(text.as_bytes(), Path::new("inline.ron")).unwrap_or_else(|e| panic!("{e}"))
}

/// `minimal.ron`'s text with `per_site` ICS case managers of quality spread
/// `sd` and a job effect of 1e6, its only effect: a quality above 100/6
/// raises it past 1e100, the bound on a case manager's multipliers.
pub fn quality_spread(per_site: u32, sd: f64) -> String {
    std::fs::read_to_string(fixture("minimal.ron"))
        .unwrap()
        .replace(
            "\"ics\": (case_managers_per_site: 1,",
            &format!("\"ics\": (case_managers_per_site: {per_site}, quality_sd: {sd}, effects: (job: All(1e6)),"),
        )
        .replace("\n                effects: (progress: All(1.6), job: All(1.5))),", "),")
}

/// `|a − b| ≤ k · se`, with a message naming the quantity.
pub fn within(what: &str, observed: f64, expected: f64, se: f64, k: f64) {
    assert!(
        (observed - expected).abs() <= k * se,
        "{what}: observed {observed}, expected {expected}, difference {} > {k} × SE {se}",
        (observed - expected).abs()
    );
}

/// The bias of a cell's estimates against their own replicates' true
/// effects, `mean(τ̂ − SATE)` over the replicates with an estimate, and its
/// standard error `sd/√R`: recomputed here with plain sums, so that a test's
/// tolerance does not rest on the diagnosis it checks.
pub fn bias_and_se(result: &rctsim::trial::RunResult, cell: usize) -> (f64, f64) {
    let errors: Vec<f64> = result
        .estimates
        .iter()
        .map(|rep| rep[cell])
        .filter(|d| d.estimate.estimate.is_finite())
        .map(|d| d.estimate.estimate - d.sate)
        .collect();
    mean_and_se(&errors)
}

/// The mean of `x` and its standard error `sd/√n`, with plain sums.
pub fn mean_and_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (m, (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt())
}

/// The sum of `x` rounded once, as Python's `math.fsum` gives it (Shewchuk's
/// algorithm: partial sums that hold the sum exactly, added at the end), so
/// that a mean can be checked independently of how the library sums.
pub fn exact_sum(x: impl Iterator<Item = f64>) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for mut v in x {
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut p = partials[j];
            if v.abs() < p.abs() {
                std::mem::swap(&mut v, &mut p);
            }
            let high = v + p;
            let low = p - (high - v);
            if low != 0.0 {
                partials[kept] = low;
                kept += 1;
            }
            v = high;
        }
        partials.truncate(kept);
        partials.push(v);
    }
    // Python's own ending: add the non-overlapping partials from the largest
    // until one is lost, then settle a half-way case by the sign of the next.
    let Some(mut n) = partials.len().checked_sub(1) else { return 0.0 };
    let (mut high, mut low) = (partials[n], 0.0);
    while n > 0 {
        n -= 1;
        let (x, y) = (high, partials[n]);
        high = x + y;
        low = y - (high - x);
        if low != 0.0 {
            break;
        }
    }
    if n > 0 && ((low < 0.0 && partials[n - 1] < 0.0) || (low > 0.0 && partials[n - 1] > 0.0)) {
        let y = low * 2.0;
        let x = high + y;
        if x - high == y {
            high = x;
        }
    }
    high
}

/// A scenario with no covariate effects and no readiness, so every rate is
/// exactly as declared; `{STAGES}`, `{SERVICES}`, `{ARMS}`, `{ENROLMENT}`,
/// `{HORIZONS}`, `{JOB_LOSS}`, `{RETURN}` and `{REENTRY}` are filled in.
pub const TEMPLATE: &str = r#"Scenario(
    replicates: 1,
    seed: 5,
    horizons: {HORIZONS},
    stages: {STAGES},
    job_loss: (rates: {JOB_LOSS}, reentry_stage: "{REENTRY}"),
    return_to_benefit: (rates: {RETURN}),
    population: (
        readiness_sd: 0,
        age: Fixed(25),
        age_first_benefit: Fixed(18),
        benefit_type: (work_ready: 1),
        health: (no_condition: 1),
        weeks_on_benefit: Fixed(52),
        prior_spells: Fixed(0),
        starting_stage: {START},
    ),
    sites: [(name: "Only")],
    benefit_rates: (work_ready: 100),
    services: {SERVICES},
    arms: {ARMS},
    enrolment: {ENROLMENT},
)"#;

/// Fills [`TEMPLATE`]: `parts` are (token, text) pairs; unfilled tokens get defaults.
pub fn scenario(parts: &[(&str, &str)]) -> Model {
    scenario_from(TEMPLATE, parts)
}

/// Fills `template`, a variant of [`TEMPLATE`] with the same tokens, as
/// [`scenario`] fills [`TEMPLATE`].
pub fn scenario_from(template: &str, parts: &[(&str, &str)]) -> Model {
    let defaults = [
        ("{HORIZONS}", "[1]"),
        ("{STAGES}", r#"[(name: "Only", job: 0.1, other_exit: 0.05)]"#),
        ("{JOB_LOSS}", "[(from_week: 0, rate: 0)]"),
        ("{RETURN}", "[(from_week: 0, rate: 0)]"),
        ("{REENTRY}", "Only"),
        ("{START}", "[1]"),
        ("{SERVICES}", r#"{"bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1))}"#),
        ("{ARMS}", r#"[(name: "a", service: "bau", control: true), (name: "b", service: "bau")]"#),
        ("{ENROLMENT}", "Total(n: 200000, weeks: 1)"),
    ];
    let mut text = template.to_string();
    for (token, default) in defaults {
        let value = parts.iter().find(|(t, _)| *t == token).map_or(default, |(_, v)| *v);
        text = text.replace(token, value);
    }
    model_from(&text)
}

/// A report of `result` for writing outputs in a test: no scenario file
/// behind it (hash "0", no text), no time taken, no warnings.
pub fn report<'a>(model: &'a Model, result: &'a rctsim::trial::RunResult) -> rctsim::report::Report<'a> {
    rctsim::report::Report {
        model,
        scenario_sha256: "0",
        scenario_text: "",
        result,
        elapsed_seconds: 0.0,
        warnings: &[],
    }
}

/// Whether replicate `replicate` of `model` comes out the same when lives
/// sleep (skipping weeks and replaying them later) as when every life is
/// stepped every week; else the first difference.
pub fn sleeping_changes_nothing(model: &Model, replicate: u64) -> Result<(), String> {
    let keyed = rctsim::rng::Keyed::new(model.seed);
    let cohort = rctsim::trial::cohort(model, &keyed, replicate).map_err(|e| e.to_string())?;
    let fast = rctsim::engine::simulate(model, keyed, replicate, &cohort);
    let mut world = rctsim::engine::World::new(model, keyed, replicate, &cohort).without_sleeping();
    for t in 0..=world.last_week() {
        world.week(t);
    }
    let slow = world.finish();
    if fast.at_horizon != slow.at_horizon {
        return Err("horizon snapshots differ".into());
    }
    if fast.trajectories != slow.trajectories {
        return Err("trajectories differ".into());
    }
    // Everything but the sleep bookkeeping itself.
    let kept = |l: &rctsim::engine::life::Life| {
        (
            l.record,
            l.state,
            l.dur,
            l.labour,
            l.labour_events,
            l.engagement,
            l.support,
            l.service_weeks,
            l.disengaged_weeks,
        )
    };
    if let Some(k) = (0..fast.lives.len()).find(|&k| kept(&fast.lives[k]) != kept(&slow.lives[k])) {
        return Err(format!("life {k}: {:?} asleep, {:?} awake", kept(&fast.lives[k]), kept(&slow.lives[k])));
    }
    Ok(())
}
