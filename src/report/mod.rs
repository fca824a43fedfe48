//! Reports of a run: the terminal table, `summary.json`, and the CSV files.
//!
//! Each format lives in its own file and renders a [`Report`] to bytes; files
//! are written under a temporary name ([`write_temporary`]) and renamed when
//! complete, so that a reader never sees a partial file. Missing values are
//! written `NA` in tables and CSV, `null` in JSON; `persons.csv` leaves
//! `service_started_week` empty for a service never started.

mod csv_files;
mod json;
mod table;

pub use csv_files::{estimates_csv, persons_csv, trajectories_csv};
pub use json::summary_json;
pub use table::table;

use crate::scenario::Model;
pub use crate::scenario::column_name;
use crate::trial::RunResult;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What every report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The validated scenario.
    pub model: &'a Model,
    /// Lower-case hex SHA-256 of the scenario file's bytes.
    pub scenario_sha256: &'a str,
    /// The run.
    pub result: &'a RunResult,
    /// Wall-clock seconds the run took.
    pub elapsed_seconds: f64,
    /// The scenario's settings that took no effect
    /// ([`crate::scenario::unused_settings`]), kept with the results.
    pub warnings: &'a [String],
}

/// The version written into every output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A number for CSV and tables: shortest round-trip form, `NA` when missing.
pub fn number(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { "NA".to_string() }
}

/// Writes `bytes`, synced to disk, under the temporary name of `dir/name`
/// ([`temporary_path`]) and returns that path, for the caller to rename into
/// place: a run renames its files only once all of them are written, so that
/// a failure leaves a reused folder's earlier files as they were.
///
/// # Errors
/// Any I/O error; the temporary file is removed on failure.
pub fn write_temporary(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = temporary_path(dir, name);
    let result = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Where `dir/name` is written before it is renamed into place: a hidden
/// file beside it, in the same folder so that the rename cannot have to copy.
pub fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}
