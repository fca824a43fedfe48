//! The shipped scenarios reproduce the published figures they are calibrated
//! to, within ±2 percentage points (docs/calibration.md gives the sources),
//! the ICS trial's estimator is unbiased for the PATE where caps bind, and
//! the caseload scenario's caseloads reach their caps.
//!
//! Figures are ratios of sums over replicates; the Monte Carlo SE of each is
//! well under the ±2 pp tolerance at the replicate counts used here (stated
//! per test), so a failure means the scenario or the engine has moved.

mod common;

use rctsim::engine::NEVER;
use rctsim::engine::OUTCOMES;
use rctsim::rng::Keyed;
use rctsim::scenario::Model;
use rctsim::trial::{self, RunOptions};

/// First-job-spell counts in the control arm, pooled over replicates.
#[derive(Default, Debug)]
struct Spells {
    /// Spells with 13, 26, 52 weeks of follow-up, and of those, how many lasted that long.
    followed: [u64; 3],
    lasted: [u64; 3],
    /// Spells with 26 weeks of follow-up that reached 13 / that reached 26 among those with 52.
    reached_13_of_26: u64,
    lasted_26_of_26: u64,
    reached_26_of_52: u64,
    lasted_52_of_52: u64,
    /// Spells with 26 weeks of follow-up that ended within 26 weeks (back on benefit).
    back_within_26: u64,
}

fn control_spells(model: &Model, replicates: u64) -> Spells {
    let keyed = Keyed::new(model.seed);
    let h = model.longest_horizon();
    let arms = model.arms.len();
    let mut s = Spells::default();
    for r in 0..replicates {
        let cohort = trial::cohort(model, &keyed, r).unwrap();
        let rep = rctsim::engine::simulate(model, keyed, r, &cohort);
        for (i, &a) in cohort.arms.iter().enumerate() {
            if a as usize != model.control {
                continue;
            }
            let rec = rep.lives[i * arms + a as usize].record;
            if rec.first_employed == NEVER {
                continue;
            }
            let start = u32::from(rec.first_employed);
            let length = if rec.first_job_end == NEVER { u32::MAX } else { u32::from(rec.first_job_end) - start };
            for (m, milestone) in [13u32, 26, 52].into_iter().enumerate() {
                if start + milestone <= h {
                    s.followed[m] += 1;
                    s.lasted[m] += u64::from(length > milestone);
                }
            }
            if start + 26 <= h {
                s.reached_13_of_26 += u64::from(length > 13);
                s.lasted_26_of_26 += u64::from(length > 26);
                s.back_within_26 += u64::from(length <= 26);
            }
            if start + 52 <= h {
                s.reached_26_of_52 += u64::from(length > 26);
                s.lasted_52_of_52 += u64::from(length > 52);
            }
        }
    }
    s
}

fn within_2pp(what: &str, achieved: f64, target: f64) {
    eprintln!("{what}: {:.2}% (target {:.0}%)", 100.0 * achieved, 100.0 * target);
    assert!(
        (achieved - target).abs() <= 0.02,
        "{what}: achieved {:.2}%, target {:.0}% ± 2 pp",
        100.0 * achieved,
        100.0 * target
    );
}

/// A share `hits / k` of the first replicates against the same share over
/// the 1,000 replicates docs/calibration.md reports, `documented` of `big_k`
/// spells: the same seed, so the `k` spells are among the `big_k`. Spells of
/// different people in the control arm are independent (BAU has no effects
/// for caseloads to carry), so the difference has the SE
/// `√(p(1−p)·(1/k − 1/K))`; allowed: 4 of them.
fn as_documented(what: &str, hits: u64, k: u64, documented: f64, big_k: u64) {
    let se = (documented * (1.0 - documented) * (1.0 / k as f64 - 1.0 / big_k as f64)).sqrt();
    common::within(&format!("{what}, against docs/calibration.md"), hits as f64 / k as f64, documented, se, 4.0);
}

#[test]
fn bau_job_retention_in_the_ics_trial_matches_fair_start_scotland() {
    // 150 replicates × ~1,000 BAU participants: ~49,000 first spells with 13
    // weeks of follow-up, binomial SE ≈ 0.2 pp. Within ±2 pp of the published
    // figures, and, so that a change in the scenario or the engine that
    // stays within those shows, within 4 SE of the 1,000-replicate figures
    // docs/calibration.md reports (bands of ±0.74 to ±1.09 pp).
    let model = common::model_at(&common::shipped("ics_trial.ron"));
    let s = control_spells(&model, 150);
    let ratio = |a: u64, b: u64| a as f64 / b as f64;
    within_2pp("reach 13 weeks", ratio(s.lasted[0], s.followed[0]), 0.73);
    within_2pp("of those, reach 26", ratio(s.lasted_26_of_26, s.reached_13_of_26), 0.81);
    within_2pp("of those, reach 52", ratio(s.lasted_52_of_52, s.reached_26_of_52), 0.77);
    within_2pp("back on benefit within 26 weeks", ratio(s.back_within_26, s.followed[1]), 0.40);
    as_documented("reach 13 weeks", s.lasted[0], s.followed[0], 0.7300, 325_663);
    as_documented("of those, reach 26", s.lasted_26_of_26, s.reached_13_of_26, 0.8087, 217_761);
    as_documented("of those, reach 52", s.lasted_52_of_52, s.reached_26_of_52, 0.7671, 136_618);
    as_documented("back on benefit within 26 weeks", s.back_within_26, s.followed[1], 0.4051, 296_012);
}

#[test]
fn ips_and_bau_ever_employed_at_78_weeks_match_the_trials() {
    // 1,000 replicates of n = 312: ~156,000 per arm, binomial SE 0.125 pp (IPS) and 0.110 pp (BAU).
    let model = common::model_at(&common::shipped("ips.ron"));
    let result = trial::run(&model, &RunOptions::default()).unwrap();
    let o = OUTCOMES.iter().position(|x| x.name() == "ever_employed").unwrap();
    let h = model.horizons.iter().position(|&x| x == 78).unwrap();
    let arm = |name: &str| &result.arms[model.arms.iter().position(|a| a.name == name).unwrap()];
    let ips = arm("ips").outcome_means[h][o];
    let bau = arm("bau").outcome_means[h][o];
    eprintln!("ever employed at 78 weeks: IPS {:.2}%, BAU {:.2}%", 100.0 * ips, 100.0 * bau);
    assert!((0.55..=0.61).contains(&ips), "IPS {:.2}% not in 55–61%", 100.0 * ips);
    assert!((0.23..=0.28).contains(&bau), "BAU {:.2}% not in 23–28%", 100.0 * bau);
    // This is the run docs/calibration.md reports (the shipped seed and
    // replicates): its figures, to their rounding to 0.01 pp.
    for (what, achieved, documented) in [("IPS", ips, 0.5789), ("BAU", bau, 0.2536)] {
        assert!((achieved - documented).abs() <= 0.00005, "{what}: {achieved}, docs/calibration.md {documented}");
    }
}

#[test]
fn where_caps_bind_the_difference_in_means_is_unbiased_for_the_pate() {
    // ics_trial.ron as shipped (1,000 replicates): ICS caps bind from about
    // week 36. Pre-declared outcome: weeks on benefit at 104 weeks.
    let model = common::model_at(&common::shipped("ics_trial.ron"));
    let result = trial::run(&model, &RunOptions::default()).unwrap();
    let o = OUTCOMES.iter().position(|x| x.name() == "weeks_on_benefit").unwrap();
    let h = model.horizons.iter().position(|&x| x == 104).unwrap();
    let d = &result.diagnoses[result.cell(0, o, h)];
    assert!(result.arms[1].take_up() < 0.95, "caps bind: take-up {}", result.arms[1].take_up());
    let (bias, se) = common::bias_and_se(&result, result.cell(0, o, h));
    eprintln!("bias {bias} (MC SE {se}), PATE {}", d.pate.value);
    assert!((d.bias.value - bias).abs() <= 1e-6 * se, "the diagnosis' bias {} against {bias}", d.bias.value);
    common::within("bias of weeks on benefit at 104", bias, 0.0, se, 4.0);
}

#[test]
fn caseloads_ron_fills_each_caseload_to_its_cap() {
    // The file claims each ICS arm's case managers carry its cap once the
    // trial is under way (its header; docs/calibration.md measures 19.8,
    // 39.6 and 59.3 over 50 replicates). Mean caseload over calendar weeks
    // 52–130, counted at the end of each week, in 4 replicates: it must be
    // at least 97% of the cap and, as ever, never above it. (Slots freed by
    // the week's exits stay free until the next week's placements: about 1.1%
    // of clients leave a week, so a full service averages 98.9% of its cap,
    // as these 4 replicates do; 97% is what "reaches its cap" is taken to
    // mean, not a statistical tolerance.)
    let model = common::model_at(&common::shipped("caseloads.ron"));
    let keyed = Keyed::new(model.seed);
    let sites = model.sites.len();
    let mut caps = Vec::new();
    for (s, service) in model.services.iter().enumerate() {
        let Some(cap) = service.cap else { continue };
        caps.push(cap);
        let (mut sum, mut count) = (0u64, 0u64);
        for r in 0..4 {
            let cohort = trial::cohort(&model, &keyed, r).unwrap();
            let mut world = rctsim::engine::World::new(&model, keyed, r, &cohort);
            assert!(world.last_week() >= 130);
            for t in 0..=130 {
                world.week(t);
                for m in (0..sites).flat_map(|site| world.case_managers().pool(s * sites + site)) {
                    let load = world.caseload(m);
                    assert!(load <= cap, "{}: caseload {load} above cap {cap} in week {t}", service.name);
                    if t >= 52 {
                        sum += u64::from(load);
                        count += 1;
                    }
                }
            }
        }
        let mean = sum as f64 / count as f64;
        eprintln!("{}: mean caseload {mean:.2} (cap {cap})", service.name);
        assert!(mean >= 0.97 * f64::from(cap), "{}: mean caseload {mean:.2}, cap {cap}", service.name);
    }
    caps.sort_unstable();
    assert_eq!(caps, [20, 40, 60], "the capped services checked");
}
