//! `rctsim run`: simulate, print the table, write the output files.

use anyhow::Context;
use rctsim::report::{self, Report};
use rctsim::trial::{self, RunOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (RON).
    scenario: PathBuf,
    /// Replicate trials to simulate (overrides the scenario's `replicates`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    replicates: Option<u32>,
    /// Root seed (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads, 1 to 1,024 (default: every core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
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
const MAX_THREADS: i64 = 1024;

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = rctsim::scenario::load(&args.scenario)?;
    if !args.quiet {
        for w in &loaded.warnings {
            eprintln!("warning: {}: {w}", args.scenario.display());
        }
    }
    if let Some(dir) = &args.out {
        check_out(dir)?;
    }
    let options = RunOptions {
        replicates: args.replicates,
        seed: args.seed,
        threads: args.threads.map(usize::from),
        keep_persons: args.persons,
    };
    let start = Instant::now();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let result = trial::run_with_progress(&loaded.model, &options, |done, total| {
        if show_progress {
            eprint!("\rsimulated {done}/{total} replicates");
            if done == total {
                eprint!("\r\x1b[K");
            }
        }
    })?;
    let report = Report {
        model: &loaded.model,
        scenario_sha256: &loaded.sha256,
        result: &result,
        elapsed_seconds: start.elapsed().as_secs_f64(),
        warnings: &loaded.warnings,
    };
    if let Some(dir) = &args.out {
        write_files(dir, &report)?;
    }
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        out.write_all(report::table(&report).as_bytes()).context("writing the table")?;
        out.flush().context("writing the table")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses, before any replicate is simulated, an `--out` that could not be
/// written when the run ends: an existing file (or link that is not to a
/// folder), or a folder to be created under one or where this user may not
/// write. Leaves nothing behind (the write test's file is removed).
fn check_out(dir: &Path) -> Result<(), UsageError> {
    let refuse = |why: String| Err(UsageError(format!("--out {}: {why}", dir.display())));
    // Present even as a dangling link, which `exists()` would deny.
    let present = |p: &Path| p.symlink_metadata().is_ok();
    if present(dir) && !dir.is_dir() {
        return refuse("exists and is not a folder".into());
    }
    // The folder itself or, when it is to be created, its nearest present
    // ancestor (a relative path ends in "", the working folder).
    let existing = dir.ancestors().find(|a| a.as_os_str().is_empty() || present(a)).unwrap_or(dir);
    let existing = if existing.as_os_str().is_empty() { Path::new(".") } else { existing };
    if !existing.is_dir() {
        return refuse(format!("{} is not a folder", existing.display()));
    }
    match tempfile::Builder::new().prefix(".rctsim-probe").tempfile_in(existing) {
        Ok(_) => Ok(()),
        Err(e) => refuse(format!("cannot write in {}: {e}", existing.display())),
    }
}

/// Bad usage found by `run` itself rather than by clap: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

fn write_files(dir: &Path, report: &Report) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files = vec![
        ("summary.json", report::summary_json(report)),
        ("estimates.csv", report::estimates_csv(report)),
        ("trajectories.csv", report::trajectories_csv(report)),
    ];
    let persons = report::persons_csv(report);
    // A folder reused without --persons would otherwise hold another run's
    // persons.csv beside this run's files.
    let stale_persons = dir.join("persons.csv");
    let remove_stale = persons.is_none() && stale_persons.is_file();
    files.extend(persons.map(|bytes| ("persons.csv", bytes)));
    for (name, bytes) in files {
        report::write_atomically(dir, name, &bytes).with_context(|| format!("writing {}", dir.join(name).display()))?;
    }
    if remove_stale {
        std::fs::remove_file(&stale_persons)
            .with_context(|| format!("removing {} of an earlier run", stale_persons.display()))?;
    }
    Ok(())
}
