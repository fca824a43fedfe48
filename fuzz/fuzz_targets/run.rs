//! Any bytes that make a small valid scenario, run for up to three
//! replicates with replicate 0's persons kept, then every output file and
//! the table made in memory: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rctsim::report::{self, Report};
use rctsim::trial::{self, RunOptions};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::one_thread();
    let Ok(loaded) = common::load(data) else { return };
    let m = &loaded.model;
    let cms = common::case_managers(m);
    let week0: u64 =
        m.services.iter().map(|s| u64::from(s.initial_caseload) * u64::from(s.case_managers_per_site)).sum::<u64>()
            * m.sites.len() as u64;
    // Small enough to run in milliseconds; validation bounds the rest.
    let small = m.enrolment.expected_participants() <= 2_000
        && m.enrolment.weeks() <= 200
        && m.longest_horizon() <= 200
        && m.sites.len() <= 20
        && m.services.len() <= 20
        && cms <= 300
        && week0 <= 20_000
        && u64::from(m.replicates) * cms.max(1) <= 200_000;
    if !small {
        return;
    }
    let _ = trial::preflight(m).map_err(|e| e.to_string());
    let options =
        RunOptions { replicates: Some(m.replicates.min(3)), seed: None, threads: Some(1), keep_persons: true };
    let result = match trial::run(m, &options) {
        Ok(result) => result,
        Err(e) => {
            std::hint::black_box(e.to_string());
            return;
        }
    };
    let r = Report {
        model: m,
        scenario_sha256: &loaded.sha256,
        scenario_text: &loaded.text,
        result: &result,
        elapsed_seconds: 0.5,
        warnings: &loaded.warnings,
    };
    for file in report::files(&r) {
        std::hint::black_box(file.bytes(&r));
    }
    std::hint::black_box(report::table(&r));
});
