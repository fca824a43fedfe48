//! `rctsim run`: simulate, print the table, write the output files.

use super::out;
use anyhow::Context;
use rctsim::report::{self, Report};
use rctsim::scenario::shown_path;
use rctsim::trial::{self, Progress, RunError, RunOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (RON).
    scenario: PathBuf,
    /// Replicate trials to simulate (overrides the scenario's `replicates`).
    // `--reps` is the short form people type; without it clap's nearest
    // suggestion for it is `--persons`.
    #[arg(long, visible_alias = "reps", allow_negative_numbers = true, value_parser = whole::<u32>(1, u32::MAX.into()))]
    replicates: Option<u32>,
    /// Root seed (overrides the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = whole::<u64>(0, u64::MAX))]
    seed: Option<u64>,
    /// Worker threads, 1 to 1,024 (default: every core). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = whole::<u16>(1, MAX_THREADS))]
    threads: Option<u16>,
    /// Write summary.json, estimates.csv and trajectories.csv to this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write persons.csv (replicate 0, one row per participant); needs --out.
    #[arg(long, requires = "out")]
    persons: bool,
    /// Print nothing on success (no table, no progress).
    #[arg(long)]
    quiet: bool,
}

/// The most `--threads` accepted. Every thread is started before the first
/// replicate, so a mistyped count (up to 65,535 fit the type) would stall the
/// run for seconds and gain nothing; 1,024 is more than the cores of any
/// machine this is likely to meet.
const MAX_THREADS: u64 = 1024;

/// A parser of a whole number from `lo` to `hi` whose one message, for a
/// sign, a letter or a number out of range alike, says what is expected.
fn whole<T: TryFrom<u64> + Clone + Send + Sync + 'static>(
    lo: u64,
    hi: u64,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text| {
        text.parse::<u64>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| format!("expected a whole number from {lo} to {hi}"))
    }
}

/// Returns to the start of the terminal's line and clears it: each report of
/// progress replaces the last, and the table, or an error, starts on a clean line.
const CLEAR_LINE: &str = "\r\x1b[K";

/// A run too large for the machine, named by its scenario: the library
/// speaks of threads and replicates, and here they are `flags`.
fn too_large(e: &RunError, flags: &str, scenario: &std::path::Path) -> anyhow::Error {
    anyhow::anyhow!("{e} ({flags})").context(shown_path(scenario))
}

/// `rctsim run`: loads the scenario, checks the output folder before any
/// replicate is simulated, runs with progress on a terminal, writes the files
/// (before the table, so that a table that cannot be printed loses no file),
/// then prints the table.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = rctsim::scenario::load(&args.scenario)?;
    if !args.quiet {
        for w in &loaded.warnings {
            to_stderr!("warning: {}: {w}\n", shown_path(&args.scenario));
        }
    }
    let out = args.out.as_deref().map(out::check).transpose()?;
    let options = RunOptions {
        replicates: args.replicates,
        seed: args.seed,
        threads: args.threads.map(usize::from),
        keep_persons: args.persons,
    };
    let start = Instant::now();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let result = trial::run_with_progress(&loaded.model, &options, |progress| {
        if show_progress {
            print_progress(progress);
        }
    });
    if show_progress && result.is_err() {
        // The progress line, which the error would otherwise follow on.
        to_stderr!("{CLEAR_LINE}");
    }
    let result = result.map_err(|e| named(e, &args.scenario))?;
    let report = Report {
        model: &loaded.model,
        scenario_sha256: &loaded.sha256,
        scenario_text: &loaded.text,
        result: &result,
        elapsed_seconds: start.elapsed().as_secs_f64(),
        warnings: &loaded.warnings,
    };
    if let Some(out) = &out {
        write_files(out, &report, args.quiet, show_progress)?;
    }
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        out.write_all(report::table(&report).as_bytes()).context("writing the table")?;
        out.flush().context("writing the table")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One report of progress on the terminal, in place of the last.
fn print_progress(progress: Progress) {
    match progress {
        Progress::Simulated { done, total } => to_stderr!("\rsimulated {done}/{total} replicates"),
        Progress::Diagnosed { done, total } => {
            to_stderr!("{CLEAR_LINE}diagnosed {done}/{total} cells");
            if done == total {
                // Gone before the files are written and the table printed.
                to_stderr!("{CLEAR_LINE}");
            }
        }
        _ => {}
    }
}

/// A failed run's error, named as validate names it: the scenario is at
/// fault (a population it cannot generate), or its size is (too large for
/// the machine; then exit 1, as the file itself is sound).
fn named(e: RunError, scenario: &std::path::Path) -> anyhow::Error {
    match e {
        RunError::Cohort { .. } => anyhow::Error::new(e).context(shown_path(scenario)),
        RunError::Memory { .. } => too_large(&e, "--threads, --replicates", scenario),
        RunError::ResultsMemory { .. } => too_large(&e, "--replicates", scenario),
        other => other.into(),
    }
}

/// Writes the output files into the checked folder `out`, with the notes
/// the writing gives (an earlier file set aside, a lock waited for) on
/// standard error unless `quiet`, and "writing the files" on the terminal
/// meanwhile when `show_progress`.
fn write_files(out: &out::OutDir, report: &Report, quiet: bool, show_progress: bool) -> anyhow::Result<()> {
    if show_progress {
        to_stderr!("writing the files");
    }
    let written = out::write_files(out, report, &mut |note| {
        if show_progress {
            to_stderr!("{CLEAR_LINE}{note}\nwriting the files");
        } else if !quiet {
            to_stderr!("{note}\n");
        }
    });
    if show_progress {
        // Also before an error, which would otherwise follow on this line.
        to_stderr!("{CLEAR_LINE}");
    }
    written
}
