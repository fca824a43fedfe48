//! The CSV outputs: `estimates.csv`, `trajectories.csv` and `persons.csv`.

use super::{Report, VERSION, column_name, number};
use crate::analysis::DIFFERENCE_IN_MEANS;
use crate::engine::{OUTCOMES, TrajectoryColumns};
use crate::scenario::{BENEFIT_TYPE_NAMES, HEALTH_NAMES};
use std::io::{self, Write};

fn row<W: Write, I: IntoIterator<Item = String>>(w: &mut csv::Writer<W>, fields: I) -> io::Result<()> {
    w.write_record(fields).map_err(io::Error::from)
}

/// The provenance columns closing every row, so that a CSV file read on its
/// own still says what produced it: the version, the seed, the replicates
/// (`trajectories.csv` pools them) and the scenario's hash.
const PROVENANCE: [&str; 4] = ["rctsim_version", "seed", "replicates", "scenario_sha256"];

fn provenance(r: &Report) -> [String; 4] {
    [VERSION.to_string(), r.result.seed.to_string(), r.result.replicates.to_string(), r.scenario_sha256.to_string()]
}

/// `estimates.csv`: one row per replicate × contrast × outcome × horizon.
///
/// # Errors
/// Any error writing to `out`.
pub fn write_estimates_csv(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header =
        "replicate,treatment,control,outcome,horizon_weeks,estimator,estimate,se,df,ci_low,ci_high,p_value,sate";
    row(&mut w, header.split(',').chain(PROVENANCE).map(String::from))?;
    let prov = provenance(r);
    for (rep, draws) in r.result.estimates.iter().enumerate() {
        for (cell, d) in r.result.cells().zip(draws) {
            let contrast = &r.result.contrasts[cell.contrast];
            let e = &d.estimate;
            row(
                &mut w,
                [
                    rep.to_string(),
                    r.model.arms[contrast.treatment].name.clone(),
                    r.model.arms[contrast.control].name.clone(),
                    OUTCOMES[cell.outcome].name().to_string(),
                    r.model.horizons[cell.horizon].to_string(),
                    DIFFERENCE_IN_MEANS.to_string(),
                    number(e.estimate),
                    number(e.se),
                    number(e.df),
                    number(e.ci_low),
                    number(e.ci_high),
                    number(e.p_value),
                    number(d.sate),
                ]
                .into_iter()
                .chain(prov.iter().cloned()),
            )?;
        }
    }
    w.flush()
}

/// `trajectories.csv`: real participants per arm and own-clock week, pooled
/// over replicates.
///
/// # Errors
/// Any error writing to `out`.
pub fn write_trajectories_csv(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let cols = TrajectoryColumns { stages: r.model.stages.len() };
    let mut header: Vec<String> = vec!["arm".into(), "week".into(), "participants".into()];
    header.extend(r.model.stages.iter().map(|s| format!("share_{}", column_name(s))));
    header.extend(cols.non_stage().map(|(name, _)| format!("share_{name}")));
    header.extend(["mean_caseload", "mean_service_caseload"].map(String::from));
    header.extend(PROVENANCE.map(String::from));
    let prov = provenance(r);
    let mut w = csv::Writer::from_writer(out);
    row(&mut w, header)?;
    let weeks = r.model.longest_horizon() as usize + 1;
    for (a, arm) in r.model.arms.iter().enumerate() {
        let n = r.result.arms[a].participants;
        for k in 0..weeks {
            let sums = &r.result.trajectories[cols.row(a, k, weeks)];
            let share = |v: u64| number(v as f64 / n as f64);
            let mut fields = vec![arm.name.clone(), k.to_string(), n.to_string()];
            fields.extend(sums[..cols.stages].iter().map(|&v| share(v)));
            fields.extend(cols.non_stage().map(|(_, column)| share(sums[column])));
            fields.push(number(sums[cols.caseload_sum()] as f64 / sums[cols.served()] as f64));
            fields.push(number(sums[cols.service_caseload_sum()] as f64 / sums[cols.in_service()] as f64));
            fields.extend(prov.iter().cloned());
            row(&mut w, fields)?;
        }
    }
    w.flush()
}

/// `persons.csv`: replicate 0, one row per participant: covariates, the
/// arm's outcomes and every arm's potential outcomes with the week its
/// service would have started; nothing if the run did not keep them.
///
/// # Errors
/// Any error writing to `out`.
pub fn write_persons_csv(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(pl) = r.result.persons.as_ref() else { return Ok(()) };
    let m = r.model;
    let mut header: Vec<String> = "person,site,arm,randomised_week,service_started_week,age,age_first_benefit,benefit_type,health,weeks_on_benefit_at_selection,prior_spells,starting_stage,readiness"
        .split(',')
        .map(String::from)
        .collect();
    for o in OUTCOMES {
        for h in &m.horizons {
            header.push(format!("{}_{h}", o.name()));
        }
    }
    for arm in &m.arms {
        for o in OUTCOMES {
            for h in &m.horizons {
                header.push(format!("{}_{h}_if_{}", o.name(), arm.name));
            }
        }
        header.push(format!("service_started_week_if_{}", arm.name));
    }
    header.extend(PROVENANCE.map(String::from));
    let prov = provenance(r);
    let mut w = csv::Writer::from_writer(out);
    row(&mut w, header)?;
    let n_arms = m.arms.len();
    let longest = m.longest_horizon();
    for (i, p) in pl.cohort.persons.iter().enumerate() {
        let a = pl.cohort.arms[i] as usize;
        // Empty, not `NA`, as the output format gives it for this column:
        // R, pandas and Stata all read an empty field of a numeric column
        // as missing, where Stata would make a column with `NA` text.
        let started = |arm: usize| {
            let record = &pl.replicate.life(i, arm).record;
            if record.started_before(longest) { record.service_started.to_string() } else { String::new() }
        };
        let mut fields = vec![
            i.to_string(),
            m.sites[p.site as usize].clone(),
            m.arms[a].name.clone(),
            p.week.to_string(),
            started(a),
            number(p.age),
            number(p.age_first_benefit),
            BENEFIT_TYPE_NAMES[p.benefit_type as usize].into(),
            HEALTH_NAMES[p.health as usize].into(),
            p.weeks_on_benefit.to_string(),
            p.prior_spells.to_string(),
            m.stages[p.starting_stage as usize].clone(),
            number(p.readiness),
        ];
        let outcomes = |arm: usize| {
            OUTCOMES.iter().flat_map(move |&o| {
                (0..m.horizons.len()).map(move |h| number(pl.replicate.outcome(m, &pl.cohort, i, arm, h, o)))
            })
        };
        fields.extend(outcomes(a));
        for arm in 0..n_arms {
            fields.extend(outcomes(arm));
            fields.push(started(arm));
        }
        fields.extend(prov.iter().cloned());
        row(&mut w, fields)?;
    }
    w.flush()
}
