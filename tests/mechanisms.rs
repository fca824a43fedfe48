//! Each mechanism of the engine against a closed form or a hand-worked case.
//!
//! Statistical checks use fixed seeds and a tolerance of 4 Monte Carlo
//! standard errors; deterministic ones are exact.

mod common;

use common::prec;
use common::{scenario, within};
use rctsim::engine::capacity::CaseManagers;
use rctsim::engine::life::{Life, NONE};
use rctsim::engine::{AtHorizon, Cohort, NEVER, OUTCOMES, Outcome, World, outcome_value};
use rctsim::population::{Person, rate_multipliers};
use rctsim::report;
use rctsim::rng::Keyed;
use rctsim::scenario::{Model, ips25_fidelity};
use rctsim::service;
use rctsim::trial::{self, Contrast, RunOptions, RunResult};

/// Mean of outcome `o` at horizon index `h` over every participant, and their number.
fn pooled(r: &RunResult, h: usize, o: Outcome) -> (f64, f64) {
    let o = column(o);
    let n: u64 = r.arms.iter().map(|a| a.participants).sum();
    let total: f64 = r.arms.iter().map(|a| a.outcome_means[h][o] * a.participants as f64).sum();
    (total / n as f64, n as f64)
}

fn run(model: &Model) -> RunResult {
    trial::run(model, &RunOptions { replicates: Some(1), ..Default::default() }).unwrap()
}

/// Column of outcome `o` in an arm's outcome means.
fn column(o: Outcome) -> usize {
    OUTCOMES.iter().position(|&x| x == o).unwrap()
}

/// A share of `n` independent people within 4 Monte Carlo SE, `√(p(1−p)/n)`, of `p`.
fn check_proportion(what: &str, share: f64, n: f64, p: f64) {
    within(what, share, p, (p * (1.0 - p) / n).sqrt(), 4.0);
}

fn check_share(what: &str, r: &RunResult, h: usize, o: Outcome, p: f64) {
    let (mean, n) = pooled(r, h, o);
    check_proportion(what, mean, n, p);
}

/// The enrolment of the tests that check the weekly step's arithmetic most
/// finely: two million people in one week.
const MILLIONS: &str = "Total(n: 2000000, weeks: 1)";

#[test]
fn competing_risks_leave_with_one_minus_exp_and_split_by_rate() {
    // Job 0.1 and other exit 0.05 a week, nothing else: Λ = 0.15. Two
    // million people (SE about 0.0003 on each share), so that every rate 1%
    // off moves a share by more than 4 SE.
    let m = scenario(&[("{HORIZONS}", "[1, 3]"), ("{ENROLMENT}", MILLIONS)]);
    let r = run(&m);
    let off = |k: f64| 1.0 - (-0.15f64 * k).exp();
    check_share("off benefit at 1", &r, 0, Outcome::OffBenefit, off(1.0));
    check_share("employed at 1", &r, 0, Outcome::Employed, off(1.0) * 2.0 / 3.0);
    check_share("off benefit at 3", &r, 1, Outcome::OffBenefit, off(3.0));
    check_share("employed at 3", &r, 1, Outcome::Employed, off(3.0) * 2.0 / 3.0);
}

#[test]
fn weeks_on_benefit_count_the_weeks_before_the_horizon() {
    // Λ = 0.15: on benefit in week k with chance e^{−kΛ}, so weeks on benefit
    // by horizon h is W = min(T, h) with E W = Σ_{k<h} e^{−kΛ} and
    // E W² = Σ_{k<h} (2k + 1) e^{−kΛ}. Two million people, as above.
    let m = scenario(&[("{HORIZONS}", "[1, 3]"), ("{ENROLMENT}", MILLIONS)]);
    let r = run(&m);
    for (h, weeks) in [(0, 1), (1, 3)] {
        let on = |k: i32| (-0.15 * f64::from(k)).exp();
        let mean: f64 = (0..weeks).map(on).sum();
        let square: f64 = (0..weeks).map(|k| f64::from(2 * k + 1) * on(k)).sum();
        let (observed, n) = pooled(&r, h, Outcome::WeeksOnBenefit);
        within(&format!("weeks on benefit at {weeks}"), observed, mean, ((square - mean * mean) / n).sqrt(), 4.0);
    }
}

/// Benefit paid is the weekly rate times the weeks on benefit, person by
/// person, so with one benefit type at 100 a week each arm's mean benefit
/// paid is 100 times its mean weeks on benefit. An arm's mean of money comes
/// from its own sum over the arm's participants, not from the estimates.
#[test]
fn each_arms_mean_benefit_paid_is_the_rate_times_its_mean_weeks_on_benefit() {
    let m = scenario(&[("{HORIZONS}", "[1, 3]"), ("{ENROLMENT}", "Total(n: 2000, weeks: 1)")]);
    let r = run(&m);
    let (weeks, paid) = (column(Outcome::WeeksOnBenefit), column(Outcome::BenefitPaid));
    for (a, arm) in r.arms.iter().enumerate() {
        for (h, means) in arm.outcome_means.iter().enumerate() {
            assert!(means[weeks] >= 1.0, "arm {a}, horizon {h}: at least week 0 on benefit");
            let expected = 100.0 * means[weeks];
            assert!(
                (means[paid] - expected).abs() <= prec::REORDERED * expected,
                "arm {a}, horizon {h}: benefit paid {} vs 100 × {}",
                means[paid],
                means[weeks]
            );
        }
    }
}

#[test]
fn covariates_and_readiness_multiply_rates_by_exp_of_their_terms() {
    // Every term of η_j = β_j·x + ℓ_j·u, by hand, for one person.
    let text = std::fs::read_to_string(common::fixture("minimal.ron")).unwrap();
    let transitions = "transitions: (
        job: (loading: 0.5, age: -0.01, age_first_benefit: 0.03, log_weeks_on_benefit: -0.2, prior_spells: 0.1,
              benefit_type: (work_ready: 0.05, health_disability: -0.3), health: (severe_mental: -0.5)),
        return_to_benefit: (loading: 0.2, prior_spells: 0.1, age: 0.02),
    ),
    population: (
        reference: (age: 30, age_first_benefit: 17, weeks_on_benefit: 26, prior_spells: 2),";
    let m = common::model_from(&text.replace("population: (", transitions));
    let p = Person {
        age: 40.0,
        age_first_benefit: 16.5,
        benefit_type: 1, // health_disability
        health: 2,       // severe_mental
        weeks_on_benefit: 103,
        prior_spells: 3,
        readiness: 0.8,
        ..person(0)
    };
    let job = -0.01 * 10.0 + 0.03 * -0.5 - 0.2 * (104.0f64 / 27.0).ln() + 0.1 * 1.0 - 0.3 - 0.5 + 0.5 * 0.8;
    // Default loadings: progress 1, regress −1, other exit 0, job loss −1.
    let want =
        [0.8f64.exp(), (-0.8f64).exp(), job.exp(), 1.0, (-0.8f64).exp(), (0.2 * 0.8 + 0.1 + 0.02 * 10.0f64).exp()];
    let got = rate_multipliers(&m, &p);
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= prec::CLOSED_FORM * w, "transition {j}: {g} vs {w}");
    }
}

#[test]
fn weeks_on_benefit_enter_a_rate_even_when_every_transition_reads_them() {
    // ln((w + 1)/(w_ref + 1)) = ln(104/26) = ln 4 for w = 103, w_ref = 25:
    // coefficients ±0.5 on all six transitions give 4^±0.5 = 2 or 1/2
    // (readiness 0, every other term 0). With every coefficient non-zero
    // ln 4 must still be taken, not only when some transition leaves it out.
    let text = std::fs::read_to_string(common::fixture("minimal.ron")).unwrap();
    let transitions = "transitions: (
        progress: (log_weeks_on_benefit: 0.5), regress: (log_weeks_on_benefit: -0.5),
        job: (log_weeks_on_benefit: 0.5), other_exit: (log_weeks_on_benefit: -0.5),
        job_loss: (log_weeks_on_benefit: 0.5), return_to_benefit: (log_weeks_on_benefit: -0.5),
    ),
    population: (
        reference: (weeks_on_benefit: 25),";
    let m = common::model_from(&text.replace("population: (", transitions));
    let got = rate_multipliers(&m, &Person { weeks_on_benefit: 103, readiness: 0.0, ..person(0) });
    for (j, (g, w)) in got.iter().zip([2.0, 0.5, 2.0, 0.5, 2.0, 0.5]).enumerate() {
        assert!((g - w).abs() <= 1e-15 * w, "transition {j}: {g} vs {w}");
    }
}

#[test]
fn rate_multipliers_are_bit_for_bit_one_exp_of_each_exponent() {
    // rate_multipliers passes equal exponents to exp once, zero ones not at
    // all and leaves out ln(weeks) when no coefficient reads it; this is the
    // direct computation, one exp per transition, that it must equal.
    let direct = |m: &Model, p: &Person| -> Vec<u64> {
        let r = &m.population.reference;
        let log_weeks = libm::log((p.weeks_on_benefit as f64 + 1.0) / (r.weeks_on_benefit + 1.0));
        m.transitions
            .iter()
            .map(|e| {
                let eta = e.age * (p.age - r.age)
                    + e.age_first_benefit * (p.age_first_benefit - r.age_first_benefit)
                    + e.log_weeks_on_benefit * log_weeks
                    + e.prior_spells * (p.prior_spells as f64 - r.prior_spells)
                    + e.benefit_type[p.benefit_type as usize]
                    + e.health[p.health as usize]
                    + e.loading * p.readiness;
                libm::exp(eta).to_bits()
            })
            .collect()
    };
    let text = std::fs::read_to_string(common::fixture("minimal.ron")).unwrap();
    let covariates = "transitions: (
        progress: (loading: 1.0, age: 0.02),
        job: (loading: 1.0, log_weeks_on_benefit: -0.2, benefit_type: (health_disability: -0.3)),
        other_exit: (loading: 0.0, health: (severe_mental: -0.5)),
        return_to_benefit: (loading: 0.0, prior_spells: 0.1, age_first_benefit: 0.03),
    ),
    population: (
        reference: (age: 30, age_first_benefit: 17, weeks_on_benefit: 26, prior_spells: 2),";
    for m in [common::model_from(&text), common::model_from(&text.replace("population: (", covariates))] {
        for (i, readiness) in [0.0, -0.0, 0.8, -1.3, 1e-300].into_iter().enumerate() {
            for (benefit_type, health) in [(0, 0), (1, 2), (2, 4), (1, 0)] {
                for weeks_on_benefit in [0, 26, 103] {
                    let p = Person {
                        age: 25.0 + 5.0 * i as f64,
                        age_first_benefit: 16.5 + f64::from(health),
                        benefit_type,
                        health,
                        weeks_on_benefit,
                        prior_spells: u32::from(benefit_type) + 1,
                        readiness,
                        ..person(0)
                    };
                    assert_eq!(rate_multipliers(&m, &p).map(f64::to_bits).to_vec(), direct(&m, &p), "{p:?}");
                }
            }
        }
    }
}

#[test]
fn an_older_cohort_finds_work_at_its_covariate_rate() {
    // Age 35 against a reference of 25 with an age effect of 0.05 on job:
    // λ_job = 0.1·e^{0.5}, other exit 0.05; employed after 3 weeks
    // (λ_job/Λ)(1 − e^{−3Λ}).
    let template = common::TEMPLATE
        .replace("age: Fixed(25)", "age: Fixed(35)")
        .replace("    population: (", "    transitions: (job: (age: 0.05)),\n    population: (");
    let m = common::scenario_from(&template, &[("{HORIZONS}", "[3]")]);
    let r = run(&m);
    let job = 0.1 * 0.5f64.exp();
    let total = job + 0.05;
    check_share("employed at 3, age 35", &r, 0, Outcome::Employed, job / total * (1.0 - (-3.0 * total).exp()));
}

#[test]
fn job_loss_follows_the_tenure_schedule() {
    // Everyone finds a job in week 0 (rate 30: e^-30 ≈ 1e-13), then loses it at
    // 0.1 a week for tenure 0–1, 0.3 from tenure 2; job loss leads to an
    // absorbing stage. Employed at week h = exp(−Σ_{d<h−1} rate(d)).
    let m = scenario(&[
        ("{HORIZONS}", "[1, 2, 3, 5]"),
        ("{STAGES}", r#"[(name: "Start", job: 30), (name: "After")]"#),
        ("{START}", "[1, 0]"),
        ("{REENTRY}", "After"),
        ("{JOB_LOSS}", "[(from_week: 0, rate: 0.1), (from_week: 2, rate: 0.3)]"),
    ]);
    let r = run(&m);
    let cum: [f64; 4] = [0.0, 0.1, 0.2, 0.2 + 0.3 + 0.3];
    for (h, c) in cum.iter().enumerate() {
        check_share(&format!("employed at horizon {h}"), &r, h, Outcome::Employed, (-c).exp());
    }
}

const TWO_SERVICES: &str = r#"{
    "bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
    "svc": (case_managers_per_site: 1, hours_per_week: 1000, intensity: Piecewise([(0.001, 0.5)]),
            effects: (job: All(3), job_loss: 0.6), exit: (in_work_support: Weeks(3))),
}"#;
const ARMS: &str = r#"[(name: "bau", service: "bau", control: true), (name: "svc", service: "svc")]"#;

/// Each contrast is estimated against the control arm wherever the scenario
/// lists it, and each cell holds its own contrast's and horizon's true
/// sample effect. The control is the middle of three arms and there are
/// three horizons. The first arm offers the control's service, so each
/// person's life under it is their life under the control: its true effect
/// is exactly 0 in every cell, while the service arm's is not at the first
/// horizon. Each estimate is the difference of the two arms' mean outcomes.
#[test]
fn every_cell_compares_its_own_arm_with_the_control_arm_at_its_own_horizon() {
    let m = scenario(&[
        ("{HORIZONS}", "[2, 3, 4]"),
        ("{SERVICES}", TWO_SERVICES),
        (
            "{ARMS}",
            r#"[(name: "same", service: "bau"), (name: "bau", service: "bau", control: true), (name: "svc", service: "svc")]"#,
        ),
        ("{ENROLMENT}", "Total(n: 600, weeks: 1)"),
    ]);
    let r = run(&m);
    assert_eq!(r.contrasts, [Contrast { treatment: 0, control: 1 }, Contrast { treatment: 2, control: 1 }]);
    let mut service_effect_at_first_horizon = false;
    for (c, contrast) in r.contrasts.iter().enumerate() {
        let (t, u) = (&r.arms[contrast.treatment], &r.arms[contrast.control]);
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            for h in 0..3 {
                let draw = r.estimates[0][r.cell(c, o, h)];
                let expected = t.outcome_means[h][o] - u.outcome_means[h][o];
                let tolerance = prec::REORDERED * t.outcome_means[h][o].abs().max(1.0);
                let what = format!("contrast {c}, {} at horizon {h}", outcome.name());
                assert!((draw.estimate.estimate - expected).abs() <= tolerance, "{what}: estimate {draw:?}");
                if c == 0 {
                    assert_eq!(draw.sate, 0.0, "{what}: same service as the control");
                } else if h == 0 && draw.sate != 0.0 {
                    service_effect_at_first_horizon = true;
                }
            }
        }
    }
    assert!(service_effect_at_first_horizon, "the service changes some outcome by the first horizon");
}

#[test]
fn in_work_support_scales_job_loss_while_it_lasts() {
    // g = 0.5 exactly (flat response beyond 0.001 h), f = q = 1: job loss is
    // multiplied by 0.6^0.5 for tenure 0, 1, 2, then support ends.
    let m = scenario(&[
        ("{HORIZONS}", "[2, 4, 6]"),
        ("{STAGES}", r#"[(name: "Start", job: 30), (name: "After")]"#),
        ("{START}", "[1, 0]"),
        ("{REENTRY}", "After"),
        ("{JOB_LOSS}", "[(from_week: 0, rate: 0.2)]"),
        ("{SERVICES}", TWO_SERVICES),
        ("{ARMS}", r#"[(name: "bau", service: "bau", control: true, ratio: 0.0001), (name: "svc", service: "svc")]"#),
    ]);
    let r = run(&m);
    let k = 0.6f64.sqrt();
    let employed = |h: f64| -> f64 {
        let supported = (h - 1.0).min(3.0);
        (-0.2 * k * supported - 0.2 * (h - 1.0 - supported)).exp()
    };
    let arm = &r.arms[1];
    for (h, w) in [2.0, 4.0, 6.0].into_iter().enumerate() {
        let share = arm.outcome_means[h][column(Outcome::Employed)];
        check_proportion(&format!("employed at {w}"), share, arm.participants as f64, employed(w));
    }
}

#[test]
fn unlimited_in_work_support_ends_at_job_loss() {
    // Jobs start at the end of week 0 and end at the end of week 1 (rates 30):
    // unlimited support holds the slot while in work and ends with the job.
    let services = TWO_SERVICES.replace("Weeks(3)", "Unlimited(end_rate: 0)");
    let m = scenario(&[
        ("{HORIZONS}", "[5]"),
        ("{STAGES}", r#"[(name: "Start", job: 30), (name: "After")]"#),
        ("{START}", "[1, 0]"),
        ("{REENTRY}", "After"),
        ("{JOB_LOSS}", "[(from_week: 0, rate: 30)]"),
        ("{SERVICES}", &services),
        ("{ARMS}", ARMS),
    ]);
    let c = cohort(&m, &[1; 3]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    world.week(0);
    assert!(
        (0..3).all(|i| world.life(i, 1).in_service && world.life(i, 1).state == 2),
        "in work (Employed = 2), in support"
    );
    world.week(1);
    for i in 0..3 {
        let life = world.life(i, 1);
        assert_eq!(life.state, 1, "back on benefit in stage After (index 1)");
        assert!(!life.in_service, "the job loss ended the support");
    }
}

#[test]
fn disengaged_clients_get_no_service_effect() {
    // Job rate 0.05 × 3^0.5 while engaged; everyone disengages at the end of
    // week 0 (rate 30) and never re-engages: P(employed by h) = 1 − exp(−0.05(√3 + h − 1)).
    let services = TWO_SERVICES.replace("exit: (in_work_support: Weeks(3))", "engagement: (disengage: 30)");
    let m = scenario(&[
        ("{HORIZONS}", "[1, 4]"),
        ("{STAGES}", r#"[(name: "Only", job: 0.05)]"#),
        ("{SERVICES}", &services),
        ("{ARMS}", r#"[(name: "bau", service: "bau", control: true, ratio: 0.0001), (name: "svc", service: "svc")]"#),
    ]);
    let r = run(&m);
    let arm = &r.arms[1];
    for (h, w) in [1.0, 4.0].into_iter().enumerate() {
        let p = 1.0 - (-0.05 * (3f64.sqrt() + w - 1.0)).exp();
        let share = arm.outcome_means[h][column(Outcome::Employed)];
        check_proportion(&format!("employed at {w}"), share, arm.participants as f64, p);
    }
}

/// Two stages, Low and High (re-entry), everyone starting Low; a service
/// whose Navigators (`navigators`, a RON struct body) serve stage Low.
fn navigator_model(horizons: &str, low_progress: f64, navigators: &str) -> Model {
    let services = format!(
        r#"{{
        "bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
        "svc": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1),
                navigators: ({navigators}, max_stage: "Low")),
    }}"#
    );
    let stages = format!(r#"[(name: "Low", progress: {low_progress}), (name: "High")]"#);
    scenario(&[
        ("{HORIZONS}", horizons),
        ("{STAGES}", &stages),
        ("{START}", "[1, 0]"),
        ("{REENTRY}", "High"),
        ("{SERVICES}", &services),
        ("{ARMS}", ARMS),
    ])
}

#[test]
fn navigators_multiply_progress_while_assigned() {
    // Progress 0.1 a week, ×2 with a Navigator; capacity for everyone.
    let m = navigator_model("[1]", 0.1, "per_site: 100, clients_per_navigator: 1000, progress: 2");
    let r = run(&m);
    // Trajectories: share in "High" at own week 1 per arm.
    let width = rctsim::engine::TrajectoryColumns { stages: m.stages.len() }.width();
    let share_high = |arm: usize| r.trajectories[(arm * 2 + 1) * width + 1] as f64 / r.arms[arm].participants as f64;
    for (arm, rate) in [(0usize, 0.1f64), (1, 0.2)] {
        let n = r.arms[arm].participants as f64;
        check_proportion(&format!("progressed, arm {arm}"), share_high(arm), n, 1.0 - (-rate).exp());
    }
}

fn person(week: u32) -> Person {
    Person {
        site: 0,
        week,
        age: 25.0,
        age_first_benefit: 18.0,
        benefit_type: 0,
        health: 0,
        weeks_on_benefit: 52,
        prior_spells: 0,
        starting_stage: 0,
        readiness: 0.0,
    }
}

/// A cohort with the given arms, everyone arriving in week 0.
fn cohort(m: &Model, arms: &[u8]) -> Cohort {
    let persons: Vec<Person> = arms.iter().map(|_| person(0)).collect();
    Cohort { rate_multipliers: persons.iter().map(|p| rate_multipliers(m, p)).collect(), persons, arms: arms.to_vec() }
}

/// One stage, "Only", with the rates `rates` (none: nobody moves), and a
/// service "svc" with the fields `svc` (its staff, cap, engagement, exit...)
/// beside a BAU control of two case managers. Other exit loads on readiness
/// as a job does, so a cohort's readiness can decide who moves.
fn svc_model(rates: &str, svc: &str) -> Model {
    let services = format!(
        r#"{{
        "bau": (case_managers_per_site: 2, hours_per_week: 1, intensity: Saturating(half: 1)),
        "svc": (hours_per_week: 10, intensity: Saturating(half: 1), {svc}),
    }}"#
    );
    let template = common::TEMPLATE
        .replace("    population: (", "    transitions: (other_exit: (loading: 1)),\n    population: (");
    common::scenario_from(
        &template,
        &[
            ("{HORIZONS}", "[10]"),
            ("{STAGES}", &format!(r#"[(name: "Only", {rates})]"#)),
            ("{SERVICES}", &services),
            ("{ARMS}", ARMS),
        ],
    )
}

/// Nobody moves; a service with `cms` case managers, cap `cap`, `cap` weeks in service.
fn queue_model(cms: u32, cap: u32) -> Model {
    svc_model("", &format!("case_managers_per_site: {cms}, caseload_cap: {cap}, exit: (max_weeks: {cap})"))
}

/// A ghost of an arm with another fallback waits with a case manager of that
/// fallback: the least loaded as the real trial leaves its pool (a ghost
/// consumes nothing); a ghost of an arm with the same fallback as its real
/// self waits with its real self's.
#[test]
fn a_ghost_waits_with_a_case_manager_of_its_own_arms_fallback() {
    // Nobody moves. "svc" falls back on "community" (two case managers);
    // tickets 0, 1 and 3 are BAU, ticket 2 is svc; everyone arrives in week 0.
    let services = r#"{
        "bau": (case_managers_per_site: 2, hours_per_week: 1, intensity: Saturating(half: 1)),
        "svc": (case_managers_per_site: 1, hours_per_week: 10, intensity: Saturating(half: 1), effects: (job: All(2))),
        "community": (case_managers_per_site: 2, hours_per_week: 1, intensity: Saturating(half: 1)),
    }"#;
    let arms =
        r#"[(name: "bau", service: "bau", control: true), (name: "svc", service: "svc", fallback: "community")]"#;
    let m = scenario(&[("{STAGES}", r#"[(name: "Only")]"#), ("{SERVICES}", services), ("{ARMS}", arms)]);
    let c = cohort(&m, &[0, 0, 1, 0]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    let first = |arm: usize| world.case_managers().pool(m.arms[arm].fallback).start as u32;
    let (bau, community) = (first(0), first(1));
    world.week(0);
    let fallbacks: Vec<[u32; 2]> = (0..4).map(|i| [0, 1].map(|a| world.life(i, a).fallback_cm)).collect();
    // Real BAU clients 0, 1 and 3 go to BAU case managers 0, 1, 0; ticket 2's
    // ghost under BAU finds BAU at (1, 1) and takes case manager 0. The svc
    // ghosts of tickets 0 and 1 find "community" empty (case manager 0); real
    // ticket 2 then waits with community case manager 0, so ticket 3's ghost
    // takes community case manager 1.
    assert_eq!(
        fallbacks,
        [[bau, community], [bau + 1, community], [bau, community], [bau, community + 1]],
        "fallback case managers of each ticket under BAU and svc"
    );
}

#[test]
fn the_waitlist_is_served_in_ticket_order_by_the_least_loaded_case_manager() {
    // Two case managers with cap 2, a stay of 2 weeks, ten clients: tickets
    // 0–3 start in week 0 (alternating case managers), 4–7 in week 2, 8–9 in week 4.
    let m = queue_model(2, 2);
    let c = cohort(&m, &[1; 10]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    let svc_first = world.case_managers().pool(1).start as u32;
    let bau_first = world.case_managers().pool(0).start as u32;
    world.week(0);
    for i in 0..10 {
        let life = world.life(i, 1);
        assert_eq!(life.in_service, i < 4, "ticket {i} in service after week 0");
        // The fallback case manager serves while waiting: least loaded, lowest index first.
        assert_eq!(life.fallback_cm, bau_first + (i as u32 % 2), "ticket {i} fallback");
        if i < 4 {
            assert_eq!(life.service_cm, svc_first + (i as u32 % 2), "ticket {i} case manager");
        }
    }
    // Waiting clients count in their fallback case manager's caseload.
    assert_eq!(world.case_managers().trial[bau_first as usize], 3);
    for t in 1..8 {
        world.week(t);
    }
    let started: Vec<u16> = (0..10).map(|i| world.life(i, 1).record.service_started).collect();
    assert_eq!(started, [0, 0, 0, 0, 2, 2, 2, 2, 4, 4]);
}

#[test]
fn service_exit_frees_the_slot_from_the_next_week() {
    // One case manager with cap 1 and one week in service: one start a week.
    let m = queue_model(1, 1);
    let c = cohort(&m, &[1; 3]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    world.week(0);
    assert!(!world.life(0, 1).in_service && world.life(0, 1).record.service_started == 0);
    assert!(world.life(1, 1).waiting);
    for t in 1..4 {
        world.week(t);
    }
    let started: Vec<u16> = (0..3).map(|i| world.life(i, 1).record.service_started).collect();
    assert_eq!(started, [0, 1, 2]);
}

/// Steps `weeks` weeks of a service with one slot (one case manager, cap 1,
/// the fields `rules`) and three clients of it with readiness 20, −20 and −20,
/// in stage Only with `rates` (a job or other exit): each rate is e^{±20}
/// times as declared, so at 0.5 the first client moves at the end of week 0
/// and the others never (5e-10 a week). Returns each client's start week and
/// state (Only 0, Employed 1, OtherExit 2).
fn one_slot(rates: &str, rules: &str, weeks: u32) -> Vec<(u16, u8)> {
    let m = svc_model(rates, &format!("case_managers_per_site: 1, caseload_cap: 1, {rules}"));
    let mut c = cohort(&m, &[1; 3]);
    for (p, readiness) in c.persons.iter_mut().zip([20.0, -20.0, -20.0]) {
        p.readiness = readiness;
    }
    c.rate_multipliers = c.persons.iter().map(|p| rate_multipliers(&m, p)).collect();
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    for t in 0..weeks {
        world.week(t);
    }
    (0..3).map(|i| (world.life(i, 1).record.service_started, world.life(i, 1).state)).collect()
}

#[test]
fn leaving_benefit_other_than_into_work_ends_service_and_frees_the_slot_next_week() {
    // The first client leaves to OtherExit at the end of week 0, which ends
    // service; the slot goes to the second client in week 1; the third waits.
    assert_eq!(one_slot("other_exit: 0.5", "", 6), [(0, 2), (1, 0), (NEVER, 0)]);
}

#[test]
fn in_work_support_for_n_weeks_ends_service_and_frees_the_slot_next_week() {
    // The first client is Employed from week 1 (job at the end of week 0),
    // tenure 1 at the end of week 1, n at the end of week n: Weeks(n) ends
    // service then (Weeks(0) with the job, at the end of week 0), and the
    // second client starts in week n + 1.
    for n in [0u16, 2, 4] {
        let rules = format!("exit: (in_work_support: Weeks({n}))");
        assert_eq!(one_slot("job: 0.5", &rules, 8), [(0, 1), (n + 1, 0), (NEVER, 0)], "Weeks({n})");
    }
}

#[test]
fn service_ends_after_whole_weeks_disengaged_and_frees_the_slot_next_week() {
    // Each client disengages at the end of their first week in service
    // (rate 30: e^{−30} ≈ 1e-13 to stay engaged), which does not count; three
    // whole weeks disengaged follow, so service ends at the end of their
    // fourth week and the next client starts the week after: weeks 0, 4, 8.
    let rules = "engagement: (disengage: 30), exit: (disengaged_weeks: 3)";
    assert_eq!(one_slot("", rules, 9), [(0, 0), (4, 0), (8, 0)]);
}

/// `f` of each life after each of weeks `0..weeks`, `[week][ticket]`, for
/// 200,000 clients of an uncapped service with the fields `rules`, placed in
/// week 0; nobody moves between states.
fn after_each_week<T>(rules: &str, weeks: u32, f: impl Fn(&Life) -> T) -> Vec<Vec<T>> {
    let m = svc_model("", &format!("case_managers_per_site: 1, {rules}"));
    let c = cohort(&m, &[1; 200_000]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    (0..weeks)
        .map(|t| {
            world.week(t);
            (0..c.persons.len()).map(|i| f(world.life(i, 1))).collect()
        })
        .collect()
}

/// Share of `xs` that are true.
fn share(xs: &[bool]) -> f64 {
    xs.iter().filter(|&&x| x).count() as f64 / xs.len() as f64
}

#[test]
fn engagement_moves_between_its_two_states_at_the_declared_rates() {
    // Disengage 0.3 and re-engage 0.2 a week, at most one engagement move a
    // week: an engaged client disengages in a week with a = 1 − e^{−0.3}, a
    // disengaged one re-engages with b = 1 − e^{−0.2}. Engaged at placement,
    // so engaged after week w with p = π + (1 − π)(1 − a − b)^{w+1},
    // π = b/(a + b).
    let (a, b) = (1.0 - (-0.3f64).exp(), 1.0 - (-0.2f64).exp());
    let pi = b / (a + b);
    let engaged = after_each_week("engagement: (disengage: 0.3, reengage: 0.2)", 6, |l| l.engaged);
    for (w, week) in engaged.iter().enumerate() {
        let p = pi + (1.0 - pi) * (1.0 - a - b).powi(w as i32 + 1);
        check_proportion(&format!("engaged after week {w}"), share(week), week.len() as f64, p);
    }
}

#[test]
fn navigators_multiply_disengagement_while_assigned() {
    // Disengagement 0.4 a week, × 0.25 with a Navigator, no re-engagement;
    // Navigators for 100,000 clients, given in ticket order and kept: the
    // first half of the tickets. Engaged after week w: e^{−0.1(w+1)} with a
    // Navigator, e^{−0.4(w+1)} without.
    let rules = r#"engagement: (disengage: 0.4),
        navigators: (per_site: 1, clients_per_navigator: 100000, max_stage: "Only", disengage: 0.25)"#;
    let lives = after_each_week(rules, 3, |l| (l.nav, l.engaged));
    for (w, week) in lives.iter().enumerate() {
        for (half, rate) in [(0, 0.1), (1, 0.4)] {
            let clients = &week[half * 100_000..(half + 1) * 100_000];
            assert!(clients.iter().all(|&(nav, _)| nav == (half == 0)), "Navigators, half {half}");
            let engaged: Vec<bool> = clients.iter().map(|&(_, engaged)| engaged).collect();
            let p = (-rate * (w as f64 + 1.0)).exp();
            check_proportion(&format!("engaged after week {w}, half {half}"), share(&engaged), 100_000.0, p);
        }
    }
}

#[test]
fn service_ends_after_consecutive_whole_weeks_disengaged() {
    // Everyone disengages at the end of week 0 (rate 30) and re-engages at
    // r = 0.2 a week; a client who re-engages disengages again the next week,
    // which does not count. disengaged_weeks: 3 ends service at the end of
    // week 3 for those who do not re-engage in weeks 1–3: e^{−3r}. Nobody
    // else can leave in week 4: re-engaging in week 1 means disengaging again
    // in week 2 and three whole weeks ending with week 5 (re-engaging in week
    // 2, with week 6). Out of service after week 5: e^{−3r} + (1 − e^{−r})e^{−3r}.
    let rules = "engagement: (disengage: 30, reengage: 0.2), exit: (disengaged_weeks: 3)";
    let out: Vec<f64> = after_each_week(rules, 6, |l| !l.in_service).iter().map(|week| share(week)).collect();
    let not_back_by_3 = (-0.6f64).exp();
    assert_eq!(out[2], 0.0, "nobody out before three whole weeks");
    check_proportion("out after week 3", out[3], 200_000.0, not_back_by_3);
    assert_eq!(out[4], out[3], "nobody leaves in week 4");
    check_proportion("out after week 5", out[5], 200_000.0, not_back_by_3 * (2.0 - (-0.2f64).exp()));
}

#[test]
fn ghosts_take_their_place_in_the_real_queue() {
    // Arms by ticket: svc, bau, svc, bau, svc. One case manager, cap 1, stays of one week.
    // Real: ticket 0 starts in week 0, 2 in week 1, 4 in week 2.
    // Ghost of 1 under svc: week 0 placed only ticket 0 (earlier); week 1 placed
    // ticket 2 (later) → starts in week 1. Ghost of 3: week 2 placed ticket 4 → week 2.
    // Ghosts of 0, 2, 4 under bau (its fallback): served from week 0.
    let m = queue_model(1, 1);
    let c = cohort(&m, &[1, 0, 1, 0, 1]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    for t in 0..6 {
        world.week(t);
    }
    let under_svc: Vec<u16> = (0..5).map(|i| world.life(i, 1).record.service_started).collect();
    assert_eq!(under_svc, [0, 1, 1, 2, 2]);
    let under_bau: Vec<u16> = (0..5).map(|i| world.life(i, 0).record.service_started).collect();
    assert_eq!(under_bau, [0, 0, 0, 0, 0]);
    // A ghost consumes nothing: after the real queue empties, the slot is free.
    assert_eq!(world.pools()[1].next_cm, world.case_managers().pool(1).start as u32);
}

#[test]
fn ghosts_take_the_case_manager_of_the_next_real_ticket_or_the_free_slot() {
    // Two case managers A and B, cap 2, stays of two weeks. Arms by ticket:
    //   ticket  0 1 2 3 4 5 6 7 8 9 10 11 12
    //   arm     s b b s s s b s b s s  b  b   (s = svc, b = bau, whose ghost queues for svc)
    // Real placements go to the least-loaded case manager, A on ties:
    //   week 0: 0→A, 3→B, 4→A, 5→B (every slot full); week 1: nobody (the
    //   slots are held until the stays end, at the end of week 1); week 2:
    //   7→A, 9→B, 10→A, leaving one slot free, with B (A 2, B 1).
    // Ghosts take the case manager of the first later real ticket placed that
    // week, else the free slot's:
    //   week 0: ghosts 1 and 2 → ticket 3's B (ghosts take no slot from each
    //   other); 6, 8, 11, 12 wait (no later ticket placed, no slot free).
    //   week 2: 6 → ticket 7's A; 8 → ticket 9's B; 11 and 12 → the free slot, B.
    let m = queue_model(2, 2);
    let arms = [1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0];
    let c = cohort(&m, &arms);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    let first = world.case_managers().pool(1).start as u32;
    // Each ticket's case manager under svc (the real life or the ghost) after a week.
    let placed = |world: &World| -> String {
        (0..arms.len())
            .map(|i| {
                let life = world.life(i, 1);
                if !life.in_service {
                    '-'
                } else if life.service_cm == first {
                    'A'
                } else {
                    assert_eq!(life.service_cm, first + 1, "ticket {i}");
                    'B'
                }
            })
            .collect()
    };
    world.week(0);
    assert_eq!(placed(&world), "ABBBAB-------");
    world.week(1);
    assert_eq!(placed(&world), "-------------", "two-week stays end with week 1");
    world.week(2);
    assert_eq!(placed(&world), "------AABBABB");
    let started: Vec<u16> = (0..arms.len()).map(|i| world.life(i, 1).record.service_started).collect();
    assert_eq!(started, [0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2]);
}

#[test]
fn a_ghost_alone_in_the_queue_takes_the_free_slot() {
    // Arms: bau, bau. Nobody real is queued, so the ghost of ticket 0 under svc
    // starts in week 0 with the least-loaded case manager (index 0 of the pool).
    let m = queue_model(2, 3);
    let c = cohort(&m, &[0, 0]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    world.week(0);
    let first = world.case_managers().pool(1).start as u32;
    assert_eq!(world.life(0, 1).record.service_started, 0);
    assert_eq!(world.life(0, 1).service_cm, first);
    assert_eq!(world.life(1, 1).service_cm, first, "ghosts do not take slots from each other");
}

#[test]
fn navigators_go_in_ticket_order_while_there_is_room_and_stay() {
    // Room for 2 Navigator clients; 4 clients in service at stage Low.
    let m = navigator_model("[10]", 0.0, "per_site: 1, clients_per_navigator: 2");
    let c = cohort(&m, &[1, 0, 1, 1, 1]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    world.week(0);
    let navs: Vec<bool> = (0..5).map(|i| world.life(i, 1).nav).collect();
    // Real tickets 0 and 2 hold the two places; 3 and 4 wait. Ticket 1's ghost
    // comes before ticket 2, which was given one this week: it gets one too.
    assert_eq!(navs, [true, true, true, false, false]);
    world.week(1);
    let navs: Vec<bool> = (0..5).map(|i| world.life(i, 1).nav).collect();
    assert_eq!(navs, [true, true, true, false, false], "assignments are kept");
}

#[test]
fn a_ghost_sees_navigators_as_step_2b_leaves_them() {
    // One Navigator place. Ticket 0 (real, in the service) holds it in week 0
    // and progresses out of the Navigator stage at the end of week 0. Ticket
    // 1's ghost under the service must not get the place in week 0 (it frees
    // only for week 1), and gets it in week 1.
    let m = navigator_model("[10]", 0.5, "per_site: 1, clients_per_navigator: 1");
    let mut c = cohort(&m, &[1, 0]);
    c.persons[0].readiness = 10.0;
    c.persons[1].readiness = -10.0;
    c.rate_multipliers = c.persons.iter().map(|p| rate_multipliers(&m, p)).collect();
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    world.week(0);
    assert_eq!(world.life(0, 1).state, 1, "ticket 0 progressed (rate 0.5·e^10)");
    assert!(!world.life(1, 1).nav, "no place for the ghost in week 0");
    world.week(1);
    assert!(world.life(1, 1).nav, "the freed place in week 1");
}

/// Intensity under `Saturating(half: 1)` of a case manager with 20 contact
/// hours a week shared by `clients`: c/(c + 1) with c = 20/clients.
fn intensity_20h(clients: f64) -> f64 {
    let c = 20.0 / clients;
    c / (c + 1.0)
}

/// Case manager `cm`'s multiplier on stage 0's job move in `table`: the
/// third of its multipliers (four per stage: progress, regress, job, other exit).
fn stage_0_job(table: &[f64], cms: &CaseManagers, cm: usize) -> f64 {
    table[cm * cms.stride + 2]
}

/// Runs week 0 of a one-stage scenario with `services` and `arms`, 30
/// participants randomised to arm 1 (keyed with seed 1), and hands its case
/// managers to `check`.
fn after_week_0(services: &str, arms: &str, check: impl FnOnce(&CaseManagers)) {
    let m = scenario(&[("{STAGES}", r#"[(name: "Only")]"#), ("{SERVICES}", services), ("{ARMS}", arms)]);
    let c = cohort(&m, &[1; 30]);
    let mut world = World::new(&m, Keyed::new(1), 0, &c);
    world.week(0);
    check(world.case_managers());
}

#[test]
fn intensity_comes_from_each_case_managers_caseload_and_a_ghost_adds_itself() {
    // One service case manager: 20 h a week, background 10, Saturating(half 1),
    // job effect 2 at full intensity, fidelity from IPS-25 score 100.
    let services = |cap: &str| {
        format!(
            r#"{{
            "bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
            "svc": (case_managers_per_site: 1, {cap} hours_per_week: 20, background_caseload: 10,
                    intensity: Saturating(half: 1), effects: (job: All(2)), fidelity: Ips25(score: 100)),
        }}"#
        )
    };
    let f = ips25_fidelity(100.0, 25.0, 115.0);
    assert_eq!(f, 75.0 / 90.0);
    // Trial clients and whether a ghost adds itself: uncapped, always; at a
    // cap of 20 (10 placed beside the background), no, as it takes the place
    // its real self would; below a cap of 50 (all 30 placed, 40 of 50), yes,
    // as it takes a free slot.
    for (cap, label, n_want, adds) in [
        ("", "uncapped", 30, true),
        ("caseload_cap: 20,", "at the cap", 10, false),
        ("caseload_cap: 50,", "below the cap", 30, true),
    ] {
        after_week_0(&services(cap), ARMS, |cms| {
            let svc = cms.pool(1).start;
            let n = cms.trial[svc];
            assert_eq!(n, n_want, "{label}: trial clients");
            let load = 10 + n;
            let g = |clients: u32| intensity_20h(f64::from(clients));
            let real = stage_0_job(&cms.real, cms, svc);
            let ghost = stage_0_job(&cms.ghost, cms, svc);
            assert!((real - 2f64.powf(g(load) * f)).abs() < prec::CLOSED_FORM, "{label}: real {real}");
            let ghost_load = if adds { load + 1 } else { load };
            assert!((ghost - 2f64.powf(g(ghost_load) * f)).abs() < prec::CLOSED_FORM, "{label}: ghost {ghost}");
        });
    }
}

#[test]
fn each_case_managers_quality_scales_the_exponent_of_its_effects() {
    // Three case managers of quality sd 0.5, ten trial clients each beside a
    // background of 10: multiplier 2^(g(20 clients)·f·q_m) for its clients,
    // 2^(g(21)·f·q_m) for a ghost, with q_m drawn by `service::quality`.
    let services = r#"{
        "bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
        "svc": (case_managers_per_site: 3, hours_per_week: 20, background_caseload: 10, quality_sd: 0.5,
                intensity: Saturating(half: 1), effects: (job: All(2))),
    }"#;
    after_week_0(services, ARMS, |cms| {
        let g = intensity_20h;
        let mut qualities = Vec::new();
        for cm in cms.pool(1) {
            assert_eq!(cms.trial[cm], 10);
            let q = service::quality(&Keyed::new(1), 0, cms.key(cm), 0.5);
            let real = stage_0_job(&cms.real, cms, cm);
            let ghost = stage_0_job(&cms.ghost, cms, cm);
            assert!((real - 2f64.powf(g(20.0) * q)).abs() < prec::CLOSED_FORM, "case manager {cm}: real {real}, q {q}");
            assert!(
                (ghost - 2f64.powf(g(21.0) * q)).abs() < prec::CLOSED_FORM,
                "case manager {cm}: ghost {ghost}, q {q}"
            );
            qualities.push(q);
        }
        assert!(qualities.iter().all(|&q| (q - 1.0).abs() > 1e-3), "qualities drawn: {qualities:?}");
    });
}

#[test]
fn at_the_cap_a_ghost_in_the_service_counts_n_and_a_ghost_on_it_as_a_fallback_n_plus_1() {
    // One ICS case manager, cap 20, background 10, filled by ten real clients;
    // the IPS arm falls back on ICS. The same case manager rates a ghost in
    // ICS at the caseload as it is (it holds a slot someone real holds) and a
    // ghost of the IPS arm waiting on it at 21 (a fallback takes no slot).
    let services = r#"{
        "bau": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
        "ics": (case_managers_per_site: 1, caseload_cap: 20, hours_per_week: 20, background_caseload: 10,
                intensity: Saturating(half: 1), effects: (job: All(2))),
        "ips": (case_managers_per_site: 1, hours_per_week: 1, intensity: Saturating(half: 1)),
    }"#;
    let arms = r#"[(name: "bau", service: "bau", control: true), (name: "ics", service: "ics"),
                   (name: "ips", service: "ips", fallback: "ics")]"#;
    after_week_0(services, arms, |cms| {
        let ics = cms.pool(1).start;
        assert_eq!(cms.trial[ics], 10, "the cap is reached");
        let g = intensity_20h;
        let in_service = stage_0_job(cms.ghost_table(ics as u32, true), cms, ics);
        let on_fallback = stage_0_job(cms.ghost_table(ics as u32, false), cms, ics);
        assert!((in_service - 2f64.powf(g(20.0))).abs() < prec::CLOSED_FORM, "in service: {in_service}");
        assert!((on_fallback - 2f64.powf(g(21.0))).abs() < prec::CLOSED_FORM, "on the fallback: {on_fallback}");
    });
}

#[test]
fn a_cap_on_a_service_used_only_as_a_fallback_changes_nothing() {
    // A fallback takes no slot, so its cap never binds: a ghost on a full
    // fallback case manager still adds itself to the caseload (an earlier
    // build gave it the capped caseload: 37 of 360 SATEs differed). Only the
    // SATEs can tell; trajectories.csv, of real lives, is compared as well.
    let text = std::fs::read_to_string(common::fixture("minimal.ron")).unwrap();
    let bau = r#""bau": (case_managers_per_site: 2, hours_per_week: 30, background_caseload: 150,"#;
    assert!(text.contains(bau));
    let with = |cap: &str| {
        let svc = format!(
            r#""bau": (case_managers_per_site: 2, {cap} hours_per_week: 30, background_caseload: 150, effects: (progress: All(3), job: All(3)),"#
        );
        common::model_from(&text.replace(bau, &svc))
    };
    let csv = |cap: &str| {
        let model = with(cap);
        let result = trial::run(&model, &RunOptions { replicates: Some(20), ..Default::default() }).unwrap();
        let r = common::report(&model, &result);
        (report::ESTIMATES_CSV.bytes(&r), report::TRAJECTORIES_CSV.bytes(&r))
    };
    let (capped, uncapped) = (csv("caseload_cap: 151,"), csv(""));
    assert!(capped.0 == uncapped.0, "estimates.csv (with each replicate's SATE) differs");
    assert!(capped.1 == uncapped.1, "trajectories.csv differs");
}

#[test]
fn case_manager_quality_has_mean_one() {
    // q = exp(w − σ²/2), w ~ N(0, σ²), σ = 0.5: E q = 1, Var q = e^{σ²} − 1.
    let keyed = Keyed::new(9);
    let n = 40_000;
    let q: Vec<f64> = (0..n).map(|m| service::quality(&keyed, 0, m, 0.5)).collect();
    let mean = q.iter().sum::<f64>() / n as f64;
    let sd = (0.25f64.exp() - 1.0).sqrt();
    within("mean quality", mean, 1.0, sd / (n as f64).sqrt(), 4.0);
    let mean_log = q.iter().map(|v| v.ln()).sum::<f64>() / n as f64;
    within("mean log quality", mean_log, -0.125, 0.5 / (n as f64).sqrt(), 4.0);
    assert_eq!(service::quality(&keyed, 0, 1, 0.0), 1.0);
}

#[test]
fn a_hand_written_trajectory_gives_each_outcome_at_each_horizon() {
    // Two stages (Employed = 2, OtherExit = 3). Weeks 0–2 in stage 0; 3–30
    // Employed (tenure 0–27); 31–33 OtherExit; from 34 in stage 1.
    let stages = 2u8;
    let horizons = [2u32, 3, 28, 29, 31, 40];
    let mut life = Life::new(0, NONE, &Keyed::new(0), 0, 0);
    let mut at = Vec::new();
    for k in 0..=40u32 {
        let (state, dur) = match k {
            0..=2 => (0, 0),
            3..=30 => (2, k - 3),
            31..=33 => (3, k - 31),
            _ => (1, 0),
        };
        life.state = state;
        life.dur = dur as u16;
        if horizons.contains(&k) {
            at.push(AtHorizon { weeks_on_benefit: life.record.weeks_on_benefit, state });
        }
        life.observe(k as u16, stages);
    }
    let rate = 200.0;
    let expected: [[f64; 9]; 6] = [
        // weeks_on_benefit, off, employed, ever, retained 13, sustained (26), retained 52,
        // weeks_to_first_exit, benefit_paid
        [2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 400.0],
        [3.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 3.0, 600.0],
        [3.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 3.0, 600.0],
        [3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 3.0, 600.0],
        [3.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 3.0, 600.0],
        [9.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 3.0, 1800.0],
    ];
    for (i, &h) in horizons.iter().enumerate() {
        for (o, &outcome) in OUTCOMES.iter().enumerate() {
            let v = outcome_value(outcome, h, &life.record, &at[i], stages, rate);
            assert_eq!(v, expected[i][o], "{} at {h}", outcome.name());
        }
    }
    assert_eq!(life.record.first_job_end, 31);
    assert_eq!(life.record.first_tenure, [16, 29, NEVER]);
}

#[test]
fn trajectories_give_the_share_in_service_and_the_service_caseloads() {
    // Everyone randomised in week 0, ICS without a cap on one case manager a
    // site with 10 other clients: in own week 0 every ICS participant is in
    // the service, with a caseload of 10 + the ICS participants at their
    // site. So mean_service_caseload is Σ_s n_s (10 + n_s) / Σ_s n_s, and BAU
    // has nobody in a service.
    let text = std::fs::read_to_string(common::fixture("minimal.ron"))
        .unwrap()
        .replace("Total(n: 200, weeks: 20)", "Total(n: 60, weeks: 1)")
        .replace("caseload_cap: 20,", "background_caseload: 10,");
    let model = common::model_from(&text);
    let result = trial::run(&model, &RunOptions { replicates: Some(1), ..Default::default() }).unwrap();
    let cohort = trial::cohort(&model, &Keyed::new(model.seed), 0).unwrap();
    let mut n = [0.0f64; 2];
    for (p, &arm) in cohort.persons.iter().zip(&cohort.arms) {
        if arm == 1 {
            n[p.site as usize] += 1.0;
        }
    }
    let expected = (n[0] * (10.0 + n[0]) + n[1] * (10.0 + n[1])) / (n[0] + n[1]);
    let r = common::report(&model, &result);
    let csv = String::from_utf8(report::TRAJECTORIES_CSV.bytes(&r)).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|&h| h == name).unwrap();
    let row = |arm: &str| -> Vec<String> {
        let line = csv.lines().find(|l| l.starts_with(&format!("{arm},0,"))).unwrap();
        line.split(',').map(String::from).collect()
    };
    let (ics, bau) = (row("ics"), row("bau"));
    assert_eq!(ics[column("share_in_service")], "1");
    assert_eq!(ics[column("mean_service_caseload")].parse::<f64>().unwrap(), expected);
    assert_eq!(ics[column("mean_caseload")], ics[column("mean_service_caseload")]);
    assert_eq!(bau[column("share_in_service")], "0");
    assert_eq!(bau[column("mean_service_caseload")], "NA");
}

#[test]
fn trajectories_count_everyone_once_and_only_those_waiting_as_waitlisted() {
    // minimal.ron's ICS cap of 20 binds (200 participants over 20 weeks, one
    // ICS case manager a site): some ICS participants wait, on benefit.
    // Without the cap nobody waits. rich.ron has three stages. BAU is its own
    // fallback, so nobody waits in it. In every row the stage shares,
    // employed and other exit sum to 1.
    let minimal = std::fs::read_to_string(common::fixture("minimal.ron")).unwrap();
    let rich = std::fs::read_to_string(common::fixture("rich.ron")).unwrap();
    let cases = [(minimal.clone(), Some(true)), (minimal.replace("caseload_cap: 20,", ""), Some(false)), (rich, None)];
    for (text, some_wait) in cases {
        let model = common::model_from(&text);
        let result = trial::run(&model, &RunOptions { replicates: Some(3), ..Default::default() }).unwrap();
        let r = common::report(&model, &result);
        let csv = String::from_utf8(report::TRAJECTORIES_CSV.bytes(&r)).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let column = |name: &str| header.iter().position(|&h| h == name).unwrap();
        let stages: Vec<usize> =
            model.stages.iter().map(|s| column(&format!("share_{}", s.replace(' ', "_").to_lowercase()))).collect();
        let (employed, other, waiting) =
            (column("share_employed"), column("share_other_exit"), column("share_waitlisted"));
        let mut most_waiting = [0.0f64; 2];
        for line in csv.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let v = |c: usize| f[c].parse::<f64>().unwrap();
            let on_benefit: f64 = stages.iter().map(|&c| v(c)).sum();
            let total = on_benefit + v(employed) + v(other);
            assert!((total - 1.0).abs() < prec::REORDERED, "{line}: shares sum to {total}");
            assert!(v(waiting) <= on_benefit + prec::REORDERED, "{line}: more waiting than on benefit");
            let arm = usize::from(f[0] != "bau");
            most_waiting[arm] = most_waiting[arm].max(v(waiting));
        }
        assert_eq!(most_waiting[0], 0.0, "nobody waits for BAU");
        match some_wait {
            Some(true) => assert!(most_waiting[1] > 0.1, "ICS participants wait under the cap: {}", most_waiting[1]),
            Some(false) => assert_eq!(most_waiting[1], 0.0, "ICS participants never wait without the cap"),
            None => {}
        }
    }
}

#[test]
fn per_site_arrivals_are_independent_poisson_counts_by_week_and_site() {
    // 2,000 weeks at 5 and 1.5 arrivals a week: each week's count at each site
    // is Poisson, independent of the week before and of the other site.
    let text = std::fs::read_to_string(common::fixture("minimal.ron")).unwrap();
    let m = common::model_from(&text.replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 2000, weekly: [5, 1.5])"));
    let mut counts = vec![[0.0f64; 2]; 2000];
    for (week, site) in trial::arrivals(&m, &Keyed::new(11), 0) {
        counts[week as usize][site as usize] += 1.0;
    }
    let n = counts.len() as f64;
    let mean = |s: usize| counts.iter().map(|c| c[s]).sum::<f64>() / n;
    let cov = |s: usize, t: usize, lag: usize| {
        let (ms, mt) = (mean(s), mean(t));
        counts.iter().zip(&counts[lag..]).map(|(a, b)| (a[s] - ms) * (b[t] - mt)).sum::<f64>() / (n - 1.0)
    };
    for (s, rate) in [(0, 5.0), (1, 1.5)] {
        within(&format!("site {s}: mean"), mean(s), rate, (rate / n).sqrt(), 4.0);
        // Var(s²) ≈ (μ₄ − σ⁴)/n, μ₄ = λ + 3λ² for a Poisson.
        within(&format!("site {s}: variance"), cov(s, s, 0), rate, ((rate + 2.0 * rate * rate) / n).sqrt(), 4.0);
        // Correlations of independent counts: SE 1/√n.
        within(&format!("site {s}: lag-1 correlation"), cov(s, s, 1) / rate, 0.0, 1.0 / n.sqrt(), 4.0);
    }
    within("correlation between sites", cov(0, 1, 0) / (5.0f64 * 1.5).sqrt(), 0.0, 1.0 / n.sqrt(), 4.0);
}
