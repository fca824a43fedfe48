//! The scenario file as written: plain serde types mirroring the RON text.
//!
//! Nothing here is checked beyond its shape; [`super::validate()`] turns a
//! [`Scenario`] into a [`super::Model`] or a list of every problem found.
//! Every field and default is documented for users in `docs/scenarios.md`.

#![allow(missing_docs)] // each field and variant is documented in docs/scenarios.md

use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole scenario file, the `Scenario(...)` that `docs/scenarios.md` describes field by field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "default_replicates")]
    pub replicates: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_horizons")]
    pub horizons: Vec<u32>,
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub transitions: Transitions,
    pub job_loss: JobLoss,
    pub return_to_benefit: ReturnToBenefit,
    pub population: Population,
    pub sites: Vec<Site>,
    pub benefit_rates: BenefitRates,
    #[serde(deserialize_with = "unique_names")]
    pub services: BTreeMap<String, Service>,
    pub arms: Vec<Arm>,
    pub enrolment: Enrolment,
}

/// A map whose keys must be distinct: a name declared twice is an error, not
/// a silent overwrite.
fn unique_names<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Unique<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Unique<T> {
        type Value = BTreeMap<String, T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map from names to definitions")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            // The repeat is refused before its value is read, so that the
            // parser's position is still at the key the error is about.
            while let Some(name) = map.next_key::<String>()? {
                if out.contains_key(&name) {
                    return Err(serde::de::Error::custom(declared_twice(&name)));
                }
                let value = map.next_value()?;
                out.insert(name, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

/// What a repeated map key ends the error message with.
const DECLARED_TWICE: &str = " is declared twice";

/// The message for a name given twice in a map: the name as a RON string,
/// so that [`declared_twice_name`] can read it back exactly.
fn declared_twice(name: &str) -> String {
    let quoted = ron::to_string(name).unwrap_or_else(|_| format!("{name:?}"));
    format!("{quoted}{DECLARED_TWICE}")
}

/// The name a [`declared_twice`] message is about, if it is one: the parser
/// reports the error after the key, and finding where the key starts needs
/// the name itself (it may have been written with escapes or as a raw string).
pub(super) fn declared_twice_name(message: &str) -> Option<String> {
    ron::from_str(message.strip_suffix(DECLARED_TWICE)?).ok()
}

fn default_replicates() -> u32 {
    1000
}
fn default_seed() -> u64 {
    1
}
fn default_horizons() -> Vec<u32> {
    vec![52, 104]
}

/// One rung of the stair-casing ladder with its baseline weekly rates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    #[serde(default)]
    pub progress: f64,
    #[serde(default)]
    pub regress: f64,
    #[serde(default)]
    pub job: f64,
    #[serde(default)]
    pub other_exit: f64,
}

/// Covariate effects and readiness loading of each transition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transitions {
    #[serde(default)]
    pub progress: TransitionEffects,
    #[serde(default)]
    pub regress: TransitionEffects,
    #[serde(default)]
    pub job: TransitionEffects,
    #[serde(default)]
    pub other_exit: TransitionEffects,
    #[serde(default)]
    pub job_loss: TransitionEffects,
    #[serde(default)]
    pub return_to_benefit: TransitionEffects,
}

/// Log-rate coefficients `β` and the readiness loading `ℓ` of one transition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionEffects {
    #[serde(default)]
    pub loading: Option<f64>,
    #[serde(default)]
    pub age: f64,
    #[serde(default)]
    pub age_first_benefit: f64,
    #[serde(default)]
    pub log_weeks_on_benefit: f64,
    #[serde(default)]
    pub prior_spells: f64,
    #[serde(default)]
    pub benefit_type: BenefitTypeValues,
    #[serde(default)]
    pub health: HealthValues,
}

/// Weekly job-loss rates by tenure and where a lost job leads back to (`job_loss`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobLoss {
    pub rates: Vec<Piece>,
    pub reentry_stage: String,
}

/// Weekly rates of return from other exit, by weeks away (`return_to_benefit`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnToBenefit {
    pub rates: Vec<Piece>,
}

/// A piece of a piecewise-constant weekly rate, from `from_week` until the next piece.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Piece {
    pub from_week: u32,
    pub rate: f64,
}

/// Who is randomised: covariate distributions, readiness and eligibility (`population`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    #[serde(default = "one")]
    pub readiness_sd: f64,
    pub age: Distribution,
    pub age_first_benefit: Distribution,
    pub benefit_type: BenefitTypeValues,
    pub health: HealthValues,
    pub weeks_on_benefit: Distribution,
    pub prior_spells: Distribution,
    pub starting_stage: Vec<f64>,
    #[serde(default)]
    pub reference: Reference,
    #[serde(default)]
    pub eligibility: Eligibility,
}

fn one() -> f64 {
    1.0
}

/// A declared distribution of a numeric covariate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Distribution {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    LogNormal {
        median: f64,
        sigma: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
}

/// Values of the covariates at which the baseline rates apply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(default = "ref_age")]
    pub age: f64,
    #[serde(default = "ref_age_first_benefit")]
    pub age_first_benefit: f64,
    #[serde(default = "ref_weeks")]
    pub weeks_on_benefit: f64,
    #[serde(default)]
    pub prior_spells: f64,
}

fn ref_age() -> f64 {
    25.0
}
fn ref_age_first_benefit() -> f64 {
    18.0
}
fn ref_weeks() -> f64 {
    52.0
}

impl Default for Reference {
    fn default() -> Self {
        Self {
            age: ref_age(),
            age_first_benefit: ref_age_first_benefit(),
            weeks_on_benefit: ref_weeks(),
            prior_spells: 0.0,
        }
    }
}

/// Who may be randomised (`eligibility`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    #[serde(default)]
    pub min_age: Option<f64>,
    #[serde(default)]
    pub max_age: Option<f64>,
    #[serde(default)]
    pub max_age_first_benefit: Option<f64>,
    #[serde(default)]
    pub benefit_types: Option<Vec<BenefitType>>,
    #[serde(default)]
    pub health: Option<Vec<Health>>,
}

/// A benefit type, as eligibility names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum BenefitType {
    WorkReady,
    HealthDisability,
    Other,
}

/// A health condition, as eligibility names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Health {
    NoCondition,
    CommonMental,
    SevereMental,
    Physical,
    SubstanceUse,
}

/// One number per benefit type (weights, coefficients or weekly rates).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitTypeValues {
    #[serde(default)]
    pub work_ready: f64,
    #[serde(default)]
    pub health_disability: f64,
    #[serde(default)]
    pub other: f64,
}

/// One number per health condition (weights or coefficients).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthValues {
    #[serde(default)]
    pub no_condition: f64,
    #[serde(default)]
    pub common_mental: f64,
    #[serde(default)]
    pub severe_mental: f64,
    #[serde(default)]
    pub physical: f64,
    #[serde(default)]
    pub substance_use: f64,
}

/// A site and its weight in enrolment (`sites`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    #[serde(default = "one")]
    pub weight: f64,
}

pub type BenefitRates = BenefitTypeValues;

/// A service: staff, caseloads, effects and rules (`services`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub case_managers_per_site: u32,
    #[serde(default)]
    pub caseload_cap: Option<u32>,
    pub hours_per_week: f64,
    #[serde(default)]
    pub background_caseload: u32,
    #[serde(default)]
    pub initial_caseload: u32,
    #[serde(default)]
    pub initial_exit_rate: f64,
    pub intensity: Intensity,
    #[serde(default)]
    pub effects: Effects,
    #[serde(default)]
    pub fidelity: Fidelity,
    #[serde(default)]
    pub quality_sd: f64,
    #[serde(default)]
    pub navigators: Option<Navigators>,
    #[serde(default)]
    pub engagement: Engagement,
    #[serde(default)]
    pub exit: ServiceExit,
}

/// The response `g(c)` to contact hours per client per week.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Intensity {
    Saturating { half: f64 },
    Exponential { scale: f64 },
    Piecewise(Vec<(f64, f64)>),
}

/// Multipliers at full intensity, per transition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effects {
    #[serde(default = "unit")]
    pub progress: Multiplier,
    #[serde(default = "unit")]
    pub regress: Multiplier,
    #[serde(default = "unit")]
    pub job: Multiplier,
    #[serde(default = "unit")]
    pub other_exit: Multiplier,
    #[serde(default = "one")]
    pub job_loss: f64,
}

fn unit() -> Multiplier {
    Multiplier::All(1.0)
}

impl Default for Effects {
    fn default() -> Self {
        Self { progress: unit(), regress: unit(), job: unit(), other_exit: unit(), job_loss: 1.0 }
    }
}

/// A multiplier for every stage, or one per stage (`Multiplier`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Multiplier {
    All(f64),
    PerStage(Vec<f64>),
}

/// How faithfully a service is delivered (`Fidelity`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Fidelity {
    #[default]
    Full,
    Value(f64),
    Ips25 {
        score: f64,
        #[serde(default = "ips_zero")]
        zero_at: f64,
        #[serde(default = "ips_full")]
        full_at: f64,
    },
}

fn ips_zero() -> f64 {
    25.0
}
fn ips_full() -> f64 {
    115.0
}

/// A service's Navigators (`Navigators`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Navigators {
    pub per_site: u32,
    pub clients_per_navigator: u32,
    pub max_stage: String,
    #[serde(default = "one")]
    pub progress: f64,
    #[serde(default = "one")]
    pub disengage: f64,
}

/// Weekly rates of disengaging and re-engaging (`Engagement`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    #[serde(default)]
    pub disengage: f64,
    #[serde(default)]
    pub reengage: f64,
}

/// When clients leave a service (`exit`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceExit {
    #[serde(default)]
    pub in_work_support: InWorkSupport,
    #[serde(default)]
    pub max_weeks: Option<u32>,
    #[serde(default)]
    pub disengaged_weeks: Option<u32>,
}

/// How long support lasts once a client is in work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum InWorkSupport {
    Weeks(u32),
    Unlimited {
        #[serde(default)]
        end_rate: f64,
    },
}

impl Default for InWorkSupport {
    fn default() -> Self {
        Self::Weeks(0)
    }
}

/// A trial arm: its service, fallback and allocation ratio (`arms`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    pub name: String,
    pub service: String,
    #[serde(default)]
    pub fallback: Option<String>,
    #[serde(default = "one")]
    pub ratio: f64,
    #[serde(default)]
    pub control: bool,
}

/// How participants arrive (`enrolment`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Enrolment {
    Total { n: u32, weeks: u32 },
    PerSite { weeks: u32, weekly: Vec<f64> },
}

/// Service definitions keyed by their scenario name, in name order.
pub type Services = BTreeMap<String, Service>;
