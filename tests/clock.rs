//! The exponential clock reproduces the week-by-week competing-risk law when
//! the rate changes every week.

use rctsim::engine::life::Clock;
use rctsim::rng::{Keyed, Purpose};

#[test]
fn weekly_move_frequencies_equal_one_minus_exp_of_a_changing_rate() {
    // Rates change every week; the first move's week K of 200 000 clocks is
    // compared with P(K = k) = exp(−Σ_{j<k} λ_j)·(1 − exp(−λ_k)) by a
    // chi-square goodness-of-fit test (21 cells: weeks 0–19 and "no move";
    // 20 df). Tolerance: the 0.999 quantile of χ²₂₀, 45.31.
    let rates: Vec<f64> = (0..20).map(|k| 0.02 + 0.3 * ((k * 7 % 5) as f64) / 4.0).collect();
    let keyed = Keyed::new(2024);
    let n = 200_000u64;
    let mut observed = [0u64; 21];
    for entity in 0..n {
        let mut clock = Clock::new(&keyed, 0, Purpose::LabourClock, entity);
        let mut events = 0;
        let week = rates.iter().position(|&r| clock.tick(r, &mut events, &keyed, 0, Purpose::LabourClock, entity));
        observed[week.unwrap_or(20)] += 1;
    }
    let mut survive = 1.0;
    let mut chi2 = 0.0;
    for (k, &rate) in rates.iter().enumerate() {
        let p = survive * (1.0 - (-rate).exp());
        survive *= (-rate).exp();
        let e = p * n as f64;
        chi2 += (observed[k] as f64 - e).powi(2) / e;
    }
    let e = survive * n as f64;
    chi2 += (observed[20] as f64 - e).powi(2) / e;
    assert!(chi2 < 45.31, "chi-square {chi2} with 20 df");
}

#[test]
fn a_zero_rate_never_fires() {
    let keyed = Keyed::new(1);
    let mut clock = Clock::new(&keyed, 0, Purpose::LabourClock, 0);
    let mut events = 0;
    assert!((0..1000).all(|_| !clock.tick(0.0, &mut events, &keyed, 0, Purpose::LabourClock, 0)));
}

#[test]
fn skipping_weeks_is_the_same_as_ticking_them() {
    // Random thresholds and rates, with a rate change part way: the week
    // `weeks_to_event` predicts is the week ticking fires, and `accumulate`
    // leaves the clock bit for bit where ticking leaves it.
    let keyed = Keyed::new(7);
    for entity in 0..20_000u64 {
        let first = 0.001 + keyed.uniform(0, Purpose::LabourDestination, entity, 0) * 0.3;
        let second = 0.001 + keyed.uniform(0, Purpose::LabourDestination, entity, 1) * 0.3;
        let before = (entity % 7) as u32;
        let mut ticked = Clock::new(&keyed, 0, Purpose::LabourClock, entity);
        let mut events = 0;
        for _ in 0..before {
            if ticked.tick(first, &mut events, &keyed, 0, Purpose::LabourClock, entity) {
                break;
            }
        }
        if events > 0 {
            continue;
        }
        let mut skipped = Clock::new(&keyed, 0, Purpose::LabourClock, entity);
        skipped.accumulate(first, before);
        assert_eq!(skipped, ticked, "entity {entity}: accumulate vs {before} ticks");
        let predicted = skipped.weeks_to_event(second).unwrap();
        let fired = (1..).find(|_| ticked.tick(second, &mut events, &keyed, 0, Purpose::LabourClock, entity)).unwrap();
        assert_eq!(predicted, fired, "entity {entity}");
        skipped.accumulate(second, predicted - 1);
        assert!(skipped.remaining() > 0.0, "entity {entity}: the week before the event leaves hazard to accumulate");
    }
    let idle = Clock::new(&keyed, 0, Purpose::LabourClock, 0);
    assert_eq!(idle.weeks_to_event(0.0), None);
    assert_eq!(idle.weeks_to_event(1e-300), None, "an event beyond any trial is never");
}
