//! A life's week: its moves drawn from its clocks, its service's exit rules
//! applied, and its record kept.

use super::life::{Life, NONE};
use super::rates::Rates;
use super::sleepers::serving_ghost;
use super::{AtHorizon, TrajectoryColumns, World, navigator_eligible, waits_for_navigator};
use crate::rng::{Keyed, Purpose, pick_cumulative};
use crate::scenario::{Model, ServiceModel, transition};

/// Draws one week's moves for a life and applies them with the service's exit rules.
///
/// Returns whether the week changed what the life's rates depend on
/// ([`rate_key`]). Every change it makes to those is one way (a labour move
/// always leaves the state, engagement flips once, the service and a
/// Navigator can only end), so the answer is known from the events
/// themselves, without comparing the keys before and after.
// Run for every stepped life-week; left to itself the compiler kept it out
// of line, and its calls, register saves and argument set-up cost about 3 M
// instructions per ics_x replicate.
#[inline(always)]
fn advance(
    life: &mut Life,
    model: &Model,
    service: &ServiceModel,
    rates: &Rates,
    keyed: &Keyed,
    replicate: u64,
    ticket: u64,
) -> bool {
    let stages = model.stage_count();
    let key = cfg!(debug_assertions).then(|| rate_key(life));
    let state = life.state;
    let new_state = labour_move(life, model, rates, keyed, replicate, ticket);
    let mut changed = new_state.is_some();
    let was_engaged = life.engaged;
    let mut support_ended = false;
    if life.in_service {
        let (engagement_flipped, ended) = service_clocks(life, rates, keyed, replicate, ticket);
        changed |= engagement_flipped;
        support_ended = ended;
    }
    match new_state {
        Some(s) => {
            life.state = s;
            life.dur = 0;
        }
        None if state >= stages => life.dur += 1,
        None => {}
    }
    if life.waiting && !life.on_benefit(stages) {
        life.waiting = false;
    }
    if life.in_service {
        life.service_weeks += 1;
        life.disengaged_weeks = if !was_engaged && !life.engaged { life.disengaged_weeks + 1 } else { 0 };
        if leaves_service(life, service, stages, state, support_ended) {
            life.end_service();
            changed = true;
        }
    }
    if life.nav && !service.navigators.as_ref().is_some_and(|n| navigator_eligible(life, n.max_stage)) {
        life.nav = false;
        changed = true;
    }
    debug_assert!(key.is_none_or(|k| (k != rate_key(life)) == changed));
    changed
}

/// The state a life's labour clock moves it to this week, if it fires: on
/// benefit, a destination drawn in proportion to the competing rates; in
/// work, back on benefit at the re-entry stage; after another exit, back at
/// the first stage.
#[inline(always)]
fn labour_move(
    life: &mut Life,
    model: &Model,
    rates: &Rates,
    keyed: &Keyed,
    replicate: u64,
    ticket: u64,
) -> Option<u8> {
    let stages = model.stage_count();
    let state = life.state;
    let rate = rates.labour(model, life.dur);
    if !life.labour.tick(rate, &mut life.labour_events, keyed, replicate, Purpose::LabourClock, ticket) {
        None
    } else if state < stages {
        let event = u64::from(life.labour_events - 1);
        let u = keyed.uniform(replicate, Purpose::LabourDestination, ticket, event);
        Some(match pick_cumulative(&rates.moves, u * rate) {
            transition::PROGRESS => state + 1,
            transition::REGRESS => state - 1,
            transition::JOB => stages,
            _ => stages + 1,
        })
    } else if state == stages {
        Some(model.reentry_stage)
    } else {
        Some(0)
    }
}

/// A client's service clocks this week: whether engagement flipped (it is
/// flipped here), and whether time-unlimited in-work support ended.
#[inline(always)]
fn service_clocks(life: &mut Life, rates: &Rates, keyed: &Keyed, replicate: u64, ticket: u64) -> (bool, bool) {
    let flipped = life.engagement.tick(
        rates.engagement,
        &mut life.engagement_events,
        keyed,
        replicate,
        Purpose::EngagementClock,
        ticket,
    );
    if flipped {
        life.engaged = !life.engaged;
    }
    // Zero (rates are finite) unless employed with time-unlimited support:
    // the clock would return at once.
    let support_ended = rates.support_end > 0.0
        && life.support.tick(
            rates.support_end,
            &mut life.support_events,
            keyed,
            replicate,
            Purpose::SupportEndClock,
            ticket,
        );
    (flipped, support_ended)
}

/// The service's exit rules, at the end of a client's week that began in
/// `state_before`: another exit from benefit; in-work support `Weeks(n)` run
/// out; a job lost under time-unlimited support (which ends for good at a
/// job loss); that support ended at its rate; `max_weeks` in the service;
/// `disengaged_weeks` in a row.
#[inline(always)]
fn leaves_service(life: &Life, service: &ServiceModel, stages: u8, state_before: u8, support_ended: bool) -> bool {
    let lost_job = state_before == stages && life.state < stages;
    life.state == stages + 1
        || (life.state == stages && service.support_weeks.is_some_and(|w| u32::from(life.dur) >= w))
        || (lost_job && service.support_weeks.is_none())
        || support_ended
        || service.max_weeks.is_some_and(|w| u32::from(life.service_weeks) >= w)
        || service.disengaged_weeks.is_some_and(|w| u32::from(life.disengaged_weeks) >= w)
}

/// What a life's rates depend on that its own weekly step can change.
#[inline]
fn rate_key(life: &Life) -> (u8, bool, bool, bool, u32) {
    (life.state, life.in_service, life.engaged, life.nav, life.service_cm)
}

impl World<'_> {
    /// Steps 4 and 6 for every awake ghost. Ghosts go before the real lives:
    /// they read their real self's case manager as the week began.
    pub(super) fn step_ghosts(&mut self, t: u32) {
        let mut kept = 0;
        for j in 0..self.awake_ghosts.len() {
            if let Some(&(i, a)) = self.awake_ghosts.get(j + 1) {
                self.prefetch_person_life(i as usize, self.idx(i as usize, usize::from(a)) as u32);
            }
            let (i, a) = self.awake_ghosts[j];
            let (i, a) = (i as usize, a as usize);
            let k = t - self.week_of[i];
            let real_cm = self.real_cm(i);
            let unchanged = self.step_ghost(i, a, k, real_cm);
            if k < self.horizon && !self.fall_asleep(i, a, false, t, real_cm, unchanged) {
                self.awake_ghosts[kept] = (i as u32, a as u8);
                kept += 1;
            }
        }
        self.awake_ghosts.truncate(kept);
    }

    /// Steps 4–6 for every awake real life.
    pub(super) fn step_reals(&mut self, t: u32) {
        let mut kept = 0;
        for j in 0..self.awake_real.len() {
            if let Some(&i) = self.awake_real.get(j + 1) {
                let r = self.arm_of[i as usize];
                self.prefetch_person_life(i as usize, self.idx(i as usize, usize::from(r)) as u32);
            }
            let i = self.awake_real[j] as usize;
            let r = self.arm_of[i] as usize;
            let real_cm = self.lives[self.idx(i, r)].counted_cm(self.stages);
            let (unchanged, moved_to) = self.step_real(i, r, t - self.week_of[i], real_cm);
            self.note_navigator_need(i, r);
            if moved_to != real_cm {
                self.wake_ghosts(i, t + 1, serving_ghost(self.stages, real_cm, moved_to));
            }
            if !self.fall_asleep(i, r, true, t, real_cm, unchanged) {
                self.awake_real[kept] = i as u32;
                kept += 1;
            }
        }
        self.awake_real.truncate(kept);
    }

    /// Returns whether the rates the real life moved at this week (kept in
    /// its sleeper record) are still its rates after the move, and the case
    /// manager it is counted with after the move.
    fn step_real(&mut self, i: usize, r: usize, k: u32, before_cm: u32) -> (bool, u32) {
        let model = self.model;
        let service = self.service_of[r];
        let idx = self.idx(i, r);
        let life = &self.lives[idx];
        let before_nav = life.nav;
        if k <= self.horizon {
            let caseload = (before_cm != NONE).then(|| self.cms.snapshot[before_cm as usize]);
            self.record_trajectory(r, k, idx, caseload);
            self.record(idx, k);
        }
        if !self.take_current(idx) {
            self.asleep[idx].rates = self.rates(i, r, true, before_cm);
        }
        let life = &mut self.lives[idx];
        let changed = advance(life, model, service, &self.asleep[idx].rates, &self.keyed, self.replicate, i as u64);
        let after_cm = life.counted_cm(self.stages);
        if before_cm != after_cm {
            if before_cm != NONE {
                self.cms.trial[before_cm as usize] -= 1;
            }
            if after_cm != NONE {
                self.cms.trial[after_cm as usize] += 1;
            }
        }
        if before_nav && !life.nav {
            let p = self.pool_of(model.arms[r].service, self.site_of[i]);
            self.pools[p].nav_used -= 1;
        }
        (!changed, after_cm)
    }

    /// Returns whether the ghost moved and its move left the rates it moved
    /// at (kept in its sleeper record) as they were.
    fn step_ghost(&mut self, i: usize, a: usize, k: u32, real_cm: u32) -> bool {
        let model = self.model;
        let service = self.service_of[a];
        let idx = self.idx(i, a);
        let p = self.pool_of(model.arms[a].service, self.site_of[i]);
        let current = self.take_current(idx);
        let life = &mut self.lives[idx];
        // A placement or a Navigator this week changes the rates.
        let mut changed = false;
        if life.waiting
            && life.on_benefit(self.stages)
            && k < self.horizon
            && let Some(cm) = self.pools[p].ghost_placement(i as u32)
        {
            let before = rate_key(life);
            life.start_service(cm, k as u16);
            changed = rate_key(life) != before;
        }
        if waits_for_navigator(life, self.nav_stage[a])
            && service
                .navigators
                .as_ref()
                .is_some_and(|n| self.pools[p].ghost_gets_navigator(i as u32, n.capacity_per_site))
        {
            life.nav = true;
            changed = true;
        }
        self.record(idx, k);
        if k == self.horizon {
            return false;
        }
        if !current || changed {
            self.asleep[idx].rates = self.rates(i, a, false, real_cm);
        }
        let life = &mut self.lives[idx];
        let changed = advance(life, model, service, &self.asleep[idx].rates, &self.keyed, self.replicate, i as u64);
        !changed
    }

    /// Step 6 for one life in own week `k`: horizon snapshots and the running record.
    // Called once per stepped life-week from both steps; out of line it cost
    // about 0.9 M instructions per ics_x replicate in calls.
    #[inline(always)]
    fn record(&mut self, idx: usize, k: u32) {
        let life = &mut self.lives[idx];
        let h = self.horizon_at[k as usize];
        if h != u8::MAX {
            let n_h = self.model.horizons.len();
            self.at_horizon[idx * n_h + h as usize] =
                AtHorizon { weeks_on_benefit: life.record.weeks_on_benefit, state: life.state };
        }
        life.observe(k as u16, self.stages);
    }

    /// Adds real life `idx`'s own week `k` to its arm's trajectory sums;
    /// `caseload` is that of the case manager serving it, if any.
    fn record_trajectory(&mut self, arm: usize, k: u32, idx: usize, caseload: Option<u32>) {
        let life = &self.lives[idx];
        let cols = TrajectoryColumns { stages: self.stages as usize };
        let sums = &mut self.trajectories[cols.row(arm, k as usize, self.horizon as usize + 1)];
        sums[life.state as usize] += 1;
        sums[cols.waitlisted()] += u64::from(life.waiting);
        sums[cols.in_service()] += u64::from(life.in_service);
        if let Some(c) = caseload {
            sums[cols.served()] += 1;
            let kind = usize::from(life.in_service);
            self.caseload_sums[kind][arm * (self.horizon as usize + 1) + k as usize] += u64::from(c);
        }
    }
}
