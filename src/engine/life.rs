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

/// Marks an absent week or case manager.
pub const NONE: u32 = u32::MAX;

/// A running exponential clock for one kind of event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    sum: f64,
    threshold: f64,
    /// Events so far: the index of the next threshold's key.
    pub events: u32,
}

impl Clock {
    /// A clock whose first threshold is keyed by `(purpose, entity, 0)`.
    pub fn new(keyed: &Keyed, replicate: u64, purpose: Purpose, entity: u64) -> Self {
        Self { sum: 0.0, threshold: keyed.exponential(replicate, purpose, entity, 0), events: 0 }
    }

    /// Adds one week at total rate `rate`; true when the event happens this week.
    ///
    /// On an event the sum restarts and the next threshold is drawn.
    #[inline]
    pub fn tick(&mut self, rate: f64, keyed: &Keyed, replicate: u64, purpose: Purpose, entity: u64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        self.sum += rate;
        if self.sum < self.threshold {
            return false;
        }
        self.events += 1;
        self.sum = 0.0;
        self.threshold = keyed.exponential(replicate, purpose, entity, self.events as u64);
        true
    }
}

/// Picks destination `j` with probability `rates[j] / Σ rates` from uniform `u ∈ (0, 1]`.
#[inline]
pub fn pick(rates: &[f64], total: f64, u: f64) -> usize {
    let target = u * total;
    let mut acc = 0.0;
    for (j, &r) in rates.iter().enumerate() {
        acc += r;
        if target <= acc {
            return j;
        }
    }
    rates.iter().rposition(|&r| r > 0.0).unwrap_or(0)
}

/// The running record from which outcomes at every horizon are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Weeks on benefit so far (weeks before the current one).
    pub weeks_on_benefit: u32,
    /// First own week off benefit.
    pub first_exit: u32,
    /// First own week Employed.
    pub first_employed: u32,
    /// First own week Employed with tenure ≥ 26.
    pub first_sustained: u32,
    /// First own week not Employed after the first job started: the end of the first job spell.
    pub first_job_end: u32,
    /// Own week the arm's service started.
    pub service_started: u32,
}

impl Default for Record {
    fn default() -> Self {
        Self {
            weeks_on_benefit: 0,
            first_exit: NONE,
            first_employed: NONE,
            first_sustained: NONE,
            first_job_end: NONE,
            service_started: NONE,
        }
    }
}

/// Weeks of continuous work that make employment sustained.
pub const SUSTAINED_TENURE: u32 = 26;

/// A participant's state under one arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Life {
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
    /// The service case manager while in service.
    pub service_cm: u32,
    /// The fallback case manager, fixed at randomisation.
    pub fallback_cm: u32,
    /// Weeks in the current Employed or OtherExit spell before this week.
    pub dur: u32,
    /// Weeks in service so far.
    pub service_weeks: u32,
    /// Consecutive weeks disengaged so far.
    pub disengaged_weeks: u32,
    /// Labour-move clock.
    pub labour: Clock,
    /// Engagement clock.
    pub engagement: Clock,
    /// In-work-support end clock.
    pub support: Clock,
    /// Outcome record.
    pub record: Record,
}

impl Life {
    /// A life starting on benefit at `stage`, with clocks keyed by `ticket`.
    pub fn new(stage: u8, fallback_cm: u32, keyed: &Keyed, replicate: u64, ticket: u64) -> Self {
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
            engagement: Clock::new(keyed, replicate, Purpose::EngagementClock, ticket),
            support: Clock::new(keyed, replicate, Purpose::SupportEndClock, ticket),
            record: Record::default(),
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
    pub fn observe(&mut self, k: u32, stages: u8) {
        let r = &mut self.record;
        if self.state != stages && r.first_employed != NONE && r.first_job_end == NONE {
            r.first_job_end = k;
        }
        if self.state < stages {
            r.weeks_on_benefit += 1;
            return;
        }
        if r.first_exit == NONE {
            r.first_exit = k;
        }
        if self.state == stages {
            if r.first_employed == NONE {
                r.first_employed = k;
            }
            if self.dur >= SUSTAINED_TENURE && r.first_sustained == NONE {
                r.first_sustained = k;
            }
        }
    }

    /// Starts the arm's service with case manager `cm` in own week `k`.
    pub fn start_service(&mut self, cm: u32, k: u32) {
        self.in_service = true;
        self.waiting = false;
        self.engaged = true;
        self.service_cm = cm;
        self.service_weeks = 0;
        self.disengaged_weeks = 0;
        if self.record.service_started == NONE {
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
