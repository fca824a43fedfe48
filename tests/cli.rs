//! The command line: the main job, its files, and bad input.

mod common;

use assert_cmd::Command;
use common::fixture;
use common::prec;
use predicates::prelude::*;
use std::path::Path;

fn rctsim() -> Command {
    Command::cargo_bin("rctsim").unwrap()
}

/// The `summary.json` a run wrote in `dir`.
fn read_summary(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

/// `--threads 1` and `--threads 2` write the same bytes in every file, but
/// for the run's wall-clock time in `summary.json`.
#[test]
fn the_number_of_threads_changes_no_byte_of_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = |threads: &str| {
        let out = dir.path().join(threads);
        rctsim()
            .args(["run", fixture("allocation.ron").to_str().unwrap(), "--replicates", "20", "--persons", "--quiet"])
            .args(["--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        rctsim::report::FILES.map(|file| {
            let text = std::fs::read_to_string(out.join(file.name)).unwrap();
            let kept: Vec<&str> = text.split_inclusive('\n').filter(|l| !l.contains("\"elapsed_seconds\": ")).collect();
            assert!(file.name != "summary.json" || kept.len() + 1 == text.lines().count(), "one elapsed_seconds");
            (file.name, kept.concat())
        })
    };
    let (one, two) = (files("1"), files("2"));
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
}

#[test]
fn run_writes_every_file_and_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let assert = rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "3", "--persons", "--out"])
        .arg(&out)
        .assert()
        .success();
    let assert = assert.stdout(
        predicate::str::contains("ics − bau (treatment minus control)")
            .and(predicate::str::contains("outcome                horizon    estimate"))
            // minimal.ron's horizons are 26 and 52: no one reaches 52 weeks in work.
            .and(predicate::str::contains("retained_52_weeks           52      0.0000                        NA"))
            .and(predicate::str::contains("note: NA where no replicate has a p-value"))
            .and(predicate::str::contains("The Monte Carlo SE of each power and coverage is at most "))
            .and(predicate::str::contains("summary.json, among the output files"))
            .and(predicate::str::contains("\nArms (means over participants and replicates, at 52 weeks)\n"))
            .and(predicate::str::contains("take-up  waited  wks_benef"))
            // BAU, its own fallback, never waits; ICS's cap of 20 binds.
            .and(predicate::str::is_match(r"\nbau\* +bau +\d+\.\d +1\.000 +0\.00 ").unwrap())
            .and(predicate::str::is_match(r"\nics +ics +\d+\.\d +0\.\d{3} +[1-9]\d*\.\d\d ").unwrap())
            // And the table says what the effect then is.
            .and(
                predicate::str::is_match(concat!(
                    r"\* control\nnote: caps bind \(mean wait: ics [1-9]\d*\.\d\d weeks\): ",
                    "each effect below is that of being offered a place in this queue"
                ))
                .unwrap(),
            ),
    );
    for name in ["summary.json", "estimates.csv", "trajectories.csv", "persons.csv"] {
        assert!(out.join(name).is_file(), "{name} written");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left");
    let summary = read_summary(&out);
    // The table's bound is the largest MC SE of a power or coverage in summary.json.
    let largest = summary["diagnosands"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| [&d["power_mc_se"], &d["coverage_mc_se"]])
        .filter_map(serde_json::Value::as_f64)
        .fold(0.0, f64::max);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let bound = (largest * 1000.0).ceil() / 1000.0;
    assert!(stdout.contains(&format!("power and coverage is at most {bound:.3}.")), "{largest}");
    assert_eq!(summary["replicates"], 3);
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["version"], rctsim::report::VERSION);
    let bytes = std::fs::read(fixture("minimal.ron")).unwrap();
    assert_eq!(summary["scenario_sha256"], rctsim::scenario::sha256_hex(&bytes));
    // 2 arms, 200 people, ghosts under the other arm: 2 lives × 200 × 52 weeks × 3 replicates.
    assert_eq!(summary["person_weeks"], 2 * 200 * 52 * 3);
    let d = &summary["diagnosands"][0];
    for key in [
        "treatment",
        "control",
        "outcome",
        "horizon_weeks",
        "estimator",
        "pate",
        "pate_mc_se",
        "mean_estimate",
        "bias",
        "rmse",
        "sd_estimate",
        "mean_se",
        "power",
        "coverage",
        "coverage_sate",
        "coverage_sate_mc_se",
        "mean_ci_low",
        "mean_ci_low_mc_se",
        "mean_ci_high",
        "mean_ci_high_mc_se",
    ] {
        assert!(d.get(key).is_some(), "diagnosand field {key}");
    }
    let estimates = std::fs::read_to_string(out.join("estimates.csv")).unwrap();
    // 3 replicates × 1 contrast × 9 outcomes × 2 horizons, plus the header.
    assert_eq!(estimates.lines().count(), 1 + 3 * 9 * 2);
    let persons = std::fs::read_to_string(out.join("persons.csv")).unwrap();
    let header = persons.lines().next().unwrap();
    assert!(header.contains("ever_employed_52_if_ics") && header.contains("service_started_week"));
    // Every CSV row says where it came from: version, seed, replicates and scenario hash.
    let provenance = format!("{},7,3,{}", rctsim::report::VERSION, rctsim::scenario::sha256_hex(&bytes));
    for name in ["estimates.csv", "trajectories.csv", "persons.csv"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().ends_with(",rctsim_version,seed,replicates,scenario_sha256"), "{name} header");
        assert!(lines.all(|l| l.ends_with(&format!(",{provenance}"))), "{name} rows");
    }
}

/// The arms' rows line up under their headings however long an arm's or a
/// service's name, and however wide on a terminal (a CJK character takes two
/// columns): each row of the block is as wide as the heading row.
#[test]
fn the_arms_table_is_as_wide_as_its_longest_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    let long = text
        .replace(r#"(name: "ics", service: "ics")"#, r#"(name: "intensive_client_support", service: "集中")"#)
        .replace(r#""ics": ("#, r#""集中": ("#);
    assert_eq!(long.matches("集中").count(), 2);
    let path = dir.path().join("long.ron");
    std::fs::write(&path, long).unwrap();
    let output = rctsim().args(["run", path.to_str().unwrap(), "--replicates", "2"]).output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let block: Vec<&str> =
        stdout.lines().skip_while(|l| !l.starts_with("Arms (")).skip(1).take_while(|l| *l != "* control").collect();
    assert_eq!(block.len(), 3, "{stdout}");
    assert!(block[2].starts_with("intensive_client_support 集中    "), "{stdout}");
    let width = |row: &str| rctsim::scenario::display_width(row);
    assert!(block.iter().all(|row| width(row) == width(block[0])), "{stdout}");
}

/// The version names the commit the program was built from, when it was
/// built in a git clone of rctsim (as CI and the README's set-up build it).
#[test]
fn version_names_the_commit() {
    let version = rctsim::report::VERSION;
    let (crate_version, build) = version.split_once('+').unwrap_or((version, ""));
    assert_eq!(crate_version, env!("CARGO_PKG_VERSION"));
    let root = env!("CARGO_MANIFEST_DIR");
    let head = std::path::Path::new(root)
        .join(".git")
        .exists()
        .then(|| std::process::Command::new("git").current_dir(root).args(["rev-parse", "--short=12", "HEAD"]).output())
        .and_then(Result::ok)
        .filter(|o| o.status.success());
    if let Some(head) = head {
        let head = String::from_utf8(head.stdout).unwrap();
        let commit = build.strip_suffix(".modified").unwrap_or(build);
        assert_eq!(commit, head.trim(), "{version}");
    }
    rctsim().arg("--version").assert().success().stdout(format!("rctsim {version}\n"));
}

/// Where no cap makes anyone wait, the table has no note on caps.
#[test]
fn no_note_on_caps_where_none_binds() {
    rctsim()
        .args(["run", fixture("null_effect.ron").to_str().unwrap(), "--replicates", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("* control\n").and(predicate::str::contains("note: caps bind").not()));
}

#[test]
fn flags_override_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    rctsim()
        .args([
            "run",
            fixture("minimal.ron").to_str().unwrap(),
            "--replicates",
            "2",
            "--seed",
            "99",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout("");
    let summary = read_summary(dir.path());
    assert_eq!(summary["seed"], 99);
    assert_eq!(summary["replicates"], 2);
    // `--reps` is `--replicates`.
    rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--reps", "3", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    assert_eq!(read_summary(dir.path())["replicates"], 3);
}

/// `summary.json` holds the scenario's text byte for byte (a byte-order mark
/// and carriage returns included): written back to a file with the recorded
/// seed and replicates, it hashes to `scenario_sha256` and gives the same
/// estimates, so an output folder alone is enough to repeat its run.
#[test]
fn a_run_repeats_from_its_summary_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    let original = dir.path().join("original.ron");
    std::fs::write(&original, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    let first = dir.path().join("first");
    let run = |scenario: &Path, out: &Path, extra: &[&str]| {
        rctsim().arg("run").arg(scenario).args(extra).args(["--quiet", "--out"]).arg(out).assert().success();
    };
    run(&original, &first, &["--seed", "5", "--replicates", "2"]);
    let summary = read_summary(&first);
    let recorded = summary["scenario"].as_str().unwrap();
    assert_eq!(recorded.as_bytes(), std::fs::read(&original).unwrap());
    let copy = dir.path().join("copy.ron");
    std::fs::write(&copy, recorded).unwrap();
    assert_eq!(summary["scenario_sha256"], rctsim::scenario::sha256_hex(recorded.as_bytes()));
    let second = dir.path().join("second");
    let (seed, replicates) = (summary["seed"].to_string(), summary["replicates"].to_string());
    run(&copy, &second, &["--seed", &seed, "--replicates", &replicates]);
    for name in ["estimates.csv", "trajectories.csv"] {
        assert_eq!(std::fs::read(first.join(name)).unwrap(), std::fs::read(second.join(name)).unwrap(), "{name}");
    }
}

#[test]
fn the_table_says_in_how_many_replicates_a_contrast_was_estimated() {
    let minimal = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // 2 arrivals expected, the fewest allowed: most replicates leave an arm empty.
    let file = dir.path().join("few.ron");
    std::fs::write(&file, minimal.replace("Total(n: 200, weeks: 20)", "PerSite(weeks: 1, weekly: [2, 0])")).unwrap();
    rctsim().args(["run", "--replicates", "10"]).arg(&file).assert().success().stdout(predicate::str::contains(
        "note: estimated in 1 of 10 replicates; a replicate in which an arm has no participant has no estimate",
    ));
    rctsim()
        .args(["run", "--replicates", "3", fixture("minimal.ron").to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("note: estimated").not());
    // At 104 weeks every outcome varies within each arm: every cell has an
    // interval and there is no note but the arms' on caps.
    std::fs::write(&file, minimal.replace("horizons: [26, 52]", "horizons: [104]")).unwrap();
    rctsim()
        .args(["run", "--replicates", "3"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("retained_52_weeks          104 ").and(predicate::str::contains(" NA").not()))
        .stdout(predicate::function(|s: &str| s.matches("note:").count() == 1 && s.contains("\nnote: caps bind")));
    // Power and coverage over fewer replicates than have an estimate: some
    // outcomes of 12 participants are equal within each arm.
    std::fs::write(&file, minimal.replace("Total(n: 200, weeks: 20)", "Total(n: 12, weeks: 2)")).unwrap();
    rctsim().args(["run", "--replicates", "20"]).arg(&file).assert().success().stdout(predicate::str::contains(
        "note: power and coverage of some outcomes are over fewer replicates than have an estimate, those with a \
         p-value (15 to 19 of 20;",
    ));
}

#[test]
fn validate_accepts_good_files() {
    rctsim()
        .args(["validate", fixture("minimal.ron").to_str().unwrap(), fixture("null_effect.ron").to_str().unwrap()])
        .assert()
        .success();
}

/// Runs `rctsim args` with standard output a pipe whose reading end is
/// already closed and standard error `/dev/full`: every write fails.
#[cfg(target_os = "linux")]
fn with_closed_outputs(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    std::process::Command::new(env!("CARGO_BIN_EXE_rctsim"))
        .args(args)
        .stdout(writer)
        .stderr(dev_full())
        .output()
        .unwrap()
}

/// Runs `rctsim args` with standard output on a full disk (`/dev/full`).
#[cfg(target_os = "linux")]
fn with_full_stdout(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rctsim")).args(args).stdout(dev_full()).output().unwrap()
}

/// `/dev/full`, on which every write fails with "no space left on device".
#[cfg(target_os = "linux")]
fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap()
}

#[test]
#[cfg(target_os = "linux")]
fn outputs_that_cannot_be_written_are_not_a_panic() {
    let good = fixture("minimal.ron");
    let bad = fixture("invalid_no_control.ron");
    // A broken pipe on standard output ends validate quietly.
    let out = with_closed_outputs(&["validate".as_ref(), good.as_os_str(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Errors that cannot be shown still set the exit code, also for a file
    // checked after the pipe broke.
    let out = with_closed_outputs(&["validate".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = with_closed_outputs(&["validate".as_ref(), good.as_os_str(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = with_closed_outputs(&["run".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let warned = fixture("shared_case_manager.ron");
    let out = with_closed_outputs(&["run".as_ref(), warned.as_os_str(), "--replicates".as_ref(), "2".as_ref()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A full disk is not a broken pipe: validate says so, beside the errors.
    let out = with_full_stdout(&["validate".as_ref(), good.as_os_str(), bad.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr.contains("invalid_no_control.ron") && stderr.contains("writing to standard output"), "{stderr}");
    // Help and version: quiet on a broken pipe, a failure on a full disk.
    for args in [vec!["--version"], vec!["--help"], vec!["run", "--help"]] {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        let out = with_closed_outputs(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?} on a broken pipe: {out:?}");
        assert_eq!(with_full_stdout(&args).status.code(), Some(1), "{args:?} on a full disk");
    }
}

#[test]
#[cfg(target_os = "linux")]
fn more_replicates_than_their_estimates_can_be_held_fail_at_once() {
    // 4,294,967,295 replicates' estimates need about 4.7 TB or more: more than
    // the machine's memory (MemTotal), whatever the kernel would grant.
    let dir = tempfile::tempdir().unwrap();
    // With a quality spread, the case managers of every replicate would be
    // drawn before simulating (an hour for this many), and one in about
    // 2,000 of them stops a run as bad input (exit 2): the memory is checked
    // first, at once.
    let spread = dir.path().join("minimal.ron");
    std::fs::write(&spread, common::quality_spread(1, 1.0)).unwrap();
    for scenario in [fixture("minimal.ron"), spread] {
        let out = dir.path().join("out");
        rctsim()
            .args(["run", scenario.to_str().unwrap(), "--replicates", "4294967295", "--quiet"])
            .arg("--out")
            .arg(&out)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("minimal.ron: the estimates of 4294967295 replicates need about "))
            .stderr(predicate::str::contains("use fewer replicates, or fewer arms or horizons (--replicates)"));
        assert!(!out.exists());
    }
}

/// A replicate too large for an address-space limit (`ulimit -v`), though
/// within the machine's memory, fails at once with the memory message, before
/// anything is simulated: the limit is found by trying to allocate that much.
/// 2,000,000 participants of `minimal.ron` need about 1.6 GB; the limit here is 512 MiB.
#[test]
#[cfg(target_os = "linux")]
fn a_replicate_beyond_an_address_space_limit_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (path, out) = (dir.path().join("big.ron"), dir.path().join("out"));
    let text = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    std::fs::write(&path, text.replace("Total(n: 200, weeks: 20)", "Total(n: 2000000, weeks: 20)")).unwrap();
    Command::new("sh")
        .args(["-c", r#"ulimit -v 524288 && exec "$0" "$@""#, env!("CARGO_BIN_EXE_rctsim"), "run"])
        .arg(&path)
        .args(["--replicates", "1", "--threads", "1", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("big.ron: one replicate of about 2000000 participants × 2 arms needs about "))
        .stderr(predicate::str::contains(
            "use fewer worker threads, fewer replicates or a smaller enrolment (--threads, --replicates)",
        ));
    assert!(!out.exists());
}

/// Asserts that the fixture `file` is bad input: see [`rejects_at`].
fn rejects(file: &str, messages: &[&str]) {
    rejects_at(&fixture(file), messages);
}

/// Asserts that `validate` and `run --out` both exit 2 on the scenario at
/// `path`, print nothing on standard output, give each of `messages` on
/// standard error, and create no output folder.
fn rejects_at(path: &Path, messages: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    for args in
        [vec!["validate", path.to_str().unwrap()], vec!["run", path.to_str().unwrap(), "--out", out.to_str().unwrap()]]
    {
        let mut assert = rctsim().args(&args).assert().code(2).stdout("");
        for m in messages {
            assert = assert.stderr(predicate::str::contains(*m));
        }
        assert!(!out.exists(), "no output folder for bad input");
    }
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    rejects(
        "invalid_syntax.ron",
        &["invalid_syntax.ron:5:12: Expected comma after this value (or a bracket closing its list), before what \
           follows at 6:5\n     5 |     seed: 7\n       |            ^\n"],
    );
}

#[test]
fn an_unknown_field_is_an_error_with_its_position() {
    rejects("invalid_unknown_field.ron", &["invalid_unknown_field.ron:25:90: ", "caseload_size"]);
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    rejects(
        "invalid_rules.ron",
        &[
            "7 problems",
            "horizons[0] must be at least 1 week (got 0)",
            "stages[0].progress is a weekly rate and must not be negative (got -0.05)",
            "job_loss.reentry_stage names no stage (got \"Jobsearch\"",
            "services.ics.caseload_cap must be at least 1 (got 0)",
            "services.ics.fidelity is the share of the full effect delivered and must be in [0, 1] (got 1.5)",
            "must mark exactly one arm `control: true` (got \"bau\", \"ics\")",
            "arms[1].service names no service (got \"icss\"",
        ],
    );
}

/// `rejects` for `text`, written to a file named `name` in a temporary folder:
/// `error` is found in the error output right after the file's path.
fn rejects_text(name: &str, text: &str, error: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("never");
    for args in [vec!["validate"], vec!["run", "--out", out.to_str().unwrap()]] {
        let expected = format!("{}{error}", path.display());
        rctsim().args(&args).arg(&path).assert().code(2).stdout("").stderr(predicate::str::contains(expected));
        assert!(!out.exists(), "no output folder for bad input");
    }
}

#[test]
fn parse_errors_point_at_what_they_are_about() {
    let minimal = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    // Each: a file name, an edit of minimal.ron, and the error after the path.
    let edits: [(&str, &str, &str, &str); 12] = [
        // A service declared twice: at the second key, named.
        (
            "twice.ron",
            r#""ics": (case"#,
            r#""bau": (case"#,
            ":27:9: \"bau\" is declared twice\n    27 |         \"bau\": (case_managers_per_site: 1, caseload_cap: 20, hours_p…\n       |         ^\n",
        ),
        // A number beyond the largest: at the number, never read as infinity.
        (
            "huge.ron",
            "progress: 0.05",
            "progress: -1e400",
            ":8:40: the number -1e400 is out of range (numbers must lie within ±1.7976931348623157e308)\n",
        ),
        // A number too small to tell from 0: at the number, never read as 0.
        (
            "tiny.ron",
            "progress: 0.05",
            "progress: 1e-400",
            ":8:40: the number 1e-400 is too small to tell from 0 (the smallest positive number is about 4.9e-324): \
             write 0 if 0 is meant\n",
        ),
        // Whole numbers with a base prefix: placed at their start, sign
        // included, and a negative one said to be negative.
        (
            "hex.ron",
            "replicates: 20,",
            "replicates: -0x1,",
            ":4:17: a negative number where a whole number of 0 or more is expected",
        ),
        (
            "hex_large.ron",
            "replicates: 20,",
            "replicates: 0xFFFFFFFFF,",
            ":4:17: a whole number too large for its field",
        ),
        // A base prefix in a decimal field: said so, at the number.
        (
            "hex_rate.ron",
            "(work_ready: 210.13)",
            "(work_ready: -0x10)",
            ":23:33: a number with a base prefix (0x, 0o or 0b), which only whole-number fields read: write this one \
             in decimal (16, not 0x10)\n",
        ),
        // A value where a name belongs: said so, without RON's raw identifiers.
        (
            "name.ron",
            "Total(n: 200, weeks: 20)",
            "Total(200, 20)",
            ":35:22: expected a name, found `200`: a field is written `name: value` (as in `Total(n: 200, weeks: 20)`), \
             and a choice by its name (as in `All(1.6)` or `Value(0.8)`)\n",
        ),
        // A value of the wrong type: at the value, past blanks and comments,
        // even on the next line (RON places it after the colon).
        (
            "type.ron",
            "progress: 0.05,",
            "progress: /* rate */\n    \"0.05\",",
            ":9:5: Expected float, found a quoted string: write the value without quotes (`3`, not `\"3\"`)\n     \
             9 |     \"0.05\", job: 0.002, other_exit: 0.003),\n       |     ^\n",
        ),
        // Other values of the wrong type: what is expected, with an example.
        ("boolean.ron", "control: true", "control: yes", ":32:48: Expected boolean: `true` or `false`\n"),
        (
            "quoted_boolean.ron",
            "control: true",
            "control: \"true\"",
            ":32:48: Expected boolean, found a quoted string: write `true` or `false`, without quotes\n",
        ),
        (
            "unquoted.ron",
            "(name: \"bau\", service",
            "(name: bau, service",
            ":32:16: Expected string: a name is written in double quotes (`\"North\"`)\n",
        ),
        (
            "site.ron",
            "sites: [(name: \"North\"), (name: \"South\")]",
            "sites: [\"North\", \"South\"]",
            ":22:13: Expected opening `(` for struct `Site`: a `Site` is written with its fields in parentheses, \
             `(field: value, ...)` (docs/scenarios.md lists them)\n",
        ),
    ];
    for (name, from, to, error) in edits {
        rejects_text(name, &minimal.replace(from, to), error);
    }
    // Text after the scenario: where it starts.
    rejects_text(
        "after.ron",
        &format!("{minimal}\n  extra\n"),
        ":38:3: Non-whitespace trailing characters\n    38 |   extra\n       |   ^\n",
    );
    // Old Mac line endings: refused at the first, with what to do.
    rejects_text(
        "mac.ron",
        &minimal.replace('\n', "\r"),
        ":1:73: a carriage return without a line feed (old Mac line endings): \
         save the file with LF or CRLF line endings\n",
    );
}

#[test]
fn text_that_is_not_utf8_is_placed_and_shown_with_its_bad_bytes_replaced() {
    let minimal = std::fs::read(fixture("minimal.ron")).unwrap();
    let at = minimal.windows(7).position(|w| w == b"\"North\"").unwrap();
    let mut bad = minimal.clone();
    bad[at + 2] = 0xff;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ron");
    std::fs::write(&path, &bad).unwrap();
    let out = dir.path().join("never");
    for args in [vec!["validate"], vec!["run", "--out", out.to_str().unwrap()]] {
        let expected = format!(
            "{}:22:22: the file is not valid UTF-8\n    22 |     sites: [(name: \"N\u{FFFD}rth\"), (name: \"South\")],\n",
            path.display()
        );
        rctsim().args(&args).arg(&path).assert().code(2).stdout("").stderr(predicate::str::contains(expected));
        assert!(!out.exists(), "no output folder for bad input");
    }
}

#[test]
fn crlf_line_endings_are_read_and_placed_as_line_feeds_are() {
    let minimal = std::fs::read_to_string(fixture("minimal.ron")).unwrap().replace('\n', "\r\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crlf.ron");
    std::fs::write(&path, &minimal).unwrap();
    rctsim().arg("validate").arg(&path).assert().success();
    rejects_text(
        "crlf_bad.ron",
        &minimal.replace("seed: 7,", "seed: 7.5,"),
        ":5:12: a whole number is expected here, without a decimal point (a count, a number of weeks or the seed)\n     5 |     seed: 7.5,\n       |            ^\n",
    );
}

#[test]
fn a_stage_named_like_another_states_column_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("minimal.ron")).unwrap().replace("\"Job search\"", "\"Other-exit\"");
    let path = dir.path().join("stage_name.ron");
    std::fs::write(&path, text).unwrap();
    rejects_at(&path, &["stages[1].name must not be Employed, Other exit, Waitlisted or In service"]);
}

#[test]
fn settings_that_take_no_effect_are_warned_about_not_refused() {
    // other_fallback.ron gives its fallback-only service a job-loss effect.
    let path = fixture("other_fallback.ron");
    rctsim()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::ends_with("other_fallback.ron: ok\n"))
        .stderr(predicate::str::contains("warning: "))
        .stderr(predicate::str::contains(
            "services.bau: effects.job_loss takes no effect: no arm offers \"bau\" with slots (the control arm \
             \"bau\" has it as its fallback too",
        ));
    let dir = tempfile::tempdir().unwrap();
    rctsim()
        .args(["run", path.to_str().unwrap(), "--replicates", "1", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: ").and(predicate::str::contains("services.bau: effects.job_loss")))
        // One replicate's power is that trial's result: said so, with no bound.
        .stdout(
            predicate::str::contains("No power or coverage rests on two or more replicates")
                .and(predicate::str::contains("is at most").not()),
        );
    let summary = read_summary(dir.path());
    let warnings = summary["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().starts_with("services.bau: effects.job_loss takes no effect"));
    rctsim()
        .args(["run", path.to_str().unwrap(), "--replicates", "1", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr("");
}

#[test]
fn progress_is_shown_on_a_terminal_only() {
    // Standard error is a pipe here: without --quiet, the table and nothing else.
    rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ics"))
        .stderr("");
}

/// What `rctsim` given `args` writes to a terminal: run under util-linux's
/// `script`, which gives it a pseudo-terminal as standard input, output and
/// error and copies what appears there to its own standard output. `None`
/// where `script` is not installed (some systems package it apart from
/// util-linux). The run must succeed; [`on_a_terminal_with_status`] for one
/// that may not.
#[cfg(target_os = "linux")]
fn on_a_terminal(args: &[&std::ffi::OsStr]) -> Option<String> {
    let (status, shown) = on_a_terminal_with_status(args)?;
    assert!(status.success(), "{args:?}: {status:?}, showing {shown:?}");
    Some(shown)
}

/// [`on_a_terminal`] with the run's exit status, which `script` returns.
#[cfg(target_os = "linux")]
fn on_a_terminal_with_status(args: &[&std::ffi::OsStr]) -> Option<(std::process::ExitStatus, String)> {
    // Each word quoted for the shell `script` runs the command with.
    let quote = |word: &std::ffi::OsStr| format!("'{}'", word.to_str().unwrap().replace('\'', r"'\''"));
    let rctsim = assert_cmd::cargo::cargo_bin("rctsim");
    let command: Vec<String> = std::iter::once(rctsim.as_os_str()).chain(args.iter().copied()).map(quote).collect();
    let command = command.join(" ");
    let output = match std::process::Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .output()
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        output => output.unwrap(),
    };
    Some((output.status, String::from_utf8(output.stdout).unwrap()))
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_progress_is_shown_and_cleared_before_the_table() {
    // A folder whose name needs quoting for the shell.
    let dir = tempfile::Builder::new().prefix("it's ").tempdir().unwrap();
    let scenario = fixture("minimal.ron");
    let args = ["run", scenario.to_str().unwrap(), "--replicates", "3", "--threads", "2"].map(std::ffi::OsStr::new);
    let Some(shown) = on_a_terminal(&[&args[..], &[std::ffi::OsStr::new("--out"), dir.path().as_os_str()]].concat())
    else {
        eprintln!("skipped: util-linux's `script`, which gives the run a terminal, is not installed");
        return;
    };
    // Two workers start with a replicate each (chunks double from there);
    // minimal.ron's one contrast has 9 outcomes at 2 horizons.
    let progress = "\rsimulated 2/3 replicates\rsimulated 3/3 replicates\r\x1b[Kdiagnosed 18/18 cells\r\x1b[K\
                    writing the files\r\x1b[K";
    assert!(shown.starts_with(&format!("{progress}rctsim ")), "{shown:?}");
    assert!(dir.path().join("estimates.csv").exists());
    let quiet = on_a_terminal(&[&args[..], &[std::ffi::OsStr::new("--quiet")]].concat());
    assert_eq!(quiet.as_deref(), Some(""));
}

/// A scenario that would fail only in a later replicate (10 ICS case
/// managers with quality spread 1.5 and an effect of 1e6: one in about 230
/// has a quality past 16.7, which raises the effect past 1e100; first in
/// replicate 3) stops before simulating anything, on a terminal too: no
/// progress is shown, and the error starts on a line of its own.
#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_a_run_that_would_fail_in_a_later_replicate_stops_before_any_progress() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::quality_spread(5, 1.5).replace("Total(n: 200, weeks: 20)", "Total(n: 60, weeks: 20)");
    let scenario = dir.path().join("rare.ron");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    let args = ["run".as_ref(), scenario.as_os_str(), "--replicates".as_ref(), "30".as_ref(), "--threads".as_ref()];
    let args = [&args[..], &["1".as_ref(), "--out".as_ref(), out.as_os_str()]].concat();
    let Some((status, shown)) = on_a_terminal_with_status(&args) else {
        eprintln!("skipped: util-linux's `script`, which gives the run a terminal, is not installed");
        return;
    };
    assert_eq!(status.code(), Some(2), "{shown:?}");
    assert!(shown.starts_with("\r\x1b[Kerror: "), "no progress, and the error on a clean line: {shown:?}");
    assert!(shown.contains("replicate 3: services.ics: case manager 4 at site \"North\""), "{shown:?}");
    assert!(!out.exists());
}

#[test]
fn a_missing_control_arm_is_an_error() {
    rejects("invalid_no_control.ron", &["exactly one arm `control: true` (none is)"]);
}

#[test]
fn a_missing_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    for args in [vec!["validate"], vec!["run", "--out", out.to_str().unwrap()]] {
        rctsim()
            .args(&args)
            .arg("no/such/file.ron")
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("no/such/file.ron"))
            .stderr(predicate::function(|e: &str| e.matches("No such file").count() == 1));
        assert!(!out.exists(), "no output folder for bad input");
    }
}

#[test]
fn a_file_over_the_size_limit_is_bad_input_and_is_not_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let limit = rctsim::scenario::MAX_FILE_BYTES as usize;
    // A valid scenario padded with spaces to exactly the limit is read; one byte more is not.
    let mut text = std::fs::read(fixture("minimal.ron")).unwrap();
    text.resize(limit, b' ');
    let at_limit = dir.path().join("at_limit.ron");
    std::fs::write(&at_limit, &text).unwrap();
    rctsim().arg("validate").arg(&at_limit).assert().success();
    text.push(b' ');
    let over = dir.path().join("over.ron");
    std::fs::write(&over, &text).unwrap();
    for file in [over.as_path(), std::path::Path::new("/dev/zero")].into_iter().filter(|f| f.exists()) {
        let message = format!("{}: the file is larger than 16 MiB, the most a scenario may be", file.display());
        rctsim().arg("validate").arg(file).assert().code(2).stderr(predicate::str::contains(message));
    }
}

/// A named pipe that nothing writes to is bad input, at once: opened
/// plainly, it would wait for a writer forever. One with a writer is read.
#[test]
#[cfg(unix)]
fn a_named_pipe_without_a_writer_is_bad_input_not_a_wait() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("scenario.ron");
    assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success());
    let out = dir.path().join("never");
    let message = format!("{}: cannot read the scenario: a pipe that gave nothing to read", pipe.display());
    for command in ["validate", "run"] {
        let mut cmd = rctsim();
        cmd.arg(command).arg(&pipe).timeout(std::time::Duration::from_secs(20));
        if command == "run" {
            cmd.arg("--out").arg(&out);
        }
        cmd.assert().code(2).stderr(predicate::str::contains(message.as_str()));
        assert!(!out.exists(), "no output folder");
    }
    // A writer that has the pipe open when rctsim opens it, and closes it
    // (ending the file) two seconds later, long after rctsim has started.
    let mut end = std::fs::OpenOptions::new().read(true).write(true).open(&pipe).unwrap();
    std::io::Write::write_all(&mut end, &std::fs::read(fixture("minimal.ron")).unwrap()).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(2));
        drop(end);
    });
    rctsim().arg("validate").arg(&pipe).timeout(std::time::Duration::from_secs(20)).assert().success();
    writer.join().unwrap();
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let minimal = fixture("minimal.ron");
    let minimal = minimal.to_str().unwrap();
    let out = out.to_str().unwrap();
    for args in [
        vec!["run", "--out", out],
        vec!["run", minimal, "--out", out, "--threads", "0"],
        vec!["run", minimal, "--out", out, "--replicates", "0"],
        vec!["run", minimal, "--persons"],
        vec!["run", minimal, "--out", out, "--colour"],
    ] {
        rctsim().args(&args).assert().code(2).stdout("");
        assert!(!Path::new(out).exists(), "no output folder after {args:?}");
    }
}

#[test]
fn more_threads_than_the_limit_are_refused_before_starting_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let run = |scenario: &str, threads: &str| {
        rctsim()
            .args(["run", scenario, "--replicates", "1", "--quiet", "--threads", threads])
            .arg("--out")
            .arg(&out)
            .assert()
    };
    let minimal = fixture("minimal.ron");
    for threads in ["1025", "65535"] {
        run(minimal.to_str().unwrap(), threads).code(2).stdout("").stderr(predicate::str::contains(format!(
            "'{threads}' for '--threads <THREADS>': expected a whole number from 1 to 1024"
        )));
        assert!(!out.exists());
    }
    // The limit itself passes the command line (and the missing scenario is
    // what stops it, sparing the test 1,024 threads).
    run("no/such/file.ron", "1024").code(2).stderr(predicate::str::contains("no/such/file.ron"));
}

#[test]
fn an_out_path_that_cannot_be_a_folder_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    for (out, message) in [(file.clone(), "exists and is not a folder"), (file.join("sub"), "file is not a folder")] {
        rctsim()
            .args(["run", fixture("minimal.ron").to_str().unwrap(), "--out", out.to_str().unwrap()])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["file"], "nothing created");
}

#[test]
fn an_out_path_that_cannot_be_created_is_refused_before_running_and_leaves_nothing() {
    // Only the last name is too long: the folder above it can be made, so
    // only creating the whole path proves the run could write its files.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new1").join("a".repeat(256));
    rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "1", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot create"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing created");
}

#[test]
fn a_dot_dot_after_a_folder_still_to_be_created_creates_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["newx/..", "newy/../sub/new/../out"] {
        rctsim()
            .current_dir(dir.path())
            .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "1", "--quiet", "--out", out])
            .assert()
            .success();
    }
    let names = |p: &std::path::Path| {
        let mut names: Vec<_> =
            std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };
    assert_eq!(names(dir.path()), ["estimates.csv", "sub", "summary.json", "trajectories.csv"]);
    assert_eq!(names(&dir.path().join("sub")), ["out"]);
    assert!(dir.path().join("sub/out/summary.json").is_file());
}

#[cfg(unix)]
#[test]
fn an_out_path_through_a_dangling_link_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    for (out, message) in [
        (dangling.clone(), "is a link to nothing (its target does not exist)"),
        (dangling.join("sub"), "dangling is a link to nothing"),
    ] {
        rctsim()
            .args(["run", fixture("minimal.ron").to_str().unwrap(), "--out", out.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!dir.path().join("nowhere").exists(), "nothing created");
}

#[test]
fn a_reused_out_folder_keeps_no_persons_csv_of_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = |persons: bool| {
        let mut cmd = rctsim();
        cmd.args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "2", "--quiet", "--out"])
            .arg(dir.path());
        if persons {
            cmd.arg("--persons");
        }
        cmd.assert().success();
    };
    run(true);
    assert!(dir.path().join("persons.csv").is_file());
    run(false);
    assert!(!dir.path().join("persons.csv").exists(), "persons.csv of the earlier run removed");
}

#[test]
fn a_folder_where_an_output_file_goes_is_refused_before_running_and_nothing_is_replaced() {
    for name in ["summary.json", "estimates.csv", "trajectories.csv", "persons.csv", ".estimates.csv.tmp"] {
        let dir = tempfile::tempdir().unwrap();
        let run = |seed: &str| {
            let mut cmd = rctsim();
            cmd.args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "1", "--quiet", "--seed", seed])
                .args(["--persons", "--out"])
                .arg(dir.path());
            cmd.assert()
        };
        run("1").success();
        let path = dir.path().join(name);
        let _ = std::fs::remove_file(&path);
        std::fs::create_dir(&path).unwrap();
        let earlier: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| (std::fs::read(&p).unwrap(), p))
            .collect();
        assert!(earlier.len() >= 3, "the earlier run's files");
        run("2").code(2).stdout("").stderr(predicate::str::contains(format!("{name} is a folder")));
        for (bytes, p) in earlier {
            assert!(std::fs::read(&p).unwrap() == bytes, "{} unchanged when {name} is a folder", p.display());
        }
        assert!(path.is_dir());
    }
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ics_trial.ron", "ics_x.ron", "ips.ron", "caseloads.ron"] {
        let path = common::shipped(name);
        rctsim().args(["validate", path.to_str().unwrap()]).assert().success();
        let out = dir.path().join(name);
        rctsim()
            .args([
                "run",
                path.to_str().unwrap(),
                "--replicates",
                "2",
                "--persons",
                "--quiet",
                "--out",
                out.to_str().unwrap(),
            ])
            .assert()
            .success();
        assert!(out.join("persons.csv").is_file());
    }
}

/// Column `name` of a CSV file as strings, by header.
fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    lines.map(|l| l.split(',').nth(j).unwrap().to_string()).collect()
}

#[test]
fn persons_csv_reproduces_replicate_zero_of_estimates_csv() {
    // The evaluator's route: re-analyse persons.csv and get the estimate and
    // the true sample effect that estimates.csv reports for replicate 0.
    let dir = tempfile::tempdir().unwrap();
    rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "1", "--persons", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let persons = std::fs::read_to_string(dir.path().join("persons.csv")).unwrap();
    let estimates = std::fs::read_to_string(dir.path().join("estimates.csv")).unwrap();
    let arm = column(&persons, "arm");
    for (outcome, h) in [("ever_employed", 52), ("weeks_on_benefit", 26), ("benefit_paid", 52)] {
        let y: Vec<f64> = column(&persons, &format!("{outcome}_{h}")).iter().map(|v| v.parse().unwrap()).collect();
        let treated: Vec<f64> = y.iter().zip(&arm).filter(|(_, a)| *a == "ics").map(|(v, _)| *v).collect();
        let control: Vec<f64> = y.iter().zip(&arm).filter(|(_, a)| *a == "bau").map(|(v, _)| *v).collect();
        let ours = rctsim::analysis::difference_in_means(&treated, &control);
        let if_ics: Vec<f64> =
            column(&persons, &format!("{outcome}_{h}_if_ics")).iter().map(|v| v.parse().unwrap()).collect();
        let if_bau: Vec<f64> =
            column(&persons, &format!("{outcome}_{h}_if_bau")).iter().map(|v| v.parse().unwrap()).collect();
        let sate = if_ics.iter().zip(&if_bau).map(|(a, b)| a - b).sum::<f64>() / if_ics.len() as f64;
        let row = estimates
            .lines()
            .find(|l| l.starts_with(&format!("0,ics,bau,{outcome},{h},")))
            .unwrap_or_else(|| panic!("no row for {outcome} at {h}"));
        let f: Vec<&str> = row.split(',').collect();
        let (est, se, reported_sate): (f64, f64, f64) =
            (f[6].parse().unwrap(), f[7].parse().unwrap(), f[12].parse().unwrap());
        assert!(
            (ours.estimate - est).abs() <= prec::REORDERED * est.abs().max(1.0),
            "{outcome}_{h}: estimate {} vs {est}",
            ours.estimate
        );
        assert!((ours.se - se).abs() <= prec::REORDERED * se, "{outcome}_{h}: se");
        // Mean of differences here, difference of means there: in general
        // the same to a rounding or two, and equal in these three cells.
        assert_eq!(sate, reported_sate, "{outcome}_{h}: sate");
        // Each participant's own-arm outcome equals their potential outcome under that arm.
        for ((v, a), (i, b)) in y.iter().zip(&arm).zip(if_ics.iter().zip(&if_bau)) {
            assert_eq!(*v, if a == "ics" { *i } else { *b });
        }
    }
}

/// Runs `minimal.ron` with each `(from, to)` edit made, quietly, with
/// `args`, into a new temporary folder, which it returns (the edited file
/// is in it too).
fn run_edited_minimal(edits: &[(&str, &str)], args: &[&str]) -> tempfile::TempDir {
    let text = edits.iter().fold(std::fs::read_to_string(fixture("minimal.ron")).unwrap(), |text, (from, to)| {
        assert!(text.contains(from), "minimal.ron has {from}");
        text.replace(from, to)
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.ron");
    std::fs::write(&path, text).unwrap();
    rctsim().arg("run").arg(&path).args(args).args(["--quiet", "--out"]).arg(dir.path()).assert().success();
    dir
}

#[test]
fn service_started_week_counts_starts_as_take_up_does() {
    // A 4-week horizon and everyone randomised in week 0: some real lives are
    // placed in week 4 or later, after their follow-up, while caseloads hold.
    let dir = run_edited_minimal(
        &[("horizons: [26, 52]", "horizons: [4]"), ("Total(n: 200, weeks: 20)", "Total(n: 200, weeks: 1)")],
        &["--replicates", "1", "--persons"],
    );
    let persons = std::fs::read_to_string(dir.path().join("persons.csv")).unwrap();
    let summary = read_summary(dir.path());
    let (arm, started) = (column(&persons, "arm"), column(&persons, "service_started_week"));
    let ics: Vec<&String> = started.iter().zip(&arm).filter(|(_, a)| *a == "ics").map(|(s, _)| s).collect();
    // A week, or an empty field for a service not started within the follow-up.
    let within: Vec<u32> = ics.iter().filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    assert!(within.iter().all(|&w| w < 4), "starts before the horizon only");
    assert!(within.len() < ics.len(), "some never start within the follow-up");
    let take_up = summary["arms"][1]["take_up"].as_f64().unwrap();
    assert_eq!(summary["arms"][1]["name"], "ics");
    assert_eq!(take_up, within.len() as f64 / ics.len() as f64);
    // Under each arm the same rule: the own arm's column repeats the real
    // start; BAU, served by its fallback, starts at once; an ICS ghost, like
    // its real counterpart, may find the service full to its horizon.
    let (if_bau, if_ics) =
        (column(&persons, "service_started_week_if_bau"), column(&persons, "service_started_week_if_ics"));
    for (((a, s), b), i) in arm.iter().zip(&started).zip(&if_bau).zip(&if_ics) {
        assert_eq!(s, if a == "ics" { i } else { b });
        assert_eq!(b, "0");
        assert!(i.is_empty() || i.parse::<u32>().unwrap() < 4, "{i}");
    }
    let ghosts: Vec<&String> = if_ics.iter().zip(&arm).filter(|(_, a)| *a == "bau").map(|(s, _)| s).collect();
    assert!(ghosts.iter().any(|s| s.is_empty()) && ghosts.iter().any(|s| !s.is_empty()), "{ghosts:?}");
}

/// An arm's `weeks_waitlisted` in `summary.json`: a hand-worked queue, and
/// the sum of `trajectories.csv`'s `share_waitlisted` over the weeks before
/// the longest horizon.
#[test]
fn weeks_waitlisted_is_the_waiting_of_a_hand_worked_queue_and_of_the_trajectories() {
    // Nobody moves, everyone arrives in week 0 and one ICS slot never frees:
    // per replicate, one ICS participant is placed and the others wait all
    // 52 weeks, so the pooled mean is 52 (P − R) / P of P participants over
    // R replicates. BAU, served by its fallback, never waits.
    let dir = run_edited_minimal(
        &[
            ("progress: 0.05, job: 0.002, other_exit: 0.003", ""),
            ("regress: 0.01, job: 0.01, other_exit: 0.003", ""),
            ("sites: [(name: \"North\"), (name: \"South\")]", "sites: [(name: \"North\")]"),
            ("caseload_cap: 20", "caseload_cap: 1"),
            ("Total(n: 200, weeks: 20)", "Total(n: 200, weeks: 1)"),
        ],
        &["--replicates", "5"],
    );
    let summary = read_summary(dir.path());
    let (bau, ics) = (&summary["arms"][0], &summary["arms"][1]);
    assert_eq!((bau["name"].as_str(), ics["name"].as_str()), (Some("bau"), Some("ics")));
    let p = ics["participants"].as_u64().unwrap();
    assert_eq!(ics["weeks_waitlisted"].as_f64().unwrap(), (52 * (p - 5)) as f64 / p as f64);
    assert_eq!(bau["weeks_waitlisted"].as_f64().unwrap(), 0.0);

    // minimal.ron, whose cap binds: the trajectories' shares summed over own
    // weeks 0 to 51 (each share is a count over the same participants).
    let dir = tempfile::tempdir().unwrap();
    rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "5", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let summary = read_summary(dir.path());
    let trajectories = std::fs::read_to_string(dir.path().join("trajectories.csv")).unwrap();
    let (arm, week, share) =
        (column(&trajectories, "arm"), column(&trajectories, "week"), column(&trajectories, "share_waitlisted"));
    for a in 0..2 {
        let name = summary["arms"][a]["name"].as_str().unwrap();
        let summed: f64 = (0..arm.len())
            .filter(|&r| arm[r] == name && week[r].parse::<u32>().unwrap() < 52)
            .map(|r| share[r].parse::<f64>().unwrap())
            .sum();
        let waited = summary["arms"][a]["weeks_waitlisted"].as_f64().unwrap();
        assert!((waited - summed).abs() <= prec::REORDERED * summed.max(1.0), "{name}: {waited} against {summed}");
        assert_eq!(waited > 1.0, name == "ics", "{name}: {waited}");
    }
}

#[test]
fn summary_json_agrees_with_estimates_csv() {
    let dir = tempfile::tempdir().unwrap();
    rctsim()
        .args(["run", fixture("minimal.ron").to_str().unwrap(), "--replicates", "30", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let (coverages_differ, _) = check_summary_against_estimates(dir.path());
    assert!(coverages_differ, "some cell tells coverage of the PATE from coverage of the SATE");
    // With 12 participants some outcomes are equal within each arm in some
    // replicates: those have an estimate but no p-value.
    let file = dir.path().join("small.ron");
    let text = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    std::fs::write(&file, text.replace("Total(n: 200, weeks: 20)", "Total(n: 12, weeks: 2)")).unwrap();
    rctsim()
        .args(["run", file.to_str().unwrap(), "--replicates", "20", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let (_, some_untested) = check_summary_against_estimates(dir.path());
    assert!(some_untested, "some cell has replicates without a p-value");
}

/// Recomputes summary.json's diagnosands and replicate counts from
/// estimates.csv in `dir`; returns whether some cell's coverage of the PATE
/// differs from its coverage of the SATE, and whether some cell has
/// replicates with an estimate but no p-value.
fn check_summary_against_estimates(dir: &Path) -> (bool, bool) {
    let estimates = std::fs::read_to_string(dir.join("estimates.csv")).unwrap();
    let summary = read_summary(dir);
    let diagnosands = summary["diagnosands"].as_array().unwrap();
    assert_eq!(diagnosands.len(), 9 * 2);
    let (mut coverages_differ, mut some_untested) = (false, false);
    for d in diagnosands {
        let (outcome, horizon) = (d["outcome"].as_str().unwrap(), d["horizon_weeks"].to_string());
        // Replicates with an estimate; power and coverage over those with a p-value.
        let rows: Vec<Vec<&str>> = estimates
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .filter(|f: &Vec<&str>| f[3] == outcome && f[4] == horizon && f[6] != "NA")
            .collect();
        let num = |s: &str| s.parse::<f64>().unwrap();
        let mean = |rows: &[&Vec<&str>], j: usize| rows.iter().map(|f| num(f[j])).sum::<f64>() / rows.len() as f64;
        let all: Vec<&Vec<&str>> = rows.iter().collect();
        let with_se: Vec<&Vec<&str>> = rows.iter().filter(|f| f[7] != "NA").collect();
        let tested: Vec<&Vec<&str>> = rows.iter().filter(|f| f[11] != "NA").collect();
        let pate = mean(&all, 12);
        let share = |hits: usize| hits as f64 / tested.len() as f64;
        let covers = |f: &Vec<&str>, target: f64| num(f[9]) <= target && target <= num(f[10]);
        let what = format!("{outcome} at {horizon}");
        // A plain sum of n values is within (n − 1)·u·Σ|x| of the exact one
        // (u = ε/2), so its mean within u·Σ|x|, and summary.json's mean is
        // within u·|mean| of it: ε·Σ|x| bounds both. Shares are one division.
        let sum_abs = |rows: &[&Vec<&str>], j: usize| rows.iter().map(|f| num(f[j]).abs()).sum::<f64>();
        let close = |name: &str, a: f64, sum_abs: f64| {
            let b = d[name].as_f64().unwrap_or(f64::NAN);
            let tolerance = f64::EPSILON * sum_abs;
            assert!((a - b).abs() <= tolerance || (a.is_nan() && b.is_nan()), "{what}: {name} {a} vs {b}");
        };
        close("mean_estimate", mean(&all, 6), sum_abs(&all, 6));
        close("pate", pate, sum_abs(&all, 12));
        close("mean_se", mean(&with_se, 7), sum_abs(&with_se, 7));
        close("power", share(tested.iter().filter(|f| num(f[11]) < 0.05).count()), 0.0);
        let coverage = share(tested.iter().filter(|f| covers(f, pate)).count());
        let coverage_sate = share(tested.iter().filter(|f| covers(f, num(f[12]))).count());
        close("coverage", coverage, 0.0);
        close("coverage_sate", coverage_sate, 0.0);
        // The table's mean interval, over the replicates with one.
        close("mean_ci_low", mean(&tested, 9), sum_abs(&tested, 9));
        close("mean_ci_high", mean(&tested, 10), sum_abs(&tested, 10));
        coverages_differ |= coverage != coverage_sate;
        assert_eq!(d["replicates_estimated"], all.len(), "{what}");
        assert_eq!(d["replicates_with_se"], with_se.len(), "{what}");
        assert_eq!(d["replicates_tested"], tested.len(), "{what}");
        some_untested |= tested.len() < all.len();
    }
    (coverages_differ, some_untested)
}

#[test]
fn a_population_no_candidate_can_join_is_a_rule_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.ron");
    let minimal = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    std::fs::write(
        &file,
        minimal.replace("age_first_benefit: Uniform(min: 16, max: 19)", "age_first_benefit: Fixed(40)"),
    )
    .unwrap();
    rctsim().arg("validate").arg(&file).assert().code(2).stderr(predicate::str::contains(
        "population.age_first_benefit must allow values at or below population.age, as a candidate's age at first \
         benefit is at most their age (got Fixed(40), never below 40, and population.age Uniform(min: 18, max: 39), \
         never above 39)",
    ));
}

/// Rate multipliers a draw could push past 1e100 are refused when the file
/// is read; a case manager's quality that does so is found by `validate`
/// among the scenario's replicates' draws (here in replicate 0), as a run
/// finds it before simulating.
#[test]
fn multipliers_a_draw_can_push_past_the_limit_are_bad_input() {
    let minimal = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    let overflow = minimal.replace("enrolment:", "transitions: (job: (age: 1000)),\n    enrolment:");
    let spread = minimal.replace("starting_stage: [0.6, 0.4],", "starting_stage: [0.6, 0.4], readiness_sd: 400,");
    for (text, message) in [
        (
            overflow,
            "transitions.job lets a participant's rate multiplier exp(β·x + ℓ·u) reach e^14008.2, where at most e^230.26",
        ),
        (
            spread,
            "transitions.job lets a participant's rate multiplier exp(β·x + ℓ·u) reach e^3283.8, where at most e^230.26",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scenario.ron");
        std::fs::write(&file, text).unwrap();
        rejects_at(&file, &[message]);
    }
    // 2,000 ICS case managers with quality spread 2 and an effect of 1e6:
    // one in 125 has a quality that raises it past 1e100 (as in
    // tests/validation.rs).
    let quality = common::quality_spread(1000, 2.0);
    let message = "which raises the service's largest effect multiplier to e^339, above 1e100; lower quality_sd";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.ron");
    std::fs::write(&file, quality).unwrap();
    rejects_at(&file, &["replicate 0: ", message]);
    rctsim().arg("validate").arg(&file).assert().stderr(predicate::str::contains(
        "scenario.ron: drawing the case managers of 20 replicates at the scenario's seed: replicate 0: ",
    ));
}

/// A quality spread that can stop a run in a later replicate (ICS case
/// managers of spread 5 and an effect of 1e6: quality passes the bound above
/// 100/6, 3.06 SDs up, for about 1 in 912). With 100 of them, `validate`
/// finds the first at the scenario's seed (18), in replicate 1, as `run`
/// does before simulating anything; with 2, none in the scenario's 20
/// replicates at seed 7, and `validate` passes the file with a warning of
/// the chance at another seed, 1 − (1 − 1/912)^40.
#[test]
fn validate_finds_a_quality_that_would_stop_a_run_and_warns_of_other_seeds() {
    let spread =
        |per_site, seed: u32| common::quality_spread(per_site, 5.0).replace("seed: 7,", &format!("seed: {seed},"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spread.ron");
    std::fs::write(&file, spread(50, 18)).unwrap();
    rejects_at(&file, &["spread.ron: ", "replicate 1: services.ics: case manager "]);
    rctsim().arg("validate").arg(&file).assert().stderr(predicate::str::contains(
        "spread.ron: drawing the case managers of 20 replicates at the scenario's seed: replicate 1: ",
    ));
    std::fs::write(&file, spread(1, 7)).unwrap();
    rctsim().arg("validate").arg(&file).assert().code(0).stdout(predicate::str::ends_with("spread.ron: ok\n")).stderr(
        predicate::str::contains(
            "spread.ron: a case manager's quality can raise an effect multiplier past 1e100, which stops a run: \
             services.ics above 16.7 (3.06 SDs up, 1 case manager in 912); at another seed, a run of 20 \
             replicates would meet one with chance 0.04; lower quality_sd or the effects",
        ),
    );
    rctsim().args(["run", "--quiet", "--out"]).arg(dir.path().join("out")).arg(&file).assert().code(0);
}

/// Rules that admit almost nobody are refused when the file is read, with
/// the share they admit, before anything runs: ages of N(30, 2²) at most
/// 23.5 are `Φ(−3.25) ≈ 1/1733` of the candidates, and at most 17 (6.5 SDs
/// out, possible but never drawn) `Φ(−6.5) ≈ 1/2.5·10¹⁰`, of whom a little
/// under a quarter also have a first benefit (uniform on [16, 19]) at most
/// their age: 1 in 1.046·10¹¹, where the bounds computed are far enough
/// apart to be shown as "at most" their upper end (rounded down).
#[test]
fn rules_that_admit_almost_nobody_are_refused_before_running() {
    let minimal = std::fs::read_to_string(fixture("minimal.ron")).unwrap();
    for (max_age, admits) in [("23.5", "about 1 candidate in 1730 "), ("17", "at most 1 candidate in 1.04e11 ")] {
        let text = minimal.replace("age: Uniform(min: 18, max: 39)", "age: Normal(mean: 30, sd: 2)").replace(
            "starting_stage: [0.6, 0.4],",
            &format!("starting_stage: [0.6, 0.4], eligibility: (max_age: {max_age}),"),
        );
        rejects_text(
            "scenario.ron",
            &text,
            &format!(": 1 problem in the scenario:\n  - population.eligibility admits {admits}"),
        );
    }
}

#[test]
fn file_names_with_control_characters_are_shown_escaped() {
    // An escape sequence in a file name would otherwise drive the terminal,
    // and a line feed break the listing of problems.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("red\u{1b}[31m.ron");
    std::fs::write(&file, "Scenario(").unwrap();
    let output = rctsim().arg("validate").arg(&file).assert().code(2).get_output().clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(r#"red\u{1b}[31m.ron""#), "{stderr}");
    assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{stderr:?}");
    let missing = dir.path().join("gone\n.ron");
    let output = rctsim().arg("run").arg(&missing).assert().code(2).get_output().clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(r#"gone\n.ron": cannot read the scenario"#), "{stderr}");
}

#[test]
fn a_negative_count_or_seed_is_refused_as_a_value() {
    // Not taken for a flag, with a tip to write `-- -1` (which would make it
    // the scenario's name); a sign, a letter or a fraction gets the same
    // message, the range expected.
    let expected = [
        ("--replicates", "expected a whole number from 1 to 4294967295"),
        ("--seed", "expected a whole number from 0 to 18446744073709551615"),
        ("--threads", "expected a whole number from 1 to 1024"),
    ];
    for (flag, says) in expected {
        for value in ["-1", "x", "1.5"] {
            rctsim().args(["run", fixture("minimal.ron").to_str().unwrap(), flag, value]).assert().code(2).stderr(
                predicate::str::contains(format!("invalid value '{value}' for '{flag}"))
                    .and(predicate::str::contains(says)),
            );
        }
    }
}

#[test]
#[cfg(target_os = "linux")]
fn validate_warns_when_this_machine_could_not_hold_the_run() {
    // Valid, but 4,294,967,295 replicates' estimates need terabytes: a run
    // would stop at once, so validate says so, as a warning about the machine.
    // With a quality spread, a run would stop before drawing the case
    // managers of every replicate (an hour for this many), and so does
    // validate, saying that it has not drawn them.
    let dir = tempfile::tempdir().unwrap();
    let unchecked = "(so its case managers' quality draws, which a run checks after this, were not checked)";
    for (text, drawn) in
        [(std::fs::read_to_string(fixture("minimal.ron")).unwrap(), true), (common::quality_spread(1, 1.0), false)]
    {
        let path = dir.path().join("many.ron");
        let text = text.replace("replicates: 20,", "replicates: 4294967295,");
        assert!(text.contains("replicates: 4294967295,"));
        std::fs::write(&path, text).unwrap();
        let warning = rctsim()
            .args(["validate", path.to_str().unwrap()])
            .assert()
            .success()
            .stdout(predicate::str::ends_with("many.ron: ok\n"))
            .stderr(predicate::str::contains("run with its 4294967295 replicates on every core, it would stop at once"))
            .stderr(predicate::str::contains("the estimates of 4294967295 replicates need about"));
        let stderr = String::from_utf8(warning.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr.contains(unchecked), !drawn, "{stderr}");
    }
}
