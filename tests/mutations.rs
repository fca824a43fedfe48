//! No input panics: the shipped scenarios and the test fixtures, changed a
//! little at random (a number replaced by an edge value, a character deleted
//! or inserted, a line repeated), are read, validated and checked before a
//! run as any file is: a model with its warnings, or an error that names the
//! file. A valid one quick to check is then checked as `validate` checks it
//! before a run, and a small one runs two replicates into every output file
//! and the table. The coverage-guided fuzz targets in `fuzz/` go further, but
//! need a nightly toolchain; this runs in every `cargo test`.

mod common;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rctsim::scenario::{self, ScenarioError};

/// Every scenario file the project ships or tests with, valid or not.
fn sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["scenarios", "tests/fixtures"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "ron")) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    files
}

/// Values at the edges of what a field may hold, and past them.
const EDGES: [&str; 16] = [
    "0",
    "-1",
    "-0.0",
    "1",
    "0.5",
    "1e6",
    "1e308",
    "1e309",
    "1e-320",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "inf",
    "NaN",
    "0x10",
    "2.5e-7",
];

/// One small change to a scenario's text.
#[derive(Debug, Clone)]
enum Mutation {
    /// The `n`-th number (counting from 0, modulo their count) becomes `EDGES[edge]`.
    Number { n: usize, edge: usize },
    /// The character at byte `at` (modulo the length, on a boundary) goes.
    Delete { at: usize },
    /// `c` is inserted at byte `at`.
    Insert { at: usize, c: char },
    /// Line `n` (modulo the count) appears twice.
    RepeatLine { n: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let inserted =
        prop::sample::select(vec!['(', ')', ',', ':', '[', ']', '"', '\n', '0', '9', 'x', '.', '-', '/', '*']);
    prop_oneof![
        (any::<usize>(), 0..EDGES.len()).prop_map(|(n, edge)| Mutation::Number { n, edge }),
        any::<usize>().prop_map(|at| Mutation::Delete { at }),
        (any::<usize>(), inserted).prop_map(|(at, c)| Mutation::Insert { at, c }),
        any::<usize>().prop_map(|n| Mutation::RepeatLine { n }),
    ]
}

/// The byte ranges of the numbers in `text`: runs of digits, with a sign,
/// point or exponent inside them.
fn numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts =
            bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if starts {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'_' | b'-')) {
                i += 1;
            }
            found.push(start..i);
        } else {
            i += 1;
        }
    }
    found
}

/// The byte offset at or before `at` (modulo the length) on a character boundary.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, m: &Mutation) -> String {
    let mut out = text.to_string();
    match *m {
        Mutation::Number { n, edge } => {
            let found = numbers(text);
            if !found.is_empty() {
                out.replace_range(found[n % found.len()].clone(), EDGES[edge]);
            }
        }
        Mutation::Delete { at } => {
            let at = boundary(text, at);
            if at < text.len() {
                out.remove(at);
            }
        }
        Mutation::Insert { at, c } => out.insert(boundary(text, at), c),
        Mutation::RepeatLine { n } => {
            let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
            let n = n % lines.len();
            lines.insert(n, lines[n]);
            out = lines.concat();
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, rng_seed: RngSeed::Fixed(20_261_125), ..ProptestConfig::default() })]

    /// Loading a changed file gives a model or an error naming it, never a
    /// panic; the pre-run checks of a model quick to check (memory, case
    /// managers' quality at the seed) answer too, and a small one runs.
    #[test]
    fn a_changed_scenario_is_a_model_or_an_error_never_a_panic(file in any::<usize>(), m in mutation()) {
        let files = sources();
        let (name, text) = &files[file % files.len()];
        let changed = mutate(text, &m);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &changed).unwrap();
        match scenario::load(&path) {
            Ok(loaded) => {
                if common::small::quick_to_check(&loaded.model) {
                    let _ = rctsim::trial::preflight(&loaded.model).map_err(|e| e.to_string());
                }
                if common::small::small(&loaded.model) {
                    run_and_report(&loaded.model);
                }
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.is_empty());
                if !matches!(e, ScenarioError::Io { .. }) {
                    prop_assert!(message.contains(name.as_str()), "{} does not name the file", message);
                }
            }
        }
    }
}

/// Two replicates on one thread, with replicate 0's persons, into every
/// output file and the table; a run may fail (a population it cannot
/// generate), with a message.
fn run_and_report(m: &rctsim::scenario::Model) {
    let options = rctsim::trial::RunOptions { replicates: Some(2), threads: Some(1), keep_persons: true, seed: None };
    match rctsim::trial::run(m, &options) {
        Ok(result) => {
            let report = common::report(m, &result);
            for file in rctsim::report::files(&report) {
                assert!(!file.bytes(&report).is_empty(), "{}", file.name);
            }
            assert!(!rctsim::report::table(&report).is_empty());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn the_mutations_change_what_they_say() {
    let text = "(a: 12, b: [3.5e2], c: \"x1\")\nnext\n";
    assert_eq!(numbers(text).iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), ["12", "3.5e2"]);
    assert_eq!(mutate(text, &Mutation::Number { n: 1, edge: 1 }), "(a: 12, b: [-1], c: \"x1\")\nnext\n");
    assert_eq!(mutate(text, &Mutation::Delete { at: 0 }), "a: 12, b: [3.5e2], c: \"x1\")\nnext\n");
    assert_eq!(mutate("ab", &Mutation::Insert { at: 1, c: ',' }), "a,b");
    assert_eq!(mutate(text, &Mutation::RepeatLine { n: 1 }), format!("{text}next\n"));
}
