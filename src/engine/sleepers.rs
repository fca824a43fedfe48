//! Sleeping lives: when a life may skip weeks, how it is filed, re-rated and
//! woken, and how the weeks it skipped are replayed with exactly the
//! arithmetic of the weekly step (see `docs/model.md`, "Sleeping lives").

use super::life::{Clock, Life, NEVER, NONE};
use super::rates::{Rates, effect_cm};
use super::{AtHorizon, TrajectoryColumns, World, life, person_of, prefetch, set_bit, waits_for_navigator};

/// What a sleeping life needs to be replayed and re-rated. Aligned to cache
/// lines, as a [`Life`] is; what waking and replaying a life outside a
/// service reads lies in the first 64 bytes.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
pub(super) struct Sleep {
    /// The week from which its labour clock has not yet run: the week it fell
    /// asleep, or the last week it was re-rated.
    labour_from: u32,
    /// The calendar week of its next service event (see [`World::service_event`]).
    service_week: u32,
    /// Woken with `rates` still its rates for the week (by its own event week,
    /// or at a re-rating): its step need not compute them again.
    pub(super) current: bool,
    /// A ghost mirroring its real self (see [`World::mirror`]); nothing else applies.
    mirror: bool,
    /// Its rates: fixed while it sleeps, but for the labour rate a re-rating
    /// changes. While it is awake, the rates of its last step, kept here so
    /// that falling asleep on them copies nothing.
    pub(super) rates: Rates,
}

const _: () = assert!(std::mem::offset_of!(Sleep, rates) + std::mem::offset_of!(Rates, moves) >= 64);
const _: () = assert!(std::mem::offset_of!(Sleep, rates) + std::mem::offset_of!(Rates, stages) < 64);

/// Selects the ghosts in a service whose multipliers are those of case
/// manager `from` or `to`: they read whether their real self is counted with
/// their case manager (see [`World::effect`]), so a real self moving from
/// `from` to `to` changes their rates, and no other ghost's. (A ghost on a
/// fallback with effects does not sleep.)
pub(super) fn serving_ghost(stages: u8, from: u32, to: u32) -> impl Fn(&Life, &Sleep) -> bool {
    move |life, _| life.in_service && effect_cm(life, stages).is_some_and(|m| m == from || m == to)
}

impl World<'_> {
    /// Lives whose sleep ends in week `t` catch up and join this week's steps.
    /// Nothing they depend on has changed since they fell asleep or were
    /// re-rated, so their step reuses their sleeping rates.
    pub(super) fn wake_sleepers(&mut self, t: u32) {
        // A walk, not pops: waking takes each life out of the list (it is
        // then the first), and changes no other life's place in it.
        let mut next = self.by_week.first(t as usize);
        while next != NONE {
            let idx = next;
            next = self.by_week.next(idx);
            self.prefetch_life(next);
            self.asleep[idx as usize].current = true;
            self.wake(idx as usize, t);
        }
    }

    /// Step 3's second part: clients asleep on a case manager whose caseload
    /// changed this week move to the new multipliers without waking (see
    /// [`World::rerate`]).
    pub(super) fn rerate_clients_of_changed_case_managers(&mut self, t: u32) {
        for j in 0..self.cms.changed().len() {
            let mut next = self.by_cm.first(self.cms.changed()[j] as usize);
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
        let (i, a) = self.person_arm(idx);
        let real = self.is_real(i, a);
        let (end, clock_end) = self.ends(i, real);
        if t > end {
            self.wake(idx, t);
            return;
        }
        if !self.lives[idx].on_benefit(self.stages) {
            self.rerate_off_benefit(i, a, real, t, end, clock_end);
            return;
        }
        // On benefit, where most clients are: the labour rate does not change
        // with the spell, so the clock runs in one step and its spell duration
        // is not needed. The life, its sleeper record and the new multipliers
        // are looked up once.
        let effect = self.sleeping_effect(i, a, real);
        let (service, pm) = (self.service_of[a], &self.cohort.rate_multipliers[i]);
        let (life, sleep) = (&mut self.lives[idx], &mut self.asleep[idx]);
        life.labour.accumulate(sleep.rates.total, t - sleep.labour_from);
        sleep.labour_from = t;
        sleep.rates.set_effect(self.model, service, pm, effect, life.nav);
        let w = look_ahead_on_benefit(&life.labour, sleep.rates.total, t, clock_end, sleep.service_week);
        self.refile(idx, t, end, w.unwrap_or(end + 1));
    }

    /// [`World::rerate`] of a life off benefit, whose labour rate changes
    /// with its spell: run by run of constant rate.
    #[inline(never)]
    fn rerate_off_benefit(&mut self, i: usize, a: usize, real: bool, t: u32, end: u32, clock_end: u32) {
        let idx = self.idx(i, a);
        let (life, sleep) = (&self.lives[idx], &self.asleep[idx]);
        let (from, state, labour_from) = (life.asleep_from, life.state, sleep.labour_from);
        let mut clock = life.labour;
        self.run_labour(&mut clock, state, &sleep.rates, self.dur_after(life, labour_from - from), t - labour_from);
        self.rerate_effect(i, a, real);
        let dur = self.dur_after(&self.lives[idx], t - from);
        let sleep = &self.asleep[idx];
        let w = self.first_event(clock, state, dur, t, clock_end, sleep.service_week, &sleep.rates).unwrap_or(end + 1);
        self.lives[idx].labour = clock;
        self.asleep[idx].labour_from = t;
        self.refile(idx, t, end, w);
    }

    /// A re-rated life whose next event is in week `w` (past `end`: none
    /// before its last week) wakes if that is this week `t`, and is otherwise
    /// filed by that week.
    #[inline]
    fn refile(&mut self, idx: usize, t: u32, end: u32, w: u32) {
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
    pub(super) fn mirror(&mut self, i: usize, a: usize, t: u32) {
        let idx = self.idx(i, a);
        self.lives[idx].asleep_from = t;
        self.asleep[idx] = Sleep { mirror: true, ..Sleep::default() };
        self.by_week.push((t + self.horizon) as usize, idx as u32);
    }

    /// A mirror ghost becomes a life of its own: it takes its real self's
    /// life, asleep or not, with its horizon snapshots, and keeps its own
    /// service record and waitlist flag.
    fn take_real_state(&mut self, i: usize, a: usize) {
        let (idx, real) = (self.idx(i, a), self.real_idx(i));
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
    pub(super) fn ghost_waiting(&self, idx: usize) -> bool {
        let life = &self.lives[idx];
        if life.asleep_from == NONE || !self.asleep[idx].mirror {
            return life.waiting;
        }
        let i = person_of(idx, self.arms);
        let real = &self.lives[self.real_idx(i)];
        life.waiting && real.record.first_exit == NEVER && real.on_benefit(self.stages)
    }

    /// The ghosts of person `i` for which `which` holds wake, caught up to
    /// week `until` (not included).
    pub(super) fn wake_ghosts(&mut self, i: usize, until: u32, which: impl Fn(&Life, &Sleep) -> bool) {
        let r = self.arm_of[i] as usize;
        for g in 0..self.ghost_arms[r].len() {
            let idx = self.idx(i, self.ghost_arms[r][g] as usize);
            if which(&self.lives[idx], &self.asleep[idx]) {
                self.wake(idx, until);
            }
        }
    }

    /// A ghost mirroring its real self, which is about to start its service.
    pub(super) fn mirroring(life: &Life, sleep: &Sleep) -> bool {
        life.asleep_from != NONE && sleep.mirror
    }

    /// Wakes life `idx` if asleep: it leaves its lists, catches up to week
    /// `until` (not included) and is stepped from then on.
    // Inlined, so that asking for a life already awake makes no call; the
    // work of waking stays out of line.
    #[inline]
    pub(super) fn wake(&mut self, idx: usize, until: u32) {
        if self.lives[idx].asleep_from != NONE {
            self.wake_asleep(idx, until);
        }
    }

    /// [`World::wake`] of a sleeping life.
    #[inline(never)]
    fn wake_asleep(&mut self, idx: usize, until: u32) {
        self.by_week.remove(idx as u32);
        self.by_cm.remove(idx as u32);
        let (i, a) = self.person_arm(idx);
        let real = self.is_real(i, a);
        if !real {
            // Only ghosts are queued there (see [`World::fall_asleep`]).
            set_bit(&mut self.nav_waiting_ghosts, idx, false);
        }
        let end = self.end_of(i, real);
        if self.asleep[idx].mirror {
            // Woken at the latest in its last week, before its real self moves on.
            debug_assert!(until <= end, "a mirror ghost is taken over by its last week");
            self.take_real_state(i, a);
        }
        if until > end {
            // Past its last week: it only needs its records completed.
            self.catch_up(i, a, real, end + 1);
            return;
        }
        self.catch_up(i, a, real, until);
        if real {
            self.awake_real.push(i as u32);
        } else {
            self.awake_ghosts.push((i as u32, a as u8));
        }
    }

    /// Starts loading life `idx`, its sleeper record and its person's rate
    /// multipliers, if `idx` is not [`NONE`], before a loop visits it (see
    /// [`prefetch`]).
    #[inline]
    pub(super) fn prefetch_life(&self, idx: u32) {
        self.prefetch_person_life(person_of(idx as usize, self.arms), idx);
    }

    /// [`World::prefetch_life`] for a loop that knows the life's person `i`.
    #[inline]
    pub(super) fn prefetch_person_life(&self, i: usize, idx: u32) {
        // One comparison for all: the addresses are formed, not looked up.
        if (idx as usize) < self.lives.len() {
            prefetch::two_lines(self.lives.as_ptr().wrapping_add(idx as usize));
            prefetch::two_lines(self.asleep.as_ptr().wrapping_add(idx as usize));
            prefetch::two_lines(self.cohort.rate_multipliers.as_ptr().wrapping_add(i));
            self.by_week.prefetch(idx);
            self.by_cm.prefetch(idx);
        }
    }

    /// After week `t`, a life that nothing outside it can change before its
    /// next event sleeps until the week of that event (or its end): its rates
    /// depend on no case manager's caseload, or on one whose change wakes it
    /// (see [`Lists`](super::lists::Lists)); a life waiting for the service is woken by its
    /// placement (step 2), and a ghost waiting for a Navigator by the week's
    /// assignment (step 2b), as a real life is.
    /// [`World::catch_up`] later replays the skipped weeks with exactly the
    /// arithmetic of the weekly step, so results are unchanged. `real_cm` is where the real self was counted in week `t`;
    /// `unchanged` whether this week's step left the rates it moved at, in
    /// the sleeper record, as they were; `real` whether it is the real life.
    /// Returns whether it fell asleep.
    // Run after every stepped week, from the two step loops; as a call of its
    // own, with seven arguments and its register saves, it cost about 1.5 M
    // instructions more per ics_x replicate.
    #[inline(always)]
    pub(super) fn fall_asleep(
        &mut self,
        i: usize,
        a: usize,
        real: bool,
        t: u32,
        real_cm: u32,
        unchanged: bool,
    ) -> bool {
        let idx = self.idx(i, a);
        let life = &self.lives[idx];
        if !self.sleeping {
            return false;
        }
        let depends_on = effect_cm(life, self.stages).filter(|&m| self.cms.has_effects(m));
        // On a fallback with effects: not filed anywhere a change would reach.
        if depends_on.is_some() && !life.in_service {
            return false;
        }
        let (end, clock_end) = self.ends(i, real);
        if !unchanged {
            self.asleep[idx].rates = self.rates(i, a, real, real_cm);
        }
        let (life, rates) = (&self.lives[idx], &self.asleep[idx].rates);
        let from = t + 1;
        let service_week = self.service_event(life, a, from, rates);
        let w = self
            .first_event(life.labour, life.state, life.dur, from, clock_end, service_week, rates)
            .unwrap_or(end + 1);
        if w == from {
            return false;
        }
        self.lives[idx].asleep_from = from;
        let sleep = &mut self.asleep[idx];
        (sleep.labour_from, sleep.service_week, sleep.current, sleep.mirror) = (from, service_week, false, false);
        if w <= end {
            self.by_week.push(w as usize, idx as u32);
        }
        if let Some(m) = depends_on {
            self.by_cm.push(m as usize, idx as u32);
        }
        if !real {
            // A ghost waiting for a Navigator is woken by step 2b (see
            // [`World::wake_ghosts_given_navigators`]).
            if waits_for_navigator(&self.lives[idx], self.nav_stage[a]) {
                set_bit(&mut self.nav_waiting_ghosts, idx, true);
            }
        }
        true
    }

    /// Replays the weeks a life slept through, up to (not including) week
    /// `until`: the records and trajectory sums of each week, the clocks,
    /// counters and spell duration, as the weekly step would have done them.
    /// The state is constant over the span, so the record is updated in closed
    /// form. `real`: whether it is person `i`'s real life.
    pub(super) fn catch_up(&mut self, i: usize, a: usize, real: bool, until: u32) {
        let idx = self.idx(i, a);
        let from = self.lives[idx].asleep_from;
        if from == NONE {
            // A mirror ghost that has just taken over an awake real self.
            return;
        }
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
    // Inlined for the common case, a life on benefit: one run.
    #[inline]
    fn run_labour(&self, clock: &mut Clock, state: u8, rates: &Rates, dur: u16, weeks: u32) {
        if state < self.stages {
            // On benefit the labour rate does not change with the spell: one run.
            clock.accumulate(rates.total, weeks);
        } else {
            self.run_labour_off_benefit(clock, state, rates, dur, weeks);
        }
    }

    /// [`World::run_labour`] off benefit, where the rate changes with the spell.
    #[inline(never)]
    fn run_labour_off_benefit(&self, clock: &mut Clock, state: u8, rates: &Rates, mut dur: u16, weeks: u32) {
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

    /// The first calendar week from `from` in which a service event of a life
    /// asleep from `from` happens, or `u32::MAX`: its engagement or support
    /// clock fires, or a service-exit rule is met. None of these depends on a
    /// caseload, so the week stands when the life is re-rated.
    // Inlined for the common case, a life outside a service: no event.
    #[inline]
    fn service_event(&self, life: &Life, a: usize, from: u32, rates: &Rates) -> u32 {
        if life.in_service { self.service_event_in_service(life, a, from, rates) } else { u32::MAX }
    }

    /// [`World::service_event`] of a life in its service.
    #[inline(never)]
    fn service_event_in_service(&self, life: &Life, a: usize, from: u32, rates: &Rates) -> u32 {
        let service = self.service_of[a];
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
    // Inlined for the common case, a life on benefit: one run. The clock,
    // state and duration are passed apart, not as one struct: grouped, a
    // replicate of `ics_x.ron` took 0.5 M more instructions (1.2 M when the
    // struct went on to `first_event_off_benefit`).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn first_event(
        &self,
        clock: Clock,
        state: u8,
        dur: u16,
        from: u32,
        until: u32,
        service_week: u32,
        rates: &Rates,
    ) -> Option<u32> {
        if state < self.stages {
            return look_ahead_on_benefit(&clock, rates.total, from, until, service_week);
        }
        self.first_event_off_benefit(clock, state, dur, from, until, service_week, rates)
    }

    /// [`World::first_event`] off benefit, run by run of constant rate.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn first_event_off_benefit(
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
        let life = &self.lives[self.idx(i, a)];
        let (state, waiting, cm) = (life.state, life.waiting, life.counted_cm(self.stages));
        let in_service = life.in_service;
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
        if in_service {
            count(cols.in_service());
        }
        if cm == NONE {
            return;
        }
        count(cols.served());
        let n = (k_until - k_from) as usize;
        let history = &self.caseload_history[cm as usize * self.weeks + from as usize..][..n];
        let row = a * (self.horizon as usize + 1) + k_from as usize;
        let sums = &mut self.caseload_sums[usize::from(in_service)];
        for (sum, &load) in sums[row..row + n].iter_mut().zip(history) {
            *sum += u64::from(load);
        }
    }

    /// The running record and horizon snapshots of a life in a constant state
    /// over own weeks `k_from..k_until`: what [`Life::observe`] would give week
    /// by week.
    // Run for every woken life; as a call of its own, with its register saves
    // and argument set-up, it cost about 1.8 M instructions more per ics_x
    // replicate.
    #[inline(always)]
    fn replay_record(&mut self, idx: usize, k_from: u32, k_until: u32) {
        let n_h = self.model.horizons.len();
        let stages = self.stages;
        let life = &mut self.lives[idx];
        let on_benefit = life.on_benefit(stages);
        let wob = life.record.weeks_on_benefit;
        let mut horizon = self.next_horizon[k_from as usize];
        while horizon < k_until {
            let h = self.horizon_at[horizon as usize] as usize;
            let before = if on_benefit { wob + (horizon - k_from) as u16 } else { wob };
            self.at_horizon[idx * n_h + h] = AtHorizon { weeks_on_benefit: before, state: life.state };
            horizon = self.next_horizon[horizon as usize + 1];
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
}

/// [`World::first_event`] of a life on benefit, whose labour clock runs at
/// `total` whatever its spell duration: one run.
#[inline]
fn look_ahead_on_benefit(clock: &Clock, total: f64, from: u32, until: u32, service_week: u32) -> Option<u32> {
    let labour_until = until.min(service_week);
    let service = (service_week <= until).then_some(service_week);
    let weeks = (labour_until + 1).saturating_sub(from);
    clock.weeks_to_event(total).filter(|&n| n <= weeks).map(|n| from + n - 1).or(service)
}
