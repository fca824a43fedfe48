//! A life's weekly rates: baseline × covariates × the service's multipliers
//! (and a Navigator's), computed in one place for the weekly step and for
//! skipping weeks alike, so both use the same arithmetic.

use super::World;
use super::life::{Life, NONE};
use crate::scenario::NavigatorModel;
use crate::scenario::{Model, ServiceModel, transition};
use crate::service::{STAGE_MOVES, job_loss_offset, stage_offset};

/// The weekly rates of one life while its state, service, case manager and
/// Navigator stay as they are. The stage moves come last: only a step needs them, so the rest shares a
/// cache line with a sleeper's anchor (see [`Sleep`](super::sleepers::Sleep)).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub(super) struct Rates {
    /// The sum of `moves`.
    pub(super) total: f64,
    /// `exp(β·x + ℓ·u)` on job loss, and the service effect on it.
    job_loss: f64,
    job_loss_effect: f64,
    /// `exp(β·x + ℓ·u)` on return to benefit.
    return_to_benefit: f64,
    /// Disengaging (engaged) or re-engaging (not) while in service; zero otherwise.
    pub(super) engagement: f64,
    /// The life's state and the ladder's number of stages.
    state: u8,
    pub(super) stages: u8,
    /// End of time-unlimited in-work support while employed in service; zero otherwise.
    pub(super) support_end: f64,
    /// Progress, regress, job and other exit, on benefit (with the Navigator's
    /// effect on progress); zero otherwise.
    pub(super) moves: [f64; 4],
}

impl Rates {
    #[inline]
    fn of(life: &Life, model: &Model, service: &ServiceModel, pm: &[f64; transition::COUNT], effect: Effect) -> Self {
        let stages = model.stage_count();
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
    pub(super) fn set_effect(
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
    pub(super) fn labour(&self, model: &Model, dur: u16) -> f64 {
        if self.state < self.stages {
            self.total
        } else if self.state == self.stages {
            model.job_loss.at(u32::from(dur)) * self.job_loss * self.job_loss_effect
        } else {
            model.return_rate.at(u32::from(dur)) * self.return_to_benefit
        }
    }
}

/// The service multipliers that apply to one life this week.
pub(super) struct Effect {
    /// On progress, regress, job and other exit in the life's stage.
    stage: [f64; STAGE_MOVES],
    /// On job loss.
    job_loss: f64,
}

/// The multipliers of case manager `cm` (from `table`, [`crate::service::multipliers`]
/// layout) for a life in `state`; all 1 when no case manager's effect applies.
/// Multiplying by an exact 1 leaves a rate unchanged.
#[inline]
fn effect_of(table: &[f64], stride: usize, cm: Option<u32>, state: u8, stages: u8) -> Effect {
    let Some(m) = cm else { return Effect { stage: [1.0; STAGE_MOVES], job_loss: 1.0 } };
    let base = m as usize * stride;
    if state < stages {
        let o = base + stage_offset(state as usize);
        let row = &table[o..o + STAGE_MOVES];
        Effect { stage: [row[0], row[1], row[2], row[3]], job_loss: 1.0 }
    } else {
        Effect { stage: [1.0; STAGE_MOVES], job_loss: table[base + job_loss_offset(stages as usize)] }
    }
}

/// The four stage-transition rates `λ0 · exp(β·x + ℓ·u) · M` of a life in stage `s`.
#[inline]
fn stage_rates(
    model: &Model,
    s: usize,
    pm: &[f64; transition::COUNT],
    m: &[f64; 4],
    nav: Option<&NavigatorModel>,
) -> [f64; 4] {
    let base = &model.stage_rates[s];
    let mut r = [base[0] * pm[0] * m[0], base[1] * pm[1] * m[1], base[2] * pm[2] * m[2], base[3] * pm[3] * m[3]];
    if let Some(nav) = nav {
        r[transition::PROGRESS] *= nav.progress;
    }
    r
}

/// The case manager whose multipliers apply to a life this week: the service's
/// while in service and engaged, the fallback's while on benefit and not in
/// service; none otherwise.
#[inline]
pub(super) fn effect_cm(life: &Life, stages: u8) -> Option<u32> {
    if life.in_service {
        life.engaged.then_some(life.service_cm)
    } else if life.on_benefit(stages) {
        Some(life.fallback_cm)
    } else {
        None
    }
}

impl World<'_> {
    /// Whether a life just woken still has its sleeping rates as its rates
    /// for the week, in its sleeper record; true once (see
    /// [`Sleep::current`](super::sleepers::Sleep::current)).
    pub(super) fn take_current(&mut self, idx: usize) -> bool {
        std::mem::take(&mut self.asleep[idx].current)
    }

    /// The weekly rates of life `(i, a)` as they stand (`real`: the real
    /// life), with its real self counted at `real_cm`.
    // Called for every stepped week whose rates changed, and stored into the
    // sleeper record: inlined, they are built there instead of being
    // returned through a copy (about 2.4 M instructions per ics_x replicate).
    #[inline(always)]
    pub(super) fn rates(&self, i: usize, a: usize, real: bool, real_cm: u32) -> Rates {
        let life = &self.lives[self.idx(i, a)];
        let service = self.service_of[a];
        let effect = self.effect(i, a, real, real_cm);
        Rates::of(life, self.model, service, &self.cohort.rate_multipliers[i], effect)
    }

    /// Computes again the parts of a sleeping life's rates that its case
    /// manager's caseload moves.
    pub(super) fn rerate_effect(&mut self, i: usize, a: usize, real: bool) {
        let idx = self.idx(i, a);
        let nav = self.lives[idx].nav;
        let service = self.service_of[a];
        let effect = self.sleeping_effect(i, a, real);
        self.asleep[idx].rates.set_effect(self.model, service, &self.cohort.rate_multipliers[i], effect, nav);
    }

    /// The service multipliers that apply to a sleeping life `(i, a)` now
    /// (`real`: the real life).
    #[inline(always)]
    pub(super) fn sleeping_effect(&self, i: usize, a: usize, real: bool) -> Effect {
        // A real life's own case manager is where it is counted: `effect`
        // reads `real_cm` only for a ghost.
        let real_cm = if real { NONE } else { self.real_cm(i) };
        self.effect(i, a, real, real_cm)
    }

    /// The service multipliers that apply to life `(i, a)` this week (`real`:
    /// the real life), with its real self counted at `real_cm`.
    // Called for every rating and re-rating; left to itself the compiler
    // stopped inlining it once it chose among three tables (about 4 M more
    // instructions per ics_x replicate).
    #[inline(always)]
    fn effect(&self, i: usize, a: usize, real: bool, real_cm: u32) -> Effect {
        let life = &self.lives[self.idx(i, a)];
        let cm = effect_cm(life, self.stages);
        // A ghost counts itself in its case manager's caseload, unless its real
        // self is already counted there (then the caseload is as it is).
        let table = match cm {
            Some(m) if !real && m != real_cm => self.cms.ghost_table(m, life.in_service),
            _ => &self.cms.real,
        };
        effect_of(table, self.cms.stride, cm, life.state, self.stages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Cohort;
    use crate::population::{Person, rate_multipliers};
    use crate::rng::Keyed;

    /// One stage in which nobody moves; "svc" has one case manager of 20
    /// hours a week, background 10, `Saturating(half: 1)` and a job effect
    /// of 2; "ips" has one slot and falls back on "svc".
    const SCENARIO: &str = r#"Scenario(
    replicates: 1,
    seed: 1,
    horizons: [10],
    stages: [(name: "Only")],
    job_loss: (rates: [(from_week: 0, rate: 0)], reentry_stage: "Only"),
    return_to_benefit: (rates: [(from_week: 0, rate: 0)]),
    population: (
        readiness_sd: 0,
        age: Fixed(25),
        age_first_benefit: Fixed(18),
        benefit_type: (work_ready: 1),
        health: (no_condition: 1),
        weeks_on_benefit: Fixed(52),
        prior_spells: Fixed(0),
        starting_stage: [1],
    ),
    sites: [(name: "Only")],
    benefit_rates: (work_ready: 100),
    services: {
        "bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
        "svc": (case_managers_per_site: 1, hours_per_week: 20, background_caseload: 10,
                intensity: Saturating(half: 1), effects: (job: All(2))),
        "ips": (case_managers_per_site: 1, caseload_cap: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
    },
    arms: [
        (name: "bau", service: "bau", control: true),
        (name: "svc", service: "svc"),
        (name: "ips", service: "ips", fallback: "svc"),
    ],
    enrolment: Total(n: 31, weeks: 1),
)"#;

    #[test]
    fn a_ghost_counts_itself_in_a_caseload_unless_its_real_self_is_counted_there() {
        // Ticket 0 in bau, 1–20 in svc, 21–30 in ips: 21 takes the one ips
        // slot and 22–30 wait on the svc case manager, who counts 10 + 20 + 9
        // = 39 clients: g = c/(c + 1) with c = 20/39, so 20/59, and
        // multiplier 2^(20/59) on a job for its real clients. Ticket 0's
        // ghost in svc adds itself (40: g = 1/3); ticket 30's ghost in svc
        // has the case manager its real self waits with, so counts 39.
        let model = crate::scenario::parse(SCENARIO.as_bytes(), std::path::Path::new("inline.ron")).unwrap();
        let arms: Vec<u8> = [0].into_iter().chain([1; 20]).chain([2; 10]).collect();
        let persons: Vec<Person> = (0..31)
            .map(|_| Person {
                site: 0,
                week: 0,
                age: 25.0,
                age_first_benefit: 18.0,
                benefit_type: 0,
                health: 0,
                weeks_on_benefit: 52,
                prior_spells: 0,
                starting_stage: 0,
                readiness: 0.0,
            })
            .collect();
        let rate_multipliers = persons.iter().map(|p| rate_multipliers(&model, p)).collect();
        let cohort = Cohort { persons, arms, rate_multipliers };
        let mut world = World::new(&model, Keyed::new(1), 0, &cohort);
        world.week(0);
        let svc = world.life(1, 1).service_cm;
        assert_eq!(world.cms.trial[svc as usize], 29, "20 served and 9 waiting on the fallback");
        let job = |i: usize, a: usize| world.effect(i, a, world.is_real(i, a), world.real_cm(i)).stage[transition::JOB];
        let (real, ghost) = (2f64.powf(20.0 / 59.0), 2f64.powf(1.0 / 3.0));
        for i in 1..=20 {
            assert!((job(i, 1) - real).abs() < 1e-14, "real client {i}: {}", job(i, 1));
        }
        let (ghost_0, ghost_30) = (world.life(0, 1), world.life(30, 1));
        assert!(ghost_0.in_service && ghost_0.service_cm == svc, "ticket 0's ghost served by svc's case manager");
        assert!((job(0, 1) - ghost).abs() < 1e-14, "ticket 0's ghost: {}", job(0, 1));
        assert!(ghost_30.in_service && ghost_30.service_cm == svc, "ticket 30's ghost served by svc's case manager");
        assert_eq!(world.real_cm(30), svc, "ticket 30 waits on svc's case manager");
        assert!((job(30, 1) - real).abs() < 1e-14, "ticket 30's ghost: {}", job(30, 1));
    }
}
