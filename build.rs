//! Stamps the build with the commit it was made from.
//!
//! The crate version stays the same from commit to commit while results may
//! change, so every output names its code by version and commit, as semantic
//! versioning's build metadata: `0.1.0+3d41725c1a2b`, with `.modified` when
//! the files that make the program differ from that commit. Built from a
//! package that `cargo package` made, it names the commit the package
//! records; built otherwise outside a git clone of rctsim (from a source
//! archive, or without git), the stamp is the version alone: never the commit
//! of some other repository around it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the program is built from: a change to any of them, committed or
/// not, changes the program (docs, tests and scenarios do not).
const SOURCES: [&str; 4] = ["src", "Cargo.toml", "Cargo.lock", "build.rs"];

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
    }
    let stamp = match commit(&root).or_else(|| packaged_commit(&root)) {
        Some(commit) => format!("{version}+{commit}"),
        None => version,
    };
    println!("cargo:rustc-env=RCTSIM_VERSION={stamp}");
}

/// The commit checked out in `root`, if `root` is the top of a git work
/// tree, with `.modified` when its sources differ from it.
fn commit(root: &Path) -> Option<String> {
    let top = git(root, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    // HEAD moves on a commit, an amend or a reset: the stamp is made again
    // when any file that records where it points changes (HEAD, the branch
    // it names, loose or packed, and its log), or the index, which a commit or
    // `git add` rewrites. Only files that exist: cargo would re-run the script
    // on every build for a missing one.
    let mut records = ["HEAD", "index", "logs/HEAD", "packed-refs"].map(String::from).to_vec();
    records.extend(git(root, &["symbolic-ref", "-q", "HEAD"]));
    for record in records {
        let path = root.join(git(root, &["rev-parse", "--git-path", &record])?);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let hash = git(root, &["rev-parse", "--short=12", "HEAD"])?;
    let status = Command::new("git").current_dir(root).args(["diff", "--quiet", "HEAD", "--"]).args(SOURCES).status();
    // A source file never added (a new module, say) is no difference to
    // `git diff`, yet the commit alone would not build this program.
    let mut untracked = vec!["ls-files", "--others", "--exclude-standard", "--"];
    untracked.extend(SOURCES);
    let untracked = git(root, &untracked)?;
    match status.ok()?.code()? {
        0 if untracked.is_empty() => Some(hash),
        0 | 1 => Some(format!("{hash}.modified")),
        _ => None,
    }
}

/// The commit a source package was made from, outside a git work tree:
/// `cargo package` records it in `.cargo_vcs_info.json`, with
/// `"dirty": true` when the work tree had uncommitted changes.
fn packaged_commit(root: &Path) -> Option<String> {
    let path = root.join(".cargo_vcs_info.json");
    let info = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let after = &info[info.find("\"sha1\"")? + "\"sha1\"".len()..];
    let hash: String = after.trim_start_matches([':', ' ', '"']).chars().take_while(char::is_ascii_hexdigit).collect();
    if hash.len() < 12 {
        return None;
    }
    // cargo writes the file pretty-printed, `"dirty": true` on a line of
    // its own (checked with cargo 1.95).
    let dirty = info.contains("\"dirty\": true");
    Some(format!("{}{}", &hash[..12], if dirty { ".modified" } else { "" }))
}

/// The trimmed output of a successful git command run in `root`.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").current_dir(root).args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    output.status.success().then(|| text.trim().to_owned())
}
