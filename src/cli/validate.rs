//! `rctsim validate`: check scenario files without running them.

use rctsim::scenario::shown_path;
use rctsim::trial;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files (RON).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Reports every file's problems, and settings that take no effect as
/// warnings; exit code 2 if any file has a problem. A file that follows every
/// rule also has its first replicate's case managers drawn, as a run would,
/// so that a quality spread that lets effects overflow is reported here too
/// (see [`trial::check_first_case_managers`]). Every file is checked even if standard
/// output closes early (a broken pipe) or fails: the exit code still says
/// whether any file has a problem. A standard output that fails otherwise
/// (a full disk) is then an error; messages to a closed standard error are
/// dropped.
pub fn validate(args: &Args) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    let mut write_error: Option<std::io::Error> = None;
    for file in &args.files {
        match rctsim::scenario::load(file) {
            Ok(loaded) => {
                if let Err(e) = trial::check_first_case_managers(&loaded.model) {
                    to_stderr!(
                        "error: {}: drawing replicate 0's case managers at the scenario's seed: {e}\n",
                        shown_path(file)
                    );
                    failed = true;
                    continue;
                }
                if write_error.is_none() {
                    write_error = writeln!(stdout, "{}: ok", shown_path(file)).err();
                }
                for w in &loaded.warnings {
                    to_stderr!("warning: {}: {w}\n", shown_path(file));
                }
                // Not a problem of the scenario, but of this machine: a warning.
                if let Err(e) = trial::check_memory(&loaded.model, &trial::RunOptions::default()) {
                    to_stderr!(
                        "warning: {}: run with its {} replicates on every core, it would stop at once: {e}\n",
                        shown_path(file),
                        loaded.model.replicates
                    );
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
