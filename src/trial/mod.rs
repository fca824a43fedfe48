//! A trial run: replicate trials in parallel, each analysed as it finishes,
//! then the design diagnosed across replicates.
//!
//! Replicates are independent given the seed (every draw is keyed by the
//! replicate), so they run in parallel in any order; their results are
//! reduced in replicate order, so the output does not depend on the number of
//! threads. Replicates are processed in chunks, keeping memory to one
//! replicate's cohort per thread, beside every replicate's estimates, which
//! the diagnosis needs together.

mod cohort;
mod enrolment;
mod memory;
mod preflight;
mod quality_bound;
mod randomisation;
mod replicate;

pub use cohort::{CohortError, cohort};
pub use enrolment::arrivals;
pub use preflight::{MAX_PREFLIGHT_DRAWS, PreflightError, QUALITY_WARNING, preflight};
use quality_bound::check_case_managers_of_run;
pub use quality_bound::{QualityRisk, chance_a_run_stops, check_scenario_case_managers, quality_risks};
use randomisation::simple as randomise;

use crate::analysis::{self, Diagnosis, Draw};
use crate::engine::{self, Cohort, OUTCOMES, Replicate};
use crate::rng::Keyed;
use crate::scenario::Model;
use memory::fits;
use rayon::prelude::*;
use replicate::{BUFFERS, Buffers, ReplicateSummary, contrasts, summarise};

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
    /// quality draws ([`CohortError`]).
    #[error("replicate {replicate}: {cause}")]
    Cohort {
        /// The replicate.
        replicate: u64,
        /// The cause (in the message, so not also a `source`, which would
        /// print it twice in an error chain).
        cause: CohortError,
    },
    /// The machine cannot give every worker a replicate's memory.
    #[error(
        "one replicate of about {participants} participants × {arms} arms needs about {one}; \
         the {workers} held at once (one per worker thread, and replicate 0 when it is kept for \
         person-level output) need {total}, beside {held_size} for the estimates and trajectory sums, more than this \
         machine (or this job's memory limit) allows: use fewer worker threads, fewer replicates or a \
         smaller enrolment",
        one = Size(*bytes),
        total = Size(bytes.saturating_mul(*workers)),
        held_size = Size(*held),
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
        /// Bytes of every replicate's estimates, held throughout, and of
        /// the trajectory sums of a chunk of replicates and of the run.
        held: usize,
    },
    /// The machine cannot hold every replicate's estimates, which the
    /// diagnosis needs together.
    #[error(
        "the estimates of {replicates} replicates need about {size}, more than this machine (or this job's \
         memory limit) allows: \
         use fewer replicates, or fewer arms or horizons",
        size = Size(*bytes),
    )]
    ResultsMemory {
        /// Replicates asked for.
        replicates: u32,
        /// Bytes their estimates need.
        bytes: usize,
    },
    /// The options ask for no replicate or no worker thread.
    #[error("a run needs at least one {what} (got 0)")]
    Nothing {
        /// What was asked for none of.
        what: &'static str,
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

    /// A run needs a replicate and a worker thread: the command line and
    /// validation ask for them, and a library caller is told so too, instead
    /// of getting a run with nothing in it.
    fn check(&self, model: &Model) -> Result<(), RunError> {
        if self.replicates_of(model) == 0 {
            return Err(RunError::Nothing { what: "replicate" });
        }
        if self.threads == Some(0) {
            return Err(RunError::Nothing { what: "worker thread" });
        }
        Ok(())
    }
}

/// What one arm looked like, pooled over replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSummary {
    /// Participants randomised to the arm, summed over replicates.
    pub participants: u64,
    /// Of those, how many started the arm's service before their longest horizon.
    pub started: u64,
    /// Weeks on the arm's waitlist, summed over those participants: own weeks
    /// before the longest horizon after whose placements each was still
    /// waiting (`trajectories.csv`'s `share_waitlisted`, summed over weeks).
    pub waitlisted_person_weeks: u64,
    /// Mean of each outcome among the arm's participants: `[horizon][outcome]`.
    pub outcome_means: Vec<[f64; OUTCOMES.len()]>,
}

impl ArmSummary {
    /// Share of the arm who started the arm's service before their longest horizon.
    pub fn take_up(&self) -> f64 {
        self.started as f64 / self.participants as f64
    }

    /// Mean weeks a participant of the arm spent on its waitlist before the
    /// longest horizon: above 0 only where a cap left someone waiting after
    /// a week's placements, the sign that caps bind.
    pub fn weeks_waitlisted(&self) -> f64 {
        self.waitlisted_person_weeks as f64 / self.participants as f64
    }

    /// Mean participants per replicate, over `replicates`.
    pub fn per_replicate(&self, replicates: u32) -> f64 {
        self.participants as f64 / f64::from(replicates)
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
    /// The scenario's number of horizons, which lays out the cells.
    pub horizons: usize,
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
    pub fn cell(&self, c: usize, o: usize, h: usize) -> usize {
        (c * OUTCOMES.len() + o) * self.horizons + h
    }

    /// Every cell, in the order per-cell vectors (a replicate's estimates,
    /// the diagnoses) hold them: zip it with one to read both together.
    pub fn cells(&self) -> impl Iterator<Item = Cell> + use<> {
        cells(self.contrasts.len(), self.horizons)
    }
}

/// One cell of the results: a contrast, an outcome and a horizon, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// Index into [`RunResult::contrasts`].
    pub contrast: usize,
    /// Index into [`OUTCOMES`].
    pub outcome: usize,
    /// Index into the scenario's horizons.
    pub horizon: usize,
}

/// How many cells `contrasts` contrasts and `horizons` horizons make.
fn cell_count(contrasts: usize, horizons: usize) -> usize {
    contrasts * OUTCOMES.len() * horizons
}

/// The cells of `contrasts` contrasts and `horizons` horizons in their
/// order, [`RunResult::cell`]'s: contrast, then outcome, then horizon. The
/// one place that order is written.
fn cells(contrasts: usize, horizons: usize) -> impl Iterator<Item = Cell> {
    (0..contrasts).flat_map(move |contrast| {
        (0..OUTCOMES.len())
            .flat_map(move |outcome| (0..horizons).map(move |horizon| Cell { contrast, outcome, horizon }))
    })
}

/// Runs every replicate of `model` and diagnoses the design.
///
/// # Errors
/// [`RunError`] if the options ask for no replicate or no thread, a cohort
/// cannot be generated, the workers cannot have a replicate's memory each,
/// the replicates' estimates cannot be held, or threads cannot start.
pub fn run(model: &Model, options: &RunOptions) -> Result<RunResult, RunError> {
    run_with_progress(model, options, |_| {})
}

/// How far a run has come, as [`run_with_progress`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// `done` of `total` replicates simulated and estimated.
    Simulated {
        /// Replicates done.
        done: u32,
        /// Replicates in all.
        total: u32,
    },
    /// `done` of `total` cells (contrast × outcome × horizon) diagnosed: with
    /// many arms and horizons, the bootstrap of each cell's coverage can take
    /// longer than the simulation.
    Diagnosed {
        /// Cells done.
        done: usize,
        /// Cells in all.
        total: usize,
    },
}

/// A number of bytes as a message shows it: in GB to one decimal from 1 GB,
/// in MB or kB below (in GB alone, a limit of 20 MB read "0.0 GB").
struct Size(usize);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = self.0 as f64;
        match self.0 {
            0..1_000_000 => write!(f, "{:.0} kB", (bytes / 1e3).max(1.0)),
            1_000_000..1_000_000_000 => write!(f, "{:.0} MB", bytes / 1e6),
            _ => write!(f, "{:.1} GB", bytes / 1e9),
        }
    }
}

/// Cells diagnosed between two reports of progress.
const CELLS_PER_REPORT: usize = 256;

/// [`run`], calling `progress` after each chunk of replicates and of
/// diagnosed cells (in order, from the calling thread or, with `threads`
/// set, from one of the run's worker threads, hence `Send`).
///
/// # Errors
/// [`RunError`] if the options ask for no replicate or no thread, a cohort
/// cannot be generated, the workers cannot have a replicate's memory each,
/// the replicates' estimates cannot be held, or threads cannot start.
pub fn run_with_progress(
    model: &Model,
    options: &RunOptions,
    progress: impl FnMut(Progress) + Send,
) -> Result<RunResult, RunError> {
    options.check(model)?;
    // No more threads than replicates: a thread without one would only hold
    // memory (and be counted by the memory check).
    let replicates = options.replicates_of(model) as usize;
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
/// memory cannot be held beside the `held` bytes of every replicate's
/// estimates (see [`fits`]).
fn ensure_memory(model: &Model, workers: usize, held: usize) -> Result<(), RunError> {
    let participants = model.enrolment.expected_participants();
    let bytes = engine::replicate_bytes(model, participants);
    if fits(bytes.saturating_mul(workers).saturating_add(held)) {
        return Ok(());
    }
    Err(RunError::Memory { participants, arms: model.arms.len(), bytes, workers, held })
}

/// Bytes every replicate's estimates take, with the copy of one cell's that
/// each of `workers` diagnoses at a time.
fn estimates_bytes(replicates: u32, cells: usize, workers: usize) -> usize {
    let per_replicate = (cells + workers) * std::mem::size_of::<Draw>() + std::mem::size_of::<Vec<Draw>>();
    (replicates as usize).saturating_mul(per_replicate)
}

/// Checks, without running, that this machine can hold a run of `model` with
/// `options` as [`run`] would start it: every worker's replicate beside
/// every replicate's estimates (`rctsim validate` reports it, for the
/// scenario's replicates on every core).
///
/// # Errors
/// [`RunError::ResultsMemory`] or [`RunError::Memory`], as [`run`] would
/// fail at once, or [`RunError::Nothing`] for no replicate or thread.
pub fn check_memory(model: &Model, options: &RunOptions) -> Result<(), RunError> {
    options.check(model)?;
    let replicates = options.replicates_of(model);
    let threads = options.threads.unwrap_or_else(rayon::current_num_threads);
    let workers = threads.min(replicates as usize);
    let cells = cell_count(contrasts(model).len(), model.horizons.len());
    let estimates = estimates_bytes(replicates, cells, workers);
    if !fits(estimates) {
        return Err(RunError::ResultsMemory { replicates, bytes: estimates });
    }
    // Beside them, the trajectory sums of a chunk's replicates until it is
    // added up, and of the run.
    let chunk = max_chunk(model, workers, replicates) as usize;
    let held = estimates.saturating_add((chunk + 1).saturating_mul(engine::trajectory_bytes(model)));
    ensure_memory(model, buffer_sets(workers, options.keep_persons, replicates), held)
}

/// The most replicates a chunk holds: [`MAX_CHUNK_PER_WORKER`] a worker, or
/// fewer where their trajectory sums, which each keeps until the chunk is
/// added up, would pass [`CHUNK_BYTES`]; at least one a worker, and no more
/// than there are replicates.
fn max_chunk(model: &Model, workers: usize, replicates: u32) -> u32 {
    let within = CHUNK_BYTES / engine::trajectory_bytes(model).max(1);
    let most = (MAX_CHUNK_PER_WORKER as usize * workers).min(within.max(workers));
    most.min(replicates as usize) as u32
}

/// How many replicates' buffers a run holds at once: one per worker, and
/// replicate 0's kept for persons.csv, which is one more only if a worker
/// goes on to another replicate: never more than there are replicates.
fn buffer_sets(workers: usize, keep_persons: bool, replicates: u32) -> usize {
    (workers + usize::from(keep_persons)).min(replicates as usize)
}

/// The list for every replicate's estimates, once [`check_memory`] has found
/// room for them.
fn estimates_list(replicates: u32) -> Result<Vec<Vec<Draw>>, RunError> {
    let mut estimates = Vec::new();
    estimates.try_reserve_exact(replicates as usize).map_err(|_| RunError::ResultsMemory {
        replicates,
        bytes: replicates as usize * std::mem::size_of::<Vec<Draw>>(),
    })?;
    Ok(estimates)
}

/// The most replicates a chunk gives each worker thread. The workers wait for
/// each other at the end of a chunk (its results are reduced in replicate
/// order), idling for up to a replicate each; long chunks make that a small
/// share. Chunks start at one replicate a worker and double up to this, so
/// that progress is reported early; the results do not depend on the sizes.
const MAX_CHUNK_PER_WORKER: u32 = 64;

/// The most a chunk's trajectory sums may take, where one replicate's are
/// large (see [`max_chunk`]): 256 MiB.
const CHUNK_BYTES: usize = 256 << 20;

/// The run inside its thread pool: checks memory, then every replicate's
/// case managers, before simulating any replicate (so that a run that cannot
/// finish stops at once); simulates replicates in chunks across the workers;
/// adds their results up in replicate order, which makes them independent of
/// the number of threads and of the chunk sizes; and diagnoses every cell.
fn run_in_pool(model: &Model, options: &RunOptions, mut progress: impl FnMut(Progress)) -> Result<RunResult, RunError> {
    let replicates = options.replicates_of(model);
    let seed = options.seed.unwrap_or(model.seed);
    let keyed = Keyed::new(seed);
    let n_h = model.horizons.len();
    // What this machine can hold first (a failure of the run, not of the
    // scenario): it is known at once, while
    // drawing every replicate's case managers takes a time in proportion to
    // the replicates (a minute for 200 million).
    // Inside the run's pool, the workers `check_memory` counts.
    check_memory(model, options)?;
    check_case_managers_of_run(model, &keyed, replicates)?;
    let workers = rayon::current_num_threads().min(replicates as usize);
    let mut result = RunResult {
        seed,
        replicates,
        person_weeks: 0,
        arms: Vec::new(),
        contrasts: contrasts(model),
        horizons: n_h,
        estimates: estimates_list(replicates)?,
        diagnoses: Vec::new(),
        trajectories: Vec::new(),
        persons: None,
    };
    let mut pooled = Pooled::new(model.arms.len(), n_h);
    let largest = max_chunk(model, workers, replicates);
    let mut chunk = workers as u32;
    let mut first = 0;
    while first < replicates {
        let last = first.saturating_add(chunk).min(replicates);
        chunk = chunk.saturating_mul(2).min(largest);
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
            pooled.add(&mut result, s?);
        }
        first = last;
        progress(Progress::Simulated { done: first, total: replicates });
    }
    result.arms = pooled.arms(model, &result.trajectories);
    result.diagnoses = diagnose_cells(&result, &mut progress);
    Ok(result)
}

/// What a run adds up over replicates, in replicate order, for the arms'
/// summaries: participants, starters and outcome sums per arm.
struct Pooled {
    participants: Vec<u64>,
    started: Vec<u64>,
    /// `[arm][horizon][outcome]`.
    outcome_sums: Vec<f64>,
}

impl Pooled {
    fn new(arms: usize, horizons: usize) -> Self {
        Self {
            participants: vec![0; arms],
            started: vec![0; arms],
            outcome_sums: vec![0.0; arms * horizons * OUTCOMES.len()],
        }
    }

    /// Adds replicate `s` (the next in order) to the arms' sums and moves its
    /// estimates, trajectories and persons into `result`.
    fn add(&mut self, result: &mut RunResult, s: ReplicateSummary) {
        result.person_weeks += s.person_weeks;
        add_to(&mut self.participants, &s.participants);
        add_to(&mut self.started, &s.started);
        add_to(&mut self.outcome_sums, &s.outcome_sums);
        if result.trajectories.is_empty() {
            result.trajectories = s.trajectories;
        } else {
            add_to(&mut result.trajectories, &s.trajectories);
        }
        if s.persons.is_some() {
            result.persons = s.persons;
        }
        result.estimates.push(s.draws);
    }

    /// Each arm's participants, starters, weeks waitlisted (from the pooled
    /// `trajectories`) and outcome means per horizon.
    fn arms(&self, model: &Model, trajectories: &[u64]) -> Vec<ArmSummary> {
        let n_h = model.horizons.len();
        let cols = engine::TrajectoryColumns { stages: model.stages.len() };
        let weeks = model.longest_horizon() as usize + 1;
        let waitlisted =
            |a: usize| -> u64 { (0..weeks - 1).map(|k| trajectories[cols.row(a, k, weeks)][cols.waitlisted()]).sum() };
        (0..self.participants.len())
            .map(|a| ArmSummary {
                participants: self.participants[a],
                started: self.started[a],
                waitlisted_person_weeks: waitlisted(a),
                outcome_means: (0..n_h)
                    .map(|h| {
                        std::array::from_fn(|o| {
                            self.outcome_sums[(a * n_h + h) * OUTCOMES.len() + o] / self.participants[a] as f64
                        })
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Adds `v` to `acc`, element by element.
fn add_to<T: Copy + std::ops::AddAssign>(acc: &mut [T], v: &[T]) {
    for (a, &x) in acc.iter_mut().zip(v) {
        *a += x;
    }
}

/// Diagnoses every contrast × outcome × horizon cell from the replicates'
/// estimates. Each cell's bootstrap is independent of the others': in
/// parallel, in cell order, reporting progress every `CELLS_PER_REPORT`.
fn diagnose_cells(result: &RunResult, progress: &mut impl FnMut(Progress)) -> Vec<Diagnosis> {
    let cells = cell_count(result.contrasts.len(), result.horizons);
    let mut diagnoses = Vec::with_capacity(cells);
    for first in (0..cells).step_by(CELLS_PER_REPORT) {
        let last = (first + CELLS_PER_REPORT).min(cells);
        let chunk: Vec<Diagnosis> = (first..last)
            .into_par_iter()
            .map(|cell| {
                let draws: Vec<Draw> = result.estimates.iter().map(|r| r[cell]).collect();
                analysis::diagnose(&draws)
            })
            .collect();
        diagnoses.extend(chunk);
        progress(Progress::Diagnosed { done: last, total: cells });
    }
    diagnoses
}

#[cfg(test)]
mod tests {
    use super::{Cell, Contrast, OUTCOMES, Progress, RunError, RunOptions, RunResult, buffer_sets, check_memory};
    use crate::scenario::Model;
    use std::path::Path;

    fn minimal() -> Model {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron");
        crate::scenario::load(&path).unwrap().model
    }

    /// The cells come in the order `RunResult::cell` indexes them, which is
    /// the order of every per-cell vector, with each index in range.
    #[test]
    fn cells_come_in_the_order_cell_indexes_them() {
        for (contrasts, horizons) in [(1, 1), (1, 3), (3, 2), (0, 2)] {
            let result = RunResult {
                seed: 0,
                replicates: 0,
                person_weeks: 0,
                arms: Vec::new(),
                contrasts: vec![Contrast { treatment: 1, control: 0 }; contrasts],
                horizons,
                estimates: Vec::new(),
                diagnoses: Vec::new(),
                trajectories: Vec::new(),
                persons: None,
            };
            let cells: Vec<Cell> = result.cells().collect();
            assert_eq!(cells.len(), contrasts * OUTCOMES.len() * horizons);
            for (index, c) in cells.iter().enumerate() {
                assert!(c.contrast < contrasts && c.outcome < OUTCOMES.len() && c.horizon < horizons);
                assert_eq!(result.cell(c.contrast, c.outcome, c.horizon), index);
            }
        }
    }

    /// A library caller asking for no replicate or no thread is told so,
    /// before anything runs, instead of getting a result with nothing in it.
    #[test]
    fn a_run_of_no_replicate_or_no_thread_is_refused() {
        let model = minimal();
        for (options, what) in [
            (RunOptions { replicates: Some(0), ..Default::default() }, "replicate"),
            (RunOptions { threads: Some(0), ..Default::default() }, "worker thread"),
        ] {
            for result in [super::run(&model, &options).map(|_| ()), check_memory(&model, &options)] {
                match result {
                    Err(e @ RunError::Nothing { .. }) => {
                        assert_eq!(e.to_string(), format!("a run needs at least one {what} (got 0)"));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        let mut model = minimal();
        model.replicates = 0;
        assert!(matches!(super::run(&model, &RunOptions::default()), Err(RunError::Nothing { what: "replicate" })));
    }

    /// The bytes the estimates of a run need, as the error that refuses it
    /// reports them. `minimal.ron` has 1 contrast × 9 outcomes × 2 horizons =
    /// 18 cells; a draw is seven doubles (56 bytes) and each replicate's list
    /// three words (24 bytes), with one worker's copy of a cell: per replicate
    /// (18 + 1) × 56 + 24 = 1088 bytes, and 4,294,967,295 replicates need
    /// 4,672,924,416,960 bytes, far more than any machine holds.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_estimates_of_every_replicate_need_cells_and_workers_draws_and_a_list_each() {
        let options = RunOptions { replicates: Some(u32::MAX), threads: Some(1), ..Default::default() };
        match check_memory(&minimal(), &options) {
            Err(RunError::ResultsMemory { replicates, bytes }) => {
                assert_eq!((replicates, bytes), (u32::MAX, 4_672_924_416_960));
            }
            other => panic!("{other:?}"),
        }
    }

    /// Progress is reported after each chunk of replicates: a chunk gives each
    /// of the 2 workers 1 replicate, then 2, 4, 8, 16, 32 and at most 64, so
    /// chunks of 2, 4, 8, 16, 32, 64, 128, 128, …, and the last holds what is
    /// left; then once for the 18 cells diagnosed.
    #[test]
    fn progress_comes_after_chunks_doubling_to_64_replicates_per_worker() {
        let options = RunOptions { replicates: Some(300), threads: Some(2), ..Default::default() };
        let mut reports = Vec::new();
        super::run_with_progress(&minimal(), &options, |p| reports.push(p)).unwrap();
        let simulated = [2, 6, 14, 30, 62, 126, 254, 300].map(|done| Progress::Simulated { done, total: 300 });
        assert_eq!(reports[..8], simulated);
        assert_eq!(reports[8..], [Progress::Diagnosed { done: 18, total: 18 }]);
    }

    /// Each replicate's trajectory sums are kept until its chunk is added
    /// up: `minimal.ron` with 64 arms, 100 stages and a horizon of 2,000
    /// weeks has 64 × 2,001 × 107 × 8 = 109,622,784 bytes of them a
    /// replicate, so a chunk holds two (256 MiB of them), not 128, and the
    /// memory check counts three beside the estimates.
    #[test]
    fn large_trajectory_sums_make_chunks_shorter_and_count_in_the_memory_check() {
        let model = minimal();
        assert_eq!(super::max_chunk(&model, 2, 1000), 128);
        assert_eq!(super::max_chunk(&model, 2, 100), 100);
        let mut large = minimal();
        large.arms = (0..64).map(|_| model.arms[0].clone()).collect();
        large.stages = (0..100).map(|_| model.stages[0].clone()).collect();
        large.horizons = vec![2000];
        let per_replicate = 109_622_784;
        assert_eq!(crate::engine::trajectory_bytes(&large), per_replicate);
        assert_eq!(super::max_chunk(&large, 2, 1000), 2);
        assert_eq!(super::max_chunk(&large, 4, 1000), 4, "at least one a worker");
        assert!(
            crate::engine::replicate_bytes(&large, 0) > 2 * per_replicate,
            "the sums and their runs, in the worker"
        );
    }

    #[test]
    fn sizes_in_messages_keep_their_digits() {
        let shown = [12_345, 20_000_000, 999_400_000, 1_600_000_000].map(|b| super::Size(b).to_string());
        assert_eq!(shown, ["12 kB", "20 MB", "999 MB", "1.6 GB"]);
    }

    #[test]
    fn replicate_0_kept_for_persons_adds_a_set_only_where_a_worker_runs_on() {
        assert_eq!(buffer_sets(1, true, 1), 1, "one replicate, kept: its own buffers");
        assert_eq!(buffer_sets(2, true, 2), 2);
        assert_eq!(buffer_sets(2, true, 5), 3);
        assert_eq!(buffer_sets(2, false, 5), 2);
    }
}
