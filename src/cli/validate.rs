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
/// rule also has its replicates' case managers drawn at its seed, as a run
/// would, so that a quality spread that lets effects overflow is reported
/// here too (see [`trial::check_scenario_case_managers`]), with a warning of
/// how likely a run at another seed is to meet one; and a warning if this
/// machine could not hold the run (then, if it could not hold even the
/// replicates' estimates, no case manager is drawn, as a run would stop
/// before drawing them). Every file is checked even if standard
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
                // A run refuses at once, before drawing any case manager,
                // replicates whose estimates this machine cannot hold on any
                // number of threads; drawing them here would take minutes
                // for a run that cannot start.
                let one_thread = trial::RunOptions { threads: Some(1), ..Default::default() };
                let too_many = matches!(
                    trial::check_memory(&loaded.model, &one_thread),
                    Err(trial::RunError::ResultsMemory { .. })
                );
                if !too_many && let Err(e) = trial::check_scenario_case_managers(&loaded.model) {
                    to_stderr!(
                        "error: {}: drawing the case managers of {} at the scenario's seed: {e}\n",
                        shown_path(file),
                        replicates(loaded.model.replicates)
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
                if let Some(warning) = quality_warning(&loaded.model) {
                    to_stderr!("warning: {}: {warning}\n", shown_path(file));
                }
                // Not a problem of the scenario, but of this machine: a warning.
                if let Err(e) = trial::check_memory(&loaded.model, &trial::RunOptions::default()) {
                    let unchecked = if too_many && !trial::quality_risks(&loaded.model).is_empty() {
                        " (so its case managers' quality draws, which a run checks after this, were not checked)"
                    } else {
                        ""
                    };
                    to_stderr!(
                        "warning: {}: run with its {} replicates on every core, it would stop at once: {e}{unchecked}\n",
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

/// The chance, for a run of the scenario's replicates at another seed, from
/// which `validate` warns that a case manager's quality draw could stop it:
/// one run in a million.
const QUALITY_WARNING: f64 = 1e-6;

/// "1 replicate", "20 replicates".
fn replicates(n: u32) -> String {
    if n == 1 { "1 replicate".into() } else { format!("{n} replicates") }
}

/// How likely a run at another seed than the scenario's, whose draws are
/// checked, is to stop on a case manager's quality: the services at risk,
/// the quality past which a case manager stops a run, and the chance for a
/// run of the scenario's replicates, if at least [`QUALITY_WARNING`].
fn quality_warning(model: &rctsim::scenario::Model) -> Option<String> {
    let risks = trial::quality_risks(model);
    let chance = trial::chance_a_run_stops(&risks, model.replicates);
    if chance < QUALITY_WARNING {
        return None;
    }
    let services: Vec<String> = risks
        .iter()
        .map(|r| {
            let one_in = 1.0 / r.per_draw;
            let one_in = if one_in < 1e6 { format!("{one_in:.0}") } else { format!("{one_in:.2e}") };
            let name = rctsim::scenario::shown_name(&r.service);
            format!("services.{name} above {:.1} ({:.2} SDs up, 1 case manager in {one_in})", r.quality, r.sds)
        })
        .collect();
    let chance = if chance >= 0.01 { format!("{chance:.2}") } else { format!("{chance:.1e}") };
    Some(format!(
        "a case manager's quality can raise an effect multiplier past 1e100, which stops a run: {}; at another \
         seed, a run of {} would meet one with chance {chance}; lower quality_sd or the effects",
        services.join(", "),
        replicates(model.replicates)
    ))
}
