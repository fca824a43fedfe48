//! The weekly step: hazards, moves, capacity, waitlists and ghost twins.
//!
//! [`simulate`] runs one replicate trial week by week on the trial calendar.
//! Within a week: 1. randomise this week's arrivals; 2. fill free slots from
//! the waitlists; 3. compute each case manager's multipliers from this week's
//! caseload; 4. draw every life's labour and engagement moves; 5. apply
//! service exits (inside 4; slots free from next week) and week-0 client
//! departures; 6. record.
//!
//! Ghost twins — a participant under each arm they were not randomised to —
//! step in the same week right after their real self, reading only what the
//! real trial has already fixed for that week (caseloads, placements,
//! Navigators). A ghost consumes nothing and changes nobody, so stepping it
//! alongside is the same as a second pass over the finished real trial, and
//! keeps memory to one replicate's cohort.

pub mod capacity;
pub mod life;
mod outcomes;

pub use life::NEVER;
pub use outcomes::{OUTCOMES, Outcome, outcome_value};

use crate::population::Person;
use crate::rng::{Keyed, Purpose, pick_cumulative};
use crate::scenario::{Model, ServiceModel, transition};
use capacity::{CaseManagers, Pool};
use life::{Life, NONE};

/// The people of one replicate, in ticket (randomisation) order.
#[derive(Debug, Clone, Default)]
pub struct Cohort {
    /// Baseline records; `persons[i]` holds ticket `i`.
    pub persons: Vec<Person>,
    /// Arm index of each person.
    pub arms: Vec<u8>,
    /// Fixed rate multipliers `exp(β_j·x + ℓ_j·u)` of each person.
    pub rate_multipliers: Vec<[f64; transition::COUNT]>,
}

/// A horizon snapshot: weeks on benefit before the horizon and the state at it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AtHorizon {
    /// Weeks `k < h` on benefit.
    pub weeks_on_benefit: u16,
    /// `state_h`.
    pub state: u8,
}

/// Everything a replicate produces that the analysis needs.
#[derive(Debug, Clone)]
pub struct Replicate {
    /// Number of arms.
    pub arms: usize,
    /// Stages in the ladder.
    pub stages: u8,
    /// Every life: `lives[i · arms + a]` is person `i` under arm `a` (for an arm
    /// with the same service and fallback as the real arm, the real life).
    pub lives: Vec<Life>,
    /// `at_horizon[(i · arms + a) · horizons + h]`.
    pub at_horizon: Vec<AtHorizon>,
    /// Trajectory sums per arm and own week, see [`TrajectoryColumns`].
    pub trajectories: Vec<u64>,
    /// Simulated person-weeks: lives simulated × longest horizon.
    pub person_weeks: u64,
}

/// Column layout of the trajectory sums: one row per arm and own week 0..=H.
#[derive(Debug, Clone, Copy)]
pub struct TrajectoryColumns {
    /// Number of stages; columns `0..S` count people in each stage.
    pub stages: usize,
}

impl TrajectoryColumns {
    /// People Employed.
    pub fn employed(&self) -> usize {
        self.stages
    }
    /// People in OtherExit.
    pub fn other_exit(&self) -> usize {
        self.stages + 1
    }
    /// People waitlisted.
    pub fn waitlisted(&self) -> usize {
        self.stages + 2
    }
    /// Sum of the caseloads of the case managers serving them.
    pub fn caseload_sum(&self) -> usize {
        self.stages + 3
    }
    /// People with a serving case manager.
    pub fn served(&self) -> usize {
        self.stages + 4
    }
    /// Columns per row.
    pub fn width(&self) -> usize {
        self.stages + 5
    }
}

/// The state of one replicate trial while it runs.
pub struct World<'m> {
    model: &'m Model,
    keyed: Keyed,
    replicate: u64,
    cohort: &'m Cohort,
    arms: usize,
    stages: u8,
    horizon: u32,
    /// `ghost[r · arms + a]`: a person randomised to `r` needs a ghost under `a`.
    ghost: Vec<bool>,
    /// `horizon_at[k]`: index of horizon `k`, or `u8::MAX`.
    horizon_at: Vec<u8>,
    lives: Vec<Life>,
    at_horizon: Vec<AtHorizon>,
    cms: CaseManagers,
    pools: Vec<Pool>,
    trajectories: Vec<u64>,
    arrived: usize,
    /// Randomisation week and site of each person, compact for the weekly loop.
    week_of: Vec<u32>,
    site_of: Vec<u16>,
    /// `ghost_arms[r]`: the arms under which a person randomised to `r` has a ghost.
    ghost_arms: Vec<Vec<u8>>,
    has_navigators: bool,
    any_ghost: bool,
    /// The calendar week being stepped.
    now: u32,
}

/// Simulates one replicate trial of `cohort` under `model`.
pub fn simulate(model: &Model, keyed: Keyed, replicate: u64, cohort: &Cohort) -> Replicate {
    let mut world = World::new(model, keyed, replicate, cohort);
    for t in 0..=world.last_week() {
        world.week(t);
    }
    world.finish()
}

impl<'m> World<'m> {
    /// Sets up staff, pools and buffers; nobody has arrived yet.
    pub fn new(model: &'m Model, keyed: Keyed, replicate: u64, cohort: &'m Cohort) -> Self {
        let arms = model.arms.len();
        let horizon = *model.horizons.last().expect("validated: at least one horizon");
        let mut ghost = vec![false; arms * arms];
        for (r, ra) in model.arms.iter().enumerate() {
            for (a, aa) in model.arms.iter().enumerate() {
                ghost[r * arms + a] = (ra.service, ra.fallback) != (aa.service, aa.fallback);
            }
        }
        let mut horizon_at = vec![u8::MAX; horizon as usize + 1];
        for (h, &w) in model.horizons.iter().enumerate() {
            horizon_at[w as usize] = h as u8;
        }
        let n = cohort.persons.len();
        let sites = model.sites.len();
        let mut per_site = vec![0usize; sites];
        for p in &cohort.persons {
            per_site[p.site as usize] += 1;
        }
        let pools = (0..model.services.len() * sites).map(|p| Pool::new(per_site[p % sites])).collect();
        let stages = model.stages.len() as u8;
        let width = TrajectoryColumns { stages: stages as usize }.width();
        let placeholder = Life::new(0, NONE, &keyed, replicate, u64::MAX);
        let any_ghost = ghost.iter().any(|&g| g);
        let ghost_arms = (0..arms).map(|r| (0..arms).filter(|&a| ghost[r * arms + a]).map(|a| a as u8).collect()).collect();
        Self {
            model,
            keyed,
            replicate,
            cohort,
            arms,
            stages,
            horizon,
            ghost,
            horizon_at,
            lives: vec![placeholder; n * arms],
            at_horizon: vec![AtHorizon::default(); n * arms * model.horizons.len()],
            cms: CaseManagers::new(model, &keyed, replicate),
            pools,
            trajectories: vec![0; arms * (horizon as usize + 1) * width],
            arrived: 0,
            week_of: cohort.persons.iter().map(|p| p.week).collect(),
            site_of: cohort.persons.iter().map(|p| p.site).collect(),
            ghost_arms,
            any_ghost,
            now: 0,
            has_navigators: model.services.iter().any(|s| s.navigators.is_some()),
        }
    }

    /// The last calendar week: the last arrival reaches the longest horizon.
    pub fn last_week(&self) -> u32 {
        self.cohort.persons.last().map_or(0, |p| p.week) + self.horizon
    }

    fn pool_of(&self, service: usize, site: u16) -> usize {
        service * self.model.sites.len() + site as usize
    }

    /// One calendar week, steps 1–6. Allocates nothing.
    pub fn week(&mut self, t: u32) {
        self.now = t;
        self.arrive(t);
        self.fill_slots();
        if self.has_navigators {
            self.assign_navigators();
        }
        self.cms.compute_multipliers(&self.model.services, self.any_ghost);
        for i in 0..self.arrived {
            self.step_person(i, t);
        }
        self.cms.legacy_departures(&self.keyed, self.replicate, t);
    }

    /// Step 1: this week's arrivals get a fallback case manager and join their
    /// service's waitlist; their ghosts start alongside.
    fn arrive(&mut self, t: u32) {
        let services = &self.model.services;
        while self.arrived < self.cohort.persons.len() && self.cohort.persons[self.arrived].week == t {
            let i = self.arrived;
            let person = &self.cohort.persons[i];
            let r = self.cohort.arms[i] as usize;
            let real_arm = &self.model.arms[r];
            let fb_pool = self.pool_of(real_arm.fallback, person.site);
            let (fb, _) = self.cms.least_loaded(fb_pool, services);
            for (a, arm) in self.model.arms.iter().enumerate() {
                if a != r && !self.ghost[r * self.arms + a] {
                    continue;
                }
                let fallback = if arm.fallback == real_arm.fallback {
                    fb
                } else {
                    self.cms.least_loaded(self.pool_of(arm.fallback, person.site), services).0
                };
                let mut life = Life::new(person.starting_stage, fallback, &self.keyed, self.replicate, i as u64);
                if arm.is_fallback_only() {
                    life.record.service_started = 0;
                } else {
                    life.waiting = true;
                }
                self.lives[i * self.arms + a] = life;
            }
            self.cms.trial[fb as usize] += 1;
            if !real_arm.is_fallback_only() {
                let p = self.pool_of(real_arm.service, person.site);
                self.pools[p].waitlist.push_back(i as u32);
            }
            self.arrived += 1;
        }
    }

    /// Step 2: free slots go to the waitlist in ticket order, each to the case
    /// manager with the fewest clients; the log lets ghosts find their place.
    fn fill_slots(&mut self) {
        let services = &self.model.services;
        for p in 0..self.pools.len() {
            let service = &services[p / self.model.sites.len()];
            self.pools[p].placed.clear();
            while let Some(&ticket) = self.pools[p].waitlist.front() {
                let i = ticket as usize;
                let life = &mut self.lives[i * self.arms + self.cohort.arms[i] as usize];
                if !life.waiting {
                    self.pools[p].waitlist.pop_front();
                    continue;
                }
                let (cm, load) = self.cms.least_loaded(p, services);
                if cm == NONE || service.cap.is_some_and(|cap| load >= cap) {
                    break;
                }
                self.pools[p].waitlist.pop_front();
                let own_week = (self.now - self.cohort.persons[i].week) as u16;
                self.cms.trial[life.fallback_cm as usize] -= 1;
                self.cms.trial[cm as usize] += 1;
                life.start_service(cm, own_week);
                self.pools[p].placed.push((ticket, cm));
            }
            let (cm, load) = self.cms.least_loaded(p, services);
            self.pools[p].next_cm = if cm != NONE && service.cap.is_none_or(|cap| load < cap) { cm } else { NONE };
        }
    }


    /// Step 2b: Navigators go to clients in service at the Navigator stages, in
    /// ticket order, while the site's Navigators have room; a client keeps one
    /// until they leave those stages or the service.
    fn assign_navigators(&mut self) {
        for pool in &mut self.pools {
            pool.nav_last_ticket = NONE;
        }
        for i in 0..self.arrived {
            let r = self.cohort.arms[i] as usize;
            let service_index = self.model.arms[r].service;
            let Some(nav) = &self.model.services[service_index].navigators else { continue };
            let life = &mut self.lives[i * self.arms + r];
            if life.nav || !navigator_eligible(life, nav.max_stage) {
                continue;
            }
            let p = service_index * self.model.sites.len() + self.cohort.persons[i].site as usize;
            let pool = &mut self.pools[p];
            if pool.nav_used < nav.capacity_per_site {
                pool.nav_used += 1;
                pool.nav_last_ticket = i as u32;
                life.nav = true;
            }
        }
    }

    /// Steps 4–6 for person `i`: the real life, then each ghost.
    fn step_person(&mut self, i: usize, t: u32) {
        let k = t - self.week_of[i];
        let r = self.cohort.arms[i] as usize;
        let real_cm = self.lives[i * self.arms + r].counted_cm(self.stages);
        self.step_real(i, r, k, real_cm);
        if k > self.horizon {
            return;
        }
        for g in 0..self.ghost_arms[r].len() {
            let a = self.ghost_arms[r][g] as usize;
            self.step_ghost(i, a, k, real_cm);
        }
    }

    fn step_real(&mut self, i: usize, r: usize, k: u32, before_cm: u32) {
        let model = self.model;
        let service = &model.services[model.arms[r].service];
        let idx = i * self.arms + r;
        let life = &self.lives[idx];
        let before_nav = life.nav;
        if k <= self.horizon {
            self.record_trajectory(r, k, life.state, life.waiting, before_cm);
            self.record(idx, k);
        }
        let life = &mut self.lives[idx];
        let effect = effect_of(&self.cms.real, self.cms.stride, effect_cm(life, self.stages), life.state, self.stages);
        advance(life, model, service, &self.cohort.rate_multipliers[i], &effect, &self.keyed, self.replicate, i as u64);
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
    }

    fn step_ghost(&mut self, i: usize, a: usize, k: u32, real_cm: u32) {
        let model = self.model;
        let service = &model.services[model.arms[a].service];
        let idx = i * self.arms + a;
        let p = self.pool_of(model.arms[a].service, self.site_of[i]);
        let life = &mut self.lives[idx];
        if life.waiting && life.on_benefit(self.stages) {
            if let Some(cm) = self.pools[p].ghost_placement(i as u32) {
                life.start_service(cm, k as u16);
            }
        }
        if let Some(nav) = &service.navigators {
            if !life.nav && navigator_eligible(life, nav.max_stage) && self.pools[p].ghost_gets_navigator(i as u32, nav.capacity_per_site) {
                life.nav = true;
            }
        }
        self.record(idx, k);
        if k == self.horizon {
            return;
        }
        let life = &mut self.lives[idx];
        // A ghost counts itself in its case manager's caseload, unless its real
        // self is already counted there (then the caseload is as it is).
        let cm = effect_cm(life, self.stages);
        let table = if cm == Some(real_cm) { &self.cms.real } else { &self.cms.ghost };
        let effect = effect_of(table, self.cms.stride, cm, life.state, self.stages);
        advance(life, model, service, &self.cohort.rate_multipliers[i], &effect, &self.keyed, self.replicate, i as u64);
    }

    /// Step 6 for one life in own week `k`: horizon snapshots and the running record.
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

    fn record_trajectory(&mut self, arm: usize, k: u32, state: u8, waiting: bool, cm: u32) {
        let cols = TrajectoryColumns { stages: self.stages as usize };
        let row = (arm * (self.horizon as usize + 1) + k as usize) * cols.width();
        let sums = &mut self.trajectories[row..row + cols.width()];
        sums[state as usize] += 1;
        sums[cols.waitlisted()] += u64::from(waiting);
        if cm != NONE {
            sums[cols.caseload_sum()] += u64::from(self.cms.snapshot[cm as usize]);
            sums[cols.served()] += 1;
        }
    }

    /// Hands over what the analysis needs.
    pub fn finish(self) -> Replicate {
        let mut simulated = 0u64;
        for &r in &self.cohort.arms {
            simulated += 1 + (0..self.arms).filter(|&a| self.ghost[r as usize * self.arms + a]).count() as u64;
        }
        let mut lives = self.lives;
        for (i, &r) in self.cohort.arms.iter().enumerate() {
            for a in 0..self.arms {
                if a != r as usize && !self.ghost[r as usize * self.arms + a] {
                    lives[i * self.arms + a] = lives[i * self.arms + r as usize];
                }
            }
        }
        let mut at_horizon = self.at_horizon;
        let n_h = self.model.horizons.len();
        for (i, &r) in self.cohort.arms.iter().enumerate() {
            for a in 0..self.arms {
                if a != r as usize && !self.ghost[r as usize * self.arms + a] {
                    for h in 0..n_h {
                        at_horizon[(i * self.arms + a) * n_h + h] = at_horizon[(i * self.arms + r as usize) * n_h + h];
                    }
                }
            }
        }
        Replicate {
            arms: self.arms,
            stages: self.stages,
            lives,
            at_horizon,
            trajectories: self.trajectories,
            person_weeks: simulated * u64::from(self.horizon),
        }
    }

    /// Caseload of case manager `m` now (for tests and invariants).
    pub fn caseload(&self, m: usize) -> u32 {
        self.cms.load(m, &self.model.services)
    }

    /// The case managers (for tests and invariants).
    pub fn case_managers(&self) -> &CaseManagers {
        &self.cms
    }

    /// The pools, service-major then site (for tests and invariants).
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// Life of person `i` under arm `a`, as it stands (for tests and invariants).
    pub fn life(&self, i: usize, a: usize) -> &Life {
        &self.lives[i * self.arms + a]
    }

    /// People randomised so far.
    pub fn arrived(&self) -> usize {
        self.arrived
    }
}

/// Whether a life may hold a Navigator: in service, on benefit, at or below the Navigator stages.
#[inline]
fn navigator_eligible(life: &Life, max_stage: u8) -> bool {
    life.in_service && life.state <= max_stage
}

/// The case manager whose multipliers apply to a life this week: the service's
/// while in service and engaged, the fallback's while on benefit and not in
/// service; none otherwise.
#[inline]
fn effect_cm(life: &Life, stages: u8) -> Option<u32> {
    if life.in_service {
        life.engaged.then_some(life.service_cm)
    } else if life.on_benefit(stages) {
        Some(life.fallback_cm)
    } else {
        None
    }
}

/// The service multipliers that apply to one life this week.
struct Effect {
    /// On progress, regress, job and other exit in the life's stage.
    stage: [f64; 4],
    /// On job loss.
    job_loss: f64,
}

/// The multipliers of case manager `cm` (from `table`, [`service::multipliers`]
/// layout) for a life in `state`; all 1 when no case manager's effect applies.
/// Multiplying by an exact 1 leaves a rate unchanged.
#[inline]
fn effect_of(table: &[f64], stride: usize, cm: Option<u32>, state: u8, stages: u8) -> Effect {
    let Some(m) = cm else { return Effect { stage: [1.0; 4], job_loss: 1.0 } };
    let base = m as usize * stride;
    if state < stages {
        let o = base + 4 * state as usize;
        let row = &table[o..o + 4];
        Effect { stage: [row[0], row[1], row[2], row[3]], job_loss: 1.0 }
    } else {
        Effect { stage: [1.0; 4], job_loss: table[base + 4 * stages as usize] }
    }
}

/// Draws one week's moves for a life and applies them with the service's exit rules.
#[allow(clippy::too_many_arguments)]
#[inline]
fn advance(
    life: &mut Life,
    model: &Model,
    service: &ServiceModel,
    pm: &[f64; transition::COUNT],
    effect: &Effect,
    keyed: &Keyed,
    replicate: u64,
    ticket: u64,
) {
    let stages = model.stages.len() as u8;
    let state = life.state;
    let nav = if life.nav { service.navigators.as_ref() } else { None };
    let new_state = if state < stages {
        let s = state as usize;
        let base = &model.stage_rates[s];
        let m = &effect.stage;
        let mut r = [base[0] * pm[0] * m[0], base[1] * pm[1] * m[1], base[2] * pm[2] * m[2], base[3] * pm[3] * m[3]];
        if let Some(nav) = nav {
            r[transition::PROGRESS] *= nav.progress;
        }
        let total = r[0] + r[1] + r[2] + r[3];
        if life.labour.tick(total, &mut life.labour_events, keyed, replicate, Purpose::LabourClock, ticket) {
            let event = u64::from(life.labour_events - 1);
            let u = keyed.uniform(replicate, Purpose::LabourDestination, ticket, event);
            Some(match pick_cumulative(&r, u * total) {
                transition::PROGRESS => state + 1,
                transition::REGRESS => state - 1,
                transition::JOB => stages,
                _ => stages + 1,
            })
        } else {
            None
        }
    } else if state == stages {
        let rate = model.job_loss.at(u32::from(life.dur)) * pm[transition::JOB_LOSS] * effect.job_loss;
        life.labour
            .tick(rate, &mut life.labour_events, keyed, replicate, Purpose::LabourClock, ticket)
            .then_some(model.reentry_stage)
    } else {
        let rate = model.return_rate.at(u32::from(life.dur)) * pm[transition::RETURN];
        life.labour.tick(rate, &mut life.labour_events, keyed, replicate, Purpose::LabourClock, ticket).then_some(0)
    };

    let was_engaged = life.engaged;
    let mut support_ended = false;
    if life.in_service {
        let rate = if was_engaged {
            service.disengage * nav.map_or(1.0, |n| n.disengage)
        } else {
            service.reengage
        };
        if life.engagement.tick(rate, &mut life.engagement_events, keyed, replicate, Purpose::EngagementClock, ticket) {
            life.engaged = !was_engaged;
        }
        if state == stages && service.support_weeks.is_none() {
            support_ended = life.support.tick(
                service.support_end_rate,
                &mut life.support_events,
                keyed,
                replicate,
                Purpose::SupportEndClock,
                ticket,
            );
        }
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
        let exit = life.state == stages + 1
            || (life.state == stages && service.support_weeks.is_some_and(|w| u32::from(life.dur) >= w))
            || support_ended
            || service.max_weeks.is_some_and(|w| u32::from(life.service_weeks) >= w)
            || service.disengaged_weeks.is_some_and(|w| u32::from(life.disengaged_weeks) >= w);
        if exit {
            life.end_service();
        }
    }
    if life.nav && !service.navigators.as_ref().is_some_and(|n| navigator_eligible(life, n.max_stage)) {
        life.nav = false;
    }
}
