//! A trial run: replicate trials in parallel, each analysed as it finishes,
//! then the design diagnosed across replicates.
//!
//! Replicates are independent given the seed (every draw is keyed by the
//! replicate), so they run in parallel in any order; their results are
//! reduced in replicate order, so the output does not depend on the number of
//! threads. Replicates are processed in chunks, keeping memory to one
//! replicate's cohort per thread and the chunk's estimates.

mod enrolment;
mod randomisation;

pub use enrolment::{arrivals, poisson};
pub use randomisation::simple as randomise;

use crate::analysis::{self, Diagnosis, Draw};
use crate::engine::capacity::CaseManagers;
use crate::engine::life::Record;
use crate::engine::{self, AtHorizon, Cohort, OUTCOMES, Outcome, Replicate, outcome_value};
use crate::population::{self, PopulationError};
use crate::rng::Keyed;
use crate::scenario::{Model, transition};
use crate::service as services;
use rayon::prelude::*;

/// How to run a scenario. Each `None` keeps the scenario's value.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replicate trials to simulate (overrides the scenario's `replicates`).
    pub replicates: Option<u32>,
    /// Root seed (overrides the scenario's `seed`).
    pub seed: Option<u64>,
    /// Worker threads; `None` uses rayon's global pool (one per core). A count
    /// above the number of replicates starts one per replicate. Results do
    /// not depend on it.
    pub threads: Option<usize>,
    /// Keep replicate 0's people and lives for person-level output.
    pub keep_persons: bool,
}

/// Why a run failed after its scenario was accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The cohort could not be generated: its people, or its case managers'
    /// quality draws ([`PopulationError`]).
    #[error("replicate {replicate}: {cause}")]
    Population {
        /// The replicate.
        replicate: u64,
        /// The cause (in the message, so not also a `source`, which would
        /// print it twice in an error chain).
        cause: PopulationError,
    },
    /// The machine cannot give every worker a replicate's memory.
    #[error(
        "one replicate of about {participants} participants × {arms} arms needs about {gb:.1} GB; \
         the {workers} held at once (one per worker thread, and replicate 0 when persons.csv is \
         written) need {total_gb:.1} GB, more than can be allocated here: use fewer --threads or a \
         smaller enrolment",
        gb = *bytes as f64 / 1e9,
        total_gb = *bytes as f64 * *workers as f64 / 1e9,
    )]
    Memory {
        /// Participants expected in a replicate.
        participants: usize,
        /// Arms.
        arms: usize,
        /// Bytes one replicate needs (see [`engine::replicate_bytes`]).
        bytes: usize,
        /// Replicates held at once.
        workers: usize,
    },
    /// The machine cannot hold every replicate's estimates, which the
    /// diagnosis needs together.
    #[error(
        "the estimates of {replicates} replicates need about {gb:.1} GB, more than can be allocated here: \
         use fewer --replicates",
        gb = *bytes as f64 / 1e9,
    )]
    ResultsMemory {
        /// Replicates asked for.
        replicates: u32,
        /// Bytes their estimates need.
        bytes: usize,
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

impl RunOptions {
    /// The replicates to run: the option's, else the scenario's.
    fn replicates_of(&self, model: &Model) -> u32 {
        self.replicates.unwrap_or(model.replicates)
    }
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
/// [`PopulationError`] when the eligibility rules admit almost nobody, a
/// person's rate multiplier overflows, or a case manager's quality raises a
/// service multiplier past the bound.
pub fn cohort(model: &Model, keyed: &Keyed, replicate: u64) -> Result<Cohort, PopulationError> {
    let keyed = &keyed.for_replicate(replicate);
    check_case_managers(model, keyed, replicate)?;
    cohort_of(model, keyed, replicate, arrivals(model, keyed, replicate))
}

/// Checks that no case manager's quality draw raises a service multiplier
/// above [`population::MAX_MULTIPLIER`]. It staffs the replicate as the
/// engine does, so that it checks the very case managers and draws that run.
fn check_case_managers(model: &Model, keyed: &Keyed, replicate: u64) -> Result<(), PopulationError> {
    let limit = population::MAX_MULTIPLIER.ln();
    let staff = CaseManagers::new(model, keyed, replicate);
    for (m, (&s, &quality)) in staff.service.iter().zip(&staff.quality).enumerate() {
        let service = &model.services[s as usize];
        let ln = services::largest_ln_multiplier(service, quality);
        if ln.is_nan() || ln > limit {
            return Err(PopulationError::CaseManagerEffect {
                service: service.name.clone(),
                case_manager: m as u64,
                quality,
                ln,
            });
        }
    }
    Ok(())
}

/// The cohort of `arrivals`, the first of replicate `replicate`'s.
fn cohort_of(
    model: &Model,
    keyed: &Keyed,
    replicate: u64,
    arrivals: impl Iterator<Item = (u32, u16)>,
) -> Result<Cohort, PopulationError> {
    let ratios: Vec<f64> = model.arms.iter().map(|a| a.ratio).collect();
    let expected = model.enrolment.expected_participants().min(arrivals.size_hint().1.unwrap_or(usize::MAX));
    let mut c = Cohort {
        persons: Vec::with_capacity(expected),
        arms: Vec::with_capacity(expected),
        rate_multipliers: Vec::with_capacity(expected),
    };
    for (ticket, (week, site)) in arrivals.enumerate() {
        let p = population::generate(&model.population, keyed, replicate, ticket as u64, site, week)?;
        let pm = population::rate_multipliers(model, &p);
        if let Some(j) = pm.iter().position(|&m| m.is_nan() || m > population::MAX_MULTIPLIER) {
            return Err(PopulationError::RateOverflow { ticket: ticket as u64, transition: transition::NAMES[j] });
        }
        c.rate_multipliers.push(pm);
        c.persons.push(p);
        c.arms.push(randomise(&ratios, keyed, replicate, ticket as u64));
    }
    Ok(c)
}

/// How many participants [`check_population`] generates.
pub const POPULATION_CHECK: usize = 10_000;

/// Generates the first [`POPULATION_CHECK`] participants of replicate 0 at the
/// scenario's seed, as a run would: a population the scenario cannot
/// generate is then found by `rctsim validate`, without running, in the
/// common case that it fails at once. (A run can still meet a failure later,
/// in a rarer draw.)
///
/// # Errors
/// The [`PopulationError`] a run would stop with in these participants.
pub fn check_population(model: &Model) -> Result<(), PopulationError> {
    let keyed = &Keyed::new(model.seed).for_replicate(0);
    check_case_managers(model, keyed, 0)?;
    cohort_of(model, keyed, 0, arrivals(model, keyed, 0).take(POPULATION_CHECK)).map(drop)
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

/// The whole-number outcomes ([`Outcome::is_whole`]) are the first `WHOLE`
/// of [`OUTCOMES`]; the last, money, is not.
const WHOLE: usize = OUTCOMES.len() - 1;
const _: () = {
    let mut o = 0;
    while o < WHOLE {
        assert!(OUTCOMES[o].is_whole());
        o += 1;
    }
    assert!(!OUTCOMES[WHOLE].is_whole());
};

/// One life's whole-number outcomes at horizon `week`, and its money outcome.
#[inline(always)]
fn life_values(stages: u8, record: &Record, at: &AtHorizon, week: u32, rate: f64) -> ([u32; WHOLE], f64) {
    let counts = std::array::from_fn(|o| OUTCOMES[o].count(week, record, at, stages).expect("a whole number"));
    (counts, outcome_value(OUTCOMES[WHOLE], week, record, at, stages, rate))
}

/// Arm `b`'s lives at one horizon, as [`arm_sums`] finds them.
struct ArmSums {
    /// The whole-number outcomes summed over the arm's participants' own lives.
    own: [u64; WHOLE],
    /// The whole-number outcomes summed over every person's life under the arm.
    lives: [u64; WHOLE],
    /// Money summed over the arm's participants, in ticket order.
    own_money: f64,
    /// Each person's money under the arm, in ticket order.
    money: Vec<f64>,
}

/// Sums every person's life under arm `b` at horizon index `h`, and pushes
/// to `rows` one row of the [`OUTCOMES`] per participant of the arm, in
/// ticket order. `rates[i]` is person `i`'s weekly benefit rate.
///
/// One arm at a time needs no per-arm indexing in the loop, and the rows of
/// one arm and horizon only. Kept out of line: inlined into [`analyse`], the
/// loop took 0.15 M more instructions per `ics_x.ron` replicate.
#[inline(never)]
fn arm_sums(
    model: &Model,
    cohort: &Cohort,
    rep: &Replicate,
    rates: &[f64],
    b: usize,
    h: usize,
    rows: &mut Vec<f64>,
) -> ArmSums {
    let (n_arms, n_h, week) = (rep.arms, model.horizons.len(), model.horizons[h]);
    let mut s = ArmSums { own: [0; WHOLE], lives: [0; WHOLE], own_money: 0.0, money: Vec::with_capacity(rates.len()) };
    for (i, (&a, &rate)) in cohort.arms.iter().zip(rates).enumerate() {
        let life = i * n_arms + b;
        let (counts, paid) =
            life_values(rep.stages, &rep.lives[life].record, &rep.at_horizon[life * n_h + h], week, rate);
        s.money.push(paid);
        for (sum, &n) in s.lives.iter_mut().zip(&counts) {
            *sum += u64::from(n);
        }
        if usize::from(a) == b {
            let mut row = [paid; OUTCOMES.len()];
            for ((sum, value), &n) in s.own.iter_mut().zip(&mut row).zip(&counts) {
                *sum += u64::from(n);
                *value = f64::from(n);
            }
            s.own_money += paid;
            rows.extend_from_slice(&row);
        }
    }
    s
}

/// Every contrast's estimate and SATE for every outcome and horizon (in
/// [`RunResult::cell`] order), and each arm's participants, starts and
/// outcome sums.
///
/// Each arm and horizon takes one pass over the people ([`arm_sums`]), which
/// computes each life's outcomes once: a participant's own life goes into its
/// arm's rows and sums, every life into the sums behind the SATEs. `rows`
/// keeps its memory from one replicate to the next.
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
    let n_h = model.horizons.len();
    let longest = model.longest_horizon();
    let contrasts = contrasts(model);
    let people = cohort.persons.len();
    assert!(people < 1 << 37, "whole-number sums are exact in a double below 2^53");
    let mut participants = vec![0u64; n_arms];
    let mut started = vec![0u64; n_arms];
    for (i, &a) in cohort.arms.iter().enumerate() {
        participants[a as usize] += 1;
        started[a as usize] += u64::from(rep.lives[i * n_arms + a as usize].record.started_before(longest));
    }
    // Room for the largest arm's rows at once, not grown by doubling.
    rows.clear();
    rows.reserve(N * participants.iter().max().map_or(0, |&p| p as usize));
    let rates: Vec<f64> = cohort.persons.iter().map(|p| model.benefit_rates[p.benefit_type as usize]).collect();
    let mut outcome_sums = vec![0.0; n_arms * n_h * N];
    // `[horizon][arm]`, and `[horizon][contrast][outcome]`.
    let mut moments = Vec::with_capacity(n_h * n_arms);
    let mut sates = Vec::with_capacity(n_h * contrasts.len());
    for h in 0..n_h {
        let arms: Vec<ArmSums> = (0..n_arms)
            .map(|b| {
                rows.clear();
                let s = arm_sums(model, cohort, rep, &rates, b, h, rows);
                let exact_sums = std::array::from_fn(|o| (o < WHOLE).then(|| s.own[o] as f64));
                moments.push(analysis::Moments::of_columns::<N>(rows, exact_sums));
                let sums = &mut outcome_sums[(b * n_h + h) * N..][..N];
                for o in 0..N {
                    sums[o] = exact_sums[o].unwrap_or(s.own_money);
                }
                s
            })
            .collect();
        for c in &contrasts {
            let (t, u) = (&arms[c.treatment], &arms[c.control]);
            let money_effect = t.money.iter().zip(&u.money).fold(0.0, |sum, (t, u)| sum + (t - u));
            let sate = |o: usize| {
                let effect_sum = if o < WHOLE { t.lives[o] as f64 - u.lives[o] as f64 } else { money_effect };
                effect_sum / people as f64
            };
            sates.push(std::array::from_fn::<f64, N, _>(sate));
        }
    }
    let mut draws = Vec::with_capacity(contrasts.len() * n_h * N);
    for (ci, c) in contrasts.iter().enumerate() {
        for o in 0..N {
            for h in 0..n_h {
                let (t, u) = (moments[h * n_arms + c.treatment][o], moments[h * n_arms + c.control][o]);
                let sate = sates[h * contrasts.len() + ci][o];
                draws.push(Draw { estimate: analysis::difference_of_moments(t, u), sate });
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
    /// One arm's outcome rows at one horizon, see [`analyse`].
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
/// [`RunError`] if a cohort cannot be generated, the workers cannot have a
/// replicate's memory each, the replicates' estimates cannot be held, or
/// threads cannot start.
pub fn run(model: &Model, options: &RunOptions) -> Result<RunResult, RunError> {
    run_with_progress(model, options, |_, _| {})
}

/// [`run`], calling `progress(done, total)` after each chunk of replicates
/// (in order, from one of the run's worker threads, hence `Send`).
///
/// # Errors
/// [`RunError`] if a cohort cannot be generated, the workers cannot have a
/// replicate's memory each, the replicates' estimates cannot be held, or
/// threads cannot start.
pub fn run_with_progress(
    model: &Model,
    options: &RunOptions,
    progress: impl FnMut(u32, u32) + Send,
) -> Result<RunResult, RunError> {
    // No more threads than replicates: a thread without one would only hold
    // memory (and be counted by the memory check).
    let replicates = options.replicates_of(model).max(1) as usize;
    match options.threads.map(|t| t.min(replicates)) {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| RunError::Threads { threads, message: e.to_string() })?
            .install(|| run_in_pool(model, options, progress)),
        None => run_in_pool(model, options, progress),
    }
}

/// Fails at once, rather than part way through, if `workers` replicates'
/// memory cannot be allocated. The probe is allocated and freed untouched:
/// where memory is overcommitted it costs nothing and finds only a run that
/// cannot fit at all (or breaks a process memory limit).
fn ensure_memory(model: &Model, workers: usize) -> Result<(), RunError> {
    let participants = model.enrolment.expected_participants();
    let bytes = engine::replicate_bytes(model, participants);
    if Vec::<u8>::new().try_reserve_exact(bytes.saturating_mul(workers)).is_ok() {
        return Ok(());
    }
    Err(RunError::Memory { participants, arms: model.arms.len(), bytes, workers })
}

/// The list for every replicate's estimates, or an error at once, rather
/// than an abort part way through, if they cannot all be held, with the copy
/// of one cell's that each of `workers` diagnoses at a time (the probe works
/// as in [`ensure_memory`]).
fn estimates_list(replicates: u32, cells: usize, workers: usize) -> Result<Vec<Vec<Draw>>, RunError> {
    let per_replicate = (cells + workers) * std::mem::size_of::<Draw>() + std::mem::size_of::<Vec<Draw>>();
    let bytes = (replicates as usize).saturating_mul(per_replicate);
    let mut estimates = Vec::new();
    if Vec::<u8>::new().try_reserve_exact(bytes).is_ok() && estimates.try_reserve_exact(replicates as usize).is_ok() {
        return Ok(estimates);
    }
    Err(RunError::ResultsMemory { replicates, bytes })
}

/// The most replicates a chunk gives each worker thread. The workers wait for
/// each other at the end of a chunk (its results are reduced in replicate
/// order), idling for up to a replicate each; long chunks make that a small
/// share. Chunks start at one replicate a worker and double up to this, so
/// that progress is reported early; the results do not depend on the sizes.
const MAX_CHUNK_PER_WORKER: u32 = 64;

fn run_in_pool(model: &Model, options: &RunOptions, mut progress: impl FnMut(u32, u32)) -> Result<RunResult, RunError> {
    let replicates = options.replicates_of(model);
    let seed = options.seed.unwrap_or(model.seed);
    let keyed = Keyed::new(seed);
    let n_arms = model.arms.len();
    let n_h = model.horizons.len();
    let contrasts = contrasts(model);
    let workers = rayon::current_num_threads().clamp(1, replicates.max(1) as usize);
    let estimates = estimates_list(replicates, contrasts.len() * OUTCOMES.len() * n_h, workers)?;
    let mut result = RunResult {
        seed,
        replicates,
        person_weeks: 0,
        arms: Vec::new(),
        contrasts,
        estimates,
        diagnoses: Vec::new(),
        trajectories: Vec::new(),
        persons: None,
    };
    let mut participants = vec![0u64; n_arms];
    let mut started = vec![0u64; n_arms];
    let mut outcome_sums = vec![0.0; n_arms * n_h * OUTCOMES.len()];
    ensure_memory(model, workers + usize::from(options.keep_persons))?;
    let mut chunk = workers as u32;
    let mut first = 0;
    while first < replicates {
        let last = first.saturating_add(chunk).min(replicates);
        chunk = chunk.saturating_mul(2).min(MAX_CHUNK_PER_WORKER * workers as u32);
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
    // Each cell's bootstrap is independent of the others': in parallel, in
    // cell order.
    result.diagnoses = (0..cells)
        .into_par_iter()
        .map(|cell| {
            let draws: Vec<Draw> = result.estimates.iter().map(|r| r[cell]).collect();
            analysis::diagnose(&draws)
        })
        .collect();
    Ok(result)
}
