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
                for risk in trial::quality_risks(&loaded.model) {
                    let replicates = loaded.model.replicates;
                    let chance = risk.in_run(replicates);
                    if chance >= QUALITY_WARNING {
                        to_stderr!("warning: {}: {}\n", shown_path(file), quality_warning(&risk, replicates, chance));
                    }
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

/// The chance, for the scenario's replicates, from which `validate` warns
/// that a case manager's quality draw could stop a run: one run in a million.
const QUALITY_WARNING: f64 = 1e-6;

/// How likely a run is to stop on a quality draw of `risk`'s service, in
/// words. `validate` draws only replicate 0's case managers, and `run` checks
/// every replicate's before simulating, so the run would stop at once.
fn quality_warning(risk: &trial::QualityRisk, replicates: u32, chance: f64) -> String {
    let one_in = 1.0 / risk.per_draw;
    let one_in = if one_in < 1e6 { format!("{one_in:.0}") } else { format!("{one_in:.2e}") };
    let chance = if chance >= 0.01 { format!("{chance:.2}") } else { format!("{chance:.1e}") };
    format!(
        "services.{}: a case manager of quality above {:.1} (a draw {:.2} SDs up: about 1 case manager in {one_in}) \
         raises the service's largest effect multiplier past 1e100, which stops a run as bad input; a run of the \
         scenario's {replicates} replicates, {} such case managers each, meets one with chance {chance} (and \
         stops before simulating anything: run checks every replicate's draws first); lower quality_sd or the \
         effects",
        rctsim::scenario::shown_name(&risk.service),
        risk.quality,
        risk.sds,
        risk.case_managers
    )
}
