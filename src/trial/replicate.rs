//! One replicate: simulated, then analysed as soon as it finishes, so that
//! only its estimates, sums and trajectories outlive it. Each arm's outcomes
//! are summed in one pass over its people, and every contrast gets its
//! estimate and its true sample effect (SATE).

use super::{Cell, Contrast, PersonLevel, RunError, cohort};
use crate::analysis::{self, Draw};
use crate::engine::life::Record;
use crate::engine::{self, AtHorizon, Cohort, OUTCOMES, Replicate, outcome_value};
use crate::rng::Keyed;
use crate::scenario::Model;

/// What one replicate hands to the reduction.
pub(super) struct ReplicateSummary {
    pub(super) draws: Vec<Draw>,
    pub(super) participants: Vec<u64>,
    pub(super) started: Vec<u64>,
    /// `[arm][horizon][outcome]` sums over the arm's participants.
    pub(super) outcome_sums: Vec<f64>,
    pub(super) trajectories: Vec<u64>,
    pub(super) person_weeks: u64,
    pub(super) persons: Option<PersonLevel>,
}

/// What [`analyse`] finds in one replicate.
struct Analysis {
    draws: Vec<Draw>,
    participants: Vec<u64>,
    started: Vec<u64>,
    /// `[arm][horizon][outcome]` sums over the arm's participants.
    outcome_sums: Vec<f64>,
}

/// The whole-number outcomes ([`engine::Outcome::is_whole`]) are the first `WHOLE`
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
    let week = model.horizons[h];
    let mut s = ArmSums { own: [0; WHOLE], lives: [0; WHOLE], own_money: 0.0, money: Vec::with_capacity(rates.len()) };
    for (i, (&a, &rate)) in cohort.arms.iter().zip(rates).enumerate() {
        let (counts, paid) = life_values(rep.stages, &rep.life(i, b).record, rep.at_horizon(i, b, h), week, rate);
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
/// [`super::RunResult::cell`] order), and each arm's participants, starts and
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
        started[a as usize] += u64::from(rep.life(i, a as usize).record.started_before(longest));
    }
    // Room for the largest arm's rows at once, not grown by doubling.
    rows.clear();
    rows.reserve(N * participants.iter().max().map_or(0, |&p| p as usize));
    let rates: Vec<f64> = cohort.persons.iter().map(|p| p.benefit_rate(model)).collect();
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
    let draws = super::cells(contrasts.len(), n_h)
        .map(|Cell { contrast: ci, outcome: o, horizon: h }| {
            let c = &contrasts[ci];
            let (t, u) = (moments[h * n_arms + c.treatment][o], moments[h * n_arms + c.control][o]);
            Draw { estimate: analysis::difference_of_moments(t, u), sate: sates[h * contrasts.len() + ci][o] }
        })
        .collect();
    Analysis { draws, participants, started, outcome_sums }
}

/// Every non-control arm against the control, in arm order: the order of the
/// contrasts in every result and output.
pub(super) fn contrasts(model: &Model) -> Vec<Contrast> {
    (0..model.arms.len())
        .filter(|&a| a != model.control)
        .map(|a| Contrast { treatment: a, control: model.control })
        .collect()
}

/// Buffers a worker thread keeps from one replicate to the next (see [`engine::Scratch`]).
#[derive(Default)]
pub(super) struct Buffers {
    engine: engine::Scratch,
    /// One arm's outcome rows at one horizon, see [`analyse`].
    rows: Vec<f64>,
}

thread_local! {
    /// Each worker's buffers: one replicate's worth, held while the thread lives.
    pub(super) static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
}

/// Replicate `replicate`: its cohort, simulated and analysed on this
/// worker's `buffers`. Only its summary leaves, with the replicate itself
/// when `keep` (replicate 0, for person-level output); otherwise its buffers
/// go back for the next replicate.
pub(super) fn summarise(
    model: &Model,
    keyed: &Keyed,
    replicate: u64,
    keep: bool,
    buffers: &mut Buffers,
) -> Result<ReplicateSummary, RunError> {
    let cohort = cohort(model, keyed, replicate).map_err(|cause| RunError::Cohort { replicate, cause })?;
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
