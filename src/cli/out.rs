//! `--out`: the folder `run` writes its files to, checked before any replicate
//! is simulated and written so that a reader never sees a partial file.

use anyhow::Context;
use rctsim::report::{self, Report};
use std::path::Path;

/// Refuses, before any replicate is simulated, an `--out` that could not be
/// written when the run ends: an existing file (or link that is not to a
/// folder), or a folder to be created under one or where this user may not
/// write. Leaves nothing behind (the write test's file is removed).
pub fn check(dir: &Path) -> Result<(), UsageError> {
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

pub fn write_files(dir: &Path, report: &Report) -> anyhow::Result<()> {
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
