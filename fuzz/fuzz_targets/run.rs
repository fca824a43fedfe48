//! Any bytes that make a small valid scenario, run for up to three
//! replicates with replicate 0's persons kept, then every output file and
//! the table made in memory: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rctsim::report::{self, Report};
use rctsim::trial::{self, RunOptions};

#[path = "common.rs"]
mod common;
#[path = "../../tests/common/small.rs"]
mod small;

fuzz_target!(|data: &[u8]| {
    common::one_thread();
    let Ok(loaded) = common::load(data) else { return };
    let m = &loaded.model;
    if !small::small(m) {
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
