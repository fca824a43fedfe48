//! `--out`: the folder `run` writes its files to, checked before any replicate
//! is simulated and written so that a reader never sees a partial file.

use anyhow::Context;
use rctsim::report::{self, Report};
use std::path::{Component, Path, PathBuf};

/// Where `run` will write: the folder and the folders to create for it.
#[derive(Debug)]
pub struct OutDir {
    /// The folder the files go in: the path given, except that a `..` after a
    /// folder still to be created cancels that folder instead of leaving it
    /// behind empty.
    path: PathBuf,
    /// The folders to create, outermost first; when there are any, the last
    /// is `path`.
    missing: Vec<PathBuf>,
}

/// Bad usage found by `run` itself rather than by clap: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

/// Refuses, before any replicate is simulated, an `--out` that could not be
/// written when the run ends: an existing file (or link that is not to a
/// folder), a path under a file, or a folder that cannot be created (a name
/// too long, say) or written in. The folders still missing are created to
/// prove they can be and removed again, so nothing is left behind.
pub fn check(dir: &Path) -> Result<OutDir, UsageError> {
    let refuse = |why: String| UsageError(format!("--out {}: {why}", dir.display()));
    if present(dir) && !dir.is_dir() {
        return Err(refuse("exists and is not a folder".into()));
    }
    let (existing, out) = plan(dir);
    if !existing.is_dir() {
        return Err(refuse(format!("{} is not a folder", existing.display())));
    }
    let created = create_folders(&out.missing).map_err(|e| refuse(format!("{e:#}")))?;
    if let Err(e) = tempfile::Builder::new().prefix(".rctsim-probe").tempfile_in(&out.path) {
        return Err(refuse(format!("cannot write in {}: {e}", out.path.display())));
    }
    drop(created);
    Ok(out)
}

/// Present even as a dangling link, which `exists()` would deny.
fn present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// Splits `dir` into its nearest present ancestor (`.` for a relative path
/// none of whose folders exist yet) and the [`OutDir`] below it. Only the
/// part that does not exist yet is simplified, where no link can make `..`
/// mean anything but the folder above.
fn plan(dir: &Path) -> (PathBuf, OutDir) {
    // A relative path's last ancestor is "", the working folder.
    let existing = dir.ancestors().find(|a| a.as_os_str().is_empty() || present(a)).unwrap_or(dir);
    let mut path = existing.to_path_buf();
    let mut missing = Vec::new();
    for part in dir.strip_prefix(existing).unwrap_or(Path::new("")).components() {
        match part {
            Component::ParentDir if !missing.is_empty() => {
                missing.pop();
                path.pop();
            }
            Component::CurDir => {}
            Component::Normal(name) => {
                path.push(name);
                missing.push(path.clone());
            }
            other => path.push(other),
        }
    }
    let or_here = |p: PathBuf| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p };
    (or_here(existing.to_path_buf()), OutDir { path: or_here(path), missing })
}

/// Folders this process created, removed again (innermost first, and only
/// while empty, so nothing anyone put there is lost) when dropped unless kept.
struct Created(Vec<PathBuf>);

impl Created {
    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        for folder in self.0.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// Creates `missing`, outermost first. On failure the ones it created are
/// removed again.
fn create_folders(missing: &[PathBuf]) -> anyhow::Result<Created> {
    let mut created = Created(Vec::new());
    for folder in missing {
        match std::fs::create_dir(folder) {
            Ok(()) => created.0.push(folder.clone()),
            // Made meanwhile by someone else, and theirs to keep.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && folder.is_dir() => {}
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", folder.display())),
        }
    }
    Ok(created)
}

/// Creates the folder and writes the run's files into it. If anything fails,
/// the folders this created are removed again, so a failed run leaves no
/// half-made output folder.
pub fn write_files(out: &OutDir, report: &Report) -> anyhow::Result<()> {
    let created = create_folders(&out.missing)?;
    write_into(&out.path, report)?;
    created.keep();
    Ok(())
}

fn write_into(dir: &Path, report: &Report) -> anyhow::Result<()> {
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
