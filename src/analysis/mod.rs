//! Estimators and the diagnosis of a design across replicates.
//!
//! The analysis sees only outcome vectors and true effects; it knows nothing
//! of hazards or case managers.

mod diagnosis;
mod difference_in_means;
mod student_t;

pub use diagnosis::{DIAGNOSANDS, Diagnosis, Draw, Value, diagnose};
pub use difference_in_means::{
    Estimate, Moments, NAME as DIFFERENCE_IN_MEANS, difference_in_means, difference_of_moments,
};
