//! The difference-in-means estimator against R's estimatr.
//!
//! Reference values: `tests/reference/estimatr_dim.R` (estimatr 1.0.0, R 4.2.2),
//! which wrote `estimatr_dim.csv` from the data in `estimatr_dim_data.csv`.
//! Both files are embedded here, so the test needs neither R nor the network.

mod common;

use common::prec;
use rctsim::analysis::difference_in_means;

const DATA: &str = include_str!("reference/estimatr_dim_data.csv");
const EXPECTED: &str = include_str!("reference/estimatr_dim.csv");

/// 1e-9 relative ([`prec::ESTIMATR`]), for every value: an exact 0 must be exactly 0, and tiny
/// p-values (down to 6.6e-57 here) must keep their digits, not merely be
/// within 1e-15 of the reference.
fn close(what: &str, ours: f64, theirs: f64) {
    assert!((ours - theirs).abs() <= prec::ESTIMATR * theirs.abs(), "{what}: ours {ours:e}, estimatr {theirs:e}");
}

#[test]
fn matches_estimatr_difference_in_means() {
    let mut cases = 0;
    for line in EXPECTED.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let case = f[0];
        let want: Vec<f64> = f[1..].iter().map(|v| v.parse().unwrap()).collect();
        let (mut treated, mut control) = (Vec::new(), Vec::new());
        for row in DATA.lines().skip(1) {
            let r: Vec<&str> = row.split(',').collect();
            if r[0] == case {
                let y: f64 = r[2].parse().unwrap();
                if r[1] == "1" { treated.push(y) } else { control.push(y) }
            }
        }
        assert!(treated.len() >= 2 && control.len() >= 2, "case {case} has data");
        let e = difference_in_means(&treated, &control);
        close(&format!("{case} estimate"), e.estimate, want[0]);
        close(&format!("{case} se"), e.se, want[1]);
        close(&format!("{case} df"), e.df, want[2]);
        close(&format!("{case} ci_low"), e.ci_low, want[3]);
        close(&format!("{case} ci_high"), e.ci_high, want[4]);
        close(&format!("{case} p_value"), e.p_value, want[5]);
        cases += 1;
    }
    assert_eq!(cases, 11);
}
