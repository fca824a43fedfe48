//! Any bytes, read and validated as a scenario file, then (if valid) the
//! checks `rctsim validate` makes before a run: an error or warnings, never
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
// Only its `quick_to_check` is used here.
#[allow(dead_code)]
#[path = "../../tests/common/small.rs"]
mod small;

fuzz_target!(|data: &[u8]| {
    common::one_thread();
    match common::load(data) {
        Ok(loaded) => {
            let m = &loaded.model;
            // The quality checks draw every case manager of every replicate:
            // kept small, so that an input takes milliseconds.
            if small::quick_to_check(m) {
                let _ = rctsim::trial::preflight(m).map_err(|e| e.to_string());
            }
        }
        Err(e) => {
            std::hint::black_box(e.to_string());
        }
    }
});
