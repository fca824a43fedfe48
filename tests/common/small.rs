//! Which scenarios are small enough to check and run in milliseconds: the
//! limits shared by the mutation test (`tests/mutations.rs`) and the fuzz
//! targets (`fuzz/fuzz_targets/`), which read this file.

use rctsim::scenario::Model;

/// Case managers over every site and service: what a replicate's staffing
/// and the quality checks cost.
pub fn case_managers(m: &Model) -> u64 {
    m.services.iter().map(|s| u64::from(s.case_managers_per_site)).sum::<u64>() * m.sites.len() as u64
}

/// Whether the checks before a run (`trial::preflight`, which draws every
/// case manager of every replicate) take milliseconds.
pub fn quick_to_check(m: &Model) -> bool {
    u64::from(m.replicates) * case_managers(m).max(1) <= 200_000
}

/// Whether `m` is also quick to run; validation bounds the rest.
pub fn small(m: &Model) -> bool {
    let week0: u64 =
        m.services.iter().map(|s| u64::from(s.initial_caseload) * u64::from(s.case_managers_per_site)).sum::<u64>()
            * m.sites.len() as u64;
    quick_to_check(m)
        && m.enrolment.expected_participants() <= 2_000
        && m.enrolment.weeks() <= 200
        && m.longest_horizon() <= 200
        && m.sites.len() <= 20
        && m.services.len() <= 20
        && case_managers(m) <= 300
        && week0 <= 20_000
}
