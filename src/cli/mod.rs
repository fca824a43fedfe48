//! Command-line definitions: one file per subcommand (`run`, `validate`), and
//! `out` for the output folder they write. Only this module knows clap.

/// Writes to standard error, as `eprint!` does, but without panicking when
/// standard error is closed or full: the exit code still tells the outcome.
macro_rules! to_stderr {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod out;
mod run;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Simulate randomised controlled trials of employment case-management services.
#[derive(Debug, Parser)]
#[command(name = "rctsim", version = rctsim::report::VERSION, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario's replicate trials and report effects and the design's diagnosis.
    Run(run::Args),
    /// Check scenario files without running them.
    Validate(validate::Args),
}

/// Exit code for bad input or usage.
const BAD_INPUT: u8 = 2;
/// Exit code for a failure while running.
const FAILURE: u8 = 1;

/// Parses the command line, runs the subcommand and maps errors to exit codes:
/// 0 ok, 1 runtime failure, 2 bad input (also a population the scenario
/// cannot generate) or usage.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to standard output: if they cannot be
            // written there (a full disk; a closed pipe is no failure), the
            // command failed, as `run` and `validate` do.
            use std::io::Write as _;
            let printed = e.print().and_then(|()| std::io::stdout().flush());
            return ExitCode::from(match printed {
                _ if e.use_stderr() => BAD_INPUT,
                Err(p) if p.kind() != std::io::ErrorKind::BrokenPipe => FAILURE,
                _ => 0,
            });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::validate(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            to_stderr!("error: {e:#}\n");
            // A population the scenario cannot generate is found only while
            // running, but the scenario is at fault, as for a broken rule.
            let bad_input = e.chain().any(|c| {
                c.downcast_ref::<rctsim::scenario::ScenarioError>().is_some()
                    || c.downcast_ref::<out::UsageError>().is_some()
                    || matches!(
                        c.downcast_ref::<rctsim::trial::RunError>(),
                        Some(rctsim::trial::RunError::Cohort { .. })
                    )
            });
            ExitCode::from(if bad_input { BAD_INPUT } else { FAILURE })
        }
    }
}

pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
