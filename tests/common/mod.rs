//! Shared helpers for the integration tests.
#![allow(dead_code)]

use rctsim::scenario::{self, Model};
use std::path::{Path, PathBuf};

/// Path of a file in `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Path of a shipped scenario.
pub fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// Loads a fixture, panicking with the error message if it is not valid.
pub fn model(name: &str) -> Model {
    scenario::load(&fixture(name)).unwrap_or_else(|e| panic!("{e}")).model
}

/// Parses scenario text, panicking with the error message if it is not valid.
pub fn model_from(text: &str) -> Model {
    scenario::parse(text.as_bytes(), Path::new("inline.ron")).unwrap_or_else(|e| panic!("{e}"))
}

/// `|a − b| ≤ k · se`, with a message naming the quantity.
pub fn within(what: &str, observed: f64, expected: f64, se: f64, k: f64) {
    assert!(
        (observed - expected).abs() <= k * se,
        "{what}: observed {observed}, expected {expected}, difference {} > {k} × SE {se}",
        (observed - expected).abs()
    );
}
