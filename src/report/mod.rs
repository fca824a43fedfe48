//! Reports of a run: the terminal table, `summary.json`, and the CSV files.
//!
//! Each format lives in its own file and renders a [`Report`] to bytes; the
//! command line writes them to files. Missing values are written `NA` in
//! tables and CSV, `null` in JSON; `persons.csv` leaves
//! `service_started_week` empty for a service never started.

mod csv_files;
mod json;
mod table;

pub use csv_files::{
    estimates_csv, persons_csv, trajectories_csv, write_estimates_csv, write_persons_csv, write_trajectories_csv,
};
pub use json::summary_json;
pub use table::table;

use crate::scenario::Model;
pub use crate::scenario::column_name;
use crate::trial::RunResult;

/// What every report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The validated scenario.
    pub model: &'a Model,
    /// Lower-case hex SHA-256 of the scenario file's bytes.
    pub scenario_sha256: &'a str,
    /// The scenario file's text, written into `summary.json` so that the
    /// results hold what produced them.
    pub scenario_text: &'a str,
    /// The run.
    pub result: &'a RunResult,
    /// Wall-clock seconds the run took.
    pub elapsed_seconds: f64,
    /// The scenario's settings that took no effect
    /// ([`crate::scenario::unused_settings`]), kept with the results.
    pub warnings: &'a [String],
}

/// The version written into every output: the crate version, and the commit
/// it was built from as build metadata (`0.1.0+3d41725c1a2b`, with
/// `.modified` if its sources differed from it), stamped by `build.rs`.
pub const VERSION: &str = env!("RCTSIM_VERSION");

/// A number for CSV and tables: shortest round-trip form, `NA` when missing.
pub fn number(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { "NA".to_string() }
}
