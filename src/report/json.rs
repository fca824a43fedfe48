//! `summary.json`: the run's identity, its arms and every diagnosand.

use super::{Report, VERSION};
use crate::analysis::DIAGNOSANDS;
use crate::analysis::DIFFERENCE_IN_MEANS;
use crate::engine::OUTCOMES;
use serde_json::{Map, Value, json};
use std::io::{self, Write};

/// `summary.json`: pretty-printed JSON (keys in alphabetical order; NaN as null).
///
/// # Errors
/// Any error writing to `out`.
pub fn write_summary_json(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(&summary_json(r))
}

/// [`write_summary_json`]'s bytes: the summary is small, so it is made whole.
fn summary_json(r: &Report) -> Vec<u8> {
    let m = r.model;
    let res = r.result;
    let arms: Vec<Value> = m
        .arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let s = &res.arms[a];
            let mut means = Map::new();
            for (h, horizon) in m.horizons.iter().enumerate() {
                for (o, outcome) in OUTCOMES.iter().enumerate() {
                    means.insert(format!("{}_{horizon}", outcome.name()), json!(s.outcome_means[h][o]));
                }
            }
            json!({
                "name": arm.name,
                "service": m.services[arm.service].name,
                "fallback": m.services[arm.fallback].name,
                "control": a == m.control,
                "ratio": arm.ratio,
                "participants": s.participants,
                "participants_per_replicate": s.per_replicate(res.replicates),
                "take_up": s.take_up(),
                "weeks_waitlisted": s.weeks_waitlisted(),
                "outcome_means": means,
            })
        })
        .collect();
    let mut diagnosands = Vec::new();
    for (cell, d) in res.cells().zip(&res.diagnoses) {
        let contrast = &res.contrasts[cell.contrast];
        let mut obj = Map::new();
        obj.insert("treatment".into(), json!(m.arms[contrast.treatment].name));
        obj.insert("control".into(), json!(m.arms[contrast.control].name));
        obj.insert("outcome".into(), json!(OUTCOMES[cell.outcome].name()));
        obj.insert("horizon_weeks".into(), json!(m.horizons[cell.horizon]));
        obj.insert("estimator".into(), json!(DIFFERENCE_IN_MEANS));
        obj.insert("replicates_estimated".into(), json!(d.replicates));
        obj.insert("replicates_with_se".into(), json!(d.replicates_with_se));
        obj.insert("replicates_tested".into(), json!(d.replicates_tested));
        for (name, v) in DIAGNOSANDS.iter().zip(d.values()) {
            obj.insert((*name).into(), json!(v.value));
            obj.insert(format!("{name}_mc_se"), json!(v.mc_se));
        }
        diagnosands.push(Value::Object(obj));
    }
    let summary = json!({
        "version": VERSION,
        "scenario_name": m.name,
        "scenario_sha256": r.scenario_sha256,
        "scenario": r.scenario_text,
        "seed": res.seed,
        "replicates": res.replicates,
        "horizons_weeks": m.horizons,
        "person_weeks": res.person_weeks,
        "elapsed_seconds": r.elapsed_seconds,
        "warnings": r.warnings,
        "arms": arms,
        "diagnosands": diagnosands,
    });
    let mut out = serde_json::to_vec_pretty(&summary).expect("a JSON value always serialises");
    out.push(b'\n');
    out
}
