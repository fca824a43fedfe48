//! A trial run: replicate trials in parallel, each analysed as it finishes,
//! then the design diagnosed across replicates.
//!
//! Replicates are independent given the seed (every draw is keyed by the
//! replicate), so they run in parallel in any order; their results are
//! reduced in replicate order, so the output does not depend on the number of
//! threads. Replicates are processed in chunks, keeping memory to a few
//! replicates' cohorts per thread.

mod enrolment;
mod randomisation;

pub use enrolment::{arrivals, poisson};
pub use randomisation::simple as randomise;

use crate::analysis::{self, Diagnosis, Draw};
use crate::engine::life::Record;
use crate::engine::{self, AtHorizon, Cohort, OUTCOMES, Outcome, Replicate, outcome_value};
use crate::population::{self, PopulationError};
use crate::rng::Keyed;
use crate::scenario::{Model, transition};
use rayon::prelude::*;

/// How to run a scenario. Each `None` keeps the scenario's value.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replicate trials to simulate (overrides the scenario's `replicates`).
    pub replicates: Option<u32>,
    /// Root seed (overrides the scenario's `seed`).
    pub seed: Option<u64>,
    /// Worker threads; `None` uses every core. Results do not depend on it.
    pub threads: Option<usize>,
    /// Keep replicate 0's people and lives for person-level output.
    pub keep_persons: bool,
}

/// Why a run failed after its scenario was accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The cohort's people could not be generated.
    #[error("replicate {replicate}: {cause}")]
    Population {
        /// The replicate.
        replicate: u64,
        /// The cause (in the message, so not also a `source`, which would
        /// print it twice in an error chain).
        cause: PopulationError,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// The cause.
        message: String,
    },
}

/// What one arm looked like, pooled over replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSummary {
    /// Participants randomised to the arm, summed over replicates.
    pub participants: u64,
    /// Of those, how many started the arm's service before their longest horizon.
    pub started: u64,
    /// Mean of each outcome among the arm's participants: `[horizon][outcome]`.
    pub outcome_means: Vec<[f64; OUTCOMES.len()]>,
}

impl ArmSummary {
    /// Share of the arm who started the arm's service before their longest horizon.
    pub fn take_up(&self) -> f64 {
        self.started as f64 / self.participants as f64
    }
}

/// A contrast of an arm against the control arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contrast {
    /// Arm index of the treatment.
    pub treatment: usize,
    /// Arm index of the control.
    pub control: usize,
}

/// Replicate 0's people and lives, for person-level output.
#[derive(Debug, Clone)]
pub struct PersonLevel {
    /// The cohort.
    pub cohort: Cohort,
    /// Its simulated lives.
    pub replicate: Replicate,
}

/// Everything a run produces.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Seed used.
    pub seed: u64,
    /// Replicates simulated.
    pub replicates: u32,
    /// Simulated person-weeks (lives simulated × longest horizon, summed).
    pub person_weeks: u64,
    /// Per arm, in scenario order.
    pub arms: Vec<ArmSummary>,
    /// Every non-control arm against control, in arm order.
    pub contrasts: Vec<Contrast>,
    /// `estimates[replicate][cell]`, cells indexed by [`RunResult::cell`].
    pub estimates: Vec<Vec<Draw>>,
    /// Diagnosis per cell.
    pub diagnoses: Vec<Diagnosis>,
    /// Trajectory sums per arm and own week, see [`engine::TrajectoryColumns`].
    pub trajectories: Vec<u64>,
    /// Replicate 0 in full, when asked for.
    pub persons: Option<PersonLevel>,
}

impl RunResult {
    /// Index of contrast `c`, outcome `o` and horizon `h` in per-cell vectors.
    pub fn cell(&self, c: usize, o: usize, h: usize, horizons: usize) -> usize {
        (c * OUTCOMES.len() + o) * horizons + h
    }
}

/// What one replicate hands to the reduction.
struct ReplicateSummary {
    draws: Vec<Draw>,
    participants: Vec<u64>,
    started: Vec<u64>,
    /// `[arm][horizon][outcome]` sums over the arm's participants.
    outcome_sums: Vec<f64>,
    trajectories: Vec<u64>,
    person_weeks: u64,
    persons: Option<PersonLevel>,
}

/// Generates replicate `replicate`'s cohort: arrivals, people, arms, rate multipliers.
///
/// # Errors
/// [`PopulationError`] when the eligibility rules admit almost nobody, or a
/// rate multiplier overflows.
pub fn cohort(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, PopulationError> {
    let keyed = &keyed.for_replicate(replicate);
    let arrivals = arrivals(model, keyed, replicate);
    let ratios: Vec<f64> = model.arms.iter().map(|a| a.ratio).collect();
    let mut c = Cohort {
        persons: Vec::with_capacity(arrivals.len()),
        arms: Vec::with_capacity(arrivals.len()),
        rate_multipliers: Vec::with_capacity(arrivals.len()),
    };
    for (ticket, &(week, site)) in arrivals.iter().enumerate() {
        let p = population::generate(&model.population, keyed, replicate, ticket as u64, site, week)?;
        let pm = population::rate_multipliers(model, &p);
        if let Some(j) = pm.iter().position(|m| !m.is_finite()) {
            return Err(PopulationError::RateOverflow { ticket: ticket as u64, transition: transition::NAMES[j] });
        }
        c.rate_multipliers.push(pm);
        c.persons.push(p);
        c.arms.push(randomise(&ratios, keyed, replicate, ticket as u64));
    }
    Ok(c)
}

/// The value of `outcome` at horizon index `h` for person `i` under arm `a`.
pub fn person_outcome(
    model: &Model,
    cohort: &Cohort,
    rep: &Replicate,
    i: usize,
    a: usize,
    h: usize,
    outcome: Outcome,
) -> f64 {
    let rate = model.benefit_rates[cohort.persons[i].benefit_type as usize];
    life_outcome(model, rep, i * rep.arms + a, rate, h, outcome)
}

/// The value of `outcome` at horizon index `h` for life `life` (person `i`
/// under arm `a` is life `i · arms + a`), whose weekly benefit rate is `rate`.
#[inline]
fn life_outcome(model: &Model, rep: &Replicate, life: usize, rate: f64, h: usize, outcome: Outcome) -> f64 {
    let at = &rep.at_horizon[life * model.horizons.len() + h];
    outcome_value(outcome, model.horizons[h], &rep.lives[life].record, at, rep.stages, rate)
}

/// What [`analyse`] finds in one replicate.
struct Analysis {
    draws: Vec<Draw>,
    participants: Vec<u64>,
    started: Vec<u64>,
    /// `[arm][horizon][outcome]` sums over the arm's participants.
    outcome_sums: Vec<f64>,
}

/// Whether each outcome, in [`OUTCOMES`] order, is a whole number (see [`Outcome::is_whole`]).
const WHOLE: [bool; OUTCOMES.len()] = {
    let mut whole = [false; OUTCOMES.len()];
    let mut o = 0;
    while o < OUTCOMES.len() {
        whole[o] = OUTCOMES[o].is_whole();
        o += 1;
    }
    whole
};

/// One life's outcomes at one horizon: the whole-number outcomes in the
/// first array, the others in the second (each slot filled for its kind only).
#[inline(always)]
fn life_values(
    rep: &Replicate,
    record: &Record,
    at: &AtHorizon,
    week: u32,
    rate: f64,
) -> ([u32; OUTCOMES.len()], [f64; OUTCOMES.len()]) {
    let (mut counts, mut values) = ([0; OUTCOMES.len()], [0.0; OUTCOMES.len()]);
    for (o, &outcome) in OUTCOMES.iter().enumerate() {
        match outcome.count(week, record, at, rep.stages) {
            Some(n) => counts[o] = n,
            None => values[o] = outcome_value(outcome, week, record, at, rep.stages, rate),
        }
    }
    (counts, values)
}

/// Every contrast's estimate and SATE for every outcome and horizon (in
/// [`RunResult::cell`] order), and each arm's participants, starts and
/// outcome sums.
///
/// One pass over the people computes each life's outcomes once: a
/// participant's own life goes into its arm's rows and sums, every life into
/// the sums behind the SATEs. `rows` holds, for arm `a` and horizon `h`, one
/// row of the [`OUTCOMES`] per participant in ticket order, written whole
/// and read whole by [`analysis::Moments::of_columns`]; it keeps its memory
/// from one replicate to the next, and every value in use is written afresh.
///
/// # Exactness
/// Every sum here must equal, bit for bit, the plain sum in ticket order
/// (and each mean R's `mean()`). Money is summed so, in ticket order. The
/// whole-number outcomes are summed in integers: each value is at most
/// `u16::MAX < 2^16`, so with fewer than 2^37 people every partial sum, of
/// values or of differences of two lives' values, is a whole number of
/// magnitude below 2^53. Each is a double, so every addition of a plain sum
/// in ticket order is exact and gives the integer sum, and the arm's mean
/// may start from its exact sum (see [`analysis::Moments::of_columns`]).
fn analyse(model: &Model, cohort: &Cohort, rep: &Replicate, rows: &mut Vec<f64>) -> Analysis {
    const N: usize = OUTCOMES.len();
    let n_arms = rep.arms;
    let horizons = &model.horizons;
    let n_h = horizons.len();
    let per_life = n_h * N;
    let longest = *horizons.last().expect("validated: at least one horizon");
    let contrasts = contrasts(model);
    let people = cohort.persons.len();
    assert!(people < 1 << 37, "whole-number sums are exact in a double below 2^53");
    let mut participants = vec![0u64; n_arms];
    for &a in &cohort.arms {
        participants[a as usize] += 1;
    }
    // Arm a's rows start after those of the arms before it.
    let mut first = Vec::with_capacity(n_arms);
    let mut end = 0;
    for &p in &participants {
        first.push(end);
        end += p as usize * per_life;
    }
    if rows.len() < end {
        rows.resize(end, 0.0);
    }
    let mut started = vec![0u64; n_arms];
    // `[arm][horizon]` sums of the whole-number outcomes over the arm's
    // participants' own lives and over the other people's lives under it.
    let mut own_counts = vec![[0u64; N]; n_arms * n_h];
    let mut ghost_counts = vec![[0u64; N]; n_arms * n_h];
    // `[arm][horizon][outcome]` sums of the other outcomes over the arm's participants.
    let mut outcome_sums = vec![0.0; n_arms * per_life];
    // `[contrast][horizon]` sums of the other outcomes' individual effects.
    let mut effect_sums = vec![[0.0; N]; contrasts.len() * n_h];
    // One person's other outcomes under every arm: `[arm][horizon]`.
    let mut under = vec![[0.0; N]; n_arms * n_h];
    // Each arm's participants so far.
    let mut seen = vec![0usize; n_arms];
    for (i, &a) in cohort.arms.iter().enumerate() {
        let a = a as usize;
        let rate = model.benefit_rates[cohort.persons[i].benefit_type as usize];
        for b in 0..n_arms {
            let life = i * n_arms + b;
            let record = &rep.lives[life].record;
            let ats = &rep.at_horizon[life * n_h..][..n_h];
            for (h, (at, &week)) in ats.iter().zip(horizons).enumerate() {
                let (counts, values) = life_values(rep, record, at, week, rate);
                let unders = &mut under[b * n_h + h];
                if b == a {
                    let count = participants[a] as usize;
                    let row = &mut rows[first[a] + (h * count + seen[a]) * N..][..N];
                    let sums = &mut outcome_sums[(a * n_h + h) * N..][..N];
                    let own = &mut own_counts[a * n_h + h];
                    for o in 0..N {
                        if WHOLE[o] {
                            own[o] += u64::from(counts[o]);
                            row[o] = f64::from(counts[o]);
                        } else {
                            unders[o] = values[o];
                            sums[o] += values[o];
                            row[o] = values[o];
                        }
                    }
                } else {
                    let ghost = &mut ghost_counts[b * n_h + h];
                    for o in 0..N {
                        if WHOLE[o] {
                            ghost[o] += u64::from(counts[o]);
                        } else {
                            unders[o] = values[o];
                        }
                    }
                }
            }
        }
        started[a] += u64::from(rep.lives[i * n_arms + a].record.started_before(longest));
        seen[a] += 1;
        for (c, effects) in contrasts.iter().zip(effect_sums.chunks_exact_mut(n_h)) {
            for (h, effects) in effects.iter_mut().enumerate() {
                let (t, u) = (&under[c.treatment * n_h + h], &under[c.control * n_h + h]);
                for o in 0..N {
                    if !WHOLE[o] {
                        effects[o] += t[o] - u[o];
                    }
                }
            }
        }
    }
    for (cell, sum) in outcome_sums.iter_mut().enumerate() {
        if WHOLE[cell % N] {
            *sum = own_counts[cell / N][cell % N] as f64;
        }
    }
    // Every person's life under arm `b`, summed: its own participants' and the rest.
    let lives_count = |b: usize, h: usize, o: usize| (own_counts[b * n_h + h][o] + ghost_counts[b * n_h + h][o]) as f64;
    // Each arm's moments of every outcome at each horizon: `[arm][horizon]`.
    let moments: Vec<[analysis::Moments; N]> = (0..n_arms * n_h)
        .map(|block| {
            let (a, h) = (block / n_h, block % n_h);
            let count = participants[a] as usize;
            let rows = &rows[first[a] + h * count * N..][..count * N];
            let exact_sums = std::array::from_fn(|o| WHOLE[o].then(|| own_counts[block][o] as f64));
            analysis::Moments::of_columns(rows, exact_sums)
        })
        .collect();
    let mut draws = Vec::with_capacity(contrasts.len() * per_life);
    for (c, effects) in contrasts.iter().zip(effect_sums.chunks_exact(n_h)) {
        for o in 0..N {
            for h in 0..n_h {
                let effect_sum = if WHOLE[o] {
                    lives_count(c.treatment, h, o) - lives_count(c.control, h, o)
                } else {
                    effects[h][o]
                };
                let (t, u) = (moments[c.treatment * n_h + h][o], moments[c.control * n_h + h][o]);
                draws.push(Draw { estimate: analysis::difference_of_moments(t, u), sate: effect_sum / people as f64 });
            }
        }
    }
    Analysis { draws, participants, started, outcome_sums }
}

fn contrasts(model: &Model) -> Vec<Contrast> {
    (0..model.arms.len())
        .filter(|&a| a != model.control)
        .map(|a| Contrast { treatment: a, control: model.control })
        .collect()
}

/// Buffers a worker thread keeps from one replicate to the next (see [`engine::Scratch`]).
#[derive(Default)]
struct Buffers {
    engine: engine::Scratch,
    /// Each arm's outcome rows, see [`analyse`].
    rows: Vec<f64>,
}

thread_local! {
    /// Each worker's buffers: one replicate's worth, held while the thread lives.
    static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
}

fn summarise(
    model: &Model,
    keyed: &Keyed,
    replicate: u64,
    keep: bool,
    buffers: &mut Buffers,
) -> Result<ReplicateSummary, RunError> {
    let cohort = cohort(model, keyed, replicate).map_err(|cause| RunError::Population { replicate, cause })?;
    let mut rep = engine::simulate_reusing(model, *keyed, replicate, &cohort, &mut buffers.engine);
    let Analysis { draws, participants, started, outcome_sums } = analyse(model, &cohort, &rep, &mut buffers.rows);
    let trajectories = std::mem::take(&mut rep.trajectories);
    let person_weeks = rep.person_weeks;
    let persons = if keep {
        Some(PersonLevel { cohort, replicate: rep })
    } else {
        buffers.engine.recycle(rep);
        None
    };
    Ok(ReplicateSummary { draws, participants, started, outcome_sums, trajectories, person_weeks, persons })
}

/// Runs every replicate of `model` and diagnoses the design.
///
/// # Errors
/// [`RunError`] if a cohort cannot be generated or threads cannot start.
pub fn run(model: &Model, options: &RunOptions) -> Result<RunResult, RunError> {
    run_with_progress(model, options, |_, _| {})
}

/// [`run`], calling `progress(done, total)` as replicates finish (in order,
/// from the calling thread).
///
/// # Errors
/// [`RunError`] if a cohort cannot be generated or threads cannot start.
pub fn run_with_progress(
    model: &Model,
    options: &RunOptions,
    progress: impl FnMut(u32, u32) + Send,
) -> Result<RunResult, RunError> {
    match options.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| RunError::Threads { threads, message: e.to_string() })?
            .install(|| run_in_pool(model, options, progress)),
        None => run_in_pool(model, options, progress),
    }
}

fn run_in_pool(model: &Model, options: &RunOptions, mut progress: impl FnMut(u32, u32)) -> Result<RunResult, RunError> {
    let replicates = options.replicates.unwrap_or(model.replicates);
    let seed = options.seed.unwrap_or(model.seed);
    let keyed = Keyed::new(seed);
    let n_arms = model.arms.len();
    let n_h = model.horizons.len();
    let contrasts = contrasts(model);
    let mut result = RunResult {
        seed,
        replicates,
        person_weeks: 0,
        arms: Vec::new(),
        contrasts,
        estimates: Vec::with_capacity(replicates as usize),
        diagnoses: Vec::new(),
        trajectories: Vec::new(),
        persons: None,
    };
    let mut participants = vec![0u64; n_arms];
    let mut started = vec![0u64; n_arms];
    let mut outcome_sums = vec![0.0; n_arms * n_h * OUTCOMES.len()];
    let chunk = 16 * rayon::current_num_threads().max(1) as u32;
    let mut first = 0;
    while first < replicates {
        let last = (first + chunk).min(replicates);
        let summaries: Vec<Result<ReplicateSummary, RunError>> = (first..last)
            .into_par_iter()
            .map(|r| {
                BUFFERS.with(|buffers| {
                    let keep = options.keep_persons && r == 0;
                    // Only a replicate nested in another on the same thread would find them taken.
                    match buffers.try_borrow_mut() {
                        Ok(mut buffers) => summarise(model, &keyed, u64::from(r), keep, &mut buffers),
                        Err(_) => summarise(model, &keyed, u64::from(r), keep, &mut Buffers::default()),
                    }
                })
            })
            .collect();
        for s in summaries {
            let s = s?;
            result.person_weeks += s.person_weeks;
            for a in 0..n_arms {
                participants[a] += s.participants[a];
                started[a] += s.started[a];
            }
            for (acc, v) in outcome_sums.iter_mut().zip(&s.outcome_sums) {
                *acc += v;
            }
            if result.trajectories.is_empty() {
                result.trajectories = s.trajectories;
            } else {
                for (acc, v) in result.trajectories.iter_mut().zip(&s.trajectories) {
                    *acc += v;
                }
            }
            if s.persons.is_some() {
                result.persons = s.persons;
            }
            result.estimates.push(s.draws);
        }
        first = last;
        progress(first, replicates);
    }
    result.arms = (0..n_arms)
        .map(|a| ArmSummary {
            participants: participants[a],
            started: started[a],
            outcome_means: (0..n_h)
                .map(|h| {
                    std::array::from_fn(|o| outcome_sums[(a * n_h + h) * OUTCOMES.len() + o] / participants[a] as f64)
                })
                .collect(),
        })
        .collect();
    let cells = result.contrasts.len() * OUTCOMES.len() * n_h;
    result.diagnoses = (0..cells)
        .map(|cell| {
            let draws: Vec<Draw> = result.estimates.iter().map(|r| r[cell]).collect();
            analysis::diagnose(&draws)
        })
        .collect();
    Ok(result)
}
