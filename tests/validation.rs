//! Validation rules beyond the CLI fixtures: bounds that keep the engine's
//! arithmetic safe, and defaults that follow the design.

mod common;

use common::prec;

use rctsim::scenario;
use rctsim::trial::RunError;
use std::path::Path;

fn minimal() -> String {
    std::fs::read_to_string(common::fixture("minimal.ron")).unwrap()
}

fn problems(text: &str) -> String {
    match scenario::parse(text.as_bytes(), Path::new("x.ron")) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

/// Asserts that the problems `p` include every one `expected`.
fn reports(p: &str, expected: &[&str]) {
    for e in expected {
        assert!(p.contains(e), "{e} not in {p}");
    }
}

#[test]
fn caseloads_are_bounded_so_sums_cannot_overflow() {
    let text = minimal().replace("background_caseload: 150", "background_caseload: 4294967295");
    assert!(problems(&text).contains("services.bau.background_caseload must be at most 1000000 (got 4294967295)"));
    let text = minimal()
        .replace("caseload_cap: 20,", "caseload_cap: 20, background_caseload: 5, initial_caseload: 4294967295,");
    let p = problems(&text);
    assert!(p.contains("services.ics.initial_caseload must be at most 1000000"), "{p}");
}

#[test]
fn a_week_0_caseload_that_never_leaves_fills_the_slots_for_good() {
    let with = |rate: &str| {
        problems(&minimal().replace(
            "caseload_cap: 20,",
            &format!("caseload_cap: 20, background_caseload: 10, initial_caseload: 10, initial_exit_rate: {rate},"),
        ))
    };
    // 1 − exp(−rate) is exactly 0 for both: nobody would ever leave.
    for rate in ["0", "1e-300"] {
        assert!(with(rate).contains("services.ics.initial_caseload fills every slot for good"), "{rate}");
    }
    // Here it is 2⁻⁵³, the smallest chance the engine's draws can meet.
    assert_eq!(with("1e-16"), "");
}

/// Each week-0 client who leaves costs the engine a draw, so a vast week-0
/// caseload is bounded by how many of it leave during the run, not by its size.
#[test]
fn week_0_clients_are_bounded_by_how_many_leave() {
    let bau = |staff: u32, rate: &str| {
        problems(&minimal().replace(
            "\"bau\": (case_managers_per_site: 2,",
            &format!(
                "\"bau\": (case_managers_per_site: {staff}, initial_caseload: 1000000, initial_exit_rate: {rate},"
            ),
        ))
    };
    // 2 sites × 100 × a million clients, 73 calendar weeks: 1 − e^(−0.73) of
    // them, 103.6 million, would leave; at rate 1e-9, 15.
    assert_eq!(
        bau(100, "0.01"),
        "x.ron: 1 problem in the scenario:\n  - services expect 103618202 week-0 clients to leave over 73 calendar \
         weeks (sites × case_managers_per_site × initial_caseload × (1 − exp(−initial_exit_rate × weeks)), summed \
         over services); at most 50000000 are supported"
    );
    assert_eq!(bau(100, "1e-9"), "");
    assert_eq!(bau(2, "0.01"), "");
    // Counted only from accepted values: a refused rate adds no second
    // message, nor hides the count.
    let p = bau(100, "-0.5");
    assert!(p.starts_with("x.ron: 1 problem") && p.contains("initial_exit_rate is a weekly rate"), "{p}");
}

#[test]
fn an_enrolment_that_expects_nobody_is_an_error() {
    let text = minimal().replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 10, weekly: [0, 0])");
    assert!(problems(&text).contains("enrolment.weekly expects no arrivals at all"));
    // Fewer than 2 expected, like a Total of fewer than 2, is no trial; 2 is.
    let weekly = |rates: &str| problems(&minimal().replace("Total(n: 200, weeks: 20)", rates));
    assert!(
        weekly("PerSite(weeks: 3, weekly: [0.5, 0.1])")
            .contains("enrolment.weekly expects 1.8 arrivals in all (Σ weekly × weeks); a trial needs at least 2"),
    );
    assert_eq!(weekly("PerSite(weeks: 4, weekly: [0.25, 0.25])"), "");
    // 5 × (0.05 + 0.35) sums to 1.9999999999999998 in floating point: 2 as shown.
    assert_eq!(weekly("PerSite(weeks: 5, weekly: [0.05, 0.35])"), "");
    // With a rate or the weeks refused, the count is unknown: one message.
    for rates in ["PerSite(weeks: 0, weekly: [1, 1])", "PerSite(weeks: 1, weekly: [-1, 0.5])"] {
        assert!(weekly(rates).starts_with("x.ron: 1 problem"), "{rates}: {}", weekly(rates));
    }
}

/// A mistake in one value is one message: the rules that depend on that
/// value are not checked again with it, and the message says which half of
/// an intensity point is wrong. Before, a bad weight also said that the
/// eligibility rules admit nobody, a log-normal's `max: -1` also that
/// `min` (never written) must be below it, and a NaN at 0 hours also that
/// the response there must be 0.
#[test]
fn one_mistake_in_a_weight_bound_curve_point_or_score_is_one_message() {
    let bau_curve = "intensity: Saturating(half: 0.5)),";
    let cases = [
        (
            "benefit_type: (work_ready: 1)",
            "benefit_type: (work_ready: -1)",
            "population.benefit_type.work_ready is a weight and must not be negative (got -1)",
        ),
        (
            "health: (no_condition: 1)",
            "health: (no_condition: NaN)",
            "population.health.no_condition must be a finite number (got NaN)",
        ),
        (
            "weeks_on_benefit: Fixed(52)",
            "weeks_on_benefit: LogNormal(median: 52, sigma: 0.5, max: -1)",
            "population.weeks_on_benefit.max must be positive for a log-normal (got -1)",
        ),
        (
            "weeks_on_benefit: Fixed(52)",
            "weeks_on_benefit: Normal(mean: 52, sd: 5, max: NaN)",
            "population.weeks_on_benefit.max must be a number (got NaN); leave it out for no bound",
        ),
        (
            bau_curve,
            "intensity: Piecewise([(0, NaN), (2, 0.5)])),",
            "services.bau.intensity[0] response must be a finite number (got NaN)",
        ),
        (
            bau_curve,
            "intensity: Piecewise([(inf, 0.5)])),",
            "services.bau.intensity[0] hours must be a finite number (got inf)",
        ),
        (
            bau_curve,
            "intensity: Piecewise([(0, 2), (2, 0.5)])),",
            "services.bau.intensity[0] response must be in [0, 1) (got 2)",
        ),
        (
            "effects: (progress",
            "fidelity: Ips25(score: 90, zero_at: NaN, full_at: 100), effects: (progress",
            "services.ics.fidelity.zero_at must be a finite number (got NaN)",
        ),
    ];
    for (from, to, message) in cases {
        let text = minimal().replacen(from, to, 1);
        assert_ne!(text, minimal(), "{from} is not in minimal.ron");
        assert_eq!(problems(&text), format!("x.ron: 1 problem in the scenario:\n  - {message}"), "{to}");
    }
    // Both bounds written, both positive, in the wrong order: still refused.
    let text = minimal().replace(
        "weeks_on_benefit: Fixed(52)",
        "weeks_on_benefit: LogNormal(median: 52, sigma: 0.5, min: 60, max: 10)",
    );
    reports(&problems(&text), &["population.weeks_on_benefit needs min < max (got min 60, max 10)"]);
}

#[test]
fn arms_fall_back_on_the_control_arms_fallback() {
    // Control: ICS with BAU as fallback; the other arm declares no fallback.
    let text = minimal()
        .replace(
            r#"(name: "bau", service: "bau", control: true)"#,
            r#"(name: "ctl", service: "ics", fallback: "bau", control: true)"#,
        )
        .replace(r#"(name: "ics", service: "ics")"#, r#"(name: "plain", service: "bau")"#);
    let m = common::model_from(&text);
    let bau = m.services.iter().position(|s| s.name == "bau").unwrap();
    assert!(m.arms.iter().all(|a| a.fallback == bau));
}

#[test]
fn weights_and_ratios_whose_sum_overflows_are_errors() {
    // Each is finite, but randomisation and normalisation divide by the sum.
    let text = minimal()
        .replace("starting_stage: [0.6, 0.4]", "starting_stage: [1e308, 1e308]")
        .replace(r#"(name: "North")"#, r#"(name: "North", weight: 1e308)"#)
        .replace(r#"(name: "South")"#, r#"(name: "South", weight: 1e308)"#)
        .replace(r#"service: "ics")"#, r#"service: "ics", ratio: 1e308)"#)
        .replace("control: true)", "control: true, ratio: 1e308)");
    let p = problems(&text);
    for path in ["population.starting_stage has weights", "sites has weights", "arms have ratios"] {
        assert!(p.contains(&format!("{path} whose sum overflows")), "{path}: {p}");
    }
    assert!(p.starts_with("x.ron: 3 problems"), "{p}");
}

#[test]
fn a_list_too_long_still_has_its_entries_checked_up_to_its_length() {
    // Two stages: the third weight is past the last stage, the first is negative.
    let p = problems(&minimal().replace("starting_stage: [0.6, 0.4]", "starting_stage: [-1, 0.4, 0.3]"));
    assert!(p.contains("population.starting_stage needs one weight per stage (2) (got 3)"), "{p}");
    assert!(p.contains("population.starting_stage[0] is a weight and must not be negative (got -1)"), "{p}");
    assert!(!p.contains("starting_stage[2]"), "{p}");
}

#[test]
fn rates_multipliers_and_benefit_rates_have_an_upper_bound() {
    // Each is finite, but a product of them in the engine would not be: a rate
    // that overflows stops a life's clock without a word.
    let text = minimal()
        .replace("job: 0.002,", "job: 1.7e308,")
        .replace("job: All(1.5)", "job: All(1e300)")
        .replace("work_ready: 210.13", "work_ready: 1e80");
    let p = problems(&text);
    reports(
        &p,
        &[
            "stages[0].job is a weekly rate and must be at most 1000000 (got 1.7e308)",
            "services.ics.effects.job is a rate multiplier and must be at most 1000000 (got 1e300)",
            "benefit_rates.work_ready must be at most 1000000 a week (got 1e80)",
        ],
    );
    // The bounds themselves are accepted.
    let text = minimal()
        .replace("job: 0.002,", "job: 1e6,")
        .replace("job: All(1.5)", "job: All(1e6)")
        .replace("work_ready: 210.13", "work_ready: 1e6");
    assert_eq!(problems(&text), "");
}

#[test]
fn every_rule_shows_very_large_and_very_small_numbers_in_exponent_form() {
    // Written out, -1e20 would be 21 digits and -1e-20 twenty zeros.
    let text = minimal()
        .replace("age: Uniform(min: 18, max: 39)", "age: Uniform(min: 1e20, max: 1e-20)")
        .replace("intensity: Saturating(half: 0.5)),", "intensity: Saturating(half: -1e-20)),")
        .replace(r#"service: "ics")"#, r#"service: "ics", ratio: -1e20)"#);
    reports(
        &problems(&text),
        &[
            "population.age needs min ≤ max (got min 1e20, max 1e-20)",
            "services.bau.intensity.half must be positive hours per client per week (got -1e-20)",
            "arms[1].ratio must be positive (got -1e20)",
        ],
    );
    // Everyday sizes are written as they are.
    let text = minimal().replace(r#"service: "ics")"#, r#"service: "ics", ratio: -0.000005)"#);
    reports(&problems(&text), &["arms[1].ratio must be positive (got -0.000005)"]);
}

#[test]
fn a_stage_may_not_take_the_column_of_another_share() {
    for name in ["Employed", "other exit", "WAITLISTED", "In service"] {
        let text = minimal().replace(r#"(name: "Job search","#, &format!(r#"(name: "{name}","#));
        let p = problems(&text);
        assert!(p.contains("stages[1].name must not be Employed, Other exit, Waitlisted or In service"), "{name}: {p}");
    }
}

#[test]
fn names_with_control_characters_are_errors_shown_escaped() {
    // A line feed or an escape sequence in a name would break the listing of
    // problems one per line, or drive the terminal.
    let text = minimal()
        .replace(
            r#""ics": (case_managers_per_site: 1, caseload_cap: 20,"#,
            r#""i\n\u{1b}[31m": (case_managers_per_site: 1, caseload_cap: 0,"#,
        )
        .replace(r#"service: "ics""#, r#"service: "i\n\u{1b}[31m""#)
        .replace(r#"name: "minimal""#, r#"name: "red\u{7}""#)
        .replace(r#"(name: "North")"#, r#"(name: "No\trth")"#)
        .replace(r#"(name: "Engagement","#, r#"(name: "Engage\rment","#);
    let p = problems(&text);
    reports(
        &p,
        &[
            r#"- name must not contain control characters or invisible format characters (got "red\u{7}")"#,
            r#"- stages[0].name must not contain control characters or invisible format characters (got "Engage\rment")"#,
            r#"- sites[0].name must not contain control characters or invisible format characters (got "No\trth")"#,
            r#"- services."i\n\u{1b}[31m" must not contain control characters or invisible format characters (got "i\n\u{1b}[31m")"#,
            r#"- services."i\n\u{1b}[31m".caseload_cap must be at least 1 (got 0)"#,
        ],
    );
    assert!(!p.chars().any(|ch| ch.is_control() && ch != '\n'), "{p:?}");
    assert_eq!(p.lines().count(), 6, "{p}");
    // So are the invisible ones that reorder or hide text around them.
    let text = minimal().replace(r#"(name: "North")"#, "(name: \"No\u{202e}rth\u{200b}\")");
    reports(
        &problems(&text),
        &[
            r#"- sites[0].name must not contain control characters or invisible format characters (got "No\u{202e}rth\u{200b}")"#,
        ],
    );
    // And those that look like nothing or break a line without being
    // control characters: two sites "North" and "\u{61c}North" would look the same.
    for ch in ['\u{61c}', '\u{180e}', '\u{2028}', '\u{2029}'] {
        let text = minimal().replace(r#"(name: "North")"#, &format!("(name: \"{ch}North\")"));
        let p = problems(&text);
        assert!(p.contains("sites[0].name must not contain control characters or invisible format characters"), "{p}");
        assert!(p.contains("1 problem") && !p.contains(ch), "shown escaped: {p:?}");
    }
}

#[test]
fn service_names_that_are_not_plain_words_are_quoted_in_field_paths() {
    // Unquoted, `services.a.b.caseload_cap` would read as a field b of a service a.
    for (name, shown) in [("a.b", r#""a.b""#), ("i cs", r#""i cs""#), ("", r#""""#), ("ics-2_b", "ics-2_b")] {
        let text = minimal()
            .replace(
                r#""ics": (case_managers_per_site: 1, caseload_cap: 20,"#,
                &format!(r#""{name}": (case_managers_per_site: 1, caseload_cap: 0,"#),
            )
            .replace(r#"service: "ics""#, &format!(r#"service: "{name}""#));
        let p = problems(&text);
        assert!(p.contains(&format!("- services.{shown}.caseload_cap must be at least 1 (got 0)")), "{name}: {p}");
    }
}

#[test]
fn long_names_are_cut_in_messages() {
    // A message quotes at most 60 characters of a name, however long.
    let long = "x".repeat(100_000);
    let text = minimal()
        .replace(r#"reentry_stage: "Job search""#, &format!(r#"reentry_stage: "{long}""#))
        .replace(
            r#""ics": (case_managers_per_site: 1, caseload_cap: 20,"#,
            &format!(r#""{long}": (case_managers_per_site: 1, caseload_cap: 0,"#),
        )
        .replace(r#"service: "ics""#, &format!(r#"service: "{long}""#));
    let p = problems(&text);
    let shown = format!("\"{}\"… (100000 characters)", "x".repeat(60));
    assert!(p.contains(&format!("- job_loss.reentry_stage names no stage (got {shown}; stages are")), "{p}");
    assert!(p.contains(&format!("- services.{shown}.caseload_cap must be at least 1 (got 0)")), "{p}");
    assert!(p.len() < 1_000, "{} bytes", p.len());
}

#[test]
fn names_that_r_or_pandas_read_as_missing_are_errors() {
    // Arms, sites and stages are written as values in the CSV files, where
    // these would read back as missing and lose the evaluator's groups.
    let text = minimal()
        .replace(r#"(name: "ics", service: "ics")"#, r#"(name: "NA", service: "ics")"#)
        .replace(r#"(name: "North")"#, r#"(name: "")"#)
        .replace(r#"(name: "South")"#, r##"(name: "#N/A")"##)
        .replace(r#"(name: "Engagement","#, r#"(name: "None","#);
    let p = problems(&text);
    let why = "is written as a value in the CSV files, where R's read.csv or pandas' read_csv would read";
    reports(
        &p,
        &[
            &format!(r#"- arms[1].name {why} "NA" as missing; choose another name"#),
            &format!(r#"- sites[0].name {why} "" as missing"#),
            &format!(r##"- sites[1].name {why} "#N/A" as missing"##),
            &format!(r#"- stages[0].name {why} "None" as missing"#),
        ],
    );
    // A name that is not a value any of them misses, and one rule per name.
    assert_eq!(p.lines().count(), 5, "{p}");
    assert_eq!(
        problems(&minimal().replace(r#"(name: "ics", service: "ics")"#, r#"(name: "NAN", service: "ics")"#)),
        ""
    );
}

#[test]
fn a_covariate_without_a_coefficient_cannot_make_a_multiplier_nan() {
    // age − reference.age is infinite, but no transition has an age coefficient.
    let text = minimal()
        .replace("age: Uniform(min: 18, max: 39)", "age: Fixed(1e308)")
        .replace("benefit_type: (work_ready: 1),", "benefit_type: (work_ready: 1), reference: (age: -1e308),");
    assert_eq!(problems(&text), "");
    // With a coefficient, the multiplier is refused.
    let text = text.replace("enrolment:", "transitions: (job: (age: 0.01)),\n    enrolment:");
    let p = problems(&text);
    assert!(
        p.contains("transitions.job.age makes a term, age, that runs from inf to inf over the covariates the population can draw; each term must stay within ±1e6"),
        "{p}"
    );
}

/// A rate multiplier is bounded over every participant a run can draw (a
/// normal draw reaches `Φ⁻¹(1 − 2⁻⁵³) = 8.2095` SDs), each term at the end
/// of its covariate's range that raises it: ages N(30, 2²) up to 30 + 2·8.2095
/// with an age coefficient of 22 (reference age 25) reach `22·21.42 = 471.2`;
/// a readiness loading of 1 adds 8.2; ages bounded at 35 reach `22·10 = 220`,
/// plus 8.2, below `ln 1e100 = 230.26`, and pass. A run's first participants would
/// rarely show it: about one in 320 of these has an age above 35.47.
#[test]
fn rate_multipliers_that_a_draw_could_push_past_the_limit_are_errors() {
    let text = minimal()
        .replace("age: Uniform(min: 18, max: 39)", "age: Normal(mean: 30, sd: 2)")
        .replace("enrolment:", "transitions: (job: (age: 22, loading: 1)),\n    enrolment:");
    reports(
        &problems(&text),
        &[
            "transitions.job lets a participant's rate multiplier exp(β·x + ℓ·u) reach e^479.4, where at most e^230.26 (1e100) is \
           allowed, for covariates the population can draw (its terms at their largest: age 471.2, loading × readiness 8.2); \
           lower the coefficients or the loading, or narrow the distributions (min and max)",
        ],
    );
    // Reported beside a problem in a field the bound does not read, not
    // after it is fixed.
    let p = problems(&text.replace("replicates: 20", "replicates: 0"));
    assert!(p.starts_with("x.ron: 2 problems") && p.contains("transitions.job lets a participant's"), "{p}");
    // Not beside one in a field it reads: a bound on draws the run would
    // refuse means nothing.
    let p = problems(&text.replace("sd: 2)", "sd: -2)"));
    assert!(p.starts_with("x.ron: 1 problem") && p.contains("population.age"), "{p}");
    // Nor hidden by one in a part of the population it does not read.
    let p = problems(&text.replace("starting_stage: [0.6, 0.4]", "starting_stage: [0.6, 0.4, 0.1]"));
    assert!(p.starts_with("x.ron: 2 problems") && p.contains("transitions.job lets a participant's"), "{p}");
    let bounded = text.replace("age: Normal(mean: 30, sd: 2)", "age: Normal(mean: 30, sd: 2, max: 35)");
    assert_eq!(problems(&bounded), "");
    // A loading alone: 28 times a readiness of 8.2 passes 230, 28 times 1 not.
    let loading = minimal().replace("enrolment:", "transitions: (job: (loading: 28.1)),\n    enrolment:");
    assert!(problems(&loading).contains("(its terms at their largest: loading × readiness 230.7)"));
    assert_eq!(problems(&loading.replace("28.1", "28")), "");
    // Each term stays within ±1e6: two of 1e300 that cancel would swallow a
    // third of 1.4e18 when added. An effect of −1e6 ("never") is fine.
    let cancelling = minimal().replace(
        "enrolment:",
        "transitions: (job: (age: 1e17, prior_spells: -1e300, benefit_type: (work_ready: -1e300))),\n    enrolment:",
    );
    // Every such term at once, each at its field.
    let p = problems(&cancelling);
    assert!(p.starts_with("x.ron: 3 problems"), "{p}");
    assert!(
        p.contains("transitions.job.age makes a term, age, that runs from -7.00e17 to 1.40e18 over the covariates"),
        "{p}"
    );
    assert!(p.contains("transitions.job.prior_spells makes a term, prior_spells, that runs from"), "{p}");
    assert!(p.contains("transitions.job.benefit_type makes a term, benefit_type, that runs from"), "{p}");
    let never = minimal().replace("enrolment:", "transitions: (job: (health: (no_condition: -1e6))),\n    enrolment:");
    assert_eq!(problems(&never), "");
}

#[test]
fn hours_and_ips25_bounds_keep_intensity_and_fidelity_finite() {
    // hours / caseload + half, and full_at − zero_at, would overflow to inf.
    let text = minimal()
        .replace("hours_per_week: 30,\n                intensity", "hours_per_week: 1e308,\n                intensity")
        .replace(
            "effects: (progress",
            "fidelity: Ips25(score: 90, zero_at: -1e308, full_at: 1e308), effects: (progress",
        );
    let p = problems(&text);
    reports(
        &p,
        &[
            "services.ics.hours_per_week must be from 0 to 1000000 (got 1e308)",
            "services.ics.fidelity.zero_at IPS-25 scores run from 25 to 125",
            "services.ics.fidelity.full_at IPS-25 scores run from 25 to 125",
        ],
    );
}

#[test]
fn the_chance_that_a_quality_draw_stops_a_run_is_known_before_running() {
    use rctsim::trial::{QualityRisk, chance_a_run_stops, quality_risks};
    // Reference values from Python's math module (`tests/reference/quality_risk.py`):
    // q* = ln(1e100)/ln(1e6), z* = (ln q* + σ²/2)/σ, p = erfc(z*/√2)/2,
    // 1 − (1 − p)^(20 × 100).
    let risks = quality_risks(&common::model_from(&common::quality_spread(50, 5.0)));
    let [risk] = &risks[..] else { panic!("one service at risk: {risks:?}") };
    assert_eq!((risk.service.as_str(), risk.case_managers), ("ics", 100));
    let close = |what: &str, x: f64, reference: f64| {
        assert!((x / reference - 1.0).abs() < prec::REORDERED, "{what}: {x} against {reference}");
    };
    close("quality", risk.quality, 16.666666666666668);
    close("SDs", risk.sds, 3.0626821433520073);
    close("per draw", risk.per_draw, 0.0010968146508790492);
    close("a run of 20 replicates", chance_a_run_stops(&risks, 20), 0.8886228606123501);
    // Two services at risk: the run meets neither with the product of their chances.
    let twice = [risk.clone(), QualityRisk { per_draw: 0.01, case_managers: 3, ..risk.clone() }];
    close("two services", chance_a_run_stops(&twice, 20), 1.0 - (1.0 - 0.8886228606123501) * 0.99f64.powi(60));
    // The chance per draw against the draws themselves: quality spread 2
    // passes 100/6 with p = 0.00804858 (z* = 2.4067); 500,000 case managers'
    // draws, within 4 Monte Carlo SE.
    let risks = quality_risks(&common::model_from(&common::quality_spread(50, 2.0)));
    let keyed = rctsim::rng::Keyed::new(1);
    let n = 500_000;
    let above = (0..n).filter(|&m| rctsim::service::quality(&keyed, 0, m, 2.0) > risks[0].quality).count();
    let p = risks[0].per_draw;
    assert!((p / 0.008048575508327226 - 1.0).abs() < prec::REORDERED, "{p}");
    common::within(
        "share of qualities past the bound",
        above as f64 / n as f64,
        p,
        (p * (1.0 - p) / n as f64).sqrt(),
        4.0,
    );
    // No shipped scenario's quality can stop a run: its best draw, 8.2 SDs
    // up, raises no effect near the bound.
    for name in ["ics_trial.ron", "ics_x.ron", "ips.ron", "caseloads.ron"] {
        assert_eq!(quality_risks(&common::model_at(&common::shipped(name))), [], "{name}");
    }
}

#[test]
fn a_run_that_would_meet_such_a_quality_in_a_later_replicate_stops_before_simulating() {
    // Ten case managers of spread 1.5: one in about 230 passes the bound;
    // the first replicate with one is replicate 3.
    let model = common::model_from(&common::quality_spread(5, 1.5));
    let keyed = rctsim::rng::Keyed::new(model.seed);
    let first = (0..).find(|&r| rctsim::trial::cohort(&model, &keyed, r).is_err()).unwrap();
    assert_eq!(first, 3);
    let options = rctsim::trial::RunOptions { replicates: Some(30), ..Default::default() };
    let mut progress = Vec::new();
    let e = rctsim::trial::run_with_progress(&model, &options, |p| progress.push(p)).unwrap_err();
    assert!(matches!(e, RunError::Cohort { replicate: 3, .. }), "{e}");
    assert!(progress.is_empty(), "no replicate simulated: {progress:?}");
}

#[test]
fn a_case_manager_whose_quality_raises_an_effect_past_the_limit_is_an_error() {
    // Quality spread 2 over 2,000 case managers: an effect of 1e6 passes 1e100
    // at q > 100/6 = e^2.81, that is for w = 2z − 2 with z > 2.41, which one
    // case manager in 125 reaches (none of 2,000 with chance 1e-7).
    let text = common::quality_spread(1000, 2.0);
    let model = common::model_from(&text);
    let Err(RunError::Cohort { replicate, cause }) = rctsim::trial::check_scenario_case_managers(&model) else {
        panic!("a quality past the bound")
    };
    let e = cause.to_string();
    assert_eq!(replicate, 0, "{e}");
    assert!(e.starts_with("services.ics: case manager "), "{e}");
    assert!(e.contains(" at site \"North\" (numbered from 0) has quality ") || e.contains(" at site \"South\""), "{e}");
    assert!(e.contains("above 1e100; lower quality_sd or the effects"), "{e}");
    // A service name that is not a plain word is quoted in the path, as
    // validation quotes it.
    let dotted = text.replace("\"ics\": (", "\"ics.x\": (").replace("service: \"ics\"", "service: \"ics.x\"");
    let model = scenario::parse(dotted.as_bytes(), Path::new("x.ron")).unwrap_or_else(|e| panic!("{e}"));
    let Err(RunError::Cohort { cause, .. }) = rctsim::trial::check_scenario_case_managers(&model) else {
        panic!("a quality past the bound")
    };
    let e = cause.to_string();
    assert!(e.starts_with("services.\"ics.x\": case manager "), "{e}");
    // The same spread with an effect that no quality a run can draw (at
    // most e^(2·8.21 − 2) = 1.83e6) raises to the limit is fine: 1.0001^1.83e6 = e^183.
    let model = scenario::parse(text.replace("All(1e6)", "All(1.0001)").as_bytes(), Path::new("x.ron")).unwrap();
    assert!(rctsim::trial::check_scenario_case_managers(&model).is_ok());
    assert_eq!(rctsim::trial::quality_risks(&model), []);
}

/// `validate` draws at most `MAX_PREFLIGHT_DRAWS` case-manager qualities
/// (about ten seconds): beyond, it says they were not checked, instead of
/// taking hours over a small file (a run still draws them before simulating).
#[test]
fn validate_draws_a_bounded_number_of_qualities_and_says_when_it_did_not_draw_them() {
    use rctsim::trial::{MAX_PREFLIGHT_DRAWS, preflight};
    // 2,000 case managers at risk, one in 125 past the bound (see above):
    // at the bound's 50,000 replicates the draws are made, and replicate 0 fails.
    let text = common::quality_spread(1000, 2.0);
    let replicates = |n: u64| common::model_from(&text.replace("replicates: 20,", &format!("replicates: {n},")));
    assert_eq!(MAX_PREFLIGHT_DRAWS, 2_000 * 50_000);
    let e = preflight(&replicates(50_000)).unwrap_err();
    assert_eq!(e.replicates, 50_000);
    assert!(matches!(e.cause, RunError::Cohort { replicate: 0, .. }), "{}", e.cause);
    // One replicate more: not drawn, and said so, beside the chance at another seed.
    let warnings = preflight(&replicates(50_001)).unwrap();
    assert!(
        warnings.iter().any(|w| w
            == "its case managers' quality draws at its seed were not checked: 100002000 draws (50001 replicates \
                × 2000 case managers whose quality could pass the bound) are more than the 100000000 checked \
                without running; a run makes them before simulating and stops at the first past the bound"),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.starts_with("a case manager's quality can raise")), "{warnings:?}");
}

#[test]
fn a_leading_byte_order_mark_is_ignored() {
    assert_eq!(problems(&format!("\u{feff}{}", minimal())), "");
}

#[test]
fn a_distribution_must_draw_finite_numbers() {
    let age = |d: &str| problems(&minimal().replace("age: Uniform(min: 18, max: 39)", &format!("age: {d}")));
    let p = age("Uniform(min: -1e308, max: 1e308)");
    assert!(p.contains("population.age needs max − min to be a finite number (got min -1e308, max 1e308)"), "{p}");
    let p = age("Normal(mean: 30, sd: 1e307)");
    assert!(
        p.contains("population.age must draw finite numbers (got draws from -inf to inf): a draw can fall 40 SDs"),
        "{p}"
    );
    // A bound so far from the mean that it is no finite number of SDs away
    // is drawn every time, as a range far from the mean draws its nearest bound.
    assert_eq!(age("Normal(mean: 0, sd: 1e-310, min: 20, max: 30)"), "");
    assert_eq!(age("Normal(mean: 50, sd: 1e-310, min: 20, max: 30)"), "");
    let p = age("LogNormal(median: 30, sigma: 100)");
    assert!(p.contains("population.age must draw finite numbers (got draws from 0 to inf): the log of a draw"), "{p}");
    // Bounds keep the same parameters' draws finite; so does a span that fits.
    for d in [
        "Normal(mean: 30, sd: 1e307, min: 18, max: 39)",
        "LogNormal(median: 30, sigma: 100, min: 18, max: 39)",
        "Uniform(min: 1e308, max: 1.7e308)",
    ] {
        let p = age(d);
        assert!(!p.contains("population.age"), "{d}: {p}");
    }
}

/// The problems of the minimal scenario with these distributions of age and
/// age at first benefit, and these eligibility rules.
fn with_ages(age: &str, first: &str, rules: &str) -> String {
    problems(
        &minimal()
            .replace("age: Uniform(min: 18, max: 39)", &format!("age: {age}"))
            .replace("age_first_benefit: Uniform(min: 16, max: 19)", &format!("age_first_benefit: {first}"))
            .replace("starting_stage: [0.6, 0.4],", &format!("starting_stage: [0.6, 0.4], eligibility: {rules},")),
    )
}

/// Bounds that touch the ages drawn, or pass them by a rounding, admit no
/// one or almost no one: refused with the share, where a run would search
/// for each participant and fail. So are rules far out in a distribution's
/// tail. A share just above 1 in 1,000 is kept: ages uniform on [18, 39] of
/// at most 18.0211 (by hand `0.0211 / 21`, 1 in 995; 18.02 is 1 in 1,050).
#[test]
fn age_rules_that_admit_almost_nobody_are_errors() {
    let uniform = "Uniform(min: 18, max: 39)";
    for (age, first, rules) in [
        (uniform, "Uniform(min: 16, max: 19)", "(min_age: 39.00000001)"),
        (uniform, "Uniform(min: 16, max: 19)", "(min_age: 25, max_age: 25)"),
        // Bounds that touch admit the one value where they meet.
        (uniform, "Fixed(39)", "(min_age: 39)"),
        (uniform, "Uniform(min: 16, max: 19)", "(max_age: 18, max_age_first_benefit: 16)"),
        // Possible under the distributions, but beyond the 8.2 SDs that
        // inversion of uniforms of at least 2⁻⁵³ reaches: no candidate.
        ("Normal(mean: 30, sd: 2)", "Fixed(100)", "()"),
        ("Normal(mean: 30, sd: 2)", "Normal(mean: 17, sd: 1)", "(max_age: 0)"),
        ("LogNormal(median: 30, sigma: 0.1)", "Fixed(3)", "(max_age: 3)"),
        (uniform, "Fixed(16)", "(max_age: 18.02)"),
    ] {
        let p = with_ages(age, first, rules);
        assert!(p.contains("population.eligibility admits "), "{age}, {first}, {rules}: {p}");
        assert!(p.contains("at least 1 in 1000 must pass: widen the rules"), "{age}, {first}, {rules}: {p}");
        assert!(!p.contains("admits no age") && !p.contains("must allow values"), "{age}, {first}, {rules}: {p}");
    }
    assert!(with_ages(uniform, "Fixed(16)", "(max_age: 18.02)").contains("admits about 1 candidate in 1050 of those"));
    // Just under the limit, where three digits would say 1 in 1000: 21 / 0.02099.
    assert!(with_ages(uniform, "Fixed(16)", "(max_age: 18.02099)").contains("admits about 1 candidate in 1000.5 of"));
    // A category of weight 1e-310 (normalised, a subnormal number): 1 in
    // more than the largest double, shown as that.
    let p = problems(
        &minimal().replace("benefit_type: (work_ready: 1),", "benefit_type: (work_ready: 1e-310, other: 1),").replace(
            "starting_stage: [0.6, 0.4],",
            "starting_stage: [0.6, 0.4], eligibility: (benefit_types: [WorkReady]),",
        ),
    );
    assert!(p.contains("admits about 1 candidate in 1.80e308 of those"), "{p}");
    // A share far below 10⁻⁴ bounded too loosely for three digits: 1 in 2.78e17
    // (mpmath), said as at most its upper bound.
    let p = with_ages(uniform, "Normal(mean: 30, sd: 1)", "(max_age: 22)");
    assert!(p.contains("admits at most 1 candidate in 8.43e15 of those"), "{p}");
    // Reported beside a problem elsewhere in the population.
    let text = minimal().replace(
        "starting_stage: [0.6, 0.4],",
        "starting_stage: [0.6, 0.4], readiness_sd: -1, eligibility: (max_age: 18.01),",
    );
    let p = problems(&text);
    assert!(p.starts_with("x.ron: 2 problems") && p.contains("population.readiness_sd must not be negative"), "{p}");
    assert!(p.contains("population.eligibility admits about 1 candidate in "), "{p}");
    assert_eq!(with_ages(uniform, "Fixed(16)", "(max_age: 18.0211)"), "");
}

#[test]
fn age_rules_no_candidate_can_pass_are_errors() {
    let uniform = "Uniform(min: 18, max: 39)";
    let p = with_ages(uniform, "Uniform(min: 39.5, max: 50)", "()");
    assert!(p.contains("population.age_first_benefit must allow values at or below population.age"), "{p}");
    let p = with_ages(uniform, "Uniform(min: 16, max: 19)", "(min_age: 40)");
    assert!(p.contains("population.eligibility.min_age admits no age population.age can draw (got 40; "), "{p}");
    let p = with_ages(uniform, "Uniform(min: 16, max: 19)", "(max_age: 17)");
    assert!(p.contains("population.eligibility.max_age admits no age population.age can draw (got 17; "), "{p}");
    let p = with_ages(uniform, "Uniform(min: 16, max: 19)", "(max_age_first_benefit: 15)");
    assert!(p.contains("population.eligibility.max_age_first_benefit admits no age at first benefit"), "{p}");
    // Ages up to 60 could follow a first benefit at 40, but not ages up to max_age.
    let p = with_ages("Uniform(min: 18, max: 60)", "Fixed(40)", "(max_age: 30)");
    assert!(p.contains("population.eligibility.max_age admits only ages below every age at first benefit"), "{p}");
    // A normal without bounds never draws 40 SDs from its mean.
    let p = with_ages("Normal(mean: 30, sd: 2)", "Fixed(111)", "()");
    assert!(
        p.contains("(got Fixed(111), never below 111, and population.age Normal(mean: 30, sd: 2), never above 110)")
    );
}

/// `n` entries made by `entry`, as a RON list.
fn list(n: usize, entry: impl Fn(usize) -> String) -> String {
    format!("[{}]", (0..n).map(entry).collect::<Vec<_>>().join(", "))
}

#[test]
fn a_list_over_its_limit_is_reported_once_not_entry_by_entry() {
    const ARMS: &str = r#"arms: [
        (name: "bau", service: "bau", control: true),
        (name: "ics", service: "ics"),
    ]"#;
    let stages = minimal().find("stages: [").unwrap()..minimal().find("job_loss:").unwrap();
    // Every entry of each list also breaks a rule of its own, or repeats another.
    let cases = [
        ("horizons", minimal().replace("horizons: [26, 52]", &format!("horizons: {}", list(20_000, |_| "0".into())))),
        ("stages", {
            let mut text = minimal();
            text.replace_range(
                stages,
                &format!("stages: {},\n    ", list(20_000, |_| r#"(name: "S", progress: -1)"#.into())),
            );
            text
        }),
        (
            "arms",
            minimal().replace(
                ARMS,
                &format!("arms: {}", list(20_000, |_| r#"(name: "a", service: "no", control: true)"#.into())),
            ),
        ),
        (
            "sites",
            minimal().replace(
                r#"sites: [(name: "North"), (name: "South")]"#,
                &format!("sites: {}", list(20_000, |_| r#"(name: "s", weight: -1)"#.into())),
            ),
        ),
        (
            "return_to_benefit.rates",
            minimal().replace(
                "return_to_benefit: (rates: [(from_week: 0, rate: 0.02)])",
                &format!("return_to_benefit: (rates: {})", list(20_000, |_| "(from_week: 9999, rate: -1)".into())),
            ),
        ),
        (
            "services",
            minimal().replace(
                "services: {",
                &(0..2_000)
                    .map(|i| format!(r#""x{i}": (case_managers_per_site: 0, hours_per_week: -1, intensity: Saturating(half: 0)), "#))
                    .fold("services: {".to_string(), |all, one| all + &one),
            ),
        ),
    ];
    for (field, text) in cases {
        let p = problems(&text);
        assert!(p.contains(&format!("\n  - {field} may list at most ")), "{field}: {p}");
        assert!(p.lines().count() <= 4, "{field}: {p}");
    }
}

#[test]
fn repeats_are_found_in_every_list_that_forbids_them() {
    let p = problems(&minimal().replace("horizons: [26, 52]", "horizons: [26, 52, 26]"));
    assert!(p.contains("horizons[2] repeats an earlier horizon (got 26)"), "{p}");
    let p = problems(&minimal().replace(r#"(name: "Job search""#, r#"(name: "engagement!""#));
    assert!(
        p.contains(r#"stages[1].name must give a column name other than an earlier stage's (got "engagement!", column share_engagement)"#),
        "{p}"
    );
    let p = problems(&minimal().replace(r#"(name: "South")"#, r#"(name: "North")"#));
    assert!(p.contains(r#"sites[1].name repeats an earlier site name (got "North")"#), "{p}");
    let p = problems(&minimal().replace(r#"(name: "ics", service: "ics")"#, r#"(name: "bau", service: "ics")"#));
    assert!(p.contains(r#"arms[1].name repeats an earlier arm name (got "bau")"#), "{p}");
    // Three arms share a service; the two whose fallback differs from the first's are named.
    let p = problems(&minimal().replace(
        r#"(name: "ics", service: "ics"),"#,
        r#"(name: "ics", service: "ics"), (name: "b", service: "ics", fallback: "ics"), (name: "c", service: "ics", fallback: "ics"),"#,
    ));
    assert!(p.starts_with("x.ron: 2 problems"), "{p}");
    assert!(
        p.contains("arms[2].fallback differs from arms[1]'s") && p.contains("arms[3].fallback differs from arms[1]'s")
    );
}

#[test]
fn a_multiplier_for_all_stages_is_checked_once() {
    let p = problems(&minimal().replace("progress: All(1.6)", "progress: All(-1)"));
    assert_eq!(
        p,
        "x.ron: 1 problem in the scenario:\n  - services.ics.effects.progress is a rate multiplier and must be positive (got -1)"
    );
}

#[test]
fn a_long_list_of_problems_is_cut_after_the_first_hundred() {
    // `count` intensity points, each with a response out of range.
    let bad_points = |count: usize| {
        let points = list(count, |k| format!("({}, 1.5)", k + 1));
        problems(&minimal().replacen("intensity: Saturating(half: 0.5)", &format!("intensity: Piecewise({points})"), 1))
    };
    let p = bad_points(300);
    let lines: Vec<&str> = p.lines().collect();
    assert_eq!(lines[0], "x.ron: 300 problems in the scenario:");
    assert_eq!(lines.len(), 1 + rctsim::scenario::MAX_LISTED + 1);
    assert_eq!(lines[1], "  - services.bau.intensity[0] response must be in [0, 1) (got 1.5)");
    assert_eq!(lines.last(), Some(&"  - … and 200 more"));
    // Exactly as many as are listed: all of them, and no "… and 0 more".
    let p = bad_points(rctsim::scenario::MAX_LISTED);
    assert_eq!(p.lines().count(), 1 + rctsim::scenario::MAX_LISTED);
    assert!(p.lines().last().unwrap().ends_with("(got 1.5)"), "{p}");
}

/// The first line of the error for `text`: `x.ron:line:column: message`.
fn parse_error(text: &str) -> String {
    problems(text).lines().next().unwrap_or_default().to_string()
}

/// A missing field and a single value where a list belongs: the messages
/// say what to write, where RON's name the parser's expectation alone
/// ("Unexpected missing field named `weeks` in `Total`", "Expected opening
/// `[`").
#[test]
fn a_missing_field_or_list_says_what_to_write() {
    assert_eq!(
        parse_error(&minimal().replace("Total(n: 200, weeks: 20)", "Total(n: 200)")),
        "x.ron:35:28: `Total` (enrolment) is missing its field `weeks`, which has no default: add `weeks: ...` \
         before the closing `)`"
    );
    // Where the closing line does not show which struct it closes, the path does.
    assert_eq!(
        parse_error(&minimal().replace("caseload_cap: 20, hours_per_week: 30,", "caseload_cap: 20,")),
        "x.ron:29:61: `Service` (services.ics) is missing its field `hours_per_week`, which has no default: add \
         `hours_per_week: ...` before the closing `)`"
    );
    assert_eq!(
        parse_error(&minimal().replace("(name: \"ics\", service: \"ics\")", "(name: \"ics\")")),
        "x.ron:33:21: `Arm` (arms[1]) is missing its field `service`, which has no default: add `service: ...` \
         before the closing `)`"
    );
    assert_eq!(
        parse_error(&minimal().replace("horizons: [26, 52]", "horizons: 52")),
        "x.ron:6:15: Expected opening `[`: a list is written in brackets, even of one value (`horizons: [104]`)"
    );
}

#[test]
fn errors_are_never_placed_inside_a_comment() {
    // A `/*` left open is reported where it opens, not in a later comment,
    // where RON stops reading.
    let open =
        minimal().replace("    seed: 7,", "    /* seed: 7,").replace("    sites:", "    // a comment\n    sites:");
    assert_eq!(parse_error(&open), "x.ron:5:5: Unclosed block comment");
    // A file cut short with a comment on its last line ends after the last
    // thing read, before that comment, with a final line feed or without.
    for end in ["", "\n\n", "\r\n"] {
        let cut = format!("Scenario(\n    name: \"x\", // the name{end}");
        assert_eq!(parse_error(&cut), format!("x.ron:2:15: {FILE_ENDS}"));
    }
    assert_eq!(
        parse_error("// hello"),
        "x.ron:1:9: Expected opening `(` for struct `Scenario`: a `Scenario` is written with its fields in \
         parentheses, `(field: value, ...)` (docs/scenarios.md lists them)"
    );
}

#[test]
fn a_map_key_given_twice_is_located_at_the_repeat() {
    let twice =
        |key: &str| parse_error(&minimal().replace(r#""ics": (case_managers"#, &format!("{key}: (case_managers")));
    assert_eq!(twice(r#""bau""#), r#"x.ron:27:9: "bau" is declared twice"#);
    // Written with an escape or as a raw string, the key is still found whole, and named as read.
    assert_eq!(twice(r#""b\u{61}u""#), r#"x.ron:27:9: "bau" is declared twice"#);
    assert_eq!(twice(r##"r#"bau"#"##), r#"x.ron:27:9: "bau" is declared twice"#);
    // A long name is cut in the message, as in every other.
    let long = "y".repeat(5_000);
    let text = minimal().replace(r#""bau": (case_managers"#, &format!(r#""{long}": (case_managers"#));
    let e = parse_error(&text.replace(r#""ics": (case_managers"#, &format!(r#""{long}": (case_managers"#)));
    assert_eq!(e, format!(r#"x.ron:27:9: "{}"… (5000 characters) is declared twice"#, "y".repeat(60)));
}

#[test]
fn text_after_the_scenario_is_located_where_it_starts() {
    let after = |tail: &str| parse_error(&format!("{}{tail}", minimal().trim_end()));
    assert_eq!(after(" x"), "x.ron:36:3: Non-whitespace trailing characters");
    assert_eq!(after("\n\nextra\n"), "x.ron:38:1: Non-whitespace trailing characters");
    assert_eq!(after(" // note\n/* a ) */ 1"), "x.ron:37:11: Non-whitespace trailing characters");
}

#[test]
fn a_lone_carriage_return_is_refused_where_it_is() {
    const LONE_CR: &str = "a carriage return without a line feed (old Mac line endings): \
                           save the file with LF or CRLF line endings";
    // Old Mac line endings throughout: refused at the end of the first line.
    assert_eq!(parse_error(&minimal().replace('\n', "\r")), format!("x.ron:1:73: {LONE_CR}"));
    // One among line feeds: refused at it, counting the lines before.
    assert_eq!(parse_error(&minimal().replace("seed: 7,\n", "seed: 7,\r")), format!("x.ron:5:13: {LONE_CR}"));
    // At the start of a line: the excerpt still shows it, as a control picture.
    assert_eq!(problems("Scenario(\n\r)"), format!("x.ron:2:1: {LONE_CR}\n     2 | ␍\n       | ^"));
}

#[test]
fn crlf_line_endings_are_read_with_the_same_positions() {
    let crlf = |text: String| text.replace('\n', "\r\n");
    assert_eq!(problems(&crlf(minimal())), "");
    let bad = minimal().replace("seed: 7,", "seed: 7.5,");
    assert_eq!(parse_error(&bad), format!("x.ron:5:12: {DECIMAL}"));
    // The same error, excerpt and all.
    assert_eq!(problems(&crlf(bad.clone())), problems(&bad));
    assert_eq!(parse_error(&crlf(minimal() + " x")), "x.ron:37:2: Non-whitespace trailing characters");
}

#[test]
fn only_a_point_after_the_digits_of_a_whole_number_is_called_a_decimal_point() {
    // Stray text after a whole number, and a point after something else, are
    // a missing comma as RON says.
    assert_eq!(parse_error(&minimal().replace("seed: 7,", "seed: 7x,")), "x.ron:5:12: Expected comma");
    assert_eq!(parse_error(&minimal().replace("[26, 52],", "[26, 52].,")), "x.ron:6:23: Expected comma");
}

/// A comma left off at a line's end is shown there, after the value it
/// should follow (past a comment too), not where RON stopped, at the start
/// of what follows; a bracket left open at the end of the file at the last
/// value read. A comma missing between values on one line is shown at the
/// second, where RON stopped.
#[test]
fn a_comma_missing_at_a_line_end_is_placed_after_the_value_before_it() {
    const AFTER: &str = "Expected comma after this value (or a bracket closing its list), before what follows at";
    assert_eq!(parse_error(&minimal().replace("seed: 7,", "seed: 7")), format!("x.ron:5:12: {AFTER} 6:5"));
    let commented = minimal().replace("seed: 7,", "seed: 7 /* the seed */ // and a note\n\n");
    assert_eq!(parse_error(&commented), format!("x.ron:5:12: {AFTER} 8:5"));
    assert_eq!(problems(&commented.replace('\n', "\r\n")), problems(&commented), "the same with CRLF line ends");
    let stage =
        minimal().replace("other_exit: 0.003),\n        (name: \"Job", "other_exit: 0.003)\n        (name: \"Job");
    assert_eq!(parse_error(&stage), format!("x.ron:8:76: {AFTER} 9:9"));
    // A bracket left open: at the last value read, past a last comment, with
    // a final line feed or without.
    const UNCLOSED: &str =
        "the file ends where a comma or a closing bracket is expected after this value (is a `)` or `]` missing?)";
    let unclosed = minimal().replace("Total(n: 200, weeks: 20),", "Total(n: 200, weeks: 20,");
    assert_eq!(parse_error(&unclosed), format!("x.ron:36:2: {UNCLOSED}"));
    assert_eq!(parse_error(unclosed.trim_end()), format!("x.ron:36:2: {UNCLOSED}"));
    assert_eq!(parse_error(&format!("{}\n// end", unclosed.trim_end())), format!("x.ron:36:2: {UNCLOSED}"));
    assert_eq!(parse_error("Scenario(horizons: [1, 2"), format!("x.ron:1:25: {UNCLOSED}"));
    // Cut after a comma, RON looks for more: the file ends after the comma.
    let cut = minimal().trim_end().strip_suffix(')').unwrap().to_string();
    assert_eq!(parse_error(&cut), format!("x.ron:35:41: {FILE_ENDS}"));
    assert_eq!(parse_error(&format!("{cut} // the end")), format!("x.ron:35:41: {FILE_ENDS}"));
    assert_eq!(
        parse_error(&minimal().replace("job: 0.002,", "job: 0.002")),
        "x.ron:8:57: Expected comma",
        "on one line"
    );
}

#[test]
fn a_number_beyond_the_largest_is_an_error_at_the_number() {
    const RANGE: &str = "is out of range (numbers must lie within ±1.7976931348623157e308)";
    let progress = |value: &str| parse_error(&progress_text(value));
    assert_eq!(progress("1e400"), format!("x.ron:8:40: the number 1e400 {RANGE}"));
    assert_eq!(progress("-1e400"), format!("x.ron:8:40: the number -1e400 {RANGE}"));
    assert_eq!(progress("1_e4_00"), format!("x.ron:8:40: the number 1_e4_00 {RANGE}"));
    // A whole number too long to be finite, cut in the message.
    assert_eq!(
        progress(&format!("1{}", "0".repeat(400))),
        format!("x.ron:8:40: the number 10000000000000000000… {RANGE}")
    );
    // In an optional field; the largest finite number itself is read (and breaks a rule only).
    let eligibility = |rules: &str| {
        minimal().replace("starting_stage: [0.6, 0.4],", &format!("starting_stage: [0.6, 0.4], eligibility: {rules},"))
    };
    assert_eq!(parse_error(&eligibility("(min_age: 1e400)")), format!("x.ron:20:60: the number 1e400 {RANGE}"));
    let p = problems(&eligibility("(min_age: 1.7976931348623157e308)"));
    assert!(p.starts_with("x.ron: 1 problem") && p.contains("min_age admits no age"), "{p}");
    // A syntax error before the number is the one reported, and the number
    // before a syntax error.
    let earlier = minimal().replace("seed: 7,", "seed: 7 x").replace("progress: 0.05", "progress: 1e400");
    assert_eq!(parse_error(&earlier), "x.ron:5:13: Expected comma");
    assert_eq!(parse_error(&(progress_text("1e400") + " x")), format!("x.ron:8:40: the number 1e400 {RANGE}"));
}

/// minimal.ron with the first stage's progress rate written `value`.
fn progress_text(value: &str) -> String {
    minimal().replace("progress: 0.05", &format!("progress: {value}"))
}

#[test]
fn numbers_in_names_and_comments_are_not_numbers() {
    let text = minimal()
        .replace(r#"name: "minimal""#, r##"name: r#"1e400 "# /* 1e400 /* 1e400 */ */"##)
        .replace("// The smallest", "// 1e400 The smallest")
        .replace(r#"(name: "North")"#, r#"(name: "N\"1e400")"#);
    assert_eq!(problems(&text), "");
}

/// What a file that ends before the scenario does is told.
const FILE_ENDS: &str =
    "the file ends before the scenario is complete (is a value, or a closing `)` or `]`, missing after this?)";

/// What a whole number written with a decimal point is told.
const DECIMAL: &str =
    "a whole number is expected here, without a decimal point (a count, a number of weeks or the seed)";
/// What a whole number written with an exponent is told.
const EXPONENT: &str = "a whole number is expected here, written without an exponent (1000, not 1e3; a count, a number of weeks or the seed)";
/// What a negative whole number is told.
const NEGATIVE: &str =
    "a negative number where a whole number of 0 or more is expected (a count, a number of weeks or the seed)";
/// What a whole number too large for its field is told.
const TOO_LARGE: &str = "a whole number too large for its field: the seed may be at most 18446744073709551615, any other whole number 4294967295";

#[test]
fn whole_numbers_too_large_for_their_field_are_errors() {
    assert_eq!(
        parse_error(&minimal().replace("seed: 7", "seed: 18446744073709551616")),
        format!("x.ron:5:11: {TOO_LARGE}")
    );
    let long = format!("1{}", "0".repeat(400));
    assert_eq!(
        parse_error(&minimal().replace("replicates: 20", &format!("replicates: {long}"))),
        format!("x.ron:4:17: {TOO_LARGE}")
    );
    // A signed number is located at its sign, as a number out of range is.
    assert_eq!(parse_error(&minimal().replace("replicates: 20", "replicates: -1")), format!("x.ron:4:17: {NEGATIVE}"));
    assert_eq!(parse_error(&minimal().replace("seed: 7", "seed: +1e30")), format!("x.ron:5:11: {EXPONENT}"));
}

#[test]
fn a_string_without_its_closing_quote_is_located_where_it_opens() {
    // RON reads on to the next quote, five lines down, and stops there.
    let e = parse_error(&minimal().replace(r#"name: "minimal","#, r#"name: "minimal,"#));
    assert_eq!(
        e,
        "x.ron:3:11: this string is not closed on its line (is its closing `\"` missing?); reading on, the parser \
         found at 8:17: Expected comma"
    );
    // A string closed on a later line, then a comma, is not taken for one left open.
    let e = parse_error(
        &minimal().replace(r#"name: "minimal","#, "name: \"mini\nmal\",").replace("seed: 7,", "seed: 7.5,"),
    );
    assert_eq!(e, format!("x.ron:6:12: {DECIMAL}"));
}

#[test]
fn one_mistake_gives_one_message() {
    // An unknown service once made the arm look as if it offered the first
    // service, with a fallback differing from that arm's.
    let p = problems(
        &minimal().replace(r#"(name: "ics", service: "ics")"#, r#"(name: "ics", service: "icz", fallback: "ics")"#),
    );
    assert!(p.starts_with("x.ron: 1 problem") && p.contains("arms[1].service names no service"), "{p}");
    // A horizon or enrolment beyond its bound is not also staff over too many weeks.
    for text in [
        minimal().replace("horizons: [26, 52]", "horizons: [26, 3000000000]"),
        minimal().replace("Total(n: 200, weeks: 20)", "Total(n: 200, weeks: 4000000000)"),
    ] {
        let p = problems(&text);
        assert!(p.starts_with("x.ron: 1 problem") && !p.contains("case managers over"), "{p}");
    }
    // No stages (or too many) is one message, not one for every field
    // naming a stage or holding a value per stage.
    let stages = "    stages: [\n        (name: \"Engagement\", progress: 0.05, job: 0.002, other_exit: 0.003),\n        (name: \"Job search\", regress: 0.01, job: 0.01, other_exit: 0.003),\n    ],";
    assert!(minimal().contains(stages));
    let many: Vec<String> = (0..101).map(|i| format!("(name: \"S{i}\")")).collect();
    for (list, message) in [
        ("stages: [],".to_string(), "stages must list at least one stage"),
        (format!("stages: [{}],", many.join(", ")), "stages may list at most 100 entries (got 101)"),
    ] {
        let text = minimal().replace(stages, &format!("    {list}")).replace(
            "effects: (progress: All(1.6), job: All(1.5))",
            "effects: (progress: PerStage([1.5, 1.2]), job: All(1.5)), \
             navigators: (per_site: 1, clients_per_navigator: 5, max_stage: \"Engagement\")",
        );
        assert_eq!(problems(&text), format!("x.ron: 1 problem in the scenario:\n  - {message}"));
    }
    // An arrival rate has its own bound, not a stage move's.
    let p = problems(&minimal().replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 1, weekly: [1e7, 1])"));
    assert_eq!(
        p,
        "x.ron: 1 problem in the scenario:\n  - enrolment.weekly[0] must be at most 10000 a week (got 10000000)"
    );
    let p = problems(&minimal().replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 1, weekly: [inf, 1])"));
    assert_eq!(p, "x.ron: 1 problem in the scenario:\n  - enrolment.weekly[0] must be a finite number (got inf)");
    let p = problems(&minimal().replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 1, weekly: [-1, 1])"));
    assert_eq!(
        p,
        "x.ron: 1 problem in the scenario:\n  - enrolment.weekly[0] is a weekly rate and must not be negative (got -1)"
    );
    // A rate past the limit is told of once, not again in a total of 21
    // digits (or inf) past the participants supported.
    for (rates, got) in [("[1e20, 1]", "1e20"), ("[1.7976931348623157e308, 1]", "1.7976931348623157e308")] {
        let p =
            problems(&minimal().replace("Total(n: 200, weeks: 20)", &format!("PerSite(weeks: 100, weekly: {rates})")));
        assert_eq!(
            p,
            format!(
                "x.ron: 1 problem in the scenario:\n  - enrolment.weekly[0] must be at most 10000 a week (got {got})"
            )
        );
    }
}

/// Every bound is inclusive: a value exactly at each limit is accepted (the
/// messages beyond each are tested above and in `tests/cli.rs`).
#[test]
fn a_value_at_each_limit_is_accepted() {
    let horizons: Vec<String> = (1..100).map(|h| h.to_string()).chain(["2000".into()]).collect();
    let pieces: Vec<String> = (0..=5000).map(|w| format!("(from_week: {w}, rate: 0.02)")).collect();
    let stages: Vec<String> = (2..100).map(|i| format!("(name: \"S{i}\")")).collect();
    let cases = [
        // 100 horizons, the last of them 2000 weeks.
        vec![("horizons: [26, 52]", format!("horizons: [{}]", horizons.join(", ")))],
        // 100 stages.
        vec![(
            "(name: \"Job search\", regress: 0.01, job: 0.01, other_exit: 0.003),",
            format!("(name: \"Job search\", regress: 0.01, job: 0.01, other_exit: 0.003), {},", stages.join(", ")),
        ), ("starting_stage: [0.6, 0.4]", format!("starting_stage: [0.6, 0.4{}]", ", 0".repeat(98)))],
        // 5001 pieces, the last from week 5000.
        vec![(
            "rates: [(from_week: 0, rate: 0.024), (from_week: 13, rate: 0.016)]",
            format!("rates: [{}]", pieces.join(", ")),
        )],
        vec![("Total(n: 200, weeks: 20)", "Total(n: 2, weeks: 5000)".into())],
        vec![("Total(n: 200, weeks: 20)", "Total(n: 50000000, weeks: 20)".into())],
        // 10000 a week at one site for 5000 weeks: 50 million arrivals.
        vec![("Total(n: 200, weeks: 20)", "PerSite(weeks: 5000, weekly: [10000, 0])".into())],
        // 100,000 case managers in all: 10 sites of 9,999 + 1.
        vec![
            (TWO_SITES, ten_sites()),
            ("\"bau\": (case_managers_per_site: 2,", "\"bau\": (case_managers_per_site: 9999,".into()),
        ],
        // 10,000 case managers over 4,947 + 52 + 1 calendar weeks: 50 million.
        vec![
            ("\"bau\": (case_managers_per_site: 2,", "\"bau\": (case_managers_per_site: 4999,".into()),
            ("Total(n: 200, weeks: 20)", "Total(n: 200, weeks: 4947)".into()),
        ],
        vec![("caseload_cap: 20,", "caseload_cap: 20, quality_sd: 10,".into())],
        // Week-0 clients who never leave, below the cap (5 + 5 < 20).
        vec![("caseload_cap: 20,", "caseload_cap: 20, background_caseload: 5, initial_caseload: 5,".into())],
        vec![("age: Uniform(min: 18, max: 39)", "age: Uniform(min: 25, max: 25)".into())],
        // A fixed age on the bounds.
        vec![
            ("age: Uniform(min: 18, max: 39)", "age: Fixed(25)".into()),
            ("starting_stage: [0.6, 0.4],", "starting_stage: [0.6, 0.4], eligibility: (min_age: 25, max_age: 25),".into()),
        ],
        vec![(
            "starting_stage: [0.6, 0.4],",
            "starting_stage: [0.6, 0.4], reference: (age: 30, age_first_benefit: 18, weeks_on_benefit: 0, prior_spells: 1),"
                .into(),
        )],
    ];
    for edits in cases {
        assert_eq!(problems(&edited(&edits)), "", "{:?}", edits.iter().map(|e| cut_long(&e.1)).collect::<Vec<_>>());
    }
}

/// The start of a long edit, for a failure message.
fn cut_long(s: &str) -> String {
    s.chars().take(80).collect()
}

/// `minimal.ron` with each `(from, to)` edit made once; each `from` must be there.
fn edited<S: AsRef<str>>(edits: &[(&str, S)]) -> String {
    let mut text = minimal();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} is not in minimal.ron");
        text = text.replacen(from, to.as_ref(), 1);
    }
    text
}

/// `minimal.ron`'s sites, and ten in their place.
const TWO_SITES: &str = "sites: [(name: \"North\"), (name: \"South\")]";

fn ten_sites() -> String {
    let names: Vec<String> = (0..10).map(|i| format!("(name: \"Site{i}\")")).collect();
    format!("sites: [{}]", names.join(", "))
}

fn one_problem(message: &str) -> String {
    format!("x.ron: 1 problem in the scenario:\n  - {message}")
}

/// Rules each met by one mistake, with the one message it gives.
#[test]
fn each_rule_names_its_field_and_value() {
    let bau_curve = "intensity: Saturating(half: 0.5)),";
    let cases = [
        (
            "caseload_cap: 20,",
            "caseload_cap: 20, quality_sd: -1,",
            "services.ics.quality_sd must not be negative (got -1)",
        ),
        (
            "starting_stage: [0.6, 0.4],",
            "starting_stage: [0.6, 0.4], readiness_sd: -0.5,",
            "population.readiness_sd must not be negative (got -0.5)",
        ),
        (
            "starting_stage: [0.6, 0.4],",
            "starting_stage: [0.6, 0.4], readiness_sd: 1e307,",
            "population.readiness_sd must draw finite numbers: a draw can fall 40 SDs from 0 (got 1e307)",
        ),
        (
            "benefit_rates: (work_ready: 210.13)",
            "benefit_rates: (work_ready: -1)",
            "benefit_rates.work_ready must not be negative (got -1)",
        ),
        (
            "benefit_rates: (work_ready: 210.13)",
            "benefit_rates: (work_ready: 1e-160)",
            "benefit_rates.work_ready must be 0 or at least 1e-6 a week (got 1e-160); state the rates in a smaller \
             unit of currency",
        ),
        (
            "(from_week: 13, rate: 0.016)",
            "(from_week: 13, rate: 0.016), (from_week: 13, rate: 0.01)",
            "job_loss.rates[2].from_week must be greater than the previous piece's (got 13)",
        ),
        (
            bau_curve,
            "intensity: Piecewise([(0, 0), (2, 0.5), (2, 0.6)])),",
            "services.bau.intensity[2] hours must increase from point to point (got 2)",
        ),
        (
            "(name: \"ics\", service: \"ics\")",
            "(name: \"i-cs\", service: \"ics\")",
            "arms[1].name must be letters, digits and _ only, for column names (got \"i-cs\")",
        ),
        (
            "(name: \"ics\", service: \"ics\")",
            "(name: \"\", service: \"ics\")",
            "arms[1].name must be letters, digits and _ only, for column names (got \"\")",
        ),
        (
            "weeks_on_benefit: Fixed(52)",
            "weeks_on_benefit: Normal(mean: 52, sd: 0)",
            "population.weeks_on_benefit.sd must be positive (got 0)",
        ),
        (
            "weeks_on_benefit: Fixed(52)",
            "weeks_on_benefit: Normal(mean: inf, sd: 5)",
            "population.weeks_on_benefit.mean must be a finite number (got inf)",
        ),
        (
            "caseload_cap: 20,",
            "caseload_cap: 20, background_caseload: 10, initial_caseload: 15, initial_exit_rate: 0.1,",
            "services.ics.initial_caseload puts case managers over their cap: background_caseload + \
             initial_caseload must be at most caseload_cap (20) (got 15)",
        ),
        (
            "caseload_cap: 20,",
            "caseload_cap: 20, background_caseload: 20, initial_caseload: 5, initial_exit_rate: 0.1,",
            "services.ics.background_caseload must be below caseload_cap (20) so trial clients can be served (got 20)",
        ),
        (
            "caseload_cap: 20,",
            "caseload_cap: 20, background_caseload: 20,",
            "services.ics.background_caseload must be below caseload_cap (20) so trial clients can be served (got 20)",
        ),
        // Refused week-0 values are not also counted as clients who leave.
        (
            "\"bau\": (case_managers_per_site: 2,",
            "\"bau\": (case_managers_per_site: 100, initial_caseload: 2000000, initial_exit_rate: 0.01,",
            "services.bau.initial_caseload must be at most 1000000 (got 2000000)",
        ),
        (
            "\"bau\": (case_managers_per_site: 2,",
            "\"bau\": (case_managers_per_site: 100, initial_caseload: 1000000, initial_exit_rate: 2e6,",
            "services.bau.initial_exit_rate is a weekly rate and must be at most 1000000 (got 2000000); a move at 50 \
             a week is already certain within the week",
        ),
        (
            "age_first_benefit: Uniform(min: 16, max: 19)",
            "age_first_benefit: Uniform(min: 16, max: -inf)",
            "population.age_first_benefit.max must be a finite number (got -inf)",
        ),
        (
            "benefit_type: (work_ready: 1)",
            "benefit_type: (work_ready: 1, other: 0), eligibility: (benefit_types: [Other])",
            "population.eligibility.benefit_types admits no benefit type that population.benefit_type gives a \
             positive weight",
        ),
    ];
    for (from, to, message) in cases {
        assert_eq!(problems(&edited(&[(from, to)])), one_problem(message), "{to}");
    }
    // 10 sites of 10,000 + 1 case managers.
    let bau = "\"bau\": (case_managers_per_site: 2,";
    assert_eq!(
        problems(&edited(&[(TWO_SITES, ten_sites().as_str()), (bau, "\"bau\": (case_managers_per_site: 10000,")])),
        one_problem(
            "services staff 100010 case managers in all (sites × case_managers_per_site); at most 100000 are supported"
        )
    );
    // At the bounds on enrolment weeks and horizons, staff × weeks is still checked.
    assert_eq!(
        problems(&edited(&[
            (bau, "\"bau\": (case_managers_per_site: 3571,"),
            ("horizons: [26, 52]", "horizons: [26, 2000]"),
            ("Total(n: 200, weeks: 20)", "Total(n: 200, weeks: 5000)"),
        ])),
        one_problem(
            "services staff 7144 case managers over 7001 calendar weeks; case managers × weeks must be at most 50000000"
        )
    );
}

/// A message naming a stage that does not exist lists the stages: all of up
/// to 20, the first 20 of more and how many there are.
#[test]
fn an_unknown_stage_is_told_with_the_stages_there_are() {
    let with_stages = |n: usize| {
        let more: String = (2..n).map(|i| format!(", (name: \"S{i}\")")).collect();
        let weights = ", 0".repeat(n - 2);
        problems(
            &minimal()
                .replacen("other_exit: 0.003),\n    ],", &format!("other_exit: 0.003){more},\n    ],"), 1)
                .replace("starting_stage: [0.6, 0.4]", &format!("starting_stage: [0.6, 0.4{weights}]"))
                .replace(
                    "effects: (progress: All(1.6), job: All(1.5))",
                    "effects: (progress: All(1.6), job: All(1.5)), \
                     navigators: (per_site: 1, clients_per_navigator: 5, max_stage: \"Nope\")",
                ),
        )
    };
    let named = |n: usize| (0..n).map(|i| format!("\"S{i}\"")).collect::<Vec<_>>().join(", ");
    let listed = |names: String| {
        let names = names.replacen("\"S0\", \"S1\"", "\"Engagement\", \"Job search\"", 1);
        format!(
            "x.ron: 1 problem in the scenario:\n  - services.ics.navigators.max_stage names no stage (got \"Nope\"; \
             stages are {names})"
        )
    };
    assert_eq!(with_stages(2), listed(named(2)));
    assert_eq!(with_stages(20), listed(named(20)));
    assert_eq!(with_stages(21), listed(format!("{}, … (21 in all)", named(20))));
    // At the limit of 100 stages, the stages are still there to name.
    assert_eq!(with_stages(100), listed(format!("{}, … (100 in all)", named(20))));
}

/// `text` loaded as a scenario file is (its warnings come only with a file),
/// panicking with the error message if it is not valid.
fn loaded(text: &str) -> scenario::Loaded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    std::fs::write(&path, text).unwrap();
    scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// A setting on a service that is only ever a fallback is warned about, one
/// field at a time: each of these alone takes no effect.
#[test]
fn each_setting_of_a_fallback_only_service_is_warned_about() {
    let fixture = std::fs::read_to_string(common::fixture("other_fallback.ron")).unwrap();
    let community = "\"community\": (case_managers_per_site: 2,";
    for (setting, field) in [
        ("engagement: (reengage: 0.1)", "engagement"),
        ("engagement: (disengage: 0.1)", "engagement"),
        ("exit: (max_weeks: 52)", "exit"),
        ("exit: (disengaged_weeks: 8)", "exit"),
        ("exit: (in_work_support: Weeks(4))", "exit"),
    ] {
        let warnings = loaded(&fixture.replace(community, &format!("{community} {setting},"))).warnings;
        let expected = format!("services.community: {field} takes no effect");
        assert!(warnings.iter().any(|w| w.starts_with(&expected)), "{setting}: {warnings:?}");
    }
}

/// A job-loss effect on an offered service whose in-work support is
/// `Weeks(0)` (the default) is warned about, and truly changes nothing: its
/// clients leave the service in the week they start a job. With weeks of
/// support, it is no warning and does change the results.
#[test]
fn a_job_loss_effect_without_in_work_support_is_warned_about() {
    const EFFECTS: &str = "progress: All(1.6), job: All(1.5)";
    let effects = format!("effects: ({EFFECTS})");
    let with =
        |extra: &str| loaded(&minimal().replace(&effects, &format!("effects: ({EFFECTS}, job_loss: 0.01){extra}")));
    let estimates = |model: &scenario::Model| {
        let options = rctsim::trial::RunOptions { replicates: Some(3), ..Default::default() };
        // As text: an outcome nobody can reach has NaN intervals, which `==` never equates.
        format!("{:?}", rctsim::trial::run(model, &options).unwrap().estimates)
    };
    let inert = with("");
    assert_eq!(inert.warnings.len(), 1, "{:?}", inert.warnings);
    assert!(
        inert.warnings[0]
            .starts_with("services.ics: effects.job_loss takes no effect: exit.in_work_support is Weeks(0)")
    );
    assert!(estimates(&inert.model) == estimates(&loaded(&minimal()).model));
    let supported = with(", exit: (in_work_support: Weeks(8))");
    assert_eq!(supported.warnings, Vec::<String>::new());
    let without_effect = loaded(&minimal().replace(&effects, &format!("{effects}, exit: (in_work_support: Weeks(8))")));
    assert!(estimates(&supported.model) != estimates(&without_effect.model));
}

/// Navigators numbering 0, and site weights under `PerSite` enrolment, are
/// warned about; a scenario without them is not.
#[test]
fn navigators_numbering_0_and_site_weights_per_site_are_warned_about() {
    let rich = std::fs::read_to_string(common::fixture("rich.ron")).unwrap();
    let warnings = |text: String| loaded(&text).warnings;
    assert_eq!(warnings(rich.clone()), Vec::<String>::new());
    let no_navigators = warnings(rich.replace("navigators: (per_site: 1,", "navigators: (per_site: 0,"));
    assert_eq!(
        no_navigators,
        ["services.svc: navigators take no effect: navigators.per_site is 0, so no client is ever assigned one"]
    );
    let per_site = rich.replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 20, weekly: [6, 4])");
    assert_eq!(
        warnings(per_site.clone()),
        ["sites: weight takes no effect: PerSite enrolment sets each site's arrivals in enrolment.weekly, and \
             site weights apply only under Total enrolment"]
    );
    assert_eq!(warnings(per_site.replace("(name: \"North\", weight: 2)", "(name: \"North\")")), Vec::<String>::new());
}

/// A declared truncated distribution becomes one that draws from its `min`
/// to its `max` as `u` runs over (0, 1), with the truncated distribution's
/// median at `u = 1/2`. The expected draws are from mpmath at 600 digits
/// (`tests/reference/truncated_ends.py`), independent of rctsim's `Φ` and
/// `Φ⁻¹`.
///
/// Tolerance: near a bound `z`, `Φ` is held to about 2⁻⁵³ absolute, and a
/// draw moves by that over `φ(z)` standard deviations: 3.1e-13 at z = 3.75,
/// 1.3e-12 in age (sd 4; measured 4.7e-13), and 1.8e-14 at z = 2.88, a
/// relative 1.4e-14 in weeks (σ 0.8; measured 6.9e-15). About eight such
/// roundings are allowed in age (1e-11) and seven in weeks (1e-13 relative).
#[test]
fn a_truncated_covariate_draws_between_its_bounds_around_its_truncated_median() {
    let text =
        minimal().replace("age: Uniform(min: 18, max: 39)", "age: Normal(mean: 24, sd: 4, min: 18, max: 39)").replace(
            "weeks_on_benefit: Fixed(52)",
            "weeks_on_benefit: LogNormal(median: 60, sigma: 0.8, min: 10, max: 600)",
        );
    let m = common::model_from(&text);
    let u = [1e-12, 0.5, 1.0 - 1e-12];
    // z from (18 − 24)/4 = −1.5 to (39 − 24)/4 = 3.75.
    let age = [18.00000000002882, 24.334869129588668, 38.99999998941469];
    for (u, expected) in u.into_iter().zip(age) {
        let got = m.population.age.draw(u);
        assert!((got - expected).abs() <= 1e-11, "age at u = {u}: {got}, expected {expected}");
    }
    // z from ln(10/60)/0.8 to ln(600/60)/0.8 (a sigma of 1 would hide a product for the quotient).
    let weeks = [10.000000000242705, 60.638410144304395, 599.9999999253811];
    for (u, expected) in u.into_iter().zip(weeks) {
        let got = m.population.weeks_on_benefit.draw(u);
        assert!((got - expected).abs() <= 1e-13 * expected, "weeks at u = {u}: {got}, expected {expected}");
    }
}

/// The share of candidates validation says the rules admit is the share the
/// generator admits: with one attempt allowed, each ticket yields a
/// participant with that chance. A truncated log-normal age, a normal age
/// at first benefit against both the age and its own bound, and excluded
/// categories: the share is 0.34 (0.3400972 by mpmath's quadrature,
/// `tests/reference/eligibility_share.py`), and 200,000 tickets give a
/// standard error of 0.001. Four of them are allowed.
#[test]
fn the_share_admitted_is_the_generators_acceptance_rate() {
    use rctsim::population::generate;
    use rctsim::rng::Keyed;
    let text = minimal()
        .replace("age: Uniform(min: 18, max: 39)", "age: LogNormal(median: 24, sigma: 0.2, min: 16, max: 40)")
        .replace("age_first_benefit: Uniform(min: 16, max: 19)", "age_first_benefit: Normal(mean: 19, sd: 2.5)")
        .replace("benefit_type: (work_ready: 1)", "benefit_type: (work_ready: 0.7, other: 0.3)")
        .replace("health: (no_condition: 1)", "health: (no_condition: 0.5, common_mental: 0.3, physical: 0.2)")
        .replace(
            "starting_stage: [0.6, 0.4],",
            "starting_stage: [0.6, 0.4], eligibility: (min_age: 18, max_age: 30, max_age_first_benefit: 21, \
             benefit_types: [WorkReady], health: [NoCondition, CommonMental]),",
        );
    let m = common::model_from(&text);
    let share = m.population.admitted;
    let mut once = m.population.clone();
    once.max_attempts = 1;
    let keyed = Keyed::new(m.seed);
    let n = 200_000;
    let admitted = (0..n).filter(|&t| generate(&once, &keyed, 0, t, 0, 0).is_some()).count() as f64 / n as f64;
    let se = (share * (1.0 - share) / n as f64).sqrt();
    assert!((share / 0.3400972000615 - 1.0).abs() < 1e-3, "{share}");
    common::within("share of candidates generated against the share validation computes", admitted, share, se, 4.0);
}

/// The example of `docs/scenarios.md`: ages N(30, 2²) of at most 24 are
/// `Φ(−3)` of the candidates (1 in 740.8; first benefits, uniform on
/// [16, 19], are below nearly every such age), so each participant is allowed
/// `⌈50 / share⌉` rejections, computed from the bracket's lower end.
#[test]
fn a_share_of_1_in_741_allows_about_37_000_rejections() {
    let text = minimal()
        .replace("age: Uniform(min: 18, max: 39)", "age: Normal(mean: 30, sd: 2)")
        .replace("starting_stage: [0.6, 0.4],", "starting_stage: [0.6, 0.4], eligibility: (max_age: 24),");
    let m = common::model_from(&text);
    // Φ(−3) from Python's 0.5·erfc(3/√2) (`tests/reference/quality_risk.py`).
    let phi = 0.0013498980316300957;
    assert!((m.population.admitted / phi - 1.0).abs() < 1e-3, "{}", m.population.admitted);
    assert!((37_040..37_080).contains(&m.population.max_attempts), "{}", m.population.max_attempts);
}

/// The ```ron blocks of `docs/scenarios.md`, in order.
fn documented_examples() -> Vec<String> {
    let doc = include_str!("../docs/scenarios.md");
    doc.split("```ron\n").skip(1).map(|block| block.split("```").next().unwrap().to_string()).collect()
}

/// `text` with its top-level field `key` (as `minimal.ron` lays it out:
/// four spaces in, up to the comma that closes it) replaced by `field`, a
/// whole `key: value,` of its own; or with `field` added, if `text` has none.
fn with_field(text: &str, key: &str, field: &str) -> String {
    let Some(start) = text.find(&format!("\n    {key}:")).map(|at| at + 1) else {
        return text.replacen("\n    population:", &format!("\n{}\n    population:", field.trim_end()), 1);
    };
    let mut depth = 0i32;
    let mut in_string = false;
    for (at, ch) in text[start..].char_indices() {
        match ch {
            '"' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                return format!("{}{}{}", &text[..start], field.trim_end(), &text[start + at + 1..]);
            }
            _ => {}
        }
    }
    panic!("{key} has no closing comma")
}

/// Every scenario example in `docs/scenarios.md` is valid as documented: the
/// minimal example is `minimal.ron` itself; each top-level field, put in
/// its place, and the service fields together in a service, validate without
/// a problem or a warning.
#[test]
fn every_example_in_the_scenario_reference_validates() {
    let examples = documented_examples();
    assert_eq!(examples[0], minimal(), "the minimal example is minimal.ron");
    let mut service_fields = String::new();
    for example in &examples[1..] {
        let key = example.split(':').next().unwrap().trim();
        let text = match key {
            "effects" | "navigators" | "exit" | "engagement" => {
                service_fields += example;
                continue;
            }
            // Its third arm's service, which the example says to define.
            "arms" => with_field(&minimal(), key, example)
                .replace("services: {", "services: {\n        \"alt\": (case_managers_per_site: 1, hours_per_week: 30, intensity: Saturating(half: 0.5)),"),
            _ => with_field(&minimal(), key, example),
        };
        let loaded = loaded(&text);
        assert!(loaded.warnings.is_empty(), "{key}: {:?}", loaded.warnings);
    }
    assert!(!service_fields.is_empty(), "the service examples were found");
    // In place of the service's own effects.
    let text = minimal()
        .replace("\n                effects: (progress: All(1.6), job: All(1.5))", "")
        .replace("\"ics\": (", &format!("\"ics\": ({service_fields}"));
    let loaded = loaded(&text);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

/// Where a parse error's first line, `x.ron:L:C: …`, places it.
fn error_position(problems: &str) -> Option<(usize, usize)> {
    let place = problems.strip_prefix("x.ron:")?;
    let mut parts = place.splitn(3, ':');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

proptest::proptest! {
    // A fixed seed: every run tests the same texts, and a failure reproduces.
    #![proptest_config(proptest::test_runner::Config {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_125),
        ..proptest::test_runner::Config::default()
    })]

    /// minimal.ron with a character left out (a comma, a bracket, a quote,
    /// ...), cut short anywhere, and perhaps ending in a comment, with or
    /// without a final line feed: reading it never panics, and a parse error
    /// is placed within the file: on one of its lines, at most one column
    /// past its last character.
    #[test]
    fn a_damaged_scenario_gives_an_error_placed_within_the_file(
        left_out in 0..1_600usize,
        cut in 0..1_600usize,
        end in proptest::sample::select(vec!["", "\n", " // a comment", "\n// a comment", "\r\n"]),
    ) {
        let minimal = minimal();
        let boundary = |at: usize| (0..=at.min(minimal.len())).rev().find(|&i| minimal.is_char_boundary(i)).unwrap();
        let (gap, cut) = (boundary(left_out), boundary(cut));
        let skip = minimal[gap..].chars().next().map_or(0, char::len_utf8);
        let damaged = format!("{}{}", &minimal[..gap], &minimal[gap + skip..]);
        let damaged = format!("{}{end}", &damaged[..cut.min(damaged.len())]);
        let problems = problems(&damaged);
        if problems.is_empty() || !problems.starts_with("x.ron:") || problems.starts_with("x.ron: ") {
            return Ok(()); // accepted, or rule problems (placed by field, not position)
        }
        let (line, column) = error_position(&problems).expect(&problems);
        let lines: Vec<&str> = damaged.split('\n').collect();
        proptest::prop_assert!(line >= 1 && line <= lines.len(), "{problems}\n{damaged:?}");
        let width = lines[line - 1].trim_end_matches('\r').chars().count();
        proptest::prop_assert!(column >= 1 && column <= width + 1, "{problems}\n{damaged:?}");
    }
}

/// A benefit type participants are drawn with whose weekly rate was left out
/// (0, the default) while another's was given is warned of: their
/// `benefit_paid` would be 0. Not when it is paid, when the eligibility
/// rules keep it out, or when no type is paid at all.
#[test]
fn a_benefit_type_drawn_without_a_rate_is_warned_of() {
    let mixed =
        minimal().replace("benefit_type: (work_ready: 1),", "benefit_type: (work_ready: 0.7, health_disability: 0.3),");
    assert_eq!(
        warnings(&mixed),
        ["benefit_rates.health_disability: 0 (the default), though population.benefit_type draws \
             health_disability for a share 0.3 of candidates and eligibility admits them: their benefit_paid is 0; \
             give its weekly rate if they are paid"]
    );
    let rates = |rates: &str| mixed.replace("benefit_rates: (work_ready: 210.13)", rates);
    assert!(warnings(&rates("benefit_rates: (work_ready: 210.13, health_disability: 250)")).is_empty());
    assert!(warnings(&rates("benefit_rates: ()")).is_empty());
    let work_ready_only = mixed.replace(
        "starting_stage: [0.6, 0.4],",
        "starting_stage: [0.6, 0.4], eligibility: (benefit_types: [WorkReady]),",
    );
    assert!(warnings(&work_ready_only).is_empty());
}

/// The warnings `rctsim validate` gives for a scenario of `text`.
fn warnings(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.ron");
    std::fs::write(&path, text).unwrap();
    scenario::load(&path).unwrap().warnings
}

/// An arm naming its service as its fallback too is served by it without
/// slots: the settings only slots use are warned of, saying why, though the
/// file names the service as that arm's.
#[test]
fn a_service_an_arm_also_falls_back_on_is_said_to_serve_it_as_a_fallback() {
    let own =
        minimal().replace(r#"(name: "ics", service: "ics")"#, r#"(name: "ics", service: "ics", fallback: "ics")"#);
    assert_eq!(
        warnings(&own),
        ["services.ics: caseload_cap takes no effect: no arm offers \"ics\" with slots (arm \"ics\" names it \
             as its fallback too, so it serves that arm's participants as a fallback does, without slots), and it \
             applies only to clients holding a slot"]
    );
    // The control (by default) and another arm on the control's service.
    let capped_bau = minimal()
        .replace("\"bau\": (case_managers_per_site: 2,", "\"bau\": (case_managers_per_site: 2, caseload_cap: 500,")
        .replace(
            r#"(name: "ics", service: "ics"),"#,
            r#"(name: "ics", service: "ics"), (name: "alt", service: "bau"),"#,
        );
    assert_eq!(
        warnings(&capped_bau),
        [
            "services.bau: caseload_cap takes no effect: no arm offers \"bau\" with slots (arms \"bau\", \"alt\" have it \
             as their fallback too, so it serves their participants as a fallback does, without slots), and it \
             applies only to clients holding a slot"
        ]
    );
    // A service no arm names as its service, only as a fallback.
    let text = std::fs::read_to_string(common::fixture("other_fallback.ron")).unwrap().replace(
        "\"community\": (case_managers_per_site: 2,",
        "\"community\": (case_managers_per_site: 2, caseload_cap: 90,",
    );
    assert!(
        warnings(&text).contains(
            &"services.community: caseload_cap takes no effect: no arm offers \"community\" with slots (it is only a \
              fallback), and it applies only to clients holding a slot"
                .to_string()
        ),
        "{:?}",
        warnings(&text)
    );
}

/// A choice with named settings written without its parentheses is told so,
/// with the choice's name: `Unlimited` for `Unlimited()`, `Uniform` for
/// `Uniform(min: 18, max: 39)`.
#[test]
fn a_choice_with_settings_written_bare_is_told_its_parentheses() {
    let bare = |from: &str, to: &str| parse_error(&minimal().replace(from, to));
    let told = |name: &str| {
        format!(
            "Expected opening `(` after `{name}`: a choice with named settings takes them in parentheses, \
             `{name}(...)`, and is written `{name}()` when every one has a default"
        )
    };
    assert_eq!(bare("age: Uniform(min: 18, max: 39)", "age: Uniform"), format!("x.ron:14:21: {}", told("Uniform")));
    let support =
        minimal().replace("caseload_cap: 20,", "caseload_cap: 20, exit: (in_work_support: Unlimited, max_weeks: 104),");
    let e = parse_error(&support);
    assert!(e.ends_with(&told("Unlimited")), "{e}");
}

/// Every type the parser's messages can name (each struct and enum of the
/// file's schema) is named in `docs/scenarios.md`, so that a reader of
/// "Unexpected field named `x` in `Service`" finds what it is.
#[test]
fn every_type_a_parse_error_can_name_is_in_the_scenario_reference() {
    let schema = include_str!("../src/scenario/schema.rs");
    let doc = include_str!("../docs/scenarios.md");
    let names: Vec<&str> = schema
        .lines()
        .filter_map(|line| line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub enum ")))
        .map(|rest| rest.split([' ', '{', '<', '(']).next().unwrap())
        .collect();
    assert!(names.len() >= 25 && names.contains(&"BenefitTypeValues"), "{names:?}");
    let missing: Vec<&&str> = names.iter().filter(|name| !doc.contains(&format!("`{name}`"))).collect();
    assert!(missing.is_empty(), "not named in docs/scenarios.md: {missing:?}");
}
