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
//! step in the same week just before the real lives, reading only what the
//! real trial has already fixed for that week (caseloads, placements,
//! Navigators, where their real self is counted). A ghost consumes nothing and
//! changes nobody, so stepping it alongside is the same as a second pass over
//! the finished real trial, and keeps memory to one replicate's cohort.
//!
//! Only lives due in a week are visited: a life that nothing outside it can
//! change before its next event sleeps until then (`World::fall_asleep`),
//! filed by wake week, by the case manager whose caseload it depends on (and
//! re-rated when that caseload changes) and, while it waits for a service, in
//! that service's waitlist; it is replayed in closed form when it wakes, with
//! identical results. A ghost that starts on its real self's fallback case
//! manager mirrors its real self until one of them starts a service.

pub mod capacity;
pub mod life;
mod outcomes;
mod prefetch;
mod sleepers;

pub use life::NEVER;
pub use outcomes::{OUTCOMES, Outcome, outcome_value};

use crate::population::Person;
use crate::rng::{Keyed, Purpose, pick_cumulative};
use crate::scenario::NavigatorModel as Navigators;
use crate::scenario::{Model, ServiceModel, transition};
use capacity::{CaseManagers, Pool};
use life::{Clock, Life, NONE};
use sleepers::Lists;

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
#[derive(Debug, Clone, PartialEq)]
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
    /// `horizon_at[k]`: index of horizon `k`, or `u8::MAX`.
    horizon_at: Vec<u8>,
    lives: Vec<Life>,
    at_horizon: Vec<AtHorizon>,
    cms: CaseManagers,
    pools: Vec<Pool>,
    trajectories: Vec<u64>,
    /// The counting columns of weeks slept through, as differences along own
    /// weeks (one row more than `trajectories`): a run of weeks in one state
    /// costs two additions. Summed into `trajectories` at the end.
    trajectory_runs: Vec<i64>,
    arrived: usize,
    /// Randomisation week and site of each person, compact for the weekly loop.
    week_of: Vec<u32>,
    site_of: Vec<u16>,
    /// `ghost_arms[r]`: the arms under which a person randomised to `r` has a ghost.
    ghost_arms: Vec<Vec<u8>>,
    /// Caseload of every case manager at step 3 of every calendar week, case
    /// manager by case manager, for the trajectories of lives that slept
    /// through those weeks.
    caseload_history: Vec<u32>,
    /// Calendar weeks in the trial, up to the week the last arrival reaches
    /// the longest horizon (also the stride of `caseload_history`).
    weeks: usize,
    /// Whether lives may sleep (see [`World::fall_asleep`]).
    sleeping: bool,
    /// Real participants stepped this week, by ticket.
    awake_real: Vec<u32>,
    /// Ghosts stepped this week, as (ticket, arm).
    awake_ghosts: Vec<(u32, u8)>,
    /// Sleeping lives by the calendar week they wake: a sleeper costs nothing
    /// until its week comes.
    by_week: Lists,
    /// Sleeping lives by the case manager whose caseload their rates depend
    /// on: re-rated when it changes.
    by_cm: Lists,
    /// The rates and clock anchor of each sleeping life.
    asleep: Vec<Sleep>,
    /// `nav_stage[a]`: the highest stage at which arm `a`'s service gives
    /// Navigators, if it has them.
    nav_stage: Vec<Option<u8>>,
    /// Real participants who may have a Navigator and have none, one bit per
    /// ticket: step 2b's queue, in ticket order.
    nav_waiting: Vec<u64>,
    /// Ghosts asleep in a service and waiting for a Navigator, one bit per
    /// life: step 2b wakes them in the week the real assignment would give
    /// them one.
    nav_waiting_ghosts: Vec<u64>,
    has_navigators: bool,
    /// `offered[s]`: some arm offers service `s` with a waitlist (not only as
    /// a fallback); step 2 has nothing to do for the others.
    offered: Vec<bool>,
    any_ghost: bool,
    /// The calendar week being stepped.
    now: u32,
}

/// Simulates one replicate trial of `cohort` under `model`.
pub fn simulate(model: &Model, keyed: Keyed, replicate: u64, cohort: &Cohort) -> Replicate {
    simulate_reusing(model, keyed, replicate, cohort, &mut Scratch::default())
}

/// [`simulate`] in the buffers of `scratch`, which keeps them for the next
/// replicate (see [`Scratch`]). Results do not depend on what it held.
pub fn simulate_reusing(
    model: &Model,
    keyed: Keyed,
    replicate: u64,
    cohort: &Cohort,
    scratch: &mut Scratch,
) -> Replicate {
    let mut world = World::reusing(model, keyed, replicate, cohort, std::mem::take(scratch));
    for t in 0..=world.last_week() {
        world.week(t);
    }
    world.finish_into(scratch)
}

/// The large buffers of a replicate, kept from one replicate to the next by
/// each worker. Allocating them afresh for every replicate makes the system
/// fault in and zero megabytes of new pages each time, which cost about a
/// tenth of a run's time. Every buffer is refilled before use.
#[derive(Debug, Default)]
pub struct Scratch {
    lives: Vec<Life>,
    at_horizon: Vec<AtHorizon>,
    asleep: Vec<Sleep>,
    by_week: Lists,
    by_cm: Lists,
    caseload_history: Vec<u32>,
    trajectory_runs: Vec<i64>,
}

impl Scratch {
    /// Takes back the buffers of a replicate the caller has finished with.
    pub fn recycle(&mut self, replicate: Replicate) {
        self.lives = replicate.lives;
        self.at_horizon = replicate.at_horizon;
    }
}

/// `v` cleared and filled with `n` copies of `value`, keeping its allocation.
fn refill<T: Clone>(mut v: Vec<T>, n: usize, value: T) -> Vec<T> {
    v.clear();
    v.resize(n, value);
    v
}

impl<'m> World<'m> {
    /// Sets up staff, pools and buffers; nobody has arrived yet.
    pub fn new(model: &'m Model, keyed: Keyed, replicate: u64, cohort: &'m Cohort) -> Self {
        Self::reusing(model, keyed, replicate, cohort, Scratch::default())
    }

    /// [`World::new`] in the buffers of `scratch`.
    pub fn reusing(model: &'m Model, keyed: Keyed, replicate: u64, cohort: &'m Cohort, scratch: Scratch) -> Self {
        let keyed = keyed.for_replicate(replicate);
        let arms = model.arms.len();
        let horizon = *model.horizons.last().expect("validated: at least one horizon");
        let ghost = ghost_matrix(model);
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
        let pools = (0..model.services.len() * sites)
            .map(|p| Pool::new(per_site[p % sites], per_site[p % sites] * arms))
            .collect();
        let stages = model.stages.len() as u8;
        let width = TrajectoryColumns { stages: stages as usize }.width();
        let placeholder = Life::new(0, NONE, &keyed, replicate, u64::MAX);
        let any_ghost = ghost.contains(&true);
        let cms = CaseManagers::new(model, &keyed, replicate);
        let n_cm = cms.service.len();
        let last_week = cohort.persons.last().map_or(0, |p| p.week) + horizon;
        let caseload_history = refill(scratch.caseload_history, cms.service.len() * (last_week as usize + 1), 0);
        let ghost_arms: Vec<Vec<u8>> =
            (0..arms).map(|r| (0..arms).filter(|&a| ghost[r * arms + a]).map(|a| a as u8).collect()).collect();
        let most_ghosts = ghost_arms.iter().map(Vec::len).max().unwrap_or(0);
        Self {
            model,
            keyed,
            replicate,
            cohort,
            arms,
            stages,
            horizon,
            horizon_at,
            lives: refill(scratch.lives, n * arms, placeholder),
            at_horizon: refill(scratch.at_horizon, n * arms * model.horizons.len(), AtHorizon::default()),
            cms,
            pools,
            trajectories: vec![0; arms * (horizon as usize + 1) * width],
            trajectory_runs: refill(scratch.trajectory_runs, arms * (horizon as usize + 2) * width, 0),
            arrived: 0,
            week_of: cohort.persons.iter().map(|p| p.week).collect(),
            site_of: cohort.persons.iter().map(|p| p.site).collect(),
            ghost_arms,
            caseload_history,
            weeks: last_week as usize + 1,
            sleeping: true,
            awake_real: Vec::with_capacity(n),
            awake_ghosts: Vec::with_capacity(n * most_ghosts),
            by_week: scratch.by_week.reset(last_week as usize + 2, n * arms),
            by_cm: scratch.by_cm.reset(n_cm, n * arms),
            asleep: refill(scratch.asleep, n * arms, Sleep::default()),
            nav_stage: model
                .arms
                .iter()
                .map(|a| model.services[a.service].navigators.as_ref().map(|nav| nav.max_stage))
                .collect(),
            nav_waiting: vec![0; n.div_ceil(64)],
            nav_waiting_ghosts: vec![0; (n * arms).div_ceil(64)],
            any_ghost,
            now: 0,
            has_navigators: model.services.iter().any(|s| s.navigators.is_some()),
            offered: (0..model.services.len())
                .map(|s| model.arms.iter().any(|a| a.service == s && !a.is_fallback_only()))
                .collect(),
        }
    }

    /// Steps every life every week instead of letting lives sleep: slower, with
    /// identical results (the test that sleeping changes nothing uses it).
    pub fn without_sleeping(mut self) -> Self {
        self.sleeping = false;
        self
    }

    /// The last calendar week: the last arrival reaches the longest horizon.
    pub fn last_week(&self) -> u32 {
        self.weeks as u32 - 1
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
            self.wake_ghosts_given_navigators();
        }
        self.cms.compute_multipliers(&self.model.services, self.any_ghost);
        for (m, &load) in self.cms.snapshot.iter().enumerate() {
            self.caseload_history[m * self.weeks + t as usize] = load;
        }
        self.rerate_clients_of_changed_case_managers(t);
        self.wake_sleepers(t);
        self.step_ghosts(t);
        self.step_reals(t);
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
            // Every arm's life starts with the same keyed clocks.
            let first = Life::new(person.starting_stage, fb, &self.keyed, self.replicate, i as u64);
            for (a, arm) in self.model.arms.iter().enumerate() {
                if a != r && !self.ghost_arms[r].contains(&(a as u8)) {
                    continue;
                }
                let fallback = if arm.fallback == real_arm.fallback {
                    fb
                } else {
                    self.cms.least_loaded(self.pool_of(arm.fallback, person.site), services).0
                };
                let mut life = Life { fallback_cm: fallback, ..first };
                if arm.is_fallback_only() {
                    life.record.service_started = 0;
                } else {
                    life.waiting = true;
                    if a != r {
                        let p = self.pool_of(arm.service, person.site);
                        self.pools[p].ghost_waitlist.push_back((i * self.arms + a) as u32);
                    }
                }
                self.lives[i * self.arms + a] = life;
            }
            self.cms.trial[fb as usize] += 1;
            self.awake_real.push(i as u32);
            for g in 0..self.ghost_arms[r].len() {
                let a = self.ghost_arms[r][g];
                if self.sleeping && self.model.arms[a as usize].fallback == real_arm.fallback {
                    self.mirror(i, a as usize, t);
                } else {
                    self.awake_ghosts.push((i as u32, a));
                }
            }
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
            if !self.offered[p / self.model.sites.len()] {
                continue;
            }
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
                let idx = i * self.arms + self.cohort.arms[i] as usize;
                // Mirrors stop mirroring, and the rates of ghosts served by the
                // case manager the real self leaves or joins change.
                self.wake_ghosts(i, self.now, Self::mirroring);
                let from = self.lives[idx].fallback_cm;
                self.wake_ghosts(i, self.now, serving_ghost(self.stages, from, cm));
                self.wake(idx, self.now);
                let life = &mut self.lives[idx];
                self.cms.trial[life.fallback_cm as usize] -= 1;
                self.cms.trial[cm as usize] += 1;
                life.start_service(cm, own_week);
                self.pools[p].placed.push((ticket, cm));
                self.note_navigator_need(i);
            }
            let (cm, load) = self.cms.least_loaded(p, services);
            self.pools[p].next_cm = if cm != NONE && service.cap.is_none_or(|cap| load < cap) { cm } else { NONE };
            self.wake_ghosts_placed(p);
        }
    }

    /// Waiting ghosts that this week's step 2 places (see
    /// [`Pool::ghost_placement`]) wake to be placed in their step; the others
    /// sleep on.
    fn wake_ghosts_placed(&mut self, p: usize) {
        let below = self.pools[p].ghosts_placed_below();
        while let Some(&idx) = self.pools[p].ghost_waitlist.front() {
            let ticket = idx / self.arms as u32;
            let waiting = self.ghost_waiting(idx as usize);
            if waiting && below.is_none_or(|b| ticket >= b) {
                break;
            }
            self.pools[p].ghost_waitlist.pop_front();
            if waiting {
                self.wake(idx as usize, self.now);
            }
        }
    }

    /// Step 2b: Navigators go to clients in service at the Navigator stages, in
    /// ticket order, while the site's Navigators have room; a client keeps one
    /// until they leave those stages or the service.
    fn assign_navigators(&mut self) {
        for pool in &mut self.pools {
            pool.nav_last_ticket = NONE;
        }
        for w in 0..self.nav_waiting.len() {
            let mut bits = self.nav_waiting[w];
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let r = self.cohort.arms[i] as usize;
                let service_index = self.model.arms[r].service;
                let Some(nav) = &self.model.services[service_index].navigators else { continue };
                let p = self.pool_of(service_index, self.site_of[i]);
                let pool = &mut self.pools[p];
                if pool.nav_used < nav.capacity_per_site {
                    pool.nav_used += 1;
                    pool.nav_last_ticket = i as u32;
                    let idx = i * self.arms + r;
                    self.wake(idx, self.now);
                    self.lives[idx].nav = true;
                    self.nav_waiting[w] &= !(1u64 << (i % 64));
                }
            }
        }
        // Ghosts read the Navigators as this step leaves them, not as the
        // week's moves free them (those go out next week).
        for pool in &mut self.pools {
            pool.nav_used_after_assignment = pool.nav_used;
        }
    }

    /// Whether real participant `i` now waits for a Navigator: in a service with
    /// Navigators, at their stages, without one. Kept up to date at every
    /// change, so step 2b reads its queue without visiting anybody else.
    /// Step 2b for ghosts: a ghost waiting for a Navigator sleeps and wakes in
    /// the week this assignment would give it one (see
    /// [`Pool::ghost_gets_navigator`]); its step then takes it.
    fn wake_ghosts_given_navigators(&mut self) {
        for w in 0..self.nav_waiting_ghosts.len() {
            let mut bits = self.nav_waiting_ghosts[w];
            while bits != 0 {
                let idx = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let (i, a) = (idx / self.arms, idx % self.arms);
                let service = self.model.arms[a].service;
                let Some(nav) = &self.model.services[service].navigators else { continue };
                let p = self.pool_of(service, self.site_of[i]);
                if self.pools[p].ghost_gets_navigator(i as u32, nav.capacity_per_site) {
                    self.wake(idx, self.now);
                }
            }
        }
    }

    /// Files or unfiles ghost life `idx` among those waiting for a Navigator.
    fn note_ghost_navigator_need(&mut self, idx: usize, waiting: bool) {
        let bit = 1u64 << (idx % 64);
        if waiting {
            self.nav_waiting_ghosts[idx / 64] |= bit;
        } else {
            self.nav_waiting_ghosts[idx / 64] &= !bit;
        }
    }

    fn note_navigator_need(&mut self, i: usize) {
        let r = self.cohort.arms[i] as usize;
        let Some(max_stage) = self.nav_stage[r] else { return };
        let life = &self.lives[i * self.arms + r];
        let bit = 1u64 << (i % 64);
        if !life.nav && navigator_eligible(life, max_stage) {
            self.nav_waiting[i / 64] |= bit;
        } else {
            self.nav_waiting[i / 64] &= !bit;
        }
    }

    /// Lives whose sleep ends in week `t` catch up and join this week's steps.
    /// Nothing they depend on has changed since they fell asleep or were
    /// re-rated, so their step reuses their sleeping rates.
    fn wake_sleepers(&mut self, t: u32) {
        while let Some(idx) = self.by_week.pop(t as usize) {
            self.prefetch_life(self.by_week.first(t as usize));
            self.asleep[idx as usize].current = true;
            self.wake(idx as usize, t);
        }
    }

    /// Step 3's second part: clients asleep on a case manager whose caseload
    /// changed this week move to the new multipliers without waking (see
    /// [`World::rerate`]).
    fn rerate_clients_of_changed_case_managers(&mut self, t: u32) {
        for m in 0..self.cms.service.len() {
            if self.by_cm.is_empty(m) || !self.caseload_changed(m, t) {
                continue;
            }
            let mut next = self.by_cm.first(m);
            while next != NONE {
                let idx = next;
                next = self.by_cm.next(idx);
                self.prefetch_life(next);
                self.rerate(idx as usize, t);
            }
        }
    }

    /// A sleeping life whose case manager's caseload changed in week `t`: its
    /// labour clock, the only one a caseload moves, catches up to `t` at the
    /// old rate, and the life sleeps on at the new one until its next event,
    /// re-filed by that week; or it wakes, if the event falls in week `t`.
    /// Its records, trajectories and other clocks are replayed only when it
    /// wakes. The same arithmetic as a woken life stepped this week.
    fn rerate(&mut self, idx: usize, t: u32) {
        let (i, a) = (idx / self.arms, idx % self.arms);
        let (end, clock_end) = self.ends(i, a);
        if t > end {
            self.wake(idx, t);
            return;
        }
        let (life, sleep) = (&self.lives[idx], &self.asleep[idx]);
        let (from, state, labour_from) = (life.asleep_from, life.state, sleep.labour_from);
        let mut clock = life.labour;
        self.run_labour(&mut clock, state, &sleep.rates, self.dur_after(life, labour_from - from), t - labour_from);
        self.rerate_effect(i, a);
        let dur = self.dur_after(&self.lives[idx], t - from);
        let sleep = &self.asleep[idx];
        let w = self.first_event(clock, state, dur, t, clock_end, sleep.service_week, &sleep.rates).unwrap_or(end + 1);
        self.lives[idx].labour = clock;
        self.asleep[idx].labour_from = t;
        if w == t {
            self.asleep[idx].current = true;
            self.wake(idx, t);
            return;
        }
        // Re-filed only if its week moved: a small change of caseload often leaves it.
        let filed = if w <= end { w } else { NONE };
        if self.by_week.list_of(idx as u32) != filed {
            self.by_week.remove(idx as u32);
            if filed != NONE {
                self.by_week.push(filed as usize, idx as u32);
            }
        }
    }

    /// A ghost that arrives on the same fallback case manager as its real self
    /// moves exactly as it does (same state, rates and draws) until one of
    /// them starts a service. It is not stepped meanwhile: it sleeps as a
    /// mirror until the first of its own placement, its real self's
    /// placement or its last week, and then takes over its real self's state
    /// (see [`World::take_real_state`]).
    fn mirror(&mut self, i: usize, a: usize, t: u32) {
        let idx = i * self.arms + a;
        self.lives[idx].asleep_from = t;
        self.asleep[idx] = Sleep { mirror: true, ..Sleep::default() };
        self.by_week.push((t + self.horizon) as usize, idx as u32);
    }

    /// A mirror ghost becomes a life of its own: it takes its real self's
    /// life, asleep or not, with its horizon snapshots, and keeps its own
    /// service record and waitlist flag.
    fn take_real_state(&mut self, i: usize, a: usize) {
        let (idx, real) = (i * self.arms + a, i * self.arms + self.cohort.arms[i] as usize);
        let (waiting, started) = (self.ghost_waiting(idx), self.lives[idx].record.service_started);
        self.lives[idx] = self.lives[real];
        self.asleep[idx] = Sleep { current: false, ..self.asleep[real] };
        let n_h = self.model.horizons.len();
        self.at_horizon.copy_within(real * n_h..(real + 1) * n_h, idx * n_h);
        let life = &mut self.lives[idx];
        life.record.service_started = started;
        life.waiting = waiting;
    }

    /// Whether a ghost is on its service's waitlist. A mirror's own flag is as
    /// it arrived; its weekly steps would have cleared it the first time it
    /// left benefit, which its real self's record and state tell.
    fn ghost_waiting(&self, idx: usize) -> bool {
        let life = &self.lives[idx];
        if life.asleep_from == NONE || !self.asleep[idx].mirror {
            return life.waiting;
        }
        let i = idx / self.arms;
        let real = &self.lives[i * self.arms + self.cohort.arms[i] as usize];
        life.waiting && real.record.first_exit == NEVER && real.on_benefit(self.stages)
    }

    /// The ghosts of person `i` for which `which` holds wake, caught up to
    /// week `until` (not included).
    fn wake_ghosts(&mut self, i: usize, until: u32, which: impl Fn(&Life, &Sleep) -> bool) {
        let r = self.cohort.arms[i] as usize;
        for g in 0..self.ghost_arms[r].len() {
            let idx = i * self.arms + self.ghost_arms[r][g] as usize;
            if which(&self.lives[idx], &self.asleep[idx]) {
                self.wake(idx, until);
            }
        }
    }

    /// A ghost mirroring its real self, which is about to start its service.
    fn mirroring(life: &Life, sleep: &Sleep) -> bool {
        life.asleep_from != NONE && sleep.mirror
    }

    /// Wakes life `idx` if asleep: it leaves its lists, catches up to week
    /// `until` (not included) and is stepped from then on.
    fn wake(&mut self, idx: usize, until: u32) {
        if self.lives[idx].asleep_from == NONE {
            return;
        }
        self.by_week.remove(idx as u32);
        self.by_cm.remove(idx as u32);
        let (i, a) = (idx / self.arms, idx % self.arms);
        let end = self.end_of(i, a);
        if self.asleep[idx].mirror {
            // Woken at the latest in its last week, before its real self moves on.
            debug_assert!(until <= end, "a mirror ghost is taken over by its last week");
            self.take_real_state(i, a);
        }
        if until > end {
            // Past its last week: it only needs its records completed.
            self.catch_up(i, a, end + 1);
            return;
        }
        self.catch_up(i, a, until);
        if a == self.cohort.arms[i] as usize {
            self.awake_real.push(i as u32);
        } else {
            self.awake_ghosts.push((i as u32, a as u8));
        }
    }

    /// Starts loading life `idx`, its sleeper record and its person's rate
    /// multipliers, if `idx` is not [`NONE`], before a loop visits it (see
    /// [`prefetch`]).
    #[inline]
    fn prefetch_life(&self, idx: u32) {
        if let (Some(life), Some(sleep)) = (self.lives.get(idx as usize), self.asleep.get(idx as usize)) {
            prefetch::two_lines(life);
            prefetch::two_lines(sleep);
            prefetch::two_lines(&self.cohort.rate_multipliers[idx as usize / self.arms]);
        }
    }

    /// Whether case manager `m`'s caseload at step 3 of week `t` differs from the week before.
    fn caseload_changed(&self, m: usize, t: u32) -> bool {
        let at = m * self.weeks + t as usize;
        t == 0 || self.caseload_history[at] != self.caseload_history[at - 1]
    }

    /// The case manager person `i`'s real life is counted with.
    fn real_cm(&self, i: usize) -> u32 {
        self.lives[i * self.arms + self.cohort.arms[i] as usize].counted_cm(self.stages)
    }

    /// Steps 4 and 6 for every awake ghost. Ghosts go before the real lives:
    /// they read their real self's case manager as the week began.
    fn step_ghosts(&mut self, t: u32) {
        let mut kept = 0;
        for j in 0..self.awake_ghosts.len() {
            if let Some(&(i, a)) = self.awake_ghosts.get(j + 1) {
                self.prefetch_life(i * self.arms as u32 + u32::from(a));
            }
            let (i, a) = self.awake_ghosts[j];
            let (i, a) = (i as usize, a as usize);
            let k = t - self.week_of[i];
            let real_cm = self.real_cm(i);
            let rates = self.step_ghost(i, a, k, real_cm);
            if k == self.horizon {
                // Its last week: it waits for nothing any more.
                self.note_ghost_navigator_need(i * self.arms + a, false);
            } else if !self.fall_asleep(i, a, t, real_cm, rates) {
                self.awake_ghosts[kept] = (i as u32, a as u8);
                kept += 1;
            }
        }
        self.awake_ghosts.truncate(kept);
    }

    /// Steps 4–6 for every awake real life.
    fn step_reals(&mut self, t: u32) {
        let mut kept = 0;
        for j in 0..self.awake_real.len() {
            if let Some(&i) = self.awake_real.get(j + 1) {
                let r = self.cohort.arms[i as usize];
                self.prefetch_life(i * self.arms as u32 + u32::from(r));
            }
            let i = self.awake_real[j] as usize;
            let r = self.cohort.arms[i] as usize;
            let real_cm = self.real_cm(i);
            let rates = self.step_real(i, r, t - self.week_of[i], real_cm);
            self.note_navigator_need(i);
            let moved_to = self.real_cm(i);
            if moved_to != real_cm {
                self.wake_ghosts(i, t + 1, serving_ghost(self.stages, real_cm, moved_to));
            }
            if !self.fall_asleep(i, r, t, real_cm, rates) {
                self.awake_real[kept] = i as u32;
                kept += 1;
            }
        }
        self.awake_real.truncate(kept);
    }

    /// The last calendar week a life is stepped: the trial's last for a real
    /// life (it still holds caseloads), the own horizon for a ghost.
    fn end_of(&self, i: usize, a: usize) -> u32 {
        self.ends(i, a).0
    }

    /// [`World::end_of`], and the last calendar week in which the life's
    /// clocks run: a ghost's last week is only recorded, so its clocks stop
    /// the week before.
    fn ends(&self, i: usize, a: usize) -> (u32, u32) {
        if a == self.cohort.arms[i] as usize {
            (self.last_week(), self.last_week())
        } else {
            let end = self.week_of[i] + self.horizon;
            (end, end - 1)
        }
    }

    /// After week `t`, a life that nothing outside it can change before its
    /// next event sleeps until the week of that event (or its end): its rates
    /// depend on no case manager's caseload, or on one whose change wakes it
    /// (see [`Lists`]); a life waiting for the service is woken by its
    /// placement (step 2), and a ghost waiting for a Navigator by the week's
    /// assignment (step 2b), as a real life is.
    /// [`World::catch_up`] later replays the skipped weeks with exactly the
    /// arithmetic of the weekly step, so results are unchanged. `real_cm` is where the real self was counted in week `t`;
    /// `rates` the life's rates if this week's step left them as they were.
    /// Returns whether it fell asleep.
    fn fall_asleep(&mut self, i: usize, a: usize, t: u32, real_cm: u32, rates: Option<Rates>) -> bool {
        let idx = i * self.arms + a;
        let life = &self.lives[idx];
        if !self.sleeping {
            return false;
        }
        let depends_on = effect_cm(life, self.stages).filter(|&m| self.cms.has_effects(m));
        // On a fallback with effects: not filed anywhere a change would reach.
        if depends_on.is_some() && !life.in_service {
            return false;
        }
        if a != self.cohort.arms[i] as usize {
            let service = &self.model.services[self.model.arms[a].service];
            let nav_pending =
                service.navigators.as_ref().is_some_and(|n| !life.nav && navigator_eligible(life, n.max_stage));
            self.note_ghost_navigator_need(idx, nav_pending);
        }
        let life = &self.lives[idx];
        let (end, clock_end) = self.ends(i, a);
        let rates = rates.unwrap_or_else(|| self.rates(i, a, real_cm));
        let from = t + 1;
        let service_week = self.service_event(life, a, from, &rates);
        let w = self
            .first_event(life.labour, life.state, life.dur, from, clock_end, service_week, &rates)
            .unwrap_or(end + 1);
        if w == from {
            return false;
        }
        self.lives[idx].asleep_from = from;
        self.asleep[idx] = Sleep { rates, labour_from: from, service_week, current: false, mirror: false };
        if w <= end {
            self.by_week.push(w as usize, idx as u32);
        }
        if let Some(m) = depends_on {
            self.by_cm.push(m as usize, idx as u32);
        }
        true
    }

    /// Replays the weeks a life slept through, up to (not including) week
    /// `until`: the records and trajectory sums of each week, the clocks,
    /// counters and spell duration, as the weekly step would have done them.
    /// The state is constant over the span, so the record is updated in closed
    /// form.
    fn catch_up(&mut self, i: usize, a: usize, until: u32) {
        let idx = i * self.arms + a;
        let from = self.lives[idx].asleep_from;
        if from == NONE {
            return;
        }
        let real = a == self.cohort.arms[i] as usize;
        let r_week = self.week_of[i];
        let (k_from, k_until) = (from - r_week, until - r_week);
        // Own weeks recorded: up to the horizon, inclusive.
        let recorded_until = k_until.min(self.horizon + 1);
        if k_from < recorded_until {
            if real {
                self.replay_trajectory(i, a, from, k_from, recorded_until);
            }
            self.replay_record(idx, k_from, recorded_until);
        }
        // Weeks in which the clocks run: all for a real life; a ghost's last
        // week is only recorded. The labour clock may have run further already
        // (see [`World::rerate`]).
        let clock_until = if real { k_until } else { k_until.min(self.horizon) };
        let weeks = clock_until.saturating_sub(k_from);
        let sleep = &self.asleep[idx];
        let labour_weeks = clock_until.saturating_sub(sleep.labour_from - r_week);
        let life = &self.lives[idx];
        let (mut clock, state) = (life.labour, life.state);
        let dur = self.dur_after(life, sleep.labour_from - from);
        self.run_labour(&mut clock, state, &sleep.rates, dur, labour_weeks);
        let dur = self.dur_after(life, weeks);
        let life = &mut self.lives[idx];
        life.asleep_from = NONE;
        life.labour = clock;
        life.dur = dur;
        if life.in_service && weeks > 0 {
            let rates = &self.asleep[idx].rates;
            life.engagement.accumulate(rates.engagement, weeks);
            life.support.accumulate(rates.support_end, weeks);
            life.service_weeks += weeks as u16;
            life.disengaged_weeks = if life.engaged { 0 } else { life.disengaged_weeks + weeks as u16 };
        }
    }

    /// The spell duration of a sleeping life `weeks` weeks after it fell
    /// asleep: it runs only off benefit.
    fn dur_after(&self, life: &Life, weeks: u32) -> u16 {
        if life.on_benefit(self.stages) { life.dur } else { life.dur + weeks as u16 }
    }

    /// Runs a labour clock `weeks` weeks at `rates` for a life in `state`
    /// whose spell duration is `dur`, one step per run of constant rate.
    fn run_labour(&self, clock: &mut Clock, state: u8, rates: &Rates, mut dur: u16, weeks: u32) {
        if state < self.stages {
            // On benefit the labour rate does not change with the spell: one run.
            clock.accumulate(rates.total, weeks);
            return;
        }
        let mut left = weeks;
        while left > 0 {
            let run = self.constant_run(state, dur).min(left);
            clock.accumulate(rates.labour(self.model, dur), run);
            if state >= self.stages {
                dur += run as u16;
            }
            left -= run;
        }
    }

    /// Weeks from spell duration `dur` during which a life in `state`, asleep,
    /// keeps the same labour rate.
    fn constant_run(&self, state: u8, dur: u16) -> u32 {
        let dur = u32::from(dur);
        let change = if state < self.stages {
            u32::MAX
        } else if state == self.stages {
            self.model.job_loss.next_change(dur)
        } else {
            self.model.return_rate.next_change(dur)
        };
        change.saturating_sub(dur)
    }

    /// The rates of a life just woken with its sleeping rates still current,
    /// once (see [`Sleep::current`]).
    fn current_rates(&mut self, idx: usize) -> Option<Rates> {
        let sleep = &mut self.asleep[idx];
        std::mem::take(&mut sleep.current).then_some(sleep.rates)
    }

    /// The weekly rates of life `(i, a)` as they stand, with its real self
    /// counted at `real_cm`.
    fn rates(&self, i: usize, a: usize, real_cm: u32) -> Rates {
        let life = &self.lives[i * self.arms + a];
        let service = &self.model.services[self.model.arms[a].service];
        let effect = self.effect(i, a, real_cm);
        Rates::of(life, self.model, service, &self.cohort.rate_multipliers[i], effect)
    }

    /// Computes again the parts of a sleeping life's rates that its case
    /// manager's caseload moves.
    fn rerate_effect(&mut self, i: usize, a: usize) {
        let idx = i * self.arms + a;
        let nav = self.lives[idx].nav;
        let service = &self.model.services[self.model.arms[a].service];
        let effect = self.effect(i, a, self.real_cm(i));
        self.asleep[idx].rates.set_effect(self.model, service, &self.cohort.rate_multipliers[i], effect, nav);
    }

    /// The service multipliers that apply to life `(i, a)` this week, with its
    /// real self counted at `real_cm`.
    fn effect(&self, i: usize, a: usize, real_cm: u32) -> Effect {
        let life = &self.lives[i * self.arms + a];
        let cm = effect_cm(life, self.stages);
        let real = a == self.cohort.arms[i] as usize;
        // A ghost counts itself in its case manager's caseload, unless its real
        // self is already counted there (then the caseload is as it is).
        let table = if real || cm == Some(real_cm) { &self.cms.real } else { &self.cms.ghost };
        effect_of(table, self.cms.stride, cm, life.state, self.stages)
    }

    /// The first calendar week from `from` in which a service event of a life
    /// asleep from `from` happens, or `u32::MAX`: its engagement or support
    /// clock fires, or a service-exit rule is met. None of these depends on a
    /// caseload, so the week stands when the life is re-rated.
    fn service_event(&self, life: &Life, a: usize, from: u32, rates: &Rates) -> u32 {
        if !life.in_service {
            return u32::MAX;
        }
        let service = &self.model.services[self.model.arms[a].service];
        let after = |limit: Option<u32>, count: u16| limit.map_or(u32::MAX, |w| w.saturating_sub(count.into()).max(1));
        // Weeks from `from` (1 = week `from`).
        let mut first = life
            .engagement
            .weeks_to_event(rates.engagement)
            .unwrap_or(u32::MAX)
            .min(life.support.weeks_to_event(rates.support_end).unwrap_or(u32::MAX))
            .min(after(service.max_weeks, life.service_weeks));
        if life.state == self.stages {
            first = first.min(after(service.support_weeks, life.dur));
        }
        if !life.engaged {
            first = first.min(after(service.disengaged_weeks, life.disengaged_weeks));
        }
        if first == u32::MAX { u32::MAX } else { from.saturating_add(first - 1) }
    }

    /// The first calendar week in `from..=until` in which a sleeping life must
    /// be stepped, if any: its labour clock (standing at `clock`, in `state`
    /// with spell duration `dur` in week `from`) fires, or its service event
    /// in `service_week` comes. The labour clock is looked ahead run by run of
    /// constant rate with [`Clock::weeks_to_event`]'s exact test.
    #[allow(clippy::too_many_arguments)]
    fn first_event(
        &self,
        mut clock: Clock,
        state: u8,
        mut dur: u16,
        from: u32,
        until: u32,
        service_week: u32,
        rates: &Rates,
    ) -> Option<u32> {
        let labour_until = until.min(service_week);
        let service = (service_week <= until).then_some(service_week);
        if state < self.stages {
            // On benefit the labour rate does not change with the spell: one run.
            let weeks = (labour_until + 1).saturating_sub(from);
            return clock.weeks_to_event(rates.total).filter(|&n| n <= weeks).map(|n| from + n - 1).or(service);
        }
        let mut w = from;
        while w <= labour_until {
            let run = self.constant_run(state, dur).min(labour_until - w + 1);
            let rate = rates.labour(self.model, dur);
            if let Some(n) = clock.weeks_to_event(rate).filter(|&n| n <= run) {
                return Some(w + n - 1);
            }
            clock.accumulate(rate, run);
            dur = dur.saturating_add(run.min(u32::from(u16::MAX)) as u16);
            w += run;
        }
        service
    }

    /// Trajectory sums of a real life asleep in own weeks `k_from..k_until`
    /// (calendar weeks from `from`), in a constant state: what
    /// [`World::record_trajectory`] would add week by week.
    fn replay_trajectory(&mut self, i: usize, a: usize, from: u32, k_from: u32, k_until: u32) {
        let life = &self.lives[i * self.arms + a];
        let (state, waiting, cm) = (life.state, life.waiting, life.counted_cm(self.stages));
        let cols = TrajectoryColumns { stages: self.stages as usize };
        let width = cols.width();
        let runs = &mut self.trajectory_runs[a * (self.horizon as usize + 2) * width..];
        let mut count = |column: usize| {
            runs[k_from as usize * width + column] += 1;
            runs[k_until as usize * width + column] -= 1;
        };
        count(state as usize);
        if waiting {
            count(cols.waitlisted());
        }
        if cm == NONE {
            return;
        }
        count(cols.served());
        let history = &self.caseload_history[cm as usize * self.weeks + from as usize..];
        let row = a * (self.horizon as usize + 1) + k_from as usize;
        let sums = self.trajectories[row * width..].chunks_exact_mut(width);
        for (sum, &load) in sums.zip(history).take((k_until - k_from) as usize) {
            sum[cols.caseload_sum()] += u64::from(load);
        }
    }

    /// The running record and horizon snapshots of a life in a constant state
    /// over own weeks `k_from..k_until`: what [`Life::observe`] would give week
    /// by week.
    fn replay_record(&mut self, idx: usize, k_from: u32, k_until: u32) {
        let n_h = self.model.horizons.len();
        let stages = self.stages;
        let life = &mut self.lives[idx];
        let on_benefit = life.on_benefit(stages);
        let wob = life.record.weeks_on_benefit;
        for (h, &horizon) in self.model.horizons.iter().enumerate() {
            if (k_from..k_until).contains(&horizon) {
                let before = if on_benefit { wob + (horizon - k_from) as u16 } else { wob };
                self.at_horizon[idx * n_h + h] = AtHorizon { weeks_on_benefit: before, state: life.state };
            }
        }
        // The first week does everything a first week can; later weeks add
        // weeks on benefit, or reach tenure milestones.
        life.observe(k_from as u16, stages);
        let rest = (k_until - k_from - 1) as u16;
        let r = &mut life.record;
        if on_benefit {
            r.weeks_on_benefit += rest;
        } else if life.state == stages {
            for (first, &m) in r.first_tenure.iter_mut().zip(&life::MILESTONES) {
                let reached = k_from + u32::from(m.saturating_sub(life.dur));
                if *first == NEVER && reached < k_until {
                    *first = reached as u16;
                }
            }
        }
    }

    /// Returns the rates the real life moved at this week if its move left them
    /// as they were.
    fn step_real(&mut self, i: usize, r: usize, k: u32, before_cm: u32) -> Option<Rates> {
        let model = self.model;
        let service = &model.services[model.arms[r].service];
        let idx = i * self.arms + r;
        let life = &self.lives[idx];
        let before_nav = life.nav;
        if k <= self.horizon {
            let caseload = (before_cm != NONE).then(|| self.cms.snapshot[before_cm as usize]);
            self.record_trajectory(r, k, life.state, life.waiting, caseload);
            self.record(idx, k);
        }
        let rates = self.current_rates(idx).unwrap_or_else(|| self.rates(i, r, before_cm));
        let life = &mut self.lives[idx];
        let key = rate_key(life);
        advance(life, model, service, &rates, &self.keyed, self.replicate, i as u64);
        let unchanged = rate_key(life) == key;
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
        unchanged.then_some(rates)
    }

    /// Returns the rates the ghost moved at this week if it moved and its
    /// move left them as they were.
    fn step_ghost(&mut self, i: usize, a: usize, k: u32, real_cm: u32) -> Option<Rates> {
        let model = self.model;
        let service = &model.services[model.arms[a].service];
        let idx = i * self.arms + a;
        let p = self.pool_of(model.arms[a].service, self.site_of[i]);
        let current = self.current_rates(idx);
        let life = &mut self.lives[idx];
        let before = rate_key(life);
        if life.waiting && life.on_benefit(self.stages) && k < self.horizon {
            if let Some(cm) = self.pools[p].ghost_placement(i as u32) {
                life.start_service(cm, k as u16);
            }
        }
        if let Some(nav) = &service.navigators {
            if !life.nav
                && navigator_eligible(life, nav.max_stage)
                && self.pools[p].ghost_gets_navigator(i as u32, nav.capacity_per_site)
            {
                life.nav = true;
            }
        }
        self.record(idx, k);
        if k == self.horizon {
            return None;
        }
        let life = &self.lives[idx];
        let key = rate_key(life);
        // A placement or a Navigator this week changes the rates.
        let rates = current.filter(|_| key == before).unwrap_or_else(|| self.rates(i, a, real_cm));
        let life = &mut self.lives[idx];
        advance(life, model, service, &rates, &self.keyed, self.replicate, i as u64);
        (rate_key(life) == key).then_some(rates)
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

    /// Adds one real life's own week `k` to its arm's trajectory sums;
    /// `caseload` is that of the case manager serving it, if any.
    fn record_trajectory(&mut self, arm: usize, k: u32, state: u8, waiting: bool, caseload: Option<u32>) {
        let cols = TrajectoryColumns { stages: self.stages as usize };
        let row = (arm * (self.horizon as usize + 1) + k as usize) * cols.width();
        let sums = &mut self.trajectories[row..row + cols.width()];
        sums[state as usize] += 1;
        sums[cols.waitlisted()] += u64::from(waiting);
        if let Some(c) = caseload {
            sums[cols.caseload_sum()] += u64::from(c);
            sums[cols.served()] += 1;
        }
    }

    /// Hands over what the analysis needs.
    pub fn finish(self) -> Replicate {
        self.finish_into(&mut Scratch::default())
    }

    /// [`World::finish`], leaving the buffers the analysis does not need in `scratch`.
    pub fn finish_into(mut self, scratch: &mut Scratch) -> Replicate {
        for i in 0..self.arrived {
            for a in 0..self.arms {
                if self.lives[i * self.arms + a].asleep_from != NONE {
                    let until = self.end_of(i, a) + 1;
                    self.catch_up(i, a, until);
                }
            }
        }
        self.add_trajectory_runs();
        // Arms with the same service and fallback as the real arm share its life.
        let n_h = self.model.horizons.len();
        let mut simulated = 0u64;
        for (i, &r) in self.cohort.arms.iter().enumerate() {
            let r = r as usize;
            simulated += 1 + self.ghost_arms[r].len() as u64;
            for a in (0..self.arms).filter(|&a| a != r && !self.ghost_arms[r].contains(&(a as u8))) {
                self.lives[i * self.arms + a] = self.lives[i * self.arms + r];
                let real = (i * self.arms + r) * n_h;
                self.at_horizon.copy_within(real..real + n_h, (i * self.arms + a) * n_h);
            }
        }
        scratch.asleep = self.asleep;
        scratch.by_week = self.by_week;
        scratch.by_cm = self.by_cm;
        scratch.caseload_history = self.caseload_history;
        scratch.trajectory_runs = self.trajectory_runs;
        Replicate {
            arms: self.arms,
            stages: self.stages,
            lives: self.lives,
            at_horizon: self.at_horizon,
            trajectories: self.trajectories,
            person_weeks: simulated * u64::from(self.horizon),
        }
    }

    /// Adds the runs of weeks slept through to the weekly trajectory sums.
    fn add_trajectory_runs(&mut self) {
        let width = TrajectoryColumns { stages: self.stages as usize }.width();
        let rows = self.horizon as usize + 1;
        for a in 0..self.arms {
            let mut running = vec![0i64; width];
            for k in 0..rows {
                let runs = &self.trajectory_runs[(a * (rows + 1) + k) * width..][..width];
                let sums = &mut self.trajectories[(a * rows + k) * width..][..width];
                for ((sum, run), total) in sums.iter_mut().zip(runs).zip(&mut running) {
                    *total += *run;
                    // A run starts before it ends, so the running count is never negative.
                    *sum += *total as u64;
                }
            }
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

    /// Life of person `i` under arm `a`, as it stands (for tests and
    /// invariants): a sleeping life as it fell asleep, a mirror ghost as it
    /// arrived.
    pub fn life(&self, i: usize, a: usize) -> &Life {
        &self.lives[i * self.arms + a]
    }

    /// People randomised so far.
    pub fn arrived(&self) -> usize {
        self.arrived
    }
}

/// What a life's rates depend on that its own weekly step can change.
#[inline]
fn rate_key(life: &Life) -> (u8, bool, bool, bool, u32) {
    (life.state, life.in_service, life.engaged, life.nav, life.service_cm)
}

/// Selects the ghosts in a service whose multipliers are those of case
/// manager `from` or `to`: they read whether their real self is counted with
/// their case manager (see [`World::effect`]), so a real self moving from
/// `from` to `to` changes their rates, and no other ghost's. (A ghost on a
/// fallback with effects does not sleep.)
fn serving_ghost(stages: u8, from: u32, to: u32) -> impl Fn(&Life, &Sleep) -> bool {
    move |life, _| life.in_service && effect_cm(life, stages).is_some_and(|m| m == from || m == to)
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

/// `ghost[r · arms + a]`: a person randomised to arm `r` needs a ghost under
/// arm `a`, i.e. the two arms differ in service or fallback.
fn ghost_matrix(model: &Model) -> Vec<bool> {
    let arms = &model.arms;
    arms.iter().flat_map(|r| arms.iter().map(move |a| (r.service, r.fallback) != (a.service, a.fallback))).collect()
}

/// The four stage-transition rates `λ0 · exp(β·x + ℓ·u) · M` of a life in stage `s`.
#[inline]
fn stage_rates(
    model: &Model,
    s: usize,
    pm: &[f64; transition::COUNT],
    m: &[f64; 4],
    nav: Option<&Navigators>,
) -> [f64; 4] {
    let base = &model.stage_rates[s];
    let mut r = [base[0] * pm[0] * m[0], base[1] * pm[1] * m[1], base[2] * pm[2] * m[2], base[3] * pm[3] * m[3]];
    if let Some(nav) = nav {
        r[transition::PROGRESS] *= nav.progress;
    }
    r
}

/// The weekly rates of one life while its state, service, case manager and
/// Navigator stay as they are: the one place they are computed, for the
/// weekly step and for skipping weeks alike, so both use the same arithmetic.
/// The stage moves come last: only a step needs them, so the rest shares a
/// cache line with a sleeper's anchor (see [`Sleep`]).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
struct Rates {
    /// The sum of `moves`.
    total: f64,
    /// `exp(β·x + ℓ·u)` on job loss, and the service effect on it.
    job_loss: f64,
    job_loss_effect: f64,
    /// `exp(β·x + ℓ·u)` on return to benefit.
    return_to_benefit: f64,
    /// Disengaging (engaged) or re-engaging (not) while in service; zero otherwise.
    engagement: f64,
    /// The life's state and the ladder's number of stages.
    state: u8,
    stages: u8,
    /// End of time-unlimited in-work support while employed in service; zero otherwise.
    support_end: f64,
    /// Progress, regress, job and other exit, on benefit (with the Navigator's
    /// effect on progress); zero otherwise.
    moves: [f64; 4],
}

impl Rates {
    #[inline]
    fn of(life: &Life, model: &Model, service: &ServiceModel, pm: &[f64; transition::COUNT], effect: Effect) -> Self {
        let stages = model.stages.len() as u8;
        let nav = if life.nav { service.navigators.as_ref() } else { None };
        let engagement = match (life.in_service, life.engaged) {
            (false, _) => 0.0,
            (true, true) => service.disengage * nav.map_or(1.0, |n| n.disengage),
            (true, false) => service.reengage,
        };
        let unlimited_support = life.in_service && life.state == stages && service.support_weeks.is_none();
        let mut rates = Self {
            state: life.state,
            stages,
            job_loss: pm[transition::JOB_LOSS],
            return_to_benefit: pm[transition::RETURN],
            engagement,
            support_end: if unlimited_support { service.support_end_rate } else { 0.0 },
            ..Self::default()
        };
        rates.set_effect(model, service, pm, effect, life.nav);
        rates
    }

    /// The rates a case manager's multipliers move: the stage moves and
    /// their total, and job loss.
    #[inline]
    fn set_effect(
        &mut self,
        model: &Model,
        service: &ServiceModel,
        pm: &[f64; transition::COUNT],
        effect: Effect,
        nav: bool,
    ) {
        let nav = if nav { service.navigators.as_ref() } else { None };
        self.moves = if self.state < self.stages {
            stage_rates(model, self.state as usize, pm, &effect.stage, nav)
        } else {
            [0.0; 4]
        };
        self.total = self.moves[0] + self.moves[1] + self.moves[2] + self.moves[3];
        self.job_loss_effect = effect.job_loss;
    }

    /// The total labour-move rate at spell duration `dur`.
    #[inline]
    fn labour(&self, model: &Model, dur: u16) -> f64 {
        if self.state < self.stages {
            self.total
        } else if self.state == self.stages {
            model.job_loss.at(u32::from(dur)) * self.job_loss * self.job_loss_effect
        } else {
            model.return_rate.at(u32::from(dur)) * self.return_to_benefit
        }
    }
}

/// What a sleeping life needs to be replayed and re-rated. Aligned to cache
/// lines, as a [`Life`] is; what waking and replaying a life outside a
/// service reads lies in the first 64 bytes.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Sleep {
    /// The week from which its labour clock has not yet run: the week it fell
    /// asleep, or the last week it was re-rated.
    labour_from: u32,
    /// The calendar week of its next service event (see [`World::service_event`]).
    service_week: u32,
    /// Woken with `rates` still its rates for the week (by its own event week,
    /// or at a re-rating): its step need not compute them again.
    current: bool,
    /// A ghost mirroring its real self (see [`World::mirror`]); nothing else applies.
    mirror: bool,
    /// Its rates: fixed while it sleeps, but for the labour rate a re-rating changes.
    rates: Rates,
}

const _: () = assert!(std::mem::offset_of!(Sleep, rates) + std::mem::offset_of!(Rates, moves) >= 64);
const _: () = assert!(std::mem::offset_of!(Sleep, rates) + std::mem::offset_of!(Rates, stages) < 64);

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
#[inline]
fn advance(
    life: &mut Life,
    model: &Model,
    service: &ServiceModel,
    rates: &Rates,
    keyed: &Keyed,
    replicate: u64,
    ticket: u64,
) {
    let stages = model.stages.len() as u8;
    let state = life.state;
    let rate = rates.labour(model, life.dur);
    let new_state = if !life.labour.tick(rate, &mut life.labour_events, keyed, replicate, Purpose::LabourClock, ticket)
    {
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
    };

    let was_engaged = life.engaged;
    let mut support_ended = false;
    if life.in_service {
        if life.engagement.tick(
            rates.engagement,
            &mut life.engagement_events,
            keyed,
            replicate,
            Purpose::EngagementClock,
            ticket,
        ) {
            life.engaged = !was_engaged;
        }
        support_ended = life.support.tick(
            rates.support_end,
            &mut life.support_events,
            keyed,
            replicate,
            Purpose::SupportEndClock,
            ticket,
        );
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
        let lost_job = state == stages && life.state < stages;
        let exit = life.state == stages + 1
            || (life.state == stages && service.support_weeks.is_some_and(|w| u32::from(life.dur) >= w))
            || (lost_job && service.support_weeks.is_none())
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
