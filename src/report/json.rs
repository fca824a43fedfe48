//! `summary.json`: the run's identity, its arms and every diagnosand.

use super::{Report, VERSION};
use crate::analysis::{DIFFERENCE_IN_MEANS, Diagnosis};
use crate::engine::OUTCOMES;
use crate::trial::Cell;
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
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
    let (m, res) = (r.model, r.result);
    let arms: Vec<Value> = (0..m.arms.len()).map(|a| arm_json(r, a)).collect();
    let diagnosands: Vec<Value> =
        res.cells().zip(&res.diagnoses).map(|(cell, d)| diagnosand_json(r, cell, d)).collect();
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
    let mut out = pretty_in_full(&summary);
    out.push(b'\n');
    out
}

/// Arm `a`: its design, size, take-up, wait and outcome means (keyed
/// `<outcome>_<h>`, as `persons.csv`'s columns).
fn arm_json(r: &Report, a: usize) -> Value {
    let (m, res) = (r.model, r.result);
    let (arm, s) = (&m.arms[a], &res.arms[a]);
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
}

/// One contrast × outcome × horizon: what it is, the replicates behind it,
/// and every diagnosand and the mean interval, each with its Monte Carlo SE.
fn diagnosand_json(r: &Report, cell: Cell, d: &Diagnosis) -> Value {
    let m = r.model;
    let contrast = &r.result.contrasts[cell.contrast];
    let mut obj = Map::new();
    obj.insert("treatment".into(), json!(m.arms[contrast.treatment].name));
    obj.insert("control".into(), json!(m.arms[contrast.control].name));
    obj.insert("outcome".into(), json!(OUTCOMES[cell.outcome].name()));
    obj.insert("horizon_weeks".into(), json!(m.horizons[cell.horizon]));
    obj.insert("estimator".into(), json!(DIFFERENCE_IN_MEANS));
    obj.insert("replicates_estimated".into(), json!(d.replicates));
    obj.insert("replicates_with_se".into(), json!(d.replicates_with_se));
    obj.insert("replicates_tested".into(), json!(d.replicates_tested));
    let [low, high] = d.mean_ci;
    for (name, v) in d.named().into_iter().chain([("mean_ci_low", low), ("mean_ci_high", high)]) {
        obj.insert(name.into(), json!(v.value));
        obj.insert(format!("{name}_mc_se"), json!(v.mc_se));
    }
    Value::Object(obj)
}

/// `value` laid out as serde_json's pretty printer does, numbers [`InFull`].
fn pretty_in_full(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, InFull(PrettyFormatter::new()));
    value.serialize(&mut ser).expect("a JSON value always serialises");
    out
}

/// serde_json's pretty layout, with every number that is not a whole number
/// type written as the CSV files write it ([`number`](super::number)): the
/// fewest digits that read back as the same double, never with an exponent,
/// and with `.0` when whole, so that a reader still takes it for a
/// floating-point number. (serde_json itself writes `6.866036918244667e-6`.)
struct InFull(PrettyFormatter<'static>);

impl Formatter for InFull {
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        // Always finite: serde_json writes a NaN or infinity as null.
        let text = super::number(value);
        w.write_all(text.as_bytes())?;
        if text.contains('.') { Ok(()) } else { w.write_all(b".0") }
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_full_and_read_back_the_same() {
        let value = json!({"small": 6.866036918244667e-6, "whole": 2.0, "large": 1e21, "negative_zero": -0.0,
                           "count": 3u64, "missing": f64::NAN, "list": [0.1, -15549.619999999999]});
        let text = String::from_utf8(pretty_in_full(&value)).unwrap();
        let expected = r#"{
  "count": 3,
  "large": 1000000000000000000000.0,
  "list": [
    0.1,
    -15549.619999999999
  ],
  "missing": null,
  "negative_zero": -0.0,
  "small": 0.000006866036918244667,
  "whole": 2.0
}"#;
        assert_eq!(text, expected);
        // The same layout as serde_json's own, and the same numbers read back.
        let theirs = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(theirs.lines().count(), text.lines().count());
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), serde_json::from_str::<Value>(&theirs).unwrap());
    }
}
