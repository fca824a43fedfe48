//! rctsim simulates randomised controlled trials of employment case-management
//! services and diagnoses how well a trial design estimates their effects.
//!
//! The pipeline, one way only:
//!
//! ```text
//! scenario file ──scenario::load──▶ Model
//!   └─(per replicate, in parallel)─▶ trial::cohort (population, enrolment, randomisation)
//!        ─▶ engine::simulate (weekly step: real lives, then ghost twins)
//!        ─▶ analysis (difference in means per contrast, outcome, horizon)
//!   ─▶ analysis::diagnose (across replicates) ─▶ report (table, JSON, CSV)
//! ```
//!
//! The engine knows no estimator, the analysis knows no hazard and the library
//! knows no command line. Every random number is a keyed draw ([`rng`]), so a
//! scenario and seed give byte-identical results on any number of threads.

pub mod analysis;
pub mod engine;
pub mod normal;
pub mod population;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod service;
pub mod trial;
