//! One simulated life: a participant under one arm, real or ghost.
//!
//! The weekly move is drawn with an exponential clock: a threshold
//! `E = −ln U` is drawn once per event, each week adds that week's total rate
//! `Λ` to a running sum, and the move happens in the week the sum passes `E`.
//! Given no move before week k, the chance of a move in week k is exactly
//! `1 − exp(−Λ_k)`, the destination is `j` with chance `λ_j / Λ_k`, and no
//! random number or `exp` is needed in weeks without a move. Real and ghost
//! lives of a participant draw their thresholds from the same keys, event by
//! event (common random numbers).

use crate::rng::{Keyed, Purpose};
use crate::scenario::{MAX_ENROLMENT_WEEKS, MAX_HORIZON};

/// Marks an absent case manager or ticket.
pub const NONE: u32 = u32::MAX;

/// Marks a week that has not happened (in a [`Record`]).
pub const NEVER: u16 = u16::MAX;

/// Weeks beyond any trial (validation bounds trials to 7,000 weeks): a clock
/// event further away than this is reported as never.
pub const FAR: u32 = 1 << 24;

/// The last calendar week of the longest trial validation lets through.
const LONGEST_TRIAL: u32 = MAX_ENROLMENT_WEEKS + MAX_HORIZON;
const _: () = assert!(LONGEST_TRIAL < NEVER as u32 && LONGEST_TRIAL < FAR, "weeks fit a Record and the clocks");

/// How near a whole number [`Clock::weeks_to_event`]'s quotient may come
/// before the week is found by testing (2⁻²⁰, far above its error of 2⁻²⁶).
const NEAR_WHOLE: f64 = 1.0 / (1 << 20) as f64;
const _: () = assert!((FAR + LONGEST_TRIAL) < 1 << 25, "the quotient's error bound holds");

/// A running exponential clock for one kind of event.
///
/// It holds the hazard still to accumulate at its anchor (the last event or
/// rate change) and the weeks run since at one rate, so the hazard still to
/// accumulate after `n` weeks is `left − n·rate`. A week at the same rate adds
/// one to `n`; a new rate moves the anchor. The test for an event is then the
/// same whether a life is stepped week by week or a run of weeks is skipped at
/// once (see [`Clock::weeks_to_event`]), so skipping changes no result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    left: f64,
    rate: f64,
    weeks: u32,
}

impl Clock {
    /// The hazard still to accumulate before the next event.
    #[inline]
    pub fn remaining(&self) -> f64 {
        self.left_after(self.weeks)
    }

    #[inline]
    fn left_after(&self, weeks: u32) -> f64 {
        self.left - f64::from(weeks) * self.rate
    }

    /// Moves the anchor when the rate changes.
    #[inline]
    fn set_rate(&mut self, rate: f64) {
        if rate != self.rate {
            self.left = self.remaining();
            self.weeks = 0;
            self.rate = rate;
        }
    }

    /// Adds `weeks` weeks at `rate` known not to complete the event (see
    /// [`Clock::weeks_to_event`]).
    #[inline]
    pub fn accumulate(&mut self, rate: f64, weeks: u32) {
        if rate > 0.0 && weeks > 0 {
            self.set_rate(rate);
            self.weeks += weeks;
        }
    }

    /// In how many weeks at `rate` from now the event happens (1 = the next
    /// week), by exactly the test [`Clock::tick`] makes; `None` at a zero rate
    /// or when it is more than [`FAR`] weeks away, beyond any trial.
    pub fn weeks_to_event(&self, rate: f64) -> Option<u32> {
        // One comparison for the common case; a zero or subnormal rate is
        // rare, and only a normal one keeps the error bound below.
        if rate < f64::MIN_POSITIVE {
            return if rate <= 0.0 { None } else { self.weeks_to_event_searched(rate) };
        }
        // The anchor as `tick` would move it for this rate.
        let (left, run) = if rate == self.rate { (self.left, self.weeks) } else { (self.remaining(), 0) };
        let guess = left / rate - f64::from(run);
        // The test `tick` makes in week `n`, `left − (run + n)·rate ≤ 0`, is
        // `fl((run + n)·rate) ≥ left` (a difference of two floats has the sign
        // of the exact one, and the product is normal), that is
        // `run + n ≥ (left / rate)·(1 + δ)` with |δ| ≤ 2⁻⁵²: a bound within
        // 2⁻²⁷ of `left / rate`, below `FAR + LONGEST_TRIAL` < 2²⁵ here
        // (`guess` at most `FAR`, `run` at most the longest trial validation
        // lets through; the bound would hold up to about 2³⁰);
        // `guess + run` is as near it (two roundings). So when `guess` is
        // positive and more than `NEAR_WHOLE` from a whole number, the week
        // is the first whole one past it (1 for a quotient below 1: the
        // event comes next week), and no test is needed; nearer one (about
        // once in 500 000 at random), the search below makes the tests, as
        // it does for a threshold already passed and one beyond `FAR`.
        if guess > 0.0 && guess <= f64::from(FAR) {
            let whole = guess as u32;
            let past = guess - f64::from(whole);
            if past > NEAR_WHOLE && past < 1.0 - NEAR_WHOLE {
                return Some(whole + 1);
            }
        }
        self.weeks_to_event_searched(rate)
    }

    /// [`Clock::weeks_to_event`] by its test itself, week by week from the
    /// quotient's; `rate` is positive.
    #[inline(never)]
    fn weeks_to_event_searched(&self, rate: f64) -> Option<u32> {
        let (left, run) = if rate == self.rate { (self.left, self.weeks) } else { (self.remaining(), 0) };
        let fires = |n: u32| left - f64::from(run + n) * rate <= 0.0;
        // The quotient is within a week or two of the answer, and the answer
        // is the first whole week at or past it: start there and step to it
        // exactly.
        let guess = left / rate - f64::from(run);
        if guess.is_nan() || guess > f64::from(FAR) {
            return None;
        }
        let mut n = if guess > 1.0 { guess as u32 + 1 } else { 1 };
        while n > 1 && fires(n - 1) {
            n -= 1;
        }
        while !fires(n) {
            n += 1;
        }
        Some(n)
    }

    /// A clock whose first threshold is keyed by `(purpose, entity, 0)`.
    ///
    /// Inlined into [`Life::arriving`], which starts up to three per arrival: as
    /// calls they cost about a tenth more.
    #[inline]
    pub fn new(keyed: &Keyed, replicate: u64, purpose: Purpose, entity: u64) -> Self {
        Self { left: keyed.exponential(replicate, purpose, entity, 0), rate: 0.0, weeks: 0 }
    }

    /// A clock whose event never comes, for an event no service of the trial
    /// has: its threshold, never read, is not drawn.
    #[inline]
    pub fn never() -> Self {
        Self { left: f64::INFINITY, rate: 0.0, weeks: 0 }
    }

    /// Adds one week at total rate `rate`; true when the event happens this week.
    ///
    /// `events` counts the events so far; on an event it grows by one and keys
    /// the next threshold.
    // Inlined, with the draw of the next threshold out of line: most ticks of
    // the engagement and support clocks are weeks without an event.
    #[inline(always)]
    pub fn tick(
        &mut self,
        rate: f64,
        events: &mut u16,
        keyed: &Keyed,
        replicate: u64,
        purpose: Purpose,
        entity: u64,
    ) -> bool {
        if rate <= 0.0 {
            return false;
        }
        self.set_rate(rate);
        self.weeks += 1;
        if self.left_after(self.weeks) > 0.0 {
            return false;
        }
        self.restart(events, keyed, replicate, purpose, entity);
        true
    }

    /// After an event: counts it and keys the next threshold.
    #[inline(never)]
    fn restart(&mut self, events: &mut u16, keyed: &Keyed, replicate: u64, purpose: Purpose, entity: u64) {
        *events += 1;
        self.left = keyed.exponential(replicate, purpose, entity, u64::from(*events));
        self.weeks = 0;
    }
}

/// The running record from which outcomes at every horizon are read. Weeks
/// fit in 16 bits: validation bounds horizons and enrolment ([`MAX_HORIZON`],
/// [`MAX_ENROLMENT_WEEKS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Weeks on benefit so far (weeks before the current one).
    pub weeks_on_benefit: u16,
    /// First own week off benefit.
    pub first_exit: u16,
    /// First own week Employed.
    pub first_employed: u16,
    /// First own week Employed with tenure ≥ each of [`MILESTONES`].
    pub first_tenure: [u16; 3],
    /// First own week not Employed after the first job started: the end of the first job spell.
    pub first_job_end: u16,
    /// Own week the arm's service started.
    pub service_started: u16,
}

impl Record {
    /// Whether the arm's service started before own week `week`. Take-up
    /// (and `persons.csv`) count starts before the longest horizon: real
    /// lives run on after theirs while later participants finish, and may be
    /// placed then.
    #[inline]
    pub fn started_before(&self, week: u32) -> bool {
        u32::from(self.service_started) < week
    }
}

impl Default for Record {
    fn default() -> Self {
        Self {
            weeks_on_benefit: 0,
            first_exit: NEVER,
            first_employed: NEVER,
            first_tenure: [NEVER; 3],
            first_job_end: NEVER,
            service_started: NEVER,
        }
    }
}

/// Weeks of continuous work that make employment sustained.
pub const SUSTAINED_TENURE: u16 = 26;

/// Job-retention milestones in weeks of tenure: 13, 26 (sustained employment) and 52.
pub const MILESTONES: [u16; 3] = [13, SUSTAINED_TENURE, 52];

/// A participant's state under one arm.
///
/// Laid out for the cache: everything a life outside a service touches when
/// it wakes, moves and sleeps lies in its first 64 bytes; the engagement and
/// support clocks and the service counters, used only in a service, in the
/// second. Lives are aligned to cache lines, since they are visited at random.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
pub struct Life {
    /// Labour-move clock.
    pub labour: Clock,
    /// First calendar week skipped while asleep, or [`NONE`] when awake.
    pub asleep_from: u32,
    /// The service case manager while in service.
    pub service_cm: u32,
    /// The fallback case manager, fixed at randomisation.
    pub fallback_cm: u32,
    /// Outcome record.
    pub record: Record,
    /// Weeks in the current Employed or OtherExit spell before this week.
    pub dur: u16,
    /// Labour moves so far.
    pub labour_events: u16,
    /// Stage index below `S`; `S` = Employed; `S + 1` = OtherExit.
    pub state: u8,
    /// In the arm's service (holding a slot).
    pub in_service: bool,
    /// On the service's waitlist.
    pub waiting: bool,
    /// Engaged with the service (only meaningful in service).
    pub engaged: bool,
    /// Has a Navigator.
    pub nav: bool,
    /// Engagement clock.
    pub engagement: Clock,
    /// In-work-support end clock.
    pub support: Clock,
    /// Engagement changes so far.
    pub engagement_events: u16,
    /// In-work-support ends so far.
    pub support_events: u16,
    /// Weeks in service so far.
    pub service_weeks: u16,
    /// Consecutive weeks disengaged so far.
    pub disengaged_weeks: u16,
}

// What a life outside a service uses fits in its first cache line.
const _: () = assert!(
    std::mem::offset_of!(Life, nav) < 64
        && std::mem::offset_of!(Life, engagement) >= 64
        && std::mem::size_of::<Life>() == 128
);

impl Life {
    /// A life starting on benefit at `stage`, with clocks keyed by `ticket`.
    pub fn new(stage: u8, fallback_cm: u32, keyed: &Keyed, replicate: u64, ticket: u64) -> Self {
        Self::arriving(stage, fallback_cm, keyed, replicate, ticket, true)
    }

    /// [`Life::new`], with an in-work-support clock only if `support_ends`:
    /// some service of the trial ends time-unlimited support at a positive
    /// rate. Otherwise that clock never runs (its rate is zero in every
    /// week), and drawing its threshold, a hash and a logarithm, would be an
    /// eighth of an arrival's cost.
    // Inlined into the arrivals' loop, which then builds the life in place
    // instead of copying it from the stack.
    #[inline(always)]
    pub fn arriving(
        stage: u8,
        fallback_cm: u32,
        keyed: &Keyed,
        replicate: u64,
        ticket: u64,
        support_ends: bool,
    ) -> Self {
        Self {
            state: stage,
            in_service: false,
            waiting: false,
            engaged: true,
            nav: false,
            service_cm: NONE,
            fallback_cm,
            dur: 0,
            service_weeks: 0,
            disengaged_weeks: 0,
            labour: Clock::new(keyed, replicate, Purpose::LabourClock, ticket),
            labour_events: 0,
            engagement: Clock::new(keyed, replicate, Purpose::EngagementClock, ticket),
            engagement_events: 0,
            support: if support_ends {
                Clock::new(keyed, replicate, Purpose::SupportEndClock, ticket)
            } else {
                Clock::never()
            },
            support_events: 0,
            record: Record::default(),
            asleep_from: NONE,
        }
    }

    /// On benefit, given `stages` stages.
    #[inline]
    pub fn on_benefit(&self, stages: u8) -> bool {
        self.state < stages
    }

    /// The case manager whose caseload this life counts in: the service's while
    /// in service (in or out of work), the fallback's while on benefit otherwise.
    #[inline]
    pub fn counted_cm(&self, stages: u8) -> u32 {
        if self.in_service {
            self.service_cm
        } else if self.on_benefit(stages) {
            self.fallback_cm
        } else {
            NONE
        }
    }

    /// Records own week `k` (state_k) into the running record.
    #[inline]
    pub fn observe(&mut self, k: u16, stages: u8) {
        let r = &mut self.record;
        if self.state != stages && r.first_employed != NEVER && r.first_job_end == NEVER {
            r.first_job_end = k;
        }
        if self.state < stages {
            r.weeks_on_benefit += 1;
            return;
        }
        if r.first_exit == NEVER {
            r.first_exit = k;
        }
        if self.state == stages {
            if r.first_employed == NEVER {
                r.first_employed = k;
            }
            for (first, &m) in r.first_tenure.iter_mut().zip(&MILESTONES) {
                if self.dur >= m && *first == NEVER {
                    *first = k;
                }
            }
        }
    }

    /// Starts the arm's service with case manager `cm` in own week `k`.
    pub fn start_service(&mut self, cm: u32, k: u16) {
        self.in_service = true;
        self.waiting = false;
        self.engaged = true;
        self.service_cm = cm;
        self.service_weeks = 0;
        self.disengaged_weeks = 0;
        if self.record.service_started == NEVER {
            self.record.service_started = k;
        }
    }

    /// Leaves the service; the fallback case manager serves from now on.
    pub fn end_service(&mut self) {
        self.in_service = false;
        self.nav = false;
        self.service_cm = NONE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In how many ticks at `rate` the clock fires, ticking week by week.
    fn ticks_to_event(mut clock: Clock, rate: f64) -> u32 {
        let (keyed, mut events) = (Keyed::new(0), 0);
        (1..).find(|_| clock.tick(rate, &mut events, &keyed, 0, Purpose::LabourClock, 0)).unwrap()
    }

    #[test]
    fn the_look_ahead_steps_from_a_quotient_off_by_a_week_to_the_week_ticking_fires() {
        // A threshold of exactly k weeks of hazard fires in week k, where the
        // quotient's next whole week is k + 1; and a clock part way through a
        // run whose quotient rounds a week short (both found by search).
        for (left, rate, weeks) in [
            (2.0, 1.0, 0),
            (17.0 * 0.7, 0.7, 0),
            (32.0 * 0.05, 0.05, 0),
            (42.0 * 0.09, 0.09, 0),
            (14.497425050720828, 1.6108250056356475, 8),
            (124.86255458655643, 1.8918568876750972, 65),
            (3.9534750351538572, 0.1718902189197329, 22),
        ] {
            let clock = Clock { left, rate, weeks };
            // Where the look-ahead starts: the first whole week past the quotient.
            let quotient = left / rate - f64::from(weeks);
            let start = if quotient > 1.0 { quotient as u32 + 1 } else { 1 };
            assert_ne!(start, ticks_to_event(clock, rate), "{left} at {rate}: the quotient is right");
            assert_eq!(clock.weeks_to_event(rate), Some(ticks_to_event(clock, rate)), "{left} at {rate}");
        }
        // Hazard that reaches the threshold exactly fires: 2 at 1 a week, in week 2.
        assert_eq!(ticks_to_event(Clock { left: 2.0, rate: 0.0, weeks: 0 }, 1.0), 2);
    }

    #[test]
    fn the_look_ahead_without_tests_agrees_with_ticking_near_whole_quotients() {
        // Quotients just past the margin from a whole week, on either side,
        // where the look-ahead answers without testing, and just inside it;
        // from a fresh anchor, part way through a run at the same rate, and
        // at a rate other than the anchor's (which moves the anchor first).
        let offsets = [-2.0 * NEAR_WHOLE, -NEAR_WHOLE / 2.0, NEAR_WHOLE / 2.0, 2.0 * NEAR_WHOLE, 0.5];
        for rate in [0.013, 0.1, 0.7, 1.6108250056356475, 3.0] {
            for weeks in [1u32, 2, 7, 40, 300] {
                for off in offsets {
                    let left = (f64::from(weeks) + off) * rate;
                    let run = 3;
                    for clock in [
                        Clock { left, rate, weeks: 0 },
                        Clock { left: left + f64::from(run) * rate, rate, weeks: run },
                        Clock { left: left + f64::from(run) * 0.37, rate: 0.37, weeks: run },
                    ] {
                        assert_eq!(
                            clock.weeks_to_event(rate),
                            Some(ticks_to_event(clock, rate)),
                            "{weeks} + {off} at {rate} from {clock:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_service_started_in_week_5_started_before_week_6_not_before_week_5() {
        let mut record = Record::default();
        assert!(!record.started_before(u32::from(u16::MAX)), "never started");
        record.service_started = 5;
        assert!(!record.started_before(5) && record.started_before(6));
    }
}
