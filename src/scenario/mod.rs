//! Scenario files: parse the RON text, validate it, and build the [`Model`].
//!
//! Loading happens in two stages, as in ripgrep's flag parsing: the file is
//! parsed into plain serde types ([`schema`]) — shape errors carry line and
//! column — and then [`validate()`] checks the rules and builds the validated
//! [`Model`] the engine runs, reporting every broken rule at once.

mod eligibility_share;
mod model;
mod multiplier_bounds;
pub mod schema;
mod syntax;
mod text;
mod validate;

pub use model::{
    ArmModel, BENEFIT_TYPE_NAMES, CovariateEffects, CovariateReference, Dist, EligibilityModel, EnrolmentModel,
    HEALTH_NAMES, IntensityCurve, MAX_MULTIPLIER, MIN_ADMITTED, Model, NavigatorModel, Piecewise, PopulationModel,
    ServiceModel, log_weeks_distance, transition, week0_clients_leave, whole_count,
};
pub use syntax::display_width;
use syntax::parse_schema;
pub use validate::{
    MAX_ARRIVALS_PER_WEEK, MAX_CASE_MANAGERS_PER_SITE, MAX_ENROLMENT_WEEKS, MAX_HORIZON, MAX_RATE, MAX_SERVICES,
    MAX_SITES, Problem, ips25_fidelity, shown_name, unused_settings, validate,
};

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario: {error}", shown_path(path))]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error (in the message, so not also a `source`, which
        /// would print it twice in an error chain).
        error: std::io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("{}: the file is larger than {} MiB, the most a scenario may be", shown_path(path), MAX_FILE_BYTES >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The text is not a scenario: bad syntax, an unknown or missing field, a wrong type.
    #[error("{}:{line}:{column}: {message}{excerpt}", shown_path(path))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was expected.
        message: String,
        /// The line itself with a caret under the column, on lines of their
        /// own; empty when there is no such line to show.
        excerpt: String,
    },
    /// The scenario parsed but breaks one or more rules.
    #[error("{}: {} problem{} in the scenario:{}", shown_path(path), problems.len(), if problems.len() == 1 { "" } else { "s" }, listing(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every broken rule.
        problems: Vec<Problem>,
    },
}

/// A file's path as messages show it: as it is, or quoted with escapes if it
/// holds control characters (a line feed would break a listing of one
/// problem per line, an escape sequence would drive the terminal).
pub fn shown_path(path: &Path) -> String {
    let shown = path.display().to_string();
    if shown.chars().any(char::is_control) { format!("{shown:?}") } else { shown }
}

/// The most problems an error lists. Lists over their length limit are
/// reported once, but some lists have no limit of their own (a `Piecewise`
/// intensity's points), and a file with thousands of bad entries would
/// otherwise print thousands of lines.
pub const MAX_LISTED: usize = 100;

/// The problems one to a line, the first [`MAX_LISTED`] of them, then how
/// many more there are.
fn listing(problems: &[Problem]) -> String {
    let mut out: String = problems.iter().take(MAX_LISTED).map(|p| format!("\n  - {p}")).collect();
    if problems.len() > MAX_LISTED {
        out += &format!("\n  - … and {} more", problems.len() - MAX_LISTED);
    }
    out
}

/// A loaded scenario: the model and the identity of the file it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated model.
    pub model: Model,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's text as read, byte for byte (a byte-order mark included),
    /// so that the results can carry what was run: its SHA-256 is `sha256`.
    pub text: String,
    /// Settings that are valid but can take no effect (see [`unused_settings`]).
    pub warnings: Vec<String>,
}

/// Reads, parses and validates a scenario file.
///
/// # Errors
/// [`ScenarioError`] naming the file, and the line and column or field path.
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    let bytes = read_at_most(path, MAX_FILE_BYTES)?;
    let raw = parse_schema(&bytes, path)?;
    let model = validate(&raw).map_err(|problems| ScenarioError::Invalid { path: path.into(), problems })?;
    let warnings = unused_settings(&raw, &model);
    let sha256 = sha256_hex(&bytes);
    // Parsing has checked that the bytes are UTF-8 (a byte-order mark is too).
    let text = String::from_utf8(bytes).expect("a parsed scenario is UTF-8");
    Ok(Loaded { model, sha256, text, warnings })
}

/// The largest scenario file read, 16 MiB. Scenarios are a few kilobytes;
/// without a limit, a wrong path (`/dev/zero`, a large data file) would take
/// all memory before any error could be shown.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The bytes of `path`, or [`ScenarioError::TooLarge`] if there are more than
/// `max`: one byte past the limit is read to tell, and no more.
fn read_at_most(path: &Path, max: u64) -> Result<Vec<u8>, ScenarioError> {
    let io = |error| ScenarioError::Io { path: path.into(), error };
    let mut bytes = Vec::new();
    let file = open_without_waiting(path).map_err(io)?;
    (&file).take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(ScenarioError::TooLarge { path: path.into() });
    }
    if bytes.is_empty() && is_pipe(&file) {
        return Err(io(std::io::Error::other("a pipe that gave nothing to read (is anything writing to it?)")));
    }
    Ok(bytes)
}

/// `path` opened for reading. A named pipe (FIFO) opened plainly waits until
/// something opens it for writing, forever if nothing does; opened without
/// waiting, and then read as usual, it reads what a writer gives it, or
/// nothing when no writer has it open. Other files read as they would.
#[cfg(unix)]
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(OFlags::NONBLOCK.bits() as i32).open(path)?;
    fcntl_setfl(&file, fcntl_getfl(&file)? - OFlags::NONBLOCK)?;
    Ok(file)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Whether `file` is a pipe, named or not, whose emptiness says more of
/// its writer than of a scenario.
fn is_pipe(file: &std::fs::File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        file.metadata().is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        false
    }
}

/// Parses and validates scenario text; `path` only labels errors.
///
/// # Errors
/// [`ScenarioError::Parse`] or [`ScenarioError::Invalid`].
pub fn parse(bytes: &[u8], path: &Path) -> Result<Model, ScenarioError> {
    let raw = parse_schema(bytes, path)?;
    validate(&raw).map_err(|problems| ScenarioError::Invalid { path: path.into(), problems })
}

/// The states other than stages whose shares `trajectories.csv` reports, as
/// `share_<state>` beside each stage's `share_<name>`: no stage may be named so.
pub const NON_STAGE_SHARES: [&str; 4] = ["employed", "other_exit", "waitlisted", "in_service"];

/// A name as an output column: lower case, each run of other characters as
/// one `_`, none at either end ("Work-ready" → "work_ready").
pub fn column_name(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::sha256_hex;

    /// The test vectors of FIPS 180-2 (appendix B.1) and of the empty message.
    #[test]
    fn sha256_hex_matches_the_standard_vectors() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
