//! The terminal table: arms, then each contrast's effects and how the design performs.

use super::{Report, VERSION, number};
use crate::engine::{OUTCOMES, Outcome};
use crate::scenario::display_width;
use std::fmt::Write;

fn fixed(x: f64, digits: usize) -> String {
    if x.is_finite() { format!("{x:.digits$}") } else { number(x) }
}

/// `"k"` or `"k to m"`, the fewest and most of `counts`, if the fewest is below `all`.
fn fewer_than(all: usize, counts: impl Iterator<Item = usize>) -> Option<String> {
    let (fewest, most) = counts.fold((usize::MAX, 0), |(lo, hi), k| (lo.min(k), hi.max(k)));
    (fewest < all).then(|| if fewest == most { fewest.to_string() } else { format!("{fewest} to {most}") })
}

/// How far the powers and coverages may be from their long-run values by
/// chance: the largest of their Monte Carlo SEs, or that there is none (with
/// fewer than two replicates), so that a one-replicate power of 1 is not
/// read as a design's. A power's is binomial, `√(p(1−p)/R)`; a coverage's is
/// bootstrapped and can exceed that (`docs/model.md`).
fn share_error_bound(diagnoses: &[crate::analysis::Diagnosis]) -> String {
    let largest =
        diagnoses.iter().flat_map(|d| [d.power.mc_se, d.coverage.mc_se]).filter(|v| v.is_finite()).reduce(f64::max);
    // A share of 0 or 1 (every replicate alike) has an SE of 0 that bounds nothing.
    let certain = diagnoses
        .iter()
        .flat_map(|d| [d.power, d.coverage])
        .any(|share| share.mc_se == 0.0 && (share.value == 0.0 || share.value == 1.0));
    let caveat = if certain {
        " A power or coverage of 0 or 1 has a Monte Carlo SE of 0, which says nothing about its error (use more \
         replicates)."
    } else {
        ""
    };
    match largest {
        // Rounded up, so that "at most" holds.
        Some(v) => format!(
            " The Monte Carlo SE of each power and coverage is at most {:.3}.{caveat}",
            (v * 1000.0).ceil() / 1000.0
        ),
        None => " No power or coverage rests on two or more replicates with a p-value, so none has a Monte Carlo \
                 SE: one over a single replicate is 0 or 1, that trial's result, not the design's."
            .into(),
    }
}

/// How far from the PATE a mean estimate may lie before the table says so,
/// in Monte Carlo SEs of the bias: by chance, one cell in about 16,000 over
/// [`BIAS_NOTE_REPLICATES`] replicates or more.
const BIAS_NOTE_SES: f64 = 4.0;

/// The fewest replicates whose bias the table judges: over fewer, the
/// ratio of the bias to its SE has tails too heavy for 4 SEs to be rare (over
/// 3 replicates, one cell in 17 passes them by chance; over 100, one in
/// 8,000).
const BIAS_NOTE_REPLICATES: usize = 100;

/// A note when some cells' mean estimate lies more than [`BIAS_NOTE_SES`]
/// Monte Carlo SEs from the PATE (`labels[i]` names `diagnoses[i]`'s
/// outcome and horizon). Such a bias need not be an error of the estimator: the
/// difference in means estimates the trial as run, and the PATE is the
/// effect of switching one participant alone, everyone else as they were;
/// the two part where one participant more or less changes much of what
/// others get, such as a small caseload's intensity (`docs/model.md`,
/// "Estimands"). Without the note, the estimate and PATE
/// columns side by side would leave the reader to judge it.
fn bias_note(diagnoses: &[crate::analysis::Diagnosis], labels: &[String]) -> Option<String> {
    let far: Vec<(f64, &String)> = diagnoses
        .iter()
        .zip(labels)
        .filter(|(d, _)| d.replicates >= BIAS_NOTE_REPLICATES && d.bias.mc_se.is_finite() && d.bias.value != 0.0)
        .map(|(d, label)| (d.bias.value.abs() / d.bias.mc_se, label))
        .filter(|&(z, _)| z > BIAS_NOTE_SES)
        .collect();
    let (largest, label) = far.iter().copied().reduce(|a, b| if b.0 > a.0 { b } else { a })?;
    let largest = if largest.is_finite() { format!("{largest:.1} SE") } else { "a Monte Carlo SE of 0".into() };
    Some(format!(
        "note: in {} of {} cells the mean estimate lies more than {BIAS_NOTE_SES} Monte Carlo SE from the \
         PATE (most: {label}, {largest}; bias in summary.json). The difference in means estimates the trial \
         as run; the PATE is the effect of switching one participant alone, everyone else as they were. The \
         two part where one participant more or less changes much of what others get, such as a small \
         caseload's intensity (docs/model.md, \"Estimands\")",
        far.len(),
        diagnoses.len()
    ))
}

/// The readable summary printed after a run: a header line, the arms, then
/// each contrast.
pub fn table(r: &Report) -> String {
    let (m, res) = (r.model, r.result);
    let mut out = String::new();
    let name = m.name.as_deref().unwrap_or("scenario");
    let _ = writeln!(
        out,
        "rctsim {VERSION} · {name} · sha256 {} · seed {} · {} replicates · {} person-weeks in {:.1} s",
        r.scenario_sha256.get(..12).unwrap_or(r.scenario_sha256),
        res.seed,
        res.replicates,
        res.person_weeks,
        r.elapsed_seconds
    );
    arms(&mut out, r);
    for c in 0..res.contrasts.len() {
        contrast(&mut out, r, c);
    }
    let _ = writeln!(
        out,
        "\nTake-up: the share who started the arm's service before the longest horizon (1 for an arm served by \
         its fallback). Waited: the mean weeks a participant spent on the arm's waitlist before the longest \
         horizon, above 0 only where caps bind. PATE: the mean over replicates of the participants' true \
         effect. Power: the share of replicates with p < 0.05 (an effect of either sign). Coverage: the share \
         of 95% CIs containing the PATE.{} Bias, RMSE and the Monte Carlo error of every figure: summary.json, among the output files",
        share_error_bound(&res.diagnoses)
    );
    out
}

/// Each arm's size, take-up and outcome means at the longest horizon. The
/// name columns are as wide as the widest name on a terminal, so that a long
/// one does not push its row's figures out from under their headings.
fn arms(out: &mut String, r: &Report) {
    let (m, res) = (r.model, r.result);
    let longest = m.horizons.len() - 1;
    let h = m.horizons[longest];
    let labels: Vec<(String, &str)> = m
        .arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let star = if a == m.control { "*" } else { "" };
            (format!("{}{star}", arm.name), m.services[arm.service].name.as_str())
        })
        .collect();
    let arm_w = labels.iter().map(|(arm, _)| display_width(arm)).fold("arm".len(), usize::max);
    let service_w = labels.iter().map(|(_, service)| display_width(service)).fold("service".len(), usize::max);
    // Padded by display width: `{:<w$}` counts characters, and a wide one takes two columns.
    let pad = |name: &str, width: usize| format!("{name}{}", " ".repeat(width - display_width(name)));
    let _ = writeln!(out, "\nArms (means over participants and replicates, at {h} weeks)");
    let _ = writeln!(
        out,
        "{} {} {:>10} {:>8} {:>7} {:>10} {:>8} {:>8} {:>8}",
        pad("arm", arm_w),
        pad("service", service_w),
        "N/rep",
        "take-up",
        "waited",
        "wks_benef",
        "off_ben",
        "employed",
        "ever_emp"
    );
    for (s, (arm, service)) in res.arms.iter().zip(&labels) {
        let means = &s.outcome_means[longest];
        let _ = writeln!(
            out,
            "{} {} {:>10} {:>8} {:>7} {:>10} {:>8} {:>8} {:>8}",
            pad(arm, arm_w),
            pad(service, service_w),
            fixed(s.per_replicate(res.replicates), 1),
            fixed(s.take_up(), 3),
            fixed(s.weeks_waitlisted(), 2),
            fixed(means[Outcome::WeeksOnBenefit as usize], 2),
            fixed(means[Outcome::OffBenefit as usize], 3),
            fixed(means[Outcome::Employed as usize], 3),
            fixed(means[Outcome::EverEmployed as usize], 3)
        );
    }
    let _ = writeln!(out, "* control");
    if let Some(note) = caps_note(r) {
        let _ = writeln!(out, "{note}");
    }
}

/// A note when caps bind (some arm's participants waited): the effects
/// below are then those of a place in this queue, which a reader of the
/// table could otherwise take for the effect of the service itself
/// (docs/model.md, "Estimands").
fn caps_note(r: &Report) -> Option<String> {
    let waited: Vec<String> = (r.model.arms.iter().zip(&r.result.arms))
        .filter(|(_, s)| s.weeks_waitlisted() > 0.0)
        .map(|(arm, s)| format!("{} {} weeks", arm.name, fixed(s.weeks_waitlisted(), 2)))
        .collect();
    if waited.is_empty() {
        return None;
    }
    Some(format!(
        "note: caps bind (mean wait: {}): each effect below is that of being offered a place in this queue, with \
         these slots for this many participants; it changes with enrolment and is not the effect of a rollout \
         (docs/model.md, \"Estimands\")",
        waited.join(", ")
    ))
}

/// Contrast `c`: a row per outcome and horizon, then notes on replicates
/// left out.
fn contrast(out: &mut String, r: &Report, c: usize) {
    let (m, res) = (r.model, r.result);
    let contrast = &res.contrasts[c];
    let _ = writeln!(
        out,
        "\n{} − {} (treatment minus control), difference in means (HC2); estimate and 95% CI are means over \
         the replicates that have them, horizon in weeks",
        m.arms[contrast.treatment].name, m.arms[contrast.control].name
    );
    let _ = writeln!(
        out,
        "{:<22} {:>7} {:>11} {:>25} {:>11} {:>7} {:>8}",
        "outcome", "horizon", "estimate", "95% CI", "PATE", "power", "coverage"
    );
    let cells = &res.diagnoses[res.cell(c, 0, 0)..res.cell(c + 1, 0, 0)];
    // Each row's outcome and horizon, for the note on bias below.
    let mut labels = Vec::with_capacity(cells.len());
    for (cell, d) in res.cells().skip(res.cell(c, 0, 0)).zip(cells) {
        labels.push(format!("{} at {}", OUTCOMES[cell.outcome].name(), m.horizons[cell.horizon]));
        let [lo, hi] = d.mean_ci.map(|v| v.value);
        let ci = if d.replicates_tested > 0 { format!("[{}, {}]", fixed(lo, 4), fixed(hi, 4)) } else { "NA".into() };
        let _ = writeln!(
            out,
            "{:<22} {:>7} {:>11} {:>25} {:>11} {:>7} {:>8}",
            OUTCOMES[cell.outcome].name(),
            m.horizons[cell.horizon],
            fixed(d.mean_estimate.value, 4),
            ci,
            fixed(d.pate.value, 4),
            fixed(d.power.value, 3),
            fixed(d.coverage.value, 3)
        );
    }
    let all = res.replicates as usize;
    if let Some(range) = fewer_than(all, cells.iter().map(|d| d.replicates)) {
        let _ = writeln!(
            out,
            "note: estimated in {range} of {all} replicates; a replicate in which an arm has no participant has no estimate"
        );
    }
    if cells.iter().any(|d| d.replicates > 0 && d.replicates_tested == 0) {
        let _ = writeln!(
            out,
            "note: NA where no replicate has a p-value: an outcome equal within each arm (one that no one \
             can reach by the horizon, such as retained_52_weeks at 52 weeks) has SE 0, and an arm of one \
             participant no SE"
        );
    }
    if let Some(note) = bias_note(cells, &labels) {
        let _ = writeln!(out, "{note}");
    }
    // Cells with an estimate but not always a p-value.
    let tested = cells.iter().filter(|d| d.replicates_tested > 0 && d.replicates_tested < d.replicates);
    if let Some(range) = fewer_than(all, tested.map(|d| d.replicates_tested)) {
        let _ = writeln!(
            out,
            "note: power and coverage of some outcomes are over fewer replicates than have an estimate, \
             those with a p-value ({range} of {all}; an outcome equal within each arm has SE 0, and an arm \
             of one participant no SE, so neither has a p-value); summary.json's replicates_tested gives each"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{bias_note, share_error_bound};
    use crate::analysis::{Value, diagnose};

    /// The table notes a bias only past 4 Monte Carlo SEs, names the
    /// furthest cell, and counts a bias whose SE is 0 (every replicate
    /// alike) but not one without an SE.
    #[test]
    fn a_bias_past_four_monte_carlo_ses_is_noted() {
        let cell = |value, mc_se| {
            let mut d = diagnose(&[]);
            (d.bias, d.replicates) = (Value { value, mc_se }, 100);
            d
        };
        let labels: Vec<String> = ["a at 26", "b at 52", "c at 52"].map(String::from).to_vec();
        assert_eq!(bias_note(&[cell(0.039, 0.01), cell(-0.04, 0.01), cell(0.0, 0.0)], &labels), None);
        let note = bias_note(&[cell(0.041, 0.01), cell(-0.053, 0.01), cell(0.5, f64::NAN)], &labels).unwrap();
        assert!(note.starts_with("note: in 2 of 3 cells") && note.contains("(most: b at 52, 5.3 SE;"), "{note}");
        let note = bias_note(&[cell(0.041, 0.01), cell(0.002, 0.0), cell(0.0, 0.0)], &labels).unwrap();
        assert!(note.contains("(most: b at 52, a Monte Carlo SE of 0;"), "{note}");
        let mut few = cell(-0.053, 0.01);
        few.replicates = 99;
        assert_eq!(bias_note(&[few], &labels[..1]), None, "too few replicates to judge");
    }

    /// The closing note bounds the Monte Carlo SE of the shares, and says
    /// when a share of 0 or 1 makes its SE of 0 no bound at all.
    #[test]
    fn the_note_on_share_errors_warns_of_a_share_of_0_or_1() {
        let cell = |power: Value, coverage: Value| {
            let mut d = diagnose(&[]);
            (d.power, d.coverage) = (power, coverage);
            d
        };
        let share = |value, mc_se| Value { value, mc_se };
        let caveat = "A power or coverage of 0 or 1 has a Monte Carlo SE of 0";
        let spread = [cell(share(0.8, 0.0126), share(0.95, 0.0069))];
        let note = share_error_bound(&spread);
        assert!(note.contains("is at most 0.013.") && !note.contains(caveat), "{note}");
        let certain = [spread[0], cell(share(1.0, 0.0), share(0.95, 0.0069))];
        let note = share_error_bound(&certain);
        assert!(note.contains("is at most 0.013.") && note.contains(caveat), "{note}");
        let note = share_error_bound(&[cell(share(0.0, 0.0), share(1.0, 0.0))]);
        assert!(note.contains("is at most 0.000.") && note.contains(caveat), "{note}");
        let note = share_error_bound(&[cell(share(1.0, f64::NAN), share(1.0, f64::NAN))]);
        assert!(note.contains("none has a Monte Carlo SE") && !note.contains(caveat), "{note}");
    }
}
