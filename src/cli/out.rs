//! `--out`: the folder `run` writes its files to, checked before any replicate
//! is simulated and written so that a reader never sees a partial file.

use anyhow::Context;
use rctsim::report::{self, Report};
use rctsim::scenario::shown_path;
use std::io::Write;
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

/// Whether `path` is a symbolic link whose target does not exist (not one
/// that loops or whose target may not be read).
fn dangling(path: &Path) -> bool {
    path.is_symlink() && std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

/// Refuses, before any replicate is simulated, an `--out` that could not be
/// written when the run ends: an existing file (or link that is not to a
/// folder), a path under a file, a folder that cannot be created (a name too
/// long, say) or written in, or one holding a folder where a file of the run
/// (or its temporary copy) goes, which no rename could replace. The folders
/// still missing are created to prove they can be and removed again, so
/// nothing is left behind.
pub fn check(dir: &Path) -> Result<OutDir, UsageError> {
    let refuse = |why: String| UsageError(format!("--out {}: {why}", shown_path(dir)));
    if present(dir) && !dir.is_dir() {
        let why = if dangling(dir) {
            "is a link to nothing (its target does not exist)"
        } else {
            "exists and is not a folder"
        };
        return Err(refuse(why.into()));
    }
    let (existing, out) = plan(dir);
    if !existing.is_dir() {
        let what = if dangling(&existing) { "a link to nothing" } else { "not a folder" };
        return Err(refuse(format!("{} is {what}", shown_path(&existing))));
    }
    let created = create_folders(&out.missing).map_err(|e| refuse(format!("{e:#}")))?;
    if let Err(e) = tempfile::Builder::new().prefix(".rctsim-probe").tempfile_in(&out.path) {
        return Err(refuse(format!("cannot write in {}: {e}", shown_path(&out.path))));
    }
    if let Some(folder) = folder_in_the_way(&out.path) {
        return Err(refuse(format!("{} is a folder, where the run writes a file", shown_path(&folder))));
    }
    drop(created);
    Ok(out)
}

/// Present even as a dangling link, which `exists()` would deny.
fn present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// The first of the run's files, or their temporary copies, that is a folder
/// in `dir` (a link to one is fine: a rename replaces the link).
fn folder_in_the_way(dir: &Path) -> Option<PathBuf> {
    report::FILES
        .iter()
        .flat_map(|f| [dir.join(f.name), temporary_path(dir, f.name), backup_path(dir, f.name)])
        .find(|path| path.symlink_metadata().is_ok_and(|m| m.is_dir()))
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
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", shown_path(folder))),
        }
    }
    Ok(created)
}

/// Creates the folder and writes the run's files into it. If anything fails,
/// the folders this created are removed again, so a failed run leaves no
/// half-made output folder.
/// `notice` is given a line to show the user: that the run waits for another
/// writing to the folder, or that the folder cannot be locked.
pub fn write_files(out: &OutDir, report: &Report, notice: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    let files: Vec<(&str, Contents)> = report::files(report)
        .map(|f| (f.name, Box::new(move |w: &mut dyn Write| f.write(report, w)) as Contents))
        .collect();
    // A folder reused without --persons would otherwise hold another run's
    // persons.csv beside this run's files.
    let remove_stale_persons = report.result.persons.is_none();
    write(out, &files, remove_stale_persons, notice)
}

/// Writes a file's contents to a stream.
type Contents<'a> = Box<dyn Fn(&mut dyn Write) -> std::io::Result<()> + 'a>;

/// [`write_files`] once the files are made: creates the folders, writes every
/// file under its temporary name and only then renames them all, so that a
/// failure while writing, or while renaming, leaves a reused folder's earlier
/// files as they were.
fn write(
    out: &OutDir,
    files: &[(&str, Contents)],
    remove_stale_persons: bool,
    notice: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let created = create_folders(&out.missing)?;
    let _lock = lock(&out.path, notice)?;
    let mut staged = Staged::new(&out.path, remove_stale_persons.then_some(report::PERSONS_CSV.name));
    for (name, contents) in files {
        let tmp = write_temporary(&out.path, name, contents)
            .with_context(|| format!("writing {}", shown_path(&out.path.join(name))))?;
        staged.files.push((tmp, name));
    }
    staged.rename_all()?;
    created.keep();
    Ok(())
}

/// Locks `dir` for this process until the returned handle is dropped.
///
/// Two runs writing to one folder at once would remove and rename each
/// other's temporary files (their names are fixed, so that a killed run's are
/// found and replaced), leaving a file half written or a mix of both runs'
/// files. Each run therefore holds an exclusive lock on the folder itself
/// (`flock` on Unix, advisory: it binds only rctsim runs) while it writes and
/// renames: a second run waits, saying so, and then replaces the first one's
/// files whole. Where the folder cannot be locked (a file system that does
/// not lock, as some network ones do not, or a folder that may be written
/// but not read, which cannot be opened), the run writes without the lock
/// and says so rather than fail after simulating.
///
/// # Errors
/// Waiting for the lock fails.
fn lock(dir: &Path, notice: &mut dyn FnMut(&str)) -> anyhow::Result<Option<std::fs::File>> {
    if !cfg!(unix) {
        // Only a Unix folder can be opened as a file to lock.
        return Ok(None);
    }
    let unlocked = |notice: &mut dyn FnMut(&str), e: &dyn std::fmt::Display| {
        notice(&format!(
            "warning: {} cannot be locked ({e}), so a run writing there at the same time could mix its files with \
             this run's",
            shown_path(dir)
        ));
        Ok(None)
    };
    let folder = match std::fs::File::open(dir) {
        Ok(folder) => folder,
        Err(e) => return unlocked(notice, &e),
    };
    match folder.try_lock() {
        Ok(()) => Ok(Some(folder)),
        Err(std::fs::TryLockError::WouldBlock) => {
            notice(&format!("waiting for another run to finish writing to {}", shown_path(dir)));
            folder.lock().with_context(|| format!("locking {}", shown_path(dir)))?;
            Ok(Some(folder))
        }
        Err(std::fs::TryLockError::Error(e)) => unlocked(notice, &e),
    }
}

/// Writes `contents`, synced to disk, under the temporary name of `dir/name`
/// ([`temporary_path`]) and returns that path, for the caller to rename into
/// place: a run renames its files only once all of them are written, so that
/// a failure leaves a reused folder's earlier files as they were.
///
/// # Errors
/// Any I/O error; the temporary file is removed on failure.
fn write_temporary(
    dir: &Path,
    name: &str,
    contents: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    let tmp = temporary_path(dir, name);
    // A file or link left at the name is removed, not written through: a
    // link there would make the run write wherever it points. `create_new`
    // then refuses anything put there meanwhile.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let result = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).and_then(|f| {
        let mut w = std::io::BufWriter::new(f);
        contents(&mut w)?;
        w.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()
    });
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Where `dir/name` is written before it is renamed into place: a hidden
/// file beside it, in the same folder so that the rename cannot have to copy.
fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}

/// Where an earlier run's `dir/name` is kept while this run's file takes its
/// place, until all of this run's files are in place.
fn backup_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.old"))
}

/// A run's files written under their temporary names, the first `renamed` of
/// them since renamed into place, each earlier file they replace set aside
/// first (`backups`, one entry per rename begun), and an earlier file the
/// run removes rather than replaces (`stale`: `persons.csv` without
/// `--persons`) set aside before them. Dropped before it is `done`, it puts
/// the earlier files back, removes the run's files that had none, and
/// removes the temporary files left: the folder is as it was (empty, if this
/// run created it, so that it can go).
struct Staged<'a> {
    dir: &'a Path,
    files: Vec<(PathBuf, &'a str)>,
    stale: Option<&'a str>,
    stale_backup: Option<PathBuf>,
    renamed: usize,
    backups: Vec<Option<PathBuf>>,
    done: bool,
}

impl<'a> Staged<'a> {
    fn new(dir: &'a Path, stale: Option<&'a str>) -> Self {
        Staged { dir, files: Vec::new(), stale, stale_backup: None, renamed: 0, backups: Vec::new(), done: false }
    }

    /// Moves an earlier `name` to its backup, if there is one. A folder there
    /// (made since the run began: `check` refuses one) is an error, not
    /// something to move aside.
    fn set_aside(&self, name: &str) -> anyhow::Result<Option<PathBuf>> {
        let path = self.dir.join(name);
        match path.symlink_metadata() {
            Err(_) => Ok(None),
            Ok(m) if m.is_dir() => anyhow::bail!("{} is a folder, where the run writes a file", shown_path(&path)),
            Ok(_) => {
                let backup = backup_path(self.dir, name);
                std::fs::rename(&path, &backup).with_context(|| format!("setting aside {}", shown_path(&path)))?;
                Ok(Some(backup))
            }
        }
    }

    fn rename_all(mut self) -> anyhow::Result<()> {
        if let Some(name) = self.stale {
            self.stale_backup = self.set_aside(name)?;
        }
        while let Some((tmp, name)) = self.files.get(self.renamed).cloned() {
            let backup = self.set_aside(name)?;
            self.backups.push(backup);
            let path = self.dir.join(name);
            std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", shown_path(&path)))?;
            self.renamed += 1;
        }
        self.done = true;
        // This run's set-aside copies, and any a killed run left behind.
        for name in self.files.iter().map(|&(_, name)| name).chain(self.stale) {
            let _ = std::fs::remove_file(backup_path(self.dir, name));
        }
        Ok(())
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // The renames begun, the last perhaps only as far as its backup.
        for (i, backup) in self.backups.iter().enumerate() {
            let path = self.dir.join(self.files[i].1);
            match backup {
                Some(backup) => {
                    let _ = std::fs::rename(backup, &path);
                }
                None if i < self.renamed => {
                    let _ = std::fs::remove_file(&path);
                }
                None => {}
            }
        }
        if let (Some(backup), Some(name)) = (&self.stale_backup, self.stale) {
            let _ = std::fs::rename(backup, self.dir.join(name));
        }
        for (tmp, _) in &self.files[self.renamed..] {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of what `dir` holds, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    /// A file of the run with `text` in it.
    fn text<'a>(name: &'a str, text: &'static [u8]) -> (&'a str, Contents<'static>) {
        (name, Box::new(move |w| w.write_all(text)))
    }

    /// Writes `text` under the temporary name of `dir/name`.
    fn temporary(dir: &Path, name: &str, text: &'static [u8]) -> PathBuf {
        write_temporary(dir, name, &|w| w.write_all(text)).unwrap()
    }

    /// Files already written under temporary names, staged for renaming.
    fn stage<'a>(dir: &'a Path, stale: Option<&'a str>, files: Vec<(PathBuf, &'a str)>) -> Staged<'a> {
        let mut staged = Staged::new(dir, stale);
        staged.files = files;
        staged
    }

    /// The text of `dir/name`.
    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    /// A name no file system takes, for a file that cannot be written.
    fn too_long() -> String {
        "a".repeat(300)
    }

    #[test]
    fn a_dot_dot_cancels_only_a_folder_still_to_be_created() {
        let dir = tempfile::tempdir().unwrap();
        let (existing, out) = plan(&dir.path().join("new/../sub/x/../y"));
        assert_eq!(existing, dir.path());
        assert_eq!(out.path, dir.path().join("sub/y"));
        assert_eq!(out.missing, [dir.path().join("sub"), dir.path().join("sub/y")]);
        let (_, out) = plan(&dir.path().join("new/.."));
        assert_eq!((out.path, out.missing), (dir.path().to_path_buf(), vec![]));
        // A `..` past the folders still to be created leaves the existing
        // path as it is: a link there may lead anywhere.
        let (_, out) = plan(&dir.path().join("new/../../up"));
        assert_eq!(out.path, dir.path().join("../up"));
        assert_eq!(out.missing, [dir.path().join("../up")]);
    }

    /// A folder made by someone else between the plan and its creation is
    /// theirs: used, not removed later. A file made there is an error.
    #[test]
    fn a_folder_made_meanwhile_is_used_and_kept_and_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        let mine = theirs.join("mine");
        drop(create_folders(&[theirs.clone(), mine.clone()]).unwrap());
        assert!(theirs.is_dir() && !mine.exists(), "only the folder it made is removed");
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let e = create_folders(&[file]).err().expect("a file where a folder goes");
        assert!(format!("{e:#}").starts_with("cannot create "), "{e:#}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_or_file_left_at_a_temporary_name_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("precious.txt");
        std::fs::write(&outside, "precious").unwrap();
        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        std::os::unix::fs::symlink(&outside, out_dir.join(".one.csv.tmp")).unwrap();
        std::fs::write(out_dir.join(".two.csv.tmp"), "stale").unwrap();
        let (_, out) = plan(&out_dir);
        write(&out, &[text("one.csv", b"1"), text("two.csv", b"2")], true, &mut |_| {}).unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious", "nothing written through the link");
        for (name, contents) in [("one.csv", "1"), ("two.csv", "2")] {
            let path = out_dir.join(name);
            assert!(!path.symlink_metadata().unwrap().file_type().is_symlink(), "{name} is a file, not a link");
            assert_eq!(std::fs::read_to_string(path).unwrap(), contents);
        }
        assert_eq!(names(&out_dir), ["one.csv", "two.csv"], "no temporary file left");
    }

    #[test]
    fn a_failed_write_removes_the_folders_it_created() {
        let dir = tempfile::tempdir().unwrap();
        let (_, out) = plan(&dir.path().join("a/b"));
        let long = too_long();
        assert!(write(&out, &[text("one.csv", b"1"), text(&long, b"2")], true, &mut |_| {}).is_err());
        assert!(names(dir.path()).is_empty(), "no half-made output folder");
    }

    #[test]
    fn a_failed_write_leaves_a_reused_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("one.csv"), "earlier").unwrap();
        std::fs::write(dir.path().join("persons.csv"), "earlier").unwrap();
        let (_, out) = plan(dir.path());
        let long = too_long();
        assert!(write(&out, &[text("one.csv", b"new"), text(&long, b"2")], true, &mut |_| {}).is_err());
        assert_eq!(names(dir.path()), ["one.csv", "persons.csv"], "no temporary file left");
        assert_eq!(read(dir.path(), "one.csv"), "earlier");
        // The stale persons.csv goes only once the run's files are in place.
        assert!(write(&out, &[text("one.csv", b"new")], true, &mut |_| {}).is_ok());
        assert_eq!(names(dir.path()), ["one.csv"]);
        assert_eq!(read(dir.path(), "one.csv"), "new");
    }

    #[test]
    fn a_failed_rename_in_a_new_folder_takes_back_the_files_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = temporary(dir.path(), "one.csv", b"1");
        let files = vec![(tmp, "one.csv"), (dir.path().join(".vanished.tmp"), "two.csv")];
        let staged = stage(dir.path(), None, files);
        assert!(staged.rename_all().is_err());
        assert!(names(dir.path()).is_empty(), "the folder is empty and can go");
    }

    #[test]
    fn a_failed_rename_in_a_reused_folder_puts_the_earlier_files_back() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["one.csv", "two.csv"] {
            std::fs::write(dir.path().join(name), "earlier").unwrap();
        }
        let one = temporary(dir.path(), "one.csv", b"new");
        let three = temporary(dir.path(), "three.csv", b"new");
        // one.csv and three.csv are renamed into place, then two.csv's
        // temporary file is missing: the rename fails after its backup.
        let files = vec![(one, "one.csv"), (three, "three.csv"), (dir.path().join(".vanished.tmp"), "two.csv")];
        let staged = stage(dir.path(), None, files);
        assert!(staged.rename_all().is_err());
        assert_eq!(names(dir.path()), ["one.csv", "two.csv"]);
        for name in ["one.csv", "two.csv"] {
            assert_eq!(read(dir.path(), name), "earlier", "{name}");
        }
        // When every rename succeeds, no backup is left.
        let one = temporary(dir.path(), "one.csv", b"new");
        let staged = stage(dir.path(), None, vec![(one, "one.csv")]);
        assert!(staged.rename_all().is_ok());
        assert_eq!(names(dir.path()), ["one.csv", "two.csv"]);
        assert_eq!(read(dir.path(), "one.csv"), "new");
    }

    #[test]
    fn a_folder_made_where_a_file_goes_is_an_error_and_nothing_is_moved() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("one.csv"), "earlier").unwrap();
        std::fs::create_dir(dir.path().join("two.csv")).unwrap();
        let (_, out) = plan(dir.path());
        let err = write(&out, &[text("one.csv", b"new"), text("two.csv", b"new")], false, &mut |_| {}).unwrap_err();
        assert!(format!("{err:#}").contains("two.csv is a folder, where the run writes a file"), "{err:#}");
        assert_eq!(names(dir.path()), ["one.csv", "two.csv"]);
        assert_eq!(read(dir.path(), "one.csv"), "earlier");
    }

    #[test]
    fn copies_set_aside_by_a_killed_run_go_once_a_run_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".one.csv.old"), "killed").unwrap();
        std::fs::write(dir.path().join(".persons.csv.old"), "killed").unwrap();
        let (_, out) = plan(dir.path());
        write(&out, &[text("one.csv", b"new")], true, &mut |_| {}).unwrap();
        assert_eq!(names(dir.path()), ["one.csv"]);
    }

    /// A folder that may be written but not read cannot be opened to lock:
    /// the run writes all the same, with a warning. (Root reads any folder,
    /// so there the lock is taken and nothing is said.)
    #[cfg(unix)]
    #[test]
    fn a_folder_that_cannot_be_read_is_written_without_the_lock_and_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (_, out) = plan(dir.path());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o300)).unwrap();
        let readable = std::fs::read_dir(dir.path()).is_ok();
        let mut notes = Vec::new();
        let written = write(&out, &[text("one.csv", b"1")], true, &mut |note| notes.push(note.to_owned()));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        written.unwrap();
        assert_eq!(names(dir.path()), ["one.csv"]);
        if readable {
            assert!(notes.is_empty(), "{notes:?}");
        } else {
            assert_eq!(notes.len(), 1, "{notes:?}");
            assert!(notes[0].starts_with("warning: ") && notes[0].contains("cannot be locked"), "{notes:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_run_waits_while_another_writes_to_the_folder_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let (_, out) = plan(dir.path());
        let other = std::fs::File::open(dir.path()).unwrap();
        other.lock().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let writer =
                s.spawn(|| write(&out, &[text("one.csv", b"1")], true, &mut |note| tx.send(note.to_owned()).unwrap()));
            let note = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("a notice that it waits");
            assert!(note.starts_with("waiting for another run to finish writing to "), "{note}");
            assert!(names(dir.path()).is_empty(), "nothing written while the other run holds the folder");
            other.unlock().unwrap();
            writer.join().unwrap().unwrap();
        });
        assert_eq!(names(dir.path()), ["one.csv"]);
    }

    /// Runs writing to one folder at the same time leave one run's files,
    /// whole, and no temporary file.
    #[test]
    fn runs_writing_to_one_folder_at_once_leave_one_runs_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (_, out) = plan(dir.path());
        // Large enough that writing one takes a while, so that runs overlap.
        let big = |byte: u8| -> &'static [u8] { Vec::leak(vec![byte; 1 << 20]) };
        let (a, b) = (big(b'a'), big(b'b'));
        for _ in 0..20 {
            std::thread::scope(|s| {
                for contents in [a, b] {
                    let out = &out;
                    s.spawn(move || {
                        let files = [text("one.csv", contents), text("two.csv", contents)];
                        write(out, &files, true, &mut |_| {}).unwrap();
                    });
                }
            });
            assert_eq!(names(dir.path()), ["one.csv", "two.csv"]);
            let one = std::fs::read(dir.path().join("one.csv")).unwrap();
            let two = std::fs::read(dir.path().join("two.csv")).unwrap();
            assert!(one == a || one == b, "one.csv is one run's file, whole");
            assert_eq!(one, two, "both files are the same run's");
        }
    }

    #[test]
    fn a_stale_persons_csv_is_put_back_when_the_run_fails() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("persons.csv"), "earlier").unwrap();
        let tmp = temporary(dir.path(), "one.csv", b"new");
        let staged = stage(
            dir.path(),
            Some("persons.csv"),
            vec![(tmp, "one.csv"), (dir.path().join(".vanished.tmp"), "two.csv")],
        );
        assert!(staged.rename_all().is_err());
        assert_eq!(names(dir.path()), ["persons.csv"]);
        assert_eq!(read(dir.path(), "persons.csv"), "earlier");
    }
}
