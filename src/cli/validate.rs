//! `rctsim validate`: check scenario files without running them.

use rctsim::scenario::shown_path;
use rctsim::trial;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files (RON).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Reports every file's problems, and settings that take no effect as
/// warnings; exit code 2 if any file has a problem. A file that follows every
/// rule also goes through the checks a run makes before simulating
/// ([`trial::preflight`]): its case managers' quality draws at its seed, an
/// error if one would stop the run, and warnings of what could stop another
/// run. Every file is checked even if standard output closes early (a
/// broken pipe) or fails: the exit code still says whether any file has a
/// problem. A standard output that fails otherwise (a full disk) is then an
/// error; messages to a closed standard error are dropped.
pub fn validate(args: &Args) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    let mut write_error: Option<std::io::Error> = None;
    for file in &args.files {
        match check(file) {
            Ok(warnings) => {
                if write_error.is_none() {
                    write_error = writeln!(stdout, "{}: ok", shown_path(file)).err();
                }
                for w in warnings {
                    to_stderr!("warning: {}: {w}\n", shown_path(file));
                }
            }
            Err(e) => {
                to_stderr!("error: {e}\n");
                failed = true;
            }
        }
    }
    let write_error = write_error.map(|e| anyhow::Error::new(e).context("writing to standard output"));
    match write_error {
        Some(e) if failed => {
            if !super::is_broken_pipe(&e) {
                to_stderr!("error: {e:#}\n");
            }
            Ok(ExitCode::from(super::BAD_INPUT))
        }
        Some(e) => Err(e),
        None if failed => Ok(ExitCode::from(super::BAD_INPUT)),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// One file's warnings, those of its settings and then those of the checks
/// before a run, or its error.
fn check(file: &Path) -> anyhow::Result<Vec<String>> {
    let loaded = rctsim::scenario::load(file)?;
    let before_a_run = trial::preflight(&loaded.model).map_err(|e| anyhow::anyhow!("{}: {e}", shown_path(file)))?;
    Ok(loaded.warnings.into_iter().chain(before_a_run).collect())
}
