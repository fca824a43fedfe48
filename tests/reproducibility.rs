//! Same scenario and seed, same bytes: on any number of threads, and from one
//! release to the next (pinned values).

mod common;

use rctsim::report;
use rctsim::trial::{self, RunOptions};

fn outputs(name: &str, threads: usize) -> (Vec<u8>, Vec<u8>) {
    let model = common::model(name);
    let options = RunOptions { threads: Some(threads), replicates: Some(40), ..Default::default() };
    let result = trial::run(&model, &options).unwrap();
    let r = common::report(&model, &result);
    (report::ESTIMATES_CSV.bytes(&r), report::TRAJECTORIES_CSV.bytes(&r))
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    for name in ["minimal.ron", "allocation.ron"] {
        let one = outputs(name, 1);
        let two = outputs(name, 2);
        assert!(one.0 == two.0, "{name}: estimates.csv differs between 1 and 2 threads");
        assert!(one.1 == two.1, "{name}: trajectories.csv differs between 1 and 2 threads");
    }
}

#[test]
fn pinned_values_for_the_minimal_scenario() {
    // If this fails, results of every scenario change: say so in the release
    // notes and update the values deliberately.
    let model = common::model("minimal.ron");
    let result = trial::run(&model, &RunOptions { replicates: Some(2), ..Default::default() }).unwrap();
    let first = &result.estimates[0][0];
    let last = &result.estimates[1][result.estimates[1].len() - 1];
    let got = [first.estimate.estimate, first.estimate.se, first.sate, last.estimate.estimate, last.sate];
    let pinned = [PINNED_0, PINNED_1, PINNED_2, PINNED_3, PINNED_4];
    assert_eq!(got, pinned, "{got:?}");
    assert_eq!(result.arms[0].participants + result.arms[1].participants, 400);
    assert_eq!(result.person_weeks, 2 * 200 * 52 * 2);
}

/// Every byte of every output file of `minimal.ron` (2 replicates, with
/// `persons.csv`), as SHA-256, the program's version left out: any change in
/// any value, or in how one is written, changes one of these.
#[test]
fn pinned_output_files_for_the_minimal_scenario() {
    // If this fails, results or their files change: say so in the release
    // notes and update the digests deliberately.
    let model = common::model("minimal.ron");
    let options = RunOptions { replicates: Some(2), keep_persons: true, ..Default::default() };
    let result = trial::run(&model, &options).unwrap();
    let r = common::report(&model, &result);
    let digests = report::FILES.map(|file| {
        let text = String::from_utf8(file.bytes(&r)).unwrap().replace(report::VERSION, "VERSION");
        (file.name, rctsim::scenario::sha256_hex(text.as_bytes()))
    });
    let pinned = PINNED_FILES.map(|(name, digest)| (name, digest.to_owned()));
    assert_eq!(digests, pinned, "{digests:#?}");
}

const PINNED_FILES: [(&str, &str); 4] = [
    ("summary.json", "cf4b2f8b046a303b42b1b8e8c9ab2d51baca0033a7696456791adc537205f07d"),
    ("estimates.csv", "728ca12645e65ed1d87b798563a4b7637728268015bdf24d4a46082e0604f763"),
    ("trajectories.csv", "12f6551c37916baa0367d03486e673b894484874401129f8c4ba853dcb89513e"),
    ("persons.csv", "1f2a614582c98063123ecec7e217cb1a3774138a0a3023ad342125578cfbf193"),
];

const PINNED_0: f64 = -0.9040404040404013;
const PINNED_1: f64 = 1.012511862818968;
const PINNED_2: f64 = -0.755;
const PINNED_3: f64 = -186.72609775641104;
const PINNED_4: f64 = -274.21964999999983;

#[test]
fn letting_lives_sleep_changes_nothing() {
    // Lives whose rates cannot change skip weeks and replay them later; the
    // replicate must equal one in which every life is stepped every week.
    // Every valid fixture, read from the folder so that a new one is covered
    // too: those named `invalid_*` are meant to fail validation.
    let mut fixtures: Vec<_> = std::fs::read_dir(common::fixture(""))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".ron") && !name.starts_with("invalid_")
        })
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 11, "valid fixtures found: {fixtures:?}");
    let shipped = ["ics_trial.ron", "ics_x.ron", "ips.ron", "caseloads.ron"].map(common::shipped);
    for path in fixtures.iter().chain(&shipped) {
        let name = path.file_name().unwrap().to_string_lossy();
        let model = common::model_at(path);
        for replicate in 0..3 {
            if let Err(e) = common::sleeping_changes_nothing(&model, replicate) {
                panic!("{name}, replicate {replicate}: {e}");
            }
        }
    }
}

#[test]
fn another_services_staffing_leaves_a_services_draws_as_they_were() {
    // Case managers' draws (quality, week-0 departures) are keyed by their
    // place, so a scenario that only gives BAU, a service without effects,
    // more case managers has the same ICS case managers and the same
    // estimates: the two scenarios keep common random numbers.
    let ics = r#""ics": (case_managers_per_site: 1, caseload_cap: 20, hours_per_week: 30,
                background_caseload: 5, initial_caseload: 10, initial_exit_rate: 0.05, quality_sd: 0.5,"#;
    let text = std::fs::read_to_string(common::fixture("minimal.ron"))
        .unwrap()
        .replace(r#""ics": (case_managers_per_site: 1, caseload_cap: 20, hours_per_week: 30,"#, ics);
    let estimates = |text: &str, bau_staff: &str| {
        let model = common::model_from(&text.replace("case_managers_per_site: 2,", bau_staff));
        let result = trial::run(&model, &RunOptions { replicates: Some(20), ..Default::default() }).unwrap();
        let r = common::report(&model, &result);
        report::ESTIMATES_CSV.bytes(&r)
    };
    let (text, two) = (&text, estimates(&text, "case_managers_per_site: 2,"));
    assert!(
        two == estimates(text, "case_managers_per_site: 7,"),
        "estimates.csv differs with 7 BAU case managers a site"
    );
    // Not because the draws do not matter: without quality, other estimates.
    assert!(two != estimates(&text.replace("quality_sd: 0.5,", ""), "case_managers_per_site: 2,"));
}

#[test]
fn renaming_a_service_changes_nothing_where_a_capped_service_is_a_fallback() {
    // Arm "x" waits for "zz" on a case manager of "ics", capped, which has a
    // waitlist of its own: each placement into "zz" frees room with "ics".
    // Pools are filled in the order of the services' names; that room is
    // free from next week whichever comes first ("aa" sorts before "ics",
    // "zz" after it), so the two scenarios give the same estimates.
    let text = r#"Scenario(
    replicates: 20, seed: 5, horizons: [26, 52],
    stages: [
        (name: "Engagement", progress: 0.05, job: 0.004, other_exit: 0.003),
        (name: "Job search", regress: 0.01, job: 0.02, other_exit: 0.003),
    ],
    job_loss: (rates: [(from_week: 0, rate: 0.02)], reentry_stage: "Job search"),
    return_to_benefit: (rates: [(from_week: 0, rate: 0.02)]),
    population: (readiness_sd: 0, age: Uniform(min: 18, max: 39), age_first_benefit: Uniform(min: 16, max: 18),
        benefit_type: (work_ready: 1), health: (no_condition: 1), weeks_on_benefit: Fixed(52),
        prior_spells: Fixed(1), starting_stage: [0.6, 0.4]),
    sites: [(name: "A")],
    benefit_rates: (work_ready: 200),
    services: {
        "bau": (case_managers_per_site: 2, hours_per_week: 30, background_caseload: 100, intensity: Saturating(half: 0.5)),
        "ics": (case_managers_per_site: 1, caseload_cap: 20, hours_per_week: 30, intensity: Saturating(half: 0.5),
                effects: (progress: All(1.6), job: All(1.5))),
        "zz": (case_managers_per_site: 1, caseload_cap: 10, hours_per_week: 30, intensity: Saturating(half: 0.5),
                effects: (job: All(2))),
    },
    arms: [
        (name: "bau", service: "bau", control: true),
        (name: "ics", service: "ics"),
        (name: "x", service: "zz", fallback: "ics"),
    ],
    enrolment: Total(n: 300, weeks: 10),
)"#;
    let estimates = |text: &str| {
        let model = common::model_from(text);
        let result = trial::run(&model, &RunOptions::default()).unwrap();
        report::ESTIMATES_CSV.bytes(&common::report(&model, &result))
    };
    let zz = estimates(text);
    assert!(zz == estimates(&text.replace(r#""zz""#, r#""aa""#)), "estimates.csv differs with \"zz\" named \"aa\"");
}
