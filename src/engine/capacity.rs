//! Case managers, caseloads, slots, waitlists and Navigators.
//!
//! Every site × service has `case managers × cap` slots, shared by every arm
//! that points at the service. A case manager's caseload is its background
//! clients, its remaining week-0 clients and the trial participants it serves;
//! a slot is free while the caseload is below the cap. Each week's placements
//! are logged per pool so that ghost twins can take their place in the queue
//! (see [`Pool::ghost_placement`]).

use super::life::NONE;
use crate::rng::{Keyed, Purpose};
use crate::scenario::{MAX_CASE_MANAGERS_PER_SITE, MAX_SERVICES, MAX_SITES, Model, ServiceModel, week0_clients_leave};
use crate::service;
use std::collections::VecDeque;

/// Where a case manager works: its service, its site and its number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Index of the service in the scenario.
    pub service: u16,
    /// Index of the site.
    pub site: u32,
    /// Number among the service's case managers at the site, from 0.
    pub number: u32,
}

impl Place {
    /// The entity that keys the case manager's draws (its quality, the
    /// departures of its week-0 clients). Keyed by place, not by position in
    /// the list of all case managers, the draws of a case manager stay the
    /// same when another service's staffing changes, or when its own site
    /// gains case managers after it: scenarios that differ only there keep
    /// common random numbers. Validation bounds services (1,000), sites and
    /// case managers per site (10,000 each), so the fields do not overlap.
    pub fn key(self) -> u64 {
        // The service is held in 16 bits (and keyed in 24), the site and number in 20 bits each.
        const _: () = assert!(MAX_SERVICES <= 1 << 16 && MAX_SITES <= 1 << 20 && MAX_CASE_MANAGERS_PER_SITE <= 1 << 20);
        (u64::from(self.service) << 40) | (u64::from(self.site) << 20) | u64::from(self.number)
    }
}

/// Every case manager's place in the global numbering (service, then site,
/// then number within the site), and where each pool (service × site)
/// starts, with one past the last: the one numbering the engine and the
/// up-front check of quality draws share.
pub fn staffing(model: &Model) -> (Vec<Place>, Vec<u32>) {
    let mut pool_start = vec![0u32];
    let mut places = Vec::new();
    for (s, m) in model.services.iter().enumerate() {
        for site in 0..model.sites.len() as u32 {
            let at = |number| Place { service: s as u16, site, number };
            places.extend((0..m.case_managers_per_site).map(at));
            pool_start.push(places.len() as u32);
        }
    }
    (places, pool_start)
}

/// All case managers of a replicate, indexed globally: service, then site, then number.
#[derive(Debug)]
pub struct CaseManagers {
    /// Service of each case manager.
    pub service: Vec<u16>,
    /// Key of each case manager's draws ([`Place::key`]).
    key: Vec<u64>,
    /// Quality `q_m`.
    pub quality: Vec<f64>,
    /// Trial participants counted in each caseload now.
    pub trial: Vec<u32>,
    /// Week-0 clients still on the caseload.
    pub week0: Vec<u32>,
    /// Caseload at this week's step 3.
    pub snapshot: Vec<u32>,
    /// Multipliers per case manager for its own clients, [`service::multipliers`] layout.
    pub real: Vec<f64>,
    /// Multipliers per case manager for a ghost in its service, which adds
    /// itself to the caseload while below the cap (at the cap it has taken
    /// the slot of someone who, in its world, was not placed).
    pub ghost: Vec<f64>,
    /// Multipliers for a ghost on a fallback case manager of a capped service,
    /// which adds itself whatever the caseload: a fallback takes no slot.
    /// Computed only for services some arm falls back on (`capped_fallback`).
    ghost_on_fallback: Vec<f64>,
    /// `capped_fallback[s]`: service `s` has a cap and is some arm's fallback.
    capped_fallback: Vec<bool>,
    /// Caseload the cached multipliers were computed for.
    cached: Vec<u32>,
    /// Case managers whose caseload changed this week (scratch for step 3).
    changed: Vec<u32>,
    /// Multipliers per case manager.
    pub stride: usize,
    /// First case manager of each pool (service × site), and one past the last.
    pub pool_start: Vec<u32>,
    /// Weekly rate at which week-0 clients leave, per service; 0 also where
    /// the chance `1 − exp(−rate)` rounds to 0, as nobody then leaves.
    week0_rate: Vec<f64>,
    /// `effects[m]`: case manager `m`'s service has effects; one look-up,
    /// for every life that falls asleep.
    effects: Vec<bool>,
}

impl CaseManagers {
    /// Staffs every site of every service and draws each case manager's quality.
    pub fn new(model: &Model, keyed: &Keyed, replicate: u64) -> Self {
        let (places, pool_start) = staffing(model);
        let n = places.len();
        let svc: Vec<u16> = places.iter().map(|p| p.service).collect();
        let key: Vec<u64> = places.iter().map(|p| p.key()).collect();
        let quality = (0..n)
            .map(|m| service::quality(keyed, replicate, key[m], model.services[svc[m] as usize].quality_sd))
            .collect();
        let week0 = svc.iter().map(|&s| model.services[s as usize].initial_caseload).collect();
        let stride = service::multiplier_count(model.stages.len());
        let capped_fallback: Vec<bool> =
            (0..model.services.len()).map(|s| model.services[s].cap.is_some() && model.is_fallback(s)).collect();
        let on_fallback = if capped_fallback.contains(&true) { n * stride } else { 0 };
        let effects = svc.iter().map(|&s| !service::is_inert(&model.services[s as usize])).collect();
        Self {
            service: svc,
            key,
            quality,
            trial: vec![0; n],
            week0,
            snapshot: vec![0; n],
            real: vec![1.0; n * stride],
            ghost: vec![1.0; n * stride],
            ghost_on_fallback: vec![1.0; on_fallback],
            capped_fallback,
            cached: vec![NONE; n],
            changed: Vec::with_capacity(n),
            stride,
            pool_start,
            week0_rate: model
                .services
                .iter()
                .map(|s| if week0_clients_leave(s.initial_exit_rate) { s.initial_exit_rate } else { 0.0 })
                .collect(),
            effects,
        }
    }

    /// The case managers whose caseload at this week's step 3 differs from
    /// the week before (all of them in the first week), in order.
    pub fn changed(&self) -> &[u32] {
        &self.changed
    }

    /// Whether the service of case manager `m` has effects, so that its
    /// clients' rates depend on its caseload.
    #[inline]
    pub fn has_effects(&self, m: u32) -> bool {
        self.effects[m as usize]
    }

    /// Current caseload of case manager `m` (validation bounds each part, so
    /// the sum cannot overflow).
    #[inline]
    pub fn load(&self, m: usize, services: &[ServiceModel]) -> u32 {
        services[self.service[m] as usize].background + self.week0[m] + self.trial[m]
    }

    /// The key of case manager `m`'s draws ([`Place::key`]).
    pub fn key(&self, m: usize) -> u64 {
        self.key[m]
    }

    /// The case managers of pool `p`.
    pub fn pool(&self, p: usize) -> std::ops::Range<usize> {
        self.pool_start[p] as usize..self.pool_start[p + 1] as usize
    }

    /// The placement rule: the case manager with the fewest clients, lowest
    /// index on ties, and its caseload.
    pub fn least_loaded(&self, p: usize, services: &[ServiceModel]) -> (u32, u32) {
        let pool = self.pool(p);
        if pool.is_empty() {
            return (NONE, u32::MAX);
        }
        // A pool's case managers share one service and so one background
        // caseload: the rest of the caseload decides.
        let background = services[self.service[pool.start] as usize].background;
        let mut best = (NONE, u32::MAX);
        for m in pool {
            let own = self.week0[m] + self.trial[m];
            if own < best.1 {
                best = (m as u32, own);
            }
        }
        (best.0, best.1 + background)
    }

    /// Step 3: snapshot caseloads and compute each case manager's multipliers,
    /// for its clients and for a ghost that adds itself to its caseload.
    pub fn compute_multipliers(&mut self, services: &[ServiceModel], with_ghosts: bool) {
        self.take_snapshot(services);
        let changed = std::mem::take(&mut self.changed);
        for &m in &changed {
            let m = m as usize;
            let (old, load) = (self.cached[m], self.snapshot[m]);
            self.cached[m] = load;
            if self.has_effects(m as u32) {
                self.refresh(m, &services[self.service[m] as usize], old, load, with_ghosts);
            }
        }
        self.changed = changed;
    }

    /// Writes every caseload into `snapshot` and lists in `changed` the case
    /// managers whose multipliers were computed for another caseload.
    ///
    /// Few caseloads change in a week, so this pass over every case manager
    /// is most of step 3's work: it walks the columns together, without
    /// indexing them, and leaves the rest to the few that changed.
    fn take_snapshot(&mut self, services: &[ServiceModel]) {
        self.changed.clear();
        let parts = self.service.iter().zip(self.week0.iter().zip(&self.trial));
        let loads = self.snapshot.iter_mut().zip(&self.cached);
        for (m, ((&s, (&week0, &trial)), (snapshot, &cached))) in parts.zip(loads).enumerate() {
            *snapshot = services[s as usize].background + week0 + trial;
            if *snapshot != cached {
                self.changed.push(m as u32);
            }
        }
    }

    /// Fills case manager `m`'s rows for caseload `load`, reusing those it
    /// holds for caseload `old` ([`NONE`] before the first week).
    ///
    /// A row is a deterministic function of (service, caseload, quality), so
    /// a row already held for the caseload wanted is bit for bit the one
    /// [`service::multipliers`] would give, and only rows for caseloads not
    /// held go to `exp`. Caseloads mostly move by one a week: up by one below
    /// the cap, the old ghost row is the new real row; down by one below the
    /// cap, the old real row is the new ghost row. One swap of the two rows
    /// covers both, after which each row is recomputed only if the caseload
    /// it holds is not the one wanted. Two rows tracked by caseload keep this
    /// simple; a cache of rows by caseload would also catch the rarer moves
    /// by more than one, for a table per case manager.
    fn refresh(&mut self, m: usize, svc: &ServiceModel, old: u32, load: u32, with_ghosts: bool) {
        let row = m * self.stride..(m + 1) * self.stride;
        let q = self.quality[m];
        if !with_ghosts {
            service::multipliers(svc, load, q, &mut self.real[row]);
            return;
        }
        // The caseloads the two rows hold; NONE for the 1s they start as.
        let (mut real_at, mut ghost_at) = if old == NONE { (NONE, NONE) } else { (old, ghost_load(svc, old)) };
        let ghost = ghost_load(svc, load);
        if ghost_at == load || real_at == ghost {
            self.real[row.clone()].swap_with_slice(&mut self.ghost[row.clone()]);
            std::mem::swap(&mut real_at, &mut ghost_at);
        }
        if real_at != load {
            service::multipliers(svc, load, q, &mut self.real[row.clone()]);
        }
        if ghost_at != ghost {
            if ghost == load {
                // At or past the cap the ghost counts the caseload as it is.
                self.ghost[row.clone()].copy_from_slice(&self.real[row.clone()]);
            } else {
                service::multipliers(svc, ghost, q, &mut self.ghost[row.clone()]);
            }
        }
        if self.capped_fallback[self.service[m] as usize] {
            // A ghost on a fallback counts itself whatever the caseload:
            // below the cap that is the in-service ghost's caseload too.
            if ghost == load + 1 {
                self.ghost_on_fallback[row.clone()].copy_from_slice(&self.ghost[row]);
            } else {
                service::multipliers(svc, load + 1, q, &mut self.ghost_on_fallback[row]);
            }
        }
    }

    /// The table of ghost multipliers, for every case manager, that holds
    /// `m`'s rows: that of ghosts in a service (`in_service`) or that of
    /// ghosts on a fallback (see [`CaseManagers::ghost`]).
    #[inline]
    pub fn ghost_table(&self, m: u32, in_service: bool) -> &[f64] {
        // The table is empty when no service is a capped fallback.
        if !in_service && !self.ghost_on_fallback.is_empty() && self.capped_fallback[self.service[m as usize] as usize]
        {
            &self.ghost_on_fallback
        } else {
            &self.ghost
        }
    }

    /// Step 5: week-0 clients leave at their declared rate, freeing slots from next week.
    pub fn week0_departures(&mut self, keyed: &Keyed, replicate: u64, week: u32) {
        for m in 0..self.week0.len() {
            let (n, rate) = (self.week0[m], self.week0_rate[self.service[m] as usize]);
            if n == 0 || rate == 0.0 {
                continue;
            }
            let draws = keyed.entity(replicate, Purpose::Week0Exit, self.key[m]);
            self.week0[m] -= leaving(n, rate, |k| -libm::log(draws.uniform((u64::from(week) << 32) | k)));
        }
    }
}

/// How many of `n` clients leave this week, each with probability
/// `p = 1 − exp(−rate)` independently: a Binomial(n, p) count. Walking the
/// clients in order, the number passed over before the next one leaves is
/// geometric, `⌊E/rate⌋` for `E` the `k`-th standard exponential
/// (`P(⌊E/rate⌋ ≥ g) = exp(−rate·g) = (1 − p)^g`), so a week costs one draw
/// per client leaving, plus one, instead of one per client: a case manager
/// may hold a million week-0 clients who rarely leave.
fn leaving(n: u32, rate: f64, exponential: impl Fn(u64) -> f64) -> u32 {
    let (mut left, mut at) = (0, 0.0);
    for k in 0.. {
        at += (exponential(k) / rate).floor();
        // A NaN (which no draw in (0, 1] gives) ends it too.
        if at >= f64::from(n) || at.is_nan() {
            break;
        }
        left += 1;
        at += 1.0;
    }
    left
}

/// The caseload a ghost in service `svc` counts when its case manager has
/// `load` clients: one more while below the cap, as it takes a free slot; the
/// same at or past the cap, where it takes the slot of someone it displaced.
fn ghost_load(svc: &ServiceModel, load: u32) -> u32 {
    load + u32::from(svc.cap.is_none_or(|cap| load < cap))
}

/// The queue and this week's log for one site × service.
#[derive(Debug)]
pub struct Pool {
    /// Tickets waiting, in ticket order; entries that left are skipped lazily.
    pub waitlist: VecDeque<u32>,
    /// This week's placements: (ticket, case manager), in ticket order.
    pub placed: Vec<(u32, u32)>,
    /// The case manager the placement rule picks next after this week's
    /// placements, or [`NONE`] when no slot is free.
    pub next_cm: u32,
    /// Navigators' clients now.
    pub nav_used: u32,
    /// Navigators' clients right after this week's assignment (step 2b).
    pub nav_used_after_assignment: u32,
    /// Highest ticket given a Navigator this week, or [`NONE`].
    pub nav_last_ticket: u32,
    /// Ghosts waiting for this service, as life indices in ticket order;
    /// entries that left are skipped lazily. Lets waiting ghosts sleep until
    /// the week a real placement reaches past them (see [`Pool::ghosts_placed_below`]).
    pub ghost_waitlist: VecDeque<u32>,
}

impl Pool {
    /// An empty pool able to hold `capacity` waiting tickets and `ghosts`
    /// waiting ghosts without reallocating.
    pub fn new(capacity: usize, ghosts: usize) -> Self {
        Self {
            ghost_waitlist: VecDeque::with_capacity(ghosts),
            waitlist: VecDeque::with_capacity(capacity),
            placed: Vec::with_capacity(capacity),
            next_cm: NONE,
            nav_used: 0,
            nav_used_after_assignment: 0,
            nav_last_ticket: NONE,
        }
    }

    /// Where a ghost holding `ticket` is placed this week, if anywhere: the case
    /// manager of the first real placement with a later ticket, else the next
    /// free slot's case manager.
    pub fn ghost_placement(&self, ticket: u32) -> Option<u32> {
        let k = self.placed.partition_point(|&(t, _)| t <= ticket);
        match self.placed.get(k) {
            Some(&(_, cm)) => Some(cm),
            None if self.next_cm != NONE => Some(self.next_cm),
            None => None,
        }
    }

    /// The ticket below which every waiting ghost is placed this week by
    /// [`Pool::ghost_placement`]: past every ticket when a slot was left free,
    /// else the last ticket placed; `None` when nobody is.
    pub fn ghosts_placed_below(&self) -> Option<u32> {
        if self.next_cm != NONE { Some(u32::MAX) } else { self.placed.last().map(|&(t, _)| t) }
    }

    /// Whether a ghost holding `ticket` would be given a Navigator this week:
    /// this week's assignment left room, or gave a place to a later ticket.
    pub fn ghost_gets_navigator(&self, ticket: u32, capacity: u32) -> bool {
        self.nav_used_after_assignment < capacity || (self.nav_last_ticket != NONE && self.nav_last_ticket > ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case manager keys its own draws (quality, week-0 departures):
    /// distinct places have distinct keys, up to validation's bounds
    /// (1,000 services, 10,000 sites and case managers per site).
    #[test]
    fn places_key_distinct_draws() {
        let edges = |max: u32| [0, 1, 2, max - 2, max - 1];
        let mut keys = Vec::new();
        for service in edges(MAX_SERVICES as u32) {
            for site in edges(MAX_SITES as u32) {
                for number in edges(MAX_CASE_MANAGERS_PER_SITE) {
                    keys.push(Place { service: service as u16, site, number }.key());
                }
            }
        }
        let all = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all);
    }

    /// Every row held after step 3, reused or not, is bit for bit the row
    /// computed afresh for its caseload, whichever way the caseload moves:
    /// by one or more, up or down, onto, below and past the cap.
    #[test]
    fn reused_rows_match_rows_computed_afresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared_case_manager.ron");
        let model = crate::scenario::load(&path).unwrap().model;
        let mut cms = CaseManagers::new(&model, &Keyed::new(11), 0);
        let ics = model.services.iter().position(|s| s.name == "ics").unwrap();
        assert!(cms.capped_fallback[ics], "the test needs a capped fallback");
        let cap = model.services[ics].cap.unwrap();
        let m = (0..cms.service.len()).find(|&m| usize::from(cms.service[m]) == ics).unwrap();
        let svc = &model.services[ics];
        let (stride, q) = (cms.stride, cms.quality[m]);
        let row = |load: u32| {
            let mut out = vec![0.0; stride];
            service::multipliers(svc, load, q, &mut out);
            out.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        let bits = |table: &[f64]| table[m * stride..(m + 1) * stride].iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        cms.week0[m] = 0;
        let loads = [5, 6, 7, 6, 5, 5, 9, 3, cap - 1, cap, cap + 1, cap, cap - 1, cap + 2, cap - 2, 1, 0, 1, 0];
        for load in loads {
            cms.trial[m] = load;
            cms.compute_multipliers(&model.services, true);
            assert_eq!(cms.snapshot[m], load);
            assert_eq!(bits(&cms.real), row(load), "real at {load}");
            assert_eq!(bits(&cms.ghost), row(ghost_load(svc, load)), "ghost at {load}");
            assert_eq!(bits(&cms.ghost_on_fallback), row(load + 1), "ghost on fallback at {load}");
        }
    }

    /// A ghost adds itself to the caseload below the cap (it takes a free
    /// slot) and not at or past it; with no cap, always. `ics` in
    /// shared_case_manager.ron has cap 15.
    #[test]
    fn a_ghost_counts_itself_only_below_the_cap() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared_case_manager.ron");
        let model = crate::scenario::load(&path).unwrap().model;
        let mut svc = model.services.iter().find(|s| s.name == "ics").unwrap().clone();
        assert_eq!(svc.cap, Some(15));
        let capped: Vec<u32> = [0, 1, 14, 15, 16, 30].map(|load| ghost_load(&svc, load)).into();
        assert_eq!(capped, [1, 2, 15, 15, 16, 30]);
        svc.cap = None;
        let uncapped: Vec<u32> = [0, 14, 15, 16].map(|load| ghost_load(&svc, load)).into();
        assert_eq!(uncapped, [1, 15, 16, 17]);
    }

    #[test]
    fn leaving_walks_geometric_gaps_by_hand() {
        // n = 5, rate 0.1: gaps ⌊0/0.1⌋ = 0 (client 0 leaves), ⌊0.25/0.1⌋ = 2
        // (clients 1 and 2 stay, 3 leaves), ⌊10/0.1⌋ = 100 (past the last).
        let e = [0.0, 0.25, 10.0];
        assert_eq!(leaving(5, 0.1, |k| e[k as usize]), 2);
        // A first gap past the last client: nobody leaves, one draw.
        assert_eq!(leaving(5, 0.1, |_| 0.5), 0);
        // Every gap 0: everyone leaves.
        assert_eq!(leaving(5, 0.1, |_| 0.0), 5);
    }

    /// `leaving` is Binomial(n, 1 − exp(−rate)): over 200,000 keyed weeks,
    /// the share of weeks with each count from 0 to 5 (and over 5) within 4
    /// Monte Carlo SE, `√(π(1−π)/W)`, of the binomial probability π, for a
    /// small caseload and for a million clients.
    #[test]
    fn leaving_is_binomial() {
        let keyed = Keyed::new(2024);
        let weeks = 200_000u64;
        for (n, rate) in [(20u32, 0.1), (1_000_000, 1e-6)] {
            let p = 1.0 - libm::exp(-rate);
            let mut counts = [0u64; 7];
            for w in 0..weeks {
                let k = leaving(n, rate, |k| keyed.exponential(w, Purpose::Week0Exit, u64::from(n), k));
                counts[(k as usize).min(6)] += 1;
            }
            // P(k) = C(n, k) p^k (1−p)^(n−k), from P(0) by the ratio (n−k)/(k+1) · p/(1−p).
            let mut pk = (1.0 - p).powf(f64::from(n));
            let mut below = 0.0;
            for (k, &count) in counts.iter().enumerate() {
                let want = if k < 6 { pk } else { 1.0 - below };
                let got = count as f64 / weeks as f64;
                let se = (want * (1.0 - want) / weeks as f64).sqrt();
                assert!((got - want).abs() < 4.0 * se, "n {n}, k {k}: {got} vs {want}");
                below += pk;
                pk *= f64::from(n - k as u32) / (k as f64 + 1.0) * p / (1.0 - p);
            }
        }
    }

    #[test]
    fn ghost_takes_the_first_later_ticket_or_the_free_slot() {
        let mut p = Pool::new(4, 4);
        p.placed = vec![(3, 10), (7, 11), (9, 10)];
        p.next_cm = NONE;
        assert_eq!(p.ghost_placement(1), Some(10));
        assert_eq!(p.ghost_placement(5), Some(11));
        assert_eq!(p.ghost_placement(8), Some(10));
        assert_eq!(p.ghost_placement(9), None);
        assert_eq!(p.ghosts_placed_below(), Some(9));
        p.next_cm = 12;
        assert_eq!(p.ghost_placement(20), Some(12));
        assert_eq!(p.ghosts_placed_below(), Some(u32::MAX));
        p.placed.clear();
        p.next_cm = NONE;
        assert_eq!(p.ghosts_placed_below(), None);
    }

    /// A ghost gets a Navigator when step 2b left room, or gave one to a
    /// strictly later ticket: not for the last ticket given one, nor when
    /// none was given and no room is left.
    #[test]
    fn ghost_gets_a_navigator_if_room_is_left_or_a_later_ticket_got_one() {
        let mut p = Pool::new(4, 4);
        p.nav_used_after_assignment = 1;
        assert!(p.ghost_gets_navigator(9, 2), "room left");
        p.nav_used_after_assignment = 2;
        p.nav_last_ticket = 5;
        assert!(p.ghost_gets_navigator(4, 2), "a later ticket got one");
        assert!(!p.ghost_gets_navigator(5, 2), "the last ticket given one is not later");
        assert!(!p.ghost_gets_navigator(6, 2), "an earlier ticket got the last one");
        p.nav_last_ticket = NONE;
        assert!(!p.ghost_gets_navigator(0, 2), "none given, no room");
    }
}
