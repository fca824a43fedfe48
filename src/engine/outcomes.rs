//! Person-level outcomes at a horizon, read from a life's record.

use super::life::Record;
use super::{AtHorizon, Cohort, Replicate};
use crate::scenario::Model;

/// An outcome measured on each participant's own clock at horizon `h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Weeks `k < h` on benefit.
    WeeksOnBenefit,
    /// Off benefit in week `h` (1/0).
    OffBenefit,
    /// Employed in week `h` (1/0).
    Employed,
    /// Employed in some week `k ≤ h` (1/0).
    EverEmployed,
    /// Employed in some week `k ≤ h` with tenure ≥ 13 weeks (1/0).
    Retained13Weeks,
    /// Employed in some week `k ≤ h` with tenure ≥ 26 weeks (1/0).
    SustainedEmployment,
    /// Employed in some week `k ≤ h` with tenure ≥ 52 weeks (1/0).
    Retained52Weeks,
    /// First week off benefit, restricted at `h` (never → `h`): its mean is an RMST.
    WeeksToFirstExit,
    /// Weekly benefit rate × weeks on benefit.
    BenefitPaid,
}

/// Every outcome, in output order: `OUTCOMES[o as usize] == o`, so an
/// outcome indexes per-outcome arrays.
pub const OUTCOMES: [Outcome; 9] = [
    Outcome::WeeksOnBenefit,
    Outcome::OffBenefit,
    Outcome::Employed,
    Outcome::EverEmployed,
    Outcome::Retained13Weeks,
    Outcome::SustainedEmployment,
    Outcome::Retained52Weeks,
    Outcome::WeeksToFirstExit,
    Outcome::BenefitPaid,
];
const _: () = {
    let mut o = 0;
    while o < OUTCOMES.len() {
        assert!(OUTCOMES[o] as usize == o, "OUTCOMES lists the outcomes in declaration order");
        o += 1;
    }
};

impl Outcome {
    /// Name as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Self::WeeksOnBenefit => "weeks_on_benefit",
            Self::OffBenefit => "off_benefit",
            Self::Employed => "employed",
            Self::EverEmployed => "ever_employed",
            Self::Retained13Weeks => "retained_13_weeks",
            Self::SustainedEmployment => "sustained_employment",
            Self::Retained52Weeks => "retained_52_weeks",
            Self::WeeksToFirstExit => "weeks_to_first_exit",
            Self::BenefitPaid => "benefit_paid",
        }
    }
}

impl Outcome {
    /// Whether every value of the outcome is a whole number from 0 to
    /// `u16::MAX`: a count of weeks or a 1/0 flag. Only money is not.
    pub const fn is_whole(self) -> bool {
        !matches!(self, Self::BenefitPaid)
    }

    /// The value of a whole-number outcome ([`Outcome::is_whole`]) at
    /// horizon `h`, as [`outcome_value`] gives it but as an integer, which
    /// sums exactly; `None` for any other outcome.
    #[inline]
    pub fn count(self, h: u32, record: &Record, at: &AtHorizon, stages: u8) -> Option<u32> {
        let flag = |b: bool| u32::from(b);
        Some(match self {
            Self::WeeksOnBenefit => u32::from(at.weeks_on_benefit),
            Self::OffBenefit => flag(at.state >= stages),
            Self::Employed => flag(at.state == stages),
            Self::EverEmployed => flag(u32::from(record.first_employed) <= h),
            Self::Retained13Weeks => flag(u32::from(record.first_tenure[0]) <= h),
            Self::SustainedEmployment => flag(u32::from(record.first_tenure[1]) <= h),
            Self::Retained52Weeks => flag(u32::from(record.first_tenure[2]) <= h),
            Self::WeeksToFirstExit => u32::from(record.first_exit).min(h),
            Self::BenefitPaid => return None,
        })
    }
}

/// The value of `outcome` at horizon `h` for a life with `record` and horizon snapshot `at`.
///
/// `stages` is the number of stages (so `stages` is the Employed state) and
/// `benefit_rate` the weekly benefit rate of the person's benefit type.
#[inline]
pub fn outcome_value(outcome: Outcome, h: u32, record: &Record, at: &AtHorizon, stages: u8, benefit_rate: f64) -> f64 {
    match outcome.count(h, record, at, stages) {
        Some(n) => f64::from(n),
        None => benefit_rate * f64::from(at.weeks_on_benefit),
    }
}

impl Replicate {
    /// The value of `outcome` at horizon index `h` for person `i` of
    /// `cohort` under arm `a`.
    pub fn outcome(&self, model: &Model, cohort: &Cohort, i: usize, a: usize, h: usize, outcome: Outcome) -> f64 {
        let rate = cohort.persons[i].benefit_rate(model);
        outcome_value(outcome, model.horizons[h], &self.life(i, a).record, self.at_horizon(i, a, h), self.stages, rate)
    }
}
