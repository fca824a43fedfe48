//! Reports of a run: the terminal table, `summary.json`, and the CSV files.
//!
//! Each format lives in its own file and renders a [`Report`]; the files of
//! an `--out` folder are [`OutputFile`]s, which the command line writes
//! without knowing their formats. Missing values are written `NA` in
//! tables and CSV, `null` in JSON; `persons.csv` leaves
//! `service_started_week` empty for a service never started.

mod csv_files;
mod json;
mod table;

pub use table::table;

use crate::scenario::Model;
use crate::scenario::column_name;
use crate::trial::RunResult;
use std::io::{self, Write};

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

/// One file of a run's `--out` folder: its name, and how to write it from a
/// report.
#[derive(Debug, Clone, Copy)]
pub struct OutputFile {
    /// The file's name in the folder.
    pub name: &'static str,
    write: fn(&Report, &mut dyn Write) -> io::Result<()>,
}

impl OutputFile {
    /// Streams the file to `out`: a large `estimates.csv` is never held in
    /// memory whole.
    ///
    /// # Errors
    /// Any error writing to `out`.
    pub fn write(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        (self.write)(r, out)
    }

    /// The file's bytes in memory, for callers (and tests) that want them whole.
    pub fn bytes(&self, r: &Report) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write(r, &mut bytes).expect("writing to memory cannot fail");
        bytes
    }
}

/// `summary.json`: the run's identity, its arms and every diagnosand.
pub const SUMMARY_JSON: OutputFile = OutputFile { name: "summary.json", write: json::write_summary_json };
/// `estimates.csv`: every replicate's estimates.
pub const ESTIMATES_CSV: OutputFile = OutputFile { name: "estimates.csv", write: csv_files::write_estimates_csv };
/// `trajectories.csv`: each arm's states week by week.
pub const TRAJECTORIES_CSV: OutputFile =
    OutputFile { name: "trajectories.csv", write: csv_files::write_trajectories_csv };
/// `persons.csv`: replicate 0's participants (empty unless the run kept them).
pub const PERSONS_CSV: OutputFile = OutputFile { name: "persons.csv", write: csv_files::write_persons_csv };

/// Every file a run may write, in the order written.
pub const FILES: [OutputFile; 4] = [SUMMARY_JSON, ESTIMATES_CSV, TRAJECTORIES_CSV, PERSONS_CSV];

/// The files of this report: [`FILES`], with `persons.csv` only when the run
/// kept its persons (`--persons`).
pub fn files(r: &Report) -> impl Iterator<Item = OutputFile> {
    let persons = r.result.persons.is_some();
    FILES.into_iter().filter(move |f| persons || f.name != PERSONS_CSV.name)
}

/// The version written into every output: the crate version, and the commit
/// it was built from as build metadata (`0.1.0+3d41725c1a2b`, with
/// `.modified` if its sources differed from it), stamped by `build.rs`.
pub const VERSION: &str = env!("RCTSIM_VERSION");

/// A number for CSV and tables: shortest round-trip form, `NA` when missing.
pub fn number(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { "NA".to_string() }
}
